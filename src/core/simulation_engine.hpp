// src/core/simulation_engine.hpp — the state and the steps of the simulation of
// keten/simulation.hpp, shared by simulation.cpp (set-up, events, the loop) and
// simulation_rounds.cpp (referral rounds). Private to the library.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/random/gamma_distribution.hpp>

#include "keten/allocation.hpp"
#include "keten/matching.hpp"
#include "keten/simulation.hpp"
#include "random.hpp"
#include "synthetic_cases.hpp"

namespace keten::detail::sim {

constexpr double no_time = std::numeric_limits<double>::infinity();
constexpr double days_per_year = 365.0;

/// random_stream as a Boost.Random engine (Boost's distributions are the same code everywhere).
struct engine_ref {
  using result_type = std::uint64_t;
  random_stream* stream;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return stream->next(); }
};

inline double uniform01(random_stream& r) {
  return static_cast<double>(r.next() >> 11) * 0x1p-53;
}
inline double unit_exponential(random_stream& r) {
  return -std::log1p(-uniform01(r));
}
/// The `u`-quantile of the gamma distribution of mean 1 and the given shape (0: exactly 1).
inline double unit_gamma_quantile(double shape, double u) {
  if (shape <= 0) return 1.0;
  if (shape == 1.0) return -std::log1p(-u);
  return boost::math::gamma_p_inv(shape, u) / shape;
}
/// A gamma variate of mean 1 and the given shape (0: exactly 1).
inline double unit_gamma(random_stream& r, double shape) {
  if (shape <= 0) return 1.0;
  engine_ref e{&r};
  return boost::random::gamma_distribution<double>(shape, 1.0 / shape)(e);
}

inline need_outcome outcome_of(unmet_reason r) {
  switch (r) {
    case unmet_reason::no_consent:
      return need_outcome::no_consent;
    case unmet_reason::out_of_area:
      return need_outcome::out_of_area;
    case unmet_reason::excluded:
      return need_outcome::excluded;
    case unmet_reason::not_eligible:
      return need_outcome::not_eligible;
    default:
      return need_outcome::waiting;
  }
}

inline need_outcome outcome_of(rejection r) {
  switch (r) {
    case rejection::excluded:
      return need_outcome::excluded;
    case rejection::not_eligible:
      return need_outcome::not_eligible;
    default:
      return need_outcome::out_of_area;
  }
}

landscape rebuild(const landscape& l, std::span<const partner> partners,
                  std::span<const offering> offerings, bool free_all);

/// True if some offering of the landscape serves municipality `m` (its representative point).
inline bool reached(const landscape& l, municipality_index m) {
  const case_location where{.municipality = l.places()[m].code};
  for (category_index c = 0; c < l.categories().size(); ++c)
    if (!l.offerings_reaching(where, c).empty()) return true;
  return false;
}

/// Target slots of an offering with these units: enough that, busy back to back for the mean
/// duration, they do units_per_period per period (Little's law), rounded up, at least one.
inline std::int32_t target_slots(std::int32_t units, std::int32_t period, double duration) {
  if (units <= 0) return 0;
  return static_cast<std::int32_t>(
      std::max(1.0, std::ceil(units * duration / static_cast<double>(period) - 1e-9)));
}

/// Days a unit rests after a help of `duration` days, so that `slots` busy back to back do
/// `units` per period at full use (one-off jobs: a Present branch of 100 projects a year does one
/// every 3.65 days, not one a day); 0 without units.
inline double rest_days(std::int32_t units, std::int32_t period, std::int32_t slots,
                        double duration) {
  return units > 0 ? std::max(0.0, period * static_cast<double>(slots) / units - duration) : 0.0;
}

/// One offering's capacity and use.
struct offering_state {
  bool in_scope = false;
  bool open = true;
  std::int32_t units_per_period = 0;
  std::int32_t period_days = 365;
  double duration = 1;          // mean help duration, days (≥ 1)
  double shape = 0;             // of the duration's gamma
  double rest = 0;              // days a unit rests after help (one-off jobs)
  std::int32_t target = 0;      // units (slots) the volunteers' count drifts around
  std::int32_t volunteers = 0;  // the drifting count
  std::int32_t units = 0;       // slots now
  std::int32_t busy = 0;
  double last = 0;  // time up to which the integrals run
  double unit_days = 0, busy_days = 0;
  double week_unit_days = 0, week_busy_days = 0;  // at the last week boundary
  std::uint32_t referrals = 0;
  std::int32_t units_start = 0;
  std::uint32_t home = 0;  // local municipality of its partner
  help_form form{};
  bool dirty = true;

  void touch(double now) {
    const double dt = now - last;
    if (dt > 0) {
      unit_days += units * dt;
      busy_days += std::min(busy, units) * dt;
    }
    last = now;
  }
  [[nodiscard]] std::int32_t free() const { return std::max(0, units - busy); }
  /// Fully staffed at its units per period: target slots, as many volunteers and units, the rest.
  void staff_at_target() {
    target = target_slots(units_per_period, period_days, duration);
    volunteers = target;
    units = target;
    rest = rest_days(units_per_period, period_days, target, duration);
  }
};

/// A stream of arrivals of one (municipality, help form) in operational time: the k-th arrival
/// comes when ∫ rate reaches E_1 + … + E_k, so a change of rate stretches the same sequence.
struct arrival_stream {
  municipality_index municipality{};
  help_form form{};
  std::uint32_t local{};  // local municipality index
  double base_rate = 0;   // per day, before demand factors
  double rate = 0;
  double op_next = 0;  // operational time of the next arrival
  double op_ref = 0;   // operational time at t_ref
  double t_ref = 0;
  double next = no_time;
  std::uint32_t count = 0;
  random_stream arrivals;
  random_stream contents;
  random_stream durations;
  std::vector<std::uint32_t> sample;  // resampling: indexes of sample cases
  arrival_stream(std::uint64_t seed, const std::string& key)
      : arrivals(seed, "arrivals/" + key),
        contents(seed, "cases/" + key),
        durations(seed, "durations/" + key) {}
  void set_rate(double now, double new_rate) {
    op_ref += (now - t_ref) * rate;
    t_ref = now;
    rate = new_rate;
    next = rate > 0 ? t_ref + (op_next - op_ref) / rate : no_time;
  }
};

/// What is known of a case across its rounds.
struct case_info {
  std::optional<partner_index> entry;  // partner of its first referral
  std::vector<partner_index> counted;  // partners it was referred to from the entry
};

struct need_record {
  simulated_need need;
  double variate = 0.5;  // quantile of the help's length in its offering's distribution
  std::uint32_t local = 0;
  bool measured = false;
};

/// A case waiting for (some of) its needs.
struct waiting_meta {
  std::uint32_t seq = 0;
  std::vector<std::uint32_t> needs;  // need records, aligned with the case's needs
  int offset = 0;                    // days_waiting given to allocate: fixed priority offset
  bool in_allocator = false;
  bool touched = false;  // needs left the case in this round
};

class engine {
 public:
  engine(const landscape& base, const simulation_options& options, const scenario* what_if)
      : base_(base),
        land_(what_if && has_opened(*what_if) ? with_opened_offerings(base, *what_if) : base),
        options_(options),
        what_if_(what_if),
        round_days_(options.round_days),
        policy_(options.policy),
        demand_(options.demand_factor),
        form_demand_(options.form_demand),
        cases_(land_) {
    check_options();
    warmup_ = options.warmup_weeks * 7.0;
    end_ = warmup_ + options.weeks * 7.0;
    allocation_ = options.allocation;
    allocation_.progress = nullptr;
    set_up_scope();
    set_up_offerings();
    set_up_arrivals();
    set_up_changes();
    result_.seed = options.seed;
    result_.days = options.weeks * 7.0;
    week_count_ = static_cast<std::uint32_t>(std::ceil(options.weeks - 1e-9));
    weeks_.assign(static_cast<std::size_t>(week_count_) * global_.size() * help_form_count, {});
    waiting_count_.assign(global_.size() * help_form_count, 0);
  }

  simulation_result run();
  simulation_result finish();

 private:
  static bool has_opened(const scenario& s) {
    return std::any_of(s.changes.begin(), s.changes.end(),
                       [](const scenario_change& c) { return c.opened.has_value(); });
  }
  void check_options() const;
  void set_up_scope();
  void set_up_offerings();
  void set_up_arrivals();
  void set_up_changes();
  std::uint32_t local_of(municipality_index m);

  void advance_to(double t);
  void arrive(arrival_stream& s, double now);
  void complete(offering_index o, double now);
  void volunteer_day(double now);
  void apply_change(const scenario_change& c, double now);
  void set_units(offering_index o, std::int32_t units, double now);
  void end_week(std::uint32_t week, double now);
  void end_warmup(double now);

  void round(double now);
  void round_allocate(double now, bool warm);
  void round_match(double now);
  void drop_warm();
  void refer(std::size_t w, std::uint32_t need_position, offering_index o, double now);
  void final_outcome(std::uint32_t rec, need_outcome why, double now);
  void compact_waiting();
  void schedule_completion(offering_index o, double at) { completions_.push({at, o}); }
  week_row& row(std::uint32_t week, std::uint32_t local, help_form f) {
    return weeks_[(static_cast<std::size_t>(week) * global_.size() + local) * help_form_count +
                  static_cast<std::size_t>(f)];
  }
  [[nodiscard]] std::uint32_t week_of(double t) const {
    return static_cast<std::uint32_t>(
        std::min<double>(std::floor((t - warmup_) / 7.0), week_count_ - 1.0));
  }
  void count_waiting(const need_record& r, int delta) {
    waiting_count_[r.local * help_form_count +
                   static_cast<std::size_t>(land_.categories()[r.need.category].form)] += delta;
  }

  const landscape& base_;
  landscape land_;
  const simulation_options& options_;
  const scenario* what_if_;
  double round_days_;
  referral_policy policy_;
  double demand_;
  std::array<double, help_form_count> form_demand_;
  detail::case_source cases_;
  allocation_policy allocation_;
  double warmup_ = 0, end_ = 0;
  bool measuring_ = false;

  std::vector<municipality_index> global_;  // local → global municipality
  std::vector<std::int32_t> local_index_;   // global → local, −1
  std::vector<bool> arrivals_here_;         // by global municipality
  std::vector<offering_state> offerings_;   // by offering index
  std::vector<offering_index> scope_;       // offerings in scope
  std::vector<arrival_stream> streams_;
  std::vector<std::pair<double, const scenario_change*>> changes_;  // by time
  std::vector<random_stream> volunteer_rng_;                        // by position in scope_

  using timed = std::pair<double, offering_index>;
  std::priority_queue<timed, std::vector<timed>, std::greater<>> completions_;

  std::vector<need_record> records_;
  std::vector<case_info> info_;
  std::vector<help_case> waiting_;  // in arrival order
  std::vector<waiting_meta> meta_;
  std::unique_ptr<allocator> warm_;
  std::vector<std::uint32_t> allocator_seq_;                 // allocator case index → seq
  std::vector<std::vector<std::uint32_t>> allocator_needs_;  // → need records
  std::unordered_map<std::uint32_t, std::size_t> position_;  // seq → index in waiting_
  std::optional<landscape> match_land_;

  std::uint32_t week_count_ = 0;
  std::uint32_t next_week_ = 0;
  std::vector<week_row> weeks_;
  std::vector<std::int32_t> waiting_count_;
  std::unordered_map<std::uint64_t, std::uint32_t> pair_counts_;
  simulation_result result_;
};

}  // namespace keten::detail::sim
