// keten hsds import|export: Open Referral HSDS 3.0 documents and data packages (docs/hsds.md).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"

namespace keten::cli {

namespace {

/// Text from the input, safe for a terminal: control characters become '?'.
std::string shown(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

}  // namespace

void add_hsds_commands(CLI::App& app) {
  auto* hsds = app.add_subcommand("hsds", "Open Referral HSDS 3.0 import and export");
  hsds->require_subcommand(1);

  struct import_args {
    std::string input;
    std::string output;
    bool strict = false;
    bool quiet = false;
    std::string crosswalk;
    std::string as_of;
    int stale_after = 90;
    std::string unmapped_out;
  };
  auto in = std::make_shared<import_args>();
  auto* import_cmd = hsds->add_subcommand(
      "import", "Read an HSDS JSON document or data-package directory; write a keten landscape");
  import_cmd->add_option("path", in->input, "HSDS JSON document or data-package directory")
      ->required();
  import_cmd->add_option("--output,-o", in->output, "keten.landscape JSON file to write")
      ->required();
  import_cmd->add_flag("--strict", in->strict,
                       "Fail on a service without a keten need category, or a foreign term that "
                       "nothing maps, instead of skipping or reporting it");
  import_cmd->add_option("--crosswalk", in->crosswalk,
                         "CSV or JSON crosswalk: foreign terms, service names and places to keten "
                         "(docs/hsds.md)");
  import_cmd->add_option("--write-unmapped", in->unmapped_out,
                         "Write the unmapped terms as crosswalk rows to fill in (CSV)");
  import_cmd->add_option(
      "--as-of", in->as_of,
      "Day (YYYY-MM-DD) at which capacity staleness is measured (default: today)");
  import_cmd
      ->add_option("--stale-after", in->stale_after,
                   "Days after which a service_capacity's `updated` is reported as stale")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  import_cmd->add_flag("--quiet,-q", in->quiet, "Do not print the warnings, only their number");
  import_cmd->callback([in] {
    hsds_import_options options;
    options.strict = in->strict;
    options.as_of = in->as_of;
    options.stale_after_days = in->stale_after;
    if (!in->crosswalk.empty()) options.crosswalk = load_hsds_crosswalk(in->crosswalk);
    const hsds_import_result result = import_hsds(in->input, options);
    const hsds_import_report& report = result.report;
    if (!in->quiet)
      for (const hsds_warning& w : report.warnings)
        fmt::print(stderr, "keten: warning: {}\n", w.to_string());
    for (const hsds_unmapped_term& u : report.unmapped_terms)
      fmt::print(stderr,
                 "keten: unmapped term: taxonomy '{}', code '{}', name '{}' on {} services "
                 "(first at {})\n",
                 shown(u.taxonomy), shown(u.code), shown(u.name), u.services,
                 shown(u.first.to_string()));
    save_landscape_json(result.imported, in->output);
    if (!in->unmapped_out.empty()) save_unmapped_terms_crosswalk(report, in->unmapped_out);
    fmt::print(
        "wrote {} ({} partners, {} offerings) from {} organizations and {} services; {} "
        "services skipped, {} warnings\n",
        in->output, result.imported.partners().size(), result.imported.offerings().size(),
        result.report.organizations_read, result.report.services_read,
        result.report.services_skipped, result.report.warnings.size());
    fmt::print(
        "crosswalk: {} services mapped; {} unmapped terms on {} services; {} stale capacities\n",
        report.services_mapped_by_crosswalk, report.unmapped_terms.size(),
        report.services_with_unmapped_terms, report.capacities_stale);
  });

  struct export_args {
    std::string input;
    std::string output;
    std::string updated;
  };
  auto out = std::make_shared<export_args>();
  auto* export_cmd = hsds->add_subcommand(
      "export", "Write a landscape as HSDS: DIR/hsds.json and a data package (CSV) in DIR");
  export_cmd->add_option("input", out->input, "Landscape file (JSON or snapshot)")->required();
  export_cmd->add_option("--output,-o", out->output, "Directory to write")->required();
  export_cmd->add_option("--updated", out->updated,
                         "Time stamp of the capacities (ISO 8601; default: now)");
  export_cmd->callback([out] {
    const landscape l = load_landscape(out->input);
    hsds_export_options options;
    options.updated = out->updated;
    const std::filesystem::path dir(out->output);
    export_hsds_package(l, dir, options);
    save_hsds_json(l, dir / "hsds.json", options);
    fmt::print("wrote {}/hsds.json and a data package ({} partners, {} offerings)\n", out->output,
               l.partners().size(), l.offerings().size());
  });
}

}  // namespace keten::cli
