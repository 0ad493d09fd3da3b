// keten/detail/eligibility_bits.hpp — eligibility rules and profiles as a few bits, for checks in
// hot loops (allocation): the landscape numbers the languages its rules name, once, and keeps
// every offering's rules in these terms (landscape::eligibility_bits, landscape::profile_bits).
#pragma once

#include <cstdint>
#include <optional>

#include "keten/case.hpp"

namespace keten::detail {

/// An offering's eligibility rules: households and languages as bit sets.
struct rule_bits {
  age_band ages;
  bool professional = false;    ///< requires a professional referrer
  std::uint8_t households = 0;  ///< bit per household type; 0: any
  std::uint64_t languages = 0;  ///< bit per language the landscape's rules name; 0: any
};

/// A case's profile in the same terms (a language no rule names has no bit).
struct profile_bits {
  std::optional<age_band> age;
  std::optional<household_type> household;
  referrer_kind referrer{};
  bool speaks = false;  ///< some language is known
  std::uint64_t languages = 0;
  friend bool operator==(const profile_bits&, const profile_bits&) = default;
};

/// check(rules, profile) == ineligibility::none, for the bits of both.
[[nodiscard]] inline bool eligible(const rule_bits& r, const profile_bits& p) noexcept {
  if (p.age && !r.ages.contains(*p.age)) return false;
  if (p.household && r.households != 0 &&
      (r.households >> static_cast<unsigned>(*p.household) & 1U) == 0)
    return false;
  if (p.speaks && r.languages != 0 && (r.languages & p.languages) == 0) return false;
  return !r.professional || p.referrer == referrer_kind::professional;
}

}  // namespace keten::detail
