// HSDS import, the services: each service with a keten need category (or one a crosswalk maps
// its own terms to) becomes an offering — categories, fields, ages, languages, area, capacity and
// its staleness (src/io/hsds_importer.hpp).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hsds_importer.hpp"
#include "keten/case.hpp"
#include "keten/geography.hpp"

namespace keten::detail::hsds_import {

bool importer::map_foreign_term(std::size_t s, const row& attr, std::size_t term_row, offering& o) {
  const term_info& t = terms_[term_row];
  const std::string code = lower(trim(t.code));
  const std::string name = lower(trim(t.name));
  const std::string taxonomy = lower(trim(t.taxonomy));
  bool mapped = false;
  // The rows whose match is the code or the name, in row order, each once.
  std::vector<std::size_t> rows;
  for (const std::string* key : {&code, &name})
    if (const auto it = term_rows_.find(*key); it != term_rows_.end())
      rows.insert(rows.end(), it->second.begin(), it->second.end());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  for (std::size_t i : rows) {
    const hsds_crosswalk_row& c = options_.crosswalk.rows[i];
    if (!c.taxonomy.empty() && lower(trim(c.taxonomy)) != taxonomy) continue;
    mapped = true;
    if (std::find(o.categories.begin(), o.categories.end(), c.keten) == o.categories.end())
      o.categories.push_back(c.keten);
  }
  if (mapped) return true;
  if (options_.strict)
    fail(attr, "taxonomy_term_id", error_code::hsds_missing_value,
         fmt::format("term '{}' ('{}') of taxonomy '{}' maps to no keten need category; add it "
                     "to the crosswalk",
                     detail::printable(t.code), detail::printable(t.name),
                     detail::printable(t.taxonomy)));
  auto [it, fresh] = unmapped_.try_emplace(term_row, report_.unmapped_terms.size());
  if (fresh) report_.unmapped_terms.push_back({t.taxonomy, t.code, t.name, 0, where(attr)});
  hsds_unmapped_term& u = report_.unmapped_terms[it->second];
  if (last_service_of_unmapped_[it->second] != s + 1) {
    ++u.services;
    last_service_of_unmapped_[it->second] = s + 1;
  }
  return false;
}

std::string importer::municipality_code(const row& attribute, const term_info& t) {
  if (!options_.places->find(t.code))
    fail(attribute, "taxonomy_term_id", error_code::unknown_municipality,
         fmt::format("unknown municipality code '{}'", detail::printable(t.code)));
  return t.code;
}

std::optional<draft> importer::read_service(std::size_t s) {
  const row& r = t_[h::services].rows[s];
  offering o;
  o.id = r.id;
  if (auto name = text(r, "name")) o.name = *name;
  std::optional<std::int32_t> typical_duration;
  bool unmapped = false;
  bool by_crosswalk = false;
  for (std::size_t a : attributes_of(h::services, s)) {
    const row& attr = t_[h::attributes].rows[a];
    const term_info& t = term_of(a);
    if (!keten_taxonomy(t.taxonomy)) {
      const std::size_t term_row =
          t_[h::taxonomy_terms].by_id.at(*reference(attr, "taxonomy_term_id"));
      if (map_foreign_term(s, attr, term_row, o))
        by_crosswalk = true;
      else
        unmapped = true;
      continue;
    }
    if (t.taxonomy == hsds_categories_taxonomy) {
      if (parse_help_form(t.code)) {
        warn(
            attr, "taxonomy_term_id",
            fmt::format("a help form ('{}') says too little; keten needs need categories", t.code));
        continue;
      }
      if (!builder_.categories().find(t.code))
        fail(attr, "taxonomy_term_id", error_code::unknown_category,
             fmt::format("unknown need category '{}'", detail::printable(t.code)));
      o.categories.push_back(t.code);
    } else if (t.taxonomy == hsds_fields_taxonomy) {
      const std::string value = value_of(attr);
      if (t.code == h::term_offering_id) {
        if (value.empty())
          fail(attr, "value", error_code::hsds_missing_value, "an offering id must not be empty");
        o.id = value;
      } else if (t.code == h::term_offering_name) {
        o.name = value;
      } else if (t.code == h::term_household) {
        const auto type = parse_household_type(value);
        if (!type)
          fail(attr, "value", error_code::hsds_invalid_value,
               fmt::format("'{}' is no household type (single, couple, single_parent, family, "
                           "other)",
                           detail::printable(value)));
        o.rules.households.push_back(*type);
      } else if (t.code == h::term_professional_referrer) {
        if (value != "true" && value != "false")
          fail(attr, "value", error_code::hsds_invalid_value,
               fmt::format("expected true or false, got '{}'", detail::printable(value)));
        o.rules.requires_professional_referrer = value == "true";
      } else if (t.code == h::term_typical_duration) {
        typical_duration =
            whole_text(attr, "value", value, 0, std::numeric_limits<std::int32_t>::max());
      } else {
        warn(attr, "taxonomy_term_id",
             fmt::format("keten field '{}' does not apply to a service; ignored",
                         detail::printable(t.code)));
      }
    }
  }
  if (unmapped) ++report_.services_with_unmapped_terms;
  if (const auto service_name = text(r, "name")) {
    const std::string wanted = lower(trim(*service_name));
    if (const auto it = service_rows_.find(wanted); it != service_rows_.end()) {
      for (std::size_t i : it->second) {
        const hsds_crosswalk_row& c = options_.crosswalk.rows[i];
        by_crosswalk = true;
        if (std::find(o.categories.begin(), o.categories.end(), c.keten) == o.categories.end())
          o.categories.push_back(c.keten);
      }
    }
  }
  if (by_crosswalk && !o.categories.empty()) ++report_.services_mapped_by_crosswalk;
  if (o.categories.empty()) {
    if (options_.strict)
      fail(r, "attributes", error_code::hsds_missing_value,
           "the service has no keten need category (an attribute with a term of taxonomy "
           "keten.categories)");
    warn(r, "attributes",
         "no keten need category (an attribute with a term of taxonomy keten.categories); "
         "service skipped");
    ++report_.services_skipped;
    return std::nullopt;
  }
  if (const auto status = text(r, "status");
      status && (*status == "inactive" || *status == "defunct")) {
    warn(r, "status", fmt::format("status '{}'; service skipped", *status));
    ++report_.services_skipped;
    return std::nullopt;
  }
  const auto organization = follow(r, "organization_id", h::organizations);
  if (!organization)
    fail(r, "organization_id", error_code::hsds_missing_value,
         "keten needs the organization that provides the service");

  read_ages(r, o);
  read_languages(s, o);
  read_area(s, r, o);
  read_capacity(s, r, o);
  if (typical_duration)
    o.units.typical_duration_days = *typical_duration;
  else
    warn(r, "attributes", "no typical duration (capacity.typical_duration_days); 0 days assumed");
  return draft{s, *organization, std::move(o)};
}

void importer::read_ages(const row& r, offering& o) {
  const auto age = [&](std::string_view field, std::uint8_t fallback) -> std::uint8_t {
    const auto v = number(r, field);
    if (!v) return fallback;
    if (*v != std::floor(*v))
      fail(r, field, error_code::hsds_invalid_value,
           fmt::format("age {} is not a whole number", *v));
    if (*v < 0)
      fail(r, field, error_code::hsds_invalid_value, fmt::format("age {} is negative", *v));
    if (*v > max_age) {
      warn(r, field, fmt::format("age {} is above {}; {} assumed", *v, max_age, max_age));
      return static_cast<std::uint8_t>(max_age);
    }
    return static_cast<std::uint8_t>(*v);
  };
  o.rules.ages.min = age("minimum_age", 0);
  o.rules.ages.max = age("maximum_age", static_cast<std::uint8_t>(max_age));
}

void importer::read_languages(std::size_t s, offering& o) {
  for (std::size_t i : languages_[s]) {
    const row& r = t_[h::languages].rows[i];
    const auto code = reference(r, "code");
    if (!code) {
      warn(r, "code", "a language without a code; ignored");
      continue;
    }
    std::string normal = lower(*code);
    if (const auto cut = normal.find_first_of("-_"); cut != std::string::npos) normal.resize(cut);
    if (!is_language_code(normal)) {
      warn(r, "code",
           fmt::format("'{}' is no ISO 639 language code; ignored", detail::printable(*code)));
      continue;
    }
    if (normal != *code)
      warn(r, "code", fmt::format("language '{}' read as '{}'", detail::printable(*code), normal));
    if (std::find(o.rules.languages.begin(), o.rules.languages.end(), normal) ==
        o.rules.languages.end())
      o.rules.languages.push_back(std::move(normal));
  }
}

void importer::read_area(std::size_t s, const row& service, offering& o) {
  for (std::size_t i : areas_[s]) {
    const row& r = t_[h::service_areas].rows[i];
    bool understood = false;
    for (std::size_t a : attributes_of(h::service_areas, i)) {
      const row& attr = t_[h::attributes].rows[a];
      const term_info& t = term_of(a);
      if (t.taxonomy == hsds_municipality_taxonomy) {
        o.area.municipalities.push_back(municipality_code(attr, t));
        understood = true;
      } else if (t.taxonomy == hsds_postcode_taxonomy) {
        const auto p = parse_pc4(t.code);
        if (!p)
          fail(attr, "taxonomy_term_id", error_code::hsds_invalid_value,
               fmt::format("'{}' is no PC4 postcode (1000–9999)", detail::printable(t.code)));
        o.area.postcodes.push_back(*p);
        understood = true;
      }
    }
    if (understood) continue;
    const auto name = text(r, "name");
    if (name) {
      if (const auto it = by_name_.find(lower(trim(*name))); it != by_name_.end()) {
        warn(r, "name",
             fmt::format("municipality {} inferred from the name '{}'", it->second,
                         detail::printable(*name)));
        o.area.municipalities.push_back(it->second);
        continue;
      }
    }
    warn(r, "", "a service area without a municipality or PC4 term; ignored");
  }
  for (std::size_t i : links_[s]) {
    const row& r = t_[h::service_at_location].rows[i];
    std::optional<double> km;
    for (std::size_t a : attributes_of(h::service_at_location, i)) {
      const term_info& t = term_of(a);
      if (t.taxonomy != hsds_fields_taxonomy || t.code != h::term_radius_km) continue;
      const row& attr = t_[h::attributes].rows[a];
      km = parse_number(value_of(attr));
      if (!km)
        fail(
            attr, "value", error_code::hsds_invalid_value,
            fmt::format("a radius is a number of km, got '{}'", detail::printable(value_of(attr))));
    }
    if (!km) {
      warn(r, "", "a location without a keten radius (area.radius_km); not part of the area");
      continue;
    }
    if (o.area.radius) {
      warn(r, "", "keten holds one circle per offering; this one is ignored");
      continue;
    }
    const auto location = follow(r, "location_id", h::locations);
    if (!location)
      fail(r, "location_id", error_code::hsds_missing_value,
           "a radius needs a location (its centre)");
    const row& place = t_[h::locations].rows[*location];
    const auto lat = number(place, "latitude");
    const auto lon = number(place, "longitude");
    if (!lat || !lon)
      fail(place, lat ? "longitude" : "latitude", error_code::hsds_missing_value,
           "the centre of a radius needs latitude and longitude");
    if (!is_valid(geo_point{*lat, *lon}))
      fail(place, std::abs(*lat) > 90 ? "latitude" : "longitude", error_code::hsds_invalid_value,
           "latitude or longitude out of range");
    o.area.radius = radius_area{{*lat, *lon}, *km};
  }
  if (o.area.municipalities.empty() && o.area.postcodes.empty() && !o.area.radius) {
    // A service given at a location serves the municipality of that location's address.
    for (std::size_t i : links_[s]) {
      const auto location = follow(t_[h::service_at_location].rows[i], "location_id", h::locations);
      if (!location) continue;
      for (std::size_t a : addresses_[*location]) {
        const row& address = t_[h::addresses].rows[a];
        const auto city = text(address, "city");
        if (!city) continue;
        const auto it = by_name_.find(lower(trim(*city)));
        if (it == by_name_.end() ||
            std::find(o.area.municipalities.begin(), o.area.municipalities.end(), it->second) !=
                o.area.municipalities.end())
          continue;
        warn(address, "city",
             fmt::format("service area {} inferred from the city '{}' of a location where the "
                         "service is given",
                         it->second, detail::printable(*city)));
        o.area.municipalities.push_back(it->second);
      }
    }
  }
  if (o.area.municipalities.empty() && o.area.postcodes.empty() && !o.area.radius)
    fail(service, "service_areas", error_code::hsds_missing_value,
         "keten needs a service area: a service_area with a municipality (nl.cbs.gemeente) or "
         "PC4 (nl.pc4) term, or a service_at_location with area.radius_km");
}

void importer::read_capacity(std::size_t s, const row& service, offering& o) {
  if (const auto wait = text(service, "wait_time")) {
    const std::string_view w = trim(*wait);
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
    const std::string_view unit =
        trim(std::string_view(ptr, static_cast<std::size_t>(w.data() + w.size() - ptr)));
    const int factor = unit == "days" || unit == "day"     ? 1
                       : unit == "weeks" || unit == "week" ? 7
                                                           : 0;
    if (ec == std::errc{} && ptr != w.data() && factor != 0 && n >= 0 && n * factor <= 36500)
      o.units.intake_wait_days = static_cast<std::int32_t>(n * factor);
    else
      warn(service, "wait_time",
           fmt::format("'{}' is not \"<n> days\" or \"<n> weeks\"; no intake wait assumed",
                       detail::printable(*wait)));
  } else {
    warn(service, "wait_time", "no wait_time; no intake wait assumed");
  }
  const auto& rows = capacities_[s];
  if (rows.empty()) {
    warn(service, "capacities",
         "no service_capacity (HSDS 3.1); capacity 0 of 0 assumed (the offering is full)");
    return;
  }
  if (rows.size() > 1)
    warn(t_[h::service_capacity].rows[rows[1]], "",
         "keten holds one capacity per offering; only the first is used");
  const row& r = t_[h::service_capacity].rows[rows.front()];
  constexpr auto most = std::numeric_limits<std::int32_t>::max();
  const auto available = whole(r, "available", 0, most);
  if (!available)
    fail(r, "available", error_code::hsds_missing_value, "a service_capacity needs available");
  o.units.free_units = *available;
  if (const auto maximum = whole(r, "maximum", 0, most)) {
    o.units.units_per_period = *maximum;
  } else {
    warn(r, "maximum", "no maximum; taken equal to available");
    o.units.units_per_period = *available;
  }
  const auto unit = follow(r, "unit_id", h::units);
  std::optional<std::int32_t> period;
  if (unit) {
    const row& u = t_[h::units].rows[*unit];
    const std::string identifier = text(u, "identifier").value_or("");
    if (text(u, "scheme").value_or("") == h::keten_scheme && identifier.starts_with("per-") &&
        identifier.ends_with("-days"))
      period = whole_text(u, "identifier",
                          std::string_view(identifier).substr(4, identifier.size() - 9), 1, most);
  }
  if (period)
    o.units.period_days = *period;
  else
    warn(r, "unit_id",
         "the unit names no keten period (scheme keten, per-<n>-days); 365 days assumed");
  check_staleness(r);
}

void importer::check_staleness(const row& r) {
  const auto updated = reference(r, "updated");
  if (!updated) {
    warn(r, "updated", "no updated time stamp; the capacity may be stale");
    return;
  }
  const std::string_view stamp = trim(*updated);
  const auto day = stamp.size() >= 10 ? parse_date(stamp.substr(0, 10)) : std::nullopt;
  if (!day) {
    warn(r, "updated",
         fmt::format("'{}' is no ISO 8601 date-time; the capacity's age is unknown",
                     detail::printable(*updated)));
    return;
  }
  const int age = days_between(*day, as_of_);
  if (age < -1) {  // a day of slack for time zones
    warn(r, "updated",
         fmt::format("capacity updated {}, after {}: the time stamp lies in the future",
                     to_string(*day), to_string(as_of_)));
    return;
  }
  if (age > options_.stale_after_days) {
    ++report_.capacities_stale;
    warn(r, "updated",
         fmt::format("capacity updated {}, {} days before {} (more than {}): may be stale",
                     to_string(*day), age, to_string(as_of_), options_.stale_after_days));
  }
}

}  // namespace keten::detail::hsds_import
