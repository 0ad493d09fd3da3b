// Tests of keten/gaps.hpp: demand, capacity and shortfall on a hand-made landscape, the reach
// share against brute force and the analytic share of a disc, the greedy placement of new teams
// against the plain greedy rule and exhaustive search, unmet needs as evidence, and the DOT of a
// local chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "keten/analysis.hpp"
#include "keten/gaps.hpp"
#include "keten/io.hpp"
#include "keten/synthetic.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::make_offering;
using keten_test::make_partner;

// Three municipalities: GM0001 (1,000 inhabitants) and GM0002 (3,000) about 34 km apart, GM0003
// (6,000) more than 100 km away. Land areas 0: each population sits at its point.
std::shared_ptr<const geography> three_places(std::uint32_t area = 0) {
  return std::make_shared<const geography>(std::vector<municipality>{
      {"GM0001", "Een", "P", 1000, area, {52.0, 5.0}},
      {"GM0002", "Twee", "P", 3000, area, {52.0, 5.5}},
      {"GM0003", "Drie", "Q", 6000, area, {53.0, 6.0}},
  });
}

offering with_units(offering o, int units) {
  o.units.units_per_period = units;
  o.units.period_days = 365;
  o.units.free_units = 0;
  return o;
}

// money: o1 in GM0001 + GM0002 (40/yr: 10 + 30 by population); neighbour: o2 a 5 km circle
// around GM0003's point (listed nowhere, 9/yr); group: o3 in all three (100/yr: 10, 30, 60).
landscape hand_made() {
  landscape_builder b(three_places());
  b.add_partner(make_partner("pA", "GM0001", "SchuldHulpMaatje"));
  b.add_partner(make_partner("pB", "GM0003", "HipHelpt"));
  b.add_partner(make_partner("pC", "GM0002", "Stichting Present"));
  b.add_offering(with_units(make_offering("o1", "pA", {"money.debts"}, {"GM0001", "GM0002"}), 40));
  offering o2 = with_units(make_offering("o2", "pB", {"neighbour.chores"}, {}), 9);
  o2.area.radius = radius_area{{53.0, 6.0}, 5.0};
  b.add_offering(o2);
  b.add_offering(
      with_units(make_offering("o3", "pC", {"group.garden"}, {"GM0001", "GM0002", "GM0003"}), 100));
  return b.build();
}

TEST(Gaps, DemandCapacityShortfallAndPresence) {
  const landscape l = hand_made();
  gap_options options;
  options.rates.per_1000 = {20, 1, 2, 10, 0};
  const gap_analysis g = analyse_gaps(l, options);
  ASSERT_EQ(g.municipalities, 3u);
  ASSERT_EQ(g.cells.size(), 15u);
  EXPECT_FALSE(g.demand_from_cases);
  // money: demand 20, 60, 120; capacity 10, 30, 0.
  EXPECT_DOUBLE_EQ(g.at(0, help_form::money).demand, 20);
  EXPECT_DOUBLE_EQ(g.at(1, help_form::money).demand, 60);
  EXPECT_DOUBLE_EQ(g.at(2, help_form::money).demand, 120);
  EXPECT_NEAR(g.at(0, help_form::money).capacity, 10, 1e-9);
  EXPECT_NEAR(g.at(1, help_form::money).capacity, 30, 1e-9);
  EXPECT_NEAR(g.at(0, help_form::money).shortfall, 10, 1e-9);
  EXPECT_NEAR(g.at(1, help_form::money).shortfall, 30, 1e-9);
  EXPECT_NEAR(g.at(2, help_form::money).shortfall, 120, 1e-9);
  // group: demand 10, 30, 60 against 10, 30, 60: no shortfall.
  for (municipality_index m = 0; m < 3; ++m)
    EXPECT_NEAR(g.at(m, help_form::group).shortfall, 0, 1e-9) << m;
  // neighbour: only GM0003 (its point is the circle's centre): demand 6 against 9.
  EXPECT_NEAR(g.at(2, help_form::neighbour).capacity, 9, 1e-9);
  EXPECT_DOUBLE_EQ(g.at(2, help_form::neighbour).shortfall, 0);
  EXPECT_DOUBLE_EQ(g.at(0, help_form::neighbour).shortfall, 1);
  // Offerings serving, presence bits, missing forms.
  EXPECT_EQ(g.at(0, help_form::money).offerings, 1u);
  EXPECT_EQ(g.at(2, help_form::money).offerings, 0u);
  EXPECT_EQ(g.at(2, help_form::neighbour).offerings, 1u);
  EXPECT_TRUE(g.has(2, help_form::neighbour));
  EXPECT_FALSE(g.has(2, help_form::money));
  EXPECT_EQ(g.missing(help_form::money), (std::vector<municipality_index>{2}));
  EXPECT_EQ(g.missing(help_form::work), (std::vector<municipality_index>{0, 1, 2}));
  EXPECT_TRUE(g.with_all_forms().empty());
  // Reach within 3 km (areas 0: a municipality is reached or not): money at GM0001's point (the
  // partner's home) reaches GM0001 only; neighbour (the circle's centre) GM0003 only; group
  // (pC's home GM0002) GM0002 only.
  EXPECT_EQ(g.at(0, help_form::money).reach, 1.0);
  EXPECT_EQ(g.at(1, help_form::money).reach, 0.0);
  EXPECT_EQ(g.at(2, help_form::neighbour).reach, 1.0);
  EXPECT_EQ(g.at(0, help_form::neighbour).reach, 0.0);
  EXPECT_EQ(g.at(1, help_form::group).reach, 1.0);
  EXPECT_EQ(g.at(0, help_form::group).reach, 0.0);
}

TEST(Gaps, StandardRatesGiveDemandFromPopulation) {
  const landscape l = hand_made();
  const gap_analysis g = analyse_gaps(l);
  const demand_rates r = demand_rates::standard();
  for (municipality_index m = 0; m < 3; ++m)
    for (help_form f : all_help_forms)
      EXPECT_DOUBLE_EQ(g.at(m, f).demand,
                       l.places()[m].population / 1000.0 * r.per_1000[static_cast<std::size_t>(f)]);
}

TEST(Gaps, DemandFromCasesScaledToAYear) {
  const landscape l = hand_made();
  std::vector<help_case> cases(4);
  cases[0] = {.id = "c1", .needs = {{"money.debts", 2, 1.0}, {"group.garden", 2, 1.0}}};
  cases[0].location.municipality = "GM0001";
  cases[1] = {.id = "c2", .needs = {{"money.debts", 2, 1.0}}};
  cases[1].location.point = geo_point{53.01, 6.02};  // near GM0003
  cases[2] = {.id = "c3", .needs = {{"money.crisis", 2, 1.0}}};
  cases[2].location.postcode = 8011;  // a PC4 alone: no municipality
  cases[3] = {.id = "c4", .needs = {{"money.admin", 2, 1.0}}};
  cases[3].location.municipality = "GM0001";
  gap_options options;
  options.cases = cases;
  options.cases_period_days = 73;  // a fifth of a year
  const gap_analysis g = analyse_gaps(l, options);
  EXPECT_TRUE(g.demand_from_cases);
  EXPECT_EQ(g.cases_without_place, 1u);
  EXPECT_DOUBLE_EQ(g.at(0, help_form::money).demand, 10);
  EXPECT_DOUBLE_EQ(g.at(0, help_form::group).demand, 5);
  EXPECT_DOUBLE_EQ(g.at(2, help_form::money).demand, 5);
  EXPECT_DOUBLE_EQ(g.at(1, help_form::money).demand, 0);
  EXPECT_NEAR(g.at(1, help_form::money).shortfall, 0, 1e-12);
}

TEST(Gaps, BadOptionsAreTypedErrorsNamingTheField) {
  const landscape l = hand_made();
  const auto expect_field = [&](gap_options o, const char* field) {
    keten_test::expect_error<validation_error>([&] { (void)analyse_gaps(l, o); },
                                               error_code::invalid_value, {.field = field});
  };
  gap_options o;
  o.reach_km = 0;
  expect_field(o, "reach_km");
  o = {};
  o.reach_km = std::nan("");
  expect_field(o, "reach_km");
  o = {};
  o.population_samples = 0;
  expect_field(o, "population_samples");
  o = {};
  o.rates.per_1000[2] = -1;
  expect_field(o, "rates");
  o = {};
  o.cases_period_days = 0;
  expect_field(o, "cases_period_days");
  // An invalid case names the case.
  std::vector<help_case> cases(1);
  cases[0] = {.id = "bad", .needs = {{"money.nothing", 2, 1.0}}};
  cases[0].location.municipality = "GM0001";
  o = {};
  o.cases = cases;
  const auto e = keten_test::catch_error<validation_error>([&] { (void)analyse_gaps(l, o); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->where().object_id, "bad");
}

// The grid of reach_shares finds exactly what a brute force over every point finds: with land
// areas 0 every sample is the municipality's point.
TEST(Gaps, ReachSharesEqualBruteForce) {
  std::mt19937 rng(19);
  for (std::size_t round = 0; round < keten_test::scaled(40); ++round) {
    const auto places = keten_test::random_geography(rng, 60);
    std::vector<municipality> flat(places->municipalities().begin(),
                                   places->municipalities().end());
    for (municipality& m : flat)
      m.area_km2 = 0;
    const geography g(flat);
    std::vector<geo_point> points;
    const int count = keten_test::uniform(rng, 0, 30);
    for (int i = 0; i < count; ++i)
      points.push_back(
          {keten_test::uniform_real(rng, 50.7, 53.6), keten_test::uniform_real(rng, 3.3, 7.3)});
    const double km = keten_test::uniform_real(rng, 0.5, 40.0);
    const std::vector<double> share = reach_shares(g, points, km, 4);
    for (municipality_index m = 0; m < g.size(); ++m) {
      bool near = false;
      for (const geo_point& p : points)
        near = near || distance_km(g[m].point, p) <= km;
      EXPECT_EQ(share[m], near ? 1.0 : 0.0) << "round " << round << " " << g[m].code;
    }
  }
}

// One offering point at the centre of a municipality spread over a disc of radius r: the share
// within D is D² / r² for D < r (the area of the inner disc), 1 beyond.
TEST(Gaps, ReachShareOfADiscMatchesItsArea) {
  const double area = 100.0;  // r = 5.64 km
  const double r = std::sqrt(area / std::numbers::pi);
  const geography g(std::vector<municipality>{{"GM0001", "Een", "P", 1000, 100, {52.0, 5.0}}});
  const std::vector<geo_point> centre{{52.0, 5.0}};
  for (double d : {1.0, 2.0, 3.0, 4.5, 5.0}) {
    const double share = reach_shares(g, centre, d, 4096)[0];
    EXPECT_NEAR(share, d * d / (r * r), 0.01) << d;
  }
  EXPECT_EQ(reach_shares(g, centre, r * 1.01, 4096)[0], 1.0);
  EXPECT_EQ(reach_shares(g, {}, 3.0, 64)[0], 0.0);
}

// ------------------------------------------------------------------------------------------
// New teams: greedy maximum coverage
// ------------------------------------------------------------------------------------------

/// Every municipality's shortfall of `form` set to the given weights.
gap_analysis with_shortfall(const landscape& l, help_form form, const std::vector<double>& w) {
  gap_analysis g = analyse_gaps(l);
  for (municipality_index m = 0; m < g.municipalities; ++m)
    g.at(m, form).shortfall = w[m];
  return g;
}

/// The plain greedy rule written out: every step evaluates every site; ties to the lower index;
/// stops when nothing more is reached.
std::vector<municipality_index> plain_greedy(const geography& places, const std::vector<double>& w,
                                             double radius, std::size_t k) {
  const std::size_t n = places.size();
  std::vector<bool> covered(n, false);
  std::vector<municipality_index> sites;
  for (std::size_t step = 0; step < k; ++step) {
    double best = 0;
    std::optional<municipality_index> pick;
    for (municipality_index s = 0; s < n; ++s) {
      double gain = 0;
      for (municipality_index m = 0; m < n; ++m)
        if (!covered[m] && (m == s || distance_km(places[s].point, places[m].point) <= radius))
          gain += w[m];
      if (gain > best) best = gain, pick = s;
    }
    if (!pick) break;
    sites.push_back(*pick);
    for (municipality_index m = 0; m < n; ++m)
      if (m == *pick || distance_km(places[*pick].point, places[m].point) <= radius)
        covered[m] = true;
  }
  return sites;
}

/// The best coverage of any k sites, by trying every subset of size k.
double exhaustive_best(const gap_analysis& g, const landscape& l, const team_plan_options& o) {
  const std::size_t n = l.places().size();
  double best = 0;
  std::vector<bool> choose(n, false);
  std::fill(choose.begin(), choose.begin() + static_cast<std::ptrdiff_t>(std::min(o.teams, n)),
            true);
  do {
    std::vector<municipality_index> sites;
    for (municipality_index i = 0; i < n; ++i)
      if (choose[i]) sites.push_back(i);
    best = std::max(best, team_coverage(g, l, o, sites));
  } while (std::prev_permutation(choose.begin(), choose.end()));
  return best;
}

TEST(Gaps, GreedyTeamsEqualThePlainGreedyAndKeepTheirGuarantee) {
  std::mt19937 rng(2022);
  std::size_t strictly_below = 0, instances = 0;
  double worst_ratio = 1.0;
  for (std::size_t round = 0; round < keten_test::scaled(60); ++round) {
    const std::size_t n = static_cast<std::size_t>(keten_test::uniform(rng, 4, 12));
    const landscape l = landscape_builder(keten_test::random_geography(rng, n)).build();
    std::vector<double> w(n);
    for (double& x : w)
      x = keten_test::chance(rng, 0.2) ? 0.0 : std::round(keten_test::uniform_real(rng, 0, 100));
    for (help_form form : {help_form::money, help_form::youth}) {
      const gap_analysis g = with_shortfall(l, form, w);
      team_plan_options o;
      o.form = form;
      o.team_radius_km = keten_test::uniform_real(rng, 10, 120);
      for (std::size_t k = 1; k <= std::min<std::size_t>(4, n); ++k) {
        o.teams = k;
        const team_plan plan = plan_new_teams(g, l, o);
        EXPECT_EQ(plan.sites, plain_greedy(l.places(), w, o.team_radius_km, k));
        EXPECT_DOUBLE_EQ(plan.covered, team_coverage(g, l, o, plan.sites));
        double gains = 0;
        for (double x : plan.gains)
          gains += x;
        EXPECT_NEAR(gains, plan.covered, 1e-9);
        const double best = exhaustive_best(g, l, o);
        EXPECT_LE(plan.covered, best + 1e-9);
        EXPECT_GE(plan.covered, (1.0 - 1.0 / std::numbers::e) * best - 1e-9);
        ++instances;
        if (best > 0) worst_ratio = std::min(worst_ratio, plan.covered / best);
        if (plan.covered < best - 1e-9) ++strictly_below;
      }
    }
  }
  // The instances are not all easy: the greedy rule is sometimes beaten by exhaustive search.
  EXPECT_GT(strictly_below, 0u) << "of " << instances << "; worst ratio " << worst_ratio;
}

// Four places A, B, C, D on a line 9 km apart, a 10 km reach: a site reaches itself and its
// neighbours. Shortfalls 5, 4, 4, 5: one team goes to B (5 + 4 + 4 = 13; C ties and has the higher
// index); a second to C (+5; D ties with C).
TEST(Gaps, TeamsOnALineAndTheirEffectOnTheShortfall) {
  const auto line = std::make_shared<const geography>(std::vector<municipality>{
      {"GM0001", "A", "P", 1000, 0, {52.0, 5.0}},
      {"GM0002", "B", "P", 1000, 0, {52.0, 5.0 + 9.0 / 68.47}},
      {"GM0003", "C", "P", 1000, 0, {52.0, 5.0 + 18.0 / 68.47}},
      {"GM0004", "D", "P", 1000, 0, {52.0, 5.0 + 27.0 / 68.47}},
  });
  landscape_builder b(line);
  b.add_partner(make_partner("p", "GM0001"));
  offering o = with_units(make_offering("o", "p", {"money.debts"}, {"GM0001"}), 8);
  b.add_offering(o);
  const landscape l = b.build();
  const gap_analysis g = with_shortfall(l, help_form::money, {5, 4, 4, 5});
  team_plan_options opt;
  opt.form = help_form::money;
  opt.team_radius_km = 10;
  opt.teams = 1;
  team_plan plan = plan_new_teams(g, l, opt);
  EXPECT_EQ(plan.sites, (std::vector<municipality_index>{1}));
  EXPECT_EQ(plan.reached[0], (std::vector<municipality_index>{0, 1, 2}));
  EXPECT_DOUBLE_EQ(plan.covered, 13);
  // The default capacity: the median of the partners' yearly units of the form (one partner, 8).
  EXPECT_DOUBLE_EQ(plan.team_capacity, 8);
  EXPECT_DOUBLE_EQ(plan.shortfall_before, 18);
  // B fills its own 4, then 4 of the nearest neighbour's (A or C, both 9 km away, each short of
  // more than 4): 18 − 8 left.
  EXPECT_DOUBLE_EQ(plan.shortfall_after, 10);

  opt.teams = 2;
  opt.team_capacity = 100;
  plan = plan_new_teams(g, l, opt);
  EXPECT_EQ(plan.sites, (std::vector<municipality_index>{1, 2}));
  EXPECT_DOUBLE_EQ(plan.covered, 18);
  EXPECT_DOUBLE_EQ(plan.shortfall_after, 0);

  // Nothing left to reach: the plan stops early.
  opt.teams = 4;
  plan = plan_new_teams(g, l, opt);
  EXPECT_EQ(plan.sites.size(), 2u);

  // A scope limits sites and what counts.
  opt.teams = 1;
  opt.scope = {2, 3};
  plan = plan_new_teams(g, l, opt);
  EXPECT_EQ(plan.sites, (std::vector<municipality_index>{2}));
  EXPECT_DOUBLE_EQ(plan.covered, 9);
  EXPECT_DOUBLE_EQ(plan.shortfall_before, 9);

  // Errors name the field.
  opt = {};
  opt.teams = 0;
  keten_test::expect_error<validation_error>([&] { (void)plan_new_teams(g, l, opt); },
                                             error_code::invalid_value, {.field = "teams"});
  opt = {};
  opt.team_radius_km = -1;
  keten_test::expect_error<validation_error>([&] { (void)plan_new_teams(g, l, opt); },
                                             error_code::invalid_value,
                                             {.field = "team_radius_km"});
  opt = {};
  opt.scope = {7};
  keten_test::expect_error<validation_error>([&] { (void)plan_new_teams(g, l, opt); },
                                             error_code::invalid_value, {.field = "scope"});
}

// ------------------------------------------------------------------------------------------
// Unmet needs as evidence, on the example municipality's day
// ------------------------------------------------------------------------------------------

TEST(Gaps, UnmetNeedsOfAllocationsCountPerCellAndRound) {
  const landscape& l = keten_test::example_landscape();
  const std::vector<help_case>& cases = keten_test::example_cases();
  const allocation result = allocate(l, cases);
  ASSERT_FALSE(result.unmet.empty());
  gap_analysis g = analyse_gaps(l);
  add_unmet_evidence(g, l, cases, result);
  add_unmet_evidence(g, l, cases, result);
  EXPECT_EQ(g.rounds, 2u);
  // Recount by hand, twice: every unmet need in its case's municipality, or the one whose point is
  // nearest the case's point (the example has both kinds, and a case with a PC4 alone).
  std::map<std::pair<std::size_t, std::size_t>, std::uint32_t> expected;
  std::size_t counted = 0;
  for (const unmet_need& u : result.unmet) {
    const help_case& c = cases[u.need.case_index];
    municipality_index m = 0;
    if (!c.location.municipality.empty()) {
      m = l.places().index_of(c.location.municipality);
    } else {
      if (!c.location.point) continue;  // a PC4 alone: no municipality
      for (municipality_index x = 1; x < l.places().size(); ++x)
        if (distance_km(*c.location.point, l.places()[x].point) <
            distance_km(*c.location.point, l.places()[m].point))
          m = x;
    }
    const help_form f =
        l.categories()[l.categories().index_of(c.needs[u.need.need_index].category)].form;
    expected[{m * help_form_count + static_cast<std::size_t>(f),
              static_cast<std::size_t>(u.reason)}] += 2;
    ++counted;
  }
  ASSERT_GT(counted, 0u);
  std::size_t total = 0;
  for (std::size_t cell = 0; cell < g.cells.size(); ++cell) {
    bool any = false;
    for (std::size_t r = 0; r < 5; ++r) {
      const auto it = expected.find({cell, r});
      EXPECT_EQ(g.cells[cell].unmet[r], it == expected.end() ? 0u : it->second) << cell << " " << r;
      total += g.cells[cell].unmet[r];
      any = any || g.cells[cell].unmet[r] > 0;
    }
    EXPECT_EQ(g.cells[cell].rounds_unmet, any ? 2u : 0u);
  }
  EXPECT_EQ(total, 2 * counted);

  // An allocation of other cases is refused before anything is counted.
  allocation other = result;
  other.unmet.push_back({{static_cast<std::uint32_t>(cases.size()), 0}, unmet_reason::out_of_area});
  const gap_analysis before = g;
  keten_test::expect_error<validation_error>([&] { add_unmet_evidence(g, l, cases, other); },
                                             error_code::invalid_value, {.field = "unmet"});
  EXPECT_EQ(g.rounds, before.rounds);
  for (std::size_t cell = 0; cell < g.cells.size(); ++cell)
    EXPECT_EQ(g.cells[cell].unmet, before.cells[cell].unmet);
}

// What does not fit is refused with the field named, and nothing is counted.
TEST(Gaps, AnalysesAndScopesThatDoNotFitAreRefused) {
  const landscape l = hand_made();  // three municipalities
  gap_analysis g = analyse_gaps(l);
  const landscape& other = keten_test::example_landscape();  // the 342 of the Netherlands
  const allocation none{};
  keten_test::expect_error<validation_error>([&] { add_unmet_evidence(g, other, {}, none); },
                                             error_code::invalid_value, {.field = "gaps"});
  EXPECT_EQ(g.rounds, 0u);
  const std::vector<municipality_index> outside{1, 3};
  keten_test::expect_error<validation_error>([&] { (void)total_gaps(g, l.places(), outside); },
                                             error_code::invalid_value, {.field = "scope"});
  team_plan_options o;
  o.scope = {0, 1};
  const std::vector<municipality_index> site{2};
  keten_test::expect_error<validation_error>([&] { (void)team_coverage(g, l, o, site); },
                                             error_code::invalid_value, {.field = "sites"});
  const std::vector<std::string> codes{"GM0002", "GM0001", "GM0002"}, provinces{"Q"};
  EXPECT_EQ(select_municipalities(l.places(), codes, provinces),
            (std::vector<municipality_index>{0, 1, 2}));
  const std::vector<std::string> unknown{"GM9999"}, no_province{"Atlantis"};
  keten_test::expect_error<not_found_error>(
      [&] { (void)select_municipalities(l.places(), unknown, {}); }, error_code::not_found,
      {.field = "municipality", .object_id = "GM9999"});
  keten_test::expect_error<not_found_error>(
      [&] { (void)select_municipalities(l.places(), {}, no_province); }, error_code::not_found,
      {.field = "province", .object_id = "Atlantis"});
}

TEST(Gaps, NationalAnalysisAddsUp) {
  const landscape l = generate_national_landscape(geography::netherlands());
  const gap_analysis g = analyse_gaps(l);
  const Eigen::MatrixXd capacity = capacity_by_municipality(l);
  double population = 0;
  for (const municipality& m : l.places().municipalities())
    population += m.population;
  for (help_form f : all_help_forms) {
    double demand = 0, cap = 0, shortfall = 0, present_population = 0;
    for (municipality_index m = 0; m < g.municipalities; ++m) {
      const gap_cell& c = g.at(m, f);
      demand += c.demand;
      cap += c.capacity;
      shortfall += c.shortfall;
      EXPECT_GE(c.reach, 0.0);
      EXPECT_LE(c.reach, 1.0);
      EXPECT_EQ(c.offerings > 0, g.has(m, f));
      if (c.offerings > 0) present_population += l.places()[m].population;
    }
    EXPECT_NEAR(demand, population / 1000 * demand_rates::standard().per_1000[std::size_t(f)],
                1e-6);
    EXPECT_NEAR(cap, capacity.col(static_cast<Eigen::Index>(f)).sum(), 1e-6);
    EXPECT_GE(shortfall, demand - cap - 1e-6);
    // The form is missing somewhere, so there is a shortfall; and it is present where people
    // live (the rates are uptake where present).
    EXPECT_GT(shortfall, 0.0);
    EXPECT_GT(present_population, population / 5);
  }
  // Every big city (200,000+) has all five (docs/data.md, anchors).
  const std::vector<municipality_index> all = g.with_all_forms();
  for (const municipality& m : l.places().municipalities()) {
    if (m.population < 200'000) continue;
    EXPECT_NE(std::find(all.begin(), all.end(), l.places().index_of(m.code)), all.end()) << m.name;
  }
}

// ------------------------------------------------------------------------------------------
// A local chain as DOT
// ------------------------------------------------------------------------------------------

TEST(ChainDot, ExampleChainHasEveryMemberAndTheComplementaryPairs) {
  const landscape& l = keten_test::example_landscape();
  ASSERT_EQ(l.chains().size(), 1u);
  std::ostringstream dot;
  write_chain_dot(dot, l, 0);
  const std::string text = dot.str();
  EXPECT_EQ(text.rfind("graph G {", 0), 0u) << text;
  const std::span<const partner_index> members = l.chain_members(0);
  for (partner_index p : members)
    EXPECT_NE(text.find("tooltip=\"" + l.partners()[p].id + "\""), std::string::npos)
        << l.partners()[p].id;
  // The initiator partner has a double border.
  EXPECT_NE(text.find("peripheries=2"), std::string::npos);
  // Edges: one per pair with complementary offerings serving Zwolle (brute force).
  std::size_t pairs = 0;
  for (std::size_t a = 0; a < members.size(); ++a)
    for (std::size_t b = a + 1; b < members.size(); ++b) {
      bool complementary = false;
      for (offering_index x = 0; x < l.offerings().size(); ++x)
        for (offering_index y = 0; y < l.offerings().size(); ++y)
          complementary =
              complementary ||
              (l.partner_of(x) == members[a] && l.partner_of(y) == members[b] &&
               l.serves(x, {.municipality = "GM0193"}) && l.serves(y, {.municipality = "GM0193"}) &&
               l.offering_complement_weight(x, y) > 0);
      pairs += complementary;
    }
  std::size_t edges = 0;
  for (std::size_t at = text.find("--"); at != std::string::npos; at = text.find("--", at + 1))
    ++edges;
  EXPECT_EQ(edges, pairs);
  EXPECT_GT(pairs, 0u);

  // With the example scan, rated pairs carry their strength.
  const cooperation_scan scan = load_scan(std::string(KETEN_DATA_DIR) + "/example/scan.csv", l);
  const cooperation_report report = assess_cooperation(scan);
  std::ostringstream rated;
  write_chain_dot(rated, l, 0, &report);
  ASSERT_FALSE(report.pairs.empty());
  const partner_pair_strength& s = report.pairs.front();
  EXPECT_NE(rated.str().find(fmt::format("label=\"{:.2f}\"", s.strength)), std::string::npos)
      << rated.str();
  EXPECT_NE(rated.str().find("weakest condition"), std::string::npos);
  EXPECT_THROW(write_chain_dot(dot, l, 5), not_found_error);
}

}  // namespace
