// keten/geography.hpp — Dutch municipalities, PC4 postcodes and points on the map.
//
// Municipalities are identified by their CBS code "GM" + 4 digits (GM0363 = Amsterdam). keten ships
// the 342 municipalities of 2023 (data/nl_municipalities.csv, embedded in the library at build
// time) as geography::netherlands(); a caller may build another geography (tests, other years).
// Once built, a municipality is addressed by a dense municipality_index.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keten/detail/string_hash.hpp"

namespace keten {

/// A point in WGS84 decimal degrees.
struct geo_point {
  double lat{};
  double lon{};
  friend bool operator==(const geo_point&, const geo_point&) = default;
};

/// True if lat ∈ [-90, 90] and lon ∈ [-180, 180] (and neither is NaN).
[[nodiscard]] bool is_valid(geo_point p) noexcept;

/// Great-circle distance in kilometres (haversine, Earth radius 6371.0088 km). O(1).
[[nodiscard]] double distance_km(geo_point a, geo_point b) noexcept;

/// A 4-digit Dutch postcode area (1000–9999), the part of an address a referral usually knows.
using pc4 = std::uint16_t;

/// Parses "3511" into 3511; nullopt unless exactly four digits with the first not 0.
[[nodiscard]] std::optional<pc4> parse_pc4(std::string_view text) noexcept;
/// True for 1000–9999.
[[nodiscard]] constexpr bool is_valid_pc4(int value) noexcept {
  return value >= 1000 && value <= 9999;
}

/// True if `code` is "GM" followed by exactly four digits.
[[nodiscard]] bool is_municipality_code(std::string_view code) noexcept;

using municipality_index = std::uint32_t;

struct municipality {
  std::string code;  ///< "GM0363"
  std::string name;  ///< "Amsterdam"
  std::string province;
  std::uint32_t population{};
  std::uint32_t area_km2{};
  geo_point point;  ///< a representative point, usually near the main town

  friend bool operator==(const municipality&, const municipality&) = default;
};

/// A set of municipalities with an index by CBS code. Immutable after construction.
class geography {
 public:
  geography() = default;
  /// Validates and indexes. Throws validation_error on a malformed or duplicate code or an invalid
  /// point. O(n).
  explicit geography(std::vector<municipality> municipalities);

  /// The 342 municipalities of 2023, parsed once from the embedded copy of
  /// data/nl_municipalities.csv. Thread-safe; every call shares the same object.
  [[nodiscard]] static std::shared_ptr<const geography> netherlands();

  /// Parses the CSV format of data/nl_municipalities.csv (header
  /// code,name,province,population,area_km2,lat,lon). Throws parse_error naming `source_name` and
  /// the line on a malformed row. O(size of text).
  [[nodiscard]] static geography from_csv(std::string_view text, std::string_view source_name);

  [[nodiscard]] std::optional<municipality_index> find(std::string_view code) const;
  /// Throws not_found_error if no municipality has this code.
  [[nodiscard]] municipality_index index_of(std::string_view code) const;

  [[nodiscard]] const municipality& operator[](municipality_index i) const {
    return municipalities_[i];
  }
  [[nodiscard]] std::size_t size() const noexcept { return municipalities_.size(); }
  [[nodiscard]] std::span<const municipality> municipalities() const noexcept {
    return municipalities_;
  }

  friend bool operator==(const geography& a, const geography& b) {
    return a.municipalities_ == b.municipalities_;
  }

 private:
  std::vector<municipality> municipalities_;
  detail::string_map<municipality_index> by_code_;
};

}  // namespace keten
