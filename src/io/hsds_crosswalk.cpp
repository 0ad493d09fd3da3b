// HSDS taxonomy crosswalks: CSV or JSON files that map foreign terms, service names and place
// names to keten need categories and municipalities (keten/hsds.hpp, docs/hsds.md "Crosswalks").
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "csv.hpp"
#include "files.hpp"
#include "keten/error.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

namespace {

using detail::trim;
using json = nlohmann::json;
using kind = hsds_crosswalk_row::kind;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void bad(source_position where, std::string_view field, error_code code,
                      std::string message) {
  where.field = std::string(field);
  if (!where.pointer.empty()) where.pointer += fmt::format("/{}", field);
  throw validation_error(code, std::move(message), std::move(where));
}

/// Checks one row's values (already trimmed) and appends it; `seen` finds a repeated row.
void add_row(
    hsds_crosswalk& out, std::string_view kind_text, std::string taxonomy, std::string match,
    std::string target, const source_position& where,
    std::map<std::tuple<int, std::string, std::string, std::string>, source_position>& seen) {
  hsds_crosswalk_row r;
  r.where = where;
  if (kind_text == "term")
    r.what = kind::term;
  else if (kind_text == "service")
    r.what = kind::service;
  else if (kind_text == "place")
    r.what = kind::place;
  else
    bad(where, "kind", error_code::hsds_invalid_value,
        fmt::format("'{}' is no crosswalk kind (term, service or place)",
                    detail::printable(kind_text)));
  if (match.empty())
    bad(where, "match", error_code::hsds_missing_value,
        r.what == kind::term      ? "a term row needs the term's code or name"
        : r.what == kind::service ? "a service row needs the service's name"
                                  : "a place row needs the place's name");
  if (target.empty())
    bad(where, "keten", error_code::hsds_missing_value,
        r.what == kind::place ? "a place row needs a municipality code (GM + 4 digits)"
                              : "a row needs a keten need category (<help form>.<name>)");
  if (r.what == kind::place) {
    const bool code =
        target.size() == 6 && target.starts_with("GM") &&
        std::all_of(target.begin() + 2, target.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!code)
      bad(where, "keten", error_code::hsds_invalid_value,
          fmt::format("'{}' is no municipality code (GM + 4 digits)", detail::printable(target)));
  } else {
    const auto dot = target.find('.');
    if (dot == std::string::npos || dot + 1 == target.size() ||
        !parse_help_form(std::string_view(target).substr(0, dot)))
      bad(where, "keten", error_code::hsds_invalid_value,
          fmt::format("'{}' is no keten need category (<help form>.<name>, e.g. money.debts)",
                      detail::printable(target)));
  }
  if (r.what != kind::term && !taxonomy.empty())
    bad(where, "taxonomy", error_code::hsds_invalid_value,
        "only term rows name a taxonomy; leave it empty");
  auto key = std::make_tuple(static_cast<int>(r.what), lower(taxonomy), lower(match), target);
  if (const auto it = seen.find(key); it != seen.end())
    bad(where, "match", error_code::hsds_duplicate_id,
        fmt::format("the same row is at {}", it->second.to_string()));
  seen.emplace(std::move(key), where);
  r.taxonomy = std::move(taxonomy);
  r.match = std::move(match);
  r.keten = std::move(target);
  out.rows.push_back(std::move(r));
}

hsds_crosswalk parse_csv(std::string_view text, std::string_view source_name) {
  detail::csv_reader rows(text, source_name);
  const auto& header = rows.header();
  for (const std::string& h : header)
    if (h != "kind" && h != "taxonomy" && h != "match" && h != "keten" && h != "note")
      throw parse_error(error_code::hsds_unrecognised,
                        fmt::format("'{}' is no crosswalk column (kind, taxonomy, match, keten, "
                                    "note)",
                                    detail::printable(h)),
                        {.file = std::string(source_name), .line = 1, .field = h});
  std::map<std::string_view, std::size_t> col;
  for (std::string_view name : {"kind", "taxonomy", "match", "keten"}) {
    const auto c = rows.column(name);
    if (!c)
      throw parse_error(error_code::hsds_unrecognised,
                        fmt::format("a crosswalk needs the column '{}'", name),
                        {.file = std::string(source_name), .line = 1, .field = std::string(name)});
    col[name] = *c;
  }
  hsds_crosswalk out;
  std::map<std::tuple<int, std::string, std::string, std::string>, source_position> seen;
  while (rows.next()) {
    const source_position where{.file = std::string(source_name), .line = rows.line()};
    const auto cell = [&](std::string_view name) {
      return std::string(trim(rows.text(col.at(name))));
    };
    add_row(out, cell("kind"), cell("taxonomy"), cell("match"), cell("keten"), where, seen);
  }
  return out;
}

hsds_crosswalk parse_json(std::string_view text, std::string_view source_name) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw parse_error(error_code::json_syntax,
                      fmt::format("malformed JSON: {}", detail::printable(e.what())),
                      {.file = std::string(source_name)});
  }
  std::string base;
  if (doc.is_object() && doc.contains("crosswalk")) {
    doc = doc["crosswalk"];
    base = "/crosswalk";
  }
  if (!doc.is_array())
    throw parse_error(error_code::hsds_unrecognised,
                      "a JSON crosswalk is an array of rows or {\"crosswalk\": [rows]}",
                      {.file = std::string(source_name), .pointer = base.empty() ? "/" : base});
  hsds_crosswalk out;
  std::map<std::tuple<int, std::string, std::string, std::string>, source_position> seen;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const source_position where{.file = std::string(source_name),
                                .pointer = fmt::format("{}/{}", base, i)};
    const json& r = doc[i];
    if (!r.is_object())
      throw parse_error(error_code::hsds_wrong_type,
                        fmt::format("a crosswalk row is an object, got {}", r.type_name()), where);
    for (const auto& [key, value] : r.items()) {
      if (key != "kind" && key != "taxonomy" && key != "match" && key != "keten" && key != "note")
        throw parse_error(error_code::hsds_unrecognised,
                          fmt::format("'{}' is no crosswalk field", detail::printable(key)),
                          {.file = where.file,
                           .pointer = fmt::format("{}/{}", where.pointer, key),
                           .field = key});
      if (!value.is_string() && !value.is_null())
        throw parse_error(error_code::hsds_wrong_type,
                          fmt::format("expected a string, got {}", value.type_name()),
                          {.file = where.file,
                           .pointer = fmt::format("{}/{}", where.pointer, key),
                           .field = key});
    }
    const auto field = [&](std::string_view name) {
      const auto it = r.find(name);
      return it == r.end() || it->is_null() ? std::string()
                                            : std::string(trim(it->get<std::string>()));
    };
    add_row(out, field("kind"), field("taxonomy"), field("match"), field("keten"), where, seen);
  }
  return out;
}

}  // namespace

hsds_crosswalk parse_hsds_crosswalk(std::string_view text, std::string_view source_name) {
  std::string_view rest = text;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  rest = trim(rest);
  if (!rest.empty() && (rest.front() == '[' || rest.front() == '{'))
    return parse_json(text, source_name);
  return parse_csv(text, source_name);
}

hsds_crosswalk load_hsds_crosswalk(const std::filesystem::path& path) {
  return parse_hsds_crosswalk(read_file(path), path.string());
}

std::string unmapped_terms_crosswalk_csv(const hsds_import_report& report) {
  const auto cell = [](std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + '"';
  };
  std::string out = "kind,taxonomy,match,keten,note\r\n";
  for (const hsds_unmapped_term& u : report.unmapped_terms)
    out +=
        fmt::format("term,{},{},,{}\r\n", cell(u.taxonomy), cell(u.code.empty() ? u.name : u.code),
                    cell(fmt::format("'{}' on {} services", u.name, u.services)));
  return out;
}

void save_unmapped_terms_crosswalk(const hsds_import_report& report,
                                   const std::filesystem::path& path) {
  detail::write_file_atomically(unmapped_terms_crosswalk_csv(report), path);
}

}  // namespace keten
