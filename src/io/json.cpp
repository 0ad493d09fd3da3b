// JSON reading and writing of landscapes and cases (docs/formats.md).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "json_cursor.hpp"
#include "json_model.hpp"
#include "keten/allocation.hpp"
#include "keten/error.hpp"
#include "keten/io.hpp"

namespace keten {

namespace {

using detail::at;
using detail::check_header;
using detail::cursor;
using detail::identified;
using detail::json;
using detail::ordered_json;
using detail::parse_document;
using detail::pointer_of_field;

pc4 read_postcode(const cursor& c) {
  const std::optional<pc4> p = parse_pc4(c.string());
  if (!p)
    c.fail_value(error_code::invalid_value, "a PC4 postcode is a string of four digits, 1000–9999");
  return *p;
}

geo_point read_point(const cursor& c) {
  c.require_object({"lat", "lon"});
  const geo_point p{c["lat"].number(), c["lon"].number()};
  if (!is_valid(p)) c.fail_value(error_code::invalid_value, "latitude or longitude out of range");
  return p;
}

age_band read_age_band(const cursor& c) {
  c.require_object({"min", "max"});
  const auto age = [&c](std::string_view key, int fallback) {
    const auto field = c.optional(key);
    if (!field) return fallback;
    const int value = field->integer<int>();
    if (value < 0)
      field->fail_value(error_code::negative_value, fmt::format("age {} is negative", value));
    if (value > max_age)
      field->fail_value(error_code::invalid_value,
                        fmt::format("age {} is above {}", value, max_age));
    return value;
  };
  age_band band;
  band.min = static_cast<std::uint8_t>(age("min", 0));
  band.max = static_cast<std::uint8_t>(age("max", max_age));
  if (band.min > band.max)
    c.fail_value(error_code::inverted_range,
                 fmt::format("age band upside down: min {} > max {}", band.min, band.max));
  return band;
}

partner read_partner(const cursor& c) {
  const cursor self = identified(c, {"id", "member", "branch", "municipality"});
  partner p;
  p.id = self["id"].string();
  p.member = self["member"].string();
  if (auto b = self.optional("branch")) p.branch = b->string();
  p.municipality = self["municipality"].string();
  return p;
}

offering read_offering(const cursor& c) {
  const cursor self =
      identified(c, {"id", "partner", "name", "categories", "area", "eligibility", "capacity"});
  offering o;
  o.id = self["id"].string();
  o.partner = self["partner"].string();
  if (auto n = self.optional("name")) o.name = n->string();
  o.categories = self["categories"].strings();

  const cursor area = self["area"];
  area.require_object({"municipalities", "postcodes", "radius"});
  if (auto m = area.optional("municipalities")) o.area.municipalities = m->strings();
  if (auto p = area.optional("postcodes"))
    for (const cursor& e : p->elements())
      o.area.postcodes.push_back(read_postcode(e));
  if (auto r = area.optional("radius")) {
    r->require_object({"lat", "lon", "km"});
    o.area.radius =
        radius_area{geo_point{(*r)["lat"].number(), (*r)["lon"].number()}, (*r)["km"].number()};
  }

  if (auto rules = self.optional("eligibility")) {
    rules->require_object({"age", "households", "languages", "professional_referrer"});
    if (auto a = rules->optional("age")) o.rules.ages = read_age_band(*a);
    if (auto h = rules->optional("households")) {
      for (const cursor& e : h->elements()) {
        const auto type = parse_household_type(e.string());
        if (!type)
          e.fail_value(error_code::invalid_value,
                       "household is one of single, couple, single_parent, family, other");
        o.rules.households.push_back(*type);
      }
    }
    if (auto l = rules->optional("languages")) o.rules.languages = l->strings();
    if (auto r = rules->optional("professional_referrer"))
      o.rules.requires_professional_referrer = r->boolean();
  }

  const cursor cap = self["capacity"];
  cap.require_object({"units_per_period", "period_days", "free_units", "typical_duration_days",
                      "intake_wait_days"});
  o.units.units_per_period = cap["units_per_period"].integer<std::int32_t>();
  if (auto p = cap.optional("period_days")) o.units.period_days = p->integer<std::int32_t>();
  o.units.free_units = cap["free_units"].integer<std::int32_t>();
  if (auto d = cap.optional("typical_duration_days"))
    o.units.typical_duration_days = d->integer<std::int32_t>();
  if (auto w = cap.optional("intake_wait_days"))
    o.units.intake_wait_days = w->integer<std::int32_t>();
  return o;
}

chain_term read_chain_term(const cursor& c) {
  const cursor self = identified(c, {"id", "label_nl", "label_en"});
  chain_term t;
  t.id = self["id"].string();
  if (auto l = self.optional("label_nl")) t.label_nl = l->string();
  if (auto l = self.optional("label_en")) t.label_en = l->string();
  return t;
}

date read_date(const cursor& c) {
  const auto d = parse_date(c.string());
  if (!d)
    c.fail_value(error_code::invalid_value,
                 fmt::format("a date is \"YYYY-MM-DD\", a real day in the years {}–{}",
                             min_date_year, max_date_year));
  return *d;
}

local_chain read_chain(const cursor& c) {
  const cursor self =
      identified(c, {"id", "name", "municipalities", "partners", "initiators", "started", "form"});
  local_chain out;
  out.id = self["id"].string();
  out.name = self["name"].string();
  out.municipalities = self["municipalities"].strings();
  out.partners = self["partners"].strings();
  for (const cursor& i : self["initiators"].elements()) {
    i.require_object({"partner", "role"});
    chain_initiator who;
    if (auto p = i.optional("partner")) who.partner = p->string();
    if (auto r = i.optional("role")) who.role = r->string();
    out.initiators.push_back(std::move(who));
  }
  out.started = read_date(self["started"]);
  out.form = self["form"].string();
  return out;
}

help_case read_case(const cursor& c) {
  const cursor self =
      identified(c, {"id", "needs", "location", "profile", "consent", "excluded_partners"});
  help_case out;
  out.id = self["id"].string();
  for (const cursor& n : self["needs"].elements()) {
    n.require_object({"category", "urgency", "weight"});
    need item;
    item.category = n["category"].string();
    if (auto u = n.optional("urgency")) item.urgency = u->integer<int>();
    if (auto w = n.optional("weight")) item.weight = w->number();
    out.needs.push_back(std::move(item));
  }
  const cursor where = self["location"];
  where.require_object({"municipality", "postcode", "point"});
  if (auto m = where.optional("municipality")) {
    out.location.municipality = m->string();
    if (out.location.municipality.empty())
      m->fail_value(error_code::empty_value,
                    "a municipality code must not be empty; leave it out instead");
  }
  if (auto p = where.optional("postcode")) out.location.postcode = read_postcode(*p);
  if (auto p = where.optional("point")) out.location.point = read_point(*p);
  if (auto profile = self.optional("profile")) {
    profile->require_object({"age", "household", "languages", "referrer"});
    if (auto a = profile->optional("age")) out.profile.age = read_age_band(*a);
    if (auto h = profile->optional("household")) {
      out.profile.household = parse_household_type(h->string());
      if (!out.profile.household)
        h->fail_value(error_code::invalid_value,
                      "household is one of single, couple, single_parent, family, other");
    }
    if (auto l = profile->optional("languages")) out.profile.languages = l->strings();
    if (auto r = profile->optional("referrer")) {
      const auto kind = parse_referrer_kind(r->string());
      if (!kind)
        r->fail_value(error_code::invalid_value,
                      "referrer is one of self, professional, partner, church, other");
      out.profile.referrer = *kind;
    }
  }
  if (auto consent = self.optional("consent")) out.consent = consent->boolean();
  if (auto excluded = self.optional("excluded_partners"))
    out.excluded_partners = excluded->strings();
  return out;
}

ordered_json write_age_band(const age_band& band) {
  return {{"min", band.min}, {"max", band.max}};
}

std::string postcode_text(pc4 p) {
  return fmt::format("{:04}", p);
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw io_error(error_code::cannot_open, "is a directory, expected a file",
                   {.file = path.string()});
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw io_error(error_code::cannot_open, fmt::format("cannot open: {}", std::strerror(errno)),
                   {.file = path.string()});
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw io_error(error_code::cannot_open, "read failed", {.file = path.string()});
  return std::move(buffer).str();
}

landscape parse_landscape_json(std::string_view text, std::string_view source_name,
                               std::shared_ptr<const geography> places) {
  const json document = parse_document(text, source_name);
  const cursor doc(document, std::string(source_name), "", "", "");
  const int version = check_header(doc, landscape_format, landscape_format_version);
  doc.require_object({"$schema", "format", "version", "name", "description", "categories",
                      "partners", "offerings", "complementarity", "precedence", "cooperation_forms",
                      "initiator_roles", "chains"});
  if (version < 2)
    for (std::string_view newer : {"cooperation_forms", "initiator_roles", "chains"})
      if (doc.has(newer))
        doc[newer].fail_parse(
            error_code::unsupported_format,
            fmt::format("'{}' needs \"version\": 2 (this document says 1)", newer));

  landscape_builder builder(std::move(places));
  if (auto name = doc.optional("name")) builder.set_name(name->string());
  if (auto categories = doc.optional("categories")) {
    for (const cursor& c : categories->elements()) {
      const cursor self = identified(c, {"id", "help_form", "label_nl", "label_en"});
      need_category category;
      category.id = self["id"].string();
      const auto form = parse_help_form(self["help_form"].string());
      if (!form)
        self["help_form"].fail_value(error_code::invalid_value,
                                     "help_form is one of money, neighbour, work, group, youth");
      category.form = *form;
      if (auto l = self.optional("label_nl")) category.label_nl = l->string();
      if (auto l = self.optional("label_en")) category.label_en = l->string();
      at(self, [&] { return builder.add_category(std::move(category)); });
    }
  }
  // build() checks the offerings' references; where each offering stands, for its errors.
  std::unordered_map<std::string, std::string> pointer_of_offering;
  if (auto partners = doc.optional("partners")) {
    for (const cursor& c : partners->elements()) {
      partner p = read_partner(c);
      at(c.with_id(p.id), [&] { return &builder.add_partner(std::move(p)); });
    }
  }
  if (auto offerings = doc.optional("offerings")) {
    for (const cursor& c : offerings->elements()) {
      offering o = read_offering(c);
      pointer_of_offering.emplace(o.id, c.pointer());
      at(c.with_id(o.id), [&] { return &builder.add_offering(std::move(o)); });
    }
  }
  if (auto relations = doc.optional("complementarity")) {
    for (const cursor& c : relations->elements()) {
      c.require_object({"a", "b", "weight"});
      complementarity r{c["a"].string(), c["b"].string(), c["weight"].number()};
      at(c, [&] { return &builder.add_complementarity(std::move(r)); });
    }
  }
  if (auto relations = doc.optional("precedence")) {
    for (const cursor& c : relations->elements()) {
      c.require_object({"before", "after"});
      precedence r{c["before"].string(), c["after"].string()};
      at(c, [&] { return &builder.add_precedence(std::move(r)); });
    }
  }
  if (auto forms = doc.optional("cooperation_forms"))
    for (const cursor& c : forms->elements()) {
      chain_term t = read_chain_term(c);
      at(c.with_id(t.id), [&] { return &builder.add_cooperation_form(std::move(t)); });
    }
  if (auto roles = doc.optional("initiator_roles"))
    for (const cursor& c : roles->elements()) {
      chain_term t = read_chain_term(c);
      at(c.with_id(t.id), [&] { return &builder.add_initiator_role(std::move(t)); });
    }
  std::unordered_map<std::string, std::string> pointer_of_chain;
  if (auto chains = doc.optional("chains"))
    for (const cursor& c : chains->elements()) {
      local_chain k = read_chain(c);
      pointer_of_chain.emplace(k.id, c.pointer());
      at(c.with_id(k.id), [&] { return &builder.add_chain(std::move(k)); });
    }
  try {
    return builder.build();
  } catch (const error& e) {
    source_position outer{.file = std::string(source_name)};
    if (const auto it = pointer_of_offering.find(e.where().object_id);
        it != pointer_of_offering.end())
      outer.pointer = pointer_of_field(it->second, e.where().field);
    else if (const auto ch = pointer_of_chain.find(e.where().object_id);
             ch != pointer_of_chain.end())
      outer.pointer = pointer_of_field(ch->second, e.where().field);
    else if (e.code() == error_code::precedence_cycle)
      outer.pointer = "/precedence";
    rethrow_with_position(e, outer);
  }
}

landscape load_landscape_json(const std::filesystem::path& path,
                              std::shared_ptr<const geography> places) {
  return parse_landscape_json(read_file(path), path.string(), std::move(places));
}

std::string to_json(const landscape& l, int indent) {
  ordered_json doc;
  doc["format"] = landscape_format;
  doc["version"] = landscape_format_version;
  doc["name"] = l.name();
  const taxonomy& standard = taxonomy::standard();
  ordered_json categories = ordered_json::array();
  for (const need_category& c : l.categories().categories()) {
    if (standard.find(c.id)) continue;
    categories.push_back({{"id", c.id},
                          {"help_form", to_string(c.form)},
                          {"label_nl", c.label_nl},
                          {"label_en", c.label_en}});
  }
  if (!categories.empty()) doc["categories"] = std::move(categories);
  ordered_json partners = ordered_json::array();
  for (const partner& p : l.partners())
    partners.push_back({{"id", p.id},
                        {"member", p.member},
                        {"branch", p.branch},
                        {"municipality", p.municipality}});
  doc["partners"] = std::move(partners);
  ordered_json offerings = ordered_json::array();
  for (const offering& o : l.offerings()) {
    ordered_json item;
    item["id"] = o.id;
    item["partner"] = o.partner;
    if (!o.name.empty()) item["name"] = o.name;
    item["categories"] = o.categories;
    ordered_json area = ordered_json::object();
    if (!o.area.municipalities.empty()) area["municipalities"] = o.area.municipalities;
    if (!o.area.postcodes.empty()) {
      ordered_json codes = ordered_json::array();
      for (pc4 p : o.area.postcodes)
        codes.push_back(postcode_text(p));
      area["postcodes"] = std::move(codes);
    }
    if (o.area.radius)
      area["radius"] = {{"lat", o.area.radius->center.lat},
                        {"lon", o.area.radius->center.lon},
                        {"km", o.area.radius->km}};
    item["area"] = std::move(area);
    ordered_json rules = ordered_json::object();
    if (o.rules.ages != age_band{}) rules["age"] = write_age_band(o.rules.ages);
    if (!o.rules.households.empty()) {
      ordered_json households = ordered_json::array();
      for (household_type h : o.rules.households)
        households.push_back(to_string(h));
      rules["households"] = std::move(households);
    }
    if (!o.rules.languages.empty()) rules["languages"] = o.rules.languages;
    if (o.rules.requires_professional_referrer) rules["professional_referrer"] = true;
    if (!rules.empty()) item["eligibility"] = std::move(rules);
    item["capacity"] = {{"units_per_period", o.units.units_per_period},
                        {"period_days", o.units.period_days},
                        {"free_units", o.units.free_units},
                        {"typical_duration_days", o.units.typical_duration_days},
                        {"intake_wait_days", o.units.intake_wait_days}};
    offerings.push_back(std::move(item));
  }
  doc["offerings"] = std::move(offerings);
  ordered_json complements = ordered_json::array();
  for (const complementarity& c : l.complementarities())
    complements.push_back({{"a", c.a}, {"b", c.b}, {"weight", c.weight}});
  doc["complementarity"] = std::move(complements);
  ordered_json order = ordered_json::array();
  for (const precedence& p : l.precedences())
    order.push_back({{"before", p.before}, {"after", p.after}});
  doc["precedence"] = std::move(order);
  const auto extra_terms = [](std::span<const chain_term> all,
                              std::span<const chain_term> built_in) {
    ordered_json out = ordered_json::array();
    for (std::size_t i = built_in.size(); i < all.size(); ++i)
      out.push_back(
          {{"id", all[i].id}, {"label_nl", all[i].label_nl}, {"label_en", all[i].label_en}});
    return out;
  };
  if (ordered_json forms = extra_terms(l.cooperation_forms(), standard_cooperation_forms());
      !forms.empty())
    doc["cooperation_forms"] = std::move(forms);
  if (ordered_json roles = extra_terms(l.initiator_roles(), standard_initiator_roles());
      !roles.empty())
    doc["initiator_roles"] = std::move(roles);
  ordered_json chains = ordered_json::array();
  for (const local_chain& c : l.chains()) {
    ordered_json initiators = ordered_json::array();
    for (const chain_initiator& who : c.initiators)
      initiators.push_back(who.partner.empty() ? ordered_json{{"role", who.role}}
                                               : ordered_json{{"partner", who.partner}});
    chains.push_back({{"id", c.id},
                      {"name", c.name},
                      {"municipalities", c.municipalities},
                      {"partners", c.partners},
                      {"initiators", std::move(initiators)},
                      {"started", to_string(c.started)},
                      {"form", c.form}});
  }
  doc["chains"] = std::move(chains);
  return doc.dump(indent) + "\n";
}

void save_landscape_json(const landscape& l, const std::filesystem::path& path, int indent) {
  detail::write_file_atomically(to_json(l, indent), path);
}

std::vector<help_case> parse_cases_json(std::string_view text, const landscape& context,
                                        std::string_view source_name) {
  const json document = parse_document(text, source_name);
  const cursor doc(document, std::string(source_name), "", "", "");
  check_header(doc, cases_format);
  doc.require_object({"$schema", "format", "version", "description", "cases"});
  std::vector<help_case> cases;
  std::unordered_map<std::string, std::size_t> seen;
  for (const cursor& c : doc["cases"].elements()) {
    help_case item = read_case(c);
    const cursor self = c.with_id(item.id);
    at(self, [&] {
      validate(item, context.categories(), context.places());
      return 0;
    });
    if (!seen.emplace(item.id, cases.size()).second)
      self["id"].fail_value(error_code::duplicate_id,
                            fmt::format("case id '{}' used twice", item.id));
    cases.push_back(std::move(item));
  }
  return cases;
}

allocation_changes parse_allocation_changes(std::string_view line_text, const landscape& l,
                                            std::string_view source_name, std::size_t line) {
  // Errors name the line of the stream (a syntax error's column stays that of the line).
  const auto on_line = [&](const error& e) {
    source_position p = e.where();
    p.line = line;
    if (p.file.empty()) p.file = std::string(source_name);
    return p;
  };
  try {
    const json document = parse_document(line_text, source_name);
    const cursor doc(document, std::string(source_name), "", "", "");
    doc.require_object({"close", "arrive", "free_units"});
    allocation_changes out;
    if (const auto close = doc.optional("close")) out.close = close->strings();
    if (const auto arrive = doc.optional("arrive"))
      for (const cursor& c : arrive->elements()) {
        help_case item = read_case(c);
        at(c.with_id(item.id), [&] {
          validate(item, l.categories(), l.places());
          return 0;
        });
        out.arrive.push_back(std::move(item));
      }
    if (const auto units = doc.optional("free_units")) {
      units->require_object_type();
      for (const auto& [id, value] : document.at("free_units").items()) {
        const cursor entry = (*units)[id];
        const auto o = l.find_offering(id);
        if (!o)
          entry.fail_value(error_code::unknown_reference, fmt::format("no offering '{}'", id));
        const auto free = entry.integer<std::int32_t>();
        if (free < 0) entry.fail_value(error_code::negative_value, "free units must be ≥ 0");
        out.free_units.emplace_back(*o, free);
      }
    }
    return out;
  } catch (const parse_error& e) {
    throw parse_error(e.code(), e.message(), on_line(e));
  } catch (const validation_error& e) {
    throw validation_error(e.code(), e.message(), on_line(e));
  }
}

std::vector<help_case> load_cases_json(const std::filesystem::path& path,
                                       const landscape& context) {
  return parse_cases_json(read_file(path), context, path.string());
}

std::string to_json(const std::vector<help_case>& cases, int indent) {
  ordered_json doc;
  doc["format"] = cases_format;
  doc["version"] = json_format_version;
  ordered_json items = ordered_json::array();
  for (const help_case& c : cases) {
    ordered_json item;
    item["id"] = c.id;
    ordered_json needs = ordered_json::array();
    for (const need& n : c.needs)
      needs.push_back({{"category", n.category}, {"urgency", n.urgency}, {"weight", n.weight}});
    item["needs"] = std::move(needs);
    ordered_json where = ordered_json::object();
    if (!c.location.municipality.empty()) where["municipality"] = c.location.municipality;
    if (c.location.postcode) where["postcode"] = postcode_text(*c.location.postcode);
    if (c.location.point)
      where["point"] = {{"lat", c.location.point->lat}, {"lon", c.location.point->lon}};
    item["location"] = std::move(where);
    ordered_json profile = ordered_json::object();
    if (c.profile.age) profile["age"] = write_age_band(*c.profile.age);
    if (c.profile.household) profile["household"] = to_string(*c.profile.household);
    if (!c.profile.languages.empty()) profile["languages"] = c.profile.languages;
    profile["referrer"] = to_string(c.profile.referrer);
    item["profile"] = std::move(profile);
    item["consent"] = c.consent;
    if (!c.excluded_partners.empty()) item["excluded_partners"] = c.excluded_partners;
    items.push_back(std::move(item));
  }
  doc["cases"] = std::move(items);
  return doc.dump(indent) + "\n";
}

void save_cases_json(const std::vector<help_case>& cases, const std::filesystem::path& path,
                     int indent) {
  detail::write_file_atomically(to_json(cases, indent), path);
}

std::string to_json(const landscape_summary& s, int indent) {
  ordered_json forms = ordered_json::object();
  for (help_form f : all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    forms[std::string(to_string(f))] = {{"label_nl", label_nl(f)},
                                        {"offerings", s.offerings_per_form[i]},
                                        {"units_per_year", s.units_per_year_per_form[i]},
                                        {"free_units", s.free_units_per_form[i]}};
  }
  const ordered_json doc{{"name", s.name},
                         {"partners", s.partners},
                         {"member_organisations", s.member_organisations},
                         {"offerings", s.offerings},
                         {"categories", s.categories},
                         {"municipalities_served", s.municipalities_served},
                         {"municipalities_with_all_forms", s.municipalities_with_all_forms},
                         {"complementarities", s.complementarities},
                         {"precedences", s.precedences},
                         {"help_forms", forms}};
  return doc.dump(indent) + "\n";
}

std::string sniff_json_format(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  const json document = parse_document(text, path.string());
  if (document.is_object() && document.contains("format") && document["format"].is_string())
    return document["format"].get<std::string>();
  return {};
}

// The readers of a partner and an offering object, for other documents that hold them (a
// simulation scenario's opened team: src/io/scenario_json.cpp).
partner detail::read_partner_json(const cursor& c) {
  return read_partner(c);
}
offering detail::read_offering_json(const cursor& c) {
  return read_offering(c);
}

}  // namespace keten
