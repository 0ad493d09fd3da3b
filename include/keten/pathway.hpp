// keten/pathway.hpp — the order in which a bundle's partners help, and the handovers between them.
//
// A pathway turns a set of chosen offerings into steps: each step is one offering with the needs it
// covers. Steps are put in stages by the precedence between their need categories (crisis money
// help before job coaching, ...): a step waits for every step whose categories must come before its
// own; steps in the same stage may run in parallel. Between steps of different partners the pathway
// names the warm handover ("warme overdracht"): who brings whom in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "keten/case.hpp"
#include "keten/landscape.hpp"

namespace keten {

/// One step: an offering and the needs (indexes into help_case::needs) it covers.
struct pathway_step {
  offering_index offering{};
  partner_index partner{};
  std::vector<std::size_t> needs;
  std::size_t stage{};  ///< 0-based; steps of one stage may run in parallel
  friend bool operator==(const pathway_step&, const pathway_step&) = default;
};

/// A warm handover from the partner of one step to the partner of a later (or parallel) step.
struct handover {
  std::size_t from_step{};
  std::size_t to_step{};
  bool because_of_precedence{};  ///< true: `to` must wait for `from`; false: `from` leads the case
  friend bool operator==(const handover&, const handover&) = default;
};

struct pathway {
  std::vector<pathway_step> steps;  ///< ordered by stage, then highest urgency, then offering id
  std::vector<handover> handovers;
  [[nodiscard]] std::size_t stage_count() const noexcept {
    return steps.empty() ? 0 : steps.back().stage + 1;
  }
  friend bool operator==(const pathway&, const pathway&) = default;
};

/// Builds the pathway of an assignment: `assigned[i]` is the offering chosen for need i of `c`, or
/// nullopt if the need is not covered. Step s comes before step t when a category of s's needs
/// precedes (transitively) a category of t's needs and not the other way round; steps that would
/// have to come before each other (possible when one offering covers several needs) share a stage
/// (strongly connected components, Boost.Graph). Steps are ordered by stage, then by their most
/// urgent need, then by offering id; the first step leads the case. Each later step of another
/// partner receives one handover: from a step it must wait for (the latest stage, then the first in
/// order) or else from the lead — unless its partner already has an earlier step (it is on the
/// case already). Preconditions: assigned.size() == c.needs.size(); every offering
/// is an index of `l`. O(n²) for n needs.
[[nodiscard]] pathway build_pathway(const landscape& l, const help_case& c,
                                    std::span<const std::optional<offering_index>> assigned);

}  // namespace keten
