// dynamic_min_cost_flow: after random changes, the repaired optimum is checked against LEMON's
// NetworkSimplex on the changed network (cost for cost, status for status) and certified by
// check_optimality; the repair must be a repair (warm), not a silent solve from scratch.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include <random>
#include <string>

#include <fmt/format.h>

#include "keten/flow.hpp"
#include "lemon_peer.hpp"

namespace keten::flow {
namespace {

/// Checks the solver's answer against LEMON on the network it holds now.
void expect_optimal_like_lemon(const dynamic_min_cost_flow& solver, flow_status status,
                               const std::string& what) {
  const flow_network& g = solver.network();
  const peers::lemon_result theirs =
      peers::lemon_solver(g.supply, g.source, g.target, g.lower, g.upper, g.cost).network_simplex();
  ASSERT_EQ(status == flow_status::optimal, theirs.optimal) << what;
  if (!theirs.optimal) return;
  EXPECT_EQ(solver.total_cost(), theirs.cost) << what;
  EXPECT_EQ(check_optimality(g, solver.flows(), solver.potentials()), "") << what;
}

int uniform(std::mt19937_64& rng, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

/// A random network in which every node can send to and take from a hub (node 0) at a high cost,
/// so that most instances are feasible; some hub arcs are left out so that some are not.
dynamic_min_cost_flow random_network(std::mt19937_64& rng, int nodes, int arcs) {
  dynamic_min_cost_flow f;
  for (int v = 0; v < nodes; ++v)
    f.add_node(0);
  for (int v = 1; v < nodes; ++v) {
    if (uniform(rng, 0, 9) > 0) f.add_arc(v, 0, 1000, 50);
    if (uniform(rng, 0, 9) > 0) f.add_arc(0, v, 1000, 50);
  }
  for (int a = 0; a < arcs; ++a)
    f.add_arc(uniform(rng, 0, nodes - 1), uniform(rng, 0, nodes - 1), uniform(rng, 0, 12),
              uniform(rng, -20, 30));
  value_t total = 0;
  for (int v = 1; v < nodes; ++v) {
    const int s = uniform(rng, -8, 8);
    f.set_supply(v, s);
    total += s;
  }
  f.set_supply(0, -total);
  return f;
}

/// One random change that keeps the supplies balanced.
void random_change(std::mt19937_64& rng, dynamic_min_cost_flow& f) {
  const flow_network& g = f.network();
  const int n = g.node_count();
  switch (uniform(rng, 0, 4)) {
    case 0: {  // a new node with supply, taken by an existing one, and a few arcs
      const int s = uniform(rng, -6, 6);
      const int v = f.add_node(s);
      const int other = uniform(rng, 0, n - 1);
      f.set_supply(other, g.supply[static_cast<std::size_t>(other)] - s);
      for (int k = uniform(rng, 1, 3); k > 0; --k) {
        const int w = uniform(rng, 0, n - 1);
        if (uniform(rng, 0, 1) == 0)
          f.add_arc(v, w, uniform(rng, 0, 10), uniform(rng, -20, 30));
        else
          f.add_arc(w, v, uniform(rng, 0, 10), uniform(rng, -20, 30));
      }
      f.add_arc(v, 0, 1000, 50);
      f.add_arc(0, v, 1000, 50);
      break;
    }
    case 1:  // a new arc between existing nodes
      f.add_arc(uniform(rng, 0, n - 1), uniform(rng, 0, n - 1), uniform(rng, 0, 12),
                uniform(rng, -20, 30));
      break;
    case 2:  // a capacity goes up or down (to zero sometimes)
    case 3: {
      const int a = uniform(rng, 0, g.arc_count() - 1);
      f.set_capacity(a, uniform(rng, 0, 3) == 0 ? 0 : uniform(rng, 0, 15));
      break;
    }
    default: {  // supply moves from one node to another
      const int u = uniform(rng, 0, n - 1), w = uniform(rng, 0, n - 1);
      const int d = uniform(rng, 1, 5);
      f.set_supply(u, g.supply[static_cast<std::size_t>(u)] + d);
      f.set_supply(w, g.supply[static_cast<std::size_t>(w)] - d);
    }
  }
}

TEST(DynamicFlow, RepairsAfterRandomChangesLikeASolveFromScratch) {
  std::mt19937_64 rng(20261127);
  int warm = 0, rounds = 0;  // repairs of feasible networks, and those done warm
  for (int instance = 0; instance < 300; ++instance) {
    dynamic_min_cost_flow f = random_network(rng, uniform(rng, 2, 14), uniform(rng, 0, 40));
    flow_status status = f.solve();
    expect_optimal_like_lemon(f, status, fmt::format("instance {} cold", instance));
    for (int round = 0; round < 6; ++round) {
      const bool was_optimal = status == flow_status::optimal;
      const std::vector<value_t> before(f.flows().begin(), f.flows().end());
      for (int k = uniform(rng, 1, 4); k > 0; --k)
        random_change(rng, f);
      status = f.solve();
      // A feasible network that was solved before is repaired, never solved again from scratch.
      if (was_optimal && status == flow_status::optimal) {
        ++rounds;
        warm += f.last_solve().warm ? 1 : 0;
        EXPECT_TRUE(f.last_solve().warm) << "instance " << instance << " round " << round;
        // Every arc whose flow changed is listed, once (new arcs start with 0).
        std::vector<int> listed(f.changed_arcs().begin(), f.changed_arcs().end());
        std::sort(listed.begin(), listed.end());
        EXPECT_EQ(std::adjacent_find(listed.begin(), listed.end()), listed.end());
        for (std::size_t a = 0; a < f.flows().size(); ++a) {
          const value_t old = a < before.size() ? before[a] : 0;
          if (f.flow(static_cast<int>(a)) != old) {
            EXPECT_TRUE(std::binary_search(listed.begin(), listed.end(), static_cast<int>(a)))
                << "instance " << instance << " round " << round << " arc " << a;
          }
        }
        // A solve with no change in between changes nothing and lists nothing.
        ASSERT_EQ(f.solve(), flow_status::optimal);
        EXPECT_TRUE(f.last_solve().warm);
        EXPECT_TRUE(f.changed_arcs().empty());
      } else if (status == flow_status::optimal) {
        EXPECT_TRUE(f.changed_arcs().empty()) << "a cold solve lists no changes";
      }
      expect_optimal_like_lemon(f, status, fmt::format("instance {} round {}", instance, round));
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_EQ(warm, rounds);
  EXPECT_GT(rounds, 1000);
}

/// A network like an allocation's: small parts of random arcs among their own nodes, joined only
/// by a sink that has no outgoing arcs; some parts cannot reach the sink, some nodes have no arcs.
dynamic_min_cost_flow sink_joined_network(std::mt19937_64& rng, int parts) {
  dynamic_min_cost_flow f;
  const int sink = f.add_node(0);
  value_t total = 0;
  for (int p = 0; p < parts; ++p) {
    const int first = f.network().node_count(), size = uniform(rng, 1, 6);
    const bool reaches_sink = uniform(rng, 0, 5) > 0;
    value_t net = 0;
    for (int k = 0; k < size; ++k) {
      const int s = uniform(rng, 0, 6);
      const int v = f.add_node(s);
      net += s;
      if (reaches_sink && (s > 0 || uniform(rng, 0, 1) == 0))
        f.add_arc(v, sink, uniform(rng, s, 12), uniform(rng, -10, 20));
    }
    for (int a = uniform(rng, 0, 2 * size); a > 0; --a)
      f.add_arc(first + uniform(rng, 0, size - 1), first + uniform(rng, 0, size - 1),
                uniform(rng, 0, 12), uniform(rng, -20, 30));
    if (!reaches_sink && uniform(rng, 0, 1) == 0) {  // balanced within the part: feasible
      f.set_supply(first, f.network().supply[static_cast<std::size_t>(first)] - net);
      net = 0;
    }
    total += net;
  }
  f.set_supply(sink, -total);
  return f;
}

TEST(DynamicFlow, SolvesThePartsASinkJoinsOneByOne) {
  std::mt19937_64 rng(20261202);
  int optimal = 0, infeasible = 0, split = 0;
  for (int instance = 0; instance < 400; ++instance) {
    dynamic_min_cost_flow f = sink_joined_network(rng, uniform(rng, 1, 9));
    const flow_status status = f.solve();
    expect_optimal_like_lemon(f, status, fmt::format("instance {} cold", instance));
    split += f.last_solve().parts > 1 ? 1 : 0;
    if (status != flow_status::optimal) {
      ++infeasible;
      continue;
    }
    ++optimal;
    // The optimum is repaired after changes like any other.
    for (int round = 0; round < 3; ++round) {
      const flow_network& g = f.network();
      if (g.arc_count() == 0) break;
      f.set_capacity(uniform(rng, 0, g.arc_count() - 1), uniform(rng, 0, 15));
      const flow_status again = f.solve();
      expect_optimal_like_lemon(f, again, fmt::format("instance {} round {}", instance, round));
      if (again != flow_status::optimal) break;
    }
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(optimal, 100);
  EXPECT_GT(infeasible, 20);
  EXPECT_GT(split, 200);
}

TEST(DynamicFlow, SplitsAtTheSinkOnlyWhereNoFlowPassesThrough) {
  // Two parts joined by a sink: solved one by one.
  dynamic_min_cost_flow f;
  const int sink = f.add_node(-5);
  const int a = f.add_node(2), b = f.add_node(3), c = f.add_node(0);
  f.add_arc(a, sink, 5, 4);
  f.add_arc(b, c, 5, 1);
  f.add_arc(c, sink, 5, 1);
  f.add_arc(b, sink, 5, 3);
  ASSERT_EQ(f.solve(), flow_status::optimal);
  EXPECT_EQ(f.last_solve().parts, 2);
  EXPECT_EQ(f.total_cost(), 2 * 4 + 3 * 2);
  EXPECT_EQ(check_optimality(f.network(), f.flows(), f.potentials()), "");
  // Once the sink sends on, flow can pass through it from one part to the other: one part.
  dynamic_min_cost_flow g;
  const int hub = g.add_node(0);
  const int s = g.add_node(4), t = g.add_node(-4);
  g.add_arc(s, hub, 4, 1);
  g.add_arc(hub, t, 4, 1);
  g.add_arc(s, t, 4, 5);
  ASSERT_EQ(g.solve(), flow_status::optimal);
  EXPECT_EQ(g.last_solve().parts, 1);
  EXPECT_EQ(g.total_cost(), 8);
}

TEST(DynamicFlow, APartBeyondTheSinksRangeIsSolvedWhole) {
  // Parts joined by a sink are solved with a copy of the sink that takes the part's net supply;
  // a part whose net supply (2^41) is beyond any node's range cannot have one, so the network is
  // solved as a whole. Infeasible here, as it must be: the other part wants flow, and nothing
  // leaves the sink.
  dynamic_min_cost_flow f;
  const int sink = f.add_node(-max_abs_value);
  const int a = f.add_node(max_abs_value), b = f.add_node(max_abs_value);
  const int c = f.add_node(-max_abs_value);
  f.add_arc(a, b, max_abs_value, 1);
  f.add_arc(a, sink, max_abs_value, 2);
  f.add_arc(b, sink, max_abs_value, 1);
  f.add_arc(c, sink, 1, 1);
  const flow_status status = f.solve();
  EXPECT_EQ(status, flow_status::infeasible);
  EXPECT_EQ(f.last_solve().parts, 1);  // solved whole
  expect_optimal_like_lemon(f, status, "a part beyond the sink's range");
}

TEST(DynamicFlow, InfeasibleChangeThenFeasibleAgain) {
  dynamic_min_cost_flow f;
  const int a = f.add_node(3), b = f.add_node(-3);
  const int arc = f.add_arc(a, b, 5, 2);
  ASSERT_EQ(f.solve(), flow_status::optimal);
  EXPECT_EQ(f.total_cost(), 6);
  f.set_capacity(arc, 1);
  EXPECT_EQ(f.solve(), flow_status::infeasible);
  f.set_capacity(arc, 4);
  ASSERT_EQ(f.solve(), flow_status::optimal);
  EXPECT_EQ(f.total_cost(), 6);
  // A cheaper detour added later takes the flow: a warm repair.
  const int c = f.add_node(0);
  f.add_arc(a, c, 2, 0);
  f.add_arc(c, b, 2, 1);
  ASSERT_EQ(f.solve(), flow_status::optimal);
  EXPECT_TRUE(f.last_solve().warm);
  EXPECT_EQ(f.total_cost(), 2 * 1 + 1 * 2);
  EXPECT_EQ(check_optimality(f.network(), f.flows(), f.potentials()), "");
}

TEST(DynamicFlow, RejectsBadChangesAndKeepsTheNetwork) {
  dynamic_min_cost_flow f;
  f.add_node(1);
  f.add_node(-1);
  f.add_arc(0, 1, 1, 1);
  EXPECT_THROW((void)f.add_arc(0, 2, 1, 1), validation_error);
  EXPECT_THROW((void)f.add_arc(0, 1, -1, 1), validation_error);
  EXPECT_THROW((void)f.add_arc(0, 1, 1, max_abs_cost + 1), validation_error);
  EXPECT_THROW(f.set_capacity(1, 3), validation_error);
  EXPECT_THROW(f.set_supply(-1, 3), validation_error);
  EXPECT_THROW(f.set_supply(0, max_abs_value + 1), validation_error);
  EXPECT_EQ(f.network().arc_count(), 1);
  ASSERT_EQ(f.solve(), flow_status::optimal);
  EXPECT_EQ(f.total_cost(), 1);
}

}  // namespace
}  // namespace keten::flow
