// src/io/json_cursor.hpp — reading keten's JSON documents: parsing with a depth limit, and a cursor
// that checks every value's type and range and names the file, JSON pointer, field and object id
// in its errors. Private to the library (src/io).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "keten/error.hpp"

namespace keten::detail {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr int max_nesting =
    32;  // keten's documents nest at most 5 deep; anything deeper is hostile

/// Parses JSON text nested at most `max_depth` containers deep; a syntax error becomes parse_error
/// with the line and column.
inline json parse_document(std::string_view text, std::string_view source_name,
                           int max_depth = max_nesting) {
  const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth >= max_depth)  // depth counts the containers around the one being entered
      throw parse_error(error_code::json_syntax,
                        fmt::format("JSON nested more than {} levels deep", max_depth),
                        {.file = std::string(source_name)});
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const error&) {
    throw;
  } catch (const json::out_of_range& e) {
    // The lexer's only out_of_range: a number too large for a double ("1e999").
    throw parse_error(error_code::json_syntax,
                      fmt::format("malformed JSON: {}", detail::printable(e.what())),
                      {.file = std::string(source_name)});
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the byte at which parsing failed.
    const std::size_t offset = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    // "[json.exception.parse_error.101] parse error at line 3, column 14: <reason>; last read: '…'"
    std::string reason = e.what();
    if (const auto colon = reason.find(": "); colon != std::string::npos)
      reason = reason.substr(colon + 2);
    reason = detail::printable(reason);
    throw parse_error(
        error_code::json_syntax, fmt::format("malformed JSON: {}", reason),
        {.file = std::string(source_name), .line = line, .column = offset - line_start + 1});
  }
}

/// A JSON value with the position it came from; every accessor checks the type and range and
/// throws a keten::error naming the file, the JSON pointer, the field and the enclosing object id.
class cursor {
 public:
  cursor(const json& value, std::string file, std::string pointer, std::string field,
         std::string id)
      : value_(&value),
        file_(std::move(file)),
        pointer_(std::move(pointer)),
        field_(std::move(field)),
        id_(std::move(id)) {}

  [[nodiscard]] const std::string& pointer() const { return pointer_; }
  [[nodiscard]] const json& value() const { return *value_; }
  [[nodiscard]] source_position position() const {
    return {.file = file_,
            .pointer = pointer_.empty() ? "/" : pointer_,
            .field = field_,
            .object_id = id_};
  }
  /// The same value, now known to belong to object `id` (used once an object's id is read).
  /// The same value, now known to be the object with this id: fields are named from here on.
  [[nodiscard]] cursor with_id(std::string id) const {
    return {*value_, file_, pointer_, "", std::move(id)};
  }

  [[noreturn]] void fail_parse(error_code code, std::string message) const {
    throw parse_error(code, std::move(message), position());
  }
  [[noreturn]] void fail_value(error_code code, std::string message) const {
    throw validation_error(code, std::move(message), position());
  }

  void require_object_type() const {
    if (!value_->is_object())
      fail_parse(error_code::wrong_type,
                 fmt::format("expected an object, got {}", value_->type_name()));
  }
  void require_object(std::initializer_list<std::string_view> allowed) const {
    require_object_type();
    for (const auto& [key, _] : value_->items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        child(key).fail_parse(
            error_code::unknown_field,
            fmt::format("unknown field '{}'; allowed: {}", key, fmt::join(allowed, ", ")));
    }
  }
  [[nodiscard]] bool has(std::string_view key) const { return value_->contains(key); }
  [[nodiscard]] cursor operator[](std::string_view key) const {
    if (!value_->contains(key)) {
      std::string f = field_.empty() ? std::string(key) : fmt::format("{}.{}", field_, key);
      throw parse_error(error_code::missing_field, fmt::format("missing required field '{}'", key),
                        {.file = file_,
                         .pointer = pointer_.empty() ? "/" : pointer_,
                         .field = f,
                         .object_id = id_});
    }
    return child(key);
  }
  [[nodiscard]] std::optional<cursor> optional(std::string_view key) const {
    if (!value_->contains(key) || value_->at(std::string(key)).is_null()) return std::nullopt;
    return child(key);
  }

  [[nodiscard]] std::vector<cursor> elements() const {
    if (!value_->is_array())
      fail_parse(error_code::wrong_type,
                 fmt::format("expected an array, got {}", value_->type_name()));
    std::vector<cursor> out;
    out.reserve(value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i)
      out.emplace_back((*value_)[i], file_, fmt::format("{}/{}", pointer_, i),
                       fmt::format("{}[{}]", field_, i), id_);
    return out;
  }

  [[nodiscard]] std::string string() const {
    if (!value_->is_string())
      fail_parse(error_code::wrong_type,
                 fmt::format("expected a string, got {}", value_->type_name()));
    return value_->get<std::string>();
  }
  [[nodiscard]] std::vector<std::string> strings() const {
    std::vector<std::string> out;
    for (const cursor& c : elements())
      out.push_back(c.string());
    return out;
  }
  [[nodiscard]] bool boolean() const {
    if (!value_->is_boolean())
      fail_parse(error_code::wrong_type,
                 fmt::format("expected true or false, got {}", value_->type_name()));
    return value_->get<bool>();
  }
  [[nodiscard]] double number() const {
    if (!value_->is_number())
      fail_parse(error_code::wrong_type,
                 fmt::format("expected a number, got {}", value_->type_name()));
    const double v = value_->get<double>();
    if (!std::isfinite(v)) fail_value(error_code::invalid_value, "number out of range");
    return v;
  }
  /// A whole number in the range of T; a value out of that range is a validation error (so that a
  /// negative capacity is reported as negative, not as a type error).
  template <class T>
  [[nodiscard]] T integer() const {
    if (value_->is_number_unsigned()) {
      const auto v = value_->get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        fail_value(error_code::invalid_value, fmt::format("{} is too large", v));
      return static_cast<T>(v);
    }
    if (value_->is_number_integer()) {
      const auto v = value_->get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()))
        fail_value(v < 0 ? error_code::negative_value : error_code::invalid_value,
                   fmt::format("{} is out of range{}", v, v < 0 ? ": must not be negative" : ""));
      if (v > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
        fail_value(error_code::invalid_value, fmt::format("{} is too large", v));
      return static_cast<T>(v);
    }
    if (value_->is_number_float()) {
      // nlohmann stores integers beyond 64 bits as doubles: a whole number that is out of range.
      const double v = value_->get<double>();
      if (std::isfinite(v) && v == std::floor(v) && (v < -9.2e18 || v > 1.8e19))
        fail_value(v < 0 ? error_code::negative_value : error_code::invalid_value,
                   fmt::format("{} is out of range{}", v, v < 0 ? ": must not be negative" : ""));
    }
    fail_parse(error_code::wrong_type,
               fmt::format("expected a whole number, got {}", value_->type_name()));
  }

 private:
  [[nodiscard]] cursor child(std::string_view key) const {
    std::string escaped;  // RFC 6901: ~ → ~0, / → ~1
    for (char c : key) {
      if (c == '~')
        escaped += "~0";
      else if (c == '/')
        escaped += "~1";
      else
        escaped += c;
    }
    std::string f = field_.empty() ? std::string(key) : fmt::format("{}.{}", field_, key);
    return {value_->at(std::string(key)), file_, fmt::format("{}/{}", pointer_, escaped),
            std::move(f), id_};
  }
  const json* value_;
  std::string file_;
  std::string pointer_;
  std::string field_;
  std::string id_;
};

/// The model names fields the way the JSON spells them ("capacity.free_units",
/// "area.municipalities[2]"), so the pointer of the field is the object's pointer plus that path.
inline std::string pointer_of_field(std::string pointer, std::string_view field) {
  if (!field.empty() && field.front() != '[') pointer += '/';
  for (char c : field) {
    if (c == '.' || c == '[')
      pointer += '/';
    else if (c != ']')
      pointer += c;
  }
  return pointer.empty() ? "/" : pointer;
}

/// Runs `body`; a keten::error from the model (which knows the field and the id) gets the file and
/// the JSON pointer of `where` added.
template <class F>
auto at(const cursor& where, F&& body) {
  try {
    return body();
  } catch (const error& e) {
    source_position outer = where.position();
    outer.field.clear();  // the model's field name is the precise one
    outer.pointer = pointer_of_field(where.pointer(), e.where().field);
    rethrow_with_position(e, outer);
  }
}

/// An object with an "id": reads the id before anything else, so that every later error about
/// the object (an unknown field too) names it. Fields are named relative to the object.
inline cursor identified(const cursor& c, std::initializer_list<std::string_view> allowed) {
  c.require_object_type();
  const std::string id = c["id"].string();
  if (id.empty()) c["id"].fail_value(error_code::empty_value, "an id must not be empty");
  cursor self = c.with_id(id);
  self.require_object(allowed);
  return self;
}

/// Checks the "format" and "version" members of a document: the format must be
/// `expected_format`, the version one of 1 … `newest_version`. Returns the version.
inline int check_header(const cursor& doc, std::string_view expected_format,
                        int newest_version = 1) {
  doc.require_object_type();
  const std::string format = doc["format"].string();
  if (format != expected_format)
    doc["format"].fail_parse(
        error_code::unsupported_format,
        fmt::format("expected format '{}', got '{}'", expected_format, format));
  for (std::string_view text_field : {"$schema", "description"})
    if (auto c = doc.optional(text_field)) (void)c->string();
  const int version = doc["version"].integer<int>();
  if (version < 1 || version > newest_version)
    doc["version"].fail_parse(
        error_code::unsupported_format,
        newest_version == 1
            ? fmt::format("unsupported version {}; this keten reads version 1", version)
            : fmt::format("unsupported version {}; this keten reads versions 1 to {}", version,
                          newest_version));
  return version;
}

}  // namespace keten::detail
