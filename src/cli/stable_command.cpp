// keten stable: a stable assignment of a day's needs to offerings under free
// capacity (docs/stable.md).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/io.hpp"
#include "keten/stable.hpp"

namespace keten::cli {

void add_stable_commands(CLI::App& app) {
  struct stable_args {
    std::string landscape;
    std::string cases;
    std::string optimal{"needs"};
    double waiting_day{1.0};
  };
  auto args = std::make_shared<stable_args>();
  auto* cmd = app.add_subcommand("stable",
                                 "Assign every need of the cases to an offering so that no need "
                                 "and offering would both "
                                 "rather be matched to each other (docs/stable.md)");
  cmd->add_option("--landscape,-l", args->landscape,
                  "Landscape file (JSON or snapshot; default: the national landscape)");
  cmd->add_option("--cases,-c", args->cases, "Cases file (keten.cases JSON)")->required();
  cmd->add_option("--optimal", args->optimal,
                  "Whose optimum among the stable assignments: needs or "
                  "offerings (volunteers)")
      ->check(CLI::IsMember({"needs", "offerings"}))
      ->capture_default_str();
  cmd->add_option("--waiting-day", args->waiting_day, "Priority points per day a case has waited")
      ->capture_default_str();
  cmd->callback([args] {
    const landscape l = load_landscape(args->landscape);
    const std::vector<help_case> cases = load_cases_json(args->cases, l);
    stable_policy policy;
    policy.optimal = args->optimal == "needs" ? stable_side::residents : stable_side::hospitals;
    policy.waiting_day = args->waiting_day;
    const stable_allocation a = allocate_stable(l, cases, policy);
    fmt::print("case\tneed\tcategory\toffering\tpriority\tfit\tstatus\n");
    for (const assigned_need& x : a.assigned) {
      const help_case& c = cases[x.need.case_index];
      fmt::print("{}\t{}\t{}\t{}\t{:.3f}\t{:.3f}\tassigned\n", c.id, x.need.need_index,
                 c.needs[x.need.need_index].category, l.offerings()[x.offering].id,
                 to_points(x.priority), to_points(x.fit));
    }
    for (const unmet_need& u : a.unmet) {
      const help_case& c = cases[u.need.case_index];
      const std::string waiting =
          u.waiting_for ? fmt::format(" (waiting for {}, place {})",
                                      l.offerings()[*u.waiting_for].id, u.queue_position)
                        : std::string();
      fmt::print("{}\t{}\t{}\t-\t{:.3f}\t-\t{}{}\n", c.id, u.need.need_index,
                 c.needs[u.need.need_index].category, to_points(u.priority), to_string(u.reason),
                 waiting);
    }
    fmt::print(
        "stable ({}-optimal): {} needs assigned, {} unmet, objective "
        "{:.3f}, {} proposals\n",
        args->optimal == "needs" ? "needs" : "offerings", a.assigned.size(), a.unmet.size(),
        to_points(a.objective), a.proposals);
  });
}

}  // namespace keten::cli
