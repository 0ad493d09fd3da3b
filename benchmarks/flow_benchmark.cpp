// The min-cost-flow core against its peers on identical graphs, in one run: keten's
// solve_min_cost_flow (the network simplex, or the assignment solver on assignment instances),
// LEMON's NetworkSimplex and CostScaling, and Boost.Graph's successive shortest paths; and
// the national allocation end to end against building the plain one-node-per-need graph and handing
// it to LEMON. Every peer's optimum is checked equal to keten's before any time counts.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

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

void label(benchmark::State& state, const instance& in, std::string_view prefix = {}) {
  state.SetLabel(
      fmt::format("{}{} n={} m={}", prefix,
                  keten::flow::to_string(static_cast<keten::flow::instance_kind>(state.range(0))),
                  in.network.node_count(), in.network.arc_count()));
}

/// What a caller gets: solve_min_cost_flow() validates, picks the solver (the assignment solver
/// for assignment instances, the network simplex otherwise) and returns flows and potentials.
void BM_Mcf_Keten(benchmark::State& state) {
  const instance& in = from_args(state);
  keten::flow::flow_method method = keten::flow::flow_method::network_simplex;
  for (auto _ : state) {
    const keten::flow::flow_solution s = keten::flow::solve_min_cost_flow(in.network);
    if (s.status != keten::flow::flow_status::optimal || s.cost != in.optimum)
      state.SkipWithError("wrong optimum");
    method = s.method;
    benchmark::DoNotOptimize(s);
  }
  label(state, in, fmt::format("{}: ", keten::flow::to_string(method)));
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

/// The national landscape with about 100,000 free units (the country instance: ~100k needs,
/// ~100k capacity units): each offering has 2.5 periods' units free instead of its own free units
/// (7,967 in all, which leaves most coverable needs waiting).
const keten::landscape& national_ample() {
  static const keten::landscape l = [] {
    keten::landscape_builder b;
    b.set_name(national().name());
    for (const auto& p : national().partners())
      b.add_partner(p);
    for (keten::offering o : national().offerings()) {
      o.units.free_units = o.units.units_per_period * 5 / 2;
      o.units.units_per_period = std::max(o.units.units_per_period, o.units.free_units);
      b.add_offering(std::move(o));
    }
    for (const auto& x : national().complementarities())
      b.add_complementarity(x);
    for (const auto& x : national().precedences())
      b.add_precedence(x);
    return b.build();
  }();
  return l;
}

/// The landscape of a scope: the national one, or for scope 3 (the country with ample capacity)
/// national_ample().
const keten::landscape& scope_landscape(int scope) {
  return scope == 3 ? national_ample() : national();
}

/// Synthetic open needs: one municipality (Zwolle), one province (Gelderland), the country (twice:
/// with the landscape's free units and with ≈100,000).
const std::vector<keten::help_case>& day(int scope) {
  if (scope == 3) return day(2);
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
  std::int64_t free_units = 0;
  for (const auto& o : scope_landscape(static_cast<int>(state.range(0))).offerings())
    free_units += o.units.free_units;
  static const char* names[] = {"municipality", "province", "country", "country, ample capacity"};
  state.SetLabel(fmt::format("{} ({} cases, {} needs, {} free units)", names[state.range(0)],
                             day(static_cast<int>(state.range(0))).size(), needs, free_units));
}

void BM_Allocate_Keten(benchmark::State& state) {
  const auto& cases = day(static_cast<int>(state.range(0)));
  const keten::landscape& l = scope_landscape(static_cast<int>(state.range(0)));
  keten::allocation_policy policy;
  policy.improve_complementarity = false;  // the flow alone, as the peer computes it
  const auto plain = keten::build_allocation_network(l, cases, policy, {}, false);
  const auto expected = lemon_of(plain.network)->network_simplex();
  for (auto _ : state) {
    const keten::allocation a = keten::allocate(l, cases, policy);
    if (-a.flow_objective != expected.cost) state.SkipWithError("optimum differs from LEMON's");
    state.counters["groups"] = static_cast<double>(a.groups);
    state.counters["arcs"] = static_cast<double>(a.arcs);
    state.counters["pivots"] = static_cast<double>(a.pivots);
  }
  scope_label(state);
}

void BM_Allocate_PlainGraphLemon(benchmark::State& state) {
  const auto& cases = day(static_cast<int>(state.range(0)));
  const keten::landscape& l = scope_landscape(static_cast<int>(state.range(0)));
  keten::allocation_policy policy;
  policy.improve_complementarity = false;
  for (auto _ : state) {
    const auto plain = keten::build_allocation_network(l, cases, policy, {}, false);
    const auto r = lemon_of(plain.network)->network_simplex();
    benchmark::DoNotOptimize(r.cost);
    state.counters["nodes"] = static_cast<double>(plain.network.node_count());
  }
  scope_label(state);
}

BENCHMARK(BM_Allocate_Keten)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Allocate_PlainGraphLemon)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

// --- the allocation networks as min-cost-flow instances -------------------------------------
//
// The solver core on realistic graphs: the network of each scope's day, built beforehand, plain
// (one supply node per need, as BM_Allocate_PlainGraphLemon builds it) or grouped (one per class
// of interchangeable needs, as allocate() builds it), solved by solve_min_cost_flow (the network
// simplex on the whole network, without allocate()'s split into parts) and by LEMON.

const instance& allocation_instance(int scope, bool grouped) {
  static std::map<std::pair<int, bool>, std::unique_ptr<instance>> cache;
  auto& slot = cache[{scope, grouped}];
  if (!slot) {
    slot = std::make_unique<instance>();
    keten::allocation_policy policy;
    policy.improve_complementarity = false;
    slot->network =
        keten::build_allocation_network(scope_landscape(scope), day(scope), policy, {}, grouped)
            .network;
    slot->lemon = lemon_of(slot->network);
    const auto ours = keten::flow::solve_min_cost_flow(slot->network);
    if (ours.status != keten::flow::flow_status::optimal ||
        slot->lemon->network_simplex().cost != ours.cost ||
        slot->lemon->cost_scaling().cost != ours.cost)
      throw std::runtime_error("keten and LEMON disagree on an allocation network");
    slot->optimum = ours.cost;
  }
  return *slot;
}

const instance& allocation_from_args(benchmark::State& state) {
  const instance& in = allocation_instance(static_cast<int>(state.range(0)), state.range(1) != 0);
  static const char* names[] = {"municipality", "province", "country", "country, ample capacity"};
  state.SetLabel(fmt::format("{} {}: n={} m={}", names[state.range(0)],
                             state.range(1) != 0 ? "grouped" : "plain", in.network.node_count(),
                             in.network.arc_count()));
  return in;
}

void BM_AllocNet_Keten(benchmark::State& state) {
  const instance& in = allocation_from_args(state);
  for (auto _ : state) {
    const keten::flow::flow_solution s = keten::flow::solve_min_cost_flow(in.network);
    if (s.cost != in.optimum) state.SkipWithError("wrong optimum");
    benchmark::DoNotOptimize(s);
  }
}

void BM_AllocNet_LemonNetworkSimplex(benchmark::State& state) {
  const instance& in = allocation_from_args(state);
  for (auto _ : state)
    if (in.lemon->network_simplex().cost != in.optimum) state.SkipWithError("wrong optimum");
}

void BM_AllocNet_LemonCostScaling(benchmark::State& state) {
  const instance& in = allocation_from_args(state);
  for (auto _ : state)
    if (in.lemon->cost_scaling().cost != in.optimum) state.SkipWithError("wrong optimum");
}

void allocation_networks(benchmark::internal::Benchmark* b) {
  for (int scope = 0; scope <= 2; ++scope)
    for (int grouped = 0; grouped <= 1; ++grouped)
      b->Args({scope, grouped});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_AllocNet_Keten)->Apply(allocation_networks);
BENCHMARK(BM_AllocNet_LemonNetworkSimplex)->Apply(allocation_networks);
BENCHMARK(BM_AllocNet_LemonCostScaling)->Apply(allocation_networks);

// --- warm re-allocation -----------------------------------------------------------------------
//
// The country's day (50,000 cases) after a 1 % change: 250 cases close, 250 new ones arrive and
// 1 % of the offerings get other free units. Warm: the allocator that solved the day before the
// change repairs its optimum (the allocator is rebuilt and solved outside the timing). Cold: the
// same change solved from scratch with allocate(), as a caller without the allocator would.

struct change {
  std::vector<keten::help_case> before;  // the day as solved
  std::vector<keten::help_case> arriving;
  std::vector<std::string> closing;
  std::vector<std::pair<keten::offering_index, std::int32_t>> units;
  std::optional<keten::landscape> after_landscape;  // the landscape with the new free units
  std::vector<keten::help_case> after;
};

const change& one_percent() {
  static const change c = [] {
    change out;
    keten::case_generation g;
    g.seed = 78;
    g.count = 50'250;
    std::vector<keten::help_case> all = keten::generate_cases(national(), g);
    out.before.assign(all.begin(), all.begin() + 50'000);
    out.arriving.assign(all.begin() + 50'000, all.end());
    std::mt19937 rng(5);
    std::set<std::string> closing;
    while (closing.size() < 250)
      closing.insert(out.before[rng() % out.before.size()].id);
    out.closing.assign(closing.begin(), closing.end());
    for (const auto& x : out.before)
      if (!closing.contains(x.id)) out.after.push_back(x);
    out.after.insert(out.after.end(), out.arriving.begin(), out.arriving.end());
    const auto& offerings = national().offerings();
    keten::landscape_builder b;
    b.set_name(national().name());
    for (const auto& p : national().partners())
      b.add_partner(p);
    std::vector<keten::offering> copies(offerings.begin(), offerings.end());
    for (std::size_t k = 0; k < offerings.size() / 100; ++k) {
      const auto o = static_cast<keten::offering_index>(rng() % offerings.size());
      const auto free = static_cast<std::int32_t>(rng() % 3 == 0 ? 0 : rng() % 10);
      out.units.emplace_back(o, free);
      copies[o].units.free_units = free;
      copies[o].units.units_per_period = std::max(copies[o].units.units_per_period, free);
    }
    for (auto& o : copies)
      b.add_offering(std::move(o));
    for (const auto& x : national().complementarities())
      b.add_complementarity(x);
    for (const auto& x : national().precedences())
      b.add_precedence(x);
    out.after_landscape = b.build();
    return out;
  }();
  return c;
}

keten::allocation_policy reallocation_policy(const benchmark::State& state) {
  keten::allocation_policy policy;
  policy.improve_complementarity = state.range(0) != 0;
  return policy;
}

void reallocation_label(benchmark::State& state) {
  state.SetLabel(
      fmt::format("country, 1% changed, improvement step {}", state.range(0) != 0 ? "on" : "off"));
}

void BM_Reallocate_Warm(benchmark::State& state) {
  const change& c = one_percent();
  const auto policy = reallocation_policy(state);
  const auto expected = keten::allocate(*c.after_landscape, c.after, policy).flow_objective;
  for (auto _ : state) {
    state.PauseTiming();
    auto alloc = std::make_unique<keten::allocator>(national(), policy);
    alloc->add_cases(c.before);
    (void)alloc->solve();
    state.ResumeTiming();
    for (const auto& id : c.closing)
      alloc->remove_case(id);
    alloc->add_cases(c.arriving);
    for (const auto& [o, free] : c.units)
      alloc->set_free_units(o, free);
    const keten::allocation& a = alloc->solve();
    if (a.flow_objective != expected || !a.warm)
      state.SkipWithError("the warm optimum differs from the cold one");
    state.counters["paths"] = static_cast<double>(a.paths);
    state.PauseTiming();
    alloc.reset();
    state.ResumeTiming();
  }
  reallocation_label(state);
}

void BM_Reallocate_Cold(benchmark::State& state) {
  const change& c = one_percent();
  const auto policy = reallocation_policy(state);
  for (auto _ : state) {
    const keten::allocation a = keten::allocate(*c.after_landscape, c.after, policy);
    benchmark::DoNotOptimize(a.flow_objective);
  }
  reallocation_label(state);
}

BENCHMARK(BM_Reallocate_Warm)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Reallocate_Cold)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

}  // namespace
