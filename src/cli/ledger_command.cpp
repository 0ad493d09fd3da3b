// keten ledger: the referral ledger on a SQLite file (docs/ledger.md).
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/allocation.hpp"
#include "keten/io.hpp"
#include "keten/ledger.hpp"

namespace keten::cli {

namespace {
std::string when(ledger_time t) {
  const std::time_t secs =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  return fmt::format("{:%Y-%m-%d %H:%M}", fmt::gmtime(secs));
}
}  // namespace

void add_ledger_commands(CLI::App& app) {
  struct ledger_args {
    std::string file;
    std::string landscape;
    std::string cases;
    std::string case_id;
    std::string need;
    std::string offering;
    bool draft{false};
    std::int64_t referral{};
    std::string state;
    std::string actor;
    std::string reason{"none"};
    std::string note;
    std::string partner;
    double days{14};
    bool normal{false};
  };
  auto args = std::make_shared<ledger_args>();
  auto* cmd = app.add_subcommand(
      "ledger", "The referral ledger: closed-loop referrals with capacity holds (docs/ledger.md)");
  cmd->require_subcommand(1);
  auto open_ledger = [args](bool create) {
    return ledger(
        args->file,
        {.synchronous = args->normal ? ledger_sync::normal : ledger_sync::full, .create = create});
  };
  auto add_file = [args](CLI::App* sub) {
    sub->add_option("file", args->file, "Ledger file (SQLite)")->required();
    sub->add_flag("--sync-normal", args->normal,
                  "synchronous=NORMAL: survives a crash of the program, not a power loss");
  };

  auto* open = cmd->add_subcommand(
      "open",
      "Create or open a ledger and register the landscape's offerings (free units = total)");
  add_file(open);
  open->add_option("--landscape,-l", args->landscape,
                   "Landscape file (JSON or snapshot; default: the national landscape)");
  open->callback([args, open_ledger] {
    ledger l = open_ledger(true);
    const std::size_t added = l.add_offerings(load_landscape(args->landscape));
    const auto caps = l.capacities();
    std::int64_t total = 0, held = 0;
    for (const auto& c : caps) {
      total += c.total;
      held += c.held;
    }
    fmt::print("ledger {}: {} offerings ({} new), {} units, {} held\n", args->file, caps.size(),
               added, total, held);
  });

  auto* refer = cmd->add_subcommand(
      "refer",
      "Refer one need (--case --need --offering) or every assigned need of an allocation "
      "of --cases");
  add_file(refer);
  refer->add_option("--landscape,-l", args->landscape,
                    "Landscape of the allocation (with --cases)");
  refer->add_option("--cases,-c", args->cases,
                    "Cases file: allocate it and refer every assigned need");
  refer->add_option("--case", args->case_id, "Case id (one referral)");
  refer->add_option("--need", args->need, "Need category (one referral)");
  refer->add_option("--offering", args->offering, "Offering id (one referral)");
  refer->add_flag("--draft", args->draft, "Create in draft (holds no capacity)");
  refer->callback([args, open_ledger] {
    ledger l = open_ledger(false);
    if (!args->cases.empty()) {
      const landscape land = load_landscape(args->landscape);
      const auto cases = load_cases_json(args->cases, land);
      const auto ids = l.seed(land, cases, allocate(land, cases));
      fmt::print("{} referrals requested", ids.size());
      if (!ids.empty()) fmt::print(" (ids {}–{})", ids.front(), ids.back());
      fmt::print("\n");
      return;
    }
    if (args->case_id.empty() || args->need.empty() || args->offering.empty())
      throw CLI::ValidationError("refer", "give --cases, or --case, --need and --offering");
    const auto id = l.refer({args->case_id, args->need, args->offering, args->draft});
    fmt::print("referral {} {}\n", id, args->draft ? "draft" : "requested");
  });

  auto* update = cmd->add_subcommand("update", "Move a referral to a new state");
  add_file(update);
  update->add_option("referral", args->referral, "Referral id")->required();
  update
      ->add_option("state", args->state,
                   "New state (accepted, rejected, in-progress, on-hold, failed, completed, "
                   "cancelled, requested, entered-in-error)")
      ->required();
  update->add_option("--as", args->actor, "Who makes it: referrer or partner")
      ->required()
      ->check(CLI::IsMember({"referrer", "partner"}));
  update->add_option("--reason", args->reason,
                     "no-capacity, not-eligible, out-of-area, could-not-contact, "
                     "no-longer-interested, referred-elsewhere, other");
  update->add_option("--note", args->note, "Free text (no personal data)");
  update->callback([args, open_ledger] {
    ledger l = open_ledger(false);
    const auto t =
        l.update({args->referral, parse_referral_state(args->state), parse_actor_role(args->actor),
                  parse_referral_reason(args->reason), args->note});
    fmt::print("referral {}: {} → {} (transition {})\n", t.referral, to_string(*t.from),
               to_string(t.to), t.id);
  });

  auto* show = cmd->add_subcommand(
      "show",
      "Open referrals per partner, capacity held, recent declines; or one referral's history");
  add_file(show);
  show->add_option("--referral", args->referral, "Show this referral's history");
  show->add_option("--partner", args->partner, "Only this partner");
  show->callback([args, open_ledger] {
    ledger l = open_ledger(false);
    if (args->referral != 0) {
      const referral r = l.get(args->referral);
      fmt::print("referral {}: case {}, {} → {} ({}), {}\n", r.id, r.case_id, r.need, r.offering,
                 r.partner, to_string(r.state));
      for (const auto& t : l.history(r.id))
        fmt::print("  {}  {:>16} → {:<16} by {:<8} {}{}\n", when(t.at),
                   t.from ? to_string(*t.from) : "", to_string(t.to), to_string(t.actor),
                   t.reason == referral_reason::none ? "" : to_string(t.reason),
                   t.note.empty() ? "" : " — " + t.note);
      return;
    }
    std::map<std::string, std::map<std::string, int>> per_partner;
    for (const auto& r : l.list({.partner = args->partner, .open_only = true}))
      ++per_partner[r.partner][std::string(to_string(r.state))];
    fmt::print("open referrals per partner\n");
    for (const auto& [p, states] : per_partner) {
      fmt::print("  {}:", p);
      for (const auto& [st, n] : states)
        fmt::print(" {} {}", n, st);
      fmt::print("\n");
    }
    fmt::print("capacity (held / total)\n");
    for (const auto& c : l.capacities())
      if ((args->partner.empty() || c.partner == args->partner) && c.held > 0)
        fmt::print("  {:<40} {} / {}\n", c.offering, c.held, c.total);
    fmt::print("declines (partner, help form, state, reason: count)\n");
    for (const auto& d : l.declines())
      if (args->partner.empty() || d.partner == args->partner)
        fmt::print("  {} {} {} {}: {}\n", d.partner, d.need, to_string(d.state),
                   to_string(d.reason), d.count);
  });

  auto* expire = cmd->add_subcommand(
      "expire", "Cancel (reason expired) the requested referrals unanswered for --days");
  add_file(expire);
  expire->add_option("--days", args->days, "Days without an answer")->capture_default_str();
  expire->callback([args, open_ledger] {
    ledger l = open_ledger(false);
    const auto cutoff = ledger_now() - std::chrono::milliseconds(
                                           static_cast<std::int64_t>(args->days * 86'400'000.0));
    fmt::print("{} referrals expired\n", l.expire(cutoff));
  });

  auto* check = cmd->add_subcommand("check", "Check the ledger's invariants; exit 1 if one fails");
  add_file(check);
  check->callback([args, open_ledger] {
    ledger l = open_ledger(false);
    const ledger_report rep = l.check();
    fmt::print("{} referrals, {} transitions, {} offerings, {} units held\n", rep.referrals,
               rep.transitions, rep.offerings, rep.held);
    for (const auto& p : rep.problems)
      fmt::print("problem: {}\n", p);
    if (!rep.ok()) throw exit_request{exit_invalid_input};
    fmt::print("every invariant holds\n");
  });
}

}  // namespace keten::cli
