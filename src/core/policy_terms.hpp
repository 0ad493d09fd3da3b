// src/core/policy_terms.hpp — what allocate() and allocate_stable() share: the check of their
// weights and a need's priority. Private to the library.
#pragma once

#include <string_view>

#include "keten/case.hpp"
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

}  // namespace keten::detail
