// The gap analysis (docs/gaps.md) on the national landscape: the whole analysis, its reach share
// against two peers on the same population points (a brute force over every offering point, and
// a Boost.Geometry R-tree), and the lazy greedy placement of new teams against the plain greedy
// rule. Every peer's result is checked equal to keten's before any timing.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <iterator>
#include <vector>

#include <fmt/format.h>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "keten/keten.hpp"

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

const keten::landscape& national() {
  static const keten::landscape l =
      keten::load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  return l;
}

[[noreturn]] void differ(const std::string& what) {
  fmt::print(stderr, "gaps benchmark: {} differs from keten's result\n", what);
  std::abort();
}

// --- the whole analysis ------------------------------------------------------------------------

void BM_GapsNational(benchmark::State& state) {
  for (auto _ : state) {
    const keten::gap_analysis g = keten::analyse_gaps(national());
    benchmark::DoNotOptimize(g.cells.data());
  }
  state.counters["municipalities"] = static_cast<double>(national().places().size());
  state.counters["offerings"] = static_cast<double>(national().offerings().size());
}
BENCHMARK(BM_GapsNational)->Unit(benchmark::kMillisecond);

// --- the reach share of the five help forms ------------------------------------------------------

struct reach_input {
  std::vector<std::vector<keten::geo_point>> people;  // per municipality
  std::vector<std::vector<keten::geo_point>> offers;  // per help form
};

const reach_input& inputs() {
  static const reach_input in = [] {
    reach_input r;
    for (const keten::municipality& m : national().places().municipalities())
      r.people.push_back(keten::population_points(m));
    for (keten::help_form f : keten::all_help_forms)
      r.offers.push_back(keten::offering_points(national(), f));
    return r;
  }();
  return in;
}

std::vector<std::vector<double>> keten_reach() {
  std::vector<std::vector<double>> out;
  for (const auto& points : inputs().offers)
    out.push_back(keten::reach_shares(national().places(), points, 3.0));
  return out;
}

/// The peer a straightforward implementation is: every sample against every offering point.
std::vector<std::vector<double>> brute_force_reach() {
  std::vector<std::vector<double>> out;
  for (const auto& points : inputs().offers) {
    std::vector<double> share;
    for (const auto& samples : inputs().people) {
      int within = 0;
      for (const keten::geo_point& s : samples) {
        bool near = false;
        for (const keten::geo_point& p : points)
          if (keten::distance_km(s, p) <= 3.0) {
            near = true;
            break;
          }
        within += near;
      }
      share.push_back(static_cast<double>(within) / static_cast<double>(samples.size()));
    }
    out.push_back(std::move(share));
  }
  return out;
}

/// The peer a user of Boost would pick: an R-tree of the offering points (degrees), queried with a
/// box that holds every point within 3 km (the same bound as keten's grid), then the exact
/// haversine test.
std::vector<std::vector<double>> rtree_reach() {
  using point = bg::model::point<double, 2, bg::cs::cartesian>;
  using box = bg::model::box<point>;
  constexpr double earth = 6371.0088, deg = 180.0 / 3.14159265358979323846;
  const double dlat = 3.0 / earth * deg * 1.000001;
  std::vector<std::vector<double>> out;
  for (const auto& points : inputs().offers) {
    bgi::rtree<point, bgi::quadratic<16>> tree;
    for (const keten::geo_point& p : points)
      tree.insert(point(p.lon, p.lat));
    std::vector<double> share;
    std::vector<point> found;
    for (const auto& samples : inputs().people) {
      int within = 0;
      for (const keten::geo_point& s : samples) {
        const double dlon =
            2.0 *
            std::asin(std::sin(3.0 / earth / 2.0) / std::cos((std::abs(s.lat) + dlat) / deg)) *
            deg * 1.000001;
        found.clear();
        tree.query(bgi::intersects(
                       box(point(s.lon - dlon, s.lat - dlat), point(s.lon + dlon, s.lat + dlat))),
                   std::back_inserter(found));
        bool near = false;
        for (const point& p : found)
          near = near || keten::distance_km(s, {bg::get<1>(p), bg::get<0>(p)}) <= 3.0;
        within += near;
      }
      share.push_back(static_cast<double>(within) / static_cast<double>(samples.size()));
    }
    out.push_back(std::move(share));
  }
  return out;
}

void check_reach() {
  static const bool checked = [] {
    const auto ours = keten_reach();
    if (brute_force_reach() != ours) differ("brute-force reach");
    if (rtree_reach() != ours) differ("R-tree reach");
    return true;
  }();
  (void)checked;
}

template <auto Reach>
void reach_benchmark(benchmark::State& state) {
  check_reach();
  std::size_t samples = 0;
  for (const auto& s : inputs().people)
    samples += s.size();
  for (auto _ : state) {
    const auto r = Reach();
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(samples * keten::help_form_count));
}
void BM_Reach(benchmark::State& state) {
  reach_benchmark<keten_reach>(state);
}
void BM_Reach_BruteForcePeer(benchmark::State& state) {
  reach_benchmark<brute_force_reach>(state);
}
void BM_Reach_BoostRtreePeer(benchmark::State& state) {
  reach_benchmark<rtree_reach>(state);
}
BENCHMARK(BM_Reach)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Reach_BruteForcePeer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Reach_BoostRtreePeer)->Unit(benchmark::kMillisecond);

// --- new teams: lazy greedy against the plain greedy rule
// -----------------------------------------

const keten::gap_analysis& national_gaps() {
  static const keten::gap_analysis g = keten::analyse_gaps(national());
  return g;
}

/// The plain greedy rule: each step evaluates every site over every municipality.
std::vector<keten::municipality_index> plain_greedy(const keten::gap_analysis& g,
                                                    const keten::geography& places,
                                                    keten::help_form f, std::size_t k,
                                                    double radius) {
  const std::size_t n = places.size();
  std::vector<std::vector<std::uint32_t>> reach(n);
  for (std::uint32_t s = 0; s < n; ++s)
    for (std::uint32_t m = 0; m < n; ++m)
      if (m == s || keten::distance_km(places[s].point, places[m].point) <= radius)
        reach[s].push_back(m);
  std::vector<bool> covered(n, false);
  std::vector<keten::municipality_index> sites;
  for (std::size_t step = 0; step < k; ++step) {
    double best = 0;
    std::optional<std::uint32_t> pick;
    for (std::uint32_t s = 0; s < n; ++s) {
      double gain = 0;
      for (std::uint32_t m : reach[s])
        if (!covered[m]) gain += g.at(m, f).shortfall;
      if (gain > best) best = gain, pick = s;
    }
    if (!pick) break;
    sites.push_back(*pick);
    for (std::uint32_t m : reach[*pick])
      covered[m] = true;
  }
  return sites;
}

constexpr std::size_t teams = 25;

void BM_PlanTeams(benchmark::State& state) {
  const keten::team_plan_options o{.form = keten::help_form::neighbour, .teams = teams};
  if (keten::plan_new_teams(national_gaps(), national(), o).sites !=
      plain_greedy(national_gaps(), national().places(), o.form, teams, o.team_radius_km))
    differ("the plain greedy rule's sites");
  for (auto _ : state) {
    const keten::team_plan p = keten::plan_new_teams(national_gaps(), national(), o);
    benchmark::DoNotOptimize(p.sites.data());
  }
}
void BM_PlanTeams_PlainGreedyPeer(benchmark::State& state) {
  for (auto _ : state) {
    const auto sites = plain_greedy(national_gaps(), national().places(),
                                    keten::help_form::neighbour, teams, 10.0);
    benchmark::DoNotOptimize(sites.data());
  }
}
BENCHMARK(BM_PlanTeams)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlanTeams_PlainGreedyPeer)->Unit(benchmark::kMillisecond);

}  // namespace
