// keten::allocator: warm re-allocation equal to a solve from scratch (and to LEMON) after random
// arrivals, closures and capacity changes, the improvement step's gap, batches all or nothing.
#include <gtest/gtest.h>

#include "allocation_support.hpp"

namespace keten {
namespace {

using namespace allocation_test;

TEST(Allocator, WarmReallocationEqualsASolveFromScratch) {
  const landscape l = load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  case_generation g;
  g.count = 3000;
  g.seed = 7;
  const std::vector<help_case> all = generate_cases(l, g);
  std::vector<int> waited(all.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    waited[i] = static_cast<int>((i * 13) % 40);
  for (const double fairness : {0.0, 25.0, -1.0}) {
    allocation_policy policy;
    policy.fairness = std::max(fairness, 0.0);
    // −1: no fairness, strong complementarity, so that the improvement step moves needs and
    // re-solves must keep, undo and redo moves.
    if (fairness < 0) policy.weights.complementarity = 60.0;
    allocator alloc(l, policy);
    std::size_t next = 2400;
    alloc.add_cases(std::span(all).first(next), std::span(waited).first(next));
    std::vector<int> days(waited.begin(), waited.begin() + static_cast<std::ptrdiff_t>(next));
    const allocation first = alloc.solve();
    EXPECT_FALSE(first.warm);
    EXPECT_EQ(first.changes.size(), first.assigned.size());  // all new
    allocation last = first;
    if (fairness < 0) {
      EXPECT_GT(first.moves, 0U);
    }
    EXPECT_EQ(first.flow_objective,
              allocate(l, std::span(all).first(next), policy, std::span(waited).first(next))
                  .flow_objective);
    std::mt19937 rng(11);
    std::map<offering_index, std::int32_t> units;
    for (int round = 0; round < 6; ++round) {
      const std::string what = fmt::format("fairness {} round {}", fairness, round);
      // New cases, closed cases, capacities up, down and to zero.
      const std::size_t arriving = 10 + rng() % 60;
      alloc.add_cases(std::span(all).subspan(next, arriving),
                      std::span(waited).subspan(next, arriving));
      days.insert(days.end(), waited.begin() + static_cast<std::ptrdiff_t>(next),
                  waited.begin() + static_cast<std::ptrdiff_t>(next + arriving));
      next += arriving;
      for (int k = 0; k < 25; ++k) {
        const help_case& c = alloc.cases()[rng() % alloc.cases().size()];
        if (alloc.contains(c.id)) alloc.remove_case(c.id);
      }
      for (int k = 0; k < 15; ++k) {
        const auto o = static_cast<offering_index>(rng() % l.offerings().size());
        const auto free = static_cast<std::int32_t>(rng() % 4 == 0 ? 0 : rng() % 12);
        alloc.set_free_units(o, free);
        units[o] = free;
      }
      const allocation warm = alloc.solve();
      EXPECT_TRUE(warm.warm) << what;
      EXPECT_GT(warm.paths, 0) << what;
      // The changes are exactly the needs whose offering differs from the last result's.
      std::map<need_ref, std::pair<std::optional<offering_index>, std::optional<offering_index>>>
          differ;
      for (const assigned_need& x : last.assigned)
        differ[x.need].first = x.offering;
      for (const assigned_need& x : warm.assigned)
        differ[x.need].second = x.offering;
      std::vector<need_change> expected;
      for (const auto& [need, offerings] : differ)
        if (offerings.first != offerings.second)
          expected.push_back({need, offerings.first, offerings.second});
      EXPECT_EQ(warm.changes, expected) << what;
      EXPECT_FALSE(warm.changes.empty()) << what;
      last = warm;
      EXPECT_EQ(warm.pivots, 0) << what;

      // The cases present, in order, and the landscape with the changed capacities.
      std::vector<help_case> present;
      std::vector<int> present_days;
      std::vector<std::uint32_t> index_of;  // present index → allocator index
      for (std::size_t i = 0; i < alloc.cases().size(); ++i)
        if (alloc.contains(alloc.cases()[i].id)) {
          present.push_back(alloc.cases()[i]);
          present_days.push_back(days[i]);
          index_of.push_back(static_cast<std::uint32_t>(i));
        }
      ASSERT_EQ(present.size(), alloc.size());
      const landscape changed = with_units(l, units);
      const allocation cold = allocate(changed, present, policy, present_days);
      EXPECT_EQ(warm.flow_objective, cold.flow_objective) << what;
      EXPECT_GE(warm.objective, warm.flow_objective) << what;
      const auto plain = build_allocation_network(changed, present, policy, present_days, false);
      EXPECT_EQ(-lemon_optimum(plain.network), warm.flow_objective) << what;
      // The warm result names the allocator's cases; renumbered, it passes every hard check.
      std::map<std::uint32_t, std::uint32_t> renumber;
      for (std::uint32_t i = 0; i < index_of.size(); ++i)
        renumber[index_of[i]] = i;
      allocation check = warm;
      for (assigned_need& x : check.assigned) {
        ASSERT_TRUE(renumber.contains(x.need.case_index)) << what << ": a removed case";
        x.need.case_index = renumber[x.need.case_index];
      }
      for (unmet_need& u : check.unmet) {
        ASSERT_TRUE(renumber.contains(u.need.case_index)) << what << ": a removed case";
        u.need.case_index = renumber[u.need.case_index];
      }
      expect_feasible(changed, present, check);
      expect_result_consistent(changed, present, policy, check, cold);
      if (HasFailure()) return;
    }
  }
}

TEST(Allocator, WarmImprovementStepGapToTheExactOptimum) {
  // A re-solve keeps the moves of the cases no change reached and redoes those of the others;
  // its objective is measured against the exact optimum of the full objective (exhaustive
  // search) after each change, as the cold improvement step's is. Random landscapes (offerings
  // with up to three categories, so that two needs of a case can share one and moving one of
  // them gains complementarity), three cases at a time, tight free units.
  keten_test::instance_limits limits;
  limits.max_needs = 3;
  limits.max_assignments = 40;
  limits.one_category = 0.1;  // most offerings serve two or three categories
  limits.up_to_two_categories = 0.5;
  score_t total_gap = 0, total_optimum = 0, cold_gap = 0;
  int exact = 0, cold_exact = 0, rounds = 0;
  std::size_t moves = 0;
  for (std::uint32_t seed = 1; seed <= keten_test::scaled(150); ++seed) {
    std::mt19937 rng(seed);
    keten_test::match_instance m = keten_test::random_match_instance(rng, limits);
    std::vector<help_case> pool;
    for (int k = 0; k < 8; ++k) {
      if (k > 0) keten_test::random_case(rng, m, limits);
      m.kase.id = "c" + std::to_string(k);
      pool.push_back(m.kase);
    }
    allocation_policy policy;
    policy.weights.complementarity = 150.0;
    // Every other seed with partner pairs that cooperate (random strengths), so that the warm
    // improvement step is checked with the collaboration term too.
    collaboration_strengths strengths;
    if (seed % 2 == 0) {
      const auto partners = static_cast<partner_index>(m.land.partners().size());
      for (partner_index p = 0; p < partners; ++p)
        for (partner_index q = p + 1; q < partners; ++q)
          if (rng() % 2 == 0) strengths.set(p, q, static_cast<double>(rng() % 11) / 10.0);
      policy.collaboration = &strengths;
      policy.weights.collaboration = 100.0;
    }
    allocator alloc(m.land, policy);
    std::map<offering_index, std::int32_t> units;
    for (offering_index o = 0; o < m.land.offerings().size(); ++o) {
      units[o] = static_cast<std::int32_t>(rng() % 4);
      alloc.set_free_units(o, units[o]);
    }
    alloc.add_cases(std::span(pool).first(3));
    std::size_t next = 3;
    (void)alloc.solve();
    for (int round = 0; round < 4 && next < pool.size(); ++round) {
      // One case leaves, one arrives, one offering's free units change.
      std::vector<std::uint32_t> present_index;
      for (std::uint32_t i = 0; i < alloc.cases().size(); ++i)
        if (alloc.contains(alloc.cases()[i].id)) present_index.push_back(i);
      alloc.remove_case(alloc.cases()[present_index[rng() % present_index.size()]].id);
      alloc.add_cases(std::span(pool).subspan(next++, 1));
      const auto o = static_cast<offering_index>(rng() % m.land.offerings().size());
      units[o] = static_cast<std::int32_t>(rng() % 4);
      alloc.set_free_units(o, units[o]);
      const allocation warm = alloc.solve();
      const std::string what = fmt::format("seed {} round {}", seed, round);
      ASSERT_TRUE(warm.warm) << what;
      moves += warm.moves;
      std::vector<help_case> present;
      std::map<std::uint32_t, std::uint32_t> renumber;  // allocator index → present index
      for (std::uint32_t i = 0; i < alloc.cases().size(); ++i)
        if (alloc.contains(alloc.cases()[i].id)) {
          renumber[i] = static_cast<std::uint32_t>(present.size());
          present.push_back(alloc.cases()[i]);
        }
      const landscape changed = with_units(m.land, units);
      const allocation cold = allocate(changed, present, policy);
      EXPECT_EQ(warm.flow_objective, cold.flow_objective) << what;
      EXPECT_GE(warm.objective, warm.flow_objective) << what;
      allocation check = warm;
      for (assigned_need& x : check.assigned)
        x.need.case_index = renumber.at(x.need.case_index);
      for (unmet_need& u : check.unmet)
        u.need.case_index = renumber.at(u.need.case_index);
      expect_feasible(changed, present, check);
      expect_result_consistent(changed, present, policy, check, cold);
      const score_t optimum = exhaustive_optimum(changed, present, policy, true);
      ASSERT_GE(optimum, warm.objective) << what;  // the oracle is exact
      total_gap += optimum - warm.objective;
      total_optimum += optimum;
      exact += optimum == warm.objective;
      cold_gap += optimum - cold.objective;  // the same step from scratch, for comparison
      cold_exact += optimum == cold.objective;
      ++rounds;
      if (HasFailure()) return;
    }
  }
  const double mean_gap_percent = 100.0 * static_cast<double>(total_gap) /
                                  static_cast<double>(std::max<score_t>(total_optimum, 1));
  std::printf(
      "warm improvement step: exact on %d of %d re-solves, mean gap %.3f%% of the optimum, "
      "%zu moves in all (from scratch: exact on %d, mean gap %.3f%%)\n",
      exact, rounds, mean_gap_percent, moves, cold_exact,
      100.0 * static_cast<double>(cold_gap) /
          static_cast<double>(std::max<score_t>(total_optimum, 1)));
  EXPECT_GT(moves, 0U);  // the instances exercise the moves
  EXPECT_LT(mean_gap_percent, 2.0);
  EXPECT_GE(exact, rounds / 2);
}

TEST(Allocator, AppliesABatchAllOrNothing) {
  const auto& cases = example_cases();
  allocator alloc(example());
  alloc.add_cases(std::span(cases).first(10));
  const allocation before = alloc.solve();
  const auto rejected = [&](const allocation_changes& batch, error_code code) {
    try {
      alloc.apply(batch);
      ADD_FAILURE() << "a bad batch was applied";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
    // Nothing of it was applied: the same cases, the same free units, the same optimum.
    EXPECT_EQ(alloc.size(), 10U);
    EXPECT_TRUE(alloc.contains(cases[0].id));
    EXPECT_FALSE(alloc.contains(cases[10].id));
    const allocation again = alloc.solve();
    EXPECT_EQ(again.flow_objective, before.flow_objective);
    EXPECT_EQ(again.used_units, before.used_units);
    EXPECT_TRUE(again.changes.empty());
  };
  const auto o = static_cast<offering_index>(example().offerings().size());
  // Each bad batch also closes a case and adds one, which must not happen.
  rejected({{cases[0].id, "no-such-case"}, {cases[10]}, {}}, error_code::not_found);
  rejected({{cases[0].id, cases[0].id}, {cases[10]}, {}}, error_code::duplicate_id);
  rejected({{cases[0].id}, {cases[10], cases[3]}, {}}, error_code::duplicate_id);
  rejected({{cases[0].id}, {cases[10], cases[10]}, {}}, error_code::duplicate_id);
  help_case invalid = cases[10];
  invalid.needs[0].category = "no.such";
  rejected({{cases[0].id}, {invalid}, {}}, error_code::unknown_category);
  rejected({{cases[0].id}, {cases[10]}, {{0, 2}, {o, 1}}}, error_code::unknown_reference);
  rejected({{cases[0].id}, {cases[10]}, {{0, -1}}}, error_code::negative_value);
  // A good batch: a case closes and comes back in the same batch (its record replaced), one
  // arrives, an offering's units change; the changes list what the re-solve moved.
  alloc.apply({{cases[0].id, cases[1].id}, {cases[10], cases[1]}, {{0, 0}}});
  EXPECT_EQ(alloc.size(), 10U);
  EXPECT_TRUE(alloc.contains(cases[1].id));
  EXPECT_FALSE(alloc.contains(cases[0].id));
  const allocation after = alloc.solve();
  EXPECT_TRUE(after.warm);
  EXPECT_EQ(after.used_units[0], 0);
  for (const need_change& x : after.changes)
    EXPECT_NE(x.before, x.after);
}

TEST(Allocator, RejectsBadChangesAndKeepsItsCases) {
  const auto& cases = example_cases();
  allocator alloc(example());
  alloc.add_cases(std::span(cases).first(10));
  const allocation before = alloc.solve();
  // A batch with a duplicate (of a present case) adds nothing.
  std::vector<help_case> batch{cases[10], cases[3]};
  try {
    alloc.add_cases(batch);
    FAIL();
  } catch (const validation_error& e) {
    EXPECT_EQ(e.code(), error_code::duplicate_id);
    EXPECT_EQ(e.where().object_id, cases[3].id);
  }
  std::vector<int> bad_days{1, -2};
  EXPECT_THROW(alloc.add_cases(std::span(cases).subspan(10, 2), bad_days), validation_error);
  EXPECT_FALSE(alloc.contains(cases[10].id));
  EXPECT_EQ(alloc.size(), 10U);
  EXPECT_THROW(alloc.remove_case("no-such-case"), not_found_error);
  EXPECT_THROW(alloc.set_free_units(static_cast<offering_index>(example().offerings().size()), 1),
               validation_error);
  EXPECT_THROW(alloc.set_free_units(0, -1), validation_error);
  const allocation again = alloc.solve();
  EXPECT_EQ(again.flow_objective, before.flow_objective);
  EXPECT_EQ(again.assigned.size(), before.assigned.size());
  // Removing every case leaves an empty allocation.
  for (std::size_t i = 0; i < 10; ++i)
    alloc.remove_case(cases[i].id);
  const allocation none = alloc.solve();
  EXPECT_TRUE(none.assigned.empty());
  EXPECT_TRUE(none.unmet.empty());
  EXPECT_EQ(none.flow_objective, 0);
}

}  // namespace
}  // namespace keten
