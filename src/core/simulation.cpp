// The discrete-event simulation of keten/simulation.hpp: set-up (scope, offerings, arrival
// streams), events (arrivals, freed units, volunteers, scenario changes, weeks) and the loop.
// The referral rounds are in simulation_rounds.cpp.
#include "keten/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "keten/error.hpp"
#include "simulation_engine.hpp"

namespace keten {

namespace detail::sim {

void engine::check_options() const {
  const auto bad = [](std::string_view field, std::string message) {
    throw validation_error(error_code::invalid_value, std::move(message),
                           {.field = std::string(field)});
  };
  const simulation_options& o = options_;
  if (!(o.weeks > 0) || o.weeks > 52 * 200) bad("weeks", "weeks must be in (0, 10400]");
  if (!(o.warmup_weeks >= 0) || o.warmup_weeks > 52 * 200)
    bad("warmup_weeks", "warmup_weeks must be in [0, 10400]");
  if (!(o.round_days >= 0) || o.round_days > 365)
    bad("round_days", "round_days must be in [0, 365]");
  if (!(o.demand_factor >= 0) || !std::isfinite(o.demand_factor))
    bad("demand_factor", "demand_factor must be a finite number ≥ 0");
  for (std::size_t f = 0; f < help_form_count; ++f) {
    if (!(o.form_demand[f] >= 0) || !std::isfinite(o.form_demand[f]))
      bad("form_demand", "form_demand must be finite numbers ≥ 0");
    if (!(o.rates.per_1000[f] >= 0) || !std::isfinite(o.rates.per_1000[f]))
      bad("rates", "rates must be finite numbers ≥ 0");
    if (!(o.duration_shapes[f] >= 0) || !std::isfinite(o.duration_shapes[f]))
      bad("duration_shapes", "duration_shapes must be finite numbers ≥ 0");
  }
  if (!(o.volunteer_turnover >= 0) || o.volunteer_turnover > 50)
    bad("volunteer_turnover", "volunteer_turnover must be in [0, 50] per year");
  if (!o.sample.empty() && !(o.sample_days > 0)) bad("sample_days", "sample_days must be > 0");
}

std::uint32_t engine::local_of(municipality_index m) {
  if (local_index_[m] < 0) {
    local_index_[m] = static_cast<std::int32_t>(global_.size());
    global_.push_back(m);
  }
  return static_cast<std::uint32_t>(local_index_[m]);
}

void engine::set_up_scope() {
  const geography& places = land_.places();
  local_index_.assign(places.size(), -1);
  arrivals_here_.assign(places.size(), false);
  for (const std::string& code : options_.municipalities)
    arrivals_here_[places.index_of(code)] = true;
  if (options_.municipalities.empty())
    for (municipality_index m = 0; m < places.size(); ++m)
      arrivals_here_[m] = reached(base_, m);
  for (municipality_index m = 0; m < places.size(); ++m)
    if (arrivals_here_[m]) (void)local_of(static_cast<municipality_index>(m));
  // The offerings that may serve a case in the scope: what candidates() lists for its
  // municipalities (a superset of what serves them), and every offering that lists PC4 areas.
  std::vector<bool> in_scope(land_.offerings().size(), false);
  for (municipality_index m = 0; m < places.size(); ++m) {
    if (!arrivals_here_[m]) continue;
    for (std::size_t c = 0; c < land_.categories().size(); ++c)
      for (offering_index o :
           land_.candidates(static_cast<municipality_index>(m), static_cast<category_index>(c)))
        in_scope[o] = true;
  }
  for (std::size_t o = 0; o < land_.offerings().size(); ++o)
    if (!land_.offerings()[o].area.postcodes.empty()) in_scope[o] = true;
  offerings_.resize(land_.offerings().size());
  for (std::size_t o = 0; o < in_scope.size(); ++o) {
    offerings_[o].in_scope = in_scope[o];
    if (in_scope[o]) scope_.push_back(static_cast<offering_index>(o));
  }
}

void engine::set_up_offerings() {
  std::vector<std::string> opened_later;
  if (what_if_)
    for (const scenario_change& c : what_if_->changes)
      if (c.opened) opened_later.push_back(c.opened->id);
  for (offering_index o : scope_) {
    const offering& x = land_.offerings()[o];
    offering_state& s = offerings_[o];
    s.units_per_period = x.units.units_per_period;
    s.period_days = x.units.period_days;
    s.duration = std::max(1, x.units.typical_duration_days);
    s.form = land_.categories()[land_.categories_of(o).front()].form;
    s.shape = x.units.typical_duration_days <= 1
                  ? 0.0
                  : options_.duration_shapes[static_cast<int>(s.form)];
    const municipality_index home =
        land_.places().index_of(land_.partners()[land_.partner_of(o)].municipality);
    s.home = local_of(home);
    s.open = std::find(opened_later.begin(), opened_later.end(), x.id) == opened_later.end();
    volunteer_rng_.emplace_back(options_.seed, "volunteers/" + x.id);
    if (!s.open) continue;
    s.staff_at_target();
    // The landscape's free units say how much is in use now: that share of the slots starts busy,
    // each unit with the remaining part (uniform) of a help drawn as usual.
    if (s.units_per_period > 0) {
      const double free_share =
          std::clamp(static_cast<double>(x.units.free_units) / s.units_per_period, 0.0, 1.0);
      s.busy = s.units - static_cast<std::int32_t>(std::lround(s.units * free_share));
      random_stream initial(options_.seed, "initial/" + x.id);
      for (std::int32_t k = 0; k < s.busy; ++k) {
        const double length = unit_gamma(initial, s.shape) * s.duration + s.rest;
        schedule_completion(o, uniform01(initial) * length);
      }
    }
  }
}

void engine::set_up_arrivals() {
  const geography& places = land_.places();
  if (options_.sample.empty()) {
    const double needs_per_case = detail::mean_needs_per_case();
    for (municipality_index m = 0; m < places.size(); ++m) {
      if (!arrivals_here_[m]) continue;
      for (std::size_t f = 0; f < help_form_count; ++f) {
        arrival_stream s(options_.seed,
                         fmt::format("{}/{}", places[m].code, to_string(all_help_forms[f])));
        s.municipality = m;
        s.form = all_help_forms[f];
        s.base_rate = options_.rates.per_1000[f] * places[m].population / 1000.0 / needs_per_case /
                      days_per_year;
        streams_.push_back(std::move(s));
      }
    }
  } else {
    std::map<std::pair<municipality_index, help_form>, std::vector<std::uint32_t>> groups;
    for (std::size_t i = 0; i < options_.sample.size(); ++i) {
      const help_case& c = options_.sample[i];
      try {
        validate(c, land_.categories(), land_.places());
      } catch (const error& e) {
        rethrow_with_position(e, {.field = fmt::format("sample[{}]", i), .object_id = c.id});
      }
      if (c.location.municipality.empty()) {  // the unit of arrivals and of every table
        ++result_.sample_skipped;
        continue;
      }
      const municipality_index m = places.index_of(c.location.municipality);
      if (!arrivals_here_[m]) continue;
      groups[{m, land_.categories()[land_.categories().index_of(c.needs.front().category)].form}]
          .push_back(static_cast<std::uint32_t>(i));
    }
    for (auto& [key, members] : groups) {
      arrival_stream s(options_.seed,
                       fmt::format("{}/{}", places[key.first].code, to_string(key.second)));
      s.municipality = key.first;
      s.form = key.second;
      s.base_rate = static_cast<double>(members.size()) / options_.sample_days;
      s.sample = std::move(members);
      streams_.push_back(std::move(s));
    }
  }
  for (arrival_stream& s : streams_) {
    s.local = local_of(s.municipality);
    s.op_next = unit_exponential(s.arrivals);
    s.set_rate(0, s.base_rate * demand_ * form_demand_[static_cast<std::size_t>(s.form)]);
  }
}

void engine::set_up_changes() {
  if (!what_if_) return;
  for (const scenario_change& c : what_if_->changes)
    changes_.emplace_back(warmup_ + c.week * 7.0, &c);
  std::stable_sort(changes_.begin(), changes_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

// --- events ------------------------------------------------------------------------------------

void engine::arrive(arrival_stream& s, double now) {
  const auto seq = static_cast<std::uint32_t>(info_.size());
  const std::string id = fmt::format("c{}", seq);
  help_case c = s.sample.empty() ? cases_.draw(s.contents, id, s.municipality, s.form)
                                 : options_.sample[s.sample[s.contents.below(s.sample.size())]];
  c.id = id;
  info_.emplace_back();
  waiting_meta meta{.seq = seq};
  const bool measured = now >= warmup_;
  for (std::size_t i = 0; i < c.needs.size(); ++i) {
    need_record r;
    r.need.case_number = seq;
    r.need.need_index = static_cast<std::uint32_t>(i);
    r.need.municipality = s.municipality;
    r.need.category = land_.categories().index_of(c.needs[i].category);
    r.need.arrived = now - warmup_;
    r.need.referred = std::numeric_limits<double>::quiet_NaN();
    // The help's relative length as a quantile, one draw per need from its own stream, so that
    // the same need is helped as long (relative to the offering's mean) in every scenario.
    r.variate = uniform01(s.durations);
    r.local = s.local;
    r.measured = measured;
    meta.needs.push_back(static_cast<std::uint32_t>(records_.size()));
    records_.push_back(r);
  }
  meta.offset = static_cast<int>(std::ceil(end_) - std::floor(now));
  for (std::uint32_t rec : meta.needs) {
    count_waiting(records_[rec], +1);
    if (measured) {
      ++row(week_of(now), records_[rec].local, land_.categories()[records_[rec].need.category].form)
            .arrived;
    }
  }
  if (measured) ++result_.cases;
  position_[seq] = waiting_.size();
  waiting_.push_back(std::move(c));
  meta_.push_back(std::move(meta));
  ++s.count;
  s.op_next += unit_exponential(s.arrivals);
  s.next = s.rate > 0 ? s.t_ref + (s.op_next - s.op_ref) / s.rate : no_time;
}

void engine::complete(offering_index o, double now) {
  offering_state& s = offerings_[o];
  s.touch(now);
  --s.busy;
  s.dirty = true;
}

/// A day of the volunteers of every offering in scope: joins are Poisson with mean turnover ×
/// target / 365, each volunteer leaves with probability turnover / 365 (a birth–death process
/// around the target); the slots follow the count in proportion to the current units.
void engine::volunteer_day(double now) {
  const double p = options_.volunteer_turnover / days_per_year;
  if (p <= 0) return;
  for (std::size_t k = 0; k < scope_.size(); ++k) {
    offering_state& s = offerings_[scope_[k]];
    if (!s.open || s.target <= 0) continue;
    engine_ref e{&volunteer_rng_[k]};
    const int joins = boost::random::poisson_distribution<int, double>(p * s.target)(e);
    const int leaves = s.volunteers > 0
                           ? boost::random::binomial_distribution<int, double>(s.volunteers, p)(e)
                           : 0;
    if (joins == leaves) continue;
    s.volunteers += joins - leaves;
    set_units(scope_[k], s.units_per_period, now);
  }
}

/// Sets an offering's units per period (a scenario, or the volunteers' drift with the same units):
/// slots = the drifting count scaled from the target of the landscape's units to the new units.
void engine::set_units(offering_index o, std::int32_t units, double now) {
  offering_state& s = offerings_[o];
  s.touch(now);
  const std::int32_t new_target = target_slots(units, s.period_days, s.duration);
  s.units = s.target > 0 ? static_cast<std::int32_t>(std::lround(
                               s.volunteers * static_cast<double>(new_target) / s.target))
                         : new_target;
  if (units != s.units_per_period) {
    s.units_per_period = units;
    s.rest = rest_days(units, s.period_days, new_target, s.duration);
  }
  s.dirty = true;
}

void engine::apply_change(const scenario_change& c, double now) {
  using kind = scenario_change::kind;
  const auto offering_of = [&] { return *land_.find_offering(c.offering); };
  switch (c.what) {
    case kind::set_units:
    case kind::add_units:
    case kind::scale_units:
    case kind::close: {
      const offering_index o = offering_of();
      if (!offerings_[o].in_scope) return;
      const std::int32_t now_units = offerings_[o].units_per_period;
      double units = c.value;
      if (c.what == kind::add_units) units = now_units + c.value;
      if (c.what == kind::scale_units) units = std::round(now_units * c.value);
      if (c.what == kind::close) units = 0;
      set_units(o, static_cast<std::int32_t>(std::clamp(units, 0.0, 1e9)), now);
      return;
    }
    case kind::open: {
      const offering_index o = offering_of();
      offering_state& s = offerings_[o];
      if (!s.in_scope) return;
      s.touch(now);
      s.open = true;
      s.staff_at_target();
      s.dirty = true;
      return;
    }
    case kind::round_days:
      round_days_ = c.value;
      return;
    case kind::policy:
      policy_ = c.referral;
      return;
    case kind::demand:
      if (c.form)
        form_demand_[static_cast<std::size_t>(*c.form)] = c.value;
      else
        demand_ = c.value;
      for (arrival_stream& s : streams_)
        s.set_rate(now, s.base_rate * demand_ * form_demand_[static_cast<std::size_t>(s.form)]);
      return;
  }
}

void engine::end_warmup(double now) {
  measuring_ = true;
  for (offering_index o : scope_) {
    offering_state& s = offerings_[o];
    s.touch(now);
    s.unit_days = s.busy_days = s.week_unit_days = s.week_busy_days = 0;
    s.referrals = 0;
    s.units_start = s.units;
  }
}

void engine::end_week(std::uint32_t week, double now) {
  for (offering_index o : scope_) {
    offering_state& s = offerings_[o];
    s.touch(now);
    week_row& r = row(week, s.home, s.form);
    r.unit_days += s.unit_days - s.week_unit_days;
    r.busy_days += s.busy_days - s.week_busy_days;
    s.week_unit_days = s.unit_days;
    s.week_busy_days = s.busy_days;
  }
  for (std::uint32_t m = 0; m < global_.size(); ++m)
    for (std::size_t f = 0; f < help_form_count; ++f)
      row(week, m, all_help_forms[f]).waiting =
          static_cast<std::uint32_t>(std::max(0, waiting_count_[m * help_form_count + f]));
}

// --- the loop ----------------------------------------------------------------------------------

simulation_result engine::run() {
  using stream_time = std::pair<double, std::size_t>;
  std::priority_queue<stream_time, std::vector<stream_time>, std::greater<>> arrivals;
  const auto rebuild_arrivals = [&] {
    arrivals = {};
    for (std::size_t k = 0; k < streams_.size(); ++k)
      if (streams_[k].next < no_time) arrivals.push({streams_[k].next, k});
  };
  rebuild_arrivals();
  std::size_t next_change = 0;
  double next_day = 1;
  double next_round = round_days_ > 0 ? 0 : no_time;
  double next_week_end = warmup_ + 7.0;
  if (warmup_ <= 0) end_warmup(0);
  bool round_due = false;  // continuous referral: a round after arrivals and freed units
  double now = 0;
  for (;;) {
    const double t_arrival = arrivals.empty() ? no_time : arrivals.top().first;
    const double t_done = completions_.empty() ? no_time : completions_.top().first;
    const double t_change = next_change < changes_.size() ? changes_[next_change].first : no_time;
    const double t_warmup = measuring_ ? no_time : warmup_;
    const double t_week = next_week_ < week_count_ ? std::min(next_week_end, end_) : no_time;
    const double t =
        std::min({t_arrival, t_done, t_change, t_warmup, t_week, next_day, next_round});
    if (round_due && round_days_ <= 0 && t > now && now < end_) {
      round_due = false;  // every event of this instant is in: refer now
      round(now);
      continue;
    }
    if (t > end_ || (t == end_ && t != t_week)) break;
    now = t;
    // At one instant: freed units, scenario changes, the warm-up's end, a week's end, the day's
    // volunteers, arrivals, then the round.
    if (t == t_done) {
      const offering_index o = completions_.top().second;
      completions_.pop();
      complete(o, t);
      round_due = true;
    } else if (t == t_change) {
      const scenario_change& c = *changes_[next_change++].second;
      apply_change(c, t);
      if (c.what == scenario_change::kind::demand) rebuild_arrivals();
      if (c.what == scenario_change::kind::round_days)
        next_round = round_days_ > 0 ? std::ceil(t / round_days_ - 1e-9) * round_days_ : no_time;
      round_due = true;
    } else if (t == t_warmup) {
      end_warmup(t);
    } else if (t == t_week) {
      end_week(next_week_++, t);
      next_week_end += 7.0;
    } else if (t == next_day) {
      volunteer_day(t);
      if (options_.progress) options_.progress(std::min(t, end_), end_);
      next_day += 1;
      round_due = true;
    } else if (t == t_arrival) {
      const std::size_t k = arrivals.top().second;
      arrivals.pop();
      arrive(streams_[k], t);
      if (streams_[k].next < no_time) arrivals.push({streams_[k].next, k});
      round_due = true;
    } else {
      round(t);
      next_round += round_days_;
    }
  }
  return finish();
}

simulation_result engine::finish() {
  for (offering_index o : scope_) {
    const offering_state& s = offerings_[o];
    result_.offerings.push_back({.offering = o,
                                 .unit_days = s.unit_days,
                                 .busy_days = s.busy_days,
                                 .referrals = s.referrals,
                                 .units_start = s.units_start,
                                 .units_end = s.units});
  }
  for (const need_record& r : records_)
    if (r.measured) result_.needs.push_back(r.need);
  for (std::uint32_t w = 0; w < week_count_; ++w)
    for (std::uint32_t m = 0; m < global_.size(); ++m)
      for (help_form f : all_help_forms) {
        week_row r = row(w, m, f);
        if (r.arrived == 0 && r.referred == 0 && r.unmet == 0 && r.waiting == 0 && r.unit_days == 0)
          continue;
        r.week = w;
        r.municipality = global_[m];
        r.form = f;
        result_.weeks.push_back(r);
      }
  for (const auto& [key, count] : pair_counts_)
    result_.referrals.push_back({static_cast<partner_index>(key >> 32),
                                 static_cast<partner_index>(key & 0xFFFFFFFFu), count});
  std::sort(result_.referrals.begin(), result_.referrals.end(),
            [](const partner_referral& a, const partner_referral& b) {
              return std::tie(a.from, a.to) < std::tie(b.from, b.to);
            });
  return std::move(result_);
}

/// A copy of `l` with more partners and offerings (appended: existing indexes stay); with
/// `free_all`, every offering's free units are its units per period (match() then sees no
/// waitlist: the simulation keeps the free units itself).
landscape rebuild(const landscape& l, std::span<const partner> partners,
                  std::span<const offering> offerings, bool free_all) {
  landscape_builder b(std::make_shared<const geography>(l.places()));
  b.set_name(l.name());
  const taxonomy& standard = taxonomy::standard();
  for (const need_category& c : l.categories().categories())
    if (!standard.find(c.id)) b.add_category(c);
  for (const partner& p : l.partners())
    b.add_partner(p);
  for (const partner& p : partners)
    b.add_partner(p);
  const auto add = [&](offering o) {
    if (free_all) o.units.free_units = o.units.units_per_period;
    b.add_offering(std::move(o));
  };
  for (const offering& o : l.offerings())
    add(o);
  for (const offering& o : offerings)
    add(o);
  for (const complementarity& c : l.complementarities())
    b.add_complementarity(c);
  for (const precedence& p : l.precedences())
    b.add_precedence(p);
  const std::size_t standard_forms = standard_cooperation_forms().size();
  const std::size_t standard_roles = standard_initiator_roles().size();
  for (std::size_t k = standard_forms; k < l.cooperation_forms().size(); ++k)
    b.add_cooperation_form(l.cooperation_forms()[k]);
  for (std::size_t k = standard_roles; k < l.initiator_roles().size(); ++k)
    b.add_initiator_role(l.initiator_roles()[k]);
  for (const local_chain& c : l.chains())
    b.add_chain(c);
  return b.build();
}

}  // namespace detail::sim

std::string_view to_string(referral_policy p) noexcept {
  switch (p) {
    case referral_policy::allocate:
      return "allocate";
    case referral_policy::allocate_cold:
      return "allocate_cold";
    case referral_policy::match:
      return "match";
  }
  return "allocate";
}

std::optional<referral_policy> parse_referral_policy(std::string_view text) noexcept {
  for (referral_policy p :
       {referral_policy::allocate, referral_policy::allocate_cold, referral_policy::match})
    if (to_string(p) == text) return p;
  return std::nullopt;
}

std::string_view to_string(need_outcome o) noexcept {
  static constexpr std::array<std::string_view, need_outcome_count> names{
      "referred", "waiting", "no_consent", "out_of_area", "excluded", "not_eligible"};
  return names[static_cast<std::size_t>(o)];
}

landscape with_opened_offerings(const landscape& l, const scenario& what_if) {
  std::vector<partner> partners;
  std::vector<offering> offerings;
  for (const scenario_change& c : what_if.changes) {
    if (c.opened_partner) partners.push_back(*c.opened_partner);
    if (c.opened) offerings.push_back(*c.opened);
  }
  if (partners.empty() && offerings.empty()) return l;  // shares the store: O(1)
  return detail::sim::rebuild(l, partners, offerings, false);
}

simulation_result simulate(const landscape& l, const simulation_options& options,
                           const scenario* what_if) {
  detail::sim::engine e(l, options, what_if);
  return e.run();
}

}  // namespace keten
