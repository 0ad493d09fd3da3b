// keten/matching.hpp — one case's best combinations of offerings (bundles), exactly.
//
// match() assigns each need of a case to at most one offering such that hard constraints hold, and
// returns the k assignments with the highest score — the true top k of the objective below, ties
// broken by offering ids. match_exhaustive() computes the same by enumerating every assignment; it
// is the correctness oracle of the tests and the baseline of the benchmarks.
//
// Hard constraints for offering o to cover need n of case c:
//   o covers n's category; o serves c's location (landscape::serves); c is eligible (check());
//   o's partner is not excluded by c; o has a free unit (unless options.allow_waitlist);
//   the bundle involves at most options.max_partners partners and covers at least one need;
//   c has given consent.
//
// Objective (docs/matching.md), in points; every term is rounded to 1/1000 point so that sums are
// exact integers and the same in every computation:
//   score = Σ covered needs n           cover · weight(n) · urgency(n)
//         + Σ distinct offerings o used −distance · min(d(o, c), distance_scale_km) /
//         distance_scale_km
//                                       −wait · min(intake_wait(o), wait_scale_days) /
//                                       wait_scale_days +free_capacity · free(o) / units(o)
//                                       (−waitlist if free(o) = 0)
//         + Σ needs i < j on different offerings   complementarity · complement_weight(cat i, cat
//         j)
//         + Σ partners p < q in the bundle         collaboration · strength(p, q)
//         − extra_partner · (partners in the bundle − 1)
// where d(o, c) is 0 if o lists c's municipality or PC4, else the distance from c's point (or its
// municipality's point) to o's circle centre, or to o's partner's home municipality.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keten/case.hpp"
#include "keten/cooperation.hpp"
#include "keten/landscape.hpp"
#include "keten/offering.hpp"
#include "keten/pathway.hpp"

namespace keten {

/// Scores are integers in thousandths of a point.
using score_t = std::int64_t;
inline constexpr double score_unit = 1000.0;
/// Converts points to score units, rounding to nearest, halves away from zero (std::llround), in
/// a few instructions: the fraction of a value below 2^52 is exact in a double, so rounding is a
/// truncation and a comparison; larger values (and NaN) go to std::llround.
[[nodiscard]] inline score_t to_score(double points) noexcept {
  const double x = points * score_unit;
  if (!(std::fabs(x) < 0x1p52)) return static_cast<score_t>(std::llround(x));
  const auto whole = static_cast<score_t>(x);  // toward zero
  const double fraction = x - static_cast<double>(whole);
  return fraction >= 0.5 ? whole + 1 : fraction <= -0.5 ? whole - 1 : whole;
}
[[nodiscard]] inline double to_points(score_t s) noexcept {
  return static_cast<double>(s) / score_unit;
}

/// The weights of the objective's terms, in points. Defaults are documented in docs/matching.md.
struct match_weights {
  double cover{100.0};    ///< per covered need, times its weight and urgency
  double distance{20.0};  ///< at distance_scale_km or more
  double distance_scale_km{10.0};
  double wait{10.0};  ///< at wait_scale_days of intake wait or more
  double wait_scale_days{90.0};
  double free_capacity{5.0};     ///< when all units are free
  double waitlist{40.0};         ///< penalty for an offering without a free unit (allow_waitlist)
  double complementarity{30.0};  ///< per pair of needs on different offerings, times the weight
  double collaboration{20.0};    ///< per pair of partners, times their local collaboration strength
  double extra_partner{15.0};    ///< per partner beyond the first
};

struct match_options {
  std::size_t top_k{5};
  std::size_t max_partners{3};
  bool allow_waitlist{false};  ///< offerings without a free unit may be chosen, at a penalty
  match_weights weights{};
  /// Cooperation strengths of partner pairs (assess_cooperation's report.strengths); not owned,
  /// may be null (then the collaboration term is 0).
  const collaboration_strengths* collaboration{nullptr};
};

/// Why an offering that covers a need's category was not a candidate for it.
enum class rejection : std::uint8_t {
  out_of_area = 0,   ///< does not serve the case's location
  excluded = 1,      ///< its partner is excluded by the case
  not_eligible = 2,  ///< see `ineligibility`
  no_capacity = 3,   ///< no free unit and the waitlist is not allowed
};
[[nodiscard]] std::string_view to_string(rejection r) noexcept;

/// An offering in reach of a need that could not be used, and why.
struct rejected_offering {
  offering_index offering{};
  rejection reason{};
  ineligibility eligibility{ineligibility::none};  ///< set when reason == not_eligible
  friend bool operator==(const rejected_offering&, const rejected_offering&) = default;
};

/// The terms of one assignment need → offering, in score units: the need's cover, and the fit of
/// the offering (distance, wait, capacity), which a bundle counts once per offering even when the
/// offering covers several needs (one intake, one unit).
struct assignment_terms {
  score_t cover{};
  score_t distance{};  ///< ≤ 0
  score_t wait{};      ///< ≤ 0
  score_t capacity{};  ///< free-capacity bonus, or the waitlist penalty (< 0)
  double distance_km{};
  [[nodiscard]] score_t total() const noexcept { return cover + distance + wait + capacity; }
  friend bool operator==(const assignment_terms&, const assignment_terms&) = default;
};

/// The score of a bundle broken into its terms; total() is the bundle's score.
struct score_breakdown {
  score_t cover{};
  score_t distance{};
  score_t wait{};
  score_t capacity{};
  score_t complementarity{};
  score_t collaboration{};
  score_t extra_partners{};  ///< ≤ 0
  [[nodiscard]] score_t total() const noexcept {
    return cover + distance + wait + capacity + complementarity + collaboration + extra_partners;
  }
  friend bool operator==(const score_breakdown&, const score_breakdown&) = default;
};

/// Why a need is covered the way it is in one bundle.
struct need_reason {
  std::optional<offering_index> chosen;  ///< nullopt: not covered in this bundle
  assignment_terms terms;                ///< of the chosen offering (zero if none)
  /// The best other choice for this need with the rest of the bundle unchanged ("not covered"
  /// counts as a choice; a choice that would break max_partners does not), and how many score
  /// units the bundle would lose by it. The loss is negative only when the alternative is itself a
  /// better-ranked bundle (this bundle is not the first).
  std::optional<offering_index> best_alternative;
  bool alternative_is_uncovered{false};
  score_t alternative_loss{};
  bool has_alternative{false};
  friend bool operator==(const need_reason&, const need_reason&) = default;
};

struct bundle {
  /// assigned[i] is the offering for need i of the case, or nullopt if not covered.
  std::vector<std::optional<offering_index>> assigned;
  score_t score{};
  score_breakdown breakdown;
  std::vector<need_reason> reasons;  ///< one per need
  pathway path;
  [[nodiscard]] std::size_t covered() const noexcept;
  [[nodiscard]] std::size_t partner_count(const landscape& l) const;
};

/// Per need: the candidates that passed every hard constraint and the offerings in reach of the
/// case (serving its location) that did not, with the reason; both ascending by offering id. An
/// offering of the category that does not reach the case is only counted (in_category − in reach).
struct need_candidates {
  std::vector<offering_index> candidates;
  std::vector<rejected_offering> rejected;  ///< in reach, but excluded, not eligible or full
  std::size_t in_category{};                ///< offerings of the category in the whole landscape
  [[nodiscard]] std::size_t in_reach() const noexcept {
    return candidates.size() + rejected.size();
  }
  /// Why the need cannot be covered at all, if it cannot: out_of_area when nothing of the
  /// category reaches the case (also when the category has no offering), else the reason of the
  /// first rejected offering in the order excluded, not_eligible, no_capacity. nullopt if there are
  /// candidates.
  [[nodiscard]] std::optional<rejection> uncoverable_because() const noexcept;
};

enum class match_status : std::uint8_t {
  ok = 0,          ///< bundles found (some may leave needs uncovered)
  no_consent = 1,  ///< the case has not consented: nothing is proposed
};
[[nodiscard]] std::string_view to_string(match_status s) noexcept;

struct match_result {
  match_status status{match_status::ok};
  std::vector<need_candidates> needs;  ///< one per need of the case
  std::vector<bundle> bundles;         ///< best first; at most top_k
};

/// The candidates of every need of the case under the hard constraints. O(Σ offerings in reach).
/// Throws validation_error if the case is invalid for the landscape (see validate()).
[[nodiscard]] std::vector<need_candidates> find_candidates(const landscape& l, const help_case& c,
                                                           const match_options& options = {});

/// The score of one assignment (assigned[i] for need i; nullopt = uncovered), broken into terms.
/// Does not check the hard constraints. O(n² + n·p) for n needs and p partners.
[[nodiscard]] score_breakdown score_assignment(
    const landscape& l, const help_case& c, std::span<const std::optional<offering_index>> assigned,
    const match_options& options = {});

/// The terms of covering need `need` of `c` by offering `o`: the need's cover and the offering's
/// fit for the case (distance, wait, capacity) — the per-need pieces of the objective, shared with
/// allocate(). O(1) plus one distance.
[[nodiscard]] assignment_terms need_terms(const landscape& l, const help_case& c, std::size_t need,
                                          offering_index o, const match_weights& weights = {});

/// The complementarity points of needs i and j of `c` when both are covered by different offerings.
[[nodiscard]] score_t need_pair_complementarity(const landscape& l, const help_case& c,
                                                std::size_t i, std::size_t j,
                                                const match_weights& weights = {});

/// The exact top-k bundles by branch and bound. Equal scores are ordered by the offering ids of the
/// needs in the case's order ("not covered" after any id). Thread-safe on a shared landscape.
/// Throws validation_error for an invalid case or options (top_k = 0, max_partners = 0, weights
/// negative or not finite). Cost: worst case Π(candidates + 1), usually far less.
[[nodiscard]] match_result match(const landscape& l, const help_case& c,
                                 const match_options& options = {});

/// The same result by enumerating every assignment: the oracle. Cost Π(candidates + 1).
[[nodiscard]] match_result match_exhaustive(const landscape& l, const help_case& c,
                                            const match_options& options = {});

}  // namespace keten
