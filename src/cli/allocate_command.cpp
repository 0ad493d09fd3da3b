// keten allocate: a whole day's (or region's) open needs assigned at once, optimally.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "keten/allocation.hpp"
#include "keten/io.hpp"

namespace keten::cli {

namespace {

/// A one-line progress bar on stderr, shown only on a terminal and only after the first second, so
/// that short runs and pipes stay clean. (Debian 12 packages no C++ progress-bar library.)
class progress_line {
 public:
  progress_line() : start_(std::chrono::steady_clock::now()), tty_(isatty(STDERR_FILENO) != 0) {}
  ~progress_line() {
    if (shown_) fmt::print(stderr, "\r{:60}\r", "");
  }
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  void operator()(std::string_view phase, std::size_t done, std::size_t total) {
    if (!tty_) return;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1)) return;
    shown_ = true;
    const double fraction =
        total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    const auto filled = static_cast<std::size_t>(fraction * 30.0);
    fmt::print(stderr, "\r{:<10} [{:<30}] {:3.0f}%", phase, std::string(filled, '#'),
               fraction * 100.0);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  bool shown_ = false;
};

std::string points(score_t s) {
  return fmt::format("{:.1f}", to_points(s));
}

void print_text(const allocation& a, std::span<const help_case> cases, const landscape& l,
                const std::string& cases_file) {
  std::size_t needs = 0;
  for (const help_case& c : cases)
    needs += c.needs.size();
  std::map<unmet_reason, std::size_t> by_reason;
  for (const unmet_need& u : a.unmet)
    ++by_reason[u.reason];
  fmt::print("keten allocate: {} cases, {} needs from {} on {}\n", cases.size(), needs, cases_file,
             l.name().empty() ? std::string("the landscape") : l.name());
  fmt::print(
      "  assigned {} needs, {} unmet; objective {} points (optimal flow {}, "
      "complementarity {}, {} needs moved by the improvement step)\n",
      a.assigned.size(), a.unmet.size(), points(a.objective), points(a.flow_objective),
      points(a.complementarity), a.moves);
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

}  // namespace

void add_allocate_commands(CLI::App& app) {
  struct options {
    std::string landscape;
    std::string cases;
    bool json = false;
    allocation_policy policy;
    bool no_improve = false;
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
  allocate_cmd->add_flag("--no-improve", o->no_improve,
                         "Skip the complementarity improvement step (the optimal flow only)");
  allocate_cmd->add_flag("--json", o->json, "Print the allocation as a keten.allocation document");
  allocate_cmd->callback([o] {
    const landscape l = load_landscape(o->landscape);
    const std::vector<help_case> cases = load_cases_json(o->cases, l);
    progress_line bar;
    o->policy.improve_complementarity = !o->no_improve;
    o->policy.progress = [&bar](std::string_view phase, std::size_t done, std::size_t total) {
      bar(phase, done, total);
    };
    const allocation a = allocate(l, cases, o->policy);
    o->policy.progress = nullptr;
    if (o->json) {
      fmt::print("{}", allocation_to_json(a, cases, l));
    } else {
      print_text(a, cases, l, o->cases);
    }
  });
}

}  // namespace keten::cli
