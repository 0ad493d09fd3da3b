// keten/error.hpp — the one error hierarchy of keten.
//
// Every failure that a caller can cause (bad input, an unknown id, a file that cannot be read) is
// reported by throwing a type derived from keten::error. Each error carries a stable numeric id (so
// that tools and tests can tell errors apart without parsing the message) and, where known, the
// position that caused it: a file, a line and column, a JSON pointer, a field name and an object
// id.
//
//   error               base; what() = "[keten.<kind>.<id>] <where>: <message>"
//   ├── parse_error     the bytes are not well-formed (JSON syntax, a CSV row, a DIMACS line)
//   ├── validation_error well-formed input that breaks a rule (negative capacity, duplicate id,
//   cycle) ├── not_found_error a lookup by id or code that names nothing (maps to Python KeyError)
//   └── io_error        a file that cannot be opened, read or written (maps to Python OSError)
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace keten {

/// Where in the input an error was found. Every member is optional; empty/zero means unknown.
struct source_position {
  std::string file;      ///< path of the file, or a name such as "<string>"
  std::size_t line{};    ///< 1-based line, 0 if unknown
  std::size_t column{};  ///< 1-based column, 0 if unknown
  std::string
      pointer;  ///< JSON pointer (RFC 6901) of the offending value, e.g. "/offerings/3/capacity"
  std::string field;      ///< the offending field, e.g. "free_units"
  std::string object_id;  ///< the id of the object the field belongs to, e.g. "shm-gm0363-debts"

  /// "file:line:column pointer (field of 'id')" with the unknown parts left out.
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] bool empty() const {
    return file.empty() && line == 0 && pointer.empty() && field.empty() && object_id.empty();
  }
};

/// Stable numeric ids. Numbers never change meaning once released; new ones are appended.
enum class error_code : int {
  // parse errors: 100–199
  json_syntax = 101,
  csv_syntax = 102,
  dimacs_syntax = 103,
  wrong_type = 110,
  missing_field = 111,
  unknown_field = 112,
  unsupported_format = 113,
  snapshot_corrupt = 114,
  // validation errors: 200–299
  duplicate_id = 201,
  unknown_category = 202,
  unknown_municipality = 203,
  unknown_reference = 204,
  negative_value = 205,
  inverted_range = 206,
  precedence_cycle = 207,
  invalid_value = 208,
  empty_value = 209,
  // lookups: 300–399
  not_found = 301,
  // input/output: 400–499
  cannot_open = 401,
  cannot_write = 402,
  // Open Referral HSDS import (keten/hsds.hpp): 500–599
  hsds_unrecognised = 501,      ///< parse_error: not an HSDS document, table or data package
  hsds_wrong_type = 502,        ///< parse_error: a value of the wrong type (text where a number)
  hsds_missing_value = 503,     ///< validation_error: a value keten needs is absent
  hsds_broken_reference = 504,  ///< validation_error: a reference to a record that is not there
  hsds_duplicate_id = 505,      ///< validation_error: two records of one table with one id
  hsds_invalid_value = 506,     ///< validation_error: a value out of range or of the wrong form
  // the referral ledger (keten/ledger.hpp): 600–699
  illegal_transition = 601,  ///< transition_error: that role may not make that transition now
  reason_required = 602,     ///< validation_error: rejected/cancelled/on-hold/failed without reason
  ledger_no_capacity = 603,  ///< validation_error: the offering has no free unit to hold
  ledger_foreign = 604,      ///< parse_error: not a SQLite database, or not a keten ledger
  ledger_damaged = 605,      ///< parse_error: a ledger whose schema or pages are broken
  ledger_version = 606,      ///< parse_error: a ledger of a newer format
  ledger_busy = 607,         ///< io_error: another connection held the write lock too long
  ledger_storage = 608,      ///< io_error: SQLite failed otherwise (disk full, read-only, …)
};

/// Base of every exception keten throws on purpose.
class error : public std::runtime_error {
 public:
  error(error_code code, std::string_view kind, std::string message, source_position where = {});

  [[nodiscard]] error_code code() const noexcept { return code_; }
  [[nodiscard]] int id() const noexcept { return static_cast<int>(code_); }
  /// The message without the id and position prefix.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] const source_position& where() const noexcept { return where_; }

 private:
  error_code code_;
  std::string message_;
  source_position where_;
};

class parse_error : public error {
 public:
  parse_error(error_code code, std::string message, source_position where = {})
      : error(code, "parse_error", std::move(message), std::move(where)) {}
};

class validation_error : public error {
 public:
  validation_error(error_code code, std::string message, source_position where = {})
      : error(code, "validation_error", std::move(message), std::move(where)) {}
};

class not_found_error : public error {
 public:
  explicit not_found_error(std::string message, source_position where = {})
      : error(error_code::not_found, "not_found_error", std::move(message), std::move(where)) {}
};

class io_error : public error {
 public:
  io_error(error_code code, std::string message, source_position where = {})
      : error(code, "io_error", std::move(message), std::move(where)) {}
};

/// A referral transition that the ledger refuses (keten/ledger.hpp): names the referral
/// (object_id), its state and the transition asked for.
class transition_error : public validation_error {
 public:
  transition_error(std::string message, std::string referral, std::string state,
                   std::string transition)
      : validation_error(error_code::illegal_transition, std::move(message),
                         source_position{{}, 0, 0, {}, "state", referral}),
        referral_(std::move(referral)),
        state_(std::move(state)),
        transition_(std::move(transition)) {}
  [[nodiscard]] const std::string& referral() const noexcept { return referral_; }
  [[nodiscard]] const std::string& state() const noexcept { return state_; }
  [[nodiscard]] const std::string& transition() const noexcept { return transition_; }

 private:
  std::string referral_;
  std::string state_;
  std::string transition_;
};

/// Rethrows `e` (same dynamic type, same code and message) with the unknown parts of its position
/// filled in from `outer`. Used by loaders to add the file and JSON pointer to an error raised by
/// the model's validation, which knows only the field and the id.
[[noreturn]] void rethrow_with_position(const error& e, const source_position& outer);

}  // namespace keten
