// allocate() (keten/allocation.hpp): the engine's stages in order — classes, flow, hand-out,
// improvement, result — and the checks of an allocation policy (src/core/allocation_engine.hpp).
#include <cmath>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/range/irange.hpp>

#include "allocation_engine.hpp"

namespace keten::detail {

namespace {

void validate_policy(const allocation_policy& p) {
  validate_policy_weights(p.weights, p.waiting_day, "allocation");
  const std::pair<const char*, double> values[] = {
      {"weights.complementarity", p.weights.complementarity}, {"fairness", p.fairness}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(error_code::invalid_value,
                             "a weight of the allocation policy is a finite number in [0, 1e6]",
                             {.field = name});
}

}  // namespace

void validate_policy_weights(const match_weights& w, double waiting_day, std::string_view policy) {
  const std::pair<const char*, double> values[] = {
      {"weights.cover", w.cover},
      {"weights.distance", w.distance},
      {"weights.distance_scale_km", w.distance_scale_km},
      {"weights.wait", w.wait},
      {"weights.wait_scale_days", w.wait_scale_days},
      {"waiting_day", waiting_day}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(
          error_code::invalid_value,
          fmt::format("a weight of the {} policy is a finite number in [0, 1e6]", policy),
          {.field = name});
  if (w.distance_scale_km <= 0.0 || w.wait_scale_days <= 0.0)
    throw validation_error(error_code::invalid_value,
                           "the distance and wait scales must be positive", {.field = "weights"});
}

allocation_engine::allocation_engine(const landscape& l, const allocation_policy& policy,
                                     bool grouped)
    : l_(&l), policy_(policy), grouped_(grouped) {
  validate_policy(policy_);
  free_units_.reserve(l.offerings().size());
  for (const offering& o : l.offerings()) {
    free_units_.push_back(o.units.free_units);
    wait_points_.push_back(wait_points(o.units, policy_.weights));
  }
  rule_bits_ = l.eligibility_bits();
  if (policy_.collaboration != nullptr && !policy_.collaboration->empty() &&
      policy_.weights.collaboration > 0.0)
    collaboration_ = policy_.collaboration;
  offering_node_.assign(l.offerings().size(), -1);
  offering_arc_.assign(l.offerings().size(), -1);
  fair_node_.assign(l.places().size() + 1, -1);
  sink_ = flow_.add_node(0);
  category_count_ = l.categories().size();
  pair_score_.resize(category_count_ * category_count_);
  for (std::size_t a = 0; a < category_count_; ++a)
    for (std::size_t b = 0; b < category_count_; ++b)
      pair_score_[a * category_count_ + b] = pair_complementarity(
          l, static_cast<category_index>(a), static_cast<category_index>(b), policy_.weights);
}

const allocation& allocation_engine::solve(std::span<const help_case> cases) {
  sync();
  if (policy_.progress) policy_.progress("solving", 0, 1);
  if (flow_.solve() != flow::flow_status::optimal)
    throw validation_error(error_code::invalid_value,
                           "internal: the allocation network is infeasible");  // not reachable
  if (policy_.progress) policy_.progress("improving", 0, 1);
  if (have_result_ && flow_.last_solve().warm)
    solve_incremental(cases);
  else
    solve_full(cases);
  for (const std::uint32_t ci : marked_)
    case_marked_[ci] = 0;
  marked_.clear();
  for (const int gi : hand_out_)
    groups_[static_cast<std::size_t>(gi)].hand_out = false;
  hand_out_.clear();
  solved_cases_ = cases.size();
  have_result_ = true;

  allocation& out = result_;
  out.groups = 0;
  for (const group& g : groups_)
    out.groups += g.size == 0 ? 0 : 1;
  out.arcs = static_cast<std::size_t>(flow_.network().arc_count());
  out.pivots = flow_.last_solve().pivots;
  out.parts = flow_.last_solve().parts;
  out.warm = flow_.last_solve().warm;
  out.paths = flow_.last_solve().paths;
  out.used_units.assign(used_.begin(), used_.end());
  out.moves = moved_.size();
  // The optimal flow's own value and the fairness penalty in it: the cost on the tranche arcs
  // (the improvement step moves needs between offerings, never in or out of the flow).
  out.flow_objective = -flow_.total_cost();
  out.fairness_penalty = 0;
  for (const int a : tranche_arc_)
    out.fairness_penalty -= flow_.flow(a) * flow_.network().cost[static_cast<std::size_t>(a)];
  out.objective = assigned_value_ + out.fairness_penalty + out.complementarity + out.collaboration;
  if (policy_.progress) policy_.progress("done", 1, 1);
  return out;
}

void allocation_engine::solve_full(std::span<const help_case> cases) {
  const std::size_t n = needs_.size();
  // What the last result gave each need (none for all before the first), for the changes.
  before_.clear();
  if (track_changes_) previous_.assign(chosen_.begin(), chosen_.end());
  size_need_state(n, true);
  moved_.clear();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].handed = 0;  // chosen_ starts with none for every need
    if (groups_[gi].size > 0) hand_out(static_cast<int>(gi), false);
  }
  count_used();
  improve(boost::irange(std::uint32_t{0}, static_cast<std::uint32_t>(cases.size())));
  build_result(cases);
  result_.changes.clear();
  if (track_changes_)
    for (std::size_t i = 0; i < n; ++i) {
      const offering_index was = i < previous_.size() ? previous_[i] : no_offering;
      if (was != chosen_[i]) result_.changes.push_back(change_of(i, was));
    }
}

need_change allocation_engine::change_of(std::size_t i, offering_index was) const {
  const auto known = [](offering_index o) {
    return o == no_offering ? std::nullopt : std::optional<offering_index>(o);
  };
  return {needs_[i].ref, known(was), known(chosen_[i])};
}

/// A re-solve after a warm repair: only the classes whose members or flow changed are handed out
/// again; the cases that changed (theirs, the new ones, the removed ones) start again from the
/// hand-out, the improvement step revisits them, and their entries in the result are replaced.
/// Cases nothing reached keep their assignment, moves included, unless a move now takes a unit
/// the flow needs (release_overflow). O(change) apart from the copying of update_result().
void allocation_engine::solve_incremental(std::span<const help_case> cases) {
  const std::size_t n = needs_.size();
  if (case_marked_.size() < live_.size())
    resize_with_slack(case_marked_, live_.size(), static_cast<unsigned char>(0));
  size_need_state(n, false);
  for (auto ci = static_cast<std::uint32_t>(solved_cases_); ci < cases.size(); ++ci)
    mark_case(ci);
  for (const int a : flow_.changed_arcs())
    if (static_cast<std::size_t>(a) < arc_group_.size() &&
        arc_group_[static_cast<std::size_t>(a)] >= 0)
      hand_out_again(arc_group_[static_cast<std::size_t>(a)]);
  for (const int gi : hand_out_)
    hand_out(gi, true);
  // The marked cases start again from the hand-out (removed ones: with none).
  for (const std::uint32_t ci : marked_)
    for (std::size_t i = case_first_[ci]; i < case_first_[ci + 1]; ++i) {
      if (!live_[ci]) handed_[i] = no_offering;
      chosen_[i] = handed_[i];
      chosen_fit_[i] = handed_fit_[i];
    }
  count_used();
  release_overflow();
  std::sort(marked_.begin(), marked_.end());
  improve(marked_);
  update_result();
  result_.changes.clear();
  for (const before_entry& b : before_)
    if (b.offering != chosen_[b.need]) result_.changes.push_back(change_of(b.need, b.offering));
  before_.clear();
  std::sort(result_.changes.begin(), result_.changes.end(),
            [](const need_change& a, const need_change& b) { return a.need < b.need; });
}

void check_case_count(std::size_t count) {
  if (count > std::numeric_limits<std::uint32_t>::max() - 1)
    throw validation_error(error_code::invalid_value, "too many cases", {.field = "cases"});
}

}  // namespace keten::detail

namespace keten {

allocation_network build_allocation_network(const landscape& l, std::span<const help_case> cases,
                                            const allocation_policy& policy,
                                            std::span<const int> days_waiting, bool grouped) {
  detail::check_case_count(cases.size());
  detail::allocation_engine e(l, policy, grouped);
  e.add_all(cases, days_waiting);
  return e.export_network();
}

allocation allocate(const landscape& l, std::span<const help_case> cases,
                    const allocation_policy& policy, std::span<const int> days_waiting) {
  detail::check_case_count(cases.size());
  detail::allocation_engine e(l, policy, true);
  e.add_all(cases, days_waiting);
  (void)e.solve(cases);
  return e.take_result();
}

}  // namespace keten
