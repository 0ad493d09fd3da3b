// The assignment solver behind solve_min_cost_flow(): random assignment instances (dense and
// sparse, negative costs, parallel arcs, capacities above 1, infeasible ones) solved cost for cost
// and status for status like LEMON's NetworkSimplex and keten's own network_simplex, every answer
// a feasible flow whose cost is the reported one and certified by its potentials; and networks
// that are almost assignment instances, which must go to the network simplex and still be right.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "keten/dimacs.hpp"
#include "keten/flow.hpp"
#include "keten/flow_instances.hpp"
#include "lemon_peer.hpp"
#include "support.hpp"

namespace keten::flow {
namespace {

using keten_test::scaled;

/// The potentials as a dual certificate, checked here without check_optimality: the reduced cost
/// cost + π(source) − π(target) is ≥ 0 on every arc without flow, 0 on every arc with flow and
/// room for more, ≤ 0 on an arc filled to its capacity; and every source sends exactly one unit.
std::string certificate_error(const flow_network& g, const flow_solution& s) {
  std::vector<value_t> out(static_cast<std::size_t>(g.node_count()), 0);
  for (int a = 0; a < g.arc_count(); ++a) {
    const value_t x = s.flow[a];
    if (x != 0 && x != 1) return fmt::format("arc {} carries {}", a + 1, x);
    out[g.source[a]] += x;
    out[g.target[a]] -= x;
    const cost_t rc = g.cost[a] + s.potential[g.source[a]] - s.potential[g.target[a]];
    if (x == 0 && rc < 0) return fmt::format("arc {}: unused with reduced cost {}", a + 1, rc);
    if (x == 1 && g.upper[a] > 1 && rc != 0)
      return fmt::format("arc {}: used below capacity with reduced cost {}", a + 1, rc);
    if (x == 1 && rc > 0) return fmt::format("arc {}: used with reduced cost {}", a + 1, rc);
  }
  for (int u = 0; u < g.node_count(); ++u)
    if (out[u] != g.supply[u]) return fmt::format("node {} sends {}", u + 1, out[u]);
  return {};
}

/// Solves g through solve_min_cost_flow() and compares with LEMON's NetworkSimplex and keten's
/// network_simplex: the same status and cost, a feasible flow of that cost, certified potentials.
/// `method` is the solver solve_min_cost_flow() must have chosen. Returns whether g is feasible.
bool expect_like_peers(const flow_network& g, flow_method method, const std::string& what) {
  EXPECT_EQ(is_assignment_instance(g), method == flow_method::assignment) << what;
  const flow_solution ours = solve_min_cost_flow(g);
  EXPECT_EQ(ours.method, method) << what;
  const peers::lemon_result lemon =
      peers::lemon_solver(g.supply, g.source, g.target, g.lower, g.upper, g.cost).network_simplex();
  network_simplex simplex(g);
  const flow_status simplex_status = simplex.run();
  EXPECT_EQ(ours.status == flow_status::optimal, lemon.optimal) << what;
  EXPECT_EQ(ours.status, simplex_status) << what;
  if (ours.status != flow_status::optimal) return false;
  if (lemon.optimal) {
    EXPECT_EQ(ours.cost, lemon.cost) << what;
  }
  if (simplex_status == flow_status::optimal) {
    EXPECT_EQ(ours.cost, simplex.total_cost()) << what;
  }
  EXPECT_EQ(check_optimality(g, ours.flow, ours.potential), "") << what;
  cost_t recomputed = 0;
  for (int a = 0; a < g.arc_count(); ++a)
    recomputed += ours.flow[a] * g.cost[a];
  EXPECT_EQ(recomputed, ours.cost) << what;
  if (method == flow_method::assignment) {
    EXPECT_EQ(certificate_error(g, ours), "") << what;
  }
  return true;
}

/// The shape of a random assignment instance.
struct shape {
  int k = 1;            // sources, and as many sinks
  double density = 1;   // chance that a (source, sink) pair has an arc
  cost_t min_cost = 0;  // costs uniform in [min_cost, max_cost]
  cost_t max_cost = 100;
  double parallel = 0;   // chance of a second arc on a pair that has one
  double wide = 0;       // chance of a capacity above 1
  bool planted = false;  // a random perfect matching is among the arcs
  int hall = 0;          // if > 0: that many sources keep only arcs to hall − 1 sinks
};

flow_network random_assignment(std::mt19937_64& rng, const shape& s) {
  const int k = s.k;
  // Sources and sinks interleaved at random in the node order.
  std::vector<value_t> supply(static_cast<std::size_t>(2 * k), 1);
  std::fill(supply.begin() + k, supply.end(), -1);
  std::shuffle(supply.begin(), supply.end(), rng);
  std::vector<int> rows, cols;
  for (int u = 0; u < 2 * k; ++u)
    (supply[u] > 0 ? rows : cols).push_back(u);
  std::vector<int> planted(static_cast<std::size_t>(k));
  std::iota(planted.begin(), planted.end(), 0);
  std::shuffle(planted.begin(), planted.end(), rng);
  // Hall violation: the first `hall` rows (in a random order) reach only hall − 1 columns.
  std::vector<int> row_order = planted;
  std::shuffle(row_order.begin(), row_order.end(), rng);
  std::vector<bool> cornered(static_cast<std::size_t>(k), false), allowed(cols.size(), false);
  for (int t = 0; t < std::min(s.hall, k); ++t)
    cornered[row_order[t]] = true;
  for (int t = 0; t + 1 < std::min(s.hall, k); ++t)
    allowed[planted[t]] = true;

  std::bernoulli_distribution has_arc(s.density), second(s.parallel), wide(s.wide);
  std::uniform_int_distribution<cost_t> cost(s.min_cost, s.max_cost);
  std::uniform_int_distribution<value_t> capacity(2, 5);
  std::vector<std::tuple<int, int, value_t, cost_t>> arcs;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      if (cornered[i] && !allowed[j]) continue;
      if (!has_arc(rng) && !(s.planted && planted[i] == j)) continue;
      for (int copy = 0; copy == 0 || (copy == 1 && second(rng)); ++copy)
        arcs.emplace_back(rows[i], cols[j], wide(rng) ? capacity(rng) : 1, cost(rng));
    }
  std::shuffle(arcs.begin(), arcs.end(), rng);
  flow_network g;
  for (const value_t x : supply)
    g.add_node(x);
  for (const auto& [from, to, cap, c] : arcs)
    g.add_arc(from, to, 0, cap, c);
  return g;
}

std::string describe(const flow_network& g, int index) {
  return fmt::format("instance {} ({} nodes, {} arcs)\n{}", index, g.node_count(), g.arc_count(),
                     g.arc_count() <= 200 ? to_dimacs(g) : std::string());
}

/// Whether the solver takes its k × k matrix (at least half of the pairs' worth of arcs).
bool matrix_variant(const flow_network& g) {
  const auto k = static_cast<std::size_t>(g.node_count() / 2);
  return 2 * static_cast<std::size_t>(g.arc_count()) >= k * k;
}

TEST(Assignment, ByHand) {
  // Sources 0, 1, 2 and sinks 3, 4, 5. Greedy would take 0→3 (1), then 1→4 (1), leaving 2→5 (9);
  // the optimum is 0→4, 1→5, 2→3 at 2 + 2 + 2. A parallel arc 0→4 at cost 7 carries nothing.
  flow_network g;
  for (int i = 0; i < 3; ++i)
    g.add_node(1);
  for (int j = 0; j < 3; ++j)
    g.add_node(-1);
  const int c[3][3] = {{1, 2, 8}, {8, 1, 2}, {2, 8, 9}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      g.add_arc(i, 3 + j, 0, 1, c[i][j]);
  g.add_arc(0, 4, 0, 3, 7);
  ASSERT_TRUE(is_assignment_instance(g));
  const flow_solution s = solve_min_cost_flow(g);
  ASSERT_EQ(s.status, flow_status::optimal);
  EXPECT_EQ(s.method, flow_method::assignment);
  EXPECT_EQ(s.cost, 6);
  EXPECT_EQ(s.flow, (std::vector<value_t>{0, 1, 0, 0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(certificate_error(g, s), "");
  EXPECT_EQ(check_optimality(g, s.flow, s.potential), "");
  EXPECT_STREQ(to_string(flow_method::assignment), "assignment");
  EXPECT_STREQ(to_string(flow_method::network_simplex), "network_simplex");
}

TEST(Assignment, OneByOne) {
  flow_network g;
  g.add_node(-1);
  g.add_node(1);
  EXPECT_TRUE(is_assignment_instance(g));
  flow_solution s = solve_min_cost_flow(g);  // the source has no arc
  EXPECT_EQ(s.status, flow_status::infeasible);
  EXPECT_EQ(s.method, flow_method::assignment);
  g.add_arc(1, 0, 0, 1, -max_abs_cost);
  g.add_arc(1, 0, 0, 1, max_abs_cost);
  s = solve_min_cost_flow(g);
  ASSERT_EQ(s.status, flow_status::optimal);
  EXPECT_EQ(s.cost, -max_abs_cost);
  EXPECT_EQ(s.flow, (std::vector<value_t>{1, 0}));
  EXPECT_EQ(certificate_error(g, s), "");
}

TEST(Assignment, RandomDenseAndSparseAgreeWithLemonAndNetworkSimplex) {
  std::mt19937_64 rng(20261128);
  std::uniform_real_distribution<double> unit(0, 1);
  int feasible = 0, infeasible = 0, matrix = 0, lists = 0, incomplete_matrix = 0;
  const int rounds = static_cast<int>(scaled(12));
  int index = 0;
  for (int round = 0; round < rounds; ++round)
    for (int k = 1; k <= 60; ++k, ++index) {
      shape s;
      s.k = k;
      switch (round % 4) {
        case 0:  // complete, costs from a small range (many ties)
          s.max_cost = 10;
          break;
        case 1:  // nearly complete (matrix with missing pairs), negative costs, parallel arcs
          s.density = 0.6 + 0.4 * unit(rng);
          s.min_cost = -1000;
          s.max_cost = 1000;
          s.parallel = 0.2;
          s.planted = round % 8 == 1;
          break;
        case 2:  // sparse, capacities above 1, sometimes a planted perfect matching
          s.density = 0.02 + 0.3 * unit(rng);
          s.min_cost = -50;
          s.max_cost = 500;
          s.wide = 0.3;
          s.parallel = 0.1;
          s.planted = unit(rng) < 0.7;
          break;
        default:  // the largest costs accepted, any density, often complete
          s.density = unit(rng) < 0.3 ? 1.0 : unit(rng);
          s.min_cost = -max_abs_cost;
          s.max_cost = max_abs_cost;
          s.parallel = 0.3;
          s.planted = unit(rng) < 0.8;
          break;
      }
      const flow_network g = random_assignment(rng, s);
      const bool ok = expect_like_peers(g, flow_method::assignment, describe(g, index));
      (ok ? feasible : infeasible)++;
      if (matrix_variant(g)) {
        ++matrix;
        // Some pair without an arc: the matrix variant that checks for missing pairs.
        std::vector<std::pair<int, int>> pairs;
        for (int a = 0; a < g.arc_count(); ++a)
          pairs.emplace_back(g.source[a], g.target[a]);
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        if (pairs.size() < static_cast<std::size_t>(k) * static_cast<std::size_t>(k))
          ++incomplete_matrix;
      } else {
        ++lists;
      }
      if (HasFailure()) return;
    }
  std::cout << "[ stats    ] " << feasible << " feasible, " << infeasible << " infeasible; "
            << matrix << " by the matrix (" << incomplete_matrix << " with missing pairs), "
            << lists << " by arcs per row\n";
  // Every variant and both outcomes are exercised.
  EXPECT_GT(feasible, rounds * 40);
  EXPECT_GT(infeasible, rounds * 2);
  EXPECT_GT(matrix, rounds * 30);
  EXPECT_GT(incomplete_matrix, rounds * 10);
  EXPECT_GT(lists, rounds * 12);
}

TEST(Assignment, HallViolationsAndEmptyRowsAreInfeasible) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> unit(0, 1);
  const int count = static_cast<int>(scaled(300));
  for (int t = 0; t < count; ++t) {
    shape s;
    s.k = 2 + t % 40;
    s.density = t % 2 == 0 ? 1.0 : 0.1 + 0.6 * unit(rng);  // the matrix and the lists
    s.min_cost = -20;
    s.max_cost = 80;
    s.parallel = 0.2;
    s.planted = true;  // feasible but for the violation
    // A source without arcs (hall = 1), or hall sources that reach only hall − 1 sinks.
    s.hall = 1 + static_cast<int>(rng() % static_cast<unsigned>(s.k));
    const flow_network g = random_assignment(rng, s);
    EXPECT_FALSE(expect_like_peers(g, flow_method::assignment, describe(g, t)));
    if (HasFailure()) return;
  }
  // A sink without arcs, in both variants.
  for (const double density : {1.0, 0.3}) {
    shape s;
    s.k = 12;
    s.density = density;
    s.planted = true;
    flow_network g = random_assignment(rng, s);
    const auto sink =
        static_cast<int>(std::find(g.supply.begin(), g.supply.end(), -1) - g.supply.begin());
    flow_network without;
    without.supply = g.supply;
    for (int a = 0; a < g.arc_count(); ++a)
      if (g.target[a] != sink) without.add_arc(g.source[a], g.target[a], 0, 1, g.cost[a]);
    EXPECT_FALSE(expect_like_peers(without, flow_method::assignment, "a sink without arcs"));
  }
}

TEST(Assignment, LargeInstancesAgreeWithLemonAndNetworkSimplex) {
  std::mt19937_64 rng(2026);
  const std::vector<shape> shapes = {
      {.k = 200, .max_cost = 1000},
      {.k = 200, .min_cost = -max_abs_cost, .max_cost = max_abs_cost},
      {.k = 150, .max_cost = 2},
      {.k = 200, .density = 0.9, .min_cost = -5000, .max_cost = 5000, .parallel = 0.1},
      {.k = 200, .density = 0.05, .max_cost = 10000, .wide = 0.5, .planted = true},
      {.k = 200, .density = 0.02, .min_cost = -3, .max_cost = 3},
      {.k = 1000, .density = 0.005, .max_cost = 1'000'000, .parallel = 0.2, .planted = true},
  };
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const flow_network g = random_assignment(rng, shapes[t]);
    expect_like_peers(g, flow_method::assignment, describe(g, static_cast<int>(t)));
  }
  // The generated family of the benchmarks.
  instance_options o;
  o.kind = instance_kind::assignment;
  o.nodes = 400;
  o.seed = 2026;
  const flow_network g = generate_instance(o);
  EXPECT_TRUE(expect_like_peers(g, flow_method::assignment, "generated assignment"));
}

/// A complete 4 × 4 assignment instance, sources 0–3 and sinks 4–7.
flow_network square() {
  flow_network g;
  for (int i = 0; i < 4; ++i)
    g.add_node(1);
  for (int j = 0; j < 4; ++j)
    g.add_node(-1);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      g.add_arc(i, 4 + j, 0, 1, (7 * i + 3 * j) % 11 - 2);
  return g;
}

TEST(Assignment, NearMissesGoToTheNetworkSimplex) {
  // The control: the unchanged instance is an assignment instance.
  EXPECT_TRUE(expect_like_peers(square(), flow_method::assignment, "square"));

  struct variant {
    const char* what;
    flow_network g;
  };
  std::vector<variant> variants;
  {
    flow_network g = square();  // a supply of 2, and a fifth sink for it
    g.supply[0] = 2;
    const int t = g.add_node(-1);
    g.add_arc(0, t, 0, 2, 1);
    g.add_arc(1, t, 0, 1, 0);
    variants.push_back({"a supply of 2", g});
  }
  {
    flow_network g = square();  // an arc between two sources, cheaper than any other route
    g.add_arc(0, 1, 0, 1, -10);
    variants.push_back({"an arc between two sources", g});
  }
  {
    flow_network g = square();  // an arc from a sink back to a source
    g.add_arc(5, 2, 0, 1, -10);
    variants.push_back({"an arc from a sink to a source", g});
  }
  {
    flow_network g = square();  // a lower bound of 1 on an expensive arc
    g.add_arc(3, 4, 1, 1, 50);
    variants.push_back({"a lower bound of 1", g});
  }
  {
    flow_network g = square();  // an arc with capacity 0
    g.add_arc(2, 6, 0, 0, -100);
    variants.push_back({"a capacity of 0", g});
  }
  {
    flow_network g = square();  // a transshipment node on a cheap detour
    const int w = g.add_node(0);
    g.add_arc(1, w, 0, 1, -20);
    g.add_arc(w, 7, 0, 1, -20);
    variants.push_back({"a transshipment node", g});
  }
  {
    flow_network g = square();  // five sources and three sinks, each ±1: balanced supplies fail
    g.supply[4] = 1;
    variants.push_back({"unequal numbers of sources and sinks", g});
  }
  {
    flow_network g = square();  // a demand of 2, and a sink turned into a transshipment node
    g.supply[4] = -2;
    g.supply[5] = 0;
    variants.push_back({"a demand of 2", g});
  }
  int feasible = 0;
  for (const auto& [what, g] : variants) {
    feasible += expect_like_peers(g, flow_method::network_simplex, what);
    if (HasFailure()) return;
  }
  EXPECT_GE(feasible, 6);
  // The detour and the lower bound change the optimum: the network simplex really solved them.
  EXPECT_NE(solve_min_cost_flow(variants[5].g).cost, solve_min_cost_flow(square()).cost);
  EXPECT_EQ(solve_min_cost_flow(variants[3].g).flow.back(), 1);

  // Out of range for validate(): not an assignment instance, refused as before.
  flow_network costly = square();
  costly.cost[5] = max_abs_cost + 1;
  EXPECT_FALSE(is_assignment_instance(costly));
  EXPECT_THROW((void)solve_min_cost_flow(costly), validation_error);
  flow_network roomy = square();
  roomy.upper[2] = max_abs_value + 1;
  EXPECT_FALSE(is_assignment_instance(roomy));
  EXPECT_THROW((void)solve_min_cost_flow(roomy), validation_error);
  flow_network dangling = square();
  dangling.add_arc(0, 9, 0, 1, 1);
  EXPECT_FALSE(is_assignment_instance(dangling));
  EXPECT_THROW((void)solve_min_cost_flow(dangling), validation_error);
  flow_network ragged = square();
  ragged.cost.pop_back();
  EXPECT_FALSE(is_assignment_instance(ragged));
  EXPECT_THROW((void)solve_min_cost_flow(ragged), validation_error);

  // Not an assignment instance either: nothing, one node, and too large for exact arithmetic.
  EXPECT_FALSE(is_assignment_instance(flow_network{}));
  flow_network single;
  single.add_node(1);
  EXPECT_FALSE(is_assignment_instance(single));
  flow_network huge;
  const int half = 1 << 19;
  for (int u = 0; u < 2 * half; ++u)
    huge.add_node(u < half ? 1 : -1);
  for (int i = 0; i < half; ++i)
    huge.add_arc(i, half + i, 0, 1, max_abs_cost);
  EXPECT_FALSE(is_assignment_instance(huge));
  EXPECT_THROW((void)solve_min_cost_flow(huge), validation_error);
  huge.cost.assign(huge.cost.size(), max_abs_cost / 4);  // within the limit again
  EXPECT_TRUE(is_assignment_instance(huge));
  const flow_solution s = solve_min_cost_flow(huge);
  EXPECT_EQ(s.method, flow_method::assignment);
  EXPECT_EQ(s.cost, static_cast<cost_t>(half) * (max_abs_cost / 4));
}

}  // namespace
}  // namespace keten::flow
