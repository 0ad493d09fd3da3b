// The keten command-line program: a thin layer over the library's public API.
//
// Exit status: 0 success; 1 the input is invalid (parse or validation error, unknown id);
// 2 wrong usage; 4 a file could not be read or written.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/keten.hpp"
#include "keten/matching.hpp"
#include "keten/pathway.hpp"
#include "keten/snapshot.hpp"

namespace fs = std::filesystem;

namespace keten::cli {

fs::path data_dir() {
  if (const char* env = std::getenv("KETEN_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "keten" / "data";
    if (fs::exists(installed / "national_landscape.json", ec)) return installed;
  }
  if (fs::exists(fs::path(KETEN_SOURCE_DATA_DIR) / "national_landscape.json", ec))
    return KETEN_SOURCE_DATA_DIR;
  return KETEN_INSTALL_DATA_DIR;
}

fs::path default_landscape() {
  return data_dir() / "national_landscape.json";
}

fs::path default_scan() {
  return data_dir() / "national_scan.json";
}

keten::landscape load_landscape(const std::string& path) {
  return keten::load_landscape(path.empty() ? default_landscape() : fs::path(path));
}

}  // namespace keten::cli

namespace {

using keten::cli::exit_invalid_input;
using keten::cli::exit_io;
using keten::cli::exit_usage;
using keten::cli::load_landscape;

// --- keten match ----------------------------------------------------------------------------

/// The weights `--weight NAME=VALUE` can set, by the names docs/matching.md uses.
constexpr std::pair<std::string_view, double keten::match_weights::*> weight_names[] = {
    {"cover", &keten::match_weights::cover},
    {"distance", &keten::match_weights::distance},
    {"distance_scale_km", &keten::match_weights::distance_scale_km},
    {"wait", &keten::match_weights::wait},
    {"wait_scale_days", &keten::match_weights::wait_scale_days},
    {"free_capacity", &keten::match_weights::free_capacity},
    {"waitlist", &keten::match_weights::waitlist},
    {"complementarity", &keten::match_weights::complementarity},
    {"collaboration", &keten::match_weights::collaboration},
    {"extra_partner", &keten::match_weights::extra_partner},
};

/// Parses "NAME=VALUE" into `weights`; returns an error message, or "" on success.
std::string set_weight(std::string_view text, keten::match_weights* weights) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return "expected NAME=VALUE";
  const std::string_view name = text.substr(0, eq);
  const std::string_view value = text.substr(eq + 1);
  double number = 0.0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc{} || end != value.data() + value.size() || value.empty())
    return fmt::format("'{}' is not a number", value);
  for (const auto& [known, member] : weight_names) {
    if (known == name) {
      if (weights != nullptr) weights->*member = number;
      return "";
    }
  }
  std::string names;
  for (const auto& [known, member] : weight_names)
    names += fmt::format("{}{}", names.empty() ? "" : ", ", known);
  return fmt::format("unknown weight '{}'; expected one of: {}", name, names);
}

/// Points with up to three decimals and no trailing zeros: "412.5", "-1.111", "0".
std::string pts(keten::score_t s) {
  std::string text = fmt::format("{:.3f}", keten::to_points(s));
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

/// The same with a sign: "+500", "-1.111", "0".
std::string signed_pts(keten::score_t s) {
  return s > 0 ? "+" + pts(s) : pts(s);
}

/// "3.5 points less", "2 points more", "the same score".
std::string loss_phrase(keten::score_t loss) {
  if (loss > 0) return fmt::format("{} points less", pts(loss));
  if (loss < 0) return fmt::format("{} points more", pts(-loss));
  return "the same score (ids break the tie)";
}

std::string rejection_phrase(const keten::rejected_offering& x) {
  if (x.reason == keten::rejection::not_eligible)
    return fmt::format("not eligible ({})", keten::to_string(x.eligibility));
  switch (x.reason) {
    case keten::rejection::out_of_area:
      return "out of area";
    case keten::rejection::excluded:
      return "excluded by the person";
    case keten::rejection::no_capacity:
      return "no capacity";
    default:
      return std::string(keten::to_string(x.reason));
  }
}

/// "not eligible (age): c; no capacity: d; out of area: 2 offerings", the offerings in reach
/// grouped by reason in order of first appearance, then how many of the category do not reach the
/// case.
std::string rejections_phrase(const keten::need_candidates& n, const keten::landscape& l) {
  std::vector<std::pair<std::string, std::string>> groups;
  for (const keten::rejected_offering& x : n.rejected) {
    const std::string why = rejection_phrase(x);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == why; });
    if (it == groups.end()) it = groups.insert(groups.end(), {why, ""});
    it->second += fmt::format("{}{}", it->second.empty() ? "" : ", ", l.offerings()[x.offering].id);
  }
  std::string text;
  for (const auto& [why, ids] : groups)
    text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", why, ids);
  const std::size_t away = n.in_category - std::min(n.in_category, n.in_reach());
  if (away > 0)
    text += fmt::format("{}out of area: {} offering{}", text.empty() ? "" : "; ", away,
                        away == 1 ? "" : "s");
  return text;
}

/// Why nothing covers a need in a bundle.
std::string uncovered_phrase(const keten::need_candidates* n, const keten::need_reason* why,
                             const keten::landscape& l) {
  if (n != nullptr && n->in_category == 0) return "no offering of this category in the landscape";
  if (n != nullptr && n->candidates.empty())
    return "nothing can cover it — " + rejections_phrase(*n, l);
  if (why == nullptr) return "not chosen";
  if (!why->has_alternative) return "not chosen: every candidate would exceed --max-partners";
  if (why->best_alternative && !why->alternative_is_uncovered)
    return fmt::format("not chosen: with {} the bundle scores {}",
                       l.offerings()[*why->best_alternative].id,
                       loss_phrase(why->alternative_loss));
  return "not chosen";
}

std::string terms_phrase(const keten::assignment_terms& t) {
  std::string text =
      fmt::format("cover {}, distance {} ({:.1f} km), wait {}, ", signed_pts(t.cover),
                  signed_pts(t.distance), t.distance_km, signed_pts(t.wait));
  text += t.capacity < 0 ? fmt::format("waitlist {}", signed_pts(t.capacity))
                         : fmt::format("free capacity {}", signed_pts(t.capacity));
  return text;
}

std::string alternative_phrase(const keten::need_reason& why, const keten::landscape& l) {
  if (!why.has_alternative)
    return "no alternative (every other choice breaks --max-partners or covers nothing)";
  const std::string other = why.alternative_is_uncovered || !why.best_alternative
                                ? std::string("leaving it uncovered")
                                : l.offerings()[*why.best_alternative].id;
  return fmt::format("next best: {}, {}", other, loss_phrase(why.alternative_loss));
}

std::string branch_of(keten::partner_index p, const keten::landscape& l) {
  const keten::partner& x = l.partners()[p];
  return x.branch.empty() ? x.id : x.branch;
}

/// The readable report of one case's match result (the table of docs/matching.md).
std::string match_table(const keten::match_result& r, const keten::landscape& l,
                        const keten::help_case& c) {
  std::string out;
  const auto need_label = [&](std::size_t i) { return c.needs[i].category; };
  const auto found = [&](std::size_t i) -> const keten::need_candidates* {
    return r.needs.size() == c.needs.size() ? &r.needs[i] : nullptr;
  };
  out +=
      fmt::format("== {} — {} need{} ==\n", c.id, c.needs.size(), c.needs.size() == 1 ? "" : "s");
  if (r.status == keten::match_status::no_consent) {
    out += "  no consent: nothing is proposed until the person consents to sharing the needs\n\n";
    return out;
  }
  const auto needs_of = [&](const keten::pathway_step& step) {
    std::string text;
    for (std::size_t n : step.needs)
      text += fmt::format("{}{}", text.empty() ? "" : ", ", need_label(n));
    return text;
  };
  std::size_t width = 4;
  for (const keten::need& n : c.needs)
    width = std::max(width, n.category.size());
  for (std::size_t i = 0; i < c.needs.size(); ++i) {
    out += fmt::format("  {:<{}}  urgency {}", need_label(i), width, c.needs[i].urgency);
    if (const auto* n = found(i)) {
      out += fmt::format(", {} candidate{}", n->candidates.size(),
                         n->candidates.size() == 1 ? "" : "s");
      if (n->in_category == 0) {
        out += "; no offering of this category";
      } else if (const std::string why = rejections_phrase(*n, l); !why.empty()) {
        out += "; " + why;
      }
    }
    out += '\n';
  }
  if (r.bundles.empty())
    out += "\n  no bundle: no need has a candidate (why is given per need above)\n";
  for (std::size_t k = 0; k < r.bundles.size(); ++k) {
    const keten::bundle& b = r.bundles[k];
    const std::size_t partners = b.partner_count(l);
    out += fmt::format("\n  #{}  score {}  — covers {} of {} need{}, {} partner{}\n", k + 1,
                       pts(b.score), b.covered(), c.needs.size(), c.needs.size() == 1 ? "" : "s",
                       partners, partners == 1 ? "" : "s");
    std::size_t offering_width = 1;
    for (const auto& o : b.assigned)
      if (o) offering_width = std::max(offering_width, l.offerings()[*o].id.size());
    for (std::size_t i = 0; i < c.needs.size(); ++i) {
      const keten::need_reason* why = b.reasons.size() == c.needs.size() ? &b.reasons[i] : nullptr;
      if (const auto& o = b.assigned[i]) {
        out += fmt::format("      {:<{}}  {:<{}}  {}\n", need_label(i), width, l.offerings()[*o].id,
                           offering_width, branch_of(l.partner_of(*o), l));
      } else {
        out += fmt::format("      {:<{}}  {:<{}}  not covered{}\n", need_label(i), width, "-",
                           offering_width,
                           why != nullptr ? "" : ": " + uncovered_phrase(found(i), why, l));
      }
    }
    const keten::pathway& path = b.path;
    if (!path.steps.empty()) {
      out += fmt::format("    pathway ({} stage{}):\n", path.stage_count(),
                         path.stage_count() == 1 ? "" : "s");
      for (std::size_t s = 0; s < path.steps.size(); ++s) {
        const keten::pathway_step& step = path.steps[s];
        const bool first_of_stage = s == 0 || path.steps[s - 1].stage != step.stage;
        const bool parallel = (s > 0 && path.steps[s - 1].stage == step.stage) ||
                              (s + 1 < path.steps.size() && path.steps[s + 1].stage == step.stage);
        const std::string needs = needs_of(step);
        out += fmt::format("      {:<8} {} {} — {}: {}\n",
                           first_of_stage ? fmt::format("stage {}", step.stage + 1) : "",
                           parallel ? "||" : "  ", branch_of(step.partner, l),
                           l.offerings()[step.offering].id, needs);
      }
      for (const keten::handover& h : path.handovers) {
        const keten::pathway_step& from = path.steps[h.from_step];
        const keten::pathway_step& to = path.steps[h.to_step];
        out += fmt::format("      warme overdracht: {} → {} for {} ({})\n",
                           branch_of(from.partner, l), branch_of(to.partner, l), needs_of(to),
                           h.because_of_precedence ? fmt::format("after {}", needs_of(from))
                                                   : std::string("the lead brings them in"));
      }
    }
    if (b.reasons.size() == c.needs.size()) {
      out += "    why:\n";
      for (std::size_t i = 0; i < c.needs.size(); ++i) {
        const keten::need_reason& why = b.reasons[i];
        if (!b.assigned[i]) {
          out += fmt::format("      {:<{}}  not covered: {}\n", need_label(i), width,
                             uncovered_phrase(found(i), &why, l));
          continue;
        }
        out += fmt::format("      {:<{}}  {} = {}; {}\n", need_label(i), width,
                           terms_phrase(why.terms), signed_pts(why.terms.total()),
                           alternative_phrase(why, l));
      }
    }
    const keten::score_breakdown& t = b.breakdown;
    out += fmt::format(
        "    score: cover {} distance {} wait {} capacity {} complementarity {} collaboration {} "
        "extra partners {} = {}\n",
        signed_pts(t.cover), signed_pts(t.distance), signed_pts(t.wait), signed_pts(t.capacity),
        signed_pts(t.complementarity), signed_pts(t.collaboration), signed_pts(t.extra_partners),
        pts(t.total()));
  }
  out += '\n';
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keten — referral matching for the Keten van Hoop"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(keten::version_string));

  // keten info
  auto* info = app.add_subcommand(
      "info", "Summarise a landscape: partners, offerings, capacity per help form");
  std::string info_landscape;
  bool info_json = false;
  info->add_option("--landscape,-l", info_landscape,
                   "Landscape file (default: the national landscape in data/)");
  info->add_flag("--json", info_json, "Print the summary as JSON");

  // keten validate
  auto* validate =
      app.add_subcommand("validate", "Check a landscape or cases file; exit 0 if valid");
  std::vector<std::string> validate_files;
  std::string validate_landscape;
  validate
      ->add_option("files", validate_files,
                   "Files to check (keten.landscape or keten.cases JSON, or a snapshot)")
      ->required();
  validate->add_option(
      "--landscape,-l", validate_landscape,
      "Landscape that cases are checked against (default: the national landscape)");

  // keten generate
  auto* generate = app.add_subcommand("generate", "Write reproducible synthetic data");
  generate->require_subcommand(1);
  auto* gen_landscape = generate->add_subcommand("landscape", "The synthetic national landscape");
  std::uint64_t seed = keten::default_seed;
  std::string output;
  gen_landscape->add_option("--seed", seed, "Random seed")->capture_default_str();
  gen_landscape->add_option("--output,-o", output, "Output file")->required();
  auto* gen_cases = generate->add_subcommand("cases", "Synthetic cases for a landscape");
  keten::case_generation case_options;
  std::string cases_landscape;
  gen_cases->add_option("--landscape,-l", cases_landscape,
                        "Landscape (default: the national landscape)");
  gen_cases->add_option("--municipality,-m", case_options.municipalities,
                        "Draw from these municipality codes");
  gen_cases->add_option("--count,-n", case_options.count, "Number of cases")->capture_default_str();
  gen_cases->add_option("--seed", case_options.seed, "Random seed")->capture_default_str();
  gen_cases->add_option("--id-prefix", case_options.id_prefix, "Prefix of the case ids")
      ->capture_default_str();
  gen_cases->add_option("--output,-o", output, "Output file")->required();

  // keten snapshot
  auto* snapshot = app.add_subcommand("snapshot", "Binary landscape snapshots (fast to load)");
  snapshot->require_subcommand(1);
  auto* snapshot_save = snapshot->add_subcommand("save", "Write a landscape as a snapshot");
  std::string snapshot_in;
  std::string snapshot_out;
  snapshot_save->add_option("input", snapshot_in, "Landscape file (JSON or snapshot)")->required();
  snapshot_save->add_option("output", snapshot_out, "Snapshot file to write")->required();
  auto* snapshot_load =
      snapshot->add_subcommand("load", "Read a snapshot and summarise it like `keten info`");
  snapshot_load->add_option("input", snapshot_in, "Snapshot file")->required();

  // keten match
  auto* match = app.add_subcommand(
      "match", "Match cases to their best bundles of offerings, with pathway and reasons");
  std::string match_landscape;
  std::string match_cases;
  std::vector<std::string> match_ids;
  keten::match_options match_options;
  bool match_json = false;
  match->add_option("--landscape,-l", match_landscape,
                    "Landscape file (default: the national landscape in data/)");
  match->add_option("--cases,-c", match_cases, "Cases file (keten.cases JSON)")->required();
  match->add_option("--case", match_ids, "Match only the case with this id (repeatable)");
  match->add_option("--top,-k", match_options.top_k, "Bundles per case")->capture_default_str();
  match->add_option("--max-partners", match_options.max_partners, "Partners per bundle at most")
      ->capture_default_str();
  match->add_flag("--waitlist", match_options.allow_waitlist,
                  "Allow offerings without a free unit, at a penalty");
  match
      ->add_option_function<std::vector<std::string>>(
          "--weight",
          [&match_options](const std::vector<std::string>& values) {
            for (const std::string& v : values)
              set_weight(v, &match_options.weights);
          },
          "Override a weight of the objective, NAME=VALUE (repeatable; see docs/matching.md)")
      ->check([](const std::string& v) { return set_weight(v, nullptr); });
  match->add_flag("--json", match_json, "Print the results as one keten.matches JSON document");
  std::string match_scan;
  match->add_option("--scan", match_scan,
                    "Cooperation scan (CSV or keten.scan JSON): partner pairs that cooperate well "
                    "score higher (the collaboration term; docs/cooperation.md)");

  // Command groups in their own files (their callbacks run inside app.parse).
  // keten::cli::add_..._commands(app);
  keten::cli::add_flow_commands(app);
  keten::cli::add_allocate_commands(app);
  keten::cli::add_hsds_commands(app);
  keten::cli::add_stable_commands(app);
  keten::cli::add_network_commands(app);
  keten::cli::add_gaps_commands(app);
  keten::cli::add_ledger_commands(app);
  keten::cli::add_simulate_commands(app);
  keten::cli::add_cooperation_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const keten::cli::exit_request& e) {
    return e.status;
  } catch (const keten::io_error& e) {
    fmt::print(stderr, "keten: error: {}\n", e.what());
    return exit_io;
  } catch (const keten::error& e) {
    fmt::print(stderr, "keten: error: {}\n", e.what());
    return exit_invalid_input;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  try {
    if (*info) {
      const keten::landscape l = load_landscape(info_landscape);
      const keten::landscape_summary s = keten::summarize(l);
      if (info_json) {
        fmt::print("{}", keten::to_json(s));
      } else {
        fmt::print("{}", keten::to_text(s));
      }
    } else if (*validate) {
      std::optional<keten::landscape> context;
      for (const std::string& file : validate_files) {
        if (keten::is_snapshot(keten::read_file(file))) {
          const keten::landscape l = keten::load_snapshot(file);
          fmt::print("{}: valid keten snapshot ({} partners, {} offerings)\n", file,
                     l.partners().size(), l.offerings().size());
          continue;
        }
        const std::string format = keten::sniff_json_format(file);
        if (format == keten::landscape_format) {
          const keten::landscape l = keten::load_landscape_json(file);
          fmt::print("{}: valid {} ({} partners, {} offerings)\n", file, format,
                     l.partners().size(), l.offerings().size());
        } else if (format == keten::cases_format) {
          if (!context) context = load_landscape(validate_landscape);
          const auto cases = keten::load_cases_json(file, *context);
          fmt::print("{}: valid {} ({} cases)\n", file, format, cases.size());
        } else {
          throw keten::parse_error(keten::error_code::unsupported_format,
                                   fmt::format("unknown format '{}'; expected '{}' or '{}'", format,
                                               keten::landscape_format, keten::cases_format),
                                   {.file = file, .pointer = "/format"});
        }
      }
    } else if (*snapshot_save) {
      const keten::landscape l = load_landscape(snapshot_in);
      keten::save_snapshot(l, snapshot_out);
      fmt::print("wrote {} ({} partners, {} offerings)\n", snapshot_out, l.partners().size(),
                 l.offerings().size());
    } else if (*snapshot_load) {
      fmt::print("{}", keten::to_text(keten::summarize(keten::load_snapshot(snapshot_in))));
    } else if (*match) {
      const keten::landscape l = load_landscape(match_landscape);
      const std::vector<keten::help_case> all = keten::load_cases_json(match_cases, l);
      std::vector<keten::help_case> cases;
      if (match_ids.empty()) {
        cases = all;
      } else {
        for (const std::string& id : match_ids) {
          const auto it = std::find_if(all.begin(), all.end(),
                                       [&](const keten::help_case& c) { return c.id == id; });
          if (it == all.end())
            throw keten::not_found_error(fmt::format("no case with id '{}'", id),
                                         {.file = match_cases, .field = "id", .object_id = id});
          cases.push_back(*it);
        }
      }
      keten::collaboration_strengths strengths;
      if (!match_scan.empty()) {
        strengths = keten::cli::strengths_from_scan(l, match_scan);
        match_options.collaboration = &strengths;
      }
      std::vector<keten::match_result> results;
      results.reserve(cases.size());
      for (const keten::help_case& c : cases)
        results.push_back(keten::match(l, c, match_options));
      if (match_json) {
        fmt::print("{}", keten::matches_to_json(results, cases, l, 2));
      } else {
        fmt::print(
            "keten match: {} case{} of {} on {} (top {}, at most {} partners{}{})\n\n",
            cases.size(), cases.size() == 1 ? "" : "s", match_cases,
            l.name().empty() ? std::string("the landscape") : l.name(), match_options.top_k,
            match_options.max_partners, match_options.allow_waitlist ? ", waitlist allowed" : "",
            match_scan.empty() ? std::string() : fmt::format(", cooperation from {}", match_scan));
        for (std::size_t i = 0; i < cases.size(); ++i)
          fmt::print("{}", match_table(results[i], l, cases[i]));
      }
    } else if (*gen_landscape) {
      const keten::landscape l =
          keten::generate_national_landscape(keten::geography::netherlands(), seed);
      keten::save_landscape_json(l, output);
      fmt::print("wrote {} ({} partners, {} offerings)\n", output, l.partners().size(),
                 l.offerings().size());
    } else if (*gen_cases) {
      const keten::landscape l = load_landscape(cases_landscape);
      const auto cases = keten::generate_cases(l, case_options);
      keten::save_cases_json(cases, output);
      fmt::print("wrote {} ({} cases)\n", output, cases.size());
    }
  } catch (const keten::io_error& e) {
    fmt::print(stderr, "keten: error: {}\n", e.what());
    return exit_io;
  } catch (const keten::error& e) {
    fmt::print(stderr, "keten: error: {}\n", e.what());
    return exit_invalid_input;
  }
  return 0;
}
