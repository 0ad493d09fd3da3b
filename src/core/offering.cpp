// Offerings (keten/offering.hpp): eligibility rules checked against a case's profile, and the
// reasons a case is not eligible.
#include "keten/offering.hpp"

#include <algorithm>
#include <array>

namespace keten {

std::string_view to_string(ineligibility reason) noexcept {
  constexpr std::array<std::string_view, 5> names{"eligible", "age", "household", "language",
                                                  "referrer"};
  return names[static_cast<std::size_t>(reason)];
}

ineligibility check(const eligibility& rules, const case_profile& profile) noexcept {
  if (profile.age && !rules.ages.contains(*profile.age)) return ineligibility::age;
  if (profile.household && !rules.households.empty() &&
      std::find(rules.households.begin(), rules.households.end(), *profile.household) ==
          rules.households.end())
    return ineligibility::household;
  if (!profile.languages.empty() && !rules.languages.empty()) {
    const bool shared = std::any_of(
        profile.languages.begin(), profile.languages.end(), [&rules](const std::string& language) {
          return std::find(rules.languages.begin(), rules.languages.end(), language) !=
                 rules.languages.end();
        });
    if (!shared) return ineligibility::language;
  }
  if (rules.requires_professional_referrer && profile.referrer != referrer_kind::professional)
    return ineligibility::referrer;
  return ineligibility::none;
}

}  // namespace keten
