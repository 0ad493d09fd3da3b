// match()'s scores worked out by hand: single needs and two partners, ties by offering id, one
// offering for two needs, and the rounding of points to thousandths (include/keten/matching.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keten/error.hpp"
#include "keten/io.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"
#include "keten/pathway.hpp"
#include "matching_support.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::assignment;
using keten_test::make_offering;
using keten_test::make_partner;
using keten_test::zwolle_case;
using keten_test::zwolle_landscape;

// ---------------------------------------------------------------------------------------------
// Hand-computed scores and ties
// ---------------------------------------------------------------------------------------------

TEST(MatchScore, HandComputedSingleNeed) {
  const landscape l = zwolle_landscape();
  help_case c = zwolle_case();
  c.needs = {{"money.debts", 3, 1.0}};
  // shm-maatje lists GM0193: distance 0; wait 14 of 90 days; 2 of 10 units free.
  //   cover 100 · 1 · 3 = 300, wait −10 · 14/90 = −1.5556, capacity 5 · 2/10 = 1.
  const match_result r = match(l, c, {});
  ASSERT_EQ(r.bundles.size(), 1u);
  EXPECT_EQ(r.bundles[0].assigned, (assignment{0}));
  EXPECT_EQ(r.bundles[0].score, 300000 - 1556 + 1000);
  EXPECT_EQ(r.bundles[0].breakdown, (score_breakdown{300000, 0, -1556, 1000, 0, 0, 0}));
  EXPECT_EQ(r.bundles[0].reasons[0].terms, (assignment_terms{300000, 0, -1556, 1000, 0.0}));
  // Leaving the only need uncovered is no bundle, so there is no alternative.
  EXPECT_FALSE(r.bundles[0].reasons[0].has_alternative);
  EXPECT_FALSE(r.bundles[0].reasons[0].alternative_is_uncovered);
  EXPECT_EQ(r.bundles[0].reasons[0].alternative_loss, 0);
  EXPECT_EQ(r.bundles[0].covered(), 1u);
  // With a second need, "not covered" is an alternative for the first.
  c.needs.push_back({"money.admin", 1, 1.0});
  const match_result two = match(l, c, {});
  ASSERT_FALSE(two.bundles.empty());
  EXPECT_EQ(two.bundles[0].assigned, (assignment{0, 0}));
  EXPECT_TRUE(two.bundles[0].reasons[0].alternative_is_uncovered);
  EXPECT_EQ(two.bundles[0].reasons[0].alternative_loss, 300000);  // the fit stays with admin
}

TEST(MatchScore, HandComputedTwoPartners) {
  landscape_builder b(keten_test::small_geography({"GM0193", "GM0244"}));
  b.add_partner(make_partner("pa", "GM0193"));
  b.add_partner(make_partner("pb", "GM0244", "JobHulpMaatje"));
  b.add_offering(make_offering("a", "pa", {"money.debts"}, {"GM0193"}));
  offering job = make_offering("b", "pb", {"work.job_search"}, {});
  const geo_point hattem{52.47496442, 6.07022057};
  job.area.radius = radius_area{hattem, 10.0};
  job.units.units_per_period = 5;
  job.units.free_units = 0;
  job.units.intake_wait_days = 120;
  b.add_offering(job);
  b.add_complementarity({"money.debts", "work.job_search", 0.7});
  const landscape l = b.build();
  help_case c = zwolle_case();  // debts urgency 4 weight 1; job_search urgency 2 weight 0.5
  collaboration_strengths s;
  s.set(0, 1, 0.5);
  match_options o;
  o.allow_waitlist = true;
  o.collaboration = &s;
  const geo_point zwolle{52.50307251, 6.0909244};
  const double d = distance_km(zwolle, hattem);
  ASSERT_GT(d, 3.0);
  ASSERT_LT(d, 4.0);
  const score_breakdown expected{
      400000 + 100000,  // 100 · 1 · 4 + 100 · 0.5 · 2
      -static_cast<score_t>(std::llround(20.0 * d / 10.0 * 1000)),  // b: from Zwolle's point
      -1556 - 10000,  // 14 of 90 days; 120 days capped at 90
      1000 - 40000,   // 2 of 10 free; b waitlisted
      21000,          // 30 · 0.7
      10000,          // 20 · 0.5
      -15000};        // one extra partner
  const std::vector<std::optional<offering_index>> both{0, 1};
  EXPECT_EQ(score_assignment(l, c, both, o), expected);
  const match_result r = match(l, c, o);
  ASSERT_FALSE(r.bundles.empty());
  EXPECT_EQ(r.bundles[0].assigned, (assignment{0, 1}));
  EXPECT_EQ(r.bundles[0].score, expected.total());
  EXPECT_NEAR(r.bundles[0].reasons[1].terms.distance_km, d, 1e-9);
  // Without the waitlist, b is rejected for capacity.
  o.allow_waitlist = false;
  const match_result full = match(l, c, o);
  ASSERT_EQ(full.needs[1].rejected.size(), 1u);
  EXPECT_EQ(full.needs[1].rejected[0], (rejected_offering{1, rejection::no_capacity}));
  EXPECT_EQ(full.needs[1].uncoverable_because(), rejection::no_capacity);
  EXPECT_EQ(full.bundles[0].assigned, (assignment{0, std::nullopt}));
  // With max_partners 1 both cannot be chosen.
  o.allow_waitlist = true;
  o.max_partners = 1;
  for (const bundle& x : match(l, c, o).bundles)
    EXPECT_LE(x.partner_count(l), 1u);
}

TEST(MatchScore, EqualScoresAreOrderedByOfferingIdNotIndex) {
  landscape_builder b(keten_test::small_geography({"GM0193"}));
  b.add_partner(make_partner("p", "GM0193"));
  // Same terms; "zz" is added first (index 0) but sorts after "aa" (index 1).
  b.add_offering(make_offering("zz", "p", {"money.debts"}, {"GM0193"}));
  b.add_offering(make_offering("aa", "p", {"money.debts"}, {"GM0193"}));
  const landscape l = b.build();
  help_case c = zwolle_case();
  c.needs = {{"money.debts", 3, 1.0}};
  match_options o;
  o.top_k = 3;
  for (const auto& run : {match, match_exhaustive}) {
    const match_result r = run(l, c, o);
    EXPECT_EQ(r.needs[0].candidates, (std::vector<offering_index>{1, 0}));
    ASSERT_EQ(r.bundles.size(), 2u);  // covering nothing is no bundle
    EXPECT_EQ(r.bundles[0].assigned, (assignment{1}));
    EXPECT_EQ(r.bundles[1].assigned, (assignment{0}));
    EXPECT_EQ(r.bundles[0].score, r.bundles[1].score);
    // The alternative of the first is the equal other offering, at no loss.
    EXPECT_EQ(r.bundles[0].reasons[0].best_alternative, std::optional<offering_index>(0));
    EXPECT_EQ(r.bundles[0].reasons[0].alternative_loss, 0);
  }
}

TEST(MatchScore, OneOfferingForTwoNeedsHasNoComplementarityButOnePartner) {
  const landscape l = [] {
    landscape_builder b(keten_test::small_geography({"GM0193"}));
    b.add_partner(make_partner("shm", "GM0193"));
    b.add_offering(make_offering("both", "shm", {"money.debts", "money.admin"}, {"GM0193"}));
    b.add_complementarity({"money.debts", "money.admin", 1.0});
    return b.build();
  }();
  help_case c = zwolle_case();
  c.needs = {{"money.debts", 3, 1.0}, {"money.admin", 3, 1.0}};
  const score_breakdown s =
      score_assignment(l, c, std::vector<std::optional<offering_index>>{0, 0}, {});
  EXPECT_EQ(s.complementarity, 0);
  EXPECT_EQ(s.extra_partners, 0);
  EXPECT_EQ(s.cover, 600000);
  EXPECT_EQ(s.wait, -1556);  // the fit counts once per offering (one intake, one unit)
  EXPECT_EQ(s.capacity, 1000);
  const match_result r = match(l, c, {});
  ASSERT_FALSE(r.bundles.empty());
  EXPECT_EQ(r.bundles[0].assigned, (assignment{0, 0}));
  ASSERT_EQ(r.bundles[0].path.steps.size(), 1u);
  EXPECT_EQ(r.bundles[0].path.steps[0].needs, (std::vector<std::size_t>{0, 1}));
}

TEST(MatchScore, ToScoreRoundsToNearestThousandth) {
  EXPECT_EQ(to_score(1.0), 1000);
  EXPECT_EQ(to_score(0.0004), 0);
  EXPECT_EQ(to_score(0.0006), 1);
  EXPECT_EQ(to_score(-0.0006), -1);
  EXPECT_EQ(to_score(-1.5556), -1556);
  EXPECT_EQ(to_points(1556), 1.556);
}

TEST(MatchScore, ToScoreIsLlroundOfThousandths) {
  // The inline rounding against std::llround: halves of both signs, the values next to them,
  // random magnitudes up to beyond 2^52 thousandths (where it hands over to llround), and points
  // that are not finite.
  const auto expected = [](double points) {
    return static_cast<score_t>(std::llround(points * score_unit));
  };
  std::vector<double> values{0.0, -0.0, 0.0005, -0.0005, 0.0015, -0.0025, 2.5, -2.5, 1e9, -1e12};
  for (double k = -3000; k <= 3000; k += 1) {
    const double half = (k + 0.5) / score_unit;  // a half thousandth, as near as a double gets
    values.push_back(half);
    values.push_back(std::nextafter(half, 1e300));
    values.push_back(std::nextafter(half, -1e300));
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const double magnitude = std::ldexp(1.0, std::uniform_int_distribution<int>(-20, 55)(rng));
    values.push_back(std::uniform_real_distribution<double>(-magnitude, magnitude)(rng));
  }
  values.push_back(std::ldexp(1.0, 52) / score_unit);
  values.push_back(-std::ldexp(1.0, 52) / score_unit + 0.25);
  for (const double v : values)
    ASSERT_EQ(to_score(v), expected(v)) << std::hexfloat << v;
  EXPECT_EQ(to_score(std::numeric_limits<double>::quiet_NaN()),
            static_cast<score_t>(std::llround(std::numeric_limits<double>::quiet_NaN())));
}

}  // namespace
