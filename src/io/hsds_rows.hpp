// src/io/hsds_rows.hpp — the HSDS importer's tables of rows, each row remembering where it came
// from, with the checked readers of a row's values; and the first stage, which reads an input into
// them (src/io/hsds_read.cpp). Private to the compiled library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "files.hpp"
#include "hsds_tables.hpp"
#include "keten/error.hpp"
#include "keten/hsds.hpp"

namespace keten::detail::hsds_import {

using json = nlohmann::json;
namespace h = keten::detail::hsds;

struct row {
  json value;           // an object; only its scalar members are read
  std::string file;     // the CSV file or the JSON document
  std::size_t line{};   // CSV line of the record (the header is line 1); 0 for JSON
  std::string pointer;  // JSON pointer of the object; empty for CSV
  bool from_csv{false};
  std::string id;
};

struct table {
  std::vector<row> rows;
  std::unordered_map<std::string, std::size_t> by_id;
};

using tables = std::array<table, h::table_count>;

// --- the values of a row ------------------------------------------------------------------------

/// A JSON pointer's escaping of one key (~ → ~0, / → ~1).
[[nodiscard]] std::string escape_pointer(std::string_view key);
/// Where a row (and one of its fields) came from: file and CSV line, or JSON pointer; its id.
[[nodiscard]] source_position where(const row& r, std::string_view field = {});
/// Throws parse_error for hsds_unrecognised and hsds_wrong_type, else validation_error.
[[noreturn]] void fail_at(source_position p, error_code code, std::string message);
[[noreturn]] void fail(const row& r, std::string_view field, error_code code, std::string message);

/// A string member; absent or null → nullopt. A CSV cell is always a string.
[[nodiscard]] std::optional<std::string> text(const row& r, std::string_view field);
/// A reference or code: a string member that is absent, null or empty → nullopt.
[[nodiscard]] std::optional<std::string> reference(const row& r, std::string_view field);
using detail::trim;  // files.hpp
/// A finite number written as text (surrounding spaces allowed), or nullopt.
[[nodiscard]] std::optional<double> parse_number(std::string_view s);
/// A number member: a JSON number, or (in CSV) the text of one.
[[nodiscard]] std::optional<double> number(const row& r, std::string_view field);
/// A whole number in [lo, hi].
[[nodiscard]] std::optional<std::int32_t> whole(const row& r, std::string_view field,
                                                std::int32_t lo, std::int32_t hi);
/// A whole number in [lo, hi] written as text (an attribute value).
[[nodiscard]] std::int32_t whole_text(const row& r, std::string_view field, std::string_view s,
                                      std::int32_t lo, std::int32_t hi);

/// The table of a data package file name (organizations.csv) or an entity (organization).
[[nodiscard]] std::optional<h::table_id> table_of_file(std::string_view file);
[[nodiscard]] std::optional<h::table_id> table_of_entity(std::string_view entity);

/// Reads the id of a row and adds it to its table. A duplicate id is an error in tabular input;
/// in a nested document the same record may appear more than once, and the first one counts.
void add_row(tables& all, h::table_id t, row r, bool nested);

// --- reading an input into tables ---------------------------------------------------------------

/// The JSON text, nested at most 64 levels; parse_error with line and column otherwise.
[[nodiscard]] json parse_json(std::string_view text, std::string_view source_name);
/// A tabular document ({"organizations.csv": [rows], …}), a nested one (a page of services, an
/// array or one object of any HSDS kind), flattened into `into`; warnings into `report`.
void read_json_document(const json& doc, const std::string& file, tables& into,
                        hsds_import_report& report);
/// A data package: datapackage.json's resources (or the standard file names) read as CSV.
void read_package(const std::filesystem::path& dir, tables& into, hsds_import_report& report);

}  // namespace keten::detail::hsds_import
