// Summaries of simulation results (keten/simulation.hpp): per group the waits, outcomes and
// utilisation; means over seeds with Student-t intervals; baseline against scenario paired by
// seed; and the region shards (connected components of what may serve what).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include <fmt/format.h>
#include <boost/math/distributions/students_t.hpp>

#include "keten/error.hpp"
#include "keten/simulation.hpp"
#include "simulation_engine.hpp"

namespace keten {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

using group_key = std::pair<std::int64_t, std::int64_t>;  // municipality (−1 all), form (−1 all)

group_key key_of(simulation_grouping by, municipality_index m, help_form f) {
  switch (by) {
    case simulation_grouping::total:
      return {-1, -1};
    case simulation_grouping::help_form:
      return {-1, static_cast<std::int64_t>(f)};
    case simulation_grouping::municipality:
      return {static_cast<std::int64_t>(m), static_cast<std::int64_t>(f)};
  }
  return {-1, -1};
}

/// Nearest-rank percentile of sorted values; NaN if empty.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return nan;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double metric(const simulation_summary_row& r, std::string_view name) {
  if (name == "wait_mean") return r.wait_mean;
  if (name == "wait_median") return r.wait_median;
  if (name == "wait_p90") return r.wait_p90;
  if (name == "referred") return static_cast<double>(r.referred);
  if (name == "waiting")
    return static_cast<double>(r.outcomes[static_cast<std::size_t>(need_outcome::waiting)]);
  if (name == "unmet")
    return static_cast<double>(r.arrived - r.referred -
                               r.outcomes[static_cast<std::size_t>(need_outcome::waiting)]);
  if (name == "utilisation") return r.utilisation;
  return static_cast<double>(r.arrived);
}

}  // namespace

std::vector<simulation_summary_row> summarize(const landscape& l, const simulation_result& r,
                                              simulation_grouping by) {
  struct group {
    simulation_summary_row row;
    std::vector<double> waits;
    double unit_days = 0, busy_days = 0;
  };
  std::map<group_key, group> groups;
  const auto at = [&](municipality_index m, help_form f) -> group& {
    const group_key k = key_of(by, m, f);
    auto [it, added] = groups.try_emplace(k);
    if (added) {
      if (k.first >= 0) it->second.row.municipality = static_cast<municipality_index>(k.first);
      if (k.second >= 0) it->second.row.form = static_cast<help_form>(k.second);
    }
    return it->second;
  };
  for (const simulated_need& n : r.needs) {
    group& g = at(n.municipality, l.categories()[n.category].form);
    ++g.row.arrived;
    ++g.row.outcomes[static_cast<std::size_t>(n.outcome)];
    if (n.outcome == need_outcome::referred) {
      ++g.row.referred;
      g.waits.push_back(n.wait());
    }
  }
  for (const offering_usage& u : r.offerings) {
    if (u.offering >= l.offerings().size())
      throw validation_error(
          error_code::unknown_reference,
          fmt::format("the result names offering {} but the landscape has {}: summarize a "
                      "scenario's run with with_opened_offerings(landscape, scenario)",
                      u.offering, l.offerings().size()),
          {.field = "offerings"});
    const municipality_index home =
        l.places().index_of(l.partners()[l.partner_of(u.offering)].municipality);
    group& g = at(home, l.categories()[l.categories_of(u.offering).front()].form);
    g.unit_days += u.unit_days;
    g.busy_days += u.busy_days;
  }
  std::vector<simulation_summary_row> rows;
  rows.reserve(groups.size());
  for (auto& [key, g] : groups) {
    std::sort(g.waits.begin(), g.waits.end());
    g.row.wait_mean = g.waits.empty() ? nan
                                      : std::accumulate(g.waits.begin(), g.waits.end(), 0.0) /
                                            static_cast<double>(g.waits.size());
    g.row.wait_median = percentile(g.waits, 0.5);
    g.row.wait_p90 = percentile(g.waits, 0.9);
    g.row.utilisation = g.unit_days > 0 ? g.busy_days / g.unit_days : nan;
    g.row.units = r.days > 0 ? g.unit_days / r.days : 0.0;
    rows.push_back(g.row);
  }
  return rows;
}

seed_estimate estimate_mean(std::span<const double> values, double confidence) {
  if (!(confidence > 0 && confidence < 1))
    throw validation_error(error_code::invalid_value, "confidence must be in (0, 1)",
                           {.field = "confidence"});
  seed_estimate e;
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++e.seeds;
    }
  e.mean = e.seeds > 0 ? sum / static_cast<double>(e.seeds) : nan;
  e.low = e.high = nan;
  if (e.seeds < 2) return e;
  double squares = 0;
  for (double v : values)
    if (!std::isnan(v)) squares += (v - e.mean) * (v - e.mean);
  const double n = static_cast<double>(e.seeds);
  const double standard_error = std::sqrt(squares / (n - 1) / n);
  const boost::math::students_t t(n - 1);
  const double half = boost::math::quantile(t, 0.5 + confidence / 2) * standard_error;
  e.low = e.mean - half;
  e.high = e.mean + half;
  return e;
}

std::vector<metric_comparison> compare(const landscape& l,
                                       std::span<const simulation_result> baseline,
                                       std::span<const simulation_result> what_if,
                                       simulation_grouping by, double confidence) {
  if (baseline.empty() || baseline.size() != what_if.size())
    throw validation_error(error_code::invalid_value,
                           fmt::format("compare needs as many scenario runs as baseline runs (and "
                                       "at least one): {} and {}",
                                       baseline.size(), what_if.size()),
                           {.field = "runs"});
  const std::size_t seeds = baseline.size();
  // values[group][metric] = (baseline per seed, scenario per seed)
  struct series {
    std::optional<municipality_index> municipality;
    std::optional<help_form> form;
    std::array<std::vector<double>, simulation_metrics.size()> base, scen;
  };
  std::map<group_key, series> groups;
  const auto fill = [&](const simulation_result& r, std::size_t seed, bool scenario) {
    for (const simulation_summary_row& row : summarize(l, r, by)) {
      const group_key k{row.municipality ? static_cast<std::int64_t>(*row.municipality) : -1,
                        row.form ? static_cast<std::int64_t>(*row.form) : -1};
      auto [it, added] = groups.try_emplace(k);
      series& s = it->second;
      if (added) {
        s.municipality = row.municipality;
        s.form = row.form;
        for (std::size_t m = 0; m < simulation_metrics.size(); ++m) {
          s.base[m].assign(seeds, nan);
          s.scen[m].assign(seeds, nan);
        }
      }
      for (std::size_t m = 0; m < simulation_metrics.size(); ++m)
        (scenario ? s.scen : s.base)[m][seed] = metric(row, simulation_metrics[m]);
    }
  };
  for (std::size_t i = 0; i < seeds; ++i) {
    if (baseline[i].seed != what_if[i].seed)
      throw validation_error(error_code::invalid_value,
                             fmt::format("run {} pairs seed {} with seed {}: common random "
                                         "numbers need the same seed",
                                         i, baseline[i].seed, what_if[i].seed),
                             {.field = "seed"});
    fill(baseline[i], i, false);
    fill(what_if[i], i, true);
  }
  std::vector<metric_comparison> out;
  for (auto& [key, s] : groups) {
    for (std::size_t m = 0; m < simulation_metrics.size(); ++m) {
      // A group missing from a run has counted nothing there: counts are 0, waits undefined.
      const bool count = m >= 3 && simulation_metrics[m] != "utilisation";
      std::vector<double>& b = s.base[m];
      std::vector<double>& w = s.scen[m];
      if (count)
        for (std::size_t i = 0; i < seeds; ++i) {
          if (std::isnan(b[i])) b[i] = 0;
          if (std::isnan(w[i])) w[i] = 0;
        }
      std::vector<double> d(seeds);
      for (std::size_t i = 0; i < seeds; ++i)
        d[i] = w[i] - b[i];  // NaN if either is undefined: that seed drops out of the difference
      out.push_back({.municipality = s.municipality,
                     .form = s.form,
                     .metric = simulation_metrics[m],
                     .baseline = estimate_mean(b, confidence),
                     .scenario = estimate_mean(w, confidence),
                     .difference = estimate_mean(d, confidence)});
    }
  }
  return out;
}

std::vector<member_referrals> referrals_by_member(const landscape& l,
                                                  std::span<const simulation_result> runs) {
  std::map<std::pair<std::string, std::string>, double> counts;
  for (const simulation_result& r : runs)
    for (const partner_referral& x : r.referrals) {
      if (x.from >= l.partners().size() || x.to >= l.partners().size())
        throw validation_error(error_code::unknown_reference,
                               "the result names a partner the landscape does not have",
                               {.field = "referrals"});
      counts[{l.partners()[x.from].member, l.partners()[x.to].member}] += x.count;
    }
  std::vector<member_referrals> out;
  for (const auto& [pair, count] : counts)
    out.push_back(
        {pair.first, pair.second, runs.empty() ? 0.0 : count / static_cast<double>(runs.size())});
  std::stable_sort(
      out.begin(), out.end(),
      [](const member_referrals& a, const member_referrals& b) { return a.per_run > b.per_run; });
  return out;
}

simulation_result merge_results(std::span<const simulation_result> parts) {
  simulation_result out;
  if (parts.empty()) return out;
  out.seed = parts.front().seed;
  out.days = parts.front().days;
  out.sample_skipped = parts.front().sample_skipped;  // every shard skips the same sample cases
  std::uint32_t shift = 0;
  std::map<std::pair<partner_index, partner_index>, std::uint32_t> pairs;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const simulation_result& p = parts[k];
    if (p.seed != out.seed || p.days != out.days)
      throw validation_error(error_code::invalid_value,
                             fmt::format("part {} is seed {} over {} days, part 0 seed {} over {} "
                                         "days: only runs of one simulation merge",
                                         k, p.seed, p.days, out.seed, out.days),
                             {.field = "parts"});
    std::uint32_t next = shift;
    for (simulated_need n : p.needs) {
      n.case_number += shift;
      next = std::max(next, n.case_number + 1);
      out.needs.push_back(n);
    }
    shift = next;
    out.offerings.insert(out.offerings.end(), p.offerings.begin(), p.offerings.end());
    out.weeks.insert(out.weeks.end(), p.weeks.begin(), p.weeks.end());
    for (const partner_referral& r : p.referrals)
      pairs[{r.from, r.to}] += r.count;
    out.rounds += p.rounds;
    out.round_seconds += p.round_seconds;
    out.cases += p.cases;
  }
  for (const auto& [pair, count] : pairs)
    out.referrals.push_back({pair.first, pair.second, count});
  return out;
}

std::vector<std::vector<std::string>> simulation_shards(const landscape& l, std::size_t count) {
  if (count == 0)
    throw validation_error(error_code::invalid_value, "the number of shards must be at least 1",
                           {.field = "count"});
  const geography& places = l.places();
  const std::size_t m_count = places.size();
  // Union-find over municipalities; an offering joins every municipality it may serve.
  std::vector<std::size_t> parent(m_count);
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](std::size_t x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<std::int64_t> first_of(l.offerings().size(), -1);
  bool postcodes = false;
  for (municipality_index m = 0; m < m_count; ++m)
    for (std::size_t c = 0; c < l.categories().size(); ++c)
      for (offering_index o :
           l.candidates(static_cast<municipality_index>(m), static_cast<category_index>(c))) {
        if (first_of[o] < 0)
          first_of[o] = static_cast<std::int64_t>(m);
        else
          parent[find(m)] = find(static_cast<std::size_t>(first_of[o]));
      }
  for (const offering& o : l.offerings())
    postcodes = postcodes || !o.area.postcodes.empty();
  if (postcodes)
    for (municipality_index m = 1; m < m_count; ++m)
      parent[find(m)] = find(0);
  std::map<std::size_t, std::vector<municipality_index>> components;
  for (municipality_index m = 0; m < m_count; ++m)
    if (detail::sim::reached(l, m)) components[find(m)].push_back(m);
  struct component {
    double population = 0;
    std::vector<municipality_index> members;
  };
  std::vector<component> parts;
  for (auto& [root, members] : components) {
    component c;
    for (municipality_index m : members)
      c.population += places[m].population;
    c.members = std::move(members);
    parts.push_back(std::move(c));
  }
  // Largest first into the lightest shard (longest-processing-time packing), ties by first code.
  std::sort(parts.begin(), parts.end(), [](const component& a, const component& b) {
    return std::tie(b.population, a.members.front()) < std::tie(a.population, b.members.front());
  });
  const std::size_t shards = std::min(count, parts.size());
  std::vector<double> load(shards, 0);
  std::vector<std::vector<municipality_index>> members(shards);
  for (const component& c : parts) {
    const auto lightest =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[lightest] += c.population;
    members[lightest].insert(members[lightest].end(), c.members.begin(), c.members.end());
  }
  std::vector<std::vector<std::string>> out;
  for (std::vector<municipality_index>& ms : members) {
    std::sort(ms.begin(), ms.end());
    std::vector<std::string> codes;
    for (municipality_index m : ms)
      codes.push_back(places[m].code);
    out.push_back(std::move(codes));
  }
  return out;
}

}  // namespace keten
