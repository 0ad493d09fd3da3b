// keten/case.hpp — one person or household asking for help, with only what matching needs.
//
// A help_case holds needs (category, urgency, weight), where the person lives (municipality and/or
// PC4, optionally a point), the few attributes that eligibility reads (age band, household type,
// languages, who referred them), consent, and partners the person does not want. It has an opaque
// id and never a name, a citizen number or an address: see "People and privacy" in docs/design.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keten/geography.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

/// An inclusive band of ages in whole years, 0 ≤ min ≤ max ≤ 130.
struct age_band {
  std::uint8_t min{0};
  std::uint8_t max{130};
  [[nodiscard]] bool contains(const age_band& inner) const noexcept {
    return min <= inner.min && inner.max <= max;
  }
  friend bool operator==(const age_band&, const age_band&) = default;
};

inline constexpr int max_age = 130;

enum class household_type : std::uint8_t {
  single = 0,         ///< one adult
  couple = 1,         ///< two adults, no children at home
  single_parent = 2,  ///< one adult with children
  family = 3,         ///< two adults with children
  other = 4,          ///< shared, institutional, ...
};
inline constexpr std::size_t household_type_count = 5;
[[nodiscard]] std::string_view to_string(household_type type) noexcept;
[[nodiscard]] std::optional<household_type> parse_household_type(std::string_view text) noexcept;

/// Who brought the request in. Some offerings (Present) need a professional who stays responsible.
enum class referrer_kind : std::uint8_t {
  self = 0,          ///< the person themselves
  professional = 1,  ///< social team, social worker, housing corporation, GP
  partner = 2,       ///< another partner of the chain (a warm handover)
  church = 3,        ///< diaconie, Caritas, a local church
  other = 4,
};
[[nodiscard]] std::string_view to_string(referrer_kind kind) noexcept;
[[nodiscard]] std::optional<referrer_kind> parse_referrer_kind(std::string_view text) noexcept;

/// True for a lower-case ISO 639 code of two or three letters ("nl", "en", "ar", "pap").
[[nodiscard]] bool is_language_code(std::string_view code) noexcept;

inline constexpr int min_urgency = 1;  ///< can wait
inline constexpr int max_urgency = 5;  ///< crisis: act this week

struct need {
  std::string category;  ///< need category id, e.g. "money.debts"
  int urgency{3};        ///< min_urgency … max_urgency
  double weight{1.0};    ///< relative importance within the case, > 0
  friend bool operator==(const need&, const need&) = default;
};

/// Where the person lives, as coarse as matching allows. At least one of the three must be set.
struct case_location {
  std::string municipality;        ///< CBS code "GMxxxx", or empty
  std::optional<pc4> postcode;     ///< PC4 area, or none
  std::optional<geo_point> point;  ///< a point (e.g. the PC4 centroid), or none
  friend bool operator==(const case_location&, const case_location&) = default;
};

/// The attributes eligibility reads. An unknown attribute excludes nobody: intake checks it.
struct case_profile {
  std::optional<age_band> age;
  std::optional<household_type> household;
  std::vector<std::string> languages;  ///< ISO 639 codes the person speaks; empty = unknown
  referrer_kind referrer{referrer_kind::self};
  friend bool operator==(const case_profile&, const case_profile&) = default;
};

struct help_case {
  std::string id;  ///< opaque, chosen by the caller's system; never a name or citizen number
  std::vector<need> needs;
  case_location location;
  case_profile profile;
  bool consent{false};  ///< consent to share the needs with the partners proposed
  std::vector<std::string> excluded_partners;  ///< partner ids the person does not want
  friend bool operator==(const help_case&, const help_case&) = default;
};

/// Checks one case against a taxonomy and a geography: a non-empty id, at least one need, known
/// categories (each at most once), urgency in range, weight > 0 and finite, a known municipality,
/// a valid PC4 and point, at least one location part, a valid age band and language codes.
/// Throws validation_error naming the field and the case id. O(needs + languages).
void validate(const help_case& c, const taxonomy& categories, const geography& places);

/// The references of a case that validate() resolves: its needs' categories and its municipality.
struct case_references {
  std::vector<category_index> categories;          ///< per need, in need order
  std::optional<municipality_index> municipality;  ///< if the location names one
};

/// validate(), keeping what it resolved in `out` (overwritten; its storage is reused, so a loop
/// over many cases allocates nothing). Throws as validate() does; `out` is then unspecified.
void validate(const help_case& c, const taxonomy& categories, const geography& places,
              case_references& out);

}  // namespace keten
