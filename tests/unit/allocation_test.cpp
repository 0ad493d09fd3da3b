// allocate(): hard constraints, the optimum against LEMON on the plain one-node-per-need graph and
// against exhaustive search on small instances, fairness, the waitlist and its reasons.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <regex>

#include "keten/allocation.hpp"
#include "keten/io.hpp"
#include "keten/synthetic.hpp"
#include "lemon_peer.hpp"

namespace keten {
namespace {

const landscape& example() {
  static const landscape l =
      load_landscape_json(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  return l;
}

const std::vector<help_case>& example_cases() {
  static const std::vector<help_case> c =
      load_cases_json(std::string(KETEN_DATA_DIR) + "/example/cases.json", example());
  return c;
}

/// The example landscape with every offering's free units replaced by free(i).
template <class Free>
landscape with_free_units(Free free) {
  std::string text = read_file(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  static const std::regex pattern("\"free_units\": [0-9]+");
  std::string out;
  std::size_t i = 0;
  auto begin = std::sregex_iterator(text.begin(), text.end(), pattern);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, static_cast<std::size_t>(it->position()) - last);
    out += "\"free_units\": " + std::to_string(free(i++));
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out.append(text, last);
  return parse_landscape_json(out, "tight-example");
}

std::int64_t lemon_optimum(const flow::flow_network& g) {
  const peers::lemon_solver s(g.supply, g.source, g.target, g.lower, g.upper, g.cost);
  const peers::lemon_result r = s.network_simplex();
  EXPECT_TRUE(r.optimal);
  return r.cost;
}

/// Checks every hard constraint of an allocation.
void expect_feasible(const landscape& l, std::span<const help_case> cases, const allocation& a) {
  std::map<need_ref, int> seen;
  std::vector<std::int32_t> used(l.offerings().size(), 0);
  match_options any;
  any.allow_waitlist = true;
  for (const assigned_need& x : a.assigned) {
    EXPECT_EQ(++seen[x.need], 1);
    const help_case& c = cases[x.need.case_index];
    EXPECT_TRUE(c.consent);
    const auto found = find_candidates(l, c, any);
    const auto& cands = found[x.need.need_index].candidates;
    EXPECT_NE(std::find(cands.begin(), cands.end(), x.offering), cands.end());
    ++used[x.offering];
  }
  for (const unmet_need& u : a.unmet)
    EXPECT_EQ(++seen[u.need], 1);
  std::size_t total = 0;
  for (const help_case& c : cases)
    total += c.needs.size();
  EXPECT_EQ(seen.size(), total);  // nobody silently dropped
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    EXPECT_LE(used[o], l.offerings()[o].units.free_units);
    EXPECT_EQ(used[o], a.used_units[o]);
  }
}

/// Exhaustive search: the best Σ priority + fit (with the fairness penalty) over every way of
/// giving each need one of its candidates with a free unit, or nothing.
score_t exhaustive_optimum(const landscape& l, std::span<const help_case> cases,
                           const allocation_policy& policy, bool with_complementarity = false) {
  struct item {
    std::size_t case_index;
    std::size_t need_index;
    std::string municipality;
    score_t priority;
    std::vector<std::pair<offering_index, score_t>> options;
  };
  std::vector<item> items;
  std::map<std::string, int> needs_in;
  match_options any;
  any.allow_waitlist = true;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const help_case& c = cases[ci];
    const auto found = find_candidates(l, c, any);
    for (std::size_t i = 0; i < c.needs.size(); ++i) {
      item it{ci,
              i,
              c.location.municipality,
              to_score(policy.weights.cover * c.needs[i].weight * c.needs[i].urgency),
              {}};
      if (c.consent)
        for (offering_index o : found[i].candidates) {
          const assignment_terms t = need_terms(l, c, i, o, policy.weights);
          if (l.offerings()[o].units.free_units > 0)
            it.options.emplace_back(o, t.distance + t.wait);
        }
      if (!it.options.empty()) ++needs_in[it.municipality];
      items.push_back(std::move(it));
    }
  }
  std::vector<std::int32_t> left(l.offerings().size());
  for (offering_index o = 0; o < left.size(); ++o)
    left[o] = l.offerings()[o].units.free_units;
  std::map<std::string, int> unmet;
  score_t best = std::numeric_limits<score_t>::min();
  const auto penalty = [&] {
    score_t p = 0;
    if (policy.fairness <= 0.0) return p;
    for (const auto& [m, k] : unmet) {
      const int n = needs_in[m];
      // The j-th unmet need (0-based) of the municipality is in tenth t where j < ceil(n(t+1)/10).
      for (int j = 0; j < k; ++j) {
        int t = 0;
        while (j >= (n * (t + 1) + 9) / 10)
          ++t;
        p += to_score(policy.fairness * t);
      }
    }
    return p;
  };
  std::vector<std::optional<offering_index>> chosen(items.size());
  const auto complementarity = [&] {
    score_t total = 0;
    if (!with_complementarity) return total;
    for (std::size_t a = 0; a < items.size(); ++a)
      for (std::size_t b = a + 1; b < items.size(); ++b)
        if (items[a].case_index == items[b].case_index && chosen[a] && chosen[b] &&
            *chosen[a] != *chosen[b])
          total += need_pair_complementarity(l, cases[items[a].case_index], items[a].need_index,
                                             items[b].need_index, policy.weights);
    return total;
  };
  std::function<void(std::size_t, score_t)> go = [&](std::size_t k, score_t value) {
    if (k == items.size()) {
      best = std::max(best, value - penalty() + complementarity());
      return;
    }
    const item& it = items[k];
    if (!it.options.empty()) ++unmet[it.municipality];
    go(k + 1, value);
    if (!it.options.empty()) --unmet[it.municipality];
    for (const auto& [o, fit] : it.options) {
      if (left[o] == 0 || it.priority + fit <= 0) continue;
      --left[o];
      chosen[k] = o;
      go(k + 1, value + it.priority + fit);
      chosen[k].reset();
      ++left[o];
    }
  };
  go(0, 0);
  return best;
}

TEST(Allocation, ExampleDayIsFeasibleAndOptimal) {
  const auto& cases = example_cases();
  const allocation a = allocate(example(), cases);
  expect_feasible(example(), cases, a);
  EXPECT_FALSE(a.assigned.empty());
  // The optimum equals LEMON's on the plain graph (one node per need) and on the grouped one.
  allocation_policy policy;
  const auto plain = build_allocation_network(example(), cases, policy, {}, false);
  const auto grouped = build_allocation_network(example(), cases, policy, {}, true);
  EXPECT_EQ(-lemon_optimum(plain.network), a.flow_objective);
  EXPECT_EQ(-lemon_optimum(grouped.network), a.flow_objective);
  EXPECT_LE(grouped.network.node_count(), plain.network.node_count());
  // Reasons: the case without consent and the case out of area are reported as such.
  bool no_consent = false;
  for (const unmet_need& u : a.unmet)
    no_consent |= u.reason == unmet_reason::no_consent;
  EXPECT_TRUE(no_consent);
}

TEST(Allocation, MatchesExhaustiveSearchOnTightSmallInstances) {
  std::mt19937 rng(4);
  const auto& all = example_cases();
  int checked = 0;
  for (int round = 0; round < 60; ++round) {
    const int cap = static_cast<int>(rng() % 3);
    const landscape l =
        with_free_units([&](std::size_t i) { return (i * 7 + round) % 3 == 0 ? 0 : cap; });
    std::vector<help_case> cases;
    std::size_t needs = 0;
    for (int k = 0; k < 6 && needs < 7; ++k) {
      help_case c = all[rng() % all.size()];
      if (std::any_of(cases.begin(), cases.end(), [&](const help_case& x) { return x.id == c.id; }))
        continue;
      if (c.needs.size() > 3) c.needs.resize(3);
      needs += c.needs.size();
      cases.push_back(c);
    }
    allocation_policy policy;
    policy.fairness = round % 3 == 0 ? 40.0 : 0.0;
    policy.improve_complementarity = false;
    const allocation a = allocate(l, cases, policy);
    expect_feasible(l, cases, a);
    EXPECT_EQ(a.flow_objective, exhaustive_optimum(l, cases, policy)) << "round " << round;
    // No improvement step: the objective is the flow's plus the complementarity it happens to have.
    EXPECT_EQ(a.objective, a.flow_objective + a.complementarity);
    EXPECT_EQ(a.moves, 0U);
    ++checked;
    if (HasFailure()) return;
  }
  EXPECT_EQ(checked, 60);
}

TEST(Allocation, ImprovementStepGapToTheExactOptimumWithComplementarity) {
  // The flow is exact without complementarity; with it, the improvement step is a heuristic. Its
  // gap to the exact optimum of the full objective (exhaustive search) is measured and bounded.
  std::mt19937 rng(11);
  const auto& all = example_cases();
  score_t total_gap = 0;
  score_t total_optimum = 0;
  score_t worst = 0;
  int exact = 0;
  const int rounds = 60;
  for (int round = 0; round < rounds; ++round) {
    const int cap = 1 + static_cast<int>(rng() % 2);
    const landscape l =
        with_free_units([&](std::size_t i) { return (i * 5 + round) % 4 == 0 ? 0 : cap; });
    std::vector<help_case> cases;
    std::size_t needs = 0;
    for (int k = 0; k < 6 && needs < 7; ++k) {
      help_case c = all[rng() % all.size()];
      if (std::any_of(cases.begin(), cases.end(), [&](const help_case& x) { return x.id == c.id; }))
        continue;
      if (c.needs.size() > 3) c.needs.resize(3);
      needs += c.needs.size();
      cases.push_back(c);
    }
    allocation_policy policy;
    policy.weights.complementarity = 60.0;  // strong, so that it matters
    const allocation a = allocate(l, cases, policy);
    const score_t optimum = exhaustive_optimum(l, cases, policy, true);
    ASSERT_GE(optimum, a.objective) << "round " << round;  // the oracle is exact
    const score_t gap = optimum - a.objective;
    total_gap += gap;
    total_optimum += optimum;
    worst = std::max(worst, gap);
    exact += gap == 0;
  }
  const double mean_gap_percent =
      100.0 * static_cast<double>(total_gap) / static_cast<double>(total_optimum);
  std::printf(
      "improvement step: exact on %d of %d instances, mean gap %.3f%% of the optimum, "
      "worst %.1f points\n",
      exact, rounds, mean_gap_percent, to_points(worst));
  // Recorded in docs/allocation.md; the bounds guard against regressions.
  EXPECT_LT(mean_gap_percent, 2.0);
  EXPECT_GE(exact, rounds / 2);
}

TEST(Allocation, AgreesWithLemonOnSyntheticNationalDays) {
  const landscape l = load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    case_generation g;
    g.count = 3000;
    g.seed = seed;
    const std::vector<help_case> cases = generate_cases(l, g);
    for (const double fairness : {0.0, 25.0}) {
      allocation_policy policy;
      policy.fairness = fairness;
      std::vector<int> waited(cases.size());
      for (std::size_t i = 0; i < cases.size(); ++i)
        waited[i] = static_cast<int>((i * 37) % 60);
      const allocation a = allocate(l, cases, policy, waited);
      expect_feasible(l, cases, a);
      const auto plain = build_allocation_network(l, cases, policy, waited, false);
      EXPECT_EQ(-lemon_optimum(plain.network), a.flow_objective) << seed;
      EXPECT_GE(a.objective, a.flow_objective);       // the improvement step never loses
      EXPECT_LT(a.groups, plain.group_needs.size());  // grouping shrinks the graph
    }
  }
}

TEST(Allocation, WaitlistIsOrderedByPriorityWithQueuePositions) {
  const landscape l = with_free_units([](std::size_t) { return 1; });
  const auto& cases = example_cases();
  const allocation a = allocate(l, cases);
  expect_feasible(l, cases, a);
  std::map<offering_index, std::size_t> last;
  bool exhausted_seen = false;
  score_t previous = std::numeric_limits<score_t>::max();
  for (const unmet_need& u : a.unmet) {
    if (u.reason != unmet_reason::capacity_exhausted) {
      EXPECT_FALSE(u.waiting_for.has_value());
      continue;
    }
    exhausted_seen = true;
    EXPECT_LE(u.priority, previous);
    previous = u.priority;
    ASSERT_TRUE(u.waiting_for.has_value());
    EXPECT_EQ(u.queue_position, ++last[*u.waiting_for]);
  }
  EXPECT_TRUE(exhausted_seen);
}

TEST(Allocation, UrgentNeedsWinScarceUnits) {
  // Every offering has one unit: the covered needs have at least the priority of the waitlisted
  // needs that wanted the same offering first... unless fit made the difference; with distance and
  // wait weights 0 priority alone decides.
  const landscape l = with_free_units([](std::size_t) { return 1; });
  allocation_policy policy;
  policy.weights.distance = 0;
  policy.weights.wait = 0;
  policy.improve_complementarity = false;
  const auto& cases = example_cases();
  const allocation a = allocate(l, cases, policy);
  std::map<offering_index, score_t> holder;
  for (const assigned_need& x : a.assigned)
    holder[x.offering] = x.priority;
  for (const unmet_need& u : a.unmet)
    if (u.reason == unmet_reason::capacity_exhausted && holder.count(*u.waiting_for)) {
      EXPECT_GE(holder[*u.waiting_for], u.priority);
    }
}

TEST(Allocation, RejectsBadInput) {
  const auto& cases = example_cases();
  allocation_policy bad;
  bad.fairness = -1;
  EXPECT_THROW((void)allocate(example(), cases, bad), validation_error);
  std::vector<int> short_days(2, 0);
  EXPECT_THROW((void)allocate(example(), cases, {}, short_days), validation_error);
  std::vector<help_case> twice{cases[0], cases[0]};
  try {
    (void)allocate(example(), twice);
    FAIL();
  } catch (const validation_error& e) {
    EXPECT_EQ(e.code(), error_code::duplicate_id);
    EXPECT_EQ(e.where().object_id, cases[0].id);
  }
  EXPECT_TRUE(allocate(example(), std::span<const help_case>{}).assigned.empty());
}

}  // namespace
}  // namespace keten
