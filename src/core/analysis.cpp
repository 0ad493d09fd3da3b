#include "keten/analysis.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

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

}  // namespace keten
