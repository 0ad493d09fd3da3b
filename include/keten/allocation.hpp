// keten/allocation.hpp — all open needs of a region assigned at once, optimally, under capacity.
//
// allocate() gives each need of each case at most one offering so that no offering is used beyond
// its free units, maximising
//
//   Σ assigned needs n → o   priority(n) + fit(n, o)
//
//   priority(n) = cover · weight(n) · urgency(n) + waiting_day · days the case has waited
//   fit(n, o)   = −distance · min(d(o, c), distance_scale_km) / distance_scale_km
//                 −wait · min(intake_wait(o), wait_scale_days) / wait_scale_days
//
// with the weights and the distance d of single-case matching (docs/matching.md); a unit of
// capacity is one need's trajectory. Hard constraints are those of matching (area, eligibility,
// excluded partners, consent). With the default weights a need's priority (≥ 25 points) outweighs
// any difference of fit (≤ 30 points) only for weight·urgency ≥ 0.55, so the objective is a
// weighted sum, not strictly lexicographic: docs/allocation.md shows the consequences.
//
// Fairness between municipalities (optional): the k-th tenth of a municipality's needs left unmet
// costs k · fairness points each, so shortage is spread in proportion over municipalities instead
// of falling on one. The penalty is convex, so the problem stays a min-cost flow.
//
// Exactness: the need-level problem is a transportation problem solved exactly with the network
// simplex of keten/flow.hpp. Needs that are interchangeable (same municipality when fairness is
// on, same candidates with the same priority and fit) are one node with a supply, which shrinks the
// graph without changing the optimum; build_allocation_network(…, grouped = false) gives the plain
// one-node-per-need graph the tests and benchmarks hand to LEMON.
//
// Complementarity between the offerings of one case is not a flow term, nor is the collaboration
// of its partners (policy.collaboration: the cooperation strengths of keten/cooperation.hpp); with
// improve_complementarity on, a local search moves single needs to other candidates with spare
// units when the case's gain in complementarity and collaboration is larger than the fit lost
// (docs/allocation.md reports its gap to an exact optimum on small instances).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "keten/case.hpp"
#include "keten/flow.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"

namespace keten {

struct allocation_policy {
  /// cover, distance, distance_scale_km, wait, wait_scale_days, complementarity and collaboration
  /// are used.
  match_weights weights{};
  /// Cooperation strengths of partner pairs (assess_cooperation's report.strengths): with them,
  /// the improvement step also counts weights.collaboration · strength(p, q) per pair of distinct
  /// partners among a case's offerings, as match() does, so that a warm handover between partners
  /// who cooperate well scores higher. Not owned; must outlive the call (the allocator); may be
  /// null.
  const collaboration_strengths* collaboration{nullptr};
  double waiting_day{1.0};  ///< priority points per day the case has waited
  /// Points per unmet need for each tenth of its municipality's needs already unmet; 0 = off.
  double fairness{0.0};
  bool improve_complementarity{true};
  /// Called now and then with the phase ("candidates", "solving", "improving"), the work done and
  /// the work in all; may be empty. For progress bars on long runs.
  std::function<void(std::string_view phase, std::size_t done, std::size_t total)> progress;
};

/// Why a need got no offering.
enum class unmet_reason : std::uint8_t {
  no_consent = 0,          ///< the case has not consented to sharing its needs
  out_of_area = 1,         ///< no offering of the category serves the case's location
  excluded = 2,            ///< every offering in reach belongs to an excluded partner
  not_eligible = 3,        ///< the case is not eligible for any offering in reach
  capacity_exhausted = 4,  ///< candidates exist, their free units went to needs with priority
};
[[nodiscard]] std::string_view to_string(unmet_reason r) noexcept;

/// A need of one of the cases: cases[case_index].needs[need_index].
struct need_ref {
  std::uint32_t case_index{};
  std::uint32_t need_index{};
  friend bool operator==(const need_ref&, const need_ref&) = default;
  friend auto operator<=>(const need_ref&, const need_ref&) = default;
};

struct assigned_need {
  need_ref need;
  offering_index offering{};
  score_t priority{};  ///< cover plus waiting, in score units
  score_t fit{};       ///< distance and wait terms (≤ 0)
};

struct unmet_need {
  need_ref need;
  unmet_reason reason{};
  score_t priority{};
  /// For capacity_exhausted: the candidate the need would get first when a unit frees up (its best
  /// fit), and its 1-based place in that offering's queue.
  std::optional<offering_index> waiting_for;
  std::size_t queue_position{};
};

/// A need whose offering differs from the previous solve's (allocator::solve()).
struct need_change {
  need_ref need;
  std::optional<offering_index> before;  ///< none: it waited, had a final reason, or is new
  std::optional<offering_index> after;   ///< none: it waits now, or its case was removed
  friend bool operator==(const need_change&, const need_change&) = default;
};

struct allocation {
  std::vector<assigned_need> assigned;  ///< by case, then need
  /// The waitlist: capacity_exhausted needs by priority (highest first; ties in case order), then
  /// the needs nothing can cover, in case order.
  std::vector<unmet_need> unmet;
  std::vector<std::int32_t> used_units;  ///< per offering of the landscape
  score_t flow_objective{};              ///< Σ priority + fit of the optimal flow
  score_t complementarity{};             ///< of the result: Σ over cases, pairs of needs
  score_t collaboration{};               ///< of the result: Σ over cases, pairs of partners
  score_t objective{};                   ///< the total: Σ priority + fit + compl. + collab.
  score_t fairness_penalty{};            ///< included in flow_objective (≤ 0)
  std::size_t groups{};                  ///< supply nodes of the flow (interchangeable needs)
  std::size_t arcs{};                    ///< arcs of the flow network
  std::int64_t pivots{};                 ///< network simplex pivots (a solve from scratch)
  std::int64_t parts{};                  ///< independent parts solved one by one (from scratch)
  bool warm{};                           ///< the previous optimum was repaired (allocator)
  std::int64_t paths{};                  ///< shortest augmenting paths of the repair
  std::size_t moves{};                   ///< needs moved by the improvement step
  /// allocator::solve() only: the needs whose offering differs from the previous solve's, in
  /// case order (removed cases included: their needs lose their offering). The first solve lists
  /// every assigned need. Empty from allocate().
  std::vector<need_change> changes;
};

/// The flow network of an allocation and how to read a flow of it back.
struct allocation_network {
  flow::flow_network network;
  /// Supply nodes: the needs they stand for (one per node when not grouped).
  std::vector<std::vector<need_ref>> group_needs;
  /// Arcs from supply nodes to offerings: per arc its supply node, offering, priority and fit.
  struct option {
    int arc;
    std::uint32_t group;
    offering_index offering;
    score_t priority;
    score_t fit;
  };
  std::vector<option> options;
  int sink{};
};

/// The min-cost-flow network of the allocation (cost = −objective). Grouped: one node per class
/// of interchangeable needs; plain: one node per need. O(Σ candidates) plus hashing.
[[nodiscard]] allocation_network build_allocation_network(const landscape& l,
                                                          std::span<const help_case> cases,
                                                          const allocation_policy& policy = {},
                                                          std::span<const int> days_waiting = {},
                                                          bool grouped = true);

/// The optimal allocation. `days_waiting`, if not empty, has one entry (≥ 0) per case. Throws
/// validation_error for an invalid case, duplicate case ids, or a bad policy. Cost: building the
/// network O(Σ candidates) plus the network simplex on it.
[[nodiscard]] allocation allocate(const landscape& l, std::span<const help_case> cases,
                                  const allocation_policy& policy = {},
                                  std::span<const int> days_waiting = {});

/// A batch of a day's changes for keten::allocator::apply (one line of a changes stream:
/// parse_allocation_changes in keten/io.hpp).
struct allocation_changes {
  std::vector<std::string> close;  ///< ids of cases that close (helped elsewhere, withdrawn)
  std::vector<help_case> arrive;   ///< cases that arrive (0 days waiting)
  std::vector<std::pair<offering_index, std::int32_t>> free_units;  ///< offerings' new free units
};

/// Allocation that follows a day's changes: cases arrive and close, capacities change, and each
/// solve() repairs the previous optimum instead of starting over (warm re-allocation).
///
/// The first solve() is allocate() on the cases added so far. Later ones reuse what did not change:
/// the candidates of the cases already present (a new case costs its own candidate search) and
/// the optimal flow with its dual, which keten::flow::dynamic_min_cost_flow repairs by shortest
/// augmenting paths from the nodes a change touched. The flow optimum (flow_objective) equals that
/// of allocate() on the same cases and capacities; which of several optimal assignments is
/// returned, and so the improvement step's result, can differ. Days waiting and the policy are
/// fixed per allocator: a new day (every priority changes) is a new allocator.
///
/// need_ref::case_index in the results refers to cases(): every case ever added, in order,
/// removed ones included (they appear only in allocation::changes, when they lose an offering). The
/// landscape must outlive the allocator; its free units are read when an offering is first needed,
/// unless set_free_units() said otherwise.
class allocator {
 public:
  explicit allocator(const landscape& l, allocation_policy policy = {});
  ~allocator();
  allocator(allocator&&) noexcept;
  allocator& operator=(allocator&&) noexcept;
  allocator(const allocator&) = delete;
  allocator& operator=(const allocator&) = delete;

  /// Adds waiting cases (`days_waiting`, if not empty, one entry ≥ 0 per case). Throws
  /// validation_error for an invalid case, an id that is already present (or twice in `cases`),
  /// or bad days; then none of the cases is added.
  void add_cases(std::span<const help_case> cases, std::span<const int> days_waiting = {});
  /// Removes the case with this id (helped elsewhere, closed, withdrawn). Throws not_found_error
  /// if no such case is present.
  void remove_case(std::string_view id);
  /// Sets an offering's free units (≥ 0; volunteers joined or left). Throws validation_error for
  /// an unknown offering or a negative number.
  void set_free_units(offering_index o, std::int32_t units);
  /// Applies a batch: closes its cases, then adds its arrivals, then sets its free units. All or
  /// nothing: throws before changing anything when a closing id is not present or listed twice,
  /// an arriving case is invalid or has an id that is present (and not closing in this batch)
  /// or listed twice, or a free-units entry names no offering or is negative.
  void apply(const allocation_changes& batch);

  /// The optimal allocation of the cases present, under the current free units. The allocator
  /// keeps it and updates it where a change reached: the reference stays valid, and the result
  /// unchanged, until the next add_cases(), remove_case(), set_free_units() or solve() (copy it
  /// to keep it longer).
  [[nodiscard]] const allocation& solve();

  [[nodiscard]] std::span<const help_case> cases() const;
  [[nodiscard]] bool contains(std::string_view id) const;
  [[nodiscard]] std::size_t size() const;  ///< cases present
  [[nodiscard]] const allocation_policy& policy() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace keten
