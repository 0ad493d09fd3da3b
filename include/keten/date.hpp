// keten/date.hpp — calendar dates (a chain's start, a cooperation scan's day) as ISO 8601 text.
//
// A date is std::chrono::year_month_day (proleptic Gregorian, no time zone). Header-only.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace keten {

using date = std::chrono::year_month_day;

/// The years keten accepts in its files: wide enough for any chain or scan, narrow enough that a
/// typo ("20224-01-01", "0024-01-01") is caught.
inline constexpr int min_date_year = 1900;
inline constexpr int max_date_year = 2200;

/// Parses "YYYY-MM-DD" (exactly ten characters, a real calendar day, year in [min_date_year,
/// max_date_year]); nullopt for anything else. O(1).
[[nodiscard]] inline std::optional<date> parse_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto digits = [&](std::size_t from, std::size_t count) -> int {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int y = digits(0, 4);
  const int m = digits(5, 2);
  const int d = digits(8, 2);
  if (y < min_date_year || y > max_date_year || m < 1 || d < 1) return std::nullopt;
  const date out{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                 std::chrono::day{static_cast<unsigned>(d)}};
  if (!out.ok()) return std::nullopt;
  return out;
}

/// "YYYY-MM-DD". Precondition: d.ok(). O(1).
[[nodiscard]] inline std::string to_string(const date& d) {
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  std::string out(10, '-');
  const auto put = [&](std::size_t at, unsigned value, std::size_t width) {
    for (std::size_t i = width; i-- > 0;) {
      out[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, static_cast<unsigned>(y < 0 ? 0 : y), 4);
  put(5, m, 2);
  put(8, day, 2);
  return out;
}

/// Whole days from `from` to `to` (negative if `to` is earlier). O(1).
[[nodiscard]] inline int days_between(const date& from, const date& to) noexcept {
  return static_cast<int>((std::chrono::sys_days{to} - std::chrono::sys_days{from}).count());
}

}  // namespace keten
