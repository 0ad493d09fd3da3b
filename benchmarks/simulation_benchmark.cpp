// The what-if simulation (keten/simulation.hpp): one national year, one seed, on one core, with
// the warm allocator (keten::allocator repaired each round) against its peer in the same run, the
// same simulation with a new allocator solved from scratch every round (allocate()'s cost), and
// match() per case. Reports seconds per run and milliseconds per referral round
// (docs/benchmarks.md, "Simulation").
#include <benchmark/benchmark.h>

#include <string>

#include "keten/io.hpp"
#include "keten/simulation.hpp"

namespace {

const keten::landscape& national() {
  static const keten::landscape l =
      keten::load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  return l;
}

void simulate_year(benchmark::State& state, keten::referral_policy policy, double round_days) {
  keten::simulation_options o;
  o.weeks = 52;
  o.seed = 2022;
  o.policy = policy;
  o.round_days = round_days;
  std::size_t rounds = 0;
  double round_seconds = 0;
  std::size_t needs = 0;
  for (auto _ : state) {
    const keten::simulation_result r = keten::simulate(national(), o);
    rounds += r.rounds;
    round_seconds += r.round_seconds;
    needs += r.needs.size();
    benchmark::DoNotOptimize(r.needs.data());
  }
  const auto runs = static_cast<double>(state.iterations());
  state.counters["rounds"] = static_cast<double>(rounds) / runs;
  state.counters["ms_per_round"] = round_seconds * 1000.0 / static_cast<double>(rounds);
  state.counters["needs"] = static_cast<double>(needs) / runs;
  state.counters["round_seconds"] = round_seconds / runs;
}

void BM_SimulateNationalYear_Warm(benchmark::State& state) {
  simulate_year(state, keten::referral_policy::allocate, 1);
}
void BM_SimulateNationalYear_Cold(benchmark::State& state) {
  simulate_year(state, keten::referral_policy::allocate_cold, 1);
}
void BM_SimulateNationalYear_Match(benchmark::State& state) {
  simulate_year(state, keten::referral_policy::match, 1);
}

}  // namespace

BENCHMARK(BM_SimulateNationalYear_Warm)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_SimulateNationalYear_Cold)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_SimulateNationalYear_Match)->Unit(benchmark::kSecond)->Iterations(3);
