// keten/offering.hpp — partner organisations and what their local branches offer.
//
// A partner is a local branch of a national member organisation (SchuldHulpMaatje Zwolle). An
// offering is one thing a branch offers: which need categories, where (municipalities, PC4 areas, a
// radius around a point), for whom (eligibility) and how much (capacity). Partners and offerings
// are plain values; a landscape_builder validates them and a landscape indexes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keten/case.hpp"
#include "keten/geography.hpp"

namespace keten {

struct partner {
  std::string id;            ///< unique in a landscape, e.g. "shm-gm0193"
  std::string member;        ///< national member organisation, e.g. "SchuldHulpMaatje"
  std::string branch;        ///< local branch name, e.g. "SchuldHulpMaatje Zwolle"
  std::string municipality;  ///< CBS code of the branch's home municipality
  friend bool operator==(const partner&, const partner&) = default;
};

/// A circle on the map.
struct radius_area {
  geo_point center;
  double km{};
  friend bool operator==(const radius_area&, const radius_area&) = default;
};

/// Where an offering helps: the union of the listed municipalities, the listed PC4 areas and the
/// circle. At least one part must be non-empty.
struct service_area {
  std::vector<std::string> municipalities;  ///< CBS codes
  std::vector<pc4> postcodes;
  std::optional<radius_area> radius;
  friend bool operator==(const service_area&, const service_area&) = default;
};

/// For whom an offering is. Empty lists mean "everyone".
struct eligibility {
  age_band ages{};  ///< default 0–130: all ages
  std::vector<household_type> households;
  std::vector<std::string> languages;  ///< languages the volunteers speak; empty = any
  bool requires_professional_referrer{false};
  friend bool operator==(const eligibility&, const eligibility&) = default;
};

/// Why a case is not eligible for an offering (the first rule that fails, in this order).
enum class ineligibility : std::uint8_t { none = 0, age, household, language, referrer };
[[nodiscard]] std::string_view to_string(ineligibility reason) noexcept;

/// Checks the profile against the rules. Unknown attributes of the profile pass (intake checks
/// them); a known age band must lie inside `ages`; languages pass if they share one. O(|lists|).
[[nodiscard]] ineligibility check(const eligibility& rules, const case_profile& profile) noexcept;

/// How much an offering can take on. Units are what the branch counts: a buddy trajectory, a group
/// job, a place in a JobGroup.
struct capacity {
  std::int32_t units_per_period{};       ///< ≥ 0
  std::int32_t period_days{365};         ///< > 0
  std::int32_t free_units{};             ///< 0 ≤ free ≤ units_per_period
  std::int32_t typical_duration_days{};  ///< ≥ 0
  std::int32_t intake_wait_days{};       ///< ≥ 0
  friend bool operator==(const capacity&, const capacity&) = default;
};

struct offering {
  std::string id;                       ///< unique in a landscape
  std::string partner;                  ///< id of the partner that offers it
  std::string name;                     ///< short description, e.g. "Schuldhulpmaatje (1-op-1)"
  std::vector<std::string> categories;  ///< need category ids, at least one, no repeats
  service_area area;
  eligibility rules;
  capacity units;
  friend bool operator==(const offering&, const offering&) = default;
};

}  // namespace keten
