// keten/analysis.hpp — what a landscape holds, in numbers a coordinator can read.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "keten/landscape.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

/// The headline figures of a landscape.
struct landscape_summary {
  std::string name;
  std::size_t partners{};
  std::size_t offerings{};
  std::size_t categories{};
  std::size_t member_organisations{};   ///< distinct national members
  std::size_t municipalities_served{};  ///< municipalities with at least one offering serving them
  std::size_t municipalities_with_all_forms{};  ///< ... with every one of the five help forms
  std::size_t complementarities{};
  std::size_t precedences{};
  /// Per help form (indexed by help_form): offerings, capacity units per year and free units now.
  /// An offering that covers several help forms counts in each, its units split evenly over them.
  std::array<std::size_t, help_form_count> offerings_per_form{};
  std::array<double, help_form_count> units_per_year_per_form{};
  std::array<double, help_form_count> free_units_per_form{};
};

/// Capacity units per year that serve each municipality, per help form: a municipalities × 5
/// matrix (rows in geography order). An offering that serves several municipalities has its
/// capacity spread over them in proportion to population, so that rows add up to the national
/// total. An offering that covers several help forms has its units split evenly over them. An
/// offering that serves no municipality as a whole (PC4 areas only) counts in its partner's home
/// municipality. O(offerings × municipalities served + municipalities × categories).
[[nodiscard]] Eigen::MatrixXd capacity_by_municipality(const landscape& l);

/// Computes the summary. O(offerings × municipalities served).
[[nodiscard]] landscape_summary summarize(const landscape& l);

/// A readable multi-line text of the summary (English, with Dutch help-form names).
[[nodiscard]] std::string to_text(const landscape_summary& s);

}  // namespace keten
