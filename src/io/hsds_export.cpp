// HSDS 3.0 export of landscapes: tabular JSON and data packages (keten/hsds.hpp, docs/hsds.md).
#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "hsds_tables.hpp"
#include "keten/error.hpp"
#include "keten/hsds.hpp"

namespace keten {

namespace {

using ordered_json = nlohmann::ordered_json;
namespace h = detail::hsds;

/// Version 5 (SHA-1, name-based) UUIDs in keten's own namespace: the same landscape always gets
/// the same ids. The name is "<kind>:<length of key>:<key>", so that no two keys collide.
class uuid_maker {
 public:
  uuid_maker()
      : generate_(boost::uuids::string_generator{}("9f4b7c1e-2d6a-5e38-8c41-6b6574656e31")) {}
  [[nodiscard]] std::string operator()(std::string_view kind, std::string_view key) const {
    return boost::uuids::to_string(generate_(fmt::format("{}:{}:{}", kind, key.size(), key)));
  }

 private:
  boost::uuids::name_generator_sha1 generate_;
};

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", parts.tm_year + 1900, parts.tm_mon + 1,
                     parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

/// English names of the languages keten data commonly lists (the `name` of a language row).
std::string language_name(std::string_view code) {
  static const std::map<std::string_view, std::string_view> names{
      {"nl", "Dutch"},    {"en", "English"},     {"de", "German"},     {"fr", "French"},
      {"ar", "Arabic"},   {"tr", "Turkish"},     {"pl", "Polish"},     {"uk", "Ukrainian"},
      {"ru", "Russian"},  {"ti", "Tigrinya"},    {"so", "Somali"},     {"fy", "Frisian"},
      {"es", "Spanish"},  {"pap", "Papiamento"}, {"fa", "Persian"},    {"zh", "Chinese"},
      {"ro", "Romanian"}, {"bg", "Bulgarian"},   {"pt", "Portuguese"}, {"it", "Italian"}};
  const auto it = names.find(code);
  return it == names.end() ? std::string(code) : std::string(it->second);
}

/// Builds the HSDS tables of one landscape.
class exporter {
 public:
  exporter(const landscape& l, const hsds_export_options& options)
      : l_(l), updated_(options.updated.empty() ? utc_now() : options.updated) {}

  std::array<std::vector<ordered_json>, h::table_count> run() {
    taxonomies();
    category_terms();
    if (!l_.name().empty())
      attribute("taxonomy", taxonomy_ids_.at(std::string(hsds_fields_taxonomy)),
                field_term(h::term_landscape_name), "keten", l_.name());
    for (const partner& p : l_.partners())
      organization(p);
    for (const offering& o : l_.offerings())
      service(o);
    for (const complementarity& c : l_.complementarities())
      attribute("taxonomy_term", category_term(c.a), field_term(h::term_complementarity), "keten",
                fmt::format("{} {}", c.b, c.weight));
    for (const precedence& p : l_.precedences())
      attribute("taxonomy_term", category_term(p.before), field_term(h::term_precedence), "keten",
                p.after);
    chains();
    return std::move(rows_);
  }

 private:
  void add(h::table_id table, ordered_json row) { rows_[table].push_back(std::move(row)); }

  void taxonomies() {
    const std::array<std::array<std::string_view, 3>, 7> list{{
        {hsds_categories_taxonomy,
         "Keten van Hoop: the five help forms and the need categories under them", "1"},
        {hsds_fields_taxonomy, "keten facts carried as attribute values (docs/hsds.md)", "1"},
        {hsds_municipality_taxonomy, "Dutch municipalities by CBS code (GM + 4 digits)", "2023"},
        {hsds_postcode_taxonomy, "Dutch 4-digit postcode areas (PC4)", "1"},
        {hsds_chains_taxonomy, "Keten van Hoop: the local chains, one term per chain", "1"},
        {hsds_cooperation_forms_taxonomy, "Forms of cooperation of a local chain", "1"},
        {hsds_initiator_roles_taxonomy, "Roles that initiate a local chain (never a person)", "1"},
    }};
    for (const auto& [name, description, version] : list) {
      const std::string id = uuid_("taxonomy", name);
      taxonomy_ids_.emplace(name, id);
      add(h::taxonomies,
          {{"id", id}, {"name", name}, {"description", description}, {"version", version}});
    }
    for (const h::field_term& t : h::field_terms)
      term(hsds_fields_taxonomy, t.code, t.code, t.description, "", "en");
  }

  std::string term(std::string_view taxonomy, std::string_view code, std::string_view name,
                   std::string_view description, const std::string& parent,
                   std::string_view language) {
    const std::string key = fmt::format("{}:{}", taxonomy, code);
    if (const auto it = term_ids_.find(key); it != term_ids_.end()) return it->second;
    const std::string id = uuid_("taxonomy_term", key);
    ordered_json row{{"id", id}, {"code", code}, {"name", name}, {"description", description}};
    if (!parent.empty()) row["parent_id"] = parent;
    row["taxonomy"] = taxonomy;
    row["language"] = language;
    row["taxonomy_id"] = taxonomy_ids_.at(std::string(taxonomy));
    add(h::taxonomy_terms, std::move(row));
    term_ids_.emplace(key, id);
    return id;
  }

  void category_terms() {
    for (help_form f : all_help_forms)
      term(hsds_categories_taxonomy, to_string(f), label_nl(f), label_en(f), "", "nl");
    for (const need_category& c : l_.categories().categories())
      category_term(c.id);
  }

  std::string category_term(const std::string& id) {
    const need_category& c = l_.categories()[l_.categories().index_of(id)];
    const std::string parent =
        term_ids_.at(fmt::format("{}:{}", hsds_categories_taxonomy, to_string(c.form)));
    return term(hsds_categories_taxonomy, c.id, c.label_nl, c.label_en, parent, "nl");
  }

  std::string field_term(std::string_view code) {
    return term_ids_.at(fmt::format("{}:{}", hsds_fields_taxonomy, code));
  }

  std::string municipality_term(const std::string& code) {
    const municipality& m = l_.places()[l_.places().index_of(code)];
    return term(hsds_municipality_taxonomy, m.code, m.name,
                fmt::format("gemeente {} ({})", m.name, m.province), "", "nl");
  }

  std::string postcode_term(pc4 p) {
    const std::string code = fmt::format("{:04}", p);
    return term(hsds_postcode_taxonomy, code, code, fmt::format("postcodegebied {}", code), "",
                "nl");
  }

  void attribute(std::string_view entity, const std::string& link, const std::string& term_id,
                 std::string_view link_type, std::string_view value) {
    add(h::attributes, {{"id", uuid_("attribute", std::to_string(attribute_count_++))},
                        {"link_id", link},
                        {"taxonomy_term_id", term_id},
                        {"link_type", link_type},
                        {"link_entity", entity},
                        {"value", value}});
  }

  void organization(const partner& p) {
    const std::string id = uuid_("organization", p.id);
    organization_ids_.emplace(p.id, id);
    const municipality& home = l_.places()[l_.places().index_of(p.municipality)];
    add(h::organizations,
        {{"id", id},
         {"name", p.branch.empty() ? p.member : p.branch},
         {"description", fmt::format("{}, local branch in {}", p.member, home.name)}});
    add(h::organization_identifiers, {{"id", uuid_("organization_identifier", p.id)},
                                      {"organization_id", id},
                                      {"identifier_scheme", h::keten_scheme},
                                      {"identifier_type", h::partner_identifier_type},
                                      {"identifier", p.id}});
    attribute("organization", id, field_term(h::term_partner_member), "keten", p.member);
    attribute("organization", id, field_term(h::term_partner_branch), "keten", p.branch);
    attribute("organization", id, municipality_term(p.municipality), "home_municipality", "");
  }

  std::string unit(std::int32_t period_days) {
    const std::string key = std::to_string(period_days);
    if (const auto it = unit_ids_.find(key); it != unit_ids_.end()) return it->second;
    const std::string id = uuid_("unit", key);
    add(h::units, {{"id", id},
                   {"name", fmt::format("places per {} days", period_days)},
                   {"scheme", h::keten_scheme},
                   {"identifier", fmt::format("per-{}-days", period_days)}});
    unit_ids_.emplace(key, id);
    return id;
  }

  void service(const offering& o) {
    const std::string id = uuid_("service", o.id);
    std::vector<std::string> labels;
    for (const std::string& c : o.categories) {
      const need_category& category = l_.categories()[l_.categories().index_of(c)];
      labels.push_back(category.label_nl.empty() ? category.id : category.label_nl);
    }
    ordered_json row{{"id", id},
                     {"organization_id", organization_ids_.at(o.partner)},
                     {"name", o.name.empty() ? o.id : o.name},
                     {"description", fmt::format("{}", fmt::join(labels, ", "))},
                     {"status", "active"},
                     {"wait_time", fmt::format("{} days", o.units.intake_wait_days)}};
    std::vector<std::string> rules;
    if (o.rules.ages != age_band{}) {
      row["minimum_age"] = o.rules.ages.min;
      row["maximum_age"] = o.rules.ages.max;
      rules.push_back(fmt::format("ages {}–{}", o.rules.ages.min, o.rules.ages.max));
    }
    if (!o.rules.households.empty()) {
      std::vector<std::string_view> names;
      for (household_type t : o.rules.households)
        names.push_back(to_string(t));
      rules.push_back(fmt::format("households: {}", fmt::join(names, ", ")));
    }
    if (o.rules.requires_professional_referrer)
      rules.emplace_back("referred by a professional who stays responsible");
    row["eligibility_description"] =
        rules.empty() ? std::string("everyone") : fmt::format("{}", fmt::join(rules, "; "));
    add(h::services, std::move(row));

    attribute("service", id, field_term(h::term_offering_id), "keten", o.id);
    attribute("service", id, field_term(h::term_offering_name), "keten", o.name);
    for (const std::string& c : o.categories)
      attribute("service", id, category_term(c), "need_category", "");
    for (household_type t : o.rules.households)
      attribute("service", id, field_term(h::term_household), "eligibility", to_string(t));
    if (o.rules.requires_professional_referrer)
      attribute("service", id, field_term(h::term_professional_referrer), "eligibility", "true");
    attribute("service", id, field_term(h::term_typical_duration), "keten",
              std::to_string(o.units.typical_duration_days));

    for (std::size_t i = 0; i < o.rules.languages.size(); ++i) {
      const std::string& code = o.rules.languages[i];
      add(h::languages, {{"id", uuid_("language", fmt::format("{}/{}", o.id, i))},
                         {"service_id", id},
                         {"name", language_name(code)},
                         {"code", code}});
    }

    for (std::size_t i = 0; i < o.area.municipalities.size(); ++i) {
      const municipality& m = l_.places()[l_.places().index_of(o.area.municipalities[i])];
      const std::string area = uuid_("service_area", fmt::format("{}/m{}", o.id, i));
      add(h::service_areas, {{"id", area},
                             {"service_id", id},
                             {"name", m.name},
                             {"description", fmt::format("gemeente {} ({})", m.name, m.code)}});
      attribute("service_area", area, municipality_term(m.code), "service_area", "");
    }
    for (std::size_t i = 0; i < o.area.postcodes.size(); ++i) {
      const std::string area = uuid_("service_area", fmt::format("{}/p{}", o.id, i));
      add(h::service_areas,
          {{"id", area},
           {"service_id", id},
           {"name", fmt::format("{:04}", o.area.postcodes[i])},
           {"description", fmt::format("postcodegebied {:04}", o.area.postcodes[i])}});
      attribute("service_area", area, postcode_term(o.area.postcodes[i]), "service_area", "");
    }
    if (o.area.radius) {
      const std::string location = uuid_("location", o.id);
      add(h::locations,
          {{"id", location},
           {"location_type", "physical"},
           {"name", fmt::format("centre of the area of {}", o.name.empty() ? o.id : o.name)},
           {"latitude", o.area.radius->center.lat},
           {"longitude", o.area.radius->center.lon}});
      const std::string link = uuid_("service_at_location", o.id);
      add(h::service_at_location,
          {{"id", link},
           {"service_id", id},
           {"location_id", location},
           {"description", fmt::format("helps within {} km of this point", o.area.radius->km)}});
      attribute("service_at_location", link, field_term(h::term_radius_km), "service_area",
                fmt::format("{}", o.area.radius->km));
    }

    add(h::service_capacity,
        {{"id", uuid_("service_capacity", o.id)},
         {"service_id", id},
         {"unit_id", unit(o.units.period_days)},
         {"available", o.units.free_units},
         {"maximum", o.units.units_per_period},
         {"description", fmt::format("{} of {} places free per {} days", o.units.free_units,
                                     o.units.units_per_period, o.units.period_days)},
         {"updated", updated_}});
  }

  /// Local chains: a keten.chains term per chain (code = id, name = name). The members are
  /// attributes of their organizations with the chain's term (in member order); the chain's
  /// municipalities, form and initiator roles are attributes of the chain's term with those
  /// terms; initiator partners and the start day are keten.fields values on the chain's term.
  /// Initiators keep their order, partners and roles mixed. Both vocabularies are written whole.
  void chains() {
    for (const chain_term& f : l_.cooperation_forms())
      term(hsds_cooperation_forms_taxonomy, f.id, f.label_nl, f.label_en, "", "nl");
    for (const chain_term& r : l_.initiator_roles())
      term(hsds_initiator_roles_taxonomy, r.id, r.label_nl, r.label_en, "", "nl");
    for (const local_chain& c : l_.chains()) {
      const std::string id =
          term(hsds_chains_taxonomy, c.id, c.name, fmt::format("local chain {}", c.id), "", "nl");
      for (const std::string& p : c.partners)
        attribute("organization", organization_ids_.at(p), id, "chain_member", "");
      for (const std::string& m : c.municipalities)
        attribute("taxonomy_term", id, municipality_term(m), "chain_municipality", "");
      attribute("taxonomy_term", id,
                term_ids_.at(fmt::format("{}:{}", hsds_cooperation_forms_taxonomy, c.form)),
                "cooperation_form", "");
      attribute("taxonomy_term", id, field_term(h::term_chain_started), "keten",
                to_string(c.started));
      for (const chain_initiator& i : c.initiators) {
        if (!i.partner.empty())
          attribute("taxonomy_term", id, field_term(h::term_chain_initiator), "chain_initiator",
                    i.partner);
        else
          attribute("taxonomy_term", id,
                    term_ids_.at(fmt::format("{}:{}", hsds_initiator_roles_taxonomy, i.role)),
                    "chain_initiator", "");
      }
    }
  }

  const landscape& l_;
  std::string updated_;
  uuid_maker uuid_;
  std::array<std::vector<ordered_json>, h::table_count> rows_;
  std::map<std::string, std::string> taxonomy_ids_;
  std::map<std::string, std::string> term_ids_;
  std::map<std::string, std::string> organization_ids_;
  std::map<std::string, std::string> unit_ids_;
  std::size_t attribute_count_{0};
};

/// One CSV cell (RFC 4180): quoted if it holds a comma, a quote, a line break or edge spaces.
std::string csv_cell(const ordered_json& value) {
  std::string text;
  if (value.is_string())
    text = value.get<std::string>();
  else if (value.is_number_float())
    text = fmt::format("{}", value.get<double>());
  else if (!value.is_null())
    text = value.dump();
  const bool quote = text.find_first_of(",\"\r\n") != std::string::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_table(const h::table_spec& spec, const std::vector<ordered_json>& rows) {
  std::string out;
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : ",", spec.columns[i].name);
  out += "\r\n";
  for (const ordered_json& row : rows) {
    for (std::size_t i = 0; i < spec.columns.size(); ++i) {
      if (i != 0) out += ',';
      const std::string key(spec.columns[i].name);
      if (row.contains(key)) out += csv_cell(row[key]);
    }
    out += "\r\n";
  }
  return out;
}

ordered_json datapackage(const landscape& l) {
  ordered_json resources = ordered_json::array();
  for (const h::table_spec& spec : h::tables) {
    ordered_json fields = ordered_json::array();
    for (const h::column& c : spec.columns)
      fields.push_back({{"name", c.name}, {"type", c.number ? "number" : "string"}});
    resources.push_back({{"name", spec.entity},
                         {"path", spec.file},
                         {"profile", "tabular-data-resource"},
                         {"format", "csv"},
                         {"mediatype", "text/csv"},
                         {"encoding", "utf-8"},
                         {"schema", {{"fields", std::move(fields)}, {"primaryKey", "id"}}}});
  }
  return {{"profile", "tabular-data-package"},
          {"name", "keten-hsds"},
          {"title", l.name()},
          {"description",
           "A keten landscape as Open Referral HSDS 3.0 (service_capacity and "
           "units from HSDS 3.1); see docs/hsds.md of keten"},
          {"resources", std::move(resources)}};
}

}  // namespace

std::string export_hsds_json(const landscape& l, const hsds_export_options& options) {
  auto rows = exporter(l, options).run();
  ordered_json doc = ordered_json::object();
  for (std::size_t t = 0; t < h::table_count; ++t) {
    ordered_json list = ordered_json::array();
    for (ordered_json& row : rows[t])
      list.push_back(std::move(row));
    doc[std::string(h::tables[t].file)] = std::move(list);
  }
  return doc.dump(options.indent) + "\n";
}

void save_hsds_json(const landscape& l, const std::filesystem::path& path,
                    const hsds_export_options& options) {
  detail::write_file_atomically(export_hsds_json(l, options), path);
}

void export_hsds_package(const landscape& l, const std::filesystem::path& directory,
                         const hsds_export_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec || !std::filesystem::is_directory(directory))
    throw io_error(
        error_code::cannot_write,
        fmt::format("cannot create directory: {}", ec ? ec.message() : "not a directory"),
        {.file = directory.string()});
  const auto rows = exporter(l, options).run();
  for (std::size_t t = 0; t < h::table_count; ++t)
    detail::write_file_atomically(csv_table(h::tables[t], rows[t]), directory / h::tables[t].file);
  detail::write_file_atomically(datapackage(l).dump(2) + "\n", directory / "datapackage.json");
}

}  // namespace keten
