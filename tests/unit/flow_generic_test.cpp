// The min-cost-flow templates instantiated with other integer types (32-bit costs, 32-bit flows,
// both) against the compiled 64-bit solvers, which flow_test.cpp checks against LEMON: the same
// status, cost, flows and potentials, and each type's numeric ranges enforced.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "keten/flow.hpp"

namespace keten::flow {
namespace {

template <class Flow, class Cost, class Network>
basic_flow_network<Flow, Cost> convert(const Network& g) {
  basic_flow_network<Flow, Cost> out;
  for (const auto s : g.supply)
    out.add_node(static_cast<Flow>(s));
  for (int a = 0; a < g.arc_count(); ++a)
    out.add_arc(g.source[a], g.target[a], static_cast<Flow>(g.lower[a]),
                static_cast<Flow>(g.upper[a]), static_cast<Cost>(g.cost[a]));
  return out;
}

/// A random network with lower bounds, negative costs and, unless balanced, unbalanced supplies.
flow_network random_network(std::mt19937_64& rng, int max_nodes, int max_arcs, bool balanced) {
  const auto pick = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const int n = static_cast<int>(pick(1, max_nodes));
  const int m = static_cast<int>(pick(0, max_arcs));
  flow_network g;
  for (int u = 0; u < n; ++u)
    g.add_node(pick(-6, 6));
  if (balanced) {
    value_t sum = 0;
    for (int u = 0; u + 1 < n; ++u)
      sum += g.supply[u];
    g.supply[n - 1] = -sum;
  }
  for (int a = 0; a < m; ++a) {
    const value_t low = pick(0, 3) == 0 ? pick(-2, 3) : 0;
    g.add_arc(static_cast<int>(pick(0, n - 1)), static_cast<int>(pick(0, n - 1)), low,
              low + pick(0, 9), pick(-5, 20));
  }
  return g;
}

/// Solves g with the compiled 64-bit solver and as basic_flow_network<Flow, Cost>: both must give
/// the same answer, certified for the narrow types by their own check_optimality.
template <class Flow, class Cost>
bool expect_same_as_compiled(const flow_network& g, const std::string& what) {
  const flow_solution wide = solve_min_cost_flow(g);
  const basic_flow_network<Flow, Cost> narrow_g = convert<Flow, Cost>(g);
  const basic_flow_solution<Flow, Cost> narrow = solve_min_cost_flow(narrow_g);
  EXPECT_EQ(narrow.status, wide.status) << what;
  EXPECT_EQ(narrow.method, wide.method) << what;
  if (wide.status != flow_status::optimal || narrow.status != wide.status) return false;
  EXPECT_EQ(narrow.cost, wide.cost) << what;
  // The same algorithm on the same numbers pivots alike: the same flow and dual, not just the
  // same cost.
  if (narrow.flow.size() != wide.flow.size()) {
    ADD_FAILURE() << what << ": " << narrow.flow.size() << " flows for " << wide.flow.size();
    return false;
  }
  for (std::size_t a = 0; a < wide.flow.size(); ++a)
    EXPECT_EQ(narrow.flow[a], wide.flow[a]) << what << ", arc " << a + 1;
  for (std::size_t u = 0; u < wide.potential.size(); ++u)
    EXPECT_EQ(narrow.potential[u], wide.potential[u]) << what << ", node " << u + 1;
  EXPECT_EQ(check_optimality(narrow_g, narrow.flow, narrow.potential), "") << what;
  return true;
}

template <class Flow, class Cost>
void check_random_networks(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  int optimal = 0;
  for (int i = 0; i < 400; ++i) {
    const flow_network g = random_network(rng, 12, 40, i % 5 != 0);
    optimal += expect_same_as_compiled<Flow, Cost>(g, fmt::format("random network {}", i)) ? 1 : 0;
  }
  EXPECT_GT(optimal, 100);  // the comparison is about optimal flows, not only about infeasibility
}

TEST(FlowGeneric, RandomNetworksWithNarrowTypesMatchTheCompiledSolver) {
  check_random_networks<std::int32_t, std::int32_t>(1);
  check_random_networks<std::int64_t, std::int32_t>(2);
  check_random_networks<std::int32_t, std::int64_t>(3);
}

TEST(FlowGeneric, AssignmentInstancesWithNarrowCostsMatchTheCompiledSolver) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 200; ++i) {
    const int k = std::uniform_int_distribution<int>(1, 40)(rng);
    const double density = i % 2 == 0 ? 1.0 : 0.2;  // dense matrix and sparse heap variants
    flow_network g;
    for (int u = 0; u < k; ++u)
      g.add_node(1);
    for (int v = 0; v < k; ++v)
      g.add_node(-1);
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v)
        if (std::bernoulli_distribution(density)(rng))
          g.add_arc(u, k + v, 0, 1, std::uniform_int_distribution<cost_t>(-1000, 1000)(rng));
    ASSERT_TRUE(is_assignment_instance(g));
    ASSERT_TRUE(is_assignment_instance(convert<std::int64_t, std::int32_t>(g)));
    expect_same_as_compiled<std::int64_t, std::int32_t>(g, fmt::format("assignment {}", i));
    expect_same_as_compiled<std::int32_t, std::int32_t>(g, fmt::format("assignment {}", i));
  }
}

TEST(FlowGeneric, NetworkSimplexDirectlyOnNarrowTypes) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) {
    const flow_network g = random_network(rng, 20, 80, true);
    g.validate();
    network_simplex wide(g);
    basic_network_simplex<std::int32_t, std::int32_t> narrow(
        convert<std::int32_t, std::int32_t>(g));
    const flow_status status = wide.run();
    ASSERT_EQ(narrow.run(), status);
    EXPECT_EQ(narrow.pivots(), wide.pivots());
    if (status != flow_status::optimal) continue;
    EXPECT_EQ(narrow.total_cost(), wide.total_cost());
    for (int a = 0; a < g.arc_count(); ++a)
      EXPECT_EQ(narrow.flow(a), wide.flow(a));
  }
}

/// The same random changes applied to the compiled dynamic flow and to one with 32-bit costs.
TEST(FlowGeneric, DynamicFlowWithNarrowCostsRepairsLikeTheCompiledOne) {
  std::mt19937_64 rng(20261208);
  int warm = 0;
  const auto pick = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  for (int round = 0; round < 30; ++round) {
    dynamic_min_cost_flow wide;
    basic_dynamic_min_cost_flow<std::int64_t, std::int32_t> narrow;
    const auto both = [&](auto&& change) {
      change(wide);
      change(narrow);
    };
    const int nodes = pick(4, 30);
    for (int v = 0; v < nodes; ++v)
      both([](auto& f) { f.add_node(0); });
    for (int v = 1; v < nodes; ++v) {
      both([v](auto& f) { f.add_arc(v, 0, 1000, 50); });
      both([v](auto& f) { f.add_arc(0, v, 1000, 50); });
    }
    for (int a = 0; a < 3 * nodes; ++a) {
      const int from = pick(0, nodes - 1), to = pick(0, nodes - 1), cap = pick(0, 12);
      const int cost = pick(-20, 30);
      both([&](auto& f) { f.add_arc(from, to, cap, cost); });
    }
    int total = 0;
    for (int v = 1; v < nodes; ++v) {
      const int s = pick(-8, 8);
      total += s;
      both([&](auto& f) { f.set_supply(v, s); });
    }
    both([&](auto& f) { f.set_supply(0, -total); });
    for (int step = 0; step < 12; ++step) {
      const flow_status status = wide.solve();
      ASSERT_EQ(narrow.solve(), status) << round << "/" << step;
      EXPECT_EQ(narrow.last_solve().warm, wide.last_solve().warm);
      if (status == flow_status::optimal) {
        warm += wide.last_solve().warm ? 1 : 0;
        EXPECT_EQ(narrow.total_cost(), wide.total_cost()) << round << "/" << step;
        EXPECT_EQ(check_optimality(narrow.network(), narrow.flows(), narrow.potentials()), "");
      }
      // A change: a capacity, a new arc, or a unit of supply moved between two nodes.
      const int kind = pick(0, 2);
      if (kind == 0) {
        const int arc = pick(0, wide.network().arc_count() - 1), cap = pick(0, 12);
        both([&](auto& f) { f.set_capacity(arc, cap); });
      } else if (kind == 1) {
        const int from = pick(0, nodes - 1), to = pick(0, nodes - 1), cap = pick(0, 12);
        const int cost = pick(-20, 30);
        both([&](auto& f) { f.add_arc(from, to, cap, cost); });
      } else {
        const int a = pick(1, nodes - 1), b = pick(1, nodes - 1);
        const auto sa = static_cast<int>(wide.network().supply[static_cast<std::size_t>(a)]);
        const auto sb = static_cast<int>(wide.network().supply[static_cast<std::size_t>(b)]);
        if (a != b)
          both([&](auto& f) {
            f.set_supply(a, sa + 1);
            f.set_supply(b, sb - 1);
          });
      }
    }
  }
  EXPECT_GT(warm, 100);  // most re-solves are repairs
}

template <class Network>
std::string refusal(const Network& g) {
  try {
    (void)solve_min_cost_flow(g);
  } catch (const validation_error& e) {
    return e.what();
  }
  return "";
}

TEST(FlowGeneric, EachTypeEnforcesItsOwnRanges) {
  using narrow = basic_flow_network<std::int32_t, std::int32_t>;
  static_assert(max_abs_input<std::int32_t> == (1 << 28));
  static_assert(max_abs_input<std::int64_t> == max_abs_value);

  // An input beyond 2^28 is refused by the 32-bit network, accepted by the 64-bit one.
  narrow costly;
  costly.add_node(1);
  costly.add_node(-1);
  costly.add_arc(0, 1, 0, 1, (1 << 28) + 1);
  EXPECT_THROW(costly.validate(), validation_error);
  EXPECT_NE(refusal(costly).find("outside ±2^28"), std::string::npos) << refusal(costly);
  EXPECT_EQ(solve_min_cost_flow(convert<value_t, cost_t>(costly)).cost, (1 << 28) + 1);

  // (max |cost| + 1) · (nodes + 1) beyond 2^28: the potentials would leave 32 bits.
  narrow wide_costs;
  for (int u = 0; u < 1023; ++u)
    wide_costs.add_node(0);
  wide_costs.add_arc(0, 1, 0, 5, 1 << 18);
  EXPECT_NE(refusal(wide_costs).find("exact 32-bit potentials"), std::string::npos)
      << refusal(wide_costs);
  EXPECT_EQ(solve_min_cost_flow(convert<std::int32_t, std::int64_t>(wide_costs)).status,
            flow_status::optimal);

  // Σ |supplies| + Σ capacities beyond 2^28: a tree flow could leave 32 bits.
  narrow much_flow;
  much_flow.add_node(1 << 27);
  much_flow.add_node(-(1 << 27));
  much_flow.add_arc(0, 1, 0, 1 << 28, 1);
  EXPECT_NE(refusal(much_flow).find("exact 32-bit arithmetic: the sum of |supplies| and "
                                    "capacities exceeds 2^28"),
            std::string::npos)
      << refusal(much_flow);
  EXPECT_EQ(solve_min_cost_flow(convert<std::int64_t, std::int32_t>(much_flow)).cost, 1 << 27);

  // A total beyond 32 bits is exact in the 64-bit total, whatever the cost type.
  basic_flow_network<std::int64_t, std::int32_t> big_total;
  big_total.add_node(std::int64_t{1} << 30);
  big_total.add_node(-(std::int64_t{1} << 30));
  big_total.add_arc(0, 1, 0, std::int64_t{1} << 30, 1 << 20);
  const auto solved = solve_min_cost_flow(big_total);
  ASSERT_EQ(solved.status, flow_status::optimal);
  EXPECT_EQ(solved.cost, std::int64_t{1} << 50);
}

}  // namespace
}  // namespace keten::flow
