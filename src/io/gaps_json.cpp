// JSON writing of gap analyses (docs/gaps.md, "keten.gaps"): one serializer for the CLI and the
// Python binding; and a chain's network saved as a DOT file.
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "keten/allocation.hpp"
#include "keten/analysis.hpp"
#include "keten/gaps.hpp"
#include "keten/io.hpp"

namespace keten {

namespace {

using ordered_json = nlohmann::ordered_json;

const municipality& place(const landscape& l, municipality_index m) {
  if (m >= l.places().size())
    throw validation_error(error_code::invalid_value,
                           fmt::format("municipality index {} is outside the landscape", m),
                           source_position{.field = "municipality"});
  return l.places()[m];
}

}  // namespace

void save_chain_dot(const landscape& l, std::uint32_t k, const cooperation_report* cooperation,
                    const std::filesystem::path& path) {
  std::ostringstream dot;
  write_chain_dot(dot, l, k, cooperation);
  detail::write_file_atomically(dot.str(), path);
}

std::string gaps_to_json(const gap_analysis& g, const landscape& l,
                         std::span<const municipality_index> scope,
                         std::span<const team_plan> plans, int indent) {
  const gap_totals totals = total_gaps(g, l.places(), scope);  // checks g and scope
  ordered_json doc;
  doc["format"] = gaps_format;
  doc["version"] = 1;
  doc["reach_km"] = g.reach_km;
  doc["demand"] = g.demand_from_cases ? "cases" : "rates";
  doc["rounds"] = g.rounds;
  if (g.demand_from_cases) doc["cases_without_place"] = g.cases_without_place;

  ordered_json per_form = ordered_json::object();
  for (help_form f : all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    per_form[std::string(to_string(f))] = {{"demand", totals.demand[i]},
                                           {"capacity", totals.capacity[i]},
                                           {"shortfall", totals.shortfall[i]},
                                           {"reach", totals.reach[i]},
                                           {"municipalities_missing", totals.missing[i]},
                                           {"unmet", totals.unmet[i]}};
  }
  doc["totals"] = {{"municipalities", totals.municipalities},
                   {"population", totals.population},
                   {"with_all_forms", totals.with_all_forms},
                   {"forms", per_form}};

  ordered_json list = ordered_json::array();
  for (municipality_index m : g.rows(scope)) {
    const municipality& p = place(l, m);
    ordered_json forms = ordered_json::object();
    for (help_form f : all_help_forms) {
      const gap_cell& c = g.at(m, f);
      ordered_json unmet = ordered_json::object();
      for (std::size_t r = 0; r < c.unmet.size(); ++r)
        if (c.unmet[r] > 0)
          unmet[std::string(to_string(static_cast<unmet_reason>(r)))] = c.unmet[r];
      ordered_json cell = {{"demand", c.demand},
                           {"capacity", c.capacity},
                           {"shortfall", c.shortfall},
                           {"reach", c.reach},
                           {"offerings", c.offerings}};
      if (g.rounds > 0) {
        cell["unmet"] = unmet;
        cell["rounds_unmet"] = c.rounds_unmet;
      }
      forms[std::string(to_string(f))] = cell;
    }
    list.push_back({{"code", p.code},
                    {"name", p.name},
                    {"province", p.province},
                    {"population", p.population},
                    {"all_forms", g.forms_present[m] == (1U << help_form_count) - 1},
                    {"forms", forms}});
  }
  doc["municipalities"] = list;

  ordered_json teams = ordered_json::array();
  for (const team_plan& plan : plans) {
    if (plan.sites.size() != plan.gains.size() || plan.sites.size() != plan.reached.size())
      throw validation_error(error_code::invalid_value, "a team plan's lists differ in length",
                             source_position{.field = "plans"});
    ordered_json sites = ordered_json::array();
    for (std::size_t i = 0; i < plan.sites.size(); ++i) {
      ordered_json reached = ordered_json::array();
      for (municipality_index m : plan.reached[i])
        reached.push_back(place(l, m).code);
      sites.push_back({{"code", place(l, plan.sites[i]).code},
                       {"name", place(l, plan.sites[i]).name},
                       {"gain", plan.gains[i]},
                       {"reaches", reached}});
    }
    teams.push_back({{"form", to_string(plan.form)},
                     {"team_capacity", plan.team_capacity},
                     {"covered", plan.covered},
                     {"shortfall_before", plan.shortfall_before},
                     {"shortfall_after", plan.shortfall_after},
                     {"sites", sites}});
  }
  doc["teams"] = teams;
  return doc.dump(indent);
}

}  // namespace keten
