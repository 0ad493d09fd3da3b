// One case's top-5 bundles on the national landscape: keten's branch and bound (match) beside
// exhaustive enumeration (match_exhaustive, the correctness oracle) on the same cases, by number of
// needs; and a batch matched by several threads on one const landscape.
#include <benchmark/benchmark.h>

#include <array>
#include <stdexcept>

#include "keten/keten.hpp"

namespace {

const keten::landscape& national() {
  static const keten::landscape l =
      keten::load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  return l;
}

using case_pools = std::array<std::vector<keten::help_case>, 7>;

/// Up to 2,000 synthetic cases per number of needs (1–6), drawn from one larger synthetic day.
case_pools group_by_needs(const keten::landscape& l, const keten::case_generation& day) {
  case_pools pools;
  for (const keten::help_case& c : keten::generate_cases(l, day))
    if (c.needs.size() < pools.size() && pools[c.needs.size()].size() < 2000)
      pools[c.needs.size()].push_back(c);
  return pools;
}

const std::vector<keten::help_case>& with_needs(const case_pools& pools, std::size_t needs) {
  if (pools.at(needs).empty()) throw std::runtime_error("no synthetic case with that many needs");
  return pools.at(needs);
}

const std::vector<keten::help_case>& cases_with(std::size_t needs) {
  static const case_pools pools = group_by_needs(national(), {.count = 200'000, .seed = 11});
  return with_needs(pools, needs);
}

const std::vector<keten::help_case>& realistic_batch() {
  static const std::vector<keten::help_case> cases =
      keten::generate_cases(national(), {.count = 10'000, .seed = 12});
  return cases;
}

template <keten::match_result (*Match)(const keten::landscape&, const keten::help_case&,
                                       const keten::match_options&)>
void run_by_needs(benchmark::State& state) {
  const auto& cases = cases_with(static_cast<std::size_t>(state.range(0)));
  const keten::match_options options{.top_k = 5};
  std::size_t i = 0;
  std::size_t bundles = 0;
  for (auto _ : state)
    bundles += Match(national(), cases[i++ % cases.size()], options).bundles.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bundles/case"] =
      static_cast<double>(bundles) / static_cast<double>(state.iterations());
}

/// The same on the example municipality (data/example), where every need has several candidates
/// and the waitlist is allowed: the search space Π(candidates + 1) is much larger than nationally.
const keten::landscape& example() {
  static const keten::landscape l =
      keten::load_landscape_json(KETEN_DATA_DIR "/example/landscape.json");
  return l;
}
const std::vector<keten::help_case>& example_cases_with(std::size_t needs) {
  static const case_pools pools =
      group_by_needs(example(), {.count = 100'000, .seed = 13, .municipalities = {"GM0193"}});
  return with_needs(pools, needs);
}

template <keten::match_result (*Match)(const keten::landscape&, const keten::help_case&,
                                       const keten::match_options&)>
void run_example_by_needs(benchmark::State& state) {
  const auto& cases = example_cases_with(static_cast<std::size_t>(state.range(0)));
  const keten::match_options options{.top_k = 5, .allow_waitlist = true};
  std::size_t i = 0;
  double space = 0;
  for (auto _ : state) {
    const keten::match_result r = Match(example(), cases[i++ % cases.size()], options);
    double product = 1;
    for (const keten::need_candidates& n : r.needs)
      product *= static_cast<double>(n.candidates.size() + 1);
    space += product;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["assignments/case"] = space / static_cast<double>(state.iterations());
}
void BM_match_example(benchmark::State& state) {
  run_example_by_needs<keten::match>(state);
}
void BM_match_exhaustive_example(benchmark::State& state) {
  run_example_by_needs<keten::match_exhaustive>(state);
}
BENCHMARK(BM_match_example)->ArgName("needs")->DenseRange(1, 6);
BENCHMARK(BM_match_exhaustive_example)->ArgName("needs")->DenseRange(1, 6);

void BM_match(benchmark::State& state) {
  run_by_needs<keten::match>(state);
}
void BM_match_exhaustive(benchmark::State& state) {
  run_by_needs<keten::match_exhaustive>(state);
}
BENCHMARK(BM_match)->ArgName("needs")->DenseRange(1, 6);
BENCHMARK(BM_match_exhaustive)->ArgName("needs")->DenseRange(1, 6);

/// A realistic day (1–6 needs, mostly 1–3) split over the benchmark's threads; items per second
/// summed over threads, so per core = items_per_second / threads.
void BM_match_batch(benchmark::State& state) {
  const auto& cases = realistic_batch();
  const keten::match_options options{.top_k = 5};
  const auto threads = static_cast<std::size_t>(state.threads());
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    benchmark::DoNotOptimize(keten::match(national(), cases[i % cases.size()], options));
    i += threads;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_match_batch)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
