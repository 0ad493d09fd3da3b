// The error hierarchy (keten/error.hpp): positions as text, the stable ids in messages, and
// rethrow_with_position, which adds an outer position to an error.
#include "keten/error.hpp"

#include <fmt/format.h>

namespace keten {

std::string source_position::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += fmt::format(":{}", line);
    if (column != 0) out += fmt::format(":{}", column);
  }
  if (!pointer.empty()) {
    if (!out.empty()) out += ' ';
    out += pointer;
  }
  if (!field.empty() || !object_id.empty()) {
    if (!out.empty()) out += ' ';
    out += '(';
    if (!field.empty()) out += fmt::format("field '{}'", field);
    if (!field.empty() && !object_id.empty()) out += " of ";
    if (!object_id.empty()) out += fmt::format("id '{}'", object_id);
    out += ')';
  }
  return out;
}

namespace {
std::string compose(error_code code, std::string_view kind, const std::string& message,
                    const source_position& where) {
  const std::string position = where.to_string();
  if (position.empty())
    return fmt::format("[keten.{}.{}] {}", kind, static_cast<int>(code), message);
  return fmt::format("[keten.{}.{}] {}: {}", kind, static_cast<int>(code), position, message);
}
}  // namespace

error::error(error_code code, std::string_view kind, std::string message, source_position where)
    : std::runtime_error(compose(code, kind, message, where)),
      code_(code),
      message_(std::move(message)),
      where_(std::move(where)) {}

void rethrow_with_position(const error& e, const source_position& outer) {
  source_position merged = e.where();
  if (merged.file.empty()) merged.file = outer.file;
  if (merged.line == 0) {
    merged.line = outer.line;
    merged.column = outer.column;
  }
  if (merged.pointer.empty()) merged.pointer = outer.pointer;
  if (merged.field.empty()) merged.field = outer.field;
  if (merged.object_id.empty()) merged.object_id = outer.object_id;
  if (dynamic_cast<const parse_error*>(&e)) throw parse_error(e.code(), e.message(), merged);
  if (dynamic_cast<const validation_error*>(&e))
    throw validation_error(e.code(), e.message(), merged);
  if (dynamic_cast<const not_found_error*>(&e)) throw not_found_error(e.message(), merged);
  if (dynamic_cast<const io_error*>(&e)) throw io_error(e.code(), e.message(), merged);
  throw error(e.code(), "error", e.message(), merged);
}

}  // namespace keten
