// Reading and writing cooperation scans (CSV and keten.scan JSON), and the JSON of cooperation
// reports and local chains (keten/io.hpp, docs/cooperation.md).
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "csv.hpp"
#include "files.hpp"
#include "json_cursor.hpp"
#include "keten/io.hpp"

namespace keten {

namespace {

using detail::cursor;
using detail::json;
using detail::ordered_json;

constexpr std::string_view scan_columns[] = {"chain",      "date",      "partner",
                                             "respondent", "statement", "value"};

ordered_json number_or_null(double v) {
  return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr);
}

}  // namespace

cooperation_scan parse_scan_csv(std::string_view text, const landscape& l,
                                std::string_view source_name, const questionnaire& statements) {
  detail::csv_reader csv(text, source_name);
  std::array<std::size_t, std::size(scan_columns)> col{};
  for (std::size_t k = 0; k < std::size(scan_columns); ++k) {
    const auto c = csv.column(scan_columns[k]);
    if (!c)
      throw parse_error(
          error_code::csv_syntax,
          fmt::format("missing column '{}'; a scan has the columns chain, date, "
                      "partner, respondent, statement, value",
                      scan_columns[k]),
          {.file = std::string(source_name), .line = 1, .field = std::string(scan_columns[k])});
    col[k] = *c;
  }
  for (const std::string& name : csv.header())
    if (std::find(std::begin(scan_columns), std::end(scan_columns), name) == std::end(scan_columns))
      throw parse_error(
          error_code::unknown_field,
          fmt::format("unknown column '{}'; a scan has only the columns chain, date, partner, "
                      "respondent, statement, value (never a name)",
                      detail::printable(name)),
          {.file = std::string(source_name), .line = 1, .field = detail::printable(name)});
  std::vector<scan_answer> answers;
  std::vector<source_position> where;
  while (csv.next()) {
    scan_answer a;
    a.chain = std::string(csv.text(col[0]));
    const auto day = parse_date(csv.text(col[1]));
    if (!day)
      throw parse_error(
          error_code::csv_syntax,
          fmt::format("expected a date YYYY-MM-DD (a real day in {}–{}), got '{}'", min_date_year,
                      max_date_year, detail::printable(csv.text(col[1]))),
          {.file = std::string(source_name),
           .line = csv.line(),
           .field = "date",
           .object_id = detail::printable(a.chain)});
    a.when = *day;
    a.partner = std::string(csv.text(col[2]));
    a.respondent = std::string(csv.text(col[3]));
    a.statement = std::string(csv.text(col[4]));
    a.value = static_cast<int>(csv.integer(col[5], -1'000'000, 1'000'000));
    answers.push_back(std::move(a));
    where.push_back({.file = std::string(source_name), .line = csv.line()});
  }
  cooperation_scan scan(l, statements);
  scan.add(answers, where);
  return scan;
}

cooperation_scan parse_scan_json(std::string_view text, const landscape& l,
                                 std::string_view source_name) {
  const json document = detail::parse_document(text, source_name);
  const cursor doc(document, std::string(source_name), "", "", "");
  detail::check_header(doc, scan_format);
  doc.require_object({"$schema", "format", "version", "description", "questionnaire", "scans"});
  questionnaire statements = questionnaire::standard();
  if (const auto q = doc.optional("questionnaire")) {
    statements = questionnaire{};
    for (const cursor& c : q->elements()) {
      const cursor self =
          detail::identified(c, {"id", "condition", "text_nl", "text_en", "reversed"});
      scan_statement s;
      s.id = self["id"].string();
      const auto about = parse_condition(self["condition"].string());
      if (!about)
        self["condition"].fail_value(
            error_code::invalid_value,
            "condition is one of shared_ambition, recognition_of_interests, meaningful_process, "
            "building_relationships, professional_organisation");
      s.about = *about;
      if (auto t = self.optional("text_nl")) s.text_nl = t->string();
      if (auto t = self.optional("text_en")) s.text_en = t->string();
      if (auto r = self.optional("reversed")) s.reversed = r->boolean();
      detail::at(self, [&] {
        statements.add(std::move(s));
        return 0;
      });
    }
  }
  std::vector<scan_answer> answers;
  std::vector<source_position> where;
  for (const cursor& scan : doc["scans"].elements()) {
    scan.require_object({"chain", "date", "responses"});
    const std::string chain = scan["chain"].string();
    const cursor self = scan.with_id(chain);
    const auto day = parse_date(self["date"].string());
    if (!day)
      self["date"].fail_value(error_code::invalid_value,
                              fmt::format("a date is \"YYYY-MM-DD\", a real day in {}–{}",
                                          min_date_year, max_date_year));
    for (const cursor& response : self["responses"].elements()) {
      response.require_object({"partner", "respondent", "answers"});
      const std::string partner = response["partner"].string();
      const std::string respondent = response["respondent"].string();
      const cursor given = response["answers"];
      given.require_object_type();
      for (const auto& [statement, value] : given.value().items()) {
        const cursor v = given[statement];
        scan_answer a{chain, *day, partner, respondent, statement, v.integer<int>()};
        answers.push_back(std::move(a));
        source_position p = v.position();
        where.push_back({.file = p.file, .pointer = p.pointer});
      }
    }
  }
  cooperation_scan out(l, std::move(statements));
  out.add(answers, where);
  return out;
}

cooperation_scan load_scan(const std::filesystem::path& path, const landscape& l) {
  const std::string text = read_file(path);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{')
    return parse_scan_json(text, l, path.string());
  return parse_scan_csv(text, l, path.string());
}

std::string scan_to_csv(const cooperation_scan& scan) {
  std::string out = "chain,date,partner,respondent,statement,value\n";
  // Ids come from a validated landscape and questionnaire; quote any that need it (RFC 4180).
  const auto cell = [](const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s)
      q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const scan_answer& a : scan.answers())
    out += fmt::format("{},{},{},{},{},{}\n", cell(a.chain), to_string(a.when), cell(a.partner),
                       cell(a.respondent), cell(a.statement), a.value);
  return out;
}

std::string scan_to_json(const cooperation_scan& scan, int indent) {
  ordered_json doc;
  doc["format"] = scan_format;
  doc["version"] = 1;
  if (!(scan.statements() == questionnaire::standard())) {
    ordered_json q = ordered_json::array();
    for (const scan_statement& s : scan.statements().statements())
      q.push_back({{"id", s.id},
                   {"condition", to_string(s.about)},
                   {"text_nl", s.text_nl},
                   {"text_en", s.text_en},
                   {"reversed", s.reversed}});
    doc["questionnaire"] = std::move(q);
  }
  // Grouped by scan (chain and date) and respondent, in order of first appearance.
  ordered_json scans = ordered_json::array();
  std::vector<std::pair<std::string, std::string>> scan_keys;  // chain, date
  std::vector<std::vector<std::string>> respondent_keys;       // per scan
  for (const scan_answer& a : scan.answers()) {
    const std::pair<std::string, std::string> key{a.chain, to_string(a.when)};
    auto it = std::find(scan_keys.begin(), scan_keys.end(), key);
    if (it == scan_keys.end()) {
      scan_keys.push_back(key);
      respondent_keys.emplace_back();
      scans.push_back(
          {{"chain", a.chain}, {"date", key.second}, {"responses", ordered_json::array()}});
      it = scan_keys.end() - 1;
    }
    const auto s = static_cast<std::size_t>(it - scan_keys.begin());
    std::vector<std::string>& people = respondent_keys[s];
    auto r = std::find(people.begin(), people.end(), a.respondent);
    ordered_json& responses = scans[s]["responses"];
    if (r == people.end()) {
      people.push_back(a.respondent);
      responses.push_back({{"partner", a.partner},
                           {"respondent", a.respondent},
                           {"answers", ordered_json::object()}});
      r = people.end() - 1;
    }
    responses[static_cast<std::size_t>(r - people.begin())]["answers"][a.statement] = a.value;
  }
  doc["scans"] = std::move(scans);
  return doc.dump(indent) + "\n";
}

void save_scan(const cooperation_scan& scan, const std::filesystem::path& path) {
  detail::write_file_atomically(path.extension() == ".csv" ? scan_to_csv(scan) : scan_to_json(scan),
                                path);
}

std::string to_json(const cooperation_report& r, const landscape& l, int indent) {
  const auto chain_at = [&](chain_index k) -> const local_chain& {
    if (k >= l.chains().size())
      throw validation_error(error_code::invalid_value,
                             fmt::format("the report does not fit the landscape: chain {}", k));
    return l.chains()[k];
  };
  const auto partner_id = [&](partner_index p) -> const std::string& {
    if (p >= l.partners().size())
      throw validation_error(error_code::invalid_value,
                             fmt::format("the report does not fit the landscape: partner {}", p));
    return l.partners()[p].id;
  };
  ordered_json doc;
  doc["format"] = cooperation_format;
  doc["version"] = 1;
  ordered_json chains = ordered_json::array();
  for (const chain_cooperation& c : r.chains) {
    const local_chain& chain = chain_at(c.chain);
    ordered_json item;
    item["chain"] = chain.id;
    item["name"] = chain.name;
    item["scanned"] = to_string(c.scanned);
    item["baseline"] = c.baseline ? ordered_json(to_string(*c.baseline)) : ordered_json(nullptr);
    item["respondents"] = c.respondents;
    ordered_json partners = ordered_json::array();
    for (partner_index p : c.partners)
      partners.push_back(partner_id(p));
    item["partners"] = std::move(partners);
    ordered_json silent = ordered_json::array();
    for (partner_index p : c.silent)
      silent.push_back(partner_id(p));
    item["silent"] = std::move(silent);
    item["weakest"] = to_string(c.weakest);
    ordered_json conditions = ordered_json::array();
    for (std::size_t k = 0; k < condition_count; ++k) {
      const condition_score& s = c.conditions[k];
      const condition_trend& t = c.trends[k];
      ordered_json by_partner = ordered_json::object();
      for (std::size_t p = 0; p < c.partners.size(); ++p)
        by_partner[partner_id(c.partners[p])] = number_or_null(
            c.partner_means(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(k)));
      ordered_json row{{"condition", to_string(s.about)},
                       {"label_nl", label_nl(s.about)},
                       {"label_en", label_en(s.about)},
                       {"mean", number_or_null(s.mean)},
                       {"spread", number_or_null(s.spread)},
                       {"sd", number_or_null(s.sd)},
                       {"partners", s.partners},
                       {"respondents", s.respondents},
                       {"answers", s.answers},
                       {"partner_means", std::move(by_partner)}};
      row["trend"] = c.baseline ? ordered_json{{"before", number_or_null(t.before)},
                                               {"change", number_or_null(t.change)},
                                               {"superiority", number_or_null(t.superiority)},
                                               {"p_value", number_or_null(t.p_value)},
                                               {"exact", t.exact},
                                               {"significant", t.significant},
                                               {"n_before", t.n_before},
                                               {"n_after", t.n_after}}
                                : ordered_json(nullptr);
      conditions.push_back(std::move(row));
    }
    item["conditions"] = std::move(conditions);
    chains.push_back(std::move(item));
  }
  doc["chains"] = std::move(chains);
  ordered_json pairs = ordered_json::array();
  for (const partner_pair_strength& p : r.pairs)
    pairs.push_back({{"chain", chain_at(p.chain).id},
                     {"a", partner_id(p.a)},
                     {"b", partner_id(p.b)},
                     {"strength", p.strength}});
  doc["pairs"] = std::move(pairs);
  return doc.dump(indent) + "\n";
}

std::string chains_to_json(const landscape& l, std::span<const std::string> municipalities,
                           int indent) {
  std::vector<std::uint8_t> keep(l.chains().size(), municipalities.empty() ? 1 : 0);
  for (const std::string& code : municipalities)
    for (chain_index k : l.chains_in(l.places().index_of(code)))
      keep[k] = 1;
  const auto term = [](std::span<const chain_term> terms, const std::string& id) {
    for (const chain_term& t : terms)
      if (t.id == id)
        return ordered_json{{"id", id}, {"label_nl", t.label_nl}, {"label_en", t.label_en}};
    return ordered_json{{"id", id}};
  };
  ordered_json doc;
  doc["format"] = chains_format;
  doc["version"] = 1;
  ordered_json chains = ordered_json::array();
  for (std::size_t k = 0; k < l.chains().size(); ++k) {
    if (!keep[k]) continue;
    const local_chain& c = l.chains()[k];
    ordered_json places = ordered_json::array();
    for (const std::string& code : c.municipalities)
      places.push_back({{"code", code}, {"name", l.places()[l.places().index_of(code)].name}});
    ordered_json partners = ordered_json::array();
    for (partner_index p : l.chain_members(static_cast<chain_index>(k))) {
      const partner& x = l.partners()[p];
      partners.push_back({{"id", x.id}, {"member", x.member}, {"branch", x.branch}});
    }
    ordered_json initiators = ordered_json::array();
    for (const chain_initiator& who : c.initiators)
      initiators.push_back(who.partner.empty()
                               ? ordered_json{{"role", term(l.initiator_roles(), who.role)}}
                               : ordered_json{{"partner", who.partner}});
    chains.push_back({{"id", c.id},
                      {"name", c.name},
                      {"form", term(l.cooperation_forms(), c.form)},
                      {"started", to_string(c.started)},
                      {"municipalities", std::move(places)},
                      {"partners", std::move(partners)},
                      {"initiators", std::move(initiators)}});
  }
  doc["chains"] = std::move(chains);
  return doc.dump(indent) + "\n";
}

}  // namespace keten
