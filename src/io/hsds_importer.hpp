// src/io/hsds_importer.hpp — the HSDS importer's second stage: from the tables of rows to a
// landscape (checked references, terms, services as offerings, partners, relations, chains), shared
// by src/io/hsds_import.cpp and src/io/hsds_import_services.cpp. Private to the compiled library.
#pragma once

#include <cctype>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "files.hpp"
#include "hsds_rows.hpp"
#include "keten/date.hpp"
#include "keten/hsds.hpp"
#include "keten/landscape.hpp"

namespace keten::detail::hsds_import {

/// s in lower case (ASCII).
inline std::string lower(std::string_view s) {
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

/// Maps the tables onto a landscape_builder: run() once. Errors name the row (file and line, or
/// JSON pointer) of the value that caused them; what keten can skip goes to the report.
class importer {
 public:
  importer(tables& all, hsds_import_report& report, const hsds_import_options& options);

  landscape run();

 private:
  void warn(const row& r, std::string_view field, std::string message) {
    report_.warnings.push_back({where(r, field), std::move(message)});
  }

  /// The row of table `target` that `field` of `r` names, or nullopt if the field is empty.
  /// A name that matches nothing is an error if `required_match`, else a warning.
  std::optional<std::size_t> follow(const row& r, std::string_view field, h::table_id target,
                                    bool required_match = true);

  /// References that keten follows are errors when broken; the ones it does not use, warnings.
  void check_references();

  void resolve_terms();

  /// Attributes by the entity and id they link to, in the order of the attributes table.
  void group_attributes();

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
  void group_children();

  template <class F>
  auto at_row(const row& r, F&& body) {
    try {
      return body();
    } catch (const error& e) {
      rethrow_with_position(e, where(r));
    }
  }

  void add_categories();

  /// Term and service rows of the crosswalk must name categories the landscape knows (the
  /// standard ones and those of keten.categories terms).
  void check_crosswalk_categories();

  static bool keten_taxonomy(std::string_view name) {
    return name == hsds_categories_taxonomy || name == hsds_fields_taxonomy ||
           name == hsds_municipality_taxonomy || name == hsds_postcode_taxonomy ||
           name == hsds_chains_taxonomy || name == hsds_cooperation_forms_taxonomy ||
           name == hsds_initiator_roles_taxonomy;
  }

  /// A foreign term on service `s`: its categories from the crosswalk, or a line of the report
  /// (an error if strict). Returns true if the crosswalk mapped it.
  bool map_foreign_term(std::size_t s, const row& attr, std::size_t term_row, offering& o);

  void read_landscape_name();

  /// The municipality code of a municipality term, checked against the geography.
  std::string municipality_code(const row& attribute, const term_info& t);

  std::optional<draft> read_service(std::size_t s);

  void read_ages(const row& r, offering& o);

  void read_languages(std::size_t s, offering& o);

  void read_area(std::size_t s, const row& service, offering& o);

  void read_capacity(std::size_t s, const row& service, offering& o);

  /// HSDS 3.1 requires `updated` (a date-time); keten reports a capacity older than
  /// stale_after_days at as_of, and one whose age it cannot tell.
  void check_staleness(const row& r);

  void add_partners(const std::vector<draft>& drafts);

  std::string infer_home(std::size_t o, const row& r, const std::vector<const draft*>& services);

  void add_relations();

  /// Local chains (docs/hsds.md, "Local chains"): the chain vocabularies beyond the standard
  /// terms, then one chain per keten.chains term, its facts read in the order of the attributes.
  void add_chains();

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

}  // namespace keten::detail::hsds_import
