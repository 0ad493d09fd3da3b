// The keten command-line program: a thin layer over the library's public API.
//
// Exit status: 0 success; 1 the input is invalid (parse or validation error, unknown id);
// 2 wrong usage; 4 a file could not be read or written.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "keten/keten.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int exit_invalid_input = 1;
constexpr int exit_usage = 2;
constexpr int exit_io = 4;

/// Where the default data lives: $KETEN_DATA_DIR, else the data directory installed beside the
/// program (<prefix>/share/keten/data), else the source tree's data/ the program was built from.
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

keten::landscape load_landscape(const std::string& path) {
  return keten::load_landscape_json(path.empty() ? default_landscape() : fs::path(path));
}

nlohmann::ordered_json summary_json(const keten::landscape_summary& s) {
  nlohmann::ordered_json forms = nlohmann::ordered_json::object();
  for (keten::help_form f : keten::all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    forms[std::string(keten::to_string(f))] = {{"label_nl", keten::label_nl(f)},
                                               {"offerings", s.offerings_per_form[i]},
                                               {"units_per_year", s.units_per_year_per_form[i]},
                                               {"free_units", s.free_units_per_form[i]}};
  }
  return {{"name", s.name},
          {"partners", s.partners},
          {"member_organisations", s.member_organisations},
          {"offerings", s.offerings},
          {"categories", s.categories},
          {"municipalities_served", s.municipalities_served},
          {"municipalities_with_all_forms", s.municipalities_with_all_forms},
          {"complementarities", s.complementarities},
          {"precedences", s.precedences},
          {"help_forms", forms}};
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
      ->add_option("files", validate_files, "Files to check (keten.landscape or keten.cases JSON)")
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

  try {
    app.parse(argc, argv);
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
        fmt::print("{}\n", summary_json(s).dump(2));
      } else {
        fmt::print("{}", keten::to_text(s));
      }
    } else if (*validate) {
      std::optional<keten::landscape> context;
      for (const std::string& file : validate_files) {
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
