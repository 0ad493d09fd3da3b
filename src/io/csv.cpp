// The CSV reader shared by the municipality table and HSDS data packages (src/io/csv.hpp), over
// libcsv: UTF-8 checked, each record with its line.
#include "csv.hpp"

#include <csv.h>

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "files.hpp"
#include "keten/error.hpp"

namespace keten::detail {

namespace {
struct collector {
  std::vector<std::vector<std::string>> records;
  std::vector<std::size_t> lines;
  std::vector<std::string> fields;
  std::size_t line{0};         // the line being fed
  std::size_t record_line{1};  // the line the current record started on
  bool between_records{true};
};

void on_field(void* data, std::size_t size, void* user) {
  auto& c = *static_cast<collector*>(user);
  c.fields.emplace_back(static_cast<const char*>(data), size);
}

void on_record(int /*terminator*/, void* user) {
  auto& c = *static_cast<collector*>(user);
  c.between_records = true;
  c.records.push_back(std::move(c.fields));
  c.lines.push_back(c.record_line);
  c.fields.clear();
}
}  // namespace

csv_reader::csv_reader(std::string_view text, std::string_view source_name) : source_(source_name) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  csv_parser parser{};
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    throw parse_error(error_code::csv_syntax, "cannot initialise the CSV parser",
                      {.file = source_});
  collector c;
  const auto fail_at = [&](std::size_t line) {
    std::string reason = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    throw parse_error(error_code::csv_syntax, fmt::format("malformed CSV: {}", reason),
                      {.file = source_, .line = line});
  };
  // Feed one physical line at a time, so that each record knows the line it starts on.
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view chunk = text.substr(pos, end - pos);
    ++c.line;
    // A record starts on the first non-blank line after the previous one ended (libcsv skips
    // blank lines); a quoted field may carry it over several lines.
    if (c.between_records && chunk.find_first_not_of("\r\n") != std::string_view::npos) {
      c.record_line = c.line;
      c.between_records = false;
    }
    if (chunk.find('\0') != std::string_view::npos) {
      csv_free(&parser);
      throw parse_error(error_code::csv_syntax, "NUL byte in CSV text",
                        {.file = source_, .line = c.line});
    }
    // CSV text is UTF-8: fields end up in JSON and in error messages. '\n' is never part of a
    // multi-byte sequence, so each line can be checked alone.
    if (!is_valid_utf8(chunk)) {
      csv_free(&parser);
      throw parse_error(error_code::csv_syntax, "invalid UTF-8 in CSV text",
                        {.file = source_, .line = c.line});
    }
    if (csv_parse(&parser, chunk.data(), chunk.size(), on_field, on_record, &c) != chunk.size())
      fail_at(c.line);
    pos = end;
  }
  if (csv_fini(&parser, on_field, on_record, &c) != 0) fail_at(c.line);
  csv_free(&parser);

  // libcsv reports blank lines as nothing, so every record here has at least one field.
  if (c.records.empty())
    throw parse_error(error_code::csv_syntax, "empty CSV: no header row",
                      {.file = source_, .line = 1});
  header_ = std::move(c.records.front());
  rows_.reserve(c.records.size() - 1);
  for (std::size_t i = 1; i < c.records.size(); ++i) {
    if (c.records[i].size() != header_.size()) {
      throw parse_error(
          error_code::csv_syntax,
          fmt::format("row has {} fields, the header has {}", c.records[i].size(), header_.size()),
          {.file = source_, .line = c.lines[i]});
    }
    rows_.push_back({c.lines[i], std::move(c.records[i])});
  }
}

void csv_reader::expect_header(std::initializer_list<std::string_view> names) const {
  const bool same = std::equal(header_.begin(), header_.end(), names.begin(), names.end());
  if (!same) {
    throw parse_error(error_code::csv_syntax,
                      fmt::format("unexpected header; expected: {}", fmt::join(names, ",")),
                      {.file = source_, .line = 1});
  }
}

std::optional<std::size_t> csv_reader::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return std::nullopt;
}

bool csv_reader::next() {
  if (current_ >= rows_.size()) return false;
  ++current_;
  return true;
}

std::size_t csv_reader::line() const {
  return current_ == 0 ? 1 : rows_[current_ - 1].line;
}

std::string_view csv_reader::text(std::size_t col) const {
  return rows_.at(current_ - 1).fields.at(col);
}

void csv_reader::fail(std::string_view field, std::string_view message) const {
  throw parse_error(error_code::csv_syntax, std::string(message),
                    {.file = source_, .line = line(), .field = std::string(field)});
}

long long csv_reader::integer(std::size_t col, long long lo, long long hi) const {
  const std::string_view s = text(col);
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty())
    fail(header_[col], fmt::format("expected a whole number, got '{}'", s));
  if (value < lo || value > hi)
    fail(header_[col], fmt::format("{} is outside [{}, {}]", value, lo, hi));
  return value;
}

double csv_reader::real(std::size_t col, double lo, double hi) const {
  const std::string_view s = text(col);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty() || !std::isfinite(value))
    fail(header_[col], fmt::format("expected a number, got '{}'", s));
  if (value < lo || value > hi)
    fail(header_[col], fmt::format("{} is outside [{}, {}]", value, lo, hi));
  return value;
}

}  // namespace keten::detail
