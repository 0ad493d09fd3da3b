// The min-cost-flow core: network simplex against LEMON (the oracle, cost for cost, status for
// status), an optimality certificate checked on every answer, and the DIMACS reader and writer.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include <fmt/format.h>

#include "keten/dimacs.hpp"
#include "keten/flow.hpp"
#include "keten/flow_instances.hpp"
#include "lemon_peer.hpp"

namespace keten::flow {
namespace {

peers::lemon_solver lemon(const flow_network& g) {
  return {g.supply, g.source, g.target, g.lower, g.upper, g.cost};
}

void expect_agrees_with_lemon(const flow_network& g, const std::string& what) {
  const flow_solution ours = solve_min_cost_flow(g);
  const peers::lemon_result theirs = lemon(g).network_simplex();
  ASSERT_EQ(ours.status == flow_status::optimal, theirs.optimal) << what;
  if (!theirs.optimal) return;
  EXPECT_EQ(ours.cost, theirs.cost) << what;
  EXPECT_EQ(check_optimality(g, ours.flow, ours.potential), "") << what;
  // The reported cost is the cost of the reported flow.
  cost_t recomputed = 0;
  for (int a = 0; a < g.arc_count(); ++a)
    recomputed += ours.flow[a] * g.cost[a];
  EXPECT_EQ(recomputed, ours.cost) << what;
}

TEST(Flow, SmallExampleByHand) {
  // Two units from node 0 to node 3: the path 0-1-3 costs 2 per unit but carries only one, the
  // path 0-2-3 costs 5 per unit.
  flow_network g;
  g.add_node(2);
  g.add_node(0);
  g.add_node(0);
  g.add_node(-2);
  g.add_arc(0, 1, 0, 1, 1);
  g.add_arc(1, 3, 0, 5, 1);
  g.add_arc(0, 2, 0, 5, 2);
  g.add_arc(2, 3, 0, 5, 3);
  const flow_solution s = solve_min_cost_flow(g);
  ASSERT_EQ(s.status, flow_status::optimal);
  EXPECT_EQ(s.cost, 2 + 5);
  EXPECT_EQ(s.flow, (std::vector<value_t>{1, 1, 1, 1}));
}

TEST(Flow, LowerBoundsAndNegativeCosts) {
  // A negative-cost cycle with finite capacity is saturated; a lower bound forces flow.
  flow_network g;
  g.add_node(0);
  g.add_node(0);
  g.add_node(0);
  g.add_arc(0, 1, 0, 4, -3);
  g.add_arc(1, 2, 0, 3, 1);
  g.add_arc(2, 0, 2, 6, 1);
  const flow_solution s = solve_min_cost_flow(g);
  ASSERT_EQ(s.status, flow_status::optimal);
  EXPECT_EQ(s.flow, (std::vector<value_t>{3, 3, 3}));
  EXPECT_EQ(s.cost, 3 * (-3 + 1 + 1));
}

TEST(Flow, InfeasibleInstances) {
  flow_network unbalanced;
  unbalanced.add_node(1);
  unbalanced.add_node(0);
  unbalanced.add_arc(0, 1, 0, 5, 1);
  EXPECT_EQ(solve_min_cost_flow(unbalanced).status, flow_status::infeasible);

  flow_network too_narrow;
  too_narrow.add_node(3);
  too_narrow.add_node(-3);
  too_narrow.add_arc(0, 1, 0, 2, 1);
  EXPECT_EQ(solve_min_cost_flow(too_narrow).status, flow_status::infeasible);

  flow_network forced;  // a lower bound with nowhere to go
  forced.add_node(0);
  forced.add_node(0);
  forced.add_arc(0, 1, 1, 2, 1);
  EXPECT_EQ(solve_min_cost_flow(forced).status, flow_status::infeasible);

  flow_network empty;
  EXPECT_EQ(solve_min_cost_flow(empty).status, flow_status::optimal);
}

TEST(Flow, RejectsBadNetworks) {
  flow_network g;
  g.add_node(0);
  g.add_arc(0, 3, 0, 1, 1);
  EXPECT_THROW((void)solve_min_cost_flow(g), validation_error);
  flow_network inverted;
  inverted.add_node(0);
  inverted.add_node(0);
  inverted.add_arc(0, 1, 5, 1, 1);
  try {
    (void)solve_min_cost_flow(inverted);
    FAIL() << "no error";
  } catch (const validation_error& e) {
    EXPECT_EQ(e.code(), error_code::inverted_range);
    EXPECT_EQ(e.where().object_id, "arc 1");
  }
  flow_network huge;
  huge.add_node(max_abs_value + 1);
  EXPECT_THROW((void)solve_min_cost_flow(huge), validation_error);
  // Products and sums of in-range values that leave 64 bits are refused, not wrapped.
  flow_network costly;
  costly.add_node(0);
  costly.add_node(0);
  costly.add_arc(0, 1, max_abs_value, max_abs_value, max_abs_cost);
  costly.add_arc(1, 0, max_abs_value, max_abs_value, max_abs_cost);
  EXPECT_THROW((void)solve_min_cost_flow(costly), validation_error);
}

flow_network random_network(std::mt19937_64& rng, int max_nodes, int max_arcs, bool balanced) {
  std::uniform_int_distribution<int> nodes_d(1, max_nodes);
  const int n = nodes_d(rng);
  const int m = std::uniform_int_distribution<int>(0, max_arcs)(rng);
  flow_network g;
  for (int u = 0; u < n; ++u)
    g.add_node(std::uniform_int_distribution<value_t>(-6, 6)(rng));
  if (balanced) {
    value_t sum = 0;
    for (int u = 0; u + 1 < n; ++u)
      sum += g.supply[u];
    g.supply[n - 1] = -sum;
  }
  std::uniform_int_distribution<int> node(0, n - 1);
  for (int a = 0; a < m; ++a) {
    const value_t low = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                            ? std::uniform_int_distribution<value_t>(-2, 3)(rng)
                            : 0;
    const value_t cap = low + std::uniform_int_distribution<value_t>(0, 9)(rng);
    g.add_arc(node(rng), node(rng), low, cap, std::uniform_int_distribution<cost_t>(-5, 20)(rng));
  }
  return g;
}

TEST(Flow, AgreesWithLemonOnRandomSmallInstances) {
  std::mt19937_64 rng(20261127);
  int optimal = 0;
  for (int i = 0; i < 4000; ++i) {
    const flow_network g = random_network(rng, 10, 30, i % 5 != 0);
    expect_agrees_with_lemon(g, "instance " + std::to_string(i) + "\n" + to_dimacs(g));
    optimal += solve_min_cost_flow(g).status == flow_status::optimal;
    if (HasFailure()) return;
  }
  // Both outcomes are exercised.
  EXPECT_GT(optimal, 1000);
  EXPECT_LT(optimal, 3900);
}

TEST(Flow, AgreesWithLemonOnRandomMediumInstances) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    const flow_network g = random_network(rng, 80, 600, true);
    expect_agrees_with_lemon(g, "medium instance " + std::to_string(i));
    if (HasFailure()) return;
  }
}

TEST(Flow, AgreesWithLemonOnGeneratedInstances) {
  for (const auto kind :
       {instance_kind::transportation, instance_kind::transshipment, instance_kind::assignment}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      instance_options o;
      o.kind = kind;
      o.nodes = kind == instance_kind::assignment ? 60 : 400;
      o.arcs = 4000;
      o.seed = seed;
      const flow_network g = generate_instance(o);
      const flow_solution s = solve_min_cost_flow(g);
      EXPECT_EQ(s.status, flow_status::optimal) << to_string(kind);  // generated to be feasible
      expect_agrees_with_lemon(g, fmt::format("{} seed {}", to_string(kind), seed));
      EXPECT_EQ(lemon(g).cost_scaling().cost, s.cost);
    }
  }
}

TEST(Flow, GeneratedInstancesAreReproducible) {
  instance_options o;
  o.nodes = 50;
  o.arcs = 300;
  EXPECT_EQ(to_dimacs(generate_instance(o)), to_dimacs(generate_instance(o)));
  o.seed = 2;
  instance_options other = o;
  other.seed = 3;
  EXPECT_NE(to_dimacs(generate_instance(o)), to_dimacs(generate_instance(other)));
  EXPECT_THROW((void)parse_instance_kind("circulation"), validation_error);
}

// --- DIMACS ------------------------------------------------------------------------------------

TEST(Dimacs, ParsesAndRoundTrips) {
  const std::string text =
      "c a small instance\n"
      "p min 4 5\n"
      "n 1 4\n"
      "n 4 -4\n"
      "\n"
      "a 1 2 0 4 2\n"
      "a 1 3 0 2 2\n"
      "a 2 3 0 2 1\n"
      "a 2 4 1 3 3\n"
      "a 3 4 0 5 -1\n";
  const flow_network g = parse_dimacs(text, "small.min");
  ASSERT_EQ(g.node_count(), 4);
  ASSERT_EQ(g.arc_count(), 5);
  EXPECT_EQ(g.supply, (std::vector<value_t>{4, 0, 0, -4}));
  EXPECT_EQ(g.lower[3], 1);
  EXPECT_EQ(g.cost[4], -1);
  const flow_network again = parse_dimacs(to_dimacs(g, "again"));
  EXPECT_EQ(to_dimacs(again), to_dimacs(g));
  const flow_solution s = solve_min_cost_flow(g);
  ASSERT_EQ(s.status, flow_status::optimal);
  const std::string out = to_dimacs_solution(g, s, true);
  EXPECT_EQ(out.substr(0, out.find('\n')), fmt::format("s {}", s.cost));
  EXPECT_NE(out.find("f 2 4 "), std::string::npos);
  EXPECT_EQ(to_dimacs_solution(g, flow_solution{}, false), "s infeasible\n");
}

struct bad_dimacs {
  const char* text;
  std::size_t line;
  const char* field;
  const char* message_part;
};

TEST(Dimacs, BadInputNamesTheLineAndField) {
  const bad_dimacs cases[] = {
      {"a 1 2 0 1 1\n", 1, "a", "before the problem line"},
      {"p max 2 1\n", 1, "p", "not 'min'"},
      {"p min 2 1\np min 2 1\n", 2, "p", "second problem line"},
      {"p min 2 1\nn 3 1\na 1 2 0 1 1\n", 2, "node id", "outside"},
      {"p min 2 1\nn 1 1\nn 1 2\n", 3, "node id", "listed twice"},
      {"p min 2 1\na 1 2 0 x 1\n", 2, "cap", "not an integer"},
      {"p min 2 1\na 1 2 0 1\n", 2, "cost", "missing cost"},
      {"p min 2 1\na 1 2 0 1 1 9\n", 2, "", "unexpected '9'"},
      {"p min 2 1\na 1 2 5 1 1\n", 2, "low", "above the capacity"},
      {"p min 2 1\na 1 2 0 1 99999999999999999999\n", 2, "cost", "outside"},
      {"p min 2 1\nx 1\n", 2, "", "unknown line type"},
      {"p min 2 2\na 1 2 0 1 1\n", 2, "arcs", "declares 2 arcs but 1"},
      {"p min 2 1\na 1 2 0 1 1\na 2 1 0 1 1\n", 3, "a", "more arcs"},
      {"c nothing\n", 1, "", "no problem line"},
      {"p min -1 0\n", 1, "nodes", "outside"},
      {"p min 2 1\na 0 2 0 1 1\n", 2, "from", "outside"},
      {"p min 922372147 5\n", 1, "nodes", "nodes declared in a file of"},
  };
  for (const bad_dimacs& c : cases) {
    try {
      (void)parse_dimacs(c.text, "bad.min");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const parse_error& e) {
      EXPECT_EQ(e.code(), error_code::dimacs_syntax) << c.text;
      EXPECT_EQ(e.where().file, "bad.min") << c.text;
      EXPECT_EQ(e.where().line, c.line) << c.text << e.what();
      EXPECT_EQ(e.where().field, c.field) << c.text << e.what();
      EXPECT_NE(e.message().find(c.message_part), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace keten::flow
