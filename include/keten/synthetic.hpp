// keten/synthetic.hpp — reproducible synthetic data: the embedded national landscape and cases.
//
// The default national landscape in data/national_landscape.json is the output of
// generate_national_landscape(geography::netherlands(), default_seed), written by
// `keten generate landscape`; a test checks that the committed file equals the generator's output.
// The generators use their own integer arithmetic over a fixed PRNG (not <random>'s distributions,
// whose results differ between standard libraries), so a seed gives the same data everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "keten/case.hpp"
#include "keten/cooperation.hpp"
#include "keten/geography.hpp"
#include "keten/landscape.hpp"

namespace keten {

inline constexpr std::uint64_t default_seed = 2022;  // the year the Keten van Hoop was signed

/// The chain as a whole is present in more than 200 municipalities (DOMAIN, docs/data.md). Over the
/// 342 municipalities of geography::netherlands(), generate_national_landscape() gives branches a
/// home in at least this many distinct municipalities, for every seed; over a geography of n
/// municipalities, in at least ⌈200 · n / 342⌉ of them.
inline constexpr std::size_t chain_minimum_municipalities = 200;

/// The complementarities between the standard need categories (taxonomy::standard()) that keten
/// uses by default, e.g. money.debts ↔ work.job_search: which help strengthens which. Weights lie
/// in (0, 1]; no pair is listed twice. The same list for every call. O(1).
[[nodiscard]] std::span<const complementarity> standard_complementarities();

/// The precedences between the standard need categories, e.g. money.crisis before money.debts:
/// crisis help before long-term coaching, clearing a home before painting it. Acyclic. O(1).
[[nodiscard]] std::span<const precedence> standard_precedences();

/// Adds standard_complementarities() and standard_precedences() to the builder, so that every
/// landscape (the generated one, hand-written examples) relates the categories the same way.
/// Precondition: the builder holds the standard categories (every builder starts with them).
/// Throws validation_error (duplicate_id) if one of the relations was already added; the relations
/// added before the failing one stay added. O(relations²).
void add_standard_relations(landscape_builder& builder);

/// A national landscape of the Keten van Hoop: the five members present in a realistic share of
/// the municipalities (the chain as a whole in 200+, see chain_minimum_municipalities), local
/// chains where several members are at home (docs/data.md, "Local chains"), capacities
/// in proportion to population and to the members' published figures (docs/data.md), the standard
/// relations, realistic eligibility. Partners are "<prefix>-<code>" (shm, hip, jhm, present, tva
/// and the lower-case CBS code, e.g. "shm-gm0363"); offerings "<partner id>-<name>". The same seed
/// and geography give the same landscape on every platform: only integer arithmetic and a fixed
/// PRNG decide, coordinates are rounded to 4 decimals and radii to 1. Over a geography with other
/// than 342 municipalities the branch counts scale with its size. Throws validation_error if
/// `places` is null. O(municipalities × members + branches × municipalities).
[[nodiscard]] landscape generate_national_landscape(std::shared_ptr<const geography> places,
                                                    std::uint64_t seed = default_seed);

struct case_generation {
  std::size_t count{100};
  std::uint64_t seed{default_seed};
  /// Municipality codes to draw from, in proportion to population; empty = all of the geography.
  std::vector<std::string> municipalities;
  std::string id_prefix{"case-"};
};

/// Synthetic cases: 1–6 needs (most 1–3) over the help forms in the proportions of docs/data.md,
/// later needs mostly complementary to earlier ones, urgency, location (always a municipality,
/// sometimes a PC4 and a point within 3 km of the municipality's point), a profile (decade age
/// band, household type, languages, referrer), consent, rarely an excluded partner. Ids are
/// `id_prefix` followed by the 1-based number zero-padded to at least 6 digits. Every case passes
/// validate(c, context.categories(), context.places()). Deterministic for a seed on every
/// platform. Throws not_found_error for a code in `options.municipalities` that the landscape's
/// geography does not know, and validation_error if there is no municipality to draw from (an
/// empty geography) while count > 0. O(municipalities + partners × their municipalities + count ×
/// needs).
[[nodiscard]] std::vector<help_case> generate_cases(const landscape& context,
                                                    const case_generation& options);

struct scan_generation {
  std::uint64_t seed{default_seed};
  /// Each chain's first scan falls within 45 days of this day (and at least 60 days after the
  /// chain started); the second 300–430 days after the first.
  date first{std::chrono::year{2024}, std::chrono::October, std::chrono::day{1}};
  /// Only these chains (ids); empty = every chain. Throws not_found_error for an unknown id.
  std::vector<std::string> chains;
};

/// Synthetic cooperation scans with the standard questionnaire: two scans of every chain, in each
/// 85 % of its partners answering with 1–3 respondents ("r01", "r02", … numbered per scan), every
/// respondent rating every statement. Answers come from a latent level per chain and condition
/// (2.4–4.4), a change per chain and condition from the first scan to the second (−0.6 … +0.8), an
/// offset per partner and condition (±0.7), per respondent and per answer noise, rounded and held
/// to 1–5, reversed for reversed statements (docs/data.md, "Cooperation scans"). Every answer
/// passes cooperation_scan::add on `l`. Deterministic for a seed on every platform. O(Σ chain
/// partners × statements).
[[nodiscard]] std::vector<scan_answer> generate_scans(const landscape& l,
                                                      const scan_generation& options = {});

}  // namespace keten
