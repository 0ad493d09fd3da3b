// keten simulate: weeks of demand simulated over several seeds, a scenario against the baseline
// with common random numbers, and the metrics per group with confidence intervals.
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/io.hpp"
#include "keten/simulation.hpp"
#include "progress.hpp"

namespace keten::cli {

namespace {

/// "1.2", "-0.4", "—" for undefined.
std::string number(double v, int decimals = 1) {
  if (!std::isfinite(v)) return "—";
  return fmt::format("{:.{}f}", v, decimals);
}

std::string with_interval(const seed_estimate& e, int decimals) {
  if (!std::isfinite(e.low)) return number(e.mean, decimals);
  return fmt::format("{} [{}, {}]", number(e.mean, decimals), number(e.low, decimals),
                     number(e.high, decimals));
}

std::string group_name(const landscape& l, const metric_comparison& c) {
  std::string name;
  if (c.municipality) {
    const municipality& m = l.places()[*c.municipality];
    name = fmt::format("{} {}", m.code, m.name);
  }
  if (c.form) name += fmt::format("{}{}", name.empty() ? "" : ", ", to_string(*c.form));
  return name.empty() ? "all" : name;
}

int decimals_of(std::string_view metric) {
  return metric == "utilisation" ? 3 : 1;
}

/// "daily", "weekly", "continuous" or a number of days.
std::string parse_rounds(const std::string& text, double* days) {
  double value = 0;
  if (text == "daily") {
    value = 1;
  } else if (text == "weekly") {
    value = 7;
  } else if (text == "continuous") {
    value = 0;
  } else {
    try {
      std::size_t used = 0;
      value = std::stod(text, &used);
      if (used != text.size()) return "expected daily, weekly, continuous or a number of days";
    } catch (const std::exception&) {
      return "expected daily, weekly, continuous or a number of days";
    }
    if (!(value >= 0 && value <= 365)) return "days between rounds must be in [0, 365]";
  }
  if (days) *days = value;
  return "";
}

}  // namespace

void add_simulate_commands(CLI::App& app) {
  struct args {
    std::string landscape;
    std::string scenario;
    std::string cases;
    std::size_t seeds{5};
    std::string rounds{"daily"};
    std::string policy{"allocate"};
    std::string by{"help_form"};
    bool json = false;
    simulation_options options;
  };
  auto a = std::make_shared<args>();
  auto* cmd = app.add_subcommand(
      "simulate",
      "Simulate weeks of demand: arrivals, referral rounds, help and volunteers; waits, "
      "utilisation and unmet needs over seeds, a scenario against the baseline "
      "(docs/simulation.md)");
  cmd->add_option("--landscape,-l", a->landscape,
                  "Landscape file (JSON or snapshot; default: the national landscape)");
  cmd->add_option("--weeks", a->options.weeks, "Weeks to measure")->capture_default_str();
  cmd->add_option("--warmup", a->options.warmup_weeks, "Weeks simulated before, not measured")
      ->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "Runs with seeds SEED, SEED+1, …")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
  cmd->add_option("--seed", a->options.seed, "The first seed")->capture_default_str();
  cmd->add_option("--scenario", a->scenario,
                  "A keten.scenario file: its changes against the baseline, paired by seed");
  cmd->add_option("--rounds", a->rounds,
                  "Referral rounds: daily, weekly, continuous (at every arrival and freed unit) "
                  "or every DAYS days")
      ->capture_default_str()
      ->check([](const std::string& v) { return parse_rounds(v, nullptr); });
  cmd->add_option("--policy", a->policy,
                  "allocate (warm allocator), allocate_cold (from scratch each round) or match "
                  "(per case in arrival order)")
      ->capture_default_str()
      ->check(CLI::IsMember({"allocate", "allocate_cold", "match"}));
  cmd->add_option("--demand", a->options.demand_factor, "Multiplies every arrival rate")
      ->capture_default_str();
  cmd->add_option("--turnover", a->options.volunteer_turnover,
                  "Share of volunteers who leave (and are replaced) per year")
      ->capture_default_str();
  cmd->add_option("--cases,-c", a->cases,
                  "Resample arrivals from this keten.cases file instead of the synthetic rates");
  cmd->add_option("--sample-days", a->options.sample_days,
                  "With --cases: the days the file's cases arrived in")
      ->capture_default_str();
  cmd->add_option("--municipality,-m", a->options.municipalities,
                  "Arrivals only in these municipalities (CBS codes; repeatable)");
  cmd->add_option("--by", a->by, "Group the metrics by total, help_form or municipality")
      ->capture_default_str()
      ->check(CLI::IsMember({"total", "help_form", "municipality"}));
  cmd->add_flag("--json", a->json, "Print a keten.simulation JSON document");
  cmd->callback([a] {
    const landscape l = load_landscape(a->landscape);
    simulation_options& o = a->options;
    (void)parse_rounds(a->rounds, &o.round_days);
    o.policy = *parse_referral_policy(a->policy);
    if (!a->cases.empty()) o.sample = load_cases_json(a->cases, l);
    std::optional<scenario> what_if;
    if (!a->scenario.empty()) what_if = load_scenario_json(a->scenario, l);
    const simulation_grouping by = a->by == "total"       ? simulation_grouping::total
                                   : a->by == "help_form" ? simulation_grouping::help_form
                                                          : simulation_grouping::municipality;
    const std::size_t runs = a->seeds * (what_if ? 2 : 1);
    progress_line bar;
    std::size_t run = 0;
    o.progress = [&](double done, double total) {
      const auto per_run = static_cast<std::size_t>(std::ceil(total));
      bar(fmt::format("run {}/{}", run + 1, runs), run * per_run + static_cast<std::size_t>(done),
          runs * per_run);
    };
    std::vector<simulation_result> base, scen;
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t first = o.seed;
    for (std::size_t k = 0; k < a->seeds; ++k) {
      simulation_options x = o;
      x.seed = first + k;
      base.push_back(simulate(l, x));
      ++run;
      if (what_if) {
        scen.push_back(simulate(l, x, &*what_if));
        ++run;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.progress = nullptr;
    // A scenario's results name its opened offerings too: read both runs on that landscape.
    const landscape view = what_if ? with_opened_offerings(l, *what_if) : l;
    if (a->json) {
      fmt::print("{}", simulation_to_json(view, o, base, scen, what_if ? &*what_if : nullptr, by));
      return;
    }
    std::size_t rounds = 0;
    double round_seconds = 0;
    for (const auto* set : {&base, &scen})
      for (const simulation_result& r : *set) {
        rounds += r.rounds;
        round_seconds += r.round_seconds;
      }
    fmt::print("keten simulate: {}, {} weeks{} × {} seeds ({}–{}), rounds {}, policy {}{}\n",
               l.name().empty() ? std::string("the landscape") : l.name(), o.weeks,
               o.warmup_weeks > 0 ? fmt::format(" after {} weeks' warm-up", o.warmup_weeks) : "",
               a->seeds, first, first + a->seeds - 1, a->rounds, a->policy,
               o.sample.empty() ? "" : fmt::format(", arrivals resampled from {}", a->cases));
    if (!base.empty() && base.front().sample_skipped > 0)
      fmt::print("  {} of the {} cases have no municipality and were left out of the sample\n",
                 base.front().sample_skipped, o.sample.size());
    fmt::print("  {} runs in {:.2f} s; {} referral rounds, {:.3f} ms per round\n", runs, seconds,
               rounds, rounds > 0 ? round_seconds * 1000.0 / static_cast<double>(rounds) : 0.0);
    if (what_if) {
      fmt::print("  scenario: {} ({} changes), against the baseline with the same seeds\n",
                 what_if->name.empty() ? a->scenario : what_if->name, what_if->changes.size());
      fmt::print("\n  {:<12} {:>26} {:>26} {:>28}\n", "metric", "baseline", "scenario",
                 "difference [95% interval]");
    } else {
      fmt::print("\n  {:<12} {:>30}\n", "metric", "mean over seeds [95% interval]");
    }
    const std::vector<metric_comparison> rows =
        what_if ? compare(view, base, scen, by) : compare(l, base, base, by);
    std::string group;
    for (const metric_comparison& c : rows) {
      const std::string name = group_name(l, c);
      if (name != group) {
        fmt::print("{}\n", name);
        group = name;
      }
      const int d = decimals_of(c.metric);
      if (what_if)
        fmt::print("  {:<12} {:>26} {:>26} {:>28}\n", c.metric, with_interval(c.baseline, d),
                   with_interval(c.scenario, d), with_interval(c.difference, d));
      else
        fmt::print("  {:<12} {:>30}\n", c.metric, with_interval(c.baseline, d));
    }
    fmt::print("\nwarm handovers between members (a case's first partner to another), per run\n");
    std::map<std::pair<std::string, std::string>, std::pair<double, double>> handovers;
    for (const member_referrals& m : referrals_by_member(view, base))
      handovers[{m.from, m.to}].first = m.per_run;
    for (const member_referrals& m : referrals_by_member(view, scen))
      handovers[{m.from, m.to}].second = m.per_run;
    for (const auto& [pair, counts] : handovers) {
      if (what_if)
        fmt::print("  {:>18} → {:<18} {:>8.1f} {:>8.1f}\n", pair.first, pair.second, counts.first,
                   counts.second);
      else
        fmt::print("  {:>18} → {:<18} {:>8.1f}\n", pair.first, pair.second, counts.first);
    }
    fmt::print(
        "\nwaits in days from arrival to referral (of the needs referred); referred, waiting "
        "(at the end), unmet (nothing can cover them) and arrived count needs over {} weeks; "
        "utilisation of the offerings whose partner is at home in the group\n",
        o.weeks);
  });
}

}  // namespace keten::cli
