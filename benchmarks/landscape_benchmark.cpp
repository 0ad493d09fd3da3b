// Loading and querying the national landscape, each beside its baseline in the same run:
//  - load:  keten's parse + validate + index   vs  nlohmann::json::parse of the same bytes alone,
//           and the same landscape from its binary snapshot (decode + validate + index)
//  - reach: the landscape's indexes            vs  a scan of every offering with serves()
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "keten/keten.hpp"
#include "keten/snapshot.hpp"

namespace {

const std::string& national_text() {
  static const std::string text = keten::read_file(KETEN_DATA_DIR "/national_landscape.json");
  return text;
}

const keten::landscape& national() {
  static const keten::landscape l = keten::parse_landscape_json(national_text(), "national");
  return l;
}

const std::vector<keten::help_case>& sample_cases() {
  static const std::vector<keten::help_case> cases =
      keten::generate_cases(national(), {.count = 4096, .seed = 7});
  return cases;
}

void BM_load_landscape_keten(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(keten::parse_landscape_json(national_text(), "national"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * national_text().size()));
  state.counters["offerings"] = static_cast<double>(national().offerings().size());
}
BENCHMARK(BM_load_landscape_keten)->Unit(benchmark::kMillisecond);

void BM_load_snapshot(benchmark::State& state) {
  static const std::string bytes = keten::to_snapshot(national());
  for (auto _ : state)
    benchmark::DoNotOptimize(keten::from_snapshot(bytes, "national"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["offerings"] = static_cast<double>(national().offerings().size());
}
BENCHMARK(BM_load_snapshot)->Unit(benchmark::kMillisecond);

void BM_load_landscape_json_parse_only(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(nlohmann::json::parse(national_text()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * national_text().size()));
}
BENCHMARK(BM_load_landscape_json_parse_only)->Unit(benchmark::kMillisecond);

void BM_reach_indexed(benchmark::State& state) {
  const auto& l = national();
  const auto& cases = sample_cases();
  std::size_t i = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    const keten::help_case& c = cases[i++ % cases.size()];
    for (const keten::need& n : c.needs)
      found += l.offerings_reaching(c.location, l.categories().index_of(n.category)).size();
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_reach_indexed);

void BM_reach_scan(benchmark::State& state) {
  const auto& l = national();
  const auto& cases = sample_cases();
  std::size_t i = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    const keten::help_case& c = cases[i++ % cases.size()];
    for (const keten::need& n : c.needs)
      for (keten::offering_index o : l.offerings_for(l.categories().index_of(n.category)))
        found += l.serves(o, c.location) ? 1 : 0;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_reach_scan);

}  // namespace
