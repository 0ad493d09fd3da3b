// keten chains, keten cooperation and keten generate scan: the local chains, the five conditions
// of cooperation per chain, and synthetic scans (docs/cooperation.md).
#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "keten/analysis.hpp"
#include "keten/cooperation.hpp"
#include "keten/io.hpp"
#include "keten/synthetic.hpp"

namespace keten::cli {

namespace {

std::string label_of(std::span<const chain_term> terms, const std::string& id) {
  for (const chain_term& t : terms)
    if (t.id == id) return t.label_en.empty() ? id : t.label_en;
  return id;
}

std::string initiator_text(const landscape& l, const chain_initiator& who) {
  if (!who.partner.empty()) return who.partner;
  return fmt::format("{} (role)", label_of(l.initiator_roles(), who.role));
}

void print_chains(const landscape& l, std::span<const std::string> municipalities) {
  std::vector<std::uint8_t> keep(l.chains().size(), municipalities.empty() ? 1 : 0);
  for (const std::string& code : municipalities)
    for (chain_index k : l.chains_in(l.places().index_of(code)))
      keep[k] = 1;
  const auto shown = static_cast<std::size_t>(std::count(keep.begin(), keep.end(), 1));
  fmt::print("keten chains: {} local chain{} in {}\n", shown, shown == 1 ? "" : "s",
             l.name().empty() ? std::string("the landscape") : l.name());
  for (std::size_t k = 0; k < l.chains().size(); ++k) {
    if (!keep[k]) continue;
    const local_chain& c = l.chains()[k];
    std::vector<std::string> places;
    for (const std::string& code : c.municipalities)
      places.push_back(fmt::format("{} ({})", l.places()[l.places().index_of(code)].name, code));
    std::vector<std::string> members;
    for (partner_index p : l.chain_members(static_cast<chain_index>(k)))
      members.push_back(fmt::format("{} ({})", l.partners()[p].id, l.partners()[p].member));
    std::vector<std::string> initiators;
    for (const chain_initiator& who : c.initiators)
      initiators.push_back(initiator_text(l, who));
    fmt::print("\n{}  {}\n", c.id, c.name);
    fmt::print("  form: {}, since {}\n", label_of(l.cooperation_forms(), c.form),
               to_string(c.started));
    fmt::print("  covers: {}\n", fmt::join(places, ", "));
    fmt::print("  partners ({}): {}\n", members.size(), fmt::join(members, ", "));
    fmt::print("  initiators (kartrekkers): {}\n", fmt::join(initiators, ", "));
  }
}

std::string fixed(double v, int decimals = 2) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("-");
}

std::string trend_text(const condition_trend& t) {
  if (!std::isfinite(t.change)) return "-";
  return fmt::format("{:+.2f} (A {:.2f}, p {}{}{})", t.change, t.superiority,
                     std::isfinite(t.p_value) ? fmt::format("{:.3f}", t.p_value) : "-",
                     t.exact ? "" : " approx.", t.significant ? ", significant" : "");
}

void print_report(const cooperation_report& r, const landscape& l, bool pairs, double alpha) {
  fmt::print("keten cooperation: the five conditions of {} chain{} (Kaats & Opheij; answers 1–5)\n",
             r.chains.size(), r.chains.size() == 1 ? "" : "s");
  for (const chain_cooperation& c : r.chains) {
    const local_chain& chain = l.chains()[c.chain];
    std::vector<std::string> silent;
    for (partner_index p : c.silent)
      silent.push_back(l.partners()[p].id);
    fmt::print("\n{}  {}\n", chain.id, chain.name);
    fmt::print("  scan of {}: {} respondents of {} partners{}{}\n", to_string(c.scanned),
               c.respondents, c.partners.size(),
               silent.empty() ? std::string()
                              : fmt::format("; no answers from {}", fmt::join(silent, ", ")),
               c.baseline ? fmt::format("; compared with the scan of {}", to_string(*c.baseline))
                          : std::string("; no earlier scan"));
    fmt::print("  {:<28} {:>5} {:>7} {:>5}  {}\n", "condition", "mean", "spread", "sd",
               c.baseline ? fmt::format("trend (change, A, two-sided p; α = {})", alpha) : "");
    for (const condition_score& s : c.conditions)
      fmt::print("  {:<28} {:>5} {:>7} {:>5}  {}{}\n", label_en(s.about), fixed(s.mean),
                 fixed(s.spread), fixed(s.sd),
                 c.baseline ? trend_text(c.trends[static_cast<std::size_t>(s.about)]) : "",
                 s.about == c.weakest ? "  <- weakest" : "");
    fmt::print("  weakest: {} ({})\n", label_en(c.weakest), label_nl(c.weakest));
  }
  if (!pairs) return;
  fmt::print("\nCooperation strength of partner pairs (0–1)\n");
  for (const partner_pair_strength& p : r.pairs)
    fmt::print("  {:<16} {:<22} {:<22} {:.3f}\n", l.chains()[p.chain].id, l.partners()[p.a].id,
               l.partners()[p.b].id, p.strength);
}

}  // namespace

collaboration_strengths strengths_from_scan(const landscape& l, const std::string& scan_path) {
  return assess_cooperation(load_scan(scan_path, l)).strengths;
}

void add_cooperation_commands(CLI::App& app) {
  // keten chains
  struct chains_options {
    std::string landscape;
    std::vector<std::string> municipalities;
    bool json = false;
    std::string dot;
    std::string chain;
    std::string scan;
  };
  auto co = std::make_shared<chains_options>();
  auto* chains = app.add_subcommand(
      "chains", "List the local chains: their partners, initiators (kartrekkers) and form");
  chains->add_option("--landscape,-l", co->landscape,
                     "Landscape file (default: the national landscape in data/)");
  chains->add_option("--municipality,-m", co->municipalities,
                     "Only chains covering these municipality codes (repeatable)");
  chains->add_flag("--json", co->json, "Print a keten.chains JSON document");
  chains
      ->add_option("--dot", co->dot,
                   "Write one chain's partner network as Graphviz DOT to FILE ('-': standard "
                   "output); render it with: dot -Tsvg FILE -o chain.svg")
      ->excludes("--json");
  chains->add_option("--chain", co->chain,
                     "The chain for --dot (default: the one chain shown, e.g. by --municipality)");
  chains->add_option("--scan,-s", co->scan,
                     "With --dot: a cooperation scan whose pair strengths label the edges");
  chains->callback([co] {
    const landscape l = load_landscape(co->landscape);
    if (!co->dot.empty()) {
      std::vector<chain_index> shown;
      if (!co->chain.empty()) {
        const auto k = l.find_chain(co->chain);
        if (!k)
          throw not_found_error(fmt::format("no chain has the id '{}'", co->chain),
                                source_position{.field = "chain", .object_id = co->chain});
        shown.push_back(*k);
      } else {
        for (chain_index k = 0; k < l.chains().size(); ++k) {
          bool covers = co->municipalities.empty();
          for (const std::string& code : co->municipalities)
            covers = covers || std::find(l.chains()[k].municipalities.begin(),
                                         l.chains()[k].municipalities.end(),
                                         code) != l.chains()[k].municipalities.end();
          if (covers) shown.push_back(k);
        }
      }
      if (shown.size() != 1)
        throw CLI::ValidationError(
            "--dot", fmt::format("draws one chain, and {} are selected: name one with --chain",
                                 shown.size()));
      std::optional<cooperation_report> report;
      if (!co->scan.empty()) {
        cooperation_options only;
        only.chains = {l.chains()[shown[0]].id};
        report = assess_cooperation(load_scan(co->scan, l), only);
      }
      if (co->dot == "-") {
        std::ostringstream dot;
        write_chain_dot(dot, l, shown[0], report ? &*report : nullptr);
        fmt::print("{}", dot.str());
      } else {
        save_chain_dot(l, shown[0], report ? &*report : nullptr, co->dot);
      }
      return;
    }
    if (co->json)
      fmt::print("{}", chains_to_json(l, co->municipalities));
    else
      print_chains(l, co->municipalities);
  });

  // keten cooperation
  struct cooperation_options_cli {
    std::string landscape;
    std::string scan;
    std::vector<std::string> chains;
    std::string current;
    std::string baseline;
    double alpha = 0.05;
    bool json = false;
    bool pairs = false;
  };
  auto o = std::make_shared<cooperation_options_cli>();
  auto* cooperation = app.add_subcommand(
      "cooperation",
      "The five conditions of cooperation per chain from a scan: mean, spread, weakest, trend");
  cooperation->add_option("--landscape,-l", o->landscape,
                          "Landscape file (default: the national landscape in data/)");
  cooperation->add_option(
      "--scan,-s", o->scan,
      "Scan file, CSV or keten.scan JSON (default with the national landscape: data/"
      "national_scan.json)");
  cooperation->add_option("--chain", o->chains, "Only this chain (repeatable)");
  cooperation->add_option("--date", o->current,
                          "Report the latest scan on or before this day (YYYY-MM-DD)");
  cooperation->add_option("--baseline", o->baseline,
                          "Compare with the latest earlier scan on or before this day");
  cooperation->add_option("--alpha", o->alpha, "Significance level of the trend test")
      ->capture_default_str();
  cooperation->add_flag("--pairs", o->pairs, "Also list the partner pairs' cooperation strength");
  cooperation->add_flag("--json", o->json, "Print a keten.cooperation JSON document");
  cooperation->callback([o] {
    if (o->scan.empty() && !o->landscape.empty())
      throw CLI::ValidationError("--scan", "a scan is needed with --landscape");
    const landscape l = load_landscape(o->landscape);
    const cooperation_scan scan =
        load_scan(o->scan.empty() ? default_scan() : std::filesystem::path(o->scan), l);
    keten::cooperation_options options;
    options.alpha = o->alpha;
    options.chains = o->chains;
    const auto day = [](const std::string& text, const char* what) -> std::optional<date> {
      if (text.empty()) return std::nullopt;
      const auto d = parse_date(text);
      if (!d) throw CLI::ValidationError(what, "expected a date YYYY-MM-DD");
      return d;
    };
    options.current = day(o->current, "--date");
    options.baseline = day(o->baseline, "--baseline");
    const cooperation_report report = assess_cooperation(scan, options);
    if (o->json)
      fmt::print("{}", to_json(report, l));
    else
      print_report(report, l, o->pairs, o->alpha);
  });

  // keten generate scan
  struct generate_options {
    std::string landscape;
    std::string output;
    scan_generation options;
  };
  auto g = std::make_shared<generate_options>();
  CLI::App* generate = app.get_subcommand("generate");
  auto* scan_cmd = generate->add_subcommand(
      "scan", "Synthetic cooperation scans of a landscape's chains (two per chain)");
  scan_cmd->add_option("--landscape,-l", g->landscape,
                       "Landscape (default: the national landscape)");
  scan_cmd->add_option("--seed", g->options.seed, "Random seed")->capture_default_str();
  scan_cmd->add_option("--chain", g->options.chains, "Only this chain (repeatable)");
  scan_cmd->add_option("--output,-o", g->output, "Output file: .csv for CSV, else keten.scan JSON")
      ->required();
  scan_cmd->callback([g] {
    const landscape l = load_landscape(g->landscape);
    cooperation_scan scan(l);
    scan.add(generate_scans(l, g->options));
    save_scan(scan, g->output);
    fmt::print("wrote {} ({} answers)\n", g->output, scan.answers().size());
  });
}

}  // namespace keten::cli
