// Shared pieces of the keten command-line program. Each command group that is not in main.cpp
// lives in its own file and registers itself with an add_*_commands() function; its callbacks run
// while CLI11 parses, and main() maps the exceptions they throw to exit statuses.
#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "keten/cooperation.hpp"
#include "keten/landscape.hpp"

namespace keten::cli {

constexpr int exit_ok = 0;
constexpr int exit_invalid_input = 1;
constexpr int exit_usage = 2;
constexpr int exit_infeasible = 3;
constexpr int exit_io = 4;

/// Thrown by a command that has printed its result and wants a particular exit status.
struct exit_request {
  int status;
};

/// Where the default data lives: $KETEN_DATA_DIR, else the data directory installed beside the
/// program (<prefix>/share/keten/data), else the source tree's data/ the program was built from.
std::filesystem::path data_dir();

/// The national landscape shipped in data/.
std::filesystem::path default_landscape();

/// A landscape in either format (JSON or snapshot), or the national landscape if `path` is empty.
keten::landscape load_landscape(const std::string& path);

/// The scan shipped beside the national landscape (data/national_scan.json).
std::filesystem::path default_scan();

/// The cooperation strengths of the partner pairs from a scan file (keten match / allocate
/// --scan; cooperation_command.cpp).
keten::collaboration_strengths strengths_from_scan(const keten::landscape& l,
                                                   const std::string& scan_path);

/// `keten chains`, `keten cooperation` and `keten generate scan` (cooperation_command.cpp,
/// docs/cooperation.md). Call after `generate` is registered.
void add_cooperation_commands(CLI::App& app);

/// keten mcf and keten generate mcf (flow_command.cpp).
void add_flow_commands(CLI::App& app);

/// keten allocate (allocate_command.cpp).
void add_allocate_commands(CLI::App& app);

/// `keten hsds import|export` (hsds_command.cpp).
void add_hsds_commands(CLI::App& app);

/// `keten stable`: a stable assignment of the cases' needs (stable_command.cpp, docs/stable.md).
void add_stable_commands(CLI::App& app);

/// `keten network`: the partner network's metrics (network_command.cpp, docs/analysis.md).
void add_network_commands(CLI::App& app);

/// `keten gaps` and `keten report` (gaps_command.cpp, docs/gaps.md).
void add_gaps_commands(CLI::App& app);

/// `keten ledger open|refer|update|show|expire|check` (ledger_command.cpp, docs/ledger.md).
void add_ledger_commands(CLI::App& app);

/// `keten simulate`: weeks of demand over seeds, with a scenario against the baseline
/// (simulate_command.cpp, docs/simulation.md).
void add_simulate_commands(CLI::App& app);

}  // namespace keten::cli
