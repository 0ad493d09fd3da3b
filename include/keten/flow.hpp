// keten/flow.hpp — minimum-cost flow: the solver core under allocate(), as header templates generic
// over the integer types of flows and costs; the library compiles the 64-bit ones (flow_network…).
//
// A `basic_flow_network<Flow, Cost>` is a directed graph with integer supplies on its nodes and, on
// its arcs, an integer lower bound, capacity and cost (lower bounds and negative costs allowed). A
// flow is feasible when every arc carries between its bounds and every node sends out its supply
// (inflow − outflow = −supply); `basic_network_simplex` finds a feasible flow of minimum total
// cost, or proves that none exists, in exact integer arithmetic.
//
// The algorithm is the primal network simplex method on a strongly feasible spanning tree (Ahuja,
// Magnanti & Orlin, Network Flows, ch. 11; Cunningham's anti-cycling leaving-arc rule) with block
// search pricing (the entering arc is the most negative reduced cost in a block of about √m arcs,
// blocks visited round-robin). The tree is stored as parent/pred arrays, a preorder thread, subtree
// sizes and last descendants; a pivot finds the join and the leaving arc in one walk up the cycle,
// relinks the thread in O(length of the cycle) and updates the potentials of the smaller of the two
// parts the cycle splits the tree into (the subtree that moves, or the rest of the tree: only
// differences of potentials matter), O(min(subtree, n − subtree)). Costs grow roughly like O(√m)
// pricing work per pivot and a number of pivots that is in practice a small multiple of n.
//
// solve_min_cost_flow() is the entry point: it hands assignment instances (unit sources and unit
// sinks, arcs only from sources to sinks; is_assignment_instance) to a dedicated shortest
// augmenting path solver in the manner of Jonker & Volgenant, several times faster there, and
// everything else to the network simplex; flow_solution::method says which one ran.
//
// Types and numeric ranges. `Flow` (supplies, bounds, flows) and `Cost` (costs, potentials) are
// signed integers of 32 or 64 bits (flow_integer), chosen independently: 32-bit costs halve the
// memory of the cost and potential arrays (and of the assignment solver's cost matrix). For a type
// of b bits (largest value 2^(b−1) − 1), checked, and refused with a validation_error (never
// wrapped):
//   - every input number (supply, bound, capacity, cost) is within ±max_abs_input<T>: 2^40 for
//     64-bit types, 2^28 for 32-bit ones (validate());
//   - (max |cost| + 1) · (nodes + 1) ≤ (2^(b−1) − 1) / 8 of the cost type, below 2^60 for 64 bits
//     and 2^28 for 32 (the network simplex's constructor; is_assignment_instance() is false
//     beyond it): the artificial cost and every potential, reduced cost and distance then stay
//     inside the type;
//   - Σ |supply after the lower bounds are moved into the supplies| + Σ (capacity − lower bound)
//     ≤ 2^(b−4) of the flow type, 2^60 for 64 bits and 2^28 for 32 (the constructor): the flow on
//     any arc of a spanning tree solution, the network simplex's artificial arcs included, is at
//     most that sum;
//   - the cost of the lower bounds is within ±2^60, and totals (the cost of a flow) are summed in
//     128 bits and must fit in 64 (total_t = std::int64_t, whatever Cost is).
// Node and arc indices are `int`. docs/flow.md has a table of the ranges and an example.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "keten/error.hpp"

namespace keten::flow {

/// The integer types the solvers are written for: signed, 32 or 64 bits.
template <class T>
concept flow_integer = std::signed_integral<T> &&(sizeof(T) == 4 || sizeof(T) == 8);

/// The largest magnitude accepted for one input number (supply, bound, capacity, cost) of type T:
/// 2^40 for 64-bit types, 2^28 for 32-bit ones (see the top of this header).
template <flow_integer T>
inline constexpr T max_abs_input = T{1} << (sizeof(T) == 8 ? 40 : 28);

using value_t = std::int64_t;  ///< supplies, bounds and flows of the compiled solvers
using cost_t = std::int64_t;   ///< costs and potentials of the compiled solvers
using total_t = std::int64_t;  ///< total costs, whatever the cost type

/// The largest magnitude accepted for a supply, bound or cost of the compiled solvers. Together
/// with the limit on (max |cost| + 1) · (nodes + 1) checked by the solver this keeps every
/// intermediate value of the algorithm inside 64 bits.
inline constexpr value_t max_abs_value = max_abs_input<value_t>;
inline constexpr cost_t max_abs_cost = max_abs_input<cost_t>;

/// A min-cost-flow instance. Nodes and arcs are numbered from 0 in the order they were added.
template <flow_integer Flow = value_t, flow_integer Cost = cost_t>
struct basic_flow_network {
  using flow_type = Flow;
  using cost_type = Cost;

  std::vector<Flow> supply;  ///< per node: > 0 sends out, < 0 takes in
  std::vector<int> source;   ///< per arc
  std::vector<int> target;   ///< per arc
  std::vector<Flow> lower;   ///< per arc
  std::vector<Flow> upper;   ///< per arc: the capacity
  std::vector<Cost> cost;    ///< per arc, per unit of flow

  int add_node(Flow node_supply = 0) {
    supply.push_back(node_supply);
    return static_cast<int>(supply.size()) - 1;
  }
  int add_arc(int from, int to, Flow low, Flow capacity, Cost unit_cost) {
    source.push_back(from);
    target.push_back(to);
    lower.push_back(low);
    upper.push_back(capacity);
    cost.push_back(unit_cost);
    return static_cast<int>(source.size()) - 1;
  }
  [[nodiscard]] int node_count() const { return static_cast<int>(supply.size()); }
  [[nodiscard]] int arc_count() const { return static_cast<int>(source.size()); }
  void reserve(std::size_t nodes, std::size_t arcs) {
    supply.reserve(nodes);
    source.reserve(arcs);
    target.reserve(arcs);
    lower.reserve(arcs);
    upper.reserve(arcs);
    cost.reserve(arcs);
  }

  /// Throws validation_error if an arc names a node that does not exist, a bound is above its
  /// capacity, or a number is outside ±max_abs_input. Everything else (unbalanced supplies, no way
  /// to route them) is infeasibility, reported by the solver, not an error. O(n + m).
  void validate() const;
};

using flow_network = basic_flow_network<>;

enum class flow_status {
  optimal,     ///< a feasible flow of minimum cost was found
  infeasible,  ///< no flow satisfies the supplies and bounds
};

[[nodiscard]] constexpr const char* to_string(flow_status s) {
  return s == flow_status::optimal ? "optimal" : "infeasible";
}

/// The algorithm solve_min_cost_flow() chose.
enum class flow_method {
  network_simplex,  ///< basic_network_simplex, for every network that is not an assignment instance
  assignment,  ///< shortest augmenting paths, for assignment instances (is_assignment_instance)
};

[[nodiscard]] constexpr const char* to_string(flow_method m) {
  return m == flow_method::assignment ? "assignment" : "network_simplex";
}

/// Primal network simplex. Construct from a network (copied into the solver's own arrays: O(n + m)
/// memory, the network need not outlive the solver), run(), read the result. The constructor throws
/// validation_error for a network outside the ranges at the top of this header (it does not call
/// validate(): solve_min_cost_flow() does); an arc naming a node that does not exist is undefined
/// behaviour here.
template <flow_integer Flow = value_t, flow_integer Cost = cost_t>
class basic_network_simplex {
 public:
  using flow_type = Flow;
  using cost_type = Cost;

  explicit basic_network_simplex(const basic_flow_network<Flow, Cost>& g);

  /// Solves and returns the status. Call once.
  flow_status run();

  /// The minimum total cost, including the cost of the lower bounds. Valid after run() returned
  /// optimal. Throws validation_error if it does not fit in 64 bits.
  [[nodiscard]] total_t total_cost() const;
  /// The flow on arc `a` (between its lower bound and capacity). Valid after run() returned
  /// optimal.
  [[nodiscard]] Flow flow(int a) const {
    const int i = position_[a];
    return lower_.empty() ? flow_[i] : flow_[i] + lower_[i];
  }
  /// The node potentials of the optimal dual: for every arc with flow below its capacity
  /// cost + π(source) − π(target) ≥ 0, and ≤ 0 for every arc with flow above its lower bound.
  [[nodiscard]] Cost potential(int node) const { return pi_[node]; }
  /// The flow on every arc, in arc order.
  [[nodiscard]] std::vector<Flow> flows() const;

  [[nodiscard]] int node_count() const { return n_; }
  [[nodiscard]] int arc_count() const { return m_; }
  /// Pivots made by run() (for benchmarks and tests).
  [[nodiscard]] std::int64_t pivots() const { return pivots_; }

 private:
  enum : signed char { state_upper = -1, state_tree = 0, state_lower = 1 };
  static constexpr Flow infinite = std::numeric_limits<Flow>::max() / 4;

  void initial_tree();
  bool initial_pivots();
  bool pivot_on(int arc);
  bool find_entering();
  bool find_cycle();
  void change_flow();
  void update_tree();
  void normalize_potentials();

  int n_ = 0;  // real nodes; the root is n_
  int m_ = 0;  // real arcs; artificial arc of node u is m_ + u
  int root_ = 0;
  Cost art_cost_ = 0;
  bool shift_rest_ = false;  // update_tree may move the rest of the tree's potentials instead

  // Arcs (real then artificial), real ones at position_[input arc].
  std::vector<int> position_;
  std::vector<int> src_, tgt_;
  std::vector<Flow> lower_;  // empty when every lower bound is 0
  std::vector<Flow> cap_, flow_;
  std::vector<Cost> cost_;
  std::vector<signed char> state_;
  // Nodes (real then the root).
  std::vector<Flow> supply_;  // after the lower-bound shift
  std::vector<Cost> pi_;
  std::vector<int> parent_, pred_, thread_, rev_thread_;
  std::vector<int> succ_num_;     // nodes in the subtree
  std::vector<int> last_succ_;    // the subtree's last node in thread order
  std::vector<signed char> dir_;  // +1: pred arc points up (node → parent), −1: down

  // Pivot state.
  int block_size_ = 0;
  int next_arc_ = 0;
  int in_arc_ = -1;
  int join_ = -1;
  int u_in_ = -1, v_in_ = -1, u_out_ = -1;
  int first_ = -1, second_ = -1;
  int leaving_side_ = 0;  // 0: the entering arc itself, 1: first side, 2: second side
  Flow delta_ = 0;
  std::int64_t pivots_ = 0;
  bool feasible_input_ = true;
  total_t lower_bound_cost_ = 0;

  // Scratch for update_tree.
  std::vector<int> path_;
  std::vector<std::pair<int, int>> segments_;
};

using network_simplex = basic_network_simplex<>;

/// The outcome of solve_min_cost_flow().
template <flow_integer Flow = value_t, flow_integer Cost = cost_t>
struct basic_flow_solution {
  flow_status status = flow_status::infeasible;
  total_t cost = 0;                                   ///< minimum total cost (if optimal)
  std::vector<Flow> flow;                             ///< per arc (if optimal)
  std::vector<Cost> potential;                        ///< per node, an optimal dual (if optimal)
  flow_method method = flow_method::network_simplex;  ///< which algorithm solved it
};

using flow_solution = basic_flow_solution<>;

/// True when `g` is an assignment instance: at least two nodes, every node's supply +1 or −1 (as
/// many of each), and every arc from a +1 node to a −1 node with lower bound 0 and capacity at
/// least 1. Parallel arcs, missing pairs (a sparse bipartite graph) and negative costs are allowed.
/// True implies that g.validate() passes; false for networks beyond the network simplex's size
/// limit (which it then refuses). O(n + m), and O(1) at the first node whose supply is not ±1.
template <flow_integer Flow, flow_integer Cost>
[[nodiscard]] bool is_assignment_instance(const basic_flow_network<Flow, Cost>& g);

/// Validates the network and solves it: an assignment instance (is_assignment_instance) by
/// shortest augmenting paths in the manner of Jonker & Volgenant — column reduction, reduction
/// transfer and augmenting row reduction for a start, then per unmatched source a Dijkstra in the
/// reduced costs to the nearest unmatched sink (a k × k cost matrix and O(k²) per path when at
/// least half of the source × sink pairs have an arc, else arcs per source and a binary heap,
/// O(m log m) per path; at most k = n / 2 paths, O(k³) resp. O(k · m log m) in the worst case); no
/// perfect matching is infeasible, and of parallel arcs only a cheapest one carries flow. Every
/// other network by basic_network_simplex. Either way the result is exact, with an optimal dual in
/// the sense of basic_network_simplex::potential; `method` says which solver ran. Throws
/// validation_error for an invalid network or one outside the ranges at the top of this header.
template <flow_integer Flow, flow_integer Cost>
[[nodiscard]] basic_flow_solution<Flow, Cost> solve_min_cost_flow(
    const basic_flow_network<Flow, Cost>& g);

/// A min-cost flow kept optimal while its network changes: the warm start under re-allocation.
///
/// The first solve() runs the network simplex from scratch and keeps the optimal flow and its dual
/// (node potentials). When one node has no outgoing arcs (the sink of an allocation), no flow
/// passes through it, and the parts of the network it joins are solved one by one, each sending
/// its net supply into a copy of that node: many small simplexes instead of one large one, O(n + m)
/// to find the parts (union-find). Afterwards nodes and arcs can be added and supplies and
/// capacities changed; the next solve() repairs the previous optimum instead of starting over. A
/// change breaks the optimality conditions only where it happens: an arc whose reduced cost has the
/// wrong sign is saturated or emptied, which leaves some nodes with surplus or shortage; successive
/// shortest paths (Dijkstra on the non-negative reduced costs of the residual network, from each
/// such node to the nearest node of the opposite sign, forwards or backwards) route it, updating
/// the potentials of the nodes they settled so that reduced costs stay non-negative. The result is
/// an optimum of the changed network, certified by the same conditions as the network simplex's
/// (check_optimality). Cost: per path, the nodes nearer than the nearest opposite node (a local
/// neighbourhood when the change is local) times their degree and log n; nothing is O(n + m) apart
/// from reading the flow. Lower bounds are 0; supplies need not be balanced until solve().
///
/// Ranges: those at the top of this header; every cold solve checks them, and supplies,
/// capacities and costs are checked as they are set. A repair whose potentials or distances would
/// pass 2^(b−3) of the cost type (2^61 for 64 bits, 2^29 for 32) gives up and solves from scratch
/// instead, which checks the ranges again.
template <flow_integer Flow = value_t, flow_integer Cost = cost_t>
class basic_dynamic_min_cost_flow {
 public:
  using flow_type = Flow;
  using cost_type = Cost;

  basic_dynamic_min_cost_flow() = default;

  /// Adds a node with the given supply; returns its index. Throws validation_error for a supply
  /// outside ±max_abs_input.
  int add_node(Flow supply = 0);
  /// Adds an arc with lower bound 0; returns its index. Throws validation_error for an unknown
  /// node or a capacity or cost outside the accepted range.
  int add_arc(int from, int to, Flow capacity, Cost cost);
  void set_supply(int node, Flow supply);
  void set_capacity(int arc, Flow capacity);

  /// Solves (first call, or after an infeasible one: network simplex) or repairs the previous
  /// optimum (later calls). Infeasible when no flow meets the supplies (then the next call starts
  /// from scratch again).
  flow_status solve();

  /// Builds the residual adjacency that repairs search, O(n + m), unless built already; the first
  /// repair does so itself. A caller that will re-solve (keten::allocator) calls it with its first
  /// solve, so that every re-solve costs only its change.
  void prepare_repairs();

  [[nodiscard]] const basic_flow_network<Flow, Cost>& network() const { return g_; }
  /// After solve() returned optimal: the flow on arc `a`, a node's potential (an optimal dual in
  /// the sense of basic_network_simplex::potential) and the total cost.
  [[nodiscard]] Flow flow(int a) const { return flow_[static_cast<std::size_t>(a)]; }
  [[nodiscard]] Cost potential(int node) const { return pi_[static_cast<std::size_t>(node)]; }
  [[nodiscard]] std::span<const Flow> flows() const { return flow_; }
  [[nodiscard]] std::span<const Cost> potentials() const { return pi_; }
  [[nodiscard]] total_t total_cost() const;
  /// After a warm solve (last_solve().warm): the arcs whose flow changed since the solve before,
  /// by set_capacity() or by the repair, each once, in no particular order (an arc whose flow
  /// changed and changed back may be listed). After a cold solve every flow is new and the list
  /// is empty. O(change) to keep: callers that read a solution follow only what changed.
  [[nodiscard]] std::span<const int> changed_arcs() const { return changed_arcs_; }

  /// What the last solve() did.
  struct statistics {
    bool warm = false;         ///< repaired the previous optimum
    std::int64_t pivots = 0;   ///< network simplex pivots (cold)
    std::int64_t parts = 0;    ///< parts solved one by one (cold; 1: the network as a whole)
    std::int64_t paths = 0;    ///< shortest augmenting paths (warm)
    std::int64_t settled = 0;  ///< nodes settled by the Dijkstra searches (warm)
  };
  [[nodiscard]] const statistics& last_solve() const { return stats_; }

 private:
  flow_status solve_cold();
  flow_status solve_by_parts();
  bool repair();
  bool route(int start, bool to_hubs);
  void check_node(int node, const char* field) const;
  void check_arc(int arc) const;
  void push(int arc, Flow amount);
  void note_change(std::size_t arc);
  void forget_changes();

  basic_flow_network<Flow, Cost> g_;
  std::vector<Flow> flow_;    // per arc, for the arcs known at the last solve (+ new ones: 0)
  std::vector<Cost> pi_;      // per node
  std::vector<Flow> excess_;  // per node: supply + inflow − outflow
  bool solved_ = false;
  statistics stats_;
  // Changes since the last solve.
  std::size_t known_nodes_ = 0;
  std::vector<int> touched_arcs_, touched_nodes_;
  // Arcs whose flow changed (changed_arcs()): a list and a mark per arc. Once a solve has
  // reported them, the next change starts a new list.
  std::vector<int> changed_arcs_;
  std::vector<unsigned char> changed_;
  bool changes_reported_ = false;
  // The arcs at each node: a compact array built at the first repair for the arcs then known,
  // and per node the arcs added since.
  struct incidence {
    std::vector<int> first;  // per node of the compact part, + the end
    std::vector<int> arcs;
    std::vector<std::vector<int>> added;
    [[nodiscard]] std::size_t degree(std::size_t v) const {
      const std::size_t compact =
          v + 1 < first.size() ? static_cast<std::size_t>(first[v + 1] - first[v]) : 0;
      return compact + added[v].size();
    }
    template <class F>
    void for_each(std::size_t v, F&& f) const {
      if (v + 1 < first.size())
        for (int i = first[v]; i < first[v + 1]; ++i)
          f(arcs[static_cast<std::size_t>(i)]);
      for (int a : added[v])
        f(a);
    }
    void build(std::size_t nodes, std::span<const int> endpoint);
  };
  incidence out_, in_;
  bool adjacency_ = false;
  std::size_t hub_degree_ = 0;
  // Dijkstra scratch.
  std::vector<Cost> dist_;
  std::vector<std::uint32_t> seen_, done_;
  std::vector<int> via_;  // 2·arc + (1 if used backwards)
  std::vector<int> settled_;
  std::uint32_t stamp_ = 0;
};

using dynamic_min_cost_flow = basic_dynamic_min_cost_flow<>;

/// Checks that `flow` is feasible for `g` and that `potential` certifies its optimality (every arc
/// with slack has a reduced cost of the right sign). Returns "" if so, else what is wrong. An
/// independent check of any solver's answer, used by the tests. O(n + m), exact (128-bit sums).
template <flow_integer Flow, flow_integer Cost>
[[nodiscard]] std::string check_optimality(const basic_flow_network<Flow, Cost>& g,
                                           std::span<const std::type_identity_t<Flow>> flow,
                                           std::span<const std::type_identity_t<Cost>> potential);

// The 64-bit solvers are compiled into the library (src/core/flow*.cpp); other types are
// instantiated where they are used, from the definitions below.
extern template struct basic_flow_network<value_t, cost_t>;
extern template class basic_network_simplex<value_t, cost_t>;
extern template class basic_dynamic_min_cost_flow<value_t, cost_t>;
extern template bool is_assignment_instance(const flow_network&);
extern template flow_solution solve_min_cost_flow(const flow_network&);
extern template std::string check_optimality(const flow_network&, std::span<const value_t>,
                                             std::span<const cost_t>);

}  // namespace keten::flow

#include "keten/detail/flow_assignment.hpp"  // IWYU pragma: export
#include "keten/detail/flow_dynamic.hpp"     // IWYU pragma: export
#include "keten/detail/network_simplex.hpp"  // IWYU pragma: export
