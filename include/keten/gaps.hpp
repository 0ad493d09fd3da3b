// keten/gaps.hpp — where the chain is thin: demand against capacity per municipality and help
// form, how close help is, which help forms are missing where, and where a new local team would
// help most (docs/gaps.md).
//
// Everything here reads a landscape (and, when given, cases and their allocation); nothing changes
// it. The analysis is a municipalities × help forms table in geography order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/landscape.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

/// Expected yearly demand per 1,000 inhabitants, per help form (indexed by help_form).
struct demand_rates {
  std::array<double, help_form_count> per_1000{};

  /// The documented default (docs/data.md, "Demand rates"): each member's published yearly volume
  /// divided by the population of the municipalities where it has a branch — the uptake where the
  /// help exists, a lower bound of the need. money 0.98 (SchuldHulpMaatje, 11,300 households,
  /// 2024), neighbour 1.39 (HipHelpt, 10,000 people), work 0.39 (JobHulpMaatje, 2,450 places,
  /// assumption), group 1.13 (Stichting Present, 11,000 projects, 2019), youth 0.91 (TijdVoorActie,
  /// 3,750 units, assumption).
  [[nodiscard]] static demand_rates standard() noexcept;
};

/// How the gap analysis is done. The defaults are documented in docs/gaps.md.
struct gap_options {
  /// Demand from population × rates, unless `cases` is given.
  demand_rates rates = demand_rates::standard();
  /// If not empty: demand is the cases' needs per municipality and help form instead, scaled to a
  /// year by `cases_period_days` (the period the cases arrived in). A case counts in its
  /// municipality, else in the municipality whose point is nearest its own point; a case with
  /// only a PC4 is skipped (gap_analysis::cases_without_place: keten has no PC4 → municipality
  /// table). Needs of every case count, consent or not: a need is demand.
  std::span<const help_case> cases;
  double cases_period_days{365.0};  ///< > 0
  /// The distance D of the reach share: how much of a municipality's population lives within D
  /// km of an offering of a help form. 3 km is HipHelpt's figure (80 % of its help within 3 km).
  double reach_km{3.0};  ///< > 0
  /// The population model of the reach share: each municipality's inhabitants spread evenly over
  /// a disc of its land area around its point, sampled at this many points (Vogel's spiral).
  int population_samples{64};  ///< 1–4096
};

/// One municipality and help form.
struct gap_cell {
  double demand{};            ///< expected needs per year
  double capacity{};          ///< capacity units per year serving the municipality (analysis.hpp)
  double shortfall{};         ///< max(0, demand − capacity)
  double reach{};             ///< share of the population within reach_km of an offering, in [0, 1]
  std::uint32_t offerings{};  ///< offerings of the help form that serve the municipality
  /// Unmet needs of the help form's categories by unmet_reason, summed over the allocations given
  /// to add_unmet_evidence(), and in how many of them at least one need was unmet here.
  std::array<std::uint32_t, 5> unmet{};
  std::uint32_t rounds_unmet{};
};

/// The gap table: municipalities (geography order) × help forms.
struct gap_analysis {
  std::size_t municipalities{};
  std::vector<gap_cell> cells;  ///< row-major: cells[m * help_form_count + form]
  /// Per municipality, a bit per help form (1 << form) that has at least one offering serving it.
  std::vector<std::uint8_t> forms_present;
  bool demand_from_cases{};
  double reach_km{};
  std::size_t cases_without_place{};
  std::uint32_t rounds{};  ///< allocations given to add_unmet_evidence()

  [[nodiscard]] gap_cell& at(municipality_index m, help_form f) {
    return cells[m * help_form_count + static_cast<std::size_t>(f)];
  }
  [[nodiscard]] const gap_cell& at(municipality_index m, help_form f) const {
    return cells[m * help_form_count + static_cast<std::size_t>(f)];
  }
  [[nodiscard]] bool has(municipality_index m, help_form f) const {
    return (forms_present[m] >> static_cast<unsigned>(f)) & 1U;
  }
  /// The municipalities of `scope`, in its order, or every municipality (geography order) if it is
  /// empty: the rows a scoped table shows. O(rows).
  [[nodiscard]] std::vector<municipality_index> rows(
      std::span<const municipality_index> scope = {}) const {
    if (!scope.empty()) return {scope.begin(), scope.end()};
    std::vector<municipality_index> all(municipalities);
    for (municipality_index m = 0; m < municipalities; ++m)
      all[m] = m;
    return all;
  }
  /// Municipalities where every one of the five help forms has an offering serving it.
  [[nodiscard]] std::vector<municipality_index> with_all_forms() const;
  /// Municipalities where help form `f` has no offering serving it.
  [[nodiscard]] std::vector<municipality_index> missing(help_form f) const;
};

/// Totals of a gap analysis over a set of municipalities (a scope).
struct gap_totals {
  std::size_t municipalities{};
  double population{};
  std::size_t with_all_forms{};  ///< municipalities in scope with all five help forms
  std::array<double, help_form_count> demand{};
  std::array<double, help_form_count> capacity{};
  std::array<double, help_form_count> shortfall{};  ///< Σ of the municipalities' shortfalls
  /// Share of the scope's population within reach_km of the help form (population-weighted).
  std::array<double, help_form_count> reach{};
  std::array<std::size_t, help_form_count> missing{};  ///< municipalities without the help form
  std::array<std::uint32_t, help_form_count> unmet{};  ///< unmet needs, every reason
};

/// The totals over `scope` (municipality indexes; empty = all). Throws validation_error for an
/// index outside the analysis. O(scope).
[[nodiscard]] gap_totals total_gaps(const gap_analysis& gaps, const geography& places,
                                    std::span<const municipality_index> scope = {});

/// The municipalities named by CBS code or lying in one of the provinces (by name, as in the
/// geography), ascending and without repeats; both empty = none. Throws not_found_error naming
/// an unknown code or province. O(municipalities).
[[nodiscard]] std::vector<municipality_index> select_municipalities(
    const geography& places, std::span<const std::string> codes,
    std::span<const std::string> provinces);

/// The gap analysis of a landscape. Throws validation_error for options out of range or an
/// invalid case. Cost: O(offerings × municipalities served) for capacity, O(cases) for demand
/// from cases, O(municipalities × samples × offering points near each sample) for the reach.
[[nodiscard]] gap_analysis analyse_gaps(const landscape& l, const gap_options& options = {});

/// Adds the unmet needs of one allocation of `cases` (allocate() or allocator::solve() on them)
/// to the cells of their municipality and help form: needs left unmet again and again are
/// evidence of a gap. Throws validation_error if the allocation refers to needs `cases` does not
/// have. O(unmet needs).
void add_unmet_evidence(gap_analysis& gaps, const landscape& l, std::span<const help_case> cases,
                        const allocation& result);

/// The share of the population of each municipality that lives within `km` of one of `points`,
/// under the disc model of gap_options::population_samples. Exposed for tests and benchmarks;
/// analyse_gaps uses it per help form. O(municipalities × samples × points near a sample).
[[nodiscard]] std::vector<double> reach_shares(const geography& places,
                                               std::span<const geo_point> points, double km,
                                               int samples = 64);

/// Where a municipality's inhabitants are taken to live, in the model of the reach share: `samples`
/// points spread evenly (Vogel's spiral) over a disc of the municipality's land area around its
/// point; all at the point if the area is 0. Throws validation_error unless 1 ≤ samples ≤ 4096.
/// O(samples).
[[nodiscard]] std::vector<geo_point> population_points(const municipality& m, int samples = 64);

/// Where the offerings of help form `f` are: each offering's circle centre, or else its partner's
/// home municipality point; without repeats, sorted.
[[nodiscard]] std::vector<geo_point> offering_points(const landscape& l, help_form f);

/// Where new local teams of one help form would help most: weighted maximum coverage by the
/// greedy rule. A team in municipality s reaches every municipality whose point lies within
/// `team_radius_km` of s's point (s itself always); the weight of a municipality is its shortfall.
struct team_plan_options {
  help_form form{help_form::money};
  std::size_t teams{3};         ///< k, the number of new teams
  double team_radius_km{10.0};  ///< > 0
  /// Units per year of one new team; 0 = the median yearly capacity of the help form's existing
  /// partners (their offerings of the form together), or 1 if it has none.
  double team_capacity{0.0};
  /// The municipalities that may get a team and whose shortfall counts; empty = all.
  std::vector<municipality_index> scope;
};

struct team_plan {
  help_form form{};
  std::vector<municipality_index> sites;  ///< in the order the greedy rule chose them
  std::vector<double> gains;              ///< per site: shortfall newly reached when chosen
  std::vector<std::vector<municipality_index>> reached;  ///< per site: municipalities reached
  double covered{};           ///< Σ shortfall of the municipalities reached by any site
  double team_capacity{};     ///< units per year of each new team
  double shortfall_before{};  ///< Σ shortfall in scope
  /// Σ shortfall in scope after the teams are added, each team's capacity filling the shortfall of
  /// the municipalities it reaches, its own first, then by distance.
  double shortfall_after{};
};

/// The greedy rule for weighted maximum coverage (lazy evaluation of the marginal gains): each
/// step takes the site that reaches the most shortfall not yet reached, ties to the lower
/// municipality index; it stops before k sites when no site reaches any shortfall not yet reached.
/// Its coverage is at least (1 − 1/e) ≈ 0.632 of the best k sites' (Nemhauser, Wolsey & Fisher
/// 1978): coverage is monotone and submodular. Throws validation_error for k = 0, a radius or
/// capacity out of range, or a scope index outside the geography. O(n log n + n · b + k · n · r)
/// for n municipalities in scope, b of them within the radius's band of latitude and r reached
/// per site.
[[nodiscard]] team_plan plan_new_teams(const gap_analysis& gaps, const landscape& l,
                                       const team_plan_options& options);

/// The coverage (Σ shortfall of the municipalities reached) of a given set of sites under the
/// same rules; the objective plan_new_teams maximises. For tests and for comparing plans.
[[nodiscard]] double team_coverage(const gap_analysis& gaps, const landscape& l,
                                   const team_plan_options& options,
                                   std::span<const municipality_index> sites);

}  // namespace keten
