// keten/stable.hpp — stable matching with capacities (hospital–resident), generic over where the
// preferences come from (preference_source), and a referral policy on it.
//
// Where preferences matter more than a total score — volunteers choosing whom they help, as in
// neighbour help — a stable assignment is one that no need and offering would both rather break:
// there is no *blocking pair* (n, o), mutually acceptable, such that n is unassigned or prefers o
// to its offering, and o has a free unit or prefers n to one of the needs it got.
//
// Two layers (docs/stable.md):
//
// 1. A generic hospital–resident core. Residents rank hospitals, hospitals rank residents and have
//    a capacity. A pair is *acceptable* only if each side lists the other: an entry that the other
//    side does not return is allowed and ignored (the standard HR model considers mutually
//    acceptable pairs only). stable_match() runs deferred acceptance (Gale–Shapley, with capacities
//    as in Roth's hospital–resident algorithm): residents propose for the resident-optimal stable
//    matching (every resident gets its best partner over all stable matchings), hospitals propose
//    for the hospital-optimal one (every resident gets its worst). Both take O(L + R + H) time and
//    memory, L the total length of the preference lists. find_blocking_pair() / is_stable() are an
//    independent checker in O(L + R + H). The preferences are read through a preference_source: a
//    `stable_instance` (lists in vectors; the functions for it are compiled into the library), or
//    any type of the caller's with the five member functions the concept names (templates in
//    keten/detail/stable_match.hpp, instantiated where they are used).
//
// 2. allocate_stable(): the needs of many cases (residents) and the offerings of a landscape
//    (hospitals, capacity = free units). A need ranks its candidates (find_candidates with the
//    waitlist allowed, restricted to offerings with a free unit) by fit — distance and intake-wait
//    terms of need_terms(), best first, ties by offering id. An offering ranks the needs that list
//    it as its volunteers would: by priority (cover · weight · urgency + waiting_day · days waited,
//    as in allocate()), then closer to the case, then longer waiting, then case order and need
//    order.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <span>
#include <string_view>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"

namespace keten {

// --- the generic hospital–resident core -------------------------------------------------------

/// A preference list: random access and sized, entries convertible to std::uint32_t (a
/// std::vector, a std::span over the caller's own array, …).
template <class L>
concept preference_list = std::ranges::random_access_range<L> && std::ranges::sized_range<L> &&
    std::convertible_to<std::ranges::range_reference_t<L>, std::uint32_t>;

/// Where the generic core reads a hospital–resident instance: R residents and H hospitals with
/// dense indices (residents 0 … R−1, hospitals 0 … H−1), each resident's list of acceptable
/// hospitals and each hospital's list of acceptable residents, most preferred first, without
/// repeats, and each hospital's capacity (≥ 0). The lists may be returned by reference, as a view,
/// or by value (computed on the fly; then each call pays for it, and deferred acceptance asks for a
/// resident's list each time the resident proposes again). Requirements: the five calls are
/// deterministic while an algorithm runs (the same list for the same index) and R, H < 2^32 − 1.
template <class P>
concept preference_source = requires(const P& p, std::uint32_t i) {
  { p.resident_count() } -> std::convertible_to<std::size_t>;
  { p.hospital_count() } -> std::convertible_to<std::size_t>;
  { p.resident_preferences(i) } -> preference_list;  ///< resident i's hospitals
  { p.hospital_preferences(i) } -> preference_list;  ///< hospital i's residents
  { p.capacity(i) } -> std::convertible_to<std::int32_t>;
};

/// A hospital–resident instance in vectors: the library's own preference_source. Indexes are dense:
/// residents 0 … R−1, hospitals 0 … H−1.
struct stable_instance {
  /// resident_prefs[r]: the hospitals acceptable to resident r, most preferred first, no repeats.
  std::vector<std::vector<std::uint32_t>> resident_prefs;
  /// hospital_prefs[h]: the residents acceptable to hospital h, most preferred first, no repeats.
  std::vector<std::vector<std::uint32_t>> hospital_prefs;
  /// capacities[h] ≥ 0: how many residents hospital h can take; one per hospital.
  std::vector<std::int32_t> capacities;

  // The preference_source interface (capacity(h) needs one capacity per hospital: validate()).
  [[nodiscard]] std::size_t resident_count() const noexcept { return resident_prefs.size(); }
  [[nodiscard]] std::size_t hospital_count() const noexcept { return hospital_prefs.size(); }
  [[nodiscard]] std::span<const std::uint32_t> resident_preferences(std::uint32_t r) const {
    return resident_prefs[r];
  }
  [[nodiscard]] std::span<const std::uint32_t> hospital_preferences(std::uint32_t h) const {
    return hospital_prefs[h];
  }
  [[nodiscard]] std::int32_t capacity(std::uint32_t h) const { return capacities[h]; }
};
static_assert(preference_source<stable_instance>);

/// Which side proposes in deferred acceptance, i.e. whose optimal stable matching is returned.
enum class stable_side : std::uint8_t {
  residents = 0,  ///< resident-optimal (and hospital-pessimal)
  hospitals = 1,  ///< hospital-optimal (and resident-pessimal)
};
[[nodiscard]] std::string_view to_string(stable_side s) noexcept;

struct stable_matching {
  /// hospital_of[r]: resident r's hospital, or nullopt if unmatched.
  std::vector<std::optional<std::uint32_t>> hospital_of;
  /// residents_of[h]: hospital h's residents, in h's order of preference.
  std::vector<std::vector<std::uint32_t>> residents_of;
  std::size_t proposals{};  ///< proposals made by the proposing side
  [[nodiscard]] std::size_t matched() const noexcept;
  friend bool operator==(const stable_matching&, const stable_matching&) = default;
};

/// A mutually acceptable pair that would both rather be matched to each other.
struct blocking_pair {
  std::uint32_t resident{};
  std::uint32_t hospital{};
  friend bool operator==(const blocking_pair&, const blocking_pair&) = default;
};

/// Checks an instance: one capacity per hospital, each ≥ 0; every index in a list known; no list
/// with a repeat. Throws validation_error naming the field ("resident_prefs", "hospital_prefs",
/// "capacities") and, as object id, the resident or hospital ("resident 3", "hospital 0").
/// O(L + R + H).
void validate(const stable_instance& instance);

/// The resident-optimal (or hospital-optimal) stable matching by deferred acceptance. Validates the
/// instance first. Deterministic. O(L + R + H).
[[nodiscard]] stable_matching stable_match(const stable_instance& instance,
                                           stable_side optimal = stable_side::residents);

/// Checks that `hospital_of` (one entry per resident) is a matching of the instance: known
/// hospitals, every pair mutually acceptable, no hospital over capacity. Throws validation_error
/// (field "matching", object id the resident or hospital) if not. Validates the instance too.
void validate_matching(const stable_instance& instance,
                       std::span<const std::optional<std::uint32_t>> hospital_of);

/// A blocking pair of the matching, or nullopt if it is stable: the first by resident, then by the
/// resident's preference. Validates instance and matching (throws as above). O(L + R + H).
[[nodiscard]] std::optional<blocking_pair> find_blocking_pair(
    const stable_instance& instance, std::span<const std::optional<std::uint32_t>> hospital_of);

/// True if `hospital_of` is a matching of the instance without a blocking pair; false for a
/// matching that is not valid. Throws validation_error only for an invalid instance.
[[nodiscard]] bool is_stable(const stable_instance& instance,
                             std::span<const std::optional<std::uint32_t>> hospital_of);

/// The same five functions for any preference_source (a caller's own type): the same checks,
/// results and costs, the errors naming residents and hospitals as above ("capacities" for a
/// negative capacity). For a stable_instance the compiled functions above are chosen.
template <preference_source P>
void validate(const P& source);
template <preference_source P>
[[nodiscard]] stable_matching stable_match(const P& source,
                                           stable_side optimal = stable_side::residents);
template <preference_source P>
void validate_matching(const P& source, std::span<const std::optional<std::uint32_t>> hospital_of);
template <preference_source P>
[[nodiscard]] std::optional<blocking_pair> find_blocking_pair(
    const P& source, std::span<const std::optional<std::uint32_t>> hospital_of);
template <preference_source P>
[[nodiscard]] bool is_stable(const P& source,
                             std::span<const std::optional<std::uint32_t>> hospital_of);

// --- the referral policy ----------------------------------------------------------------------

struct stable_policy {
  /// cover, distance, distance_scale_km, wait and wait_scale_days are used.
  match_weights weights{};
  double waiting_day{1.0};  ///< priority points per day the case has waited
  /// needs-optimal (residents, the default) or the volunteers' optimum (hospitals).
  stable_side optimal{stable_side::residents};
};

/// The hospital–resident instance of a referral round: residents are the needs of the cases in case
/// then need order (including needs that cannot be covered, with an empty list), hospitals are the
/// offerings of the landscape in their order (capacity = free units).
struct stable_referral_instance {
  stable_instance instance;
  std::vector<need_ref> needs;            ///< resident → need
  std::vector<score_t> priority;          ///< per resident, in score units
  std::vector<std::vector<score_t>> fit;  ///< fit[r][k]: of resident r's k-th choice (≤ 0)
};

/// The preferences of a referral round as described at the top of this header. `days_waiting`,
/// if not empty, has one entry (≥ 0) per case. Throws validation_error for an invalid case,
/// duplicate case ids, or a bad policy (as allocate()). O(Σ candidates · log).
[[nodiscard]] stable_referral_instance build_stable_instance(
    const landscape& l, std::span<const help_case> cases, const stable_policy& policy = {},
    std::span<const int> days_waiting = {});

/// The result of allocate_stable(), in the shapes of allocate()'s result.
struct stable_allocation {
  std::vector<assigned_need> assigned;  ///< by case, then need
  /// capacity_exhausted needs by priority (highest first; ties in case order), then the needs
  /// nothing can cover, in case order. waiting_for is the need's best-fit candidate (full or not);
  /// queue_position its 1-based place among the unmet needs waiting for that offering, in the
  /// offering's order of preference.
  std::vector<unmet_need> unmet;
  std::vector<std::int32_t> used_units;  ///< per offering of the landscape
  score_t objective{};                   ///< Σ priority + fit over the assigned needs
  std::size_t proposals{};               ///< of deferred acceptance
};

/// A stable assignment of the cases' needs to offerings under capacity (see the top of this
/// header). Hard constraints are those of allocate(). Throws as build_stable_instance().
[[nodiscard]] stable_allocation allocate_stable(const landscape& l,
                                                std::span<const help_case> cases,
                                                const stable_policy& policy = {},
                                                std::span<const int> days_waiting = {});

}  // namespace keten

#include "keten/detail/stable_match.hpp"  // IWYU pragma: export
