// The min-cost-flow core against its peers on identical graphs, in one run: keten's network
// simplex, LEMON's NetworkSimplex and CostScaling, and Boost.Graph's successive shortest paths; and
// the national allocation end to end against building the plain one-node-per-need graph and handing
// it to LEMON. Every peer's optimum is checked equal to keten's before any time counts.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
// After the algorithm: it needs the named parameters that header brings.
#include <boost/graph/find_flow_cost.hpp>

#include "keten/allocation.hpp"
#include "keten/flow.hpp"
#include "keten/flow_instances.hpp"
#include "keten/keten.hpp"
#include "lemon_peer.hpp"

namespace {

using keten::flow::flow_network;

struct instance {
  flow_network network;
  std::unique_ptr<keten::peers::lemon_solver> lemon;
  std::int64_t optimum = 0;
};

std::unique_ptr<keten::peers::lemon_solver> lemon_of(const flow_network& g) {
  return std::make_unique<keten::peers::lemon_solver>(g.supply, g.source, g.target, g.lower,
                                                      g.upper, g.cost);
}

/// The generated instance for (kind, nodes, arcs), solved once by keten and LEMON, which must
/// agree.
const instance& instance_for(keten::flow::instance_kind kind, int nodes, int arcs) {
  static std::map<std::tuple<int, int, int>, std::unique_ptr<instance>> cache;
  auto& slot = cache[{static_cast<int>(kind), nodes, arcs}];
  if (!slot) {
    slot = std::make_unique<instance>();
    keten::flow::instance_options o;
    o.kind = kind;
    o.nodes = nodes;
    o.arcs = arcs;
    o.seed = 2026;
    slot->network = keten::flow::generate_instance(o);
    slot->lemon = lemon_of(slot->network);
    const auto ours = keten::flow::solve_min_cost_flow(slot->network);
    const auto theirs = slot->lemon->network_simplex();
    if (ours.status != keten::flow::flow_status::optimal || !theirs.optimal ||
        ours.cost != theirs.cost || slot->lemon->cost_scaling().cost != ours.cost)
      throw std::runtime_error("keten and LEMON disagree on a generated instance");
    slot->optimum = ours.cost;
  }
  return *slot;
}

const instance& from_args(const benchmark::State& state) {
  return instance_for(static_cast<keten::flow::instance_kind>(state.range(0)),
                      static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
}

void label(benchmark::State& state, const instance& in) {
  state.SetLabel(
      fmt::format("{} n={} m={}",
                  keten::flow::to_string(static_cast<keten::flow::instance_kind>(state.range(0))),
                  in.network.node_count(), in.network.arc_count()));
}

void BM_Mcf_Keten(benchmark::State& state) {
  const instance& in = from_args(state);
  for (auto _ : state) {
    keten::flow::network_simplex ns(in.network);
    if (ns.run() != keten::flow::flow_status::optimal || ns.total_cost() != in.optimum)
      state.SkipWithError("wrong optimum");
    benchmark::DoNotOptimize(ns);
  }
  label(state, in);
}

void BM_Mcf_LemonNetworkSimplex(benchmark::State& state) {
  const instance& in = from_args(state);
  for (auto _ : state)
    if (in.lemon->network_simplex().cost != in.optimum) state.SkipWithError("wrong optimum");
  label(state, in);
}

void BM_Mcf_LemonCostScaling(benchmark::State& state) {
  const instance& in = from_args(state);
  for (auto _ : state)
    if (in.lemon->cost_scaling().cost != in.optimum) state.SkipWithError("wrong optimum");
  label(state, in);
}

/// Boost.Graph's successive shortest paths: a max flow of minimum cost from a super source to a
/// super sink, which is the min-cost flow when all supply can be routed (true for the generated
/// instances) and costs are non-negative.
void BM_Mcf_BoostSuccessiveShortestPath(benchmark::State& state) {
  const instance& in = from_args(state);
  using traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using graph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<
          boost::edge_capacity_t, long,
          boost::property<boost::edge_residual_capacity_t, long,
                          boost::property<boost::edge_reverse_t, traits::edge_descriptor,
                                          boost::property<boost::edge_weight_t, long>>>>>;
  for (auto _ : state) {
    const flow_network& g = in.network;
    const auto n = static_cast<std::size_t>(g.node_count());
    graph bg(n + 2);
    auto cap = boost::get(boost::edge_capacity, bg);
    auto rev = boost::get(boost::edge_reverse, bg);
    auto weight = boost::get(boost::edge_weight, bg);
    const auto add = [&](std::size_t u, std::size_t v, long c, long w) {
      const auto e = boost::add_edge(u, v, bg).first;
      const auto r = boost::add_edge(v, u, bg).first;
      cap[e] = c;
      cap[r] = 0;
      weight[e] = w;
      weight[r] = -w;
      rev[e] = r;
      rev[r] = e;
    };
    for (int a = 0; a < g.arc_count(); ++a)
      add(static_cast<std::size_t>(g.source[a]), static_cast<std::size_t>(g.target[a]), g.upper[a],
          g.cost[a]);
    for (std::size_t u = 0; u < n; ++u) {
      if (g.supply[u] > 0) add(n, u, g.supply[u], 0);
      if (g.supply[u] < 0) add(u, n + 1, -g.supply[u], 0);
    }
    boost::successive_shortest_path_nonnegative_weights(bg, n, n + 1);
    if (boost::find_flow_cost(bg) != in.optimum) state.SkipWithError("wrong optimum");
  }
  label(state, in);
}

void generated(benchmark::internal::Benchmark* b) {
  using keten::flow::instance_kind;
  b->Args({static_cast<int>(instance_kind::transportation), 2000, 40000});
  b->Args({static_cast<int>(instance_kind::transshipment), 4000, 40000});
  b->Args({static_cast<int>(instance_kind::transshipment), 16000, 160000});
  b->Args({static_cast<int>(instance_kind::assignment), 400, 0});
  b->Unit(benchmark::kMillisecond);
}

void generated_small(benchmark::internal::Benchmark* b) {
  using keten::flow::instance_kind;
  b->Args({static_cast<int>(instance_kind::transportation), 2000, 40000});
  b->Args({static_cast<int>(instance_kind::assignment), 400, 0});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Mcf_Keten)->Apply(generated);
BENCHMARK(BM_Mcf_LemonNetworkSimplex)->Apply(generated);
BENCHMARK(BM_Mcf_LemonCostScaling)->Apply(generated);
BENCHMARK(BM_Mcf_BoostSuccessiveShortestPath)->Apply(generated_small);

// --- allocation -------------------------------------------------------------------------------

const keten::landscape& national() {
  static const keten::landscape l =
      keten::load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  return l;
}

/// Synthetic open needs: one municipality (Zwolle), one province (Gelderland), the country.
const std::vector<keten::help_case>& day(int scope) {
  static std::map<int, std::vector<keten::help_case>> days;
  auto& cases = days[scope];
  if (cases.empty()) {
    keten::case_generation g;
    g.seed = 77;
    if (scope == 0) {
      g.count = 1000;
      g.municipalities = {"GM0193"};
    } else if (scope == 1) {
      g.count = 8000;
      for (const auto& m : national().places().municipalities())
        if (m.province == "Gelderland") g.municipalities.push_back(m.code);
    } else {
      g.count = 50'000;  // about 100k needs
    }
    cases = keten::generate_cases(national(), g);
  }
  return cases;
}

void scope_label(benchmark::State& state) {
  std::size_t needs = 0;
  for (const auto& c : day(static_cast<int>(state.range(0))))
    needs += c.needs.size();
  static const char* names[] = {"municipality", "province", "country"};
  state.SetLabel(fmt::format("{} ({} cases, {} needs)", names[state.range(0)],
                             day(static_cast<int>(state.range(0))).size(), needs));
}

void BM_Allocate_Keten(benchmark::State& state) {
  const auto& cases = day(static_cast<int>(state.range(0)));
  keten::allocation_policy policy;
  policy.improve_complementarity = false;  // the flow alone, as the peer computes it
  const auto plain = keten::build_allocation_network(national(), cases, policy, {}, false);
  const auto expected = lemon_of(plain.network)->network_simplex();
  for (auto _ : state) {
    const keten::allocation a = keten::allocate(national(), cases, policy);
    if (-a.flow_objective != expected.cost) state.SkipWithError("optimum differs from LEMON's");
    state.counters["groups"] = static_cast<double>(a.groups);
  }
  scope_label(state);
}

void BM_Allocate_PlainGraphLemon(benchmark::State& state) {
  const auto& cases = day(static_cast<int>(state.range(0)));
  keten::allocation_policy policy;
  policy.improve_complementarity = false;
  for (auto _ : state) {
    const auto plain = keten::build_allocation_network(national(), cases, policy, {}, false);
    const auto r = lemon_of(plain.network)->network_simplex();
    benchmark::DoNotOptimize(r.cost);
    state.counters["nodes"] = static_cast<double>(plain.network.node_count());
  }
  scope_label(state);
}

BENCHMARK(BM_Allocate_Keten)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Allocate_PlainGraphLemon)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace
