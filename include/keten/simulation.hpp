// keten/simulation.hpp — what-if simulation: weeks to years of demand, referral rounds and help.
//
// simulate() is a discrete-event simulation in continuous time (days). Cases arrive per
// municipality and help form as Poisson processes; referral rounds (every round_days, or at every
// arrival and every freed unit when round_days is 0) hand the waiting needs to offerings with the
// warm keten::allocator (or allocate() from scratch, or match() per case in arrival order); an
// assigned need occupies one unit of its offering for a duration drawn per help form; capacity
// frees when help ends; volunteers join and leave. docs/simulation.md gives the model, the
// distributions and where their parameters come from, and the validation (Erlang C, ciw).
//
// Scenarios are data (a keten.scenario JSON document): capacity changes, a team opened or closed,
// a policy change (round frequency, referral policy, demand). Runs are reproducible from a seed,
// and every random purpose has its own stream (arrivals and the cases' contents per municipality
// and help form, volunteers per offering, the initial state per offering), so that a baseline and
// a scenario run with the same seed see the same arrivals and durations (common random numbers):
// compare() reports differences against the baseline with confidence intervals over seeds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/gaps.hpp"
#include "keten/landscape.hpp"
#include "keten/offering.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

/// How a referral round hands out the free units.
enum class referral_policy : std::uint8_t {
  allocate = 0,       ///< keten::allocator: all waiting needs at once, warm from the last round
  allocate_cold = 1,  ///< allocate() from scratch every round (same optimum; the speed peer)
  match = 2,          ///< match() per case in arrival order, the best bundle that has free units
};
[[nodiscard]] std::string_view to_string(referral_policy p) noexcept;
[[nodiscard]] std::optional<referral_policy> parse_referral_policy(std::string_view text) noexcept;

/// Shape of the gamma distribution of help durations per help form (the mean is the offering's
/// typical_duration_days; offerings of at most one day are deterministic). 0 = deterministic.
/// money 2 (a debt buddy 3 months to 3 years: the central 90 % of a gamma(2) with mean 390 days
/// is 69–925 days); the others are assumptions (docs/simulation.md).
inline constexpr std::array<double, help_form_count> default_duration_shapes{2.0, 1.5, 8.0, 0.0,
                                                                             2.0};

struct simulation_options {
  double weeks{52};          ///< measured period, > 0
  double warmup_weeks{0};    ///< simulated before the measured period, not counted; ≥ 0
  std::uint64_t seed{2022};  ///< every random stream derives from it
  /// Days between referral rounds (1 daily, 7 weekly; fractions allowed); 0 = a round at every
  /// arrival and every freed unit (continuous referral).
  double round_days{1};
  referral_policy policy{referral_policy::allocate};
  /// Weights and options of allocate (policy.progress is ignored); waiting_day counts days waited.
  allocation_policy allocation{};
  /// Multiplies every arrival rate; per help form another factor on top.
  double demand_factor{1.0};
  std::array<double, help_form_count> form_demand{1, 1, 1, 1, 1};
  /// Synthetic arrivals: needs per 1,000 inhabitants per year by help form — by default the
  /// documented rates of the gap analysis (keten/gaps.hpp, docs/data.md "Demand rates"); cases
  /// arrive per municipality and help form of their first need at this rate divided by the mean
  /// needs per case (2.26), and draw further needs as generate_cases() does.
  demand_rates rates{demand_rates::standard()};
  /// Resampled arrivals instead: if not empty, cases are drawn from these (with fresh ids), each
  /// (municipality, help form of the first need) at the rate it has in the sample, which spans
  /// sample_days days. Every case must be valid for the landscape.
  std::vector<help_case> sample;
  double sample_days{7};
  /// Arrivals only in these municipalities (CBS codes; a region shard); empty = every
  /// municipality that some offering of the landscape serves.
  std::vector<std::string> municipalities;
  std::array<double, help_form_count> duration_shapes{default_duration_shapes};
  /// Share of an offering's volunteers (units) who leave per year, replaced on average by as many
  /// joining (a birth–death process around the offering's units); 0 = fixed capacity.
  double volunteer_turnover{0.2};
  /// Called with (days simulated, days in all) after each simulated day; may be empty.
  std::function<void(double done, double total)> progress;
};

/// What became of a need by the end of the run.
enum class need_outcome : std::uint8_t {
  referred = 0,      ///< handed to an offering in a round
  waiting = 1,       ///< still waiting at the end (capacity exhausted)
  no_consent = 2,    ///< the case gave no consent: nothing is shared
  out_of_area = 3,   ///< nothing of the category serves the case's location
  excluded = 4,      ///< every offering in reach belongs to a partner the person excluded
  not_eligible = 5,  ///< the case is eligible for no offering in reach
};
inline constexpr std::size_t need_outcome_count = 6;
[[nodiscard]] std::string_view to_string(need_outcome o) noexcept;

/// One need that arrived in the measured period.
struct simulated_need {
  std::uint32_t case_number{};  ///< arrival order of its case, from 0 (opaque)
  std::uint32_t need_index{};   ///< in its case
  municipality_index municipality{};
  category_index category{};
  double arrived{};   ///< day (0 = start of the measured period)
  double referred{};  ///< day of the referral; NaN unless outcome == referred
  std::optional<offering_index> offering;
  need_outcome outcome{need_outcome::waiting};
  [[nodiscard]] double wait() const noexcept { return referred - arrived; }
};

/// One offering over the measured period.
struct offering_usage {
  offering_index offering{};
  double unit_days{};  ///< ∫ units dt
  double busy_days{};  ///< ∫ busy units dt (help under way, and the rest after one-off jobs)
  std::uint32_t referrals{};
  std::int32_t units_start{};
  std::int32_t units_end{};
  [[nodiscard]] double utilisation() const noexcept {
    return unit_days > 0 ? busy_days / unit_days : 0.0;
  }
};

/// One week of one municipality and help form (weeks of the measured period, from 0).
struct week_row {
  std::uint32_t week{};
  municipality_index municipality{};
  help_form form{};
  std::uint32_t arrived{};   ///< needs that arrived
  std::uint32_t referred{};  ///< needs referred
  std::uint32_t unmet{};     ///< needs found uncoverable (no consent, area, …)
  std::uint32_t waiting{};   ///< needs waiting at the end of the week
  double wait_days{};        ///< Σ waits of the needs referred
  double unit_days{};        ///< of the offerings whose partner is at home here
  double busy_days{};
};

/// A warm handover: a case first helped by partner `from` referred to partner `to` for another
/// need (counted once per case and pair).
struct partner_referral {
  partner_index from{};
  partner_index to{};
  std::uint32_t count{};
};

struct simulation_result {
  std::uint64_t seed{};
  double days{};                          ///< measured days
  std::size_t rounds{};                   ///< referral rounds, warm-up included
  double round_seconds{};                 ///< wall time spent in rounds (solving, reading results)
  std::size_t cases{};                    ///< cases that arrived in the measured period
  std::size_t sample_skipped{};           ///< sample cases left out: no municipality
  std::vector<simulated_need> needs;      ///< by arrival
  std::vector<offering_usage> offerings;  ///< those in reach of the arrivals' municipalities
  std::vector<week_row> weeks;            ///< rows with anything in them
  std::vector<partner_referral> referrals;
};

/// A scenario: changes of capacity, teams opened or closed, policy changes, each from a week of
/// the measured period on (warm-up runs the baseline).
struct scenario_change {
  enum class kind : std::uint8_t {
    set_units,    ///< offering's units_per_period := value
    add_units,    ///< offering's units_per_period += value (≥ 0 after)
    scale_units,  ///< offering's units_per_period := round(units × value)
    close,        ///< offering takes no new referrals (units 0); help under way ends as drawn
    open,         ///< a new offering (and partner) starts with its units
    round_days,   ///< options.round_days := value
    policy,       ///< options.policy := referral
    demand,       ///< demand factor := value (of `form`, or of all)
  };
  kind what{};
  double week{};
  std::string offering;  ///< id (set/add/scale/close; open: the new offering's id)
  double value{};
  referral_policy referral{};
  std::optional<help_form> form;
  std::optional<keten::offering> opened;  ///< open
  std::optional<partner> opened_partner;  ///< open, if its partner is new
};

struct scenario {
  std::string name;
  std::string description;
  std::vector<scenario_change> changes;
};

/// The identifier of a scenario document.
inline constexpr std::string_view scenario_format = "keten.scenario";

/// Parses a keten.scenario document (docs/simulation.md) against the landscape: every offering it
/// names must exist (or be opened earlier in the file), an opened offering must be valid and its
/// partner known or given. Throws parse_error (syntax with line and column; wrong type, missing
/// or unknown field), validation_error (a value out of range, an opened offering that breaks a
/// rule, an id opened twice) or not_found_error (an unknown offering or partner), each naming
/// the source, the JSON pointer, the field and the id. O(size of text + opened offerings).
[[nodiscard]] scenario parse_scenario_json(std::string_view text, const landscape& l,
                                           std::string_view source_name = "<string>");
[[nodiscard]] scenario load_scenario_json(const std::filesystem::path& path, const landscape& l);

/// Runs the simulation of `options.seed`, with the scenario's changes if one is given. Throws
/// validation_error for bad options (weeks ≤ 0, negative rates, a sample case invalid for the
/// landscape, …) and not_found_error for an unknown municipality code. Cost: per round the
/// policy's solve (docs/simulation.md measures it), plus O(offerings in reach) per day for the
/// volunteers and O(needs) in all.
[[nodiscard]] simulation_result simulate(const landscape& l, const simulation_options& options,
                                         const scenario* what_if = nullptr);

/// The landscape with a scenario's opened partners and offerings appended (existing indexes stay):
/// what simulate() runs on. Throws as landscape_builder does.
[[nodiscard]] landscape with_opened_offerings(const landscape& l, const scenario& what_if);

// --- summaries ---------------------------------------------------------------------------------

/// How summary rows are grouped.
enum class simulation_grouping : std::uint8_t { total = 0, help_form = 1, municipality = 2 };

/// One row of a summary: a municipality (or all) and a help form (or all).
struct simulation_summary_row {
  std::optional<municipality_index> municipality;
  std::optional<help_form> form;
  std::size_t arrived{};
  std::size_t referred{};
  std::array<std::size_t, need_outcome_count> outcomes{};  ///< by need_outcome
  double wait_mean{};    ///< of the referred needs, days; NaN if none
  double wait_median{};  ///< NaN if none
  double wait_p90{};     ///< NaN if none
  double utilisation{};  ///< of the offerings whose partner's home is in the group; NaN if none
  double units{};        ///< mean units over the period (of those offerings)
};

/// The rows of one run: by help form and municipality (rows with arrivals or offerings), by help
/// form, or one total. Percentiles are the nearest-rank ones. `l` is the landscape the run used:
/// for a scenario that opens offerings, with_opened_offerings(landscape, scenario); throws
/// validation_error if the result names an offering `l` does not have. O(needs log needs).
[[nodiscard]] std::vector<simulation_summary_row> summarize(const landscape& l,
                                                            const simulation_result& r,
                                                            simulation_grouping by);

/// A mean over seeds with its confidence interval (Student t on the seeds' values).
struct seed_estimate {
  double mean{};
  double low{};   ///< NaN with fewer than two seeds
  double high{};  ///< NaN with fewer than two seeds
  std::size_t seeds{};
};
/// The metrics compare() reports, by name.
inline constexpr std::array<std::string_view, 8> simulation_metrics{
    "wait_mean", "wait_median", "wait_p90",    "referred",
    "waiting",   "unmet",       "utilisation", "arrived"};

/// The mean of values (NaN values left out) and its `confidence` interval. Throws
/// validation_error unless 0 < confidence < 1.
[[nodiscard]] seed_estimate estimate_mean(std::span<const double> values, double confidence = 0.95);

/// One metric of one group, baseline against scenario, paired by seed.
struct metric_comparison {
  std::optional<municipality_index> municipality;
  std::optional<help_form> form;
  std::string_view metric;
  seed_estimate baseline;
  seed_estimate scenario;
  seed_estimate difference;  ///< scenario − baseline, per seed (common random numbers)
};

/// The metrics of simulation_metrics per group, baseline[i] against what_if[i] (the same seed),
/// with `confidence` intervals over the seeds, on the scenario's landscape (as summarize). Throws
/// validation_error if the spans differ in length or are empty, or the seeds of a pair differ.
/// O(Σ summarize).
[[nodiscard]] std::vector<metric_comparison> compare(const landscape& l,
                                                     std::span<const simulation_result> baseline,
                                                     std::span<const simulation_result> what_if,
                                                     simulation_grouping by,
                                                     double confidence = 0.95);

/// The region shards of the landscape: the municipalities some offering serves, grouped so that
/// no offering serves two groups (connected components of the "offering may serve municipality"
/// relation, packed into at most `count` groups of about equal population, largest first).
/// Simulating each group with options.municipalities set to it is the whole simulation split into
/// independent parts. An offering listing PC4 areas joins every municipality (keten knows no PC4
/// table). O(offerings × municipalities reached + municipalities log municipalities).
[[nodiscard]] std::vector<std::vector<std::string>> simulation_shards(const landscape& l,
                                                                      std::size_t count);

/// Warm handovers between member organisations: per (from member, to member) the mean count per
/// run over `runs` (on the landscape the runs used), largest first. O(Σ referrals).
struct member_referrals {
  std::string from;  ///< member organisation of the case's first partner
  std::string to;    ///< member organisation it handed the case over to
  double per_run{};
};
[[nodiscard]] std::vector<member_referrals> referrals_by_member(
    const landscape& l, std::span<const simulation_result> runs);

/// The runs of the shards of one simulation (the same seed and length, disjoint municipalities) as
/// one result: needs, offerings and weeks side by side (case numbers of later parts shifted past
/// the earlier ones'), referrals between partners added up, rounds and their time added up.
/// Throws validation_error if the seeds or the measured days differ. O(size of the parts).
[[nodiscard]] simulation_result merge_results(std::span<const simulation_result> parts);

// --- JSON ----------------------------------------------------------------------------------

inline constexpr std::string_view simulation_format = "keten.simulation";

/// A keten.simulation document: the settings, and per group the metrics over seeds (one run set)
/// or the comparison (with a scenario). Of cases nothing but counts is written.
[[nodiscard]] std::string simulation_to_json(const landscape& l, const simulation_options& options,
                                             std::span<const simulation_result> baseline,
                                             std::span<const simulation_result> what_if,
                                             const scenario* what, simulation_grouping by,
                                             int indent = 1);

}  // namespace keten
