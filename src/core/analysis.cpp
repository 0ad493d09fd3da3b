// Landscape analytics (keten/analysis.hpp): capacity per municipality and help form (Eigen),
// summaries and their text, and the partner network with degree, betweenness and components.
#include "keten/analysis.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/betweenness_centrality.hpp>
#include <boost/graph/connected_components.hpp>

#include "keten/error.hpp"

namespace keten {

Eigen::MatrixXd capacity_by_municipality(const landscape& l) {
  const geography& places = l.places();
  Eigen::MatrixXd units = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(places.size()),
                                                static_cast<Eigen::Index>(help_form_count));
  // Municipalities each offering serves as a whole, from the (municipality, category) cells.
  std::vector<std::vector<municipality_index>> served(l.offerings().size());
  for (std::size_t m = 0; m < places.size(); ++m)
    for (std::size_t c = 0; c < l.categories().size(); ++c)
      for (offering_index o :
           l.candidates(static_cast<municipality_index>(m), static_cast<category_index>(c)))
        if (served[o].empty() || served[o].back() != m)
          served[o].push_back(static_cast<municipality_index>(m));
  // An offering that serves no municipality as a whole (only PC4 areas, or a circle that holds no
  // municipality's point) is counted in its partner's home municipality.
  for (std::size_t o = 0; o < served.size(); ++o)
    if (served[o].empty())
      served[o].push_back(
          places.index_of(l.partners()[l.partner_of(static_cast<offering_index>(o))].municipality));
  for (std::size_t o = 0; o < served.size(); ++o) {
    const offering& item = l.offerings()[o];
    const double per_year = item.units.units_per_period * 365.0 / item.units.period_days;
    std::set<help_form> forms;
    for (category_index c : l.categories_of(static_cast<offering_index>(o)))
      forms.insert(l.categories()[c].form);
    double population = 0;
    for (municipality_index m : served[o])
      population += places[m].population;
    for (municipality_index m : served[o]) {
      const double share = population > 0 ? places[m].population / population
                                          : 1.0 / static_cast<double>(served[o].size());
      for (help_form f : forms)
        units(m, static_cast<Eigen::Index>(f)) +=
            per_year * share / static_cast<double>(forms.size());
    }
  }
  return units;
}

landscape_summary summarize(const landscape& l) {
  landscape_summary s;
  s.name = l.name();
  s.partners = l.partners().size();
  s.offerings = l.offerings().size();
  s.categories = l.categories().size();
  s.complementarities = l.complementarities().size();
  s.precedences = l.precedences().size();
  std::set<std::string_view> members;
  for (const partner& p : l.partners())
    members.insert(p.member);
  s.member_organisations = members.size();
  for (std::size_t o = 0; o < l.offerings().size(); ++o) {
    const offering& item = l.offerings()[o];
    std::set<help_form> forms;
    for (category_index c : l.categories_of(static_cast<offering_index>(o)))
      forms.insert(l.categories()[c].form);
    for (help_form f : forms) {
      const auto i = static_cast<std::size_t>(f);
      ++s.offerings_per_form[i];
      s.units_per_year_per_form[i] += item.units.units_per_period * 365.0 / item.units.period_days /
                                      static_cast<double>(forms.size());
      s.free_units_per_form[i] += item.units.free_units / static_cast<double>(forms.size());
    }
  }
  // Served: some offering serves the municipality as a whole (whatever its capacity).
  for (std::size_t m = 0; m < l.places().size(); ++m) {
    std::array<bool, help_form_count> present{};
    for (std::size_t c = 0; c < l.categories().size(); ++c)
      if (!l.candidates(static_cast<municipality_index>(m), static_cast<category_index>(c)).empty())
        present[static_cast<std::size_t>(l.categories()[static_cast<category_index>(c)].form)] =
            true;
    if (std::any_of(present.begin(), present.end(), [](bool p) { return p; }))
      ++s.municipalities_served;
    if (std::all_of(present.begin(), present.end(), [](bool p) { return p; }))
      ++s.municipalities_with_all_forms;
  }
  return s;
}

std::string to_text(const landscape_summary& s) {
  std::string out = fmt::format("landscape      {}\n", s.name.empty() ? "(unnamed)" : s.name);
  out += fmt::format("partners       {} local branches of {} member organisations\n", s.partners,
                     s.member_organisations);
  out += fmt::format("offerings      {} over {} need categories\n", s.offerings, s.categories);
  out += fmt::format("municipalities {} served, {} with all five help forms\n",
                     s.municipalities_served, s.municipalities_with_all_forms);
  out += fmt::format("relations      {} complementarities, {} precedences\n\n", s.complementarities,
                     s.precedences);
  out += fmt::format("{:<28} {:>9} {:>14} {:>10}\n", "help form", "offerings", "units / year",
                     "free now");
  for (help_form f : all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    out += fmt::format("{:<28} {:>9} {:>14.0f} {:>10.0f}\n", label_nl(f), s.offerings_per_form[i],
                       s.units_per_year_per_form[i], s.free_units_per_form[i]);
  }
  return out;
}

partner_network build_partner_network(const landscape& l) {
  partner_network out;
  out.partners = l.partners().size();
  std::map<std::pair<partner_index, partner_index>, std::uint32_t> shared;
  const std::size_t categories = l.categories().size();
  std::vector<std::vector<char>> offers;  // per partner present here: its categories
  std::vector<partner_index> present;
  std::vector<int> slot(out.partners, -1);
  case_location where;
  for (const municipality& m : l.places().municipalities()) {
    where.municipality = m.code;
    const auto mi = l.places().index_of(m.code);
    // The partners that serve here, and with which categories.
    for (std::size_t c = 0; c < categories; ++c)
      for (offering_index o : l.candidates(mi, static_cast<category_index>(c))) {
        if (!l.serves(o, where)) continue;
        const partner_index p = l.partner_of(o);
        if (slot[p] < 0) {
          slot[p] = static_cast<int>(present.size());
          present.push_back(p);
          offers.emplace_back(categories, 0);
        }
        for (category_index k : l.categories_of(o))
          offers[static_cast<std::size_t>(slot[p])][k] = 1;
      }
    for (std::size_t a = 0; a < present.size(); ++a)
      for (std::size_t b = a + 1; b < present.size(); ++b) {
        bool complementary = false;
        for (std::size_t x = 0; x < categories && !complementary; ++x) {
          if (!offers[a][x]) continue;
          for (std::size_t y = 0; y < categories && !complementary; ++y)
            complementary = offers[b][y] && l.complement_weight(static_cast<category_index>(x),
                                                                static_cast<category_index>(y)) > 0;
        }
        if (complementary) ++shared[std::minmax(present[a], present[b])];
      }
    for (partner_index p : present)
      slot[p] = -1;
    present.clear();
    offers.clear();
  }
  for (const auto& [link, count] : shared) {
    out.links.push_back(link);
    out.shared_municipalities.push_back(count);
  }
  return out;
}

partner_metrics network_metrics(const partner_network& network) {
  using graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  const std::size_t n = network.partners;
  graph g(n);
  for (const auto& [a, b] : network.links) {
    if (a >= n || b >= n || a == b)
      throw validation_error(
          error_code::invalid_value,
          fmt::format("link {}–{} does not join two of the {} partners", a, b, n),
          {.field = "links"});
    boost::add_edge(a, b, g);
  }
  partner_metrics out;
  out.degree.resize(n);
  for (std::size_t v = 0; v < n; ++v)
    out.degree[v] = static_cast<std::uint32_t>(boost::degree(v, g));
  out.betweenness.assign(n, 0.0);
  if (n > 0) {
    boost::brandes_betweenness_centrality(
        g, boost::centrality_map(boost::make_iterator_property_map(
               out.betweenness.begin(), boost::get(boost::vertex_index, g))));
    // Boost sums σ_st(v) / σ_st over the unordered pairs {s, t} of an undirected graph; the share
    // of the (n − 1)(n − 2) / 2 pairs of other partners is that sum over their number.
    const double pairs = static_cast<double>(n - 1) * static_cast<double>(n - 2) / 2.0;
    for (double& b : out.betweenness)
      b = n > 2 ? b / pairs : 0.0;
  }
  out.component.assign(n, 0);
  out.components = n == 0 ? 0
                          : static_cast<std::size_t>(boost::connected_components(
                                g, boost::make_iterator_property_map(
                                       out.component.begin(), boost::get(boost::vertex_index, g))));
  return out;
}

}  // namespace keten
