// src/io/csv.hpp — a validating reader of CSV text over libcsv (RFC 4180: quotes, embedded commas
// and line breaks). Private to the compiled library.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keten::detail {

/// Parses all of `text` on construction; a malformed text (a bad quote, a row whose number of
/// fields differs from the header's) throws parse_error naming the source and the line. Then next()
/// walks the data rows and the typed getters check every field, throwing parse_error with the
/// source, the line and the column name.
class csv_reader {
 public:
  csv_reader(std::string_view text, std::string_view source_name);

  [[nodiscard]] const std::vector<std::string>& header() const noexcept { return header_; }
  /// Throws parse_error unless the header is exactly these names.
  void expect_header(std::initializer_list<std::string_view> names) const;
  [[nodiscard]] std::optional<std::size_t> column(std::string_view name) const;

  /// Moves to the next data row; false after the last.
  bool next();
  [[nodiscard]] std::size_t line() const;
  [[nodiscard]] std::string_view text(std::size_t col) const;
  [[nodiscard]] long long integer(std::size_t col, long long lo, long long hi) const;
  [[nodiscard]] double real(std::size_t col, double lo, double hi) const;
  [[noreturn]] void fail(std::string_view field, std::string_view message) const;

 private:
  struct row {
    std::size_t line{};
    std::vector<std::string> fields;
  };
  std::string source_;
  std::vector<std::string> header_;
  std::vector<row> rows_;
  std::size_t current_{0};  // 1-based index into rows_ once next() has been called
};

}  // namespace keten::detail
