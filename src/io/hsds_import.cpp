// HSDS 3.0 import of landscapes: JSON documents and data packages (keten/hsds.hpp, docs/hsds.md).
//
// Reading has two stages. First the input — a tabular JSON document, a nested JSON document or a
// directory of CSV files — becomes one set of flat tables of rows, each row remembering where it
// came from (file and CSV line, or JSON pointer): src/io/hsds_read.cpp. Then the rows are checked
// (ids, references) and mapped onto a landscape_builder: this file (the importer's order of work,
// terms, partners, relations and chains) and src/io/hsds_import_services.cpp (services as
// offerings). Every value is type- and range-checked before use.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "files.hpp"
#include "hsds_importer.hpp"
#include "keten/error.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"

namespace keten {

std::string hsds_warning::to_string() const {
  const std::string position = where.to_string();
  return position.empty() ? message : fmt::format("{}: {}", position, message);
}

}  // namespace keten

namespace keten::detail::hsds_import {

importer::importer(tables& all, hsds_import_report& report, const hsds_import_options& options)
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

landscape importer::run() {
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

std::optional<std::size_t> importer::follow(const row& r, std::string_view field,
                                            h::table_id target, bool required_match) {
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

void importer::check_references() {
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

void importer::resolve_terms() {
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

void importer::group_attributes() {
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

void importer::group_children() {
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

void importer::add_categories() {
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

void importer::check_crosswalk_categories() {
  for (const hsds_crosswalk_row& c : options_.crosswalk.rows) {
    if (c.what == hsds_crosswalk_row::kind::place || builder_.categories().find(c.keten)) continue;
    source_position at = c.where;
    at.field = "keten";
    if (!at.pointer.empty()) at.pointer += "/keten";
    throw validation_error(error_code::unknown_category,
                           fmt::format("unknown need category '{}'", detail::printable(c.keten)),
                           at);
  }
}

void importer::read_landscape_name() {
  for (std::size_t x = 0; x < t_[h::taxonomies].rows.size(); ++x)
    for (std::size_t a : attributes_of(h::taxonomies, x))
      if (const term_info& t = term_of(a);
          t.taxonomy == hsds_fields_taxonomy && t.code == h::term_landscape_name)
        builder_.set_name(value_of(t_[h::attributes].rows[a]));
}

void importer::add_partners(const std::vector<draft>& drafts) {
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
      fail(r, "identifier", error_code::hsds_missing_value, "a keten partner id must not be empty");
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
      warn(r, "name",
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

std::string importer::infer_home(std::size_t o, const row& r,
                                 const std::vector<const draft*>& services) {
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

void importer::add_relations() {
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

void importer::add_chains() {
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

}  // namespace keten::detail::hsds_import

namespace keten {

namespace {

using detail::hsds_import::json;
using detail::hsds_import::tables;

hsds_import_result finish(tables& all, hsds_import_report report,
                          const hsds_import_options& options) {
  if (!options.places)
    throw validation_error(error_code::empty_value, "import_hsds needs a geography");
  landscape l = detail::hsds_import::importer(all, report, options).run();
  return {std::move(l), std::move(report)};
}

}  // namespace

hsds_import_result import_hsds_json(std::string_view text, std::string_view source_name,
                                    const hsds_import_options& options) {
  const json doc = detail::hsds_import::parse_json(text, source_name);
  tables all;
  hsds_import_report report;
  detail::hsds_import::read_json_document(doc, std::string(source_name), all, report);
  return finish(all, std::move(report), options);
}

hsds_import_result import_hsds_package(const std::filesystem::path& directory,
                                       const hsds_import_options& options) {
  tables all;
  hsds_import_report report;
  detail::hsds_import::read_package(directory, all, report);
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
