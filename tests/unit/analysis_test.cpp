// Tests of keten/analysis.hpp on a hand-made landscape whose numbers are worked out below.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "keten/analysis.hpp"
#include "keten/io.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::make_offering;
using keten_test::make_partner;

// Three municipalities with populations 100, 300 and 600. GM0001 and GM0002 lie 0.5° of longitude
// (about 34 km) apart; GM0003 is more than 100 km from both.
std::shared_ptr<const geography> three_places() {
  return std::make_shared<const geography>(std::vector<municipality>{
      {"GM0001", "Een", "P", 100, 10, {52.0, 5.0}},
      {"GM0002", "Twee", "P", 300, 10, {52.0, 5.5}},
      {"GM0003", "Drie", "P", 600, 10, {53.0, 6.0}},
  });
}

offering with_units(offering o, int units, int period, int free) {
  o.units.units_per_period = units;
  o.units.period_days = period;
  o.units.free_units = free;
  return o;
}

// The offerings, with their capacity per year and where it goes (split by population over the
// municipalities served, and evenly over the help forms covered):
//   o1  money                 GM0001+GM0002       40/yr  → GM0001 10, GM0002 30          free 10
//   o2  neighbour + youth     GM0003              10 per 73 days = 50/yr → 25 + 25       free 3
//   o3  work                  circle(GM0002) + GM0003   12/yr → GM0002 4, GM0003 8       free 0
//   o4  money (two cats)      GM0003              30/yr → GM0003 30 (one form: not split) free 5
//   o5  group                 all three           100/yr → 10, 30, 60                    free 20
//
//              money neighbour work group youth | row sum
//   GM0001        10        0     0    10     0 |  20
//   GM0002        30        0     4    30     0 |  64
//   GM0003        30       25     8    60    25 | 148
//   total         70       25    12   100    25 | 232
landscape hand_made() {
  landscape_builder b(three_places());
  b.set_name("Testland");
  b.add_partner(make_partner("pA", "GM0001", "SchuldHulpMaatje"));
  b.add_partner(make_partner("pB", "GM0003", "HipHelpt"));
  b.add_partner(make_partner("pC", "GM0002", "JobHulpMaatje"));
  b.add_partner(make_partner("pD", "GM0002", "Stichting Present"));
  b.add_partner(make_partner("pE", "GM0003", "SchuldHulpMaatje"));  // no offerings
  b.add_offering(
      with_units(make_offering("o1", "pA", {"money.debts"}, {"GM0001", "GM0002"}), 40, 365, 10));
  b.add_offering(with_units(
      make_offering("o2", "pB", {"neighbour.chores", "youth.chores"}, {"GM0003"}), 10, 73, 3));
  offering o3 = with_units(make_offering("o3", "pC", {"work.coaching"}, {"GM0003"}), 12, 365, 0);
  o3.area.radius = radius_area{{52.0, 5.5}, 10.0};
  b.add_offering(o3);
  b.add_offering(with_units(
      make_offering("o4", "pA", {"money.admin", "money.budgeting"}, {"GM0003"}), 30, 365, 5));
  b.add_offering(with_units(
      make_offering("o5", "pD", {"group.garden"}, {"GM0001", "GM0002", "GM0003"}), 100, 365, 20));
  b.add_complementarity({"money.debts", "work.coaching", 0.5});
  b.add_complementarity({"group.garden", "neighbour.chores", 0.25});
  b.add_precedence({"money.debts", "work.coaching"});
  return b.build();
}

TEST(Analysis, CapacityByMunicipality) {
  const Eigen::MatrixXd units = capacity_by_municipality(hand_made());
  ASSERT_EQ(units.rows(), 3);
  ASSERT_EQ(units.cols(), 5);
  Eigen::MatrixXd expected(3, 5);
  expected << 10, 0, 0, 10, 0,  //
      30, 0, 4, 30, 0,          //
      30, 25, 8, 60, 25;
  for (Eigen::Index m = 0; m < 3; ++m)
    for (Eigen::Index f = 0; f < 5; ++f)
      EXPECT_NEAR(units(m, f), expected(m, f), 1e-9) << "row " << m << " form " << f;
  EXPECT_NEAR(units.row(0).sum(), 20.0, 1e-9);
  EXPECT_NEAR(units.row(1).sum(), 64.0, 1e-9);
  EXPECT_NEAR(units.row(2).sum(), 148.0, 1e-9);
  EXPECT_NEAR(units.sum(), 232.0, 1e-9);
}

TEST(Analysis, Summary) {
  const landscape l = hand_made();
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.name, "Testland");
  EXPECT_EQ(s.partners, 5u);
  EXPECT_EQ(s.offerings, 5u);
  EXPECT_EQ(s.categories, 18u);
  EXPECT_EQ(s.member_organisations, 4u);
  EXPECT_EQ(s.municipalities_served, 3u);
  EXPECT_EQ(s.municipalities_with_all_forms, 1u);  // GM0003 only
  EXPECT_EQ(s.complementarities, 2u);
  EXPECT_EQ(s.precedences, 1u);
  const std::array<std::size_t, 5> offerings{2, 1, 1, 1, 1};
  EXPECT_EQ(s.offerings_per_form, offerings);
  const std::array<double, 5> units{70, 25, 12, 100, 25};
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(s.units_per_year_per_form[f], units[f], 1e-9);
  // Free units are split like units over the forms an offering covers (o2's 3: neighbour, youth).
  const std::array<double, 5> free{15, 1.5, 0, 20, 1.5};
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(s.free_units_per_form[f], free[f], 1e-9);
}

TEST(Analysis, MatrixColumnsAddUpToTheNationalTotals) {
  const landscape l = hand_made();
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  const landscape_summary s = summarize(l);
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(units.col(static_cast<Eigen::Index>(f)).sum(), s.units_per_year_per_form[f], 1e-9);
}

/// One line of the table of to_text(): "{:<28} {:>9} {:>14} {:>10}".
std::string line(std::string_view label, const std::string& offerings, const std::string& units,
                 const std::string& free) {
  const auto right = [](const std::string& s, std::size_t w) {
    return std::string(w > s.size() ? w - s.size() : 0, ' ') + s;
  };
  return std::string(label) + std::string(28 - label.size(), ' ') + " " + right(offerings, 9) +
         " " + right(units, 14) + " " + right(free, 10) + "\n";
}
std::string row(std::string_view label, std::size_t offerings, const std::string& units,
                const std::string& free) {
  return line(label, std::to_string(offerings), units, free);
}

TEST(Analysis, ToText) {
  const std::string expected =
      "landscape      Testland\n"
      "partners       5 local branches of 4 member organisations\n"
      "offerings      5 over 18 need categories\n"
      "municipalities 3 served, 1 with all five help forms\n"
      "relations      2 complementarities, 1 precedences\n"
      "\n" +
      line("help form", "offerings", "units / year", "free now") +
      row("Hulp bij geldzorgen", 2, "70", "15") + row("Laagdrempelige burenhulp", 1, "25", "2") +
      row("Hulp voor werkzoekenden", 1, "12", "0") + row("Helpen als groep", 1, "100", "20") +
      row("Helpen als jongeren", 1, "25", "2");
  EXPECT_EQ(to_text(summarize(hand_made())), expected);
}

TEST(Analysis, ToTextOfAnUnnamedEmptyLandscape) {
  const std::string text = to_text(summarize(landscape()));
  EXPECT_EQ(text.substr(0, text.find('\n')), "landscape      (unnamed)");
  EXPECT_NE(text.find(row("Helpen als jongeren", 0, "0", "0")), std::string::npos) << text;
}

TEST(Analysis, EmptyLandscape) {
  const landscape l;
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  EXPECT_EQ(units.rows(), 342);
  EXPECT_EQ(units.cols(), 5);
  EXPECT_EQ(units.sum(), 0.0);
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.offerings, 0u);
  EXPECT_EQ(s.municipalities_served, 0u);
  EXPECT_EQ(s.member_organisations, 0u);
}

TEST(Analysis, OneOfferingInAmsterdam) {
  landscape_builder b;
  b.add_partner(make_partner("p"));
  b.add_offering(with_units(make_offering("o", "p", {"work.job_search"}, {"GM0363"}), 7, 7, 1));
  const landscape l = b.build();
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  const auto amsterdam = static_cast<Eigen::Index>(l.places().index_of("GM0363"));
  EXPECT_NEAR(units(amsterdam, static_cast<Eigen::Index>(help_form::work)), 365.0, 1e-9);
  EXPECT_NEAR(units.sum(), 365.0, 1e-9);
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.municipalities_served, 1u);
  EXPECT_EQ(s.municipalities_with_all_forms, 0u);
}

// Regression test (a bug found while writing this suite, since fixed): src/core/analysis.cpp,
// capacity_by_municipality(): an offering that serves no municipality as a whole (an area of PC4
// postcodes only) has an empty `served` list, so its capacity is dropped from the matrix, while
// summarize() counts it in units_per_year_per_form: the columns no longer add up to the national
// totals that the header promises. Fix: either document that such offerings are left out (and leave
// them out of the summary's totals too), or attribute them, e.g. to the partner's home
// municipality.
TEST(Analysis, PostcodeOnlyOfferingCountsInTheMatrix) {
  landscape_builder b(three_places());
  b.add_partner(make_partner("p", "GM0001"));
  b.add_offering(with_units(make_offering("listed", "p", {"money.debts"}, {"GM0001"}), 10, 365, 0));
  offering pc = with_units(make_offering("pc4", "p", {"money.crisis"}, {}), 50, 365, 0);
  pc.area.postcodes = {1234};
  b.add_offering(pc);
  const landscape l = b.build();
  const landscape_summary s = summarize(l);
  EXPECT_NEAR(s.units_per_year_per_form[0], 60.0, 1e-9);
  EXPECT_NEAR(capacity_by_municipality(l).col(0).sum(), s.units_per_year_per_form[0], 1e-9);
}

// Regression test (a bug found while writing this suite, since fixed): src/core/analysis.cpp,
// summarize(): municipalities_served counts rows of capacity_by_municipality() with a positive sum,
// so a municipality whose only offering has no capacity this period (units_per_period 0, which the
// builder allows) is not "served", although landscape_summary documents "municipalities with at
// least one offering serving them" (and municipalities_with_all_forms has the same problem). Fix:
// count from the candidates() cells (or municipalities_of()) instead of from the capacity.
TEST(Analysis, OfferingWithoutCapacityStillServes) {
  landscape_builder b(three_places());
  b.add_partner(make_partner("p", "GM0001"));
  b.add_offering(with_units(make_offering("o", "p", {"money.debts"}, {"GM0001"}), 0, 365, 0));
  const landscape l = b.build();
  ASSERT_EQ(l.candidates(0, l.categories().index_of("money.debts")).size(), 1u);
  EXPECT_EQ(summarize(l).municipalities_served, 1u);
}

// --- the partner network -------------------------------------------------------------------------

TEST(PartnerNetwork, HandMadeLandscape) {
  // GM0002: pA (money.debts) and pC (work.coaching, by its circle) complement each other; GM0003:
  // pB (neighbour.chores) and pD (group.garden). pE has no offerings.
  const partner_network net = build_partner_network(hand_made());
  EXPECT_EQ(net.partners, 5U);
  using link = std::pair<partner_index, partner_index>;
  EXPECT_EQ(net.links, (std::vector<link>{{0, 2}, {1, 3}}));
  EXPECT_EQ(net.shared_municipalities, (std::vector<std::uint32_t>{1, 1}));
  const partner_metrics m = network_metrics(net);
  EXPECT_EQ(m.degree, (std::vector<std::uint32_t>{1, 1, 1, 1, 0}));
  EXPECT_EQ(m.betweenness, std::vector<double>(5, 0.0));
  EXPECT_EQ(m.component, (std::vector<std::uint32_t>{0, 1, 0, 1, 2}));
  EXPECT_EQ(m.components, 3U);
}

TEST(PartnerNetwork, BetweennessOfAPathAndAStar) {
  // A path 0–1–2–3: the inner partners lie on 2 of the 3 pairs of others' shortest paths.
  const partner_metrics path = network_metrics({4, {{0, 1}, {1, 2}, {2, 3}}, {1, 1, 1}});
  EXPECT_EQ(path.betweenness[0], 0.0);
  EXPECT_DOUBLE_EQ(path.betweenness[1], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(path.betweenness[2], 2.0 / 3.0);
  EXPECT_EQ(path.components, 1U);
  // A star: the centre is on every path between two leaves.
  const partner_metrics star = network_metrics({5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}, {1, 1, 1, 1}});
  EXPECT_DOUBLE_EQ(star.betweenness[0], 1.0);
  EXPECT_EQ(star.degree[0], 4U);
  EXPECT_THROW((void)network_metrics({2, {{0, 2}}, {1}}), validation_error);
  EXPECT_EQ(network_metrics({}).components, 0U);
}

/// The links by brute force: every pair of offerings of two partners that complement each other,
/// over the municipalities both serve (Landscape::serves on every municipality).
std::map<std::pair<partner_index, partner_index>, std::uint32_t> links_by_brute_force(
    const landscape& l) {
  const auto& places = l.places().municipalities();
  std::vector<std::vector<char>> serves(l.offerings().size(), std::vector<char>(places.size(), 0));
  for (offering_index o = 0; o < l.offerings().size(); ++o)
    for (std::size_t m = 0; m < places.size(); ++m)
      serves[o][m] = l.serves(o, case_location{places[m].code, std::nullopt, std::nullopt}) ? 1 : 0;
  std::map<std::pair<partner_index, partner_index>, std::vector<char>> where;
  for (offering_index a = 0; a < l.offerings().size(); ++a)
    for (offering_index b = 0; b < l.offerings().size(); ++b) {
      const partner_index pa = l.partner_of(a), pb = l.partner_of(b);
      if (pa >= pb || l.offering_complement_weight(a, b) <= 0) continue;
      auto& at = where[{pa, pb}];
      at.resize(places.size(), 0);
      for (std::size_t m = 0; m < places.size(); ++m)
        if (serves[a][m] && serves[b][m]) at[m] = 1;
    }
  std::map<std::pair<partner_index, partner_index>, std::uint32_t> out;
  for (const auto& [link, at] : where) {
    const auto count = static_cast<std::uint32_t>(std::count(at.begin(), at.end(), 1));
    if (count > 0) out[link] = count;
  }
  return out;
}

/// Betweenness by its definition: all-pairs BFS, shortest-path counts, Σ over pairs s < t of
/// σ_st(v) / σ_st, divided by the (n − 1)(n − 2) / 2 pairs.
std::vector<double> betweenness_by_definition(const partner_network& net) {
  const std::size_t n = net.partners;
  std::vector<std::vector<std::size_t>> adj(n);
  for (const auto& [a, b] : net.links) {
    adj[a].push_back(b);
    adj[b].push_back(a);
  }
  const std::size_t far = n + 1;
  std::vector<std::vector<std::size_t>> dist(n, std::vector<std::size_t>(n, far));
  std::vector<std::vector<double>> sigma(n, std::vector<double>(n, 0.0));
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<std::size_t> queue{s};
    dist[s][s] = 0;
    sigma[s][s] = 1;
    for (std::size_t i = 0; i < queue.size(); ++i)
      for (std::size_t w : adj[queue[i]]) {
        const std::size_t v = queue[i];
        if (dist[s][w] == far) {
          dist[s][w] = dist[s][v] + 1;
          queue.push_back(w);
        }
        if (dist[s][w] == dist[s][v] + 1) sigma[s][w] += sigma[s][v];
      }
  }
  std::vector<double> out(n, 0.0);
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t t = s + 1; t < n; ++t) {
      if (dist[s][t] == far) continue;
      for (std::size_t v = 0; v < n; ++v)
        if (v != s && v != t && dist[s][v] + dist[v][t] == dist[s][t])
          out[v] += sigma[s][v] * sigma[v][t] / sigma[s][t];
    }
  if (n > 2)
    for (double& b : out)
      b /= static_cast<double>(n - 1) * static_cast<double>(n - 2) / 2.0;
  return out;
}

TEST(PartnerNetwork, ExampleLandscapeAgreesWithBruteForce) {
  const landscape l = load_landscape_json(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  const partner_network net = build_partner_network(l);
  const auto expected = links_by_brute_force(l);
  ASSERT_EQ(net.links.size(), expected.size());
  for (std::size_t i = 0; i < net.links.size(); ++i)
    EXPECT_EQ(net.shared_municipalities[i], expected.at(net.links[i]));
  const partner_metrics m = network_metrics(net);
  const std::vector<double> b = betweenness_by_definition(net);
  for (std::size_t v = 0; v < net.partners; ++v)
    EXPECT_NEAR(m.betweenness[v], b[v], 1e-12) << v;
}

TEST(PartnerNetwork, NationalLandscapeAgreesWithBruteForce) {
  const landscape l = load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  const partner_network net = build_partner_network(l);
  const auto expected = links_by_brute_force(l);
  ASSERT_EQ(net.links.size(), expected.size());
  ASSERT_GT(net.links.size(), 100U);
  for (std::size_t i = 0; i < net.links.size(); ++i)
    EXPECT_EQ(net.shared_municipalities[i], expected.at(net.links[i]));
  const partner_metrics m = network_metrics(net);
  const std::vector<double> b = betweenness_by_definition(net);
  double highest = 0;
  for (std::size_t v = 0; v < net.partners; ++v) {
    EXPECT_NEAR(m.betweenness[v], b[v], 1e-12) << v;
    highest = std::max(highest, b[v]);
  }
  EXPECT_GT(highest, 0.0);
  // Components: linked partners share one; the count is the number of distinct labels.
  for (const auto& [a, c] : net.links)
    EXPECT_EQ(m.component[a], m.component[c]);
  EXPECT_EQ(std::set<std::uint32_t>(m.component.begin(), m.component.end()).size(), m.components);
}

}  // namespace
