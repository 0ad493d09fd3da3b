// One side of the same-process A/B (scripts/ab-allocate.sh): compiled twice, once against the
// base revision's library and once against the work tree's, each with namespace keten renamed
// (-Dketen=…) so that both live in one program. RUN names this side's entry point.
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>

#include "keten/keten.hpp"

namespace {

struct day {
  keten::landscape land;
  std::vector<keten::help_case> cases;
};

/// The benchmark's days (benchmarks/flow_benchmark.cpp): one municipality, a province, the country.
const day& day_of(int scope) {
  static std::map<int, std::unique_ptr<day>> days;
  auto& slot = days[scope];
  if (!slot) {
    slot = std::make_unique<day>(
        day{keten::load_landscape_json(KETEN_DATA_DIR "/national_landscape.json"), {}});
    keten::case_generation g;
    g.seed = 77;
    g.count = scope == 2 ? 50'000 : scope == 1 ? 8'000 : 1'000;
    if (scope == 0) g.municipalities = {"GM0193"};
    if (scope == 1)
      for (const auto& m : slot->land.places().municipalities())
        if (m.province == "Gelderland") g.municipalities.push_back(m.code);
    slot->cases = keten::generate_cases(slot->land, g);
  }
  return *slot;
}

}  // namespace

/// Milliseconds of one allocate() (or, with `plain`, of building the plain graph, as the peer of
/// BM_Allocate does); `check` gets the flow objective (or the plain graph's arc count).
double RUN(int scope, bool plain, long long* check) {
  const day& d = day_of(scope);
  keten::allocation_policy policy;
  policy.improve_complementarity = false;
  const auto start = std::chrono::steady_clock::now();
  if (plain) {
    *check =
        keten::build_allocation_network(d.land, d.cases, policy, {}, false).network.arc_count();
  } else {
    *check = keten::allocate(d.land, d.cases, policy).flow_objective;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}
