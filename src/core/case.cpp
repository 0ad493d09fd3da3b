// Cases (keten/case.hpp): household and referrer kinds, language codes, and validate() of a
// help_case against the landscape's categories and places.
#include "keten/case.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "keten/error.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

namespace {
constexpr std::array<std::string_view, household_type_count> household_names{
    "single", "couple", "single_parent", "family", "other"};
constexpr std::array<std::string_view, 5> referrer_names{"self", "professional", "partner",
                                                         "church", "other"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names,
                               std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<Enum>(i);
  return std::nullopt;
}
}  // namespace

std::string_view to_string(household_type type) noexcept {
  return household_names[static_cast<std::size_t>(type)];
}
std::optional<household_type> parse_household_type(std::string_view text) noexcept {
  return parse_enum<household_type>(household_names, text);
}
std::string_view to_string(referrer_kind kind) noexcept {
  return referrer_names[static_cast<std::size_t>(kind)];
}
std::optional<referrer_kind> parse_referrer_kind(std::string_view text) noexcept {
  return parse_enum<referrer_kind>(referrer_names, text);
}

bool is_language_code(std::string_view code) noexcept {
  return (code.size() == 2 || code.size() == 3) &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

void validate(const help_case& c, const taxonomy& categories, const geography& places) {
  case_references ignored;
  validate(c, categories, places, ignored);
}

void validate(const help_case& c, const taxonomy& categories, const geography& places,
              case_references& out) {
  const auto fail = [&c](error_code code, std::string field, std::string message) {
    throw validation_error(code, std::move(message),
                           {.field = std::move(field), .object_id = c.id});
  };
  if (c.id.empty()) fail(error_code::empty_value, "id", "a case needs an id");
  if (c.needs.empty()) fail(error_code::empty_value, "needs", "a case needs at least one need");
  std::vector<category_index>& seen = out.categories;
  seen.clear();
  out.municipality.reset();
  for (std::size_t i = 0; i < c.needs.size(); ++i) {
    const need& n = c.needs[i];
    const auto field = [i](std::string_view part) { return fmt::format("needs[{}].{}", i, part); };
    const auto index = categories.find(n.category);
    if (!index)
      fail(error_code::unknown_category, field("category"),
           fmt::format("unknown need category '{}'", n.category));
    if (std::find(seen.begin(), seen.end(), *index) != seen.end())
      fail(error_code::duplicate_id, field("category"),
           fmt::format("need category '{}' listed twice", n.category));
    seen.push_back(*index);
    if (n.urgency < min_urgency || n.urgency > max_urgency)
      fail(error_code::invalid_value, field("urgency"),
           fmt::format("urgency {} is outside [{}, {}]", n.urgency, min_urgency, max_urgency));
    if (!std::isfinite(n.weight) || n.weight <= 0.0)
      fail(error_code::invalid_value, field("weight"), "weight must be a positive number");
  }
  const case_location& where = c.location;
  if (where.municipality.empty() && !where.postcode && !where.point)
    fail(error_code::empty_value, "location",
         "a case needs a municipality, a postcode (PC4) or a point");
  if (!where.municipality.empty()) {
    out.municipality = places.find(where.municipality);
    if (!out.municipality)
      fail(error_code::unknown_municipality, "location.municipality",
           fmt::format("unknown municipality code '{}'", where.municipality));
  }
  if (where.postcode && !is_valid_pc4(*where.postcode))
    fail(error_code::invalid_value, "location.postcode", "a PC4 postcode is 1000–9999");
  if (where.point && !is_valid(*where.point))
    fail(error_code::invalid_value, "location.point", "latitude or longitude out of range");
  if (c.profile.age) {
    if (c.profile.age->min > c.profile.age->max)
      fail(error_code::inverted_range, "profile.age",
           fmt::format("age band upside down: min {} > max {}", c.profile.age->min,
                       c.profile.age->max));
    if (c.profile.age->max > max_age)
      fail(error_code::invalid_value, "profile.age", fmt::format("age above {}", max_age));
  }
  for (const std::string& language : c.profile.languages)
    if (!is_language_code(language))
      fail(error_code::invalid_value, "profile.languages",
           fmt::format("'{}' is not an ISO 639 language code", language));
  for (const std::string& partner : c.excluded_partners)
    if (partner.empty()) fail(error_code::empty_value, "excluded_partners", "empty partner id");
}

}  // namespace keten
