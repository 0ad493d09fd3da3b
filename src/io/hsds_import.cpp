// HSDS 3.0 import of landscapes: JSON documents and data packages (keten/hsds.hpp, docs/hsds.md).
//
// Reading has two stages. First the input — a tabular JSON document, a nested JSON document or a
// directory of CSV files — becomes one set of flat tables of rows, each row remembering where it
// came from (file and CSV line, or JSON pointer). Then the rows are checked (ids, references) and
// mapped onto a landscape_builder. Every value is type- and range-checked before use.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "csv.hpp"
#include "files.hpp"
#include "hsds_tables.hpp"
#include "keten/error.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"

namespace keten {

std::string hsds_warning::to_string() const {
  const std::string position = where.to_string();
  return position.empty() ? message : fmt::format("{}: {}", position, message);
}

namespace {

using json = nlohmann::json;
namespace h = detail::hsds;

/// HSDS documents nest deeper than keten's own (organization → service → service_at_location →
/// location → address → attribute → taxonomy_term → taxonomy, inside a page), but not much.
constexpr int max_nesting = 64;

// --- rows and tables ----------------------------------------------------------------------------

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

source_position where(const row& r, std::string_view field = {}) {
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

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
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

json parse_json(std::string_view text, std::string_view source_name) {
  const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth >= max_nesting)
      throw parse_error(error_code::json_syntax,
                        fmt::format("JSON nested more than {} levels deep", max_nesting),
                        {.file = std::string(source_name)});
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const error&) {
    throw;
  } catch (const json::out_of_range& e) {
    throw parse_error(error_code::json_syntax,
                      fmt::format("malformed JSON: {}", detail::printable(e.what())),
                      {.file = std::string(source_name)});
  } catch (const json::parse_error& e) {
    const std::size_t offset = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    std::string reason = e.what();
    if (const auto colon = reason.find(": "); colon != std::string::npos)
      reason = reason.substr(colon + 2);
    throw parse_error(
        error_code::json_syntax, fmt::format("malformed JSON: {}", detail::printable(reason)),
        {.file = std::string(source_name), .line = line, .column = offset - line_start + 1});
  }
}

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

/// True if `path` is relative and cannot leave the package directory.
bool stays_inside(const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute() || path.has_root_name()) return false;
  return std::none_of(path.begin(), path.end(), [](const auto& part) { return part == ".."; });
}

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

// --- from tables to a landscape -----------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct term_info {
  std::string taxonomy;
  std::string code;
  std::string name;
};

/// A service that becomes an offering, before its partner is known.
struct draft {
  std::size_t service;  // row in services
  std::size_t organization;
  offering value;
};

class importer {
 public:
  importer(tables& all, hsds_import_report& report, const hsds_import_options& options)
      : t_(all), report_(report), options_(options), builder_(options.places) {
    for (const municipality& m : options.places->municipalities())
      by_name_.emplace(lower(m.name), m.code);
    // Place rows of the crosswalk name municipalities in the directory's own words; they win
    // over the geography's names.
    for (std::size_t i = 0; i < options.crosswalk.rows.size(); ++i) {
      const hsds_crosswalk_row& c = options.crosswalk.rows[i];
      if (c.what == hsds_crosswalk_row::kind::term)
        term_rows_[lower(trim(c.match))].push_back(i);
      else if (c.what == hsds_crosswalk_row::kind::service)
        service_rows_[lower(trim(c.match))].push_back(i);
    }
    for (const hsds_crosswalk_row& c : options.crosswalk.rows) {
      if (c.what != hsds_crosswalk_row::kind::place) continue;
      if (!options.places->find(c.keten)) {
        source_position at = c.where;
        at.field = "keten";
        if (!at.pointer.empty()) at.pointer += "/keten";
        throw validation_error(
            error_code::unknown_municipality,
            fmt::format("unknown municipality code '{}'", detail::printable(c.keten)), at);
      }
      by_name_[lower(trim(c.match))] = c.keten;
    }
    if (options.as_of.empty()) {
      as_of_ = date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    } else if (const auto day = parse_date(options.as_of)) {
      as_of_ = *day;
    } else {
      throw validation_error(
          error_code::hsds_invalid_value,
          fmt::format("as_of '{}' is no date YYYY-MM-DD", detail::printable(options.as_of)),
          {.field = "as_of"});
    }
  }

  landscape run() {
    report_.organizations_read = t_[h::organizations].rows.size();
    report_.services_read = t_[h::services].rows.size();
    check_references();
    resolve_terms();
    group_attributes();
    group_children();
    add_categories();
    check_crosswalk_categories();
    read_landscape_name();
    std::vector<draft> drafts;
    for (std::size_t s = 0; s < t_[h::services].rows.size(); ++s)
      if (auto d = read_service(s)) drafts.push_back(std::move(*d));
    add_partners(drafts);
    for (draft& d : drafts) {
      d.value.partner = partner_ids_[d.organization];
      const row& r = t_[h::services].rows[d.service];
      offering_rows_.emplace(d.value.id, &r);
      try {
        builder_.add_offering(std::move(d.value));
      } catch (const error& e) {
        rethrow_with_position(e, where(r));
      }
    }
    add_relations();
    add_chains();
    try {
      return builder_.build();
    } catch (const error& e) {
      if (const auto it = offering_rows_.find(e.where().object_id); it != offering_rows_.end())
        rethrow_with_position(e, where(*it->second));
      rethrow_with_position(
          e, {.file = t_[h::attributes].rows.empty() ? std::string{}
                                                     : t_[h::attributes].rows.front().file});
    }
  }

 private:
  void warn(const row& r, std::string_view field, std::string message) {
    report_.warnings.push_back({where(r, field), std::move(message)});
  }

  /// The row of table `target` that `field` of `r` names, or nullopt if the field is empty.
  /// A name that matches nothing is an error if `required_match`, else a warning.
  std::optional<std::size_t> follow(const row& r, std::string_view field, h::table_id target,
                                    bool required_match = true) {
    const auto id = reference(r, field);
    if (!id) return std::nullopt;
    const auto it = t_[target].by_id.find(*id);
    if (it != t_[target].by_id.end()) return it->second;
    const std::string message =
        fmt::format("{} '{}' names no {} (in {})", field, detail::printable(*id),
                    h::tables[target].entity, h::tables[target].file);
    if (required_match) fail(r, field, error_code::hsds_broken_reference, message);
    warn(r, field, message + "; keten does not use it");
    return std::nullopt;
  }

  /// References that keten follows are errors when broken; the ones it does not use, warnings.
  void check_references() {
    for (const row& r : t_[h::services].rows)
      (void)follow(r, "organization_id", h::organizations);
    for (const row& r : t_[h::organizations].rows)
      (void)follow(r, "parent_organization_id", h::organizations, false);
    for (const row& r : t_[h::organization_identifiers].rows)
      (void)follow(r, "organization_id", h::organizations);
    for (const row& r : t_[h::locations].rows)
      (void)follow(r, "organization_id", h::organizations, false);
    for (const row& r : t_[h::service_at_location].rows) {
      (void)follow(r, "service_id", h::services);
      (void)follow(r, "location_id", h::locations);
    }
    for (const row& r : t_[h::service_areas].rows)
      (void)follow(r, "service_id", h::services);
    for (const row& r : t_[h::addresses].rows)
      (void)follow(r, "location_id", h::locations);
    for (const row& r : t_[h::languages].rows) {
      (void)follow(r, "service_id", h::services);
      (void)follow(r, "location_id", h::locations);
    }
    for (const row& r : t_[h::schedules].rows) {
      (void)follow(r, "service_id", h::services);
      (void)follow(r, "location_id", h::locations);
      (void)follow(r, "service_at_location_id", h::service_at_location);
    }
    for (const row& r : t_[h::service_capacity].rows) {
      (void)follow(r, "service_id", h::services);
      (void)follow(r, "unit_id", h::units);
    }
    for (const row& r : t_[h::taxonomy_terms].rows) {
      (void)follow(r, "taxonomy_id", h::taxonomies, false);
      (void)follow(r, "parent_id", h::taxonomy_terms, false);
    }
    for (const row& r : t_[h::attributes].rows)
      (void)follow(r, "taxonomy_term_id", h::taxonomy_terms);
  }

  void resolve_terms() {
    for (const row& r : t_[h::taxonomy_terms].rows) {
      term_info info;
      const auto it = reference(r, "taxonomy_id")
                          ? t_[h::taxonomies].by_id.find(*reference(r, "taxonomy_id"))
                          : t_[h::taxonomies].by_id.end();
      if (it != t_[h::taxonomies].by_id.end())
        info.taxonomy = text(t_[h::taxonomies].rows[it->second], "name").value_or("");
      else
        info.taxonomy = text(r, "taxonomy").value_or("");
      info.code = text(r, "code").value_or("");
      info.name = text(r, "name").value_or("");
      terms_.push_back(std::move(info));
    }
  }

  /// Attributes by the entity and id they link to, in the order of the attributes table.
  void group_attributes() {
    for (std::size_t a = 0; a < t_[h::attributes].rows.size(); ++a) {
      const row& r = t_[h::attributes].rows[a];
      if (!reference(r, "taxonomy_term_id")) {
        warn(r, "taxonomy_term_id", "an attribute without a taxonomy term; ignored");
        continue;
      }
      const auto entity = reference(r, "link_entity");
      const auto link = reference(r, "link_id");
      const auto target = entity ? table_of_entity(*entity) : std::nullopt;
      if (!target || !link) {
        warn(r, entity ? "link_entity" : "link_id",
             fmt::format("an attribute of link_entity '{}' is not read by keten; ignored",
                         detail::printable(entity.value_or(""))));
        continue;
      }
      const auto found = follow(r, "link_id", *target);
      attributes_[{*target, *found}].push_back(a);
    }
  }

  const std::vector<std::size_t>& attributes_of(h::table_id t, std::size_t r) const {
    static const std::vector<std::size_t> none;
    const auto it = attributes_.find({t, r});
    return it == attributes_.end() ? none : it->second;
  }

  const term_info& term_of(std::size_t attribute) const {
    const row& r = t_[h::attributes].rows[attribute];
    return terms_[t_[h::taxonomy_terms].by_id.at(*reference(r, "taxonomy_term_id"))];
  }

  static std::string value_of(const row& attribute) {
    return text(attribute, "value").value_or("");
  }

  /// Children of services (and of organizations' locations), in table order.
  void group_children() {
    const auto group = [&](h::table_id child, std::string_view key, h::table_id parent,
                           std::map<std::size_t, std::vector<std::size_t>>& into) {
      for (std::size_t i = 0; i < t_[child].rows.size(); ++i)
        if (const auto id = reference(t_[child].rows[i], key))
          into[t_[parent].by_id.at(*id)].push_back(i);
    };
    group(h::service_areas, "service_id", h::services, areas_);
    group(h::service_at_location, "service_id", h::services, links_);
    group(h::languages, "service_id", h::services, languages_);
    group(h::service_capacity, "service_id", h::services, capacities_);
    group(h::addresses, "location_id", h::locations, addresses_);
    for (std::size_t i = 0; i < t_[h::locations].rows.size(); ++i) {
      const row& r = t_[h::locations].rows[i];
      if (const auto org = reference(r, "organization_id"))
        if (const auto it = t_[h::organizations].by_id.find(*org);
            it != t_[h::organizations].by_id.end())
          locations_of_[it->second].push_back(i);
    }
  }

  template <class F>
  auto at_row(const row& r, F&& body) {
    try {
      return body();
    } catch (const error& e) {
      rethrow_with_position(e, where(r));
    }
  }

  void add_categories() {
    const taxonomy& standard = taxonomy::standard();
    for (std::size_t i = 0; i < t_[h::taxonomy_terms].rows.size(); ++i) {
      const row& r = t_[h::taxonomy_terms].rows[i];
      const term_info& info = terms_[i];
      if (info.taxonomy != hsds_categories_taxonomy) continue;
      if (info.code.empty())
        fail(r, "code", error_code::hsds_missing_value, "a keten category term needs a code");
      if (parse_help_form(info.code) || standard.find(info.code)) continue;
      const auto dot = info.code.find('.');
      const auto form = parse_help_form(std::string_view(info.code).substr(0, dot));
      if (dot == std::string::npos || !form)
        fail(r, "code", error_code::hsds_invalid_value,
             fmt::format("'{}' is no keten category: expected <help form>.<name>",
                         detail::printable(info.code)));
      need_category c{info.code, *form, text(r, "name").value_or(""),
                      text(r, "description").value_or("")};
      at_row(r, [&] { return builder_.add_category(std::move(c)); });
    }
  }

  /// Term and service rows of the crosswalk must name categories the landscape knows (the
  /// standard ones and those of keten.categories terms).
  void check_crosswalk_categories() {
    for (const hsds_crosswalk_row& c : options_.crosswalk.rows) {
      if (c.what == hsds_crosswalk_row::kind::place || builder_.categories().find(c.keten))
        continue;
      source_position at = c.where;
      at.field = "keten";
      if (!at.pointer.empty()) at.pointer += "/keten";
      throw validation_error(error_code::unknown_category,
                             fmt::format("unknown need category '{}'", detail::printable(c.keten)),
                             at);
    }
  }

  static bool keten_taxonomy(std::string_view name) {
    return name == hsds_categories_taxonomy || name == hsds_fields_taxonomy ||
           name == hsds_municipality_taxonomy || name == hsds_postcode_taxonomy ||
           name == hsds_chains_taxonomy || name == hsds_cooperation_forms_taxonomy ||
           name == hsds_initiator_roles_taxonomy;
  }

  /// A foreign term on service `s`: its categories from the crosswalk, or a line of the report
  /// (an error if strict). Returns true if the crosswalk mapped it.
  bool map_foreign_term(std::size_t s, const row& attr, std::size_t term_row, offering& o) {
    const term_info& t = terms_[term_row];
    const std::string code = lower(trim(t.code));
    const std::string name = lower(trim(t.name));
    const std::string taxonomy = lower(trim(t.taxonomy));
    bool mapped = false;
    // The rows whose match is the code or the name, in row order, each once.
    std::vector<std::size_t> rows;
    for (const std::string* key : {&code, &name})
      if (const auto it = term_rows_.find(*key); it != term_rows_.end())
        rows.insert(rows.end(), it->second.begin(), it->second.end());
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (std::size_t i : rows) {
      const hsds_crosswalk_row& c = options_.crosswalk.rows[i];
      if (!c.taxonomy.empty() && lower(trim(c.taxonomy)) != taxonomy) continue;
      mapped = true;
      if (std::find(o.categories.begin(), o.categories.end(), c.keten) == o.categories.end())
        o.categories.push_back(c.keten);
    }
    if (mapped) return true;
    if (options_.strict)
      fail(attr, "taxonomy_term_id", error_code::hsds_missing_value,
           fmt::format("term '{}' ('{}') of taxonomy '{}' maps to no keten need category; add it "
                       "to the crosswalk",
                       detail::printable(t.code), detail::printable(t.name),
                       detail::printable(t.taxonomy)));
    auto [it, fresh] = unmapped_.try_emplace(term_row, report_.unmapped_terms.size());
    if (fresh) report_.unmapped_terms.push_back({t.taxonomy, t.code, t.name, 0, where(attr)});
    hsds_unmapped_term& u = report_.unmapped_terms[it->second];
    if (last_service_of_unmapped_[it->second] != s + 1) {
      ++u.services;
      last_service_of_unmapped_[it->second] = s + 1;
    }
    return false;
  }

  void read_landscape_name() {
    for (std::size_t x = 0; x < t_[h::taxonomies].rows.size(); ++x)
      for (std::size_t a : attributes_of(h::taxonomies, x))
        if (const term_info& t = term_of(a);
            t.taxonomy == hsds_fields_taxonomy && t.code == h::term_landscape_name)
          builder_.set_name(value_of(t_[h::attributes].rows[a]));
  }

  /// The municipality code of a municipality term, checked against the geography.
  std::string municipality_code(const row& attribute, const term_info& t) {
    if (!options_.places->find(t.code))
      fail(attribute, "taxonomy_term_id", error_code::unknown_municipality,
           fmt::format("unknown municipality code '{}'", detail::printable(t.code)));
    return t.code;
  }

  std::optional<draft> read_service(std::size_t s) {
    const row& r = t_[h::services].rows[s];
    offering o;
    o.id = r.id;
    if (auto name = text(r, "name")) o.name = *name;
    std::optional<std::int32_t> typical_duration;
    bool unmapped = false;
    bool by_crosswalk = false;
    for (std::size_t a : attributes_of(h::services, s)) {
      const row& attr = t_[h::attributes].rows[a];
      const term_info& t = term_of(a);
      if (!keten_taxonomy(t.taxonomy)) {
        const std::size_t term_row =
            t_[h::taxonomy_terms].by_id.at(*reference(attr, "taxonomy_term_id"));
        if (map_foreign_term(s, attr, term_row, o))
          by_crosswalk = true;
        else
          unmapped = true;
        continue;
      }
      if (t.taxonomy == hsds_categories_taxonomy) {
        if (parse_help_form(t.code)) {
          warn(attr, "taxonomy_term_id",
               fmt::format("a help form ('{}') says too little; keten needs need categories",
                           t.code));
          continue;
        }
        if (!builder_.categories().find(t.code))
          fail(attr, "taxonomy_term_id", error_code::unknown_category,
               fmt::format("unknown need category '{}'", detail::printable(t.code)));
        o.categories.push_back(t.code);
      } else if (t.taxonomy == hsds_fields_taxonomy) {
        const std::string value = value_of(attr);
        if (t.code == h::term_offering_id) {
          if (value.empty())
            fail(attr, "value", error_code::hsds_missing_value, "an offering id must not be empty");
          o.id = value;
        } else if (t.code == h::term_offering_name) {
          o.name = value;
        } else if (t.code == h::term_household) {
          const auto type = parse_household_type(value);
          if (!type)
            fail(attr, "value", error_code::hsds_invalid_value,
                 fmt::format("'{}' is no household type (single, couple, single_parent, family, "
                             "other)",
                             detail::printable(value)));
          o.rules.households.push_back(*type);
        } else if (t.code == h::term_professional_referrer) {
          if (value != "true" && value != "false")
            fail(attr, "value", error_code::hsds_invalid_value,
                 fmt::format("expected true or false, got '{}'", detail::printable(value)));
          o.rules.requires_professional_referrer = value == "true";
        } else if (t.code == h::term_typical_duration) {
          typical_duration =
              whole_text(attr, "value", value, 0, std::numeric_limits<std::int32_t>::max());
        } else {
          warn(attr, "taxonomy_term_id",
               fmt::format("keten field '{}' does not apply to a service; ignored",
                           detail::printable(t.code)));
        }
      }
    }
    if (unmapped) ++report_.services_with_unmapped_terms;
    if (const auto service_name = text(r, "name")) {
      const std::string wanted = lower(trim(*service_name));
      if (const auto it = service_rows_.find(wanted); it != service_rows_.end()) {
        for (std::size_t i : it->second) {
          const hsds_crosswalk_row& c = options_.crosswalk.rows[i];
          by_crosswalk = true;
          if (std::find(o.categories.begin(), o.categories.end(), c.keten) == o.categories.end())
            o.categories.push_back(c.keten);
        }
      }
    }
    if (by_crosswalk && !o.categories.empty()) ++report_.services_mapped_by_crosswalk;
    if (o.categories.empty()) {
      if (options_.strict)
        fail(r, "attributes", error_code::hsds_missing_value,
             "the service has no keten need category (an attribute with a term of taxonomy "
             "keten.categories)");
      warn(r, "attributes",
           "no keten need category (an attribute with a term of taxonomy keten.categories); "
           "service skipped");
      ++report_.services_skipped;
      return std::nullopt;
    }
    if (const auto status = text(r, "status");
        status && (*status == "inactive" || *status == "defunct")) {
      warn(r, "status", fmt::format("status '{}'; service skipped", *status));
      ++report_.services_skipped;
      return std::nullopt;
    }
    const auto organization = follow(r, "organization_id", h::organizations);
    if (!organization)
      fail(r, "organization_id", error_code::hsds_missing_value,
           "keten needs the organization that provides the service");

    read_ages(r, o);
    read_languages(s, o);
    read_area(s, r, o);
    read_capacity(s, r, o);
    if (typical_duration)
      o.units.typical_duration_days = *typical_duration;
    else
      warn(r, "attributes", "no typical duration (capacity.typical_duration_days); 0 days assumed");
    return draft{s, *organization, std::move(o)};
  }

  void read_ages(const row& r, offering& o) {
    const auto age = [&](std::string_view field, std::uint8_t fallback) -> std::uint8_t {
      const auto v = number(r, field);
      if (!v) return fallback;
      if (*v != std::floor(*v))
        fail(r, field, error_code::hsds_invalid_value,
             fmt::format("age {} is not a whole number", *v));
      if (*v < 0)
        fail(r, field, error_code::hsds_invalid_value, fmt::format("age {} is negative", *v));
      if (*v > max_age) {
        warn(r, field, fmt::format("age {} is above {}; {} assumed", *v, max_age, max_age));
        return static_cast<std::uint8_t>(max_age);
      }
      return static_cast<std::uint8_t>(*v);
    };
    o.rules.ages.min = age("minimum_age", 0);
    o.rules.ages.max = age("maximum_age", static_cast<std::uint8_t>(max_age));
  }

  void read_languages(std::size_t s, offering& o) {
    for (std::size_t i : languages_[s]) {
      const row& r = t_[h::languages].rows[i];
      const auto code = reference(r, "code");
      if (!code) {
        warn(r, "code", "a language without a code; ignored");
        continue;
      }
      std::string normal = lower(*code);
      if (const auto cut = normal.find_first_of("-_"); cut != std::string::npos) normal.resize(cut);
      if (!is_language_code(normal)) {
        warn(r, "code",
             fmt::format("'{}' is no ISO 639 language code; ignored", detail::printable(*code)));
        continue;
      }
      if (normal != *code)
        warn(r, "code",
             fmt::format("language '{}' read as '{}'", detail::printable(*code), normal));
      if (std::find(o.rules.languages.begin(), o.rules.languages.end(), normal) ==
          o.rules.languages.end())
        o.rules.languages.push_back(std::move(normal));
    }
  }

  void read_area(std::size_t s, const row& service, offering& o) {
    for (std::size_t i : areas_[s]) {
      const row& r = t_[h::service_areas].rows[i];
      bool understood = false;
      for (std::size_t a : attributes_of(h::service_areas, i)) {
        const row& attr = t_[h::attributes].rows[a];
        const term_info& t = term_of(a);
        if (t.taxonomy == hsds_municipality_taxonomy) {
          o.area.municipalities.push_back(municipality_code(attr, t));
          understood = true;
        } else if (t.taxonomy == hsds_postcode_taxonomy) {
          const auto p = parse_pc4(t.code);
          if (!p)
            fail(attr, "taxonomy_term_id", error_code::hsds_invalid_value,
                 fmt::format("'{}' is no PC4 postcode (1000–9999)", detail::printable(t.code)));
          o.area.postcodes.push_back(*p);
          understood = true;
        }
      }
      if (understood) continue;
      const auto name = text(r, "name");
      if (name) {
        if (const auto it = by_name_.find(lower(trim(*name))); it != by_name_.end()) {
          warn(r, "name",
               fmt::format("municipality {} inferred from the name '{}'", it->second,
                           detail::printable(*name)));
          o.area.municipalities.push_back(it->second);
          continue;
        }
      }
      warn(r, "", "a service area without a municipality or PC4 term; ignored");
    }
    for (std::size_t i : links_[s]) {
      const row& r = t_[h::service_at_location].rows[i];
      std::optional<double> km;
      for (std::size_t a : attributes_of(h::service_at_location, i)) {
        const term_info& t = term_of(a);
        if (t.taxonomy != hsds_fields_taxonomy || t.code != h::term_radius_km) continue;
        const row& attr = t_[h::attributes].rows[a];
        km = parse_number(value_of(attr));
        if (!km)
          fail(attr, "value", error_code::hsds_invalid_value,
               fmt::format("a radius is a number of km, got '{}'",
                           detail::printable(value_of(attr))));
      }
      if (!km) {
        warn(r, "", "a location without a keten radius (area.radius_km); not part of the area");
        continue;
      }
      if (o.area.radius) {
        warn(r, "", "keten holds one circle per offering; this one is ignored");
        continue;
      }
      const auto location = follow(r, "location_id", h::locations);
      if (!location)
        fail(r, "location_id", error_code::hsds_missing_value,
             "a radius needs a location (its centre)");
      const row& place = t_[h::locations].rows[*location];
      const auto lat = number(place, "latitude");
      const auto lon = number(place, "longitude");
      if (!lat || !lon)
        fail(place, lat ? "longitude" : "latitude", error_code::hsds_missing_value,
             "the centre of a radius needs latitude and longitude");
      if (!is_valid(geo_point{*lat, *lon}))
        fail(place, std::abs(*lat) > 90 ? "latitude" : "longitude", error_code::hsds_invalid_value,
             "latitude or longitude out of range");
      o.area.radius = radius_area{{*lat, *lon}, *km};
    }
    if (o.area.municipalities.empty() && o.area.postcodes.empty() && !o.area.radius) {
      // A service given at a location serves the municipality of that location's address.
      for (std::size_t i : links_[s]) {
        const auto location =
            follow(t_[h::service_at_location].rows[i], "location_id", h::locations);
        if (!location) continue;
        for (std::size_t a : addresses_[*location]) {
          const row& address = t_[h::addresses].rows[a];
          const auto city = text(address, "city");
          if (!city) continue;
          const auto it = by_name_.find(lower(trim(*city)));
          if (it == by_name_.end() ||
              std::find(o.area.municipalities.begin(), o.area.municipalities.end(), it->second) !=
                  o.area.municipalities.end())
            continue;
          warn(address, "city",
               fmt::format("service area {} inferred from the city '{}' of a location where the "
                           "service is given",
                           it->second, detail::printable(*city)));
          o.area.municipalities.push_back(it->second);
        }
      }
    }
    if (o.area.municipalities.empty() && o.area.postcodes.empty() && !o.area.radius)
      fail(service, "service_areas", error_code::hsds_missing_value,
           "keten needs a service area: a service_area with a municipality (nl.cbs.gemeente) or "
           "PC4 (nl.pc4) term, or a service_at_location with area.radius_km");
  }

  void read_capacity(std::size_t s, const row& service, offering& o) {
    if (const auto wait = text(service, "wait_time")) {
      const std::string_view w = trim(*wait);
      std::int64_t n = 0;
      const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
      const std::string_view unit =
          trim(std::string_view(ptr, static_cast<std::size_t>(w.data() + w.size() - ptr)));
      const int factor = unit == "days" || unit == "day"     ? 1
                         : unit == "weeks" || unit == "week" ? 7
                                                             : 0;
      if (ec == std::errc{} && ptr != w.data() && factor != 0 && n >= 0 && n * factor <= 36500)
        o.units.intake_wait_days = static_cast<std::int32_t>(n * factor);
      else
        warn(service, "wait_time",
             fmt::format("'{}' is not \"<n> days\" or \"<n> weeks\"; no intake wait assumed",
                         detail::printable(*wait)));
    } else {
      warn(service, "wait_time", "no wait_time; no intake wait assumed");
    }
    const auto& rows = capacities_[s];
    if (rows.empty()) {
      warn(service, "capacities",
           "no service_capacity (HSDS 3.1); capacity 0 of 0 assumed (the offering is full)");
      return;
    }
    if (rows.size() > 1)
      warn(t_[h::service_capacity].rows[rows[1]], "",
           "keten holds one capacity per offering; only the first is used");
    const row& r = t_[h::service_capacity].rows[rows.front()];
    constexpr auto most = std::numeric_limits<std::int32_t>::max();
    const auto available = whole(r, "available", 0, most);
    if (!available)
      fail(r, "available", error_code::hsds_missing_value, "a service_capacity needs available");
    o.units.free_units = *available;
    if (const auto maximum = whole(r, "maximum", 0, most)) {
      o.units.units_per_period = *maximum;
    } else {
      warn(r, "maximum", "no maximum; taken equal to available");
      o.units.units_per_period = *available;
    }
    const auto unit = follow(r, "unit_id", h::units);
    std::optional<std::int32_t> period;
    if (unit) {
      const row& u = t_[h::units].rows[*unit];
      const std::string identifier = text(u, "identifier").value_or("");
      if (text(u, "scheme").value_or("") == h::keten_scheme && identifier.starts_with("per-") &&
          identifier.ends_with("-days"))
        period = whole_text(u, "identifier",
                            std::string_view(identifier).substr(4, identifier.size() - 9), 1, most);
    }
    if (period)
      o.units.period_days = *period;
    else
      warn(r, "unit_id",
           "the unit names no keten period (scheme keten, per-<n>-days); 365 days assumed");
    check_staleness(r);
  }

  /// HSDS 3.1 requires `updated` (a date-time); keten reports a capacity older than
  /// stale_after_days at as_of, and one whose age it cannot tell.
  void check_staleness(const row& r) {
    const auto updated = reference(r, "updated");
    if (!updated) {
      warn(r, "updated", "no updated time stamp; the capacity may be stale");
      return;
    }
    const std::string_view stamp = trim(*updated);
    const auto day = stamp.size() >= 10 ? parse_date(stamp.substr(0, 10)) : std::nullopt;
    if (!day) {
      warn(r, "updated",
           fmt::format("'{}' is no ISO 8601 date-time; the capacity's age is unknown",
                       detail::printable(*updated)));
      return;
    }
    const int age = days_between(*day, as_of_);
    if (age < -1) {  // a day of slack for time zones
      warn(r, "updated",
           fmt::format("capacity updated {}, after {}: the time stamp lies in the future",
                       to_string(*day), to_string(as_of_)));
      return;
    }
    if (age > options_.stale_after_days) {
      ++report_.capacities_stale;
      warn(r, "updated",
           fmt::format("capacity updated {}, {} days before {} (more than {}): may be stale",
                       to_string(*day), age, to_string(as_of_), options_.stale_after_days));
    }
  }

  void add_partners(const std::vector<draft>& drafts) {
    const table& orgs = t_[h::organizations];
    partner_ids_.resize(orgs.rows.size());
    std::vector<bool> keten(orgs.rows.size(), false);
    for (const row& r : t_[h::organization_identifiers].rows) {
      if (text(r, "identifier_scheme").value_or("") != h::keten_scheme ||
          text(r, "identifier_type").value_or("") != h::partner_identifier_type)
        continue;
      const auto organization = reference(r, "organization_id");
      if (!organization) {
        warn(r, "organization_id", "a keten partner id of no organization; ignored");
        continue;
      }
      const std::size_t o = orgs.by_id.at(*organization);
      const auto id = reference(r, "identifier");
      if (!id)
        fail(r, "identifier", error_code::hsds_missing_value,
             "a keten partner id must not be empty");
      partner_ids_[o] = *id;
      keten[o] = true;
    }
    std::vector<std::vector<const draft*>> services_of(orgs.rows.size());
    for (const draft& d : drafts)
      services_of[d.organization].push_back(&d);
    for (std::size_t o = 0; o < orgs.rows.size(); ++o) {
      const row& r = orgs.rows[o];
      if (partner_ids_[o].empty()) partner_ids_[o] = r.id;
      partner p;
      p.id = partner_ids_[o];
      std::optional<std::string> member;
      std::optional<std::string> branch;
      std::optional<std::string> home;
      for (std::size_t a : attributes_of(h::organizations, o)) {
        const term_info& t = term_of(a);
        const row& attr = t_[h::attributes].rows[a];
        if (t.taxonomy == hsds_fields_taxonomy && t.code == h::term_partner_member) {
          member = value_of(attr);
          keten[o] = true;
        } else if (t.taxonomy == hsds_fields_taxonomy && t.code == h::term_partner_branch) {
          branch = value_of(attr);
        } else if (t.taxonomy == hsds_municipality_taxonomy) {
          home = municipality_code(attr, t);
        }
      }
      if (!keten[o] && services_of[o].empty()) {
        warn(r, "", "an organization without keten services; not imported as a partner");
        continue;
      }
      const std::string name = text(r, "name").value_or("");
      if (!member) {
        std::string from = name;
        if (const auto parent = reference(r, "parent_organization_id"))
          if (const auto it = orgs.by_id.find(*parent); it != orgs.by_id.end())
            from = text(orgs.rows[it->second], "name").value_or("");
        warn(
            r, "name",
            fmt::format("no keten member (partner.member); '{}' assumed", detail::printable(from)));
        member = from;
      }
      p.member = *member;
      p.branch = branch ? *branch : name;
      if (!home) home = infer_home(o, r, services_of[o]);
      p.municipality = *home;
      at_row(r, [&] { return &builder_.add_partner(std::move(p)); });
    }
  }

  std::string infer_home(std::size_t o, const row& r, const std::vector<const draft*>& services) {
    for (std::size_t l : locations_of_[o]) {
      for (std::size_t a : addresses_[l]) {
        const row& address = t_[h::addresses].rows[a];
        if (const auto city = text(address, "city"))
          if (const auto it = by_name_.find(lower(trim(*city))); it != by_name_.end()) {
            warn(address, "city",
                 fmt::format("home municipality {} of the organization inferred from the city",
                             it->second));
            return it->second;
          }
      }
    }
    for (const draft* d : services)
      if (!d->value.area.municipalities.empty()) {
        warn(r, "",
             fmt::format("home municipality {} inferred from the area of service '{}'",
                         d->value.area.municipalities.front(), detail::printable(d->value.id)));
        return d->value.area.municipalities.front();
      }
    fail(r, "", error_code::hsds_missing_value,
         "keten needs the organization's home municipality: an attribute with a term of "
         "nl.cbs.gemeente, an address whose city is a municipality, or a service area in one");
  }

  void add_relations() {
    // In the order of the attributes table, so that relations keep their order.
    for (std::size_t a = 0; a < t_[h::attributes].rows.size(); ++a) {
      const row& attr = t_[h::attributes].rows[a];
      const auto entity = reference(attr, "link_entity");
      if (!entity || *entity != "taxonomy_term" || !reference(attr, "taxonomy_term_id") ||
          !reference(attr, "link_id"))
        continue;
      const term_info& t = term_of(a);
      if (t.taxonomy != hsds_fields_taxonomy ||
          (t.code != h::term_complementarity && t.code != h::term_precedence))
        continue;
      const std::size_t linked = t_[h::taxonomy_terms].by_id.at(*reference(attr, "link_id"));
      const term_info& from = terms_[linked];
      if (from.taxonomy != hsds_categories_taxonomy)
        fail(attr, "link_id", error_code::hsds_invalid_value,
             "a relation links a term of taxonomy keten.categories");
      const std::string value = value_of(attr);
      if (t.code == h::term_precedence) {
        precedence p{from.code, std::string(trim(value))};
        at_row(attr, [&] { return &builder_.add_precedence(std::move(p)); });
        continue;
      }
      const auto space = value.find(' ');
      const auto weight = space == std::string::npos
                              ? std::nullopt
                              : parse_number(std::string_view(value).substr(space + 1));
      if (!weight)
        fail(attr, "value", error_code::hsds_invalid_value,
             fmt::format("expected \"<category> <weight>\", got '{}'", detail::printable(value)));
      complementarity c{from.code, value.substr(0, space), *weight};
      at_row(attr, [&] { return &builder_.add_complementarity(std::move(c)); });
    }
  }

  /// Local chains (docs/hsds.md, "Local chains"): the chain vocabularies beyond the standard
  /// terms, then one chain per keten.chains term, its facts read in the order of the attributes.
  void add_chains() {
    const auto add_vocabulary = [&](std::string_view taxonomy_name,
                                    std::span<const chain_term> standard, bool form) {
      for (std::size_t i = 0; i < t_[h::taxonomy_terms].rows.size(); ++i) {
        const term_info& t = terms_[i];
        if (t.taxonomy != taxonomy_name) continue;
        if (std::any_of(standard.begin(), standard.end(),
                        [&](const chain_term& s) { return s.id == t.code; }))
          continue;
        const row& r = t_[h::taxonomy_terms].rows[i];
        chain_term term{t.code, t.name, text(r, "description").value_or("")};
        at_row(r, [&] {
          return form ? &builder_.add_cooperation_form(std::move(term))
                      : &builder_.add_initiator_role(std::move(term));
        });
      }
    };
    add_vocabulary(hsds_cooperation_forms_taxonomy, standard_cooperation_forms(), true);
    add_vocabulary(hsds_initiator_roles_taxonomy, standard_initiator_roles(), false);

    std::map<std::size_t, local_chain> chains;  // by row of taxonomy_terms
    std::map<std::size_t, bool> dated;
    for (std::size_t i = 0; i < t_[h::taxonomy_terms].rows.size(); ++i)
      if (terms_[i].taxonomy == hsds_chains_taxonomy) {
        if (terms_[i].code.empty())
          fail(t_[h::taxonomy_terms].rows[i], "code", error_code::hsds_missing_value,
               "a keten.chains term needs a code (the chain id)");
        chains[i] = local_chain{.id = terms_[i].code, .name = terms_[i].name};
      }
    if (chains.empty()) return;
    const table& all_terms = t_[h::taxonomy_terms];
    for (std::size_t a = 0; a < t_[h::attributes].rows.size(); ++a) {
      const row& attr = t_[h::attributes].rows[a];
      const auto entity = reference(attr, "link_entity");
      const auto link = reference(attr, "link_id");
      if (!entity || !link || !reference(attr, "taxonomy_term_id")) continue;
      const std::size_t term_row = all_terms.by_id.at(*reference(attr, "taxonomy_term_id"));
      if (*entity == "organization" && chains.contains(term_row)) {
        const auto org = t_[h::organizations].by_id.find(*link);
        if (org == t_[h::organizations].by_id.end()) continue;  // reported by group_attributes
        chains[term_row].partners.push_back(partner_ids_[org->second]);
        continue;
      }
      if (*entity != "taxonomy_term") continue;
      const auto linked = all_terms.by_id.find(*link);
      if (linked == all_terms.by_id.end() || !chains.contains(linked->second)) continue;
      local_chain& c = chains[linked->second];
      const term_info& t = terms_[term_row];
      if (t.taxonomy == hsds_municipality_taxonomy) {
        c.municipalities.push_back(municipality_code(attr, t));
      } else if (t.taxonomy == hsds_cooperation_forms_taxonomy) {
        if (!c.form.empty())
          fail(attr, "taxonomy_term_id", error_code::hsds_invalid_value,
               fmt::format("chain '{}' has a second form of cooperation", detail::printable(c.id)));
        c.form = t.code;
      } else if (t.taxonomy == hsds_initiator_roles_taxonomy) {
        c.initiators.push_back({.partner = {}, .role = t.code});
      } else if (t.taxonomy == hsds_fields_taxonomy && t.code == h::term_chain_initiator) {
        c.initiators.push_back({.partner = value_of(attr), .role = {}});
      } else if (t.taxonomy == hsds_fields_taxonomy && t.code == h::term_chain_started) {
        const auto day = parse_date(trim(value_of(attr)));
        if (!day)
          fail(attr, "value", error_code::hsds_invalid_value,
               fmt::format("a chain's start is a date YYYY-MM-DD, got '{}'",
                           detail::printable(value_of(attr))));
        c.started = *day;
        dated[linked->second] = true;
      }
    }
    for (auto& [term_row, c] : chains) {
      const row& r = all_terms.rows[term_row];
      if (!dated[term_row])
        fail(r, "", error_code::hsds_missing_value,
             fmt::format("chain '{}' has no start day (a chain.started attribute)",
                         detail::printable(c.id)));
      if (c.form.empty())
        fail(r, "", error_code::hsds_missing_value,
             fmt::format("chain '{}' has no form of cooperation (a keten.cooperation_forms term)",
                         detail::printable(c.id)));
      local_chain& chain = c;  // a lambda may not capture a structured binding in clang 14
      at_row(r, [&] { return &builder_.add_chain(std::move(chain)); });
    }
  }

  tables& t_;
  hsds_import_report& report_;
  const hsds_import_options& options_;
  landscape_builder builder_;
  std::unordered_map<std::string, std::string> by_name_;  // lower-case name → code
  std::vector<term_info> terms_;
  std::map<std::pair<h::table_id, std::size_t>, std::vector<std::size_t>> attributes_;
  std::map<std::size_t, std::vector<std::size_t>> areas_, links_, languages_, capacities_,
      addresses_, locations_of_;
  std::vector<std::string> partner_ids_;
  std::unordered_map<std::string, const row*> offering_rows_;
  date as_of_{};
  // Crosswalk term and service rows by their lower-case match, in row order.
  std::unordered_map<std::string, std::vector<std::size_t>> term_rows_, service_rows_;
  std::unordered_map<std::size_t, std::size_t> unmapped_;  // term row → report_.unmapped_terms
  std::unordered_map<std::size_t, std::size_t> last_service_of_unmapped_;  // + 1
};

hsds_import_result finish(tables& all, hsds_import_report report,
                          const hsds_import_options& options) {
  if (!options.places)
    throw validation_error(error_code::empty_value, "import_hsds needs a geography");
  landscape l = importer(all, report, options).run();
  return {std::move(l), std::move(report)};
}

}  // namespace

hsds_import_result import_hsds_json(std::string_view text, std::string_view source_name,
                                    const hsds_import_options& options) {
  const json doc = parse_json(text, source_name);
  tables all;
  hsds_import_report report;
  read_json_document(doc, std::string(source_name), all, report);
  return finish(all, std::move(report), options);
}

hsds_import_result import_hsds_package(const std::filesystem::path& directory,
                                       const hsds_import_options& options) {
  tables all;
  hsds_import_report report;
  read_package(directory, all, report);
  return finish(all, std::move(report), options);
}

hsds_import_result import_hsds(const std::filesystem::path& path,
                               const hsds_import_options& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return import_hsds_package(path, options);
  if (path.filename() == "datapackage.json") {
    const std::filesystem::path parent = path.parent_path().empty() ? "." : path.parent_path();
    return import_hsds_package(parent, options);
  }
  return import_hsds_json(read_file(path), path.string(), options);
}

}  // namespace keten
