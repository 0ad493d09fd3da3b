// src/core/policy_terms.hpp — what matching, allocate() and allocate_stable() share: the check of
// their weights, a need's priority, the fit and complementarity points, and why a need cannot be
// covered. Private to the library.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"

namespace keten::detail {

/// Checks the weights both policies read (cover, distance, wait and their scales, waiting_day):
/// finite, in [0, 1e6], scales positive. Throws validation_error naming the field; `policy` names
/// the policy in the message ("allocation", "stable").
void validate_policy_weights(const match_weights& w, double waiting_day, std::string_view policy);

/// A need's priority: cover · weight · urgency (matching's cover term, the same expression) plus
/// waiting_day points per day the case has waited.
[[nodiscard]] inline score_t need_priority(const match_weights& w, const need& n,
                                           double waiting_day, int days_waited) {
  return to_score(w.cover * n.weight * n.urgency) + to_score(waiting_day * days_waited);
}

/// The distance points of an offering `km` away: −distance · min(km, scale) / scale.
[[nodiscard]] inline score_t distance_points(double km, const match_weights& w) {
  return -to_score(w.distance * std::min(km, w.distance_scale_km) / w.distance_scale_km);
}

/// The wait points of an offering: −wait · min(intake wait, scale) / scale.
[[nodiscard]] inline score_t wait_points(const capacity& units, const match_weights& w) {
  return -to_score(w.wait * std::min<double>(units.intake_wait_days, w.wait_scale_days) /
                   w.wait_scale_days);
}

/// The complementarity points of two needs of one case, of categories a and b, when different
/// offerings cover them: complementarity · complement_weight(a, b).
[[nodiscard]] inline score_t pair_complementarity(const landscape& l, category_index a,
                                                  category_index b, const match_weights& w) {
  return to_score(w.complementarity * l.complement_weight(a, b));
}

/// Why a need cannot enter an allocation at all: no consent, or no candidate, `why` being the
/// rejection that explains it (need_candidates::uncoverable_because; none = out of area); nullopt
/// if the person consented and the need has a candidate.
[[nodiscard]] inline std::optional<unmet_reason> blocked_reason(bool consent, bool has_candidate,
                                                                std::optional<rejection> why) {
  if (!consent) return unmet_reason::no_consent;
  if (has_candidate) return std::nullopt;
  return !why || *why == rejection::out_of_area ? unmet_reason::out_of_area
         : *why == rejection::excluded          ? unmet_reason::excluded
         : *why == rejection::not_eligible      ? unmet_reason::not_eligible
                                                : unmet_reason::capacity_exhausted;
}

/// blocked_reason for a need of `c` with the candidates find_candidates gave it.
[[nodiscard]] inline std::optional<unmet_reason> blocked_reason(const help_case& c,
                                                                const need_candidates& nc) {
  return blocked_reason(c.consent, !nc.candidates.empty(), nc.uncoverable_because());
}

}  // namespace keten::detail
