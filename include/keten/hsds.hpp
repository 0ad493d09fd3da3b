// keten/hsds.hpp — Open Referral HSDS 3.0 (with the 3.1 capacity tables) import and export of
// landscapes, and taxonomy crosswalks for foreign directories.
//
// HSDS (the Human Services Data Specification) is the international standard for directories of
// human services: organizations, their services, locations and service areas, classified by
// taxonomy terms through attributes. keten reads and writes it in two forms:
//
//   JSON document   the tabular form as one JSON object, {"organizations.csv": [rows], ...}, as the
//                   official examples/tabular.json; nested documents (a service, an organization,
//                   a service_at_location, a location, a page with "contents", or an array of
//                   them) are read as well and flattened into the same tables;
//   data package    a directory of CSV files (organizations.csv, services.csv, ...) with a
//                   datapackage.json naming them.
//
// The mapping of every keten fact to HSDS tables, taxonomy terms and attributes, and which missing
// values are warnings and which are errors, is documented in docs/hsds.md. Export followed by
// import gives a landscape equal to the original. Import treats its input as untrusted: every value
// is checked before use, and every failure throws a keten::error (ids 5xx, plus the model's own
// validation errors) naming the file, the row (CSV line, or JSON pointer), the field and the id.
// The functions hold no state and may be called from any number of threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keten/error.hpp"
#include "keten/geography.hpp"
#include "keten/landscape.hpp"

namespace keten {

/// Names of the HSDS taxonomies that keten writes and reads (taxonomies.csv `name`, and the
/// `taxonomy` field of each term).
inline constexpr std::string_view hsds_categories_taxonomy = "keten.categories";
inline constexpr std::string_view hsds_fields_taxonomy = "keten.fields";
inline constexpr std::string_view hsds_municipality_taxonomy = "nl.cbs.gemeente";
inline constexpr std::string_view hsds_postcode_taxonomy = "nl.pc4";
/// Local chains (keten/chain.hpp): one term per chain, and the two chain vocabularies.
inline constexpr std::string_view hsds_chains_taxonomy = "keten.chains";
inline constexpr std::string_view hsds_cooperation_forms_taxonomy = "keten.cooperation_forms";
inline constexpr std::string_view hsds_initiator_roles_taxonomy = "keten.initiator_roles";

/// Something the importer defaulted, inferred or ignored, with where it was found (file, CSV line
/// or JSON pointer, field, record id).
struct hsds_warning {
  source_position where;
  std::string message;
  /// "<position>: <message>".
  [[nodiscard]] std::string to_string() const;
};

/// A term of a foreign taxonomy that services carry and that neither keten's own taxonomies nor
/// the crosswalk map to a keten need category.
struct hsds_unmapped_term {
  std::string taxonomy;  ///< the taxonomy's name (or the term's `taxonomy` field)
  std::string code;
  std::string name;
  std::size_t services{};  ///< services that carry it
  source_position first;   ///< the first attribute that links it to a service
};

/// What an import did besides building the landscape.
struct hsds_import_report {
  std::vector<hsds_warning> warnings;
  std::size_t organizations_read{};  ///< rows in organizations
  std::size_t services_read{};       ///< rows in services
  std::size_t services_skipped{};    ///< services without a keten need category (see warnings)
  /// Foreign terms on services that nothing maps, in order of first use (see crosswalks).
  std::vector<hsds_unmapped_term> unmapped_terms;
  std::size_t services_with_unmapped_terms{};  ///< services carrying at least one of them
  std::size_t services_mapped_by_crosswalk{};  ///< services given a category by the crosswalk
  std::size_t capacities_stale{};  ///< service_capacity rows updated too long ago (see warnings)
};

/// A mapping from other taxonomies and names to keten (docs/hsds.md, "Crosswalks"). Three kinds
/// of rows, many-to-many (a term may map to several categories, many terms to one):
///   term     a term of a foreign taxonomy, matched by code or by name → a need category;
///   service  a service without usable terms, matched by its name → a need category;
///   place    a place name (a service_area's name, an address's city) → a CBS municipality code.
/// Matching ignores case and surrounding spaces. Each row keeps where it was read, so that an
/// unknown category or municipality names the crosswalk's file, line and field.
struct hsds_crosswalk_row {
  enum class kind { term, service, place };
  kind what{kind::term};
  std::string taxonomy;  ///< term rows: the taxonomy's name; empty = any taxonomy
  std::string match;     ///< term code or name, service name, or place name
  std::string keten;     ///< need category id (term, service) or municipality code (place)
  source_position where;
};

struct hsds_crosswalk {
  std::vector<hsds_crosswalk_row> rows;
  [[nodiscard]] bool empty() const noexcept { return rows.empty(); }
};

/// Reads a crosswalk: CSV (header `kind,taxonomy,match,keten`, optional `note` column; other
/// columns are an error) or JSON (an array of objects with those members, or {"crosswalk":
/// [...]}), told apart by the first non-blank character. Checks the form of every row (a known
/// kind, a non-empty match and keten value, a category `<form>.<name>`, a municipality `GM` + 4
/// digits, no row twice) and throws parse_error / validation_error (ids 5xx) naming the file, the
/// line (CSV) or JSON pointer, and the field. Whether a category or municipality exists is
/// checked by the import. O(size of the text).
[[nodiscard]] hsds_crosswalk parse_hsds_crosswalk(std::string_view text,
                                                  std::string_view source_name = "<string>");
/// parse_hsds_crosswalk() of a file; throws io_error if it cannot be read.
[[nodiscard]] hsds_crosswalk load_hsds_crosswalk(const std::filesystem::path& path);

/// The start of a crosswalk for what an import left unmapped: a CSV text with the crosswalk header
/// and one `term` row per unmapped term (taxonomy, its code, an empty `keten` to fill in, and a
/// note with the term's name and how many services carry it). Fill in `keten` (a row left empty is
/// an error when the crosswalk is read) or delete the row. O(unmapped terms).
[[nodiscard]] std::string unmapped_terms_crosswalk_csv(const hsds_import_report& report);
/// Writes unmapped_terms_crosswalk_csv() to `path` atomically. Throws io_error.
void save_unmapped_terms_crosswalk(const hsds_import_report& report,
                                   const std::filesystem::path& path);

struct hsds_import_result {
  landscape imported;
  hsds_import_report report;
};

struct hsds_import_options {
  /// The municipalities that codes and names are resolved against.
  std::shared_ptr<const geography> places = geography::netherlands();
  /// If true, a service without a keten need category, and a foreign term on a service that
  /// nothing maps, are errors instead of a skipped service and a line of the report.
  bool strict = false;
  /// Maps foreign terms, service names and place names to keten (empty: keten's own terms only).
  hsds_crosswalk crosswalk;
  /// A service_capacity whose `updated` lies more than this many days before `as_of` is reported
  /// as stale (a warning, counted in capacities_stale).
  int stale_after_days = 90;
  /// The day staleness is measured at, "YYYY-MM-DD"; empty = today (UTC).
  std::string as_of;
};

/// Imports a JSON document (a regular file) or a data package (a directory holding
/// datapackage.json or HSDS CSV files). Throws io_error if the path cannot be read, parse_error /
/// validation_error as import_hsds_json and import_hsds_package. O(size of the input + build()).
[[nodiscard]] hsds_import_result import_hsds(const std::filesystem::path& path,
                                             const hsds_import_options& options = {});

/// Imports an HSDS JSON document; `source_name` names it in errors and warnings.
[[nodiscard]] hsds_import_result import_hsds_json(std::string_view text,
                                                  std::string_view source_name = "<string>",
                                                  const hsds_import_options& options = {});

/// Imports a data package directory. The tables are found through datapackage.json's resources
/// (their `path`s must stay inside the directory); without a usable datapackage.json the standard
/// file names are used, with a warning. A missing table is an empty table.
[[nodiscard]] hsds_import_result import_hsds_package(const std::filesystem::path& directory,
                                                     const hsds_import_options& options = {});

struct hsds_export_options {
  /// The `updated` time stamp of every service_capacity row (ISO 8601); empty = the current UTC
  /// time. Give one to make exports byte-for-byte reproducible.
  std::string updated;
  /// JSON indentation; < 0 writes one line.
  int indent = 1;
};

/// The landscape as an HSDS JSON document in tabular form ({"organizations.csv": [...], ...}).
/// Ids are UUIDs derived from keten's ids (version 5, so an export is reproducible); keten's own
/// ids are kept in organization_identifiers and attributes. O(size of the landscape).
[[nodiscard]] std::string export_hsds_json(const landscape& l,
                                           const hsds_export_options& options = {});

/// Writes export_hsds_json() to `path` atomically (as save_landscape_json). Throws io_error.
void save_hsds_json(const landscape& l, const std::filesystem::path& path,
                    const hsds_export_options& options = {});

/// Writes the landscape as a data package into `directory` (created if missing): one CSV file per
/// table and datapackage.json, each written atomically. Throws io_error (cannot_write).
void export_hsds_package(const landscape& l, const std::filesystem::path& directory,
                         const hsds_export_options& options = {});

}  // namespace keten
