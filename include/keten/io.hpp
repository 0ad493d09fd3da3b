// keten/io.hpp — reading and writing landscapes, cases and cooperation scans (JSON, CSV), and the
// JSON of results.
//
// The formats are documented in docs/formats.md, with JSON Schemas in docs/schema/. Readers treat
// their input as untrusted: every value is checked for type and range before use, and every failure
// throws a keten::error whose position names the file, the line and column (syntax errors) or the
// JSON pointer (everything else), the field and the object id. Readers hold no state; they may be
// called from any number of threads.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keten/analysis.hpp"
#include "keten/case.hpp"
#include "keten/cooperation.hpp"
#include "keten/geography.hpp"
#include "keten/landscape.hpp"

namespace keten {

/// The identifiers written in the "format" member of keten's JSON documents.
inline constexpr std::string_view landscape_format = "keten.landscape";
inline constexpr std::string_view cases_format = "keten.cases";
/// The version of cases, matches and allocation documents.
inline constexpr int json_format_version = 1;
/// The newest landscape document version: 2 adds local chains (cooperation_forms,
/// initiator_roles, chains). Version 1 documents still load; to_json writes version 2.
inline constexpr int landscape_format_version = 2;

/// Parses a landscape document. `source_name` names the input in errors (a path, or "<string>").
/// Throws parse_error (syntax, wrong type, missing or unknown field) or validation_error.
/// O(size of text + build()).
[[nodiscard]] landscape parse_landscape_json(
    std::string_view text, std::string_view source_name = "<string>",
    std::shared_ptr<const geography> places = geography::netherlands());
/// Reads and parses a landscape file. Also throws io_error if it cannot be read.
[[nodiscard]] landscape load_landscape_json(
    const std::filesystem::path& path,
    std::shared_ptr<const geography> places = geography::netherlands());

/// Writes the landscape as a JSON document that parse_landscape_json reads back equal.
/// `indent` < 0 writes one line. Only categories beyond the standard taxonomy are written.
[[nodiscard]] std::string to_json(const landscape& l, int indent = 1);
/// Writes atomically: a temporary file beside `path`, fsync, rename, fsync of the directory, so
/// that a crash leaves the old file or the new one. Throws io_error.
void save_landscape_json(const landscape& l, const std::filesystem::path& path, int indent = 1);

/// Parses a batch of cases and validates each against the landscape's taxonomy and geography.
[[nodiscard]] std::vector<help_case> parse_cases_json(std::string_view text,
                                                      const landscape& context,
                                                      std::string_view source_name = "<string>");
[[nodiscard]] std::vector<help_case> load_cases_json(const std::filesystem::path& path,
                                                     const landscape& context);
[[nodiscard]] std::string to_json(const std::vector<help_case>& cases, int indent = 1);
void save_cases_json(const std::vector<help_case>& cases, const std::filesystem::path& path,
                     int indent = 1);

/// The summary as JSON: {"name", "partners", ..., "help_forms": {"money": {"label_nl", "offerings",
/// "units_per_year", "free_units"}, ...}} — what `keten info --json` prints.
[[nodiscard]] std::string to_json(const landscape_summary& s, int indent = 2);

/// What a JSON document says it is: "keten.landscape", "keten.cases", or empty if it has no
/// "format" member. Throws parse_error on malformed JSON, io_error if unreadable.
[[nodiscard]] std::string sniff_json_format(const std::filesystem::path& path);

/// Reads a whole file. Throws io_error naming the path and the system's reason.
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

// --- match results (docs/matching.md) --------------------------------------------------------

struct match_result;

/// The identifier of the document that matches_to_json writes.
inline constexpr std::string_view matches_format = "keten.matches";

/// Writes one case's match result as a JSON object: the case id, the status, per need the category,
/// urgency, weight, candidates and rejected offerings (with the reason), and per bundle the rank,
/// the score and its terms in points, the assignment of each need with its terms, its best
/// alternative and the loss, or why it is not covered, and the pathway (steps and warm handovers).
/// Of the case it writes only the opaque id and the needs, never the profile or the location.
/// `r` must be the result of matching `c` on `l`; throws validation_error if its sizes or offering
/// indexes do not fit them. `indent` < 0 writes one line. O(size of the result).
[[nodiscard]] std::string to_json(const match_result& r, const landscape& l, const help_case& c,
                                  int indent = 1);

/// Writes the results of several cases as one document
/// {"format": "keten.matches", "version": 1, "results": [ to_json(results[i], l, cases[i]) ... ]}.
/// Throws validation_error if the spans differ in length or a result does not fit its case.
[[nodiscard]] std::string matches_to_json(std::span<const match_result> results,
                                          std::span<const help_case> cases, const landscape& l,
                                          int indent = 1);

// --- allocations (docs/allocation.md) ----------------------------------------------------------

struct allocation;

/// The identifier of the document that allocation_to_json writes.
inline constexpr std::string_view allocation_format = "keten.allocation";

/// Writes an allocation of `cases` on `l` as one JSON document: the totals, every assigned need
/// (case id, category, offering, partner, priority and fit in points), and the waitlist in order
/// (case id, category, reason, priority, the offering waited for and the place in its queue). Of a
/// case only its opaque id is written. Throws validation_error if `a` does not fit the cases.
[[nodiscard]] std::string allocation_to_json(const allocation& a, std::span<const help_case> cases,
                                             const landscape& l, int indent = 1);

// --- a day's changes for warm re-allocation (docs/allocation.md, "A day's changes") ----------

struct allocation_changes;

/// Parses one line of a changes stream (JSON Lines: one object per line) for keten::allocator:
/// {"close": ["case id", …], "arrive": [case, …], "free_units": {"offering id": units, …}}, every
/// field optional; cases as in a keten.cases document, validated against `l`. Errors name
/// `source`, `line`, the JSON pointer, the field and the id.
[[nodiscard]] allocation_changes parse_allocation_changes(std::string_view line_text,
                                                          const landscape& l,
                                                          std::string_view source = "<string>",
                                                          std::size_t line = 1);

/// One line of JSON that reports a re-solve (batch 0: the first solve): its totals and every need
/// whose offering changed (case id, need index and category, offering before and after, null for
/// none). Of a case only its opaque id is written. Throws validation_error if `a` does not fit the
/// cases.
[[nodiscard]] std::string allocation_changes_to_json(const allocation& a,
                                                     std::span<const help_case> cases,
                                                     const landscape& l, std::size_t batch);

// --- local chains and cooperation scans (docs/cooperation.md) --------------------------------

/// The identifiers of the documents below.
inline constexpr std::string_view scan_format = "keten.scan";
inline constexpr std::string_view cooperation_format = "keten.cooperation";
inline constexpr std::string_view chains_format = "keten.chains";

/// Parses a scan as CSV, one row per answer, with the header columns chain, date, partner,
/// respondent, statement and value in any order (no other column: a name has no place in it),
/// against the landscape's chains and partners and the questionnaire. Nothing half-imported: the
/// scan is returned only if every row is good. Throws parse_error (CSV syntax, a missing or
/// unknown column, a date or value that is not one) or validation_error (an unknown chain,
/// partner or statement, a value out of 1–5, a partner that is not in the chain, a respondent
/// code that could be a name, an answer given twice), naming the source, the line and the column.
/// O(size of text).
[[nodiscard]] cooperation_scan parse_scan_csv(
    std::string_view text, const landscape& l, std::string_view source_name = "<string>",
    const questionnaire& statements = questionnaire::standard());

/// Parses a keten.scan JSON document (docs/cooperation.md): {"format": "keten.scan", "version":
/// 1, "questionnaire": [statement, …] (optional; default the standard one), "scans": [{"chain",
/// "date", "responses": [{"partner", "respondent", "answers": {"statement id": value, …}}]}]}.
/// Errors name the source, the JSON pointer, the field and the chain id. O(size of text).
[[nodiscard]] cooperation_scan parse_scan_json(std::string_view text, const landscape& l,
                                               std::string_view source_name = "<string>");

/// Reads a scan file: JSON if its first non-blank character is '{', else CSV (with the standard
/// questionnaire). Throws io_error if it cannot be read, else as the parsers.
[[nodiscard]] cooperation_scan load_scan(const std::filesystem::path& path, const landscape& l);

/// The scan's answers as CSV (header chain,date,partner,respondent,statement,value), in order.
[[nodiscard]] std::string scan_to_csv(const cooperation_scan& scan);
/// The scan as a keten.scan document; the questionnaire is written unless it is the standard one.
[[nodiscard]] std::string scan_to_json(const cooperation_scan& scan, int indent = 1);

/// Writes the scan atomically (as save_landscape_json does): CSV if `path` ends in ".csv", else a
/// keten.scan document. Throws io_error.
void save_scan(const cooperation_scan& scan, const std::filesystem::path& path);

/// A cooperation report as a keten.cooperation document: per chain its scan day and baseline,
/// respondents, answering and silent partners, the weakest condition, and per condition the mean,
/// spread, sd, counts, the partner means and the trend; then the partner pairs' strengths. NaN is
/// written as null. Throws validation_error if the report does not fit the landscape.
[[nodiscard]] std::string to_json(const cooperation_report& r, const landscape& l, int indent = 1);

/// The landscape's local chains as a keten.chains document: per chain its id, name, form (with
/// labels), start date, municipalities (codes and names), partners (id, member, branch) and
/// initiators (a partner id or a role with labels). `municipalities`, if not empty, keeps the
/// chains that cover one of these codes (throws not_found_error for an unknown code).
[[nodiscard]] std::string chains_to_json(const landscape& l,
                                         std::span<const std::string> municipalities = {},
                                         int indent = 1);

// --- gaps (docs/gaps.md) ------------------------------------------------------------------------

struct gap_analysis;
struct team_plan;

/// The identifier of the document that gaps_to_json writes.
inline constexpr std::string_view gaps_format = "keten.gaps";

/// A gap analysis as a keten.gaps document: how it was made (reach, demand source, rounds of unmet
/// evidence), the totals per help form over `scope` (municipality indexes; empty = all), the
/// municipalities with all five, per municipality in scope its code, name, province, population
/// and per help form demand, capacity, shortfall, reach, offerings and unmet needs by reason, and
/// the team plans (sites with the municipalities they reach, coverage, shortfall before and
/// after). Throws validation_error if the analysis or a plan does not fit the landscape.
/// Writes write_chain_dot's graph of chain `k` (keten/analysis.hpp) to `path`, atomically as
/// save_landscape_json does. Throws not_found_error for a chain index outside the landscape and
/// io_error naming the path.
void save_chain_dot(const landscape& l, std::uint32_t k, const cooperation_report* cooperation,
                    const std::filesystem::path& path);

[[nodiscard]] std::string gaps_to_json(const gap_analysis& g, const landscape& l,
                                       std::span<const municipality_index> scope = {},
                                       std::span<const team_plan> plans = {}, int indent = 1);

}  // namespace keten
