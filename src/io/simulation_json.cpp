// JSON of the simulation (keten/simulation.hpp): reading keten.scenario documents with positioned
// errors, and writing keten.simulation result documents.
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_cursor.hpp"
#include "json_model.hpp"
#include "keten/error.hpp"
#include "keten/io.hpp"
#include "keten/simulation.hpp"

namespace keten {

namespace {

using detail::cursor;
using detail::ordered_json;

/// A week ≥ 0 (fractions allowed: a change mid-week).
double read_week(const cursor& c) {
  const double week = c.number();
  if (week < 0) c.fail_value(error_code::negative_value, fmt::format("week {} is negative", week));
  if (week > 52 * 200) c.fail_value(error_code::invalid_value, "week is beyond 200 years");
  return week;
}

double read_non_negative(const cursor& c, double max = 1e9) {
  const double v = c.number();
  if (v < 0) c.fail_value(error_code::negative_value, fmt::format("{} is negative", v));
  if (v > max) c.fail_value(error_code::invalid_value, fmt::format("{} is above {}", v, max));
  return v;
}

}  // namespace

scenario parse_scenario_json(std::string_view text, const landscape& l,
                             std::string_view source_name) {
  const detail::json doc = detail::parse_document(text, source_name);
  const cursor root(doc, std::string(source_name), "", "", "");
  detail::check_header(root, scenario_format);
  root.require_object({"$schema", "format", "version", "name", "description", "changes"});
  scenario s;
  if (auto n = root.optional("name")) s.name = n->string();
  if (auto d = root.optional("description")) s.description = d->string();
  std::set<std::string, std::less<>> opened;  // ids opened so far
  std::vector<partner> new_partners;
  const auto known_offering = [&](const cursor& c) {
    std::string id = c.string();
    if (!l.find_offering(id) && !opened.contains(id))
      throw not_found_error(fmt::format("no offering '{}' in the landscape (or opened before)",
                                        detail::printable(id)),
                            {.file = std::string(source_name),
                             .pointer = c.pointer(),
                             .field = c.position().field,
                             .object_id = id});
    return id;
  };
  if (auto changes = root.optional("changes")) {
    for (const cursor& c : changes->elements()) {
      c.require_object_type();
      scenario_change x;
      using kind = scenario_change::kind;
      static constexpr std::array<std::string_view, 8> actions{
          "units", "add_units", "scale_units", "close", "open", "round_days", "referral", "demand"};
      std::string action;
      for (std::string_view a : actions)
        if (c.has(a)) {
          if (!action.empty())
            c[a].fail_parse(
                error_code::unknown_field,
                fmt::format("a change does one thing: '{}' and '{}' together", action, a));
          action = a;
        }
      if (action.empty())
        c.fail_parse(error_code::missing_field,
                     "a change needs one of units, add_units, scale_units, close, open, "
                     "round_days, referral, demand");
      if (auto w = c.optional("week")) x.week = read_week(*w);
      if (action == "units" || action == "add_units" || action == "scale_units") {
        c.require_object({"week", "offering", action});
        x.offering = known_offering(c["offering"]);
        const cursor v = c[action];
        if (action == "units") {
          x.what = kind::set_units;
          x.value = v.integer<std::int32_t>();
          if (x.value < 0) v.fail_value(error_code::negative_value, "units must not be negative");
        } else if (action == "add_units") {
          x.what = kind::add_units;
          x.value = v.integer<std::int32_t>();
        } else {
          x.what = kind::scale_units;
          x.value = read_non_negative(v, 1000);
        }
      } else if (action == "close") {
        c.require_object({"week", "close"});
        x.what = kind::close;
        x.offering = known_offering(c["close"]);
      } else if (action == "open") {
        c.require_object({"week", "open", "partner"});
        x.what = kind::open;
        if (auto p = c.optional("partner")) {
          partner np = detail::read_partner_json(*p);
          if (l.find_partner(np.id) || std::any_of(new_partners.begin(), new_partners.end(),
                                                   [&](const partner& q) { return q.id == np.id; }))
            (*p)["id"].fail_value(error_code::duplicate_id,
                                  fmt::format("partner '{}' already exists", np.id));
          if (!l.places().find(np.municipality))
            (*p)["municipality"].fail_value(
                error_code::unknown_municipality,
                fmt::format("unknown municipality '{}'", detail::printable(np.municipality)));
          x.opened_partner = np;
          new_partners.push_back(std::move(np));
        }
        offering o = detail::read_offering_json(c["open"]);
        const cursor self = c["open"].with_id(o.id);
        if (l.find_offering(o.id) || opened.contains(o.id))
          self["id"].fail_value(error_code::duplicate_id,
                                fmt::format("offering '{}' already exists", o.id));
        // The builder checks every value of the offering and its partner: a landscape with the
        // partners opened so far and this offering.
        landscape_builder check(std::make_shared<const geography>(l.places()));
        for (const partner& p : l.partners())
          check.add_partner(p);
        for (const partner& p : new_partners)
          check.add_partner(p);
        detail::at(self, [&] { check.add_offering(o); });
        if (!l.find_partner(o.partner) &&
            std::none_of(new_partners.begin(), new_partners.end(),
                         [&](const partner& q) { return q.id == o.partner; }))
          throw not_found_error(
              fmt::format("no partner '{}': name one of the landscape or give \"partner\"",
                          detail::printable(o.partner)),
              {.file = std::string(source_name),
               .pointer = self.pointer() + "/partner",
               .field = "partner",
               .object_id = o.id});
        x.offering = o.id;
        opened.insert(o.id);
        x.opened = std::move(o);
      } else if (action == "round_days") {
        c.require_object({"week", "round_days"});
        x.what = kind::round_days;
        x.value = read_non_negative(c["round_days"], 365);
      } else if (action == "referral") {
        c.require_object({"week", "referral"});
        x.what = kind::policy;
        const cursor p = c["referral"];
        const auto policy = parse_referral_policy(p.string());
        if (!policy)
          p.fail_value(error_code::invalid_value,
                       "referral is one of allocate, allocate_cold, match");
        x.referral = *policy;
      } else {
        c.require_object({"week", "demand", "help_form"});
        x.what = kind::demand;
        x.value = read_non_negative(c["demand"], 1000);
        if (auto f = c.optional("help_form")) {
          const auto form = parse_help_form(f->string());
          if (!form)
            f->fail_value(error_code::invalid_value,
                          "help_form is one of money, neighbour, work, group, youth");
          x.form = *form;
        }
      }
      s.changes.push_back(std::move(x));
    }
  }
  return s;
}

scenario load_scenario_json(const std::filesystem::path& path, const landscape& l) {
  return parse_scenario_json(read_file(path), l, path.string());
}

namespace {

ordered_json number_or_null(double v) {
  return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr);
}

ordered_json estimate_json(const seed_estimate& e) {
  return {{"mean", number_or_null(e.mean)},
          {"low", number_or_null(e.low)},
          {"high", number_or_null(e.high)},
          {"seeds", e.seeds}};
}

void put_group(ordered_json& j, const landscape& l, std::optional<municipality_index> m,
               std::optional<help_form> f) {
  j["municipality"] = m ? ordered_json(l.places()[*m].code) : ordered_json(nullptr);
  j["help_form"] = f ? ordered_json(std::string(to_string(*f))) : ordered_json(nullptr);
}

}  // namespace

std::string simulation_to_json(const landscape& l, const simulation_options& options,
                               std::span<const simulation_result> baseline,
                               std::span<const simulation_result> what_if, const scenario* what,
                               simulation_grouping by, int indent) {
  ordered_json doc;
  doc["format"] = simulation_format;
  doc["version"] = 1;
  doc["landscape"] = l.name();
  doc["weeks"] = options.weeks;
  doc["warmup_weeks"] = options.warmup_weeks;
  doc["round_days"] = options.round_days;
  doc["policy"] = to_string(options.policy);
  doc["demand_factor"] = options.demand_factor;
  ordered_json seeds = ordered_json::array();
  for (const simulation_result& r : baseline)
    seeds.push_back(r.seed);
  doc["seeds"] = seeds;
  std::size_t rounds = 0;
  double seconds = 0;
  for (const simulation_result& r : baseline) {
    rounds += r.rounds;
    seconds += r.round_seconds;
  }
  doc["rounds"] = rounds;
  doc["round_seconds"] = seconds;
  if (what) {
    doc["scenario"] = {{"name", what->name}, {"changes", what->changes.size()}};
  }
  ordered_json rows = ordered_json::array();
  if (what && !what_if.empty()) {
    for (const metric_comparison& c : compare(l, baseline, what_if, by)) {
      ordered_json r;
      put_group(r, l, c.municipality, c.form);
      r["metric"] = c.metric;
      r["baseline"] = estimate_json(c.baseline);
      r["scenario"] = estimate_json(c.scenario);
      r["difference"] = estimate_json(c.difference);
      rows.push_back(std::move(r));
    }
    doc["comparison"] = std::move(rows);
  } else {
    // The same metrics per group, each a mean over the seeds with its interval.
    for (const metric_comparison& c : compare(l, baseline, baseline, by)) {
      ordered_json r;
      put_group(r, l, c.municipality, c.form);
      r["metric"] = c.metric;
      r["estimate"] = estimate_json(c.baseline);
      rows.push_back(std::move(r));
    }
    doc["summary"] = std::move(rows);
  }
  // Warm handovers between the member organisations, the mean per run.
  const auto handovers = [&](std::span<const simulation_result> runs) {
    ordered_json list = ordered_json::array();
    for (const member_referrals& m : referrals_by_member(l, runs))
      list.push_back({{"from", m.from}, {"to", m.to}, {"per_run", m.per_run}});
    return list;
  };
  doc["referrals"] = {{"baseline", handovers(baseline)}};
  if (what && !what_if.empty()) doc["referrals"]["scenario"] = handovers(what_if);
  return doc.dump(indent < 0 ? -1 : indent) + "\n";
}

}  // namespace keten
