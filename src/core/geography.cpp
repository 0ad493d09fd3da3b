// Geography (keten/geography.hpp): points and distances, PC4 and municipality codes, and the
// municipalities of 2023, compiled in and read with the CSV reader of src/io.
#include "keten/geography.hpp"

#include <charconv>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "../io/csv.hpp"
#include "keten/error.hpp"

namespace keten {

namespace detail {
extern const std::string_view embedded_municipalities_csv;
}

bool is_valid(geo_point p) noexcept {
  return p.lat >= -90.0 && p.lat <= 90.0 && p.lon >= -180.0 && p.lon <= 180.0;
}

double distance_km(geo_point a, geo_point b) noexcept {
  constexpr double earth_radius_km = 6371.0088;
  constexpr double to_rad = std::numbers::pi / 180.0;
  const double dlat = (b.lat - a.lat) * to_rad;
  const double dlon = (b.lon - a.lon) * to_rad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(a.lat * to_rad) * std::cos(b.lat * to_rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2.0 * earth_radius_km * std::asin(std::min(1.0, std::sqrt(h)));
}

std::optional<pc4> parse_pc4(std::string_view text) noexcept {
  if (text.size() != 4 || text[0] < '1' || text[0] > '9') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return static_cast<pc4>(value);
}

bool is_municipality_code(std::string_view code) noexcept {
  if (code.size() != 6 || code[0] != 'G' || code[1] != 'M') return false;
  for (char c : code.substr(2))
    if (c < '0' || c > '9') return false;
  return true;
}

geography::geography(std::vector<municipality> municipalities)
    : municipalities_(std::move(municipalities)) {
  by_code_.reserve(municipalities_.size());
  for (std::size_t i = 0; i < municipalities_.size(); ++i) {
    const municipality& m = municipalities_[i];
    if (!is_municipality_code(m.code)) {
      throw validation_error(error_code::invalid_value,
                             "a municipality code is 'GM' followed by four digits",
                             {.field = "code", .object_id = m.code});
    }
    if (!is_valid(m.point)) {
      throw validation_error(error_code::invalid_value, "latitude or longitude out of range",
                             {.field = "lat/lon", .object_id = m.code});
    }
    if (!by_code_.emplace(m.code, static_cast<municipality_index>(i)).second) {
      throw validation_error(error_code::duplicate_id, "municipality listed twice",
                             {.field = "code", .object_id = m.code});
    }
  }
}

std::shared_ptr<const geography> geography::netherlands() {
  static const std::shared_ptr<const geography> instance = std::make_shared<const geography>(
      from_csv(detail::embedded_municipalities_csv, "data/nl_municipalities.csv"));
  return instance;
}

geography geography::from_csv(std::string_view text, std::string_view source_name) {
  detail::csv_reader reader(text, source_name);
  reader.expect_header({"code", "name", "province", "population", "area_km2", "lat", "lon"});
  std::vector<municipality> rows;
  while (reader.next()) {
    municipality m;
    m.code = std::string(reader.text(0));
    m.name = std::string(reader.text(1));
    m.province = std::string(reader.text(2));
    m.population = static_cast<std::uint32_t>(reader.integer(3, 0, 100'000'000));
    m.area_km2 = static_cast<std::uint32_t>(reader.integer(4, 0, 1'000'000));
    m.point = {reader.real(5, -90.0, 90.0), reader.real(6, -180.0, 180.0)};
    if (!is_municipality_code(m.code)) reader.fail("code", "expected 'GM' followed by four digits");
    rows.push_back(std::move(m));
  }
  try {
    return geography(std::move(rows));
  } catch (const error& e) {
    rethrow_with_position(e, {.file = std::string(source_name)});
  }
}

std::optional<municipality_index> geography::find(std::string_view code) const {
  const auto it = by_code_.find(code);
  if (it == by_code_.end()) return std::nullopt;
  return it->second;
}

municipality_index geography::index_of(std::string_view code) const {
  if (auto i = find(code)) return *i;
  throw not_found_error(fmt::format("unknown municipality code '{}'", code),
                        {.object_id = std::string(code)});
}

}  // namespace keten
