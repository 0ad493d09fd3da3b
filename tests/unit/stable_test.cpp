// Stable matching (keten/stable.hpp): textbook instances, random instances against a naive
// stability checker written here, resident- and hospital-optimality against brute force on tiny
// instances, input validation, and the referral policy on the example and national data.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <regex>
#include <set>

#include "keten/allocation.hpp"
#include "keten/io.hpp"
#include "keten/stable.hpp"
#include "keten/synthetic.hpp"
#include "support.hpp"

namespace keten_test {
namespace {

using matching_t = std::vector<std::optional<std::uint32_t>>;
constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

stable_instance make(std::vector<std::vector<std::uint32_t>> residents,
                     std::vector<std::vector<std::uint32_t>> hospitals,
                     std::vector<std::int32_t> capacities) {
  return {std::move(residents), std::move(hospitals), std::move(capacities)};
}

/// Rank of b on a's list, or none.
std::uint32_t rank_of(const std::vector<std::uint32_t>& list, std::uint32_t b) {
  const auto it = std::find(list.begin(), list.end(), b);
  return it == list.end() ? none : static_cast<std::uint32_t>(it - list.begin());
}

bool acceptable(const stable_instance& in, std::uint32_t r, std::uint32_t h) {
  return rank_of(in.resident_prefs[r], h) != none && rank_of(in.hospital_prefs[h], r) != none;
}

/// The definitions, naively, in O(R · H · L): a valid matching (mutually acceptable pairs, within
/// capacity) without a blocking pair.
bool naive_stable(const stable_instance& in, const matching_t& m) {
  const auto hospitals = static_cast<std::uint32_t>(in.hospital_prefs.size());
  std::vector<std::vector<std::uint32_t>> held(hospitals);
  for (std::uint32_t r = 0; r < m.size(); ++r)
    if (m[r]) {
      if (!acceptable(in, r, *m[r])) return false;
      held[*m[r]].push_back(r);
    }
  for (std::uint32_t h = 0; h < hospitals; ++h)
    if (static_cast<std::int32_t>(held[h].size()) > in.capacities[h]) return false;
  for (std::uint32_t r = 0; r < m.size(); ++r)
    for (std::uint32_t h = 0; h < hospitals; ++h) {
      if (!acceptable(in, r, h) || m[r] == h) continue;
      const bool r_wants =
          !m[r] || rank_of(in.resident_prefs[r], h) < rank_of(in.resident_prefs[r], *m[r]);
      if (!r_wants) continue;
      if (static_cast<std::int32_t>(held[h].size()) < in.capacities[h]) return false;
      for (std::uint32_t other : held[h])
        if (rank_of(in.hospital_prefs[h], r) < rank_of(in.hospital_prefs[h], other)) return false;
    }
  return true;
}

/// Every stable matching, by enumerating every matching.
std::vector<matching_t> all_stable(const stable_instance& in) {
  const std::size_t residents = in.resident_prefs.size();
  std::vector<matching_t> out;
  matching_t m(residents);
  const auto go = [&](auto&& self, std::size_t r) -> void {
    if (r == residents) {
      if (naive_stable(in, m)) out.push_back(m);
      return;
    }
    m[r].reset();
    self(self, r + 1);
    for (std::uint32_t h : in.resident_prefs[r]) {
      if (!acceptable(in, static_cast<std::uint32_t>(r), h)) continue;
      m[r] = h;
      self(self, r + 1);
    }
    m[r].reset();
  };
  go(go, 0);
  return out;
}

/// A random instance; with `one_sided`, some entries are not returned by the other side.
stable_instance random_instance(std::mt19937& rng, std::size_t residents, std::size_t hospitals,
                                int max_capacity, bool one_sided, double density = 0.5,
                                int min_capacity = 0) {
  stable_instance in;
  in.resident_prefs.resize(residents);
  in.hospital_prefs.resize(hospitals);
  for (std::size_t h = 0; h < hospitals; ++h)
    in.capacities.push_back(uniform(rng, min_capacity, max_capacity));
  for (std::size_t r = 0; r < residents; ++r)
    for (std::size_t h = 0; h < hospitals; ++h)
      if (chance(rng, density)) {
        const bool to_h = !one_sided || !chance(rng, 0.1);
        const bool to_r = !one_sided || !chance(rng, 0.1);
        if (to_r) in.resident_prefs[r].push_back(static_cast<std::uint32_t>(h));
        if (to_h) in.hospital_prefs[h].push_back(static_cast<std::uint32_t>(r));
      }
  for (auto& l : in.resident_prefs)
    std::shuffle(l.begin(), l.end(), rng);
  for (auto& l : in.hospital_prefs)
    std::shuffle(l.begin(), l.end(), rng);
  return in;
}

// --- textbook instances -------------------------------------------------------------------------

TEST(StableMatch, CyclicThreeByThreeHasThreeStableMatchings) {
  // Each resident's first choice ranks it last: resident- and hospital-optimal differ completely.
  const stable_instance in = make({{0, 1, 2}, {1, 2, 0}, {2, 0, 1}},  //
                                  {{1, 2, 0}, {2, 0, 1}, {0, 1, 2}}, {1, 1, 1});
  const stable_matching ro = stable_match(in);
  EXPECT_EQ(ro.hospital_of, (matching_t{0, 1, 2}));
  EXPECT_EQ(ro.proposals, 3u);
  const stable_matching ho = stable_match(in, stable_side::hospitals);
  EXPECT_EQ(ho.hospital_of, (matching_t{2, 0, 1}));
  EXPECT_EQ(ho.residents_of, (std::vector<std::vector<std::uint32_t>>{{1}, {2}, {0}}));
  const auto every = all_stable(in);
  EXPECT_EQ(every.size(), 3u);  // the third: everyone's second choice
  EXPECT_NE(std::find(every.begin(), every.end(), matching_t{1, 2, 0}), every.end());
}

TEST(StableMatch, HospitalsWithCapacityEvictTheirWorstResident) {
  // h0 takes two, h1 one. Worked by hand: r2 displaces r0 at h0, r0 displaces r3 at h1, r3
  // displaces r1 at h0, r1 is rejected by h1: r1 stays unmatched. The hospitals reach the same.
  const stable_instance in = make({{0, 1}, {0, 1}, {0}, {1, 0}},  //
                                  {{3, 2, 1, 0}, {0, 1, 3}}, {2, 1});
  const matching_t expected{1, std::nullopt, 0, 0};
  const stable_matching ro = stable_match(in);
  EXPECT_EQ(ro.hospital_of, expected);
  EXPECT_EQ(ro.residents_of, (std::vector<std::vector<std::uint32_t>>{{3, 2}, {0}}));
  EXPECT_EQ(ro.matched(), 3u);
  EXPECT_EQ(ro.proposals, 7u);
  EXPECT_EQ(stable_match(in, stable_side::hospitals).hospital_of, expected);
  EXPECT_TRUE(is_stable(in, expected));
  // Giving r1 h0 instead of r2 is blocked by (r2, h0).
  const matching_t worse{1, 0, std::nullopt, 0};
  EXPECT_FALSE(is_stable(in, worse));
  EXPECT_EQ(find_blocking_pair(in, worse), (blocking_pair{2, 0}));
}

TEST(StableMatch, OnlyMutuallyAcceptablePairsCount) {
  // r0 lists h0, which does not list r0; h1 lists r1, which does not list h1.
  const stable_instance in = make({{0, 1}, {0}}, {{1}, {0, 1}}, {1, 1});
  const stable_matching ro = stable_match(in);
  EXPECT_EQ(ro.hospital_of, (matching_t{1, 0}));
  EXPECT_EQ(stable_match(in, stable_side::hospitals).hospital_of, (matching_t{1, 0}));
  EXPECT_FALSE(is_stable(in, matching_t{0, std::nullopt}));  // not a matching of the instance
  expect_error<validation_error>(
      [&] {
        validate_matching(in, matching_t{0, std::nullopt});
      },
      error_code::invalid_value, {.field = "matching", .object_id = "resident 0"});
}

TEST(StableMatch, ZeroCapacityAndEmptyInstances) {
  EXPECT_TRUE(stable_match(stable_instance{}).hospital_of.empty());
  const stable_instance in = make({{0, 1}, {0}}, {{0, 1}, {0}}, {0, 1});
  for (const stable_side side : {stable_side::residents, stable_side::hospitals}) {
    const stable_matching m = stable_match(in, side);
    EXPECT_EQ(m.hospital_of, (matching_t{1, std::nullopt})) << to_string(side);
    EXPECT_TRUE(is_stable(in, m.hospital_of));
  }
}

TEST(StableMatch, ValidatesInstancesAndMatchings) {
  using E = validation_error;
  expect_error<E>([] { (void)stable_match(make({{0}}, {{0}}, {})); }, error_code::invalid_value,
                  {.field = "capacities"});
  expect_error<E>(
      [] {
        (void)stable_match(make({{0}}, {{0}, {}}, {1, -2}));
      },
      error_code::negative_value, {.field = "capacities", .object_id = "hospital 1"});
  expect_error<E>(
      [] {
        (void)stable_match(make({{0}, {2}}, {{0}}, {1}));
      },
      error_code::unknown_reference, {.field = "resident_prefs", .object_id = "resident 1"});
  expect_error<E>(
      [] {
        (void)stable_match(make({{0, 0}}, {{0}}, {1}));
      },
      error_code::duplicate_id, {.field = "resident_prefs", .object_id = "resident 0"});
  expect_error<E>(
      [] {
        (void)stable_match(make({{0}}, {{0, 1}}, {1}));
      },
      error_code::unknown_reference, {.field = "hospital_prefs", .object_id = "hospital 0"});
  expect_error<E>(
      [] {
        (void)stable_match(make({{0}, {0}}, {{1, 0, 1}}, {1}));
      },
      error_code::duplicate_id, {.field = "hospital_prefs", .object_id = "hospital 0"});
  const stable_instance in = make({{0}, {0}}, {{0, 1}}, {1});
  expect_error<E>([&] { validate_matching(in, matching_t{0}); }, error_code::invalid_value,
                  {.field = "matching"});
  expect_error<E>(
      [&] {
        validate_matching(in, matching_t{0, 0});
      },
      error_code::invalid_value, {.field = "matching", .object_id = "hospital 0"});
  expect_error<E>(
      [&] {
        (void)find_blocking_pair(in, matching_t{0, 3});
      },
      error_code::unknown_reference, {.field = "matching", .object_id = "resident 1"});
  EXPECT_FALSE(is_stable(in, matching_t{0, 0}));
  EXPECT_THROW((void)is_stable(make({{0}}, {{0}}, {-1}), matching_t{std::nullopt}), E);
}

// --- random instances -----------------------------------------------------------------------

TEST(StableMatch, RandomInstancesAreStableAndAgreeWithTheNaiveChecker) {
  std::mt19937 rng(20240611);
  int checked = 0;
  for (int round = 0; round < 300; ++round) {
    const std::size_t residents = static_cast<std::size_t>(uniform(rng, 0, 40));
    const std::size_t hospitals = static_cast<std::size_t>(uniform(rng, 1, 10));
    const stable_instance in = random_instance(rng, residents, hospitals, 4, round % 2 == 1);
    const stable_matching ro = stable_match(in);
    const stable_matching ho = stable_match(in, stable_side::hospitals);
    for (const stable_matching* m : {&ro, &ho}) {
      ASSERT_TRUE(naive_stable(in, m->hospital_of)) << round;
      EXPECT_TRUE(is_stable(in, m->hospital_of));
      EXPECT_FALSE(find_blocking_pair(in, m->hospital_of).has_value());
      for (std::uint32_t h = 0; h < hospitals; ++h) {
        EXPECT_LE(static_cast<std::int32_t>(m->residents_of[h].size()), in.capacities[h]);
        for (std::uint32_t r : m->residents_of[h])
          EXPECT_EQ(m->hospital_of[r], h);
      }
    }
    // The rural hospitals theorem: the same residents are matched, and a hospital that is not
    // full in one stable matching gets the same residents in all.
    for (std::size_t r = 0; r < residents; ++r)
      EXPECT_EQ(ro.hospital_of[r].has_value(), ho.hospital_of[r].has_value());
    for (std::uint32_t h = 0; h < hospitals; ++h) {
      EXPECT_EQ(ro.residents_of[h].size(), ho.residents_of[h].size());
      if (static_cast<std::int32_t>(ro.residents_of[h].size()) < in.capacities[h]) {
        EXPECT_EQ(ro.residents_of[h], ho.residents_of[h]);
      }
    }
    // The resident-optimal matching weakly beats the hospital-optimal one for every resident.
    for (std::uint32_t r = 0; r < residents; ++r)
      if (ro.hospital_of[r]) {
        EXPECT_LE(rank_of(in.resident_prefs[r], *ro.hospital_of[r]),
                  rank_of(in.resident_prefs[r], *ho.hospital_of[r]));
      }
    // Breaking a matching: moving a matched resident to unmatched is caught when it blocks.
    for (std::uint32_t r = 0; r < residents; ++r) {
      if (!ro.hospital_of[r]) continue;
      matching_t broken = ro.hospital_of;
      broken[r].reset();
      EXPECT_EQ(is_stable(in, broken), naive_stable(in, broken));
      EXPECT_FALSE(is_stable(in, broken));  // (r, its hospital) now blocks
      const auto pair = find_blocking_pair(in, broken);
      ASSERT_TRUE(pair.has_value());
      EXPECT_TRUE(acceptable(in, pair->resident, pair->hospital));
      break;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 300);
}

TEST(StableMatch, RandomMatchingsAgreeWithTheNaiveChecker) {
  // Arbitrary matchings, stable or not, judged by both checkers.
  std::mt19937 rng(7);
  int stable_seen = 0, unstable_seen = 0;
  for (int round = 0; round < 2000; ++round) {
    const stable_instance in =
        random_instance(rng, static_cast<std::size_t>(uniform(rng, 1, 6)),
                        static_cast<std::size_t>(uniform(rng, 1, 3)), 2, round % 3 == 0);
    matching_t m(in.resident_prefs.size());
    for (std::uint32_t r = 0; r < m.size(); ++r) {
      const auto& list = in.resident_prefs[r];
      const int pick = uniform(rng, -1, static_cast<int>(list.size()) - 1);
      if (pick >= 0) m[r] = list[static_cast<std::size_t>(pick)];
    }
    const bool expected = naive_stable(in, m);
    ASSERT_EQ(is_stable(in, m), expected) << round;
    (expected ? stable_seen : unstable_seen)++;
  }
  EXPECT_GT(stable_seen, 100);
  EXPECT_GT(unstable_seen, 100);
}

TEST(StableMatch, OptimalForEachSideAgainstBruteForce) {
  std::mt19937 rng(99);
  int multiple = 0;
  const int rounds = static_cast<int>(keten_test::scaled(400));
  for (int round = 0; round < rounds; ++round) {
    const stable_instance in =
        random_instance(rng, static_cast<std::size_t>(uniform(rng, 1, 7)),
                        static_cast<std::size_t>(uniform(rng, 1, 4)), 2, round % 4 == 0, 0.9, 1);
    const auto every = all_stable(in);
    ASSERT_FALSE(every.empty());  // a stable matching always exists
    if (every.size() > 1) ++multiple;
    const matching_t ro = stable_match(in).hospital_of;
    const matching_t ho = stable_match(in, stable_side::hospitals).hospital_of;
    EXPECT_NE(std::find(every.begin(), every.end(), ro), every.end());
    EXPECT_NE(std::find(every.begin(), every.end(), ho), every.end());
    for (std::uint32_t r = 0; r < ro.size(); ++r) {
      const auto rank = [&](const matching_t& m) {
        return m[r] ? rank_of(in.resident_prefs[r], *m[r]) : none;
      };
      std::uint32_t best = none, worst = 0;
      for (const matching_t& m : every) {
        best = std::min(best, rank(m));
        worst = std::max(worst, rank(m));
      }
      EXPECT_EQ(rank(ro), best) << round;   // every resident's best stable partner
      EXPECT_EQ(rank(ho), worst) << round;  // and its worst
    }
  }
  // The test saw instances where the sides' optima differ.
  EXPECT_GT(multiple, keten_test::sanitized ? 2 : 20);
}

TEST(StableMatch, LargeInstanceIsLinearInTheListLength) {
  // 20 000 residents, 500 hospitals, 20 choices each: proposals are bounded by the list lengths.
  std::mt19937 rng(5);
  stable_instance in;
  in.resident_prefs.resize(20000);
  in.hospital_prefs.resize(500);
  in.capacities.assign(500, 30);
  std::vector<std::uint32_t> all(500);
  std::iota(all.begin(), all.end(), 0u);
  for (std::uint32_t r = 0; r < 20000; ++r) {
    std::shuffle(all.begin(), all.end(), rng);
    in.resident_prefs[r].assign(all.begin(), all.begin() + 20);
    for (std::uint32_t h : in.resident_prefs[r])
      in.hospital_prefs[h].push_back(r);
  }
  for (auto& l : in.hospital_prefs)
    std::shuffle(l.begin(), l.end(), rng);
  const stable_matching m = stable_match(in);
  EXPECT_LE(m.proposals, 20000u * 20u);
  EXPECT_EQ(m.matched(), 15000u);  // 500 · 30 units, and everyone lists 20 hospitals
  EXPECT_TRUE(is_stable(in, m.hospital_of));
  EXPECT_TRUE(is_stable(in, stable_match(in, stable_side::hospitals).hospital_of));
}

// --- the referral policy --------------------------------------------------------------------

using keten_test::example_cases;
const landscape& example() {
  return keten_test::example_landscape();
}

/// The example landscape with every offering's free units set to `free`.
landscape example_with_free_units(int free) {
  const std::string text = read_file(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  static const std::regex pattern("\"free_units\": [0-9]+");
  return parse_landscape_json(
      std::regex_replace(text, pattern, "\"free_units\": " + std::to_string(free)),
      "tight-example");
}

/// Every property of a stable allocation: hard constraints, capacity, stability of the assignment
/// for the instance's preferences, agreement of the reasons with allocate().
void expect_stable_allocation(const landscape& l, std::span<const help_case> cases,
                              const stable_policy& policy, std::span<const int> waited = {}) {
  const stable_allocation a = allocate_stable(l, cases, policy, waited);
  const stable_referral_instance ri = build_stable_instance(l, cases, policy, waited);
  ASSERT_EQ(a.assigned.size() + a.unmet.size(), ri.needs.size());
  std::map<need_ref, std::uint32_t> resident;
  for (std::uint32_t r = 0; r < ri.needs.size(); ++r)
    resident[ri.needs[r]] = r;
  matching_t m(ri.needs.size());
  std::vector<std::int32_t> used(l.offerings().size(), 0);
  match_options any;
  any.allow_waitlist = true;
  score_t objective = 0;
  for (const assigned_need& x : a.assigned) {
    const help_case& c = cases[x.need.case_index];
    EXPECT_TRUE(c.consent);
    const auto found = find_candidates(l, c, any);
    const auto& cands = found[x.need.need_index].candidates;
    EXPECT_NE(std::find(cands.begin(), cands.end(), x.offering), cands.end());
    const std::uint32_t r = resident.at(x.need);
    EXPECT_FALSE(m[r].has_value());
    m[r] = x.offering;
    ++used[x.offering];
    const assignment_terms t = need_terms(l, c, x.need.need_index, x.offering, policy.weights);
    EXPECT_EQ(x.fit, t.distance + t.wait);
    objective += x.priority + x.fit;
  }
  EXPECT_EQ(objective, a.objective);
  for (std::size_t o = 0; o < used.size(); ++o) {
    EXPECT_EQ(used[o], a.used_units[o]);
    EXPECT_LE(used[o], l.offerings()[o].units.free_units);
  }
  if (ri.needs.size() <= 400) {  // the naive checker is slow
    EXPECT_TRUE(naive_stable(ri.instance, m));
  }
  EXPECT_TRUE(is_stable(ri.instance, m));
  EXPECT_EQ(stable_match(ri.instance, policy.optimal).hospital_of, m);

  // The same hard constraints and reasons as allocate(); allocate()'s flow optimum is at least as
  // large (stability costs total score).
  allocation_policy flow_policy;
  flow_policy.weights = policy.weights;
  flow_policy.waiting_day = policy.waiting_day;
  flow_policy.improve_complementarity = false;
  const allocation optimum = allocate(l, cases, flow_policy, waited);
  EXPECT_GE(optimum.flow_objective, a.objective);
  std::map<need_ref, unmet_reason> why;
  for (const unmet_need& u : optimum.unmet)
    why[u.need] = u.reason;
  std::map<offering_index, std::size_t> queue_length;
  bool other_seen = false;
  for (const unmet_need& u : a.unmet) {
    if (u.reason == unmet_reason::capacity_exhausted) {
      EXPECT_FALSE(other_seen);  // the waitlist first
      ASSERT_TRUE(u.waiting_for.has_value());
      EXPECT_GE(u.queue_position, 1u);
      ++queue_length[*u.waiting_for];
    } else {
      other_seen = true;
      EXPECT_EQ(why.at(u.need), u.reason);
      EXPECT_FALSE(u.waiting_for.has_value());
    }
  }
  // Queue places are 1 … n per offering.
  std::map<offering_index, std::set<std::size_t>> places;
  for (const unmet_need& u : a.unmet)
    if (u.waiting_for) places[*u.waiting_for].insert(u.queue_position);
  for (const auto& [o, set] : places) {
    EXPECT_EQ(set.size(), queue_length[o]);
    EXPECT_EQ(*set.rbegin(), set.size());
  }
}

TEST(StableAllocation, ExampleDayIsStableAndWithinCapacity) {
  for (const stable_side side : {stable_side::residents, stable_side::hospitals}) {
    stable_policy policy;
    policy.optimal = side;
    expect_stable_allocation(example(), example_cases(), policy);
    expect_stable_allocation(example_with_free_units(1), example_cases(), policy);
  }
}

TEST(StableAllocation, ScarceUnitsGoToUrgentCloseNeeds) {
  // One unit per offering: a need left waiting for an offering never has a higher priority than
  // the need that holds it... when that offering was its first choice.
  const landscape l = example_with_free_units(1);
  const auto& cases = example_cases();
  const stable_allocation a = allocate_stable(l, cases);
  const stable_referral_instance ri = build_stable_instance(l, cases);
  std::map<offering_index, score_t> holder;
  for (const assigned_need& x : a.assigned)
    holder[x.offering] = x.priority;
  int compared = 0;
  std::map<need_ref, std::uint32_t> resident;
  for (std::uint32_t r = 0; r < ri.needs.size(); ++r)
    resident[ri.needs[r]] = r;
  for (const unmet_need& u : a.unmet) {
    if (u.reason != unmet_reason::capacity_exhausted) continue;
    const auto& prefs = ri.instance.resident_prefs[resident.at(u.need)];
    for (std::uint32_t o : prefs) {  // every candidate with a unit went to someone it prefers
      ASSERT_TRUE(holder.count(o));
      EXPECT_GE(holder[o], u.priority);
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
  EXPECT_FALSE(a.unmet.empty());
}

TEST(StableAllocation, OfferingsRankNeedsByPriorityThenDistance) {
  const auto& cases = example_cases();
  std::vector<int> waited(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i)
    waited[i] = static_cast<int>((i * 7) % 5);
  const stable_referral_instance ri = build_stable_instance(example(), cases, {}, waited);
  int pairs = 0;
  for (std::size_t o = 0; o < ri.instance.hospital_prefs.size(); ++o) {
    const auto& list = ri.instance.hospital_prefs[o];
    EXPECT_EQ(ri.instance.capacities[o], example().offerings()[o].units.free_units);
    for (std::size_t j = 1; j < list.size(); ++j) {
      const std::uint32_t a = list[j - 1], b = list[j];
      EXPECT_GE(ri.priority[a], ri.priority[b]);
      if (ri.priority[a] == ri.priority[b]) {
        const auto km = [&](std::uint32_t r) {
          const need_ref n = ri.needs[r];
          return need_terms(example(), cases[n.case_index], n.need_index,
                            static_cast<offering_index>(o))
              .distance_km;
        };
        EXPECT_LE(km(a), km(b));
        ++pairs;
      }
    }
  }
  EXPECT_GT(pairs, 0);
  // Needs rank by fit, best first.
  for (std::size_t r = 0; r < ri.fit.size(); ++r)
    EXPECT_TRUE(std::is_sorted(ri.fit[r].rbegin(), ri.fit[r].rend()));
}

TEST(StableAllocation, SyntheticNationalDaysAreStable) {
  const landscape l = load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    case_generation g;
    g.count = 3000;
    g.seed = seed;
    const std::vector<help_case> cases = generate_cases(l, g);
    std::vector<int> waited(cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i)
      waited[i] = static_cast<int>((i * 37) % 60);
    stable_policy policy;
    policy.optimal = seed == 1 ? stable_side::residents : stable_side::hospitals;
    expect_stable_allocation(l, cases, policy, waited);
  }
}

TEST(StableAllocation, RejectsBadInput) {
  const auto& cases = example_cases();
  stable_policy bad;
  bad.waiting_day = -1;
  expect_error<validation_error>([&] { (void)allocate_stable(example(), cases, bad); },
                                 error_code::invalid_value, {.field = "waiting_day"});
  bad = {};
  bad.weights.distance_scale_km = 0;
  EXPECT_THROW((void)allocate_stable(example(), cases, bad), validation_error);
  std::vector<int> short_days(2, 0);
  EXPECT_THROW((void)allocate_stable(example(), cases, {}, short_days), validation_error);
  const std::vector<help_case> twice{cases[0], cases[0]};
  expect_error<validation_error>([&] { (void)allocate_stable(example(), twice); },
                                 error_code::duplicate_id,
                                 {.field = "id", .object_id = cases[0].id});
  EXPECT_TRUE(allocate_stable(example(), std::span<const help_case>{}).assigned.empty());
}

}  // namespace
}  // namespace keten_test
