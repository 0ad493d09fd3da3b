// keten gaps and keten report: where the chain is thin (demand against capacity, reach, missing
// help forms, unmet needs, new teams; docs/gaps.md), and the readable HTML report, which the
// Python package draws (keten.report; this command hands its arguments over).
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <algorithm>

#include <fmt/format.h>

#include "commands.hpp"
#include "keten/allocation.hpp"
#include "keten/gaps.hpp"
#include "keten/io.hpp"

namespace keten::cli {

namespace {

struct gaps_args {
  std::string landscape;
  std::vector<std::string> cases;
  std::string demand = "rates";
  double cases_days = 365.0;
  std::vector<std::string> municipalities;
  std::vector<std::string> provinces;
  double reach_km = 3.0;
  std::size_t top = 15;
  std::size_t teams = 0;
  std::vector<std::string> forms;
  double team_radius_km = 10.0;
  double team_capacity = 0.0;
  bool json = false;
};

std::string thousands(double v) {
  const auto n = static_cast<long long>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (n < 0 ? "-" : "") + digits;
}

std::string unmet_text(const gap_cell& c) {
  std::uint32_t total = 0;
  std::vector<std::string> parts;
  for (std::size_t r = 0; r < c.unmet.size(); ++r)
    if (c.unmet[r] > 0) {
      total += c.unmet[r];
      parts.push_back(fmt::format("{} {}", to_string(static_cast<unmet_reason>(r)), c.unmet[r]));
    }
  if (total == 0) return "-";
  return fmt::format("{} in {} round{} ({})", total, c.rounds_unmet, c.rounds_unmet == 1 ? "" : "s",
                     fmt::join(parts, ", "));
}

void print_gaps(const gap_analysis& g, const landscape& l,
                std::span<const municipality_index> scope, std::span<const team_plan> plans,
                const gaps_args& a) {
  const geography& places = l.places();
  const gap_totals t = total_gaps(g, places, scope);
  fmt::print("keten gaps: {}\n", l.name().empty() ? std::string("the landscape") : l.name());
  fmt::print("demand: {}; reach: share of the population within {} km of an offering\n",
             g.demand_from_cases
                 ? fmt::format("the needs of {} scaled to a year ({} days)",
                               fmt::join(a.cases, ", "), a.cases_days)
                 : std::string("population × yearly rates per 1,000 (docs/data.md)"),
             g.reach_km);
  fmt::print("scope: {} municipalit{}, {} inhabitants; {} with all five help forms\n\n",
             t.municipalities, t.municipalities == 1 ? "y" : "ies", thousands(t.population),
             t.with_all_forms);
  fmt::print("{:<26} {:>10} {:>11} {:>10} {:>6}  {}\n", "help form", "demand/yr", "capacity/yr",
             "shortfall", "reach", "missing in");
  for (help_form f : all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    fmt::print("{:<26} {:>10} {:>11} {:>10} {:>5.0f}%  {} of {}{}\n", label_nl(f),
               thousands(t.demand[i]), thousands(t.capacity[i]), thousands(t.shortfall[i]),
               100.0 * t.reach[i], t.missing[i], t.municipalities,
               g.rounds > 0 ? fmt::format("; unmet needs {}", t.unmet[i]) : std::string());
  }

  // The rows: every cell in a small scope, else the largest shortfalls.
  std::vector<std::size_t> cells;
  for (municipality_index m : g.rows(scope))
    for (help_form f : all_help_forms)
      cells.push_back(m * help_form_count + static_cast<std::size_t>(f));
  const bool all_rows = !scope.empty() && scope.size() <= 5;
  if (!all_rows) {
    std::stable_sort(cells.begin(), cells.end(), [&](std::size_t x, std::size_t y) {
      return g.cells[x].shortfall > g.cells[y].shortfall;
    });
    cells.resize(std::min(cells.size(), a.top));
  }
  fmt::print("\n{}\n", all_rows ? "per municipality and help form" : "the largest shortfalls");
  fmt::print("{:<30} {:<10} {:>9} {:>9} {:>9} {:>6} {:>9}{}\n", "municipality", "help form",
             "demand", "capacity", "shortfall", "reach", "offerings",
             g.rounds > 0 ? "  unmet" : "");
  for (std::size_t cell : cells) {
    const auto m = static_cast<municipality_index>(cell / help_form_count);
    const auto f = static_cast<help_form>(cell % help_form_count);
    const gap_cell& c = g.cells[cell];
    fmt::print("{:<30} {:<10} {:>9} {:>9} {:>9} {:>5.0f}% {:>9}{}\n",
               fmt::format("{} {}", places[m].code, places[m].name).substr(0, 30), to_string(f),
               thousands(c.demand), thousands(c.capacity), thousands(c.shortfall), 100.0 * c.reach,
               c.offerings, g.rounds > 0 ? "  " + unmet_text(c) : "");
  }
  for (const team_plan& p : plans) {
    fmt::print(
        "\nnew {} teams (greedy maximum coverage, ≥ 63 % of the best {}; reach {} km, {} units/yr "
        "each)\n",
        to_string(p.form), p.sites.size() == 1 ? "site" : fmt::format("{} sites", a.teams),
        a.team_radius_km, thousands(p.team_capacity));
    if (p.sites.empty()) fmt::print("  no site reaches a shortfall\n");
    for (std::size_t i = 0; i < p.sites.size(); ++i)
      fmt::print("  {}. {} {}: reaches {} municipalit{} with a shortfall of {} not yet reached\n",
                 i + 1, places[p.sites[i]].code, places[p.sites[i]].name, p.reached[i].size(),
                 p.reached[i].size() == 1 ? "y" : "ies", thousands(p.gains[i]));
    const double cut = p.shortfall_before > 0
                           ? 100.0 * (p.shortfall_before - p.shortfall_after) / p.shortfall_before
                           : 0.0;
    fmt::print("  shortfall of {} in scope: {} -> {} (-{:.0f}%)\n", to_string(p.form),
               thousands(p.shortfall_before), thousands(p.shortfall_after), cut);
  }
}

void run_gaps(const gaps_args& a) {
  const landscape l = load_landscape(a.landscape);
  if (a.demand != "rates" && a.demand != "cases")
    throw CLI::ValidationError("--demand", "is rates or cases");
  if (a.demand == "cases" && a.cases.empty())
    throw CLI::ValidationError("--demand cases", "needs at least one --cases file");
  const std::vector<municipality_index> scope =
      select_municipalities(l.places(), a.municipalities, a.provinces);

  std::vector<std::vector<help_case>> rounds;
  for (const std::string& file : a.cases)
    rounds.push_back(load_cases_json(file, l));
  std::vector<help_case> all_cases;
  if (a.demand == "cases")
    for (const auto& r : rounds)
      all_cases.insert(all_cases.end(), r.begin(), r.end());

  gap_options options;
  options.reach_km = a.reach_km;
  options.cases = all_cases;
  options.cases_period_days = a.cases_days;
  gap_analysis g = analyse_gaps(l, options);
  for (const auto& r : rounds)
    add_unmet_evidence(g, l, r, allocate(l, r));

  std::vector<team_plan> plans;
  if (a.teams > 0) {
    std::vector<help_form> forms;
    for (const std::string& name : a.forms) {
      const auto f = parse_help_form(name);
      if (!f) throw CLI::ValidationError("--form", fmt::format("unknown help form '{}'", name));
      forms.push_back(*f);
    }
    if (forms.empty()) {
      const gap_totals t = total_gaps(g, l.places(), scope);
      for (help_form f : all_help_forms)
        if (t.shortfall[static_cast<std::size_t>(f)] > 0) forms.push_back(f);
    }
    for (help_form f : forms)
      plans.push_back(plan_new_teams(g, l,
                                     {.form = f,
                                      .teams = a.teams,
                                      .team_radius_km = a.team_radius_km,
                                      .team_capacity = a.team_capacity,
                                      .scope = scope}));
  }
  if (a.json)
    fmt::print("{}\n", gaps_to_json(g, l, scope, plans));
  else
    print_gaps(g, l, scope, plans, a);
}

}  // namespace

void add_gaps_commands(CLI::App& app) {
  auto a = std::make_shared<gaps_args>();
  auto* gaps = app.add_subcommand(
      "gaps",
      "Where the chain is thin: demand against capacity per municipality and help form, reach, "
      "missing help forms, unmet needs, where new teams would help most (docs/gaps.md)");
  gaps->add_option("--landscape,-l", a->landscape,
                   "Landscape file (JSON or snapshot; default: the national landscape)");
  gaps->add_option("--cases,-c", a->cases,
                   "Cases file (repeatable): each is allocated and its unmet needs count as "
                   "evidence of gaps");
  gaps->add_option("--demand", a->demand,
                   "Demand from population × rates ('rates') or from the cases' needs ('cases')")
      ->capture_default_str();
  gaps->add_option("--cases-days", a->cases_days,
                   "The days the cases files cover together (demand from cases is scaled to a "
                   "year)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  gaps->add_option("--municipality,-m", a->municipalities,
                   "Only these municipalities (CBS codes, repeatable)");
  gaps->add_option("--province,-p", a->provinces, "Only the municipalities of these provinces");
  gaps->add_option("--reach-km", a->reach_km,
                   "Distance D of the reach share (HipHelpt: 80 % of help within 3 km)")
      ->capture_default_str();
  gaps->add_option("--top", a->top, "Rows of the largest shortfalls to list")
      ->capture_default_str();
  gaps->add_option("--teams,-k", a->teams, "Plan this many new teams per help form (0: none)")
      ->capture_default_str();
  gaps->add_option("--form", a->forms,
                   "Help forms to plan teams for (money, neighbour, work, group, youth; default: "
                   "every form with a shortfall)");
  gaps->add_option("--team-radius-km", a->team_radius_km,
                   "A new team reaches the municipalities whose point is this close")
      ->capture_default_str();
  gaps->add_option("--team-capacity", a->team_capacity,
                   "Units per year of a new team (0: the median of the form's partners)")
      ->capture_default_str();
  gaps->add_flag("--json", a->json, "Print a keten.gaps JSON document");
  gaps->callback([a] { run_gaps(*a); });

  auto* report = app.add_subcommand(
      "report",
      "Write a self-contained HTML report (gaps, map, chain network, five conditions) to a "
      "directory: runs the Python package's keten.report (docs/gaps.md, 'The report')");
  report->prefix_command();
  report->set_help_flag();  // keten report --help is keten.report's help
  report->callback([report] {
    std::vector<std::string> args = report->remaining();
    const char* python = std::getenv("KETEN_PYTHON");
    std::string program = python && *python ? python : "python3";
    std::vector<char*> argv{program.data(), const_cast<char*>("-m"),
                            const_cast<char*>("keten.report")};
    for (std::string& s : args)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    execvp(program.c_str(), argv.data());
    fmt::print(stderr,
               "keten report: cannot run {} -m keten.report ({}); install the Python package "
               "(pip install .) and set KETEN_PYTHON to its Python\n",
               program, std::strerror(errno));
    throw exit_request{exit_io};
  });
}

}  // namespace keten::cli
