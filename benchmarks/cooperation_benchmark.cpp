// The cooperation layer (docs/cooperation.md): deriving every national chain's five conditions,
// trends and pair strengths from the national scan; and one case's match with the collaboration
// term on (the scan's strengths) against off, on the same cases in one run.
#include <benchmark/benchmark.h>

#include "keten/keten.hpp"

namespace {

const keten::landscape& national() {
  static const keten::landscape l =
      keten::load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  return l;
}

const keten::cooperation_scan& national_scan() {
  static const keten::cooperation_scan s =
      keten::load_scan(KETEN_DATA_DIR "/national_scan.json", national());
  return s;
}

const keten::cooperation_report& national_report() {
  static const keten::cooperation_report r = keten::assess_cooperation(national_scan());
  return r;
}

/// Synthetic cases with at least two needs (where a pair of partners can occur).
const std::vector<keten::help_case>& cases() {
  static const std::vector<keten::help_case> out = [] {
    std::vector<keten::help_case> all =
        keten::generate_cases(national(), {.count = 20'000, .seed = 21});
    std::erase_if(all, [](const keten::help_case& c) { return c.needs.size() < 2 || !c.consent; });
    return all;
  }();
  return out;
}

void BM_AssessNationalCooperation(benchmark::State& state) {
  std::size_t pairs = 0;
  for (auto _ : state) {
    const keten::cooperation_report r = keten::assess_cooperation(national_scan());
    pairs = r.pairs.size();
    benchmark::DoNotOptimize(pairs);
  }
  state.counters["answers"] = static_cast<double>(national_scan().answers().size());
  state.counters["chains"] = static_cast<double>(national().chains().size());
  state.counters["pairs"] = static_cast<double>(pairs);
}
BENCHMARK(BM_AssessNationalCooperation)->Unit(benchmark::kMillisecond);

void run_match(benchmark::State& state, bool collaboration) {
  keten::match_options options{.top_k = 5};
  if (collaboration) options.collaboration = &national_report().strengths;
  const auto& cs = cases();
  std::size_t i = 0, with_term = 0;
  for (auto _ : state) {
    const keten::match_result r = keten::match(national(), cs[i++ % cs.size()], options);
    with_term += !r.bundles.empty() && r.bundles[0].breakdown.collaboration > 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["best with collaboration"] =
      static_cast<double>(with_term) / static_cast<double>(state.iterations());
}
void BM_MatchCollaborationOff(benchmark::State& state) {
  run_match(state, false);
}
void BM_MatchCollaborationOn(benchmark::State& state) {
  run_match(state, true);
}
BENCHMARK(BM_MatchCollaborationOff)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MatchCollaborationOn)->Unit(benchmark::kMicrosecond);

}  // namespace
