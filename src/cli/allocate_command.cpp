// keten allocate: a whole day's (or region's) open needs assigned at once, optimally.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "keten/allocation.hpp"
#include "keten/dimacs.hpp"
#include "keten/io.hpp"
#include "progress.hpp"

namespace keten::cli {

namespace {

std::string points(score_t s) {
  return fmt::format("{:.1f}", to_points(s));
}

/// Prints an allocation; `cases` are those its need_refs index, `present` how many of them are
/// waiting (an allocator's list keeps the removed ones).
void print_text(const allocation& a, std::span<const help_case> cases, std::size_t present,
                const landscape& l, const std::string& cases_file) {
  const std::size_t needs = a.assigned.size() + a.unmet.size();  // each need of a waiting case once
  std::map<unmet_reason, std::size_t> by_reason;
  for (const unmet_need& u : a.unmet)
    ++by_reason[u.reason];
  fmt::print("keten allocate: {} cases, {} needs from {} on {}\n", present, needs, cases_file,
             l.name().empty() ? std::string("the landscape") : l.name());
  fmt::print(
      "  assigned {} needs, {} unmet; objective {} points (optimal flow {}, "
      "complementarity {}, collaboration {}, {} needs moved by the improvement step)\n",
      a.assigned.size(), a.unmet.size(), points(a.objective), points(a.flow_objective),
      points(a.complementarity), points(a.collaboration), a.moves);
  fmt::print(
      "  flow network: {} classes of interchangeable needs, {} arcs, {} parts solved one by one, "
      "{} pivots\n",
      a.groups, a.arcs, a.parts, a.pivots);
  for (const auto& [reason, count] : by_reason)
    fmt::print("  unmet because {}: {}\n", to_string(reason), count);
  fmt::print("\nAssigned\n  {:<12} {:<24} {:<34} {:>8} {:>6}\n", "case", "need", "offering",
             "priority", "fit");
  for (const assigned_need& x : a.assigned) {
    const help_case& c = cases[x.need.case_index];
    fmt::print("  {:<12} {:<24} {:<34} {:>8} {:>6}\n", c.id, c.needs[x.need.need_index].category,
               l.offerings()[x.offering].id, points(x.priority), points(x.fit));
  }
  fmt::print("\nWaitlist and unmet needs, in order\n  {:>4} {:<12} {:<24} {:<19} {:>8}  {}\n", "#",
             "case", "need", "reason", "priority", "waiting for (place in queue)");
  std::size_t place = 0;
  for (const unmet_need& u : a.unmet) {
    const help_case& c = cases[u.need.case_index];
    fmt::print("  {:>4} {:<12} {:<24} {:<19} {:>8}  {}\n", ++place, c.id,
               c.needs[u.need.need_index].category, to_string(u.reason), points(u.priority),
               u.waiting_for
                   ? fmt::format("{} ({})", l.offerings()[*u.waiting_for].id, u.queue_position)
                   : std::string("-"));
  }
}

/// What one re-solve changed, for a person: one line of totals, then each need whose offering
/// changed.
void print_changes(const allocation& a, std::span<const help_case> cases, const landscape& l,
                   std::string_view what, double milliseconds) {
  fmt::print(
      "{}: {} in {:.2f} ms{}; assigned {}, unmet {}; objective {} points; {} needs changed\n", what,
      a.warm ? "re-solved warm" : "solved from scratch", milliseconds,
      a.warm ? fmt::format(" ({} augmenting paths)", a.paths) : std::string(), a.assigned.size(),
      a.unmet.size(), points(a.objective), a.changes.size());
  const auto name = [&](const std::optional<offering_index>& o) {
    return o ? l.offerings()[*o].id : std::string("(none)");
  };
  for (const need_change& x : a.changes) {
    const help_case& c = cases[x.need.case_index];
    fmt::print("  {:<12} {:<24} {} -> {}\n", c.id, c.needs[x.need.need_index].category,
               name(x.before), name(x.after));
  }
}

/// keten allocate --changes: the day's cases solved, then each batch of changes applied and
/// re-solved warm; what changed is printed after each solve (JSON Lines with --json), and in text
/// the day's allocation at the end.
void replay_changes(const landscape& l, const std::vector<help_case>& cases,
                    const allocation_policy& policy, const std::string& cases_file,
                    const std::string& changes_file, bool json) {
  // The batches: read line by line from standard input (a program may feed it as the day goes:
  // each batch is answered before the next is read), or from the file read at once.
  std::string text;
  if (changes_file != "-") text = read_file(changes_file);
  std::size_t offset = 0;
  const auto next_line = [&](std::string& out) -> bool {
    if (changes_file == "-") return static_cast<bool>(std::getline(std::cin, out));
    if (offset >= text.size()) return false;
    std::size_t end = text.find('\n', offset);
    if (end == std::string::npos) end = text.size();
    out.assign(text, offset, end - offset);
    offset = end + 1;
    return true;
  };
  allocator alloc(l, policy);
  alloc.add_cases(cases);
  const auto timed_solve = [&alloc](double& ms) -> const allocation& {
    const auto start = std::chrono::steady_clock::now();
    const allocation& a = alloc.solve();
    ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return a;
  };
  double ms = 0;
  const allocation* a = &timed_solve(ms);
  const auto report = [&](std::size_t batch, std::string_view what) {
    if (json)
      fmt::print("{}", allocation_changes_to_json(*a, alloc.cases(), l, batch));
    else
      print_changes(*a, alloc.cases(), l, what, ms);
    std::fflush(stdout);
  };
  report(0, fmt::format("{} cases", cases.size()));
  const std::string source = changes_file == "-" ? std::string("<stdin>") : changes_file;
  std::size_t batch = 0;
  std::size_t line = 0;
  std::string line_text;
  while (next_line(line_text)) {
    ++line;
    if (line_text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
    const allocation_changes changes = parse_allocation_changes(line_text, l, source, line);
    try {
      alloc.apply(changes);
    } catch (const error& e) {
      rethrow_with_position(e, {.file = source, .line = line});
    }
    a = &timed_solve(ms);
    ++batch;
    report(batch, fmt::format("batch {} (line {}: {} closed, {} arrived, {} free-unit changes)",
                              batch, line, changes.close.size(), changes.arrive.size(),
                              changes.free_units.size()));
  }
  if (!json) {
    fmt::print("\n");
    print_text(*a, alloc.cases(), alloc.size(), l, cases_file + " and " + source);
  }
}

}  // namespace

void add_allocate_commands(CLI::App& app) {
  struct options {
    std::string landscape;
    std::string cases;
    bool json = false;
    allocation_policy policy;
    bool no_improve = false;
    std::string changes;
    std::string network;
    bool plain = false;
    std::string scan;
    collaboration_strengths strengths;
  };
  auto o = std::make_shared<options>();
  auto* allocate_cmd = app.add_subcommand(
      "allocate", "Assign all open needs at once under capacity, optimally, with a waitlist");
  allocate_cmd->add_option("--landscape,-l", o->landscape,
                           "Landscape file (default: the national landscape in data/)");
  allocate_cmd->add_option("--cases,-c", o->cases, "Cases file (keten.cases JSON)")->required();
  allocate_cmd
      ->add_option("--fairness", o->policy.fairness,
                   "Points per unmet need per tenth of its municipality already unmet")
      ->capture_default_str();
  allocate_cmd
      ->add_option("--waiting-day", o->policy.waiting_day,
                   "Priority points per day a case has waited")
      ->capture_default_str();
  allocate_cmd->add_option(
      "--scan", o->scan,
      "Cooperation scan (CSV or keten.scan JSON): the improvement step also counts how well a "
      "case's partners cooperate (docs/cooperation.md)");
  allocate_cmd->add_flag("--no-improve", o->no_improve,
                         "Skip the complementarity improvement step (the optimal flow only)");
  auto* changes_opt = allocate_cmd->add_option(
      "--changes", o->changes,
      "A day's changes to replay (JSON Lines, one batch per line; - reads stdin): each batch is "
      "applied and re-solved warm, and the needs whose offering changed are printed");
  auto* network_opt = allocate_cmd->add_option(
      "--network", o->network,
      "Write the allocation's min-cost-flow network to this file as a DIMACS instance instead of "
      "allocating (for keten mcf, LEMON, OR-Tools, networkx): its optimal cost is minus the "
      "flow objective");
  allocate_cmd
      ->add_flag("--plain", o->plain,
                 "With --network: one supply node per need (the graph a straightforward "
                 "builder makes) instead of one per class of interchangeable needs")
      ->needs(network_opt);
  auto* json_flag = allocate_cmd->add_flag(
      "--json", o->json,
      "Print the allocation as a keten.allocation document (with --changes: one line of JSON per "
      "solve)");
  network_opt->excludes(changes_opt)->excludes(json_flag);
  allocate_cmd->callback([o] {
    const landscape l = load_landscape(o->landscape);
    const std::vector<help_case> cases = load_cases_json(o->cases, l);
    if (!o->scan.empty()) {
      o->strengths = strengths_from_scan(l, o->scan);
      o->policy.collaboration = &o->strengths;
    }
    progress_line bar;
    o->policy.improve_complementarity = !o->no_improve;
    o->policy.progress = [&bar](std::string_view phase, std::size_t done, std::size_t total) {
      bar(phase, done, total);
    };
    if (!o->network.empty()) {
      const allocation_network net = build_allocation_network(l, cases, o->policy, {}, !o->plain);
      o->policy.progress = nullptr;
      flow::save_dimacs(
          net.network, o->network,
          fmt::format(
              "keten allocate --cases {}{}: the allocation network of {} cases\n"
              "{} supply nodes, one per {}; node {} is the sink; minimum cost = minus "
              "the flow objective (thousandths of a point)",
              o->cases, o->plain ? " --plain" : "", cases.size(), net.group_needs.size(),
              o->plain ? "need with a candidate worth assigning" : "class of interchangeable needs",
              net.sink + 1));
      fmt::print("wrote {} ({} nodes, {} arcs)\n", o->network, net.network.node_count(),
                 net.network.arc_count());
      return;
    }
    if (!o->changes.empty()) {
      replay_changes(l, cases, o->policy, o->cases, o->changes, o->json);
      o->policy.progress = nullptr;
      return;
    }
    const allocation a = allocate(l, cases, o->policy);
    o->policy.progress = nullptr;
    if (o->json) {
      fmt::print("{}", allocation_to_json(a, cases, l));
    } else {
      print_text(a, cases, cases.size(), l, o->cases);
    }
  });
}

}  // namespace keten::cli
