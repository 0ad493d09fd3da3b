// HSDS import, first stage: the input — a tabular JSON document, a nested JSON document or a
// directory of CSV files (a data package) — read into flat tables of rows (src/io/hsds_rows.hpp).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "csv.hpp"
#include "files.hpp"
#include "hsds_rows.hpp"
#include "json_cursor.hpp"
#include "keten/io.hpp"

namespace keten::detail::hsds_import {

std::string escape_pointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

source_position where(const row& r, std::string_view field) {
  source_position p{.file = r.file, .line = r.line, .field = std::string(field), .object_id = r.id};
  if (!r.from_csv) {
    // The whole document is "/" (RFC 6901 would say ""; keten's errors say "/").
    p.pointer = field.empty() ? fmt::format("{}", r.pointer.empty() ? "/" : r.pointer)
                              : fmt::format("{}/{}", r.pointer, escape_pointer(field));
  }
  return p;
}

[[noreturn]] void fail_at(source_position p, error_code code, std::string message) {
  if (code == error_code::hsds_unrecognised || code == error_code::hsds_wrong_type)
    throw parse_error(code, std::move(message), std::move(p));
  throw validation_error(code, std::move(message), std::move(p));
}

[[noreturn]] void fail(const row& r, std::string_view field, error_code code, std::string message) {
  fail_at(where(r, field), code, std::move(message));
}

/// A string member; absent or null → nullopt. A CSV cell is always a string.
std::optional<std::string> text(const row& r, std::string_view field) {
  const auto it = r.value.find(field);
  if (it == r.value.end() || it->is_null()) return std::nullopt;
  if (!it->is_string())
    fail(r, field, error_code::hsds_wrong_type,
         fmt::format("expected a string, got {}", it->type_name()));
  return it->get<std::string>();
}

/// A reference or code: a string member that is absent, null or empty → nullopt.
std::optional<std::string> reference(const row& r, std::string_view field) {
  auto value = text(r, field);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

/// A number member: a JSON number, or (in CSV) the text of one.
std::optional<double> number(const row& r, std::string_view field) {
  const auto it = r.value.find(field);
  if (it == r.value.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) {
    const double v = it->get<double>();
    if (!std::isfinite(v)) fail(r, field, error_code::hsds_invalid_value, "number out of range");
    return v;
  }
  if (it->is_string() && r.from_csv) {
    const std::string s = it->get<std::string>();
    if (const auto v = parse_number(s)) return v;
    fail(r, field, error_code::hsds_wrong_type,
         fmt::format("expected a number, got '{}'", detail::printable(s)));
  }
  fail(r, field, error_code::hsds_wrong_type,
       fmt::format("expected a number, got {}", it->type_name()));
}

/// A whole number in [lo, hi]; `what` names it in the message.
std::optional<std::int32_t> whole(const row& r, std::string_view field, std::int32_t lo,
                                  std::int32_t hi) {
  const auto v = number(r, field);
  if (!v) return std::nullopt;
  if (*v != std::floor(*v))
    fail(r, field, error_code::hsds_invalid_value, fmt::format("{} is not a whole number", *v));
  if (*v < lo || *v > hi)
    fail(r, field, error_code::hsds_invalid_value,
         fmt::format("{} is outside [{}, {}]", *v, lo, hi));
  return static_cast<std::int32_t>(*v);
}

/// A whole number written as text (an attribute value).
std::int32_t whole_text(const row& r, std::string_view field, std::string_view s, std::int32_t lo,
                        std::int32_t hi) {
  std::int64_t v = 0;
  const std::string_view t = trim(s);
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size())
    fail(r, field, error_code::hsds_invalid_value,
         fmt::format("expected a whole number, got '{}'", detail::printable(s)));
  if (v < lo || v > hi)
    fail(r, field, error_code::hsds_invalid_value,
         fmt::format("{} is outside [{}, {}]", v, lo, hi));
  return static_cast<std::int32_t>(v);
}

std::optional<h::table_id> table_of_file(std::string_view file) {
  for (std::size_t t = 0; t < h::table_count; ++t)
    if (h::tables[t].file == file) return static_cast<h::table_id>(t);
  return std::nullopt;
}

std::optional<h::table_id> table_of_entity(std::string_view entity) {
  for (std::size_t t = 0; t < h::table_count; ++t)
    if (h::tables[t].entity == entity) return static_cast<h::table_id>(t);
  return std::nullopt;
}

/// Reads the id of a row and adds it to its table. A duplicate id is an error in tabular input;
/// in a nested document the same record may appear more than once, and the first one counts.
void add_row(tables& all, h::table_id t, row r, bool nested) {
  const auto id = text(r, "id");
  if (!id || id->empty())
    fail(r, "id", error_code::hsds_missing_value,
         fmt::format("a {} needs an id", h::tables[t].entity));
  r.id = *id;
  table& into = all[t];
  if (const auto it = into.by_id.find(r.id); it != into.by_id.end()) {
    if (nested) return;
    const source_position first = where(into.rows[it->second]);
    fail(r, "id", error_code::hsds_duplicate_id,
         fmt::format("{} id '{}' is used twice; first at {}", h::tables[t].entity,
                     detail::printable(r.id), first.to_string()));
  }
  into.by_id.emplace(r.id, into.rows.size());
  into.rows.push_back(std::move(r));
}

// --- JSON input ---------------------------------------------------------------------------------

namespace {

/// HSDS documents nest deeper than keten's own (organization → service → service_at_location →
/// location → address → attribute → taxonomy_term → taxonomy, inside a page), but not much.
constexpr int hsds_max_nesting = 64;

}  // namespace

json parse_json(std::string_view text, std::string_view source_name) {
  return detail::parse_document(text, source_name, hsds_max_nesting);
}

namespace {

/// How a nested member of an object becomes rows of another table.
struct nesting {
  std::string_view member;
  h::table_id child;
  bool many;                    // an array of objects, else one object
  std::string_view child_key;   // set in the child to the parent's id (if absent)
  std::string_view parent_key;  // set in the parent to the child's id (if absent)
};

const std::vector<nesting>& nestings(h::table_id t) {
  static const std::map<h::table_id, std::vector<nesting>> all{
      {h::organizations,
       {{"services", h::services, true, "organization_id", {}},
        {"locations", h::locations, true, "organization_id", {}},
        {"organization_identifiers", h::organization_identifiers, true, "organization_id", {}},
        {"attributes", h::attributes, true, "link_id", {}}}},
      {h::services,
       {{"organization", h::organizations, false, {}, "organization_id"},
        {"service_areas", h::service_areas, true, "service_id", {}},
        {"service_at_locations", h::service_at_location, true, "service_id", {}},
        {"languages", h::languages, true, "service_id", {}},
        {"schedules", h::schedules, true, "service_id", {}},
        {"capacities", h::service_capacity, true, "service_id", {}},
        {"attributes", h::attributes, true, "link_id", {}}}},
      {h::service_at_location,
       {{"service", h::services, false, {}, "service_id"},
        {"location", h::locations, false, {}, "location_id"},
        {"schedules", h::schedules, true, "service_at_location_id", {}},
        {"attributes", h::attributes, true, "link_id", {}}}},
      {h::locations,
       {{"addresses", h::addresses, true, "location_id", {}},
        {"languages", h::languages, true, "location_id", {}},
        {"schedules", h::schedules, true, "location_id", {}},
        {"attributes", h::attributes, true, "link_id", {}}}},
      {h::service_areas, {{"attributes", h::attributes, true, "link_id", {}}}},
      {h::addresses, {{"attributes", h::attributes, true, "link_id", {}}}},
      {h::languages, {{"attributes", h::attributes, true, "link_id", {}}}},
      {h::schedules, {{"attributes", h::attributes, true, "link_id", {}}}},
      {h::organization_identifiers, {{"attributes", h::attributes, true, "link_id", {}}}},
      {h::attributes, {{"taxonomy_term", h::taxonomy_terms, false, {}, "taxonomy_term_id"}}},
      {h::taxonomy_terms, {{"taxonomy_detail", h::taxonomies, false, {}, "taxonomy_id"}}},
      {h::service_capacity, {{"unit", h::units, false, {}, "unit_id"}}},
  };
  static const std::vector<nesting> none;
  const auto it = all.find(t);
  return it == all.end() ? none : it->second;
}

}  // namespace

namespace {

class json_reader {
 public:
  json_reader(tables& into, std::string file, hsds_import_report& report)
      : into_(into), file_(std::move(file)), report_(report) {}

  /// A nested object of table `t` at `pointer`: its scalar members become a row, its nested
  /// objects rows of their own tables.
  void flatten(const json& object, h::table_id t, const std::string& pointer,
               const json& defaults) {
    row r{.value = json::object(), .file = file_, .pointer = pointer};
    if (!object.is_object())
      fail(r, "", error_code::hsds_wrong_type,
           fmt::format("expected a {} object, got {}", h::tables[t].entity, object.type_name()));
    for (const auto& [key, value] : object.items())
      if (!value.is_object() && !value.is_array()) r.value[key] = value;
    for (const auto& [key, value] : defaults.items())
      if (!r.value.contains(key) || r.value[key].is_null()) r.value[key] = value;
    // An attribute nested in a record is that record's: its nesting says what it links, whatever
    // its own link_entity and link_id say (the official examples hold placeholders there).
    const auto own_id = r.value.find("id");
    const bool repeated = own_id != r.value.end() && own_id->is_string() &&
                          into_[t].by_id.contains(own_id->get<std::string>());
    if (own_id != r.value.end() && own_id->is_string()) r.id = own_id->get<std::string>();
    if (t == h::attributes && !repeated && defaults.contains("link_entity") &&
        defaults.contains("link_id")) {
      for (const char* key : {"link_entity", "link_id"}) {
        if (r.value[key] == defaults[key]) continue;
        report_.warnings.push_back(
            {where(r, key),
             fmt::format(
                 "{} '{}' differs from the record the attribute is nested "
                 "in; linked to that {} '{}'",
                 key,
                 detail::printable(r.value[key].is_string() ? r.value[key].get<std::string>()
                                                            : r.value[key].dump()),
                 defaults["link_entity"].get<std::string>(),
                 detail::printable(defaults["link_id"].get<std::string>()))});
        r.value[key] = defaults[key];
      }
    }
    // The id is needed to link the children; add_row checks it.
    const auto id = text(r, "id");
    if (!id || id->empty())
      fail(r, "id", error_code::hsds_missing_value,
           fmt::format("a {} needs an id", h::tables[t].entity));
    for (const nesting& n : nestings(t)) {
      const auto it = object.find(n.member);
      if (it == object.end() || it->is_null()) continue;
      const std::string at = fmt::format("{}/{}", pointer, escape_pointer(n.member));
      json child_defaults = json::object();
      if (!n.child_key.empty()) child_defaults[std::string(n.child_key)] = *id;
      if (n.child == h::attributes && n.child_key == "link_id")
        child_defaults["link_entity"] = h::tables[t].entity;
      if (n.many) {
        if (!it->is_array())
          fail(r, n.member, error_code::hsds_wrong_type,
               fmt::format("expected an array, got {}", it->type_name()));
        for (std::size_t i = 0; i < it->size(); ++i)
          flatten((*it)[i], n.child, fmt::format("{}/{}", at, i), child_defaults);
      } else {
        if (!it->is_object())
          fail(r, n.member, error_code::hsds_wrong_type,
               fmt::format("expected an object, got {}", it->type_name()));
        flatten(*it, n.child, at, child_defaults);
        const auto child_id = it->find("id");
        if (!n.parent_key.empty() && child_id != it->end() &&
            (!r.value.contains(n.parent_key) || r.value[std::string(n.parent_key)].is_null()))
          r.value[std::string(n.parent_key)] = *child_id;
      }
    }
    add_row(into_, t, std::move(r), true);
  }

  /// {"organizations.csv": [rows], ...}
  void tabular(const json& doc, hsds_import_report& report) {
    for (const auto& [key, value] : doc.items()) {
      const std::string at = fmt::format("/{}", escape_pointer(key));
      const auto t = table_of_file(key);
      if (!t) {
        if (!key.ends_with(".csv"))
          report.warnings.push_back(
              {{.file = file_, .pointer = at, .field = key},
               fmt::format("'{}' is not an HSDS table; ignored", detail::printable(key))});
        continue;  // an HSDS table that keten does not read (phones.csv, ...)
      }
      if (!value.is_array())
        fail_at({.file = file_, .pointer = at, .field = key}, error_code::hsds_unrecognised,
                fmt::format("table {} must be an array of rows, got {}", key, value.type_name()));
      for (std::size_t i = 0; i < value.size(); ++i) {
        row r{.value = value[i], .file = file_, .pointer = fmt::format("{}/{}", at, i)};
        if (!r.value.is_object())
          fail(r, "", error_code::hsds_wrong_type,
               fmt::format("a row of {} must be an object, got {}", key, r.value.type_name()));
        add_row(into_, *t, std::move(r), false);
      }
    }
  }

 private:
  tables& into_;
  std::string file_;
  hsds_import_report& report_;
};

/// Which kind of HSDS object this is, from the members it has.
std::optional<h::table_id> detect(const json& object) {
  if (!object.is_object()) return std::nullopt;
  const auto has = [&](std::string_view key) { return object.contains(key); };
  if (has("location_type")) return h::locations;
  if ((has("service") && object["service"].is_object()) ||
      (has("location") && object["location"].is_object()) ||
      (has("service_id") && has("location_id") && !has("name")))
    return h::service_at_location;
  if (has("status") || has("service_areas") || has("service_at_locations") || has("organization"))
    return h::services;
  if (has("services") || has("organization_identifiers") || has("locations") ||
      has("legal_status") || has("year_incorporated") || has("parent_organization_id"))
    return h::organizations;
  if (has("code") || has("taxonomy_detail") || has("parent_id") || has("term_uri"))
    return h::taxonomy_terms;
  if (has("id") && has("name") && (has("uri") || has("version"))) return h::taxonomies;
  return std::nullopt;
}

}  // namespace

void read_json_document(const json& doc, const std::string& file, tables& into,
                        hsds_import_report& report) {
  json_reader reader(into, file, report);
  const json none = json::object();
  const auto one = [&](const json& object, const std::string& pointer) {
    const auto t = detect(object);
    if (!t)
      fail_at({.file = file, .pointer = pointer.empty() ? "/" : pointer},
              error_code::hsds_unrecognised,
              "not an HSDS object: expected a service, organization, service_at_location, "
              "location, taxonomy_term or taxonomy");
    reader.flatten(object, *t, pointer, none);
  };
  if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i)
      one(doc[i], fmt::format("/{}", i));
    return;
  }
  if (!doc.is_object())
    fail_at({.file = file, .pointer = "/"}, error_code::hsds_unrecognised,
            fmt::format("an HSDS document is an object or an array, got {}", doc.type_name()));
  const bool tabular = std::any_of(doc.items().begin(), doc.items().end(),
                                   [](const auto& item) { return item.key().ends_with(".csv"); });
  if (tabular) {
    reader.tabular(doc, report);
    return;
  }
  if (const auto it = doc.find("contents"); it != doc.end()) {
    if (!it->is_array())
      fail_at({.file = file, .pointer = "/contents", .field = "contents"},
              error_code::hsds_unrecognised,
              fmt::format("a page's contents must be an array, got {}", it->type_name()));
    for (std::size_t i = 0; i < it->size(); ++i)
      one((*it)[i], fmt::format("/contents/{}", i));
    return;
  }
  if (doc.contains("openapi_url") && !doc.contains("id")) {
    report.warnings.push_back({{.file = file, .pointer = "/"},
                               "an HSDS API description without directory data; nothing "
                               "imported"});
    return;
  }
  one(doc, "");
}

// --- data packages ------------------------------------------------------------------------------

namespace {

/// True if `path` is relative and cannot leave the package directory.
bool stays_inside(const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute() || path.has_root_name()) return false;
  return std::none_of(path.begin(), path.end(), [](const auto& part) { return part == ".."; });
}

}  // namespace

void read_package(const std::filesystem::path& dir, tables& into, hsds_import_report& report) {
  std::array<std::filesystem::path, h::table_count> files;
  for (std::size_t t = 0; t < h::table_count; ++t)
    files[t] = dir / h::tables[t].file;
  const std::filesystem::path descriptor = dir / "datapackage.json";
  const std::string descriptor_name = descriptor.string();
  std::error_code ec;
  if (!std::filesystem::exists(descriptor, ec)) {
    report.warnings.push_back(
        {{.file = descriptor_name}, "no datapackage.json; reading the standard HSDS file names"});
  } else {
    json doc;
    try {
      doc = parse_json(read_file(descriptor), descriptor_name);
    } catch (const parse_error& e) {
      // The official example's datapackage.json is an unresolved link ("../../datapackage.json").
      report.warnings.push_back(
          {e.where(), fmt::format("datapackage.json is not JSON ({}); reading "
                                  "the standard HSDS file names",
                                  e.message())});
    }
    const auto resources = doc.is_object() ? doc.find("resources") : doc.end();
    if (!doc.is_object() || resources == doc.end() || !resources->is_array()) {
      if (!doc.is_null())  // null: not JSON, already reported
        report.warnings.push_back({{.file = descriptor_name, .pointer = "/"},
                                   "datapackage.json lists no resources; reading the standard "
                                   "HSDS file names"});
    } else {
      for (std::size_t i = 0; i < resources->size(); ++i) {
        const json& resource = (*resources)[i];
        const row r{
            .value = resource, .file = descriptor_name, .pointer = fmt::format("/resources/{}", i)};
        if (!resource.is_object())
          fail(r, "", error_code::hsds_wrong_type,
               fmt::format("a resource must be an object, got {}", resource.type_name()));
        const auto path = text(r, "path");
        const auto name = text(r, "name");
        if (!path) continue;  // inline data or a list of paths: not an HSDS table
        const std::filesystem::path relative(*path);
        auto t = table_of_file(relative.filename().string());
        if (name)
          if (const auto by_name = table_of_entity(*name)) t = by_name;
        if (!t) continue;
        if (!stays_inside(relative))
          fail(r, "path", error_code::hsds_invalid_value,
               fmt::format("resource path '{}' must be relative and stay inside the package",
                           detail::printable(*path)));
        files[*t] = dir / relative;
      }
    }
  }
  bool any = false;
  for (std::size_t t = 0; t < h::table_count; ++t) {
    if (!std::filesystem::exists(files[t], ec)) continue;
    any = true;
    const std::string name = files[t].string();
    detail::csv_reader rows(read_file(files[t]), name);
    const std::vector<std::string> header = rows.header();
    while (rows.next()) {
      row r{.value = json::object(), .file = name, .line = rows.line(), .from_csv = true};
      for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string_view cell = rows.text(c);
        if (!cell.empty() && !header[c].empty()) r.value[header[c]] = std::string(cell);
      }
      add_row(into, static_cast<h::table_id>(t), std::move(r), false);
    }
  }
  if (!any)
    throw parse_error(error_code::hsds_unrecognised,
                      "not an HSDS data package: none of its tables (organizations.csv, "
                      "services.csv, ...) is there",
                      {.file = dir.string()});
}

}  // namespace keten::detail::hsds_import
