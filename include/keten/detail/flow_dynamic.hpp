// keten/detail/flow_dynamic.hpp — the definitions of basic_dynamic_min_cost_flow: a min-cost flow
// repaired after changes (declared, with its contract, in keten/flow.hpp).
//
// Included at the end of keten/flow.hpp, which declares what is defined here; include that.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "keten/detail/flow_checks.hpp"

namespace keten::detail {

/// Potentials and distances of a repair stay below this (2^61 for 64-bit costs, 2^29 for 32-bit
/// ones); beyond it the repair gives up and the network is solved from scratch, which checks its
/// own limits.
template <class Cost>
inline constexpr Cost repair_potential_limit = power_below_max<Cost>(2);

/// Throws validation_error (field, "kind index+1") unless low ≤ value ≤ high.
inline void flow_check_range(std::int64_t value, std::int64_t low, std::int64_t high,
                             const char* field, const char* kind, int index) {
  if (value < low || value > high) flow_out_of_range(value, low, high, field, kind, index);
}

}  // namespace keten::detail

namespace keten::flow {

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::check_node(int node, const char* field) const {
  if (node < 0 || node >= g_.node_count()) detail::flow_unknown_element("node", node, field);
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::check_arc(int arc) const {
  if (arc < 0 || arc >= g_.arc_count()) detail::flow_unknown_element("arc", arc, "arc");
}

template <flow_integer Flow, flow_integer Cost>
int basic_dynamic_min_cost_flow<Flow, Cost>::add_node(Flow supply) {
  const int v = g_.node_count();
  detail::flow_check_range(supply, -max_abs_input<Flow>, max_abs_input<Flow>, "supply", "node", v);
  g_.add_node(supply);
  if (solved_) {
    excess_.push_back(supply);
    pi_.push_back(0);  // set at the next solve()
  }
  if (adjacency_) {
    out_.added.emplace_back();
    in_.added.emplace_back();
  }
  return v;
}

template <flow_integer Flow, flow_integer Cost>
int basic_dynamic_min_cost_flow<Flow, Cost>::add_arc(int from, int to, Flow capacity, Cost cost) {
  check_node(from, "from");
  check_node(to, "to");
  const int a = g_.arc_count();
  detail::flow_check_range(capacity, 0, max_abs_input<Flow>, "cap", "arc", a);
  detail::flow_check_range(cost, -max_abs_input<Cost>, max_abs_input<Cost>, "cost", "arc", a);
  g_.add_arc(from, to, 0, capacity, cost);
  if (solved_) {
    flow_.push_back(0);
    touched_arcs_.push_back(a);
  }
  if (adjacency_) {
    out_.added[static_cast<std::size_t>(from)].push_back(a);
    in_.added[static_cast<std::size_t>(to)].push_back(a);
  }
  return a;
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::set_supply(int node, Flow supply) {
  check_node(node, "node");
  detail::flow_check_range(supply, -max_abs_input<Flow>, max_abs_input<Flow>, "supply", "node",
                           node);
  const auto v = static_cast<std::size_t>(node);
  if (solved_) {
    excess_[v] += supply - g_.supply[v];
    touched_nodes_.push_back(node);
  }
  g_.supply[v] = supply;
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::set_capacity(int arc, Flow capacity) {
  check_arc(arc);
  detail::flow_check_range(capacity, 0, max_abs_input<Flow>, "cap", "arc", arc);
  const auto a = static_cast<std::size_t>(arc);
  g_.upper[a] = capacity;
  if (solved_) {
    if (flow_[a] > capacity) push(arc, capacity - flow_[a]);
    touched_arcs_.push_back(arc);
  }
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::forget_changes() {
  for (int c : changed_arcs_)
    changed_[static_cast<std::size_t>(c)] = 0;
  changed_arcs_.clear();
  changes_reported_ = false;
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::note_change(std::size_t a) {
  if (changes_reported_) forget_changes();  // the last solve reported its list; a new one starts
  if (changed_.size() <= a) changed_.resize(std::max<std::size_t>(flow_.size(), a + 1), 0);
  if (!changed_[a]) {
    changed_[a] = 1;
    changed_arcs_.push_back(static_cast<int>(a));
  }
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::push(int arc, Flow amount) {
  const auto a = static_cast<std::size_t>(arc);
  note_change(a);
  flow_[a] += amount;
  excess_[static_cast<std::size_t>(g_.source[a])] -= amount;
  excess_[static_cast<std::size_t>(g_.target[a])] += amount;
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::incidence::build(std::size_t nodes,
                                                               std::span<const int> endpoint) {
  first.assign(nodes + 1, 0);
  for (int v : endpoint)
    ++first[static_cast<std::size_t>(v) + 1];
  for (std::size_t v = 0; v < nodes; ++v)
    first[v + 1] += first[v];
  arcs.resize(endpoint.size());
  std::vector<int> next(first.begin(), first.end() - 1);
  for (std::size_t a = 0; a < endpoint.size(); ++a)
    arcs[static_cast<std::size_t>(next[static_cast<std::size_t>(endpoint[a])]++)] =
        static_cast<int>(a);
  added.assign(nodes, {});
}

template <flow_integer Flow, flow_integer Cost>
total_t basic_dynamic_min_cost_flow<Flow, Cost>::total_cost() const {
  detail::int128 total = 0;
  for (std::size_t a = 0; a < flow_.size(); ++a)
    total += static_cast<detail::int128>(flow_[a]) * g_.cost[a];
  if (total > std::numeric_limits<total_t>::max() || total < std::numeric_limits<total_t>::min())
    detail::network_error(detail::network_problem::dynamic_total_cost);
  return static_cast<total_t>(total);
}

template <flow_integer Flow, flow_integer Cost>
flow_status basic_dynamic_min_cost_flow<Flow, Cost>::solve() {
  stats_ = {};
  if (changes_reported_) forget_changes();  // nothing changed since the last solve
  if (solved_) {
    if (repair()) {
      stats_.warm = true;
      changes_reported_ = true;
      return flow_status::optimal;
    }
    stats_ = {};
  }
  forget_changes();  // every flow is new
  return solve_cold();
}

template <flow_integer Flow, flow_integer Cost>
flow_status basic_dynamic_min_cost_flow<Flow, Cost>::solve_cold() {
  g_.validate();
  const auto n = static_cast<std::size_t>(g_.node_count());
  const flow_status status = solve_by_parts();
  touched_arcs_.clear();
  touched_nodes_.clear();
  solved_ = status == flow_status::optimal;
  if (!solved_) return status;
  excess_.assign(n, 0);
  known_nodes_ = n;
  return status;
}

template <flow_integer Flow, flow_integer Cost>
flow_status basic_dynamic_min_cost_flow<Flow, Cost>::solve_by_parts() {
  const auto n = static_cast<std::size_t>(g_.node_count());
  const auto m = static_cast<std::size_t>(g_.arc_count());
  const auto whole = [&] {
    basic_network_simplex<Flow, Cost> solver(g_);
    const flow_status status = solver.run();
    stats_.pivots = solver.pivots();
    stats_.parts = 1;
    if (status != flow_status::optimal) return status;
    flow_ = solver.flows();
    pi_.resize(n);
    for (std::size_t v = 0; v < n; ++v)
      pi_[v] = solver.potential(static_cast<int>(v));
    return status;
  };
  // The hub: the node without outgoing arcs that has the most incoming ones (the sink of an
  // allocation). No flow passes through it, so the parts of the network it joins are independent
  // problems: each part sends exactly its net supply into the hub.
  std::vector<int> out_degree(n, 0), in_degree(n, 0);
  for (std::size_t a = 0; a < m; ++a) {
    ++out_degree[static_cast<std::size_t>(g_.source[a])];
    ++in_degree[static_cast<std::size_t>(g_.target[a])];
  }
  int hub = -1;
  for (std::size_t v = 0; v < n; ++v)
    if (out_degree[v] == 0 && in_degree[v] >= 2 &&
        (hub < 0 || in_degree[v] > in_degree[static_cast<std::size_t>(hub)]))
      hub = static_cast<int>(v);
  if (hub < 0) return whole();
  detail::int128 balance = 0;
  for (Flow s : g_.supply)
    balance += s;
  if (balance != 0) return flow_status::infeasible;

  // The parts: connected components of the network without the hub (union-find).
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  const auto root = [&parent](int v) {
    while (parent[static_cast<std::size_t>(v)] != v) {
      const int up = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
      parent[static_cast<std::size_t>(v)] = up;
      v = up;
    }
    return v;
  };
  for (std::size_t a = 0; a < m; ++a) {
    const int s = g_.source[a], t = g_.target[a];
    if (t == hub) continue;  // s == hub is impossible: the hub has no outgoing arcs
    const int rs = root(s), rt = root(t);
    if (rs != rt) parent[static_cast<std::size_t>(std::max(rs, rt))] = std::min(rs, rt);
  }
  // Number the parts; nodes of a part in node order, arcs of a part in arc order (counting sort).
  std::vector<int> part(n, -1);
  int parts = 0;
  for (std::size_t v = 0; v < n; ++v) {
    if (static_cast<int>(v) == hub) continue;
    const int r = root(static_cast<int>(v));
    if (r == static_cast<int>(v))
      part[v] = parts++;
    else
      part[v] = part[static_cast<std::size_t>(r)];  // r < v: numbered already
  }
  if (parts <= 1) return whole();
  std::vector<int> node_first(static_cast<std::size_t>(parts) + 1, 0),
      arc_first(static_cast<std::size_t>(parts) + 1, 0);
  for (std::size_t v = 0; v < n; ++v)
    if (part[v] >= 0) ++node_first[static_cast<std::size_t>(part[v]) + 1];
  for (std::size_t a = 0; a < m; ++a)
    ++arc_first[static_cast<std::size_t>(part[static_cast<std::size_t>(g_.source[a])]) + 1];
  for (int p = 0; p < parts; ++p) {
    node_first[static_cast<std::size_t>(p) + 1] += node_first[static_cast<std::size_t>(p)];
    arc_first[static_cast<std::size_t>(p) + 1] += arc_first[static_cast<std::size_t>(p)];
  }
  std::vector<int> nodes(n), arcs(m), local(n, -1);
  {
    std::vector<int> next(node_first.begin(), node_first.end() - 1);
    for (std::size_t v = 0; v < n; ++v)
      if (part[v] >= 0) {
        const int slot = next[static_cast<std::size_t>(part[v])]++;
        nodes[static_cast<std::size_t>(slot)] = static_cast<int>(v);
        local[v] = slot - node_first[static_cast<std::size_t>(part[v])];
      }
    next.assign(arc_first.begin(), arc_first.end() - 1);
    for (std::size_t a = 0; a < m; ++a)
      arcs[static_cast<std::size_t>(
          next[static_cast<std::size_t>(part[static_cast<std::size_t>(g_.source[a])])]++)] =
          static_cast<int>(a);
  }

  // Each part with a copy of the hub as its last node, solved on its own; potentials shifted so
  // that the hub's is 0 in every part, which makes them one optimal dual of the whole network.
  flow_.assign(m, 0);
  pi_.assign(n, 0);
  stats_.pivots = 0;
  stats_.parts = parts;
  basic_flow_network<Flow, Cost> sub;
  for (int p = 0; p < parts; ++p) {
    const auto nf = static_cast<std::size_t>(node_first[static_cast<std::size_t>(p)]);
    const auto nl = static_cast<std::size_t>(node_first[static_cast<std::size_t>(p) + 1]);
    const auto af = static_cast<std::size_t>(arc_first[static_cast<std::size_t>(p)]);
    const auto al = static_cast<std::size_t>(arc_first[static_cast<std::size_t>(p) + 1]);
    sub.supply.clear();
    sub.source.clear();
    sub.target.clear();
    sub.lower.clear();
    sub.upper.clear();
    sub.cost.clear();
    detail::int128 net = 0;
    for (std::size_t i = nf; i < nl; ++i) {
      const Flow s = g_.supply[static_cast<std::size_t>(nodes[i])];
      sub.add_node(s);
      net += s;
    }
    if (net > max_abs_input<Flow> || net < -max_abs_input<Flow>)
      return whole();  // no hub copy can take it
    if (al == af) {    // a part without arcs: nodes that exchange no flow
      if (std::any_of(sub.supply.begin(), sub.supply.end(), [](Flow s) { return s != 0; }))
        return flow_status::infeasible;
      continue;
    }
    const int hub_copy = sub.add_node(static_cast<Flow>(-net));
    for (std::size_t i = af; i < al; ++i) {
      const auto a = static_cast<std::size_t>(arcs[i]);
      const int t = g_.target[a];
      sub.add_arc(local[static_cast<std::size_t>(g_.source[a])],
                  t == hub ? hub_copy : local[static_cast<std::size_t>(t)], g_.lower[a],
                  g_.upper[a], g_.cost[a]);
    }
    basic_network_simplex<Flow, Cost> solver(sub);
    const flow_status status = solver.run();
    stats_.pivots += solver.pivots();
    if (status != flow_status::optimal) return status;
    const Cost shift = solver.potential(hub_copy);
    for (std::size_t i = nf; i < nl; ++i)
      pi_[static_cast<std::size_t>(nodes[i])] = solver.potential(static_cast<int>(i - nf)) - shift;
    for (std::size_t i = af; i < al; ++i)
      flow_[static_cast<std::size_t>(arcs[i])] = solver.flow(static_cast<int>(i - af));
  }
  return flow_status::optimal;
}

template <flow_integer Flow, flow_integer Cost>
void basic_dynamic_min_cost_flow<Flow, Cost>::prepare_repairs() {
  if (adjacency_) return;
  const auto n = static_cast<std::size_t>(g_.node_count());
  adjacency_ = true;
  out_.build(n, g_.source);
  in_.build(n, g_.target);
}

template <flow_integer Flow, flow_integer Cost>
bool basic_dynamic_min_cost_flow<Flow, Cost>::repair() {
  const auto n = static_cast<std::size_t>(g_.node_count());
  prepare_repairs();  // the residual adjacency, if not built yet
  detail::int128 balance = 0;
  for (Flow e : excess_)
    balance += e;
  if (balance != 0) return false;  // unbalanced supplies: the cold solve reports infeasible

  // New nodes get the potential that makes their arcs to known nodes non-negative.
  for (std::size_t v = known_nodes_; v < n; ++v) {
    bool any = false;
    Cost best = 0;
    out_.for_each(v, [&](int a) {
      const auto t = static_cast<std::size_t>(g_.target[static_cast<std::size_t>(a)]);
      if (t >= v && t >= known_nodes_) return;
      const Cost p = pi_[t] - g_.cost[static_cast<std::size_t>(a)];
      if (!any || p > best) best = p;
      any = true;
    });
    if (!any)
      in_.for_each(v, [&](int a) {
        const auto s = static_cast<std::size_t>(g_.source[static_cast<std::size_t>(a)]);
        if (s >= v && s >= known_nodes_) return;
        const Cost p = pi_[s] + g_.cost[static_cast<std::size_t>(a)];
        if (!any || p < best) best = p;
        any = true;
      });
    pi_[v] = best;
    touched_nodes_.push_back(static_cast<int>(v));
  }
  // Arcs that were added or changed: restore the sign conditions by saturating or emptying.
  for (int arc : touched_arcs_) {
    const auto a = static_cast<std::size_t>(arc);
    const int s = g_.source[a], t = g_.target[a];
    const Cost rc =
        g_.cost[a] + pi_[static_cast<std::size_t>(s)] - pi_[static_cast<std::size_t>(t)];
    if (rc < 0 && flow_[a] < g_.upper[a]) push(arc, g_.upper[a] - flow_[a]);
    if (rc > 0 && flow_[a] > 0) push(arc, -flow_[a]);
    touched_nodes_.push_back(s);
    touched_nodes_.push_back(t);
  }
  // Route every surplus and shortage, from the nodes of low degree (the sink of a transportation
  // problem is reached, not searched from).
  std::vector<int> start;
  for (int v : touched_nodes_)
    if (excess_[static_cast<std::size_t>(v)] != 0) start.push_back(v);
  std::sort(start.begin(), start.end());
  start.erase(std::unique(start.begin(), start.end()), start.end());
  const auto degree = [&](int v) {
    return out_.degree(static_cast<std::size_t>(v)) + in_.degree(static_cast<std::size_t>(v));
  };
  std::stable_sort(start.begin(), start.end(), [&](int a, int b) { return degree(a) < degree(b); });
  if (dist_.size() < n) {
    dist_.resize(n);
    seen_.resize(n, 0);
    done_.resize(n, 0);
    via_.resize(n, -1);
  }
  // Hubs (nodes of very high degree, like the sink of a transportation problem) take or give any
  // amount in a first pass, so that no search expands one; a second pass routes what the hubs
  // were left with. Any node may hold an imbalance in between: each augmentation keeps the
  // pseudoflow optimal for its imbalances, and at the end there are none.
  hub_degree_ = std::max<std::size_t>(
      1024, 16 * (2 * static_cast<std::size_t>(g_.arc_count()) / std::max<std::size_t>(n, 1)));
  for (int v : start)
    if (degree(v) < hub_degree_)
      while (excess_[static_cast<std::size_t>(v)] != 0)
        if (!route(v, true)) return false;
  for (int v = 0; v < static_cast<int>(n); ++v)
    while (excess_[static_cast<std::size_t>(v)] != 0)
      if (!route(v, false)) return false;
  touched_arcs_.clear();
  touched_nodes_.clear();
  known_nodes_ = n;
  return true;
}

template <flow_integer Flow, flow_integer Cost>
bool basic_dynamic_min_cost_flow<Flow, Cost>::route(int start, bool to_hubs) {
  const bool forward = excess_[static_cast<std::size_t>(start)] > 0;
  if (++stamp_ == 0) {
    std::fill(seen_.begin(), seen_.end(), 0);
    std::fill(done_.begin(), done_.end(), 0);
    stamp_ = 1;
  }
  using entry = std::pair<Cost, int>;
  std::vector<entry> heap;
  const auto relax = [&](int v, Cost d, int via) {
    const auto i = static_cast<std::size_t>(v);
    if (done_[i] == stamp_) return;
    if (seen_[i] != stamp_ || d < dist_[i]) {
      seen_[i] = stamp_;
      dist_[i] = d;
      via_[i] = via;
      heap.emplace_back(d, v);
      std::push_heap(heap.begin(), heap.end(), std::greater<>{});
    }
  };
  settled_.clear();
  relax(start, 0, -1);
  int found = -1;
  Cost reach = 0;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const Cost d = heap.back().first;  // not a structured binding: the lambdas below use it
    const int u = heap.back().second;
    heap.pop_back();
    const auto ui = static_cast<std::size_t>(u);
    if (done_[ui] == stamp_ || d != dist_[ui]) continue;
    done_[ui] = stamp_;
    settled_.push_back(u);
    ++stats_.settled;
    if (u != start && ((forward ? excess_[ui] < 0 : excess_[ui] > 0) ||
                       (to_hubs && out_.degree(ui) + in_.degree(ui) >= hub_degree_))) {
      found = u;
      reach = d;
      break;
    }
    const Cost pu = pi_[ui];
    // Residual arcs leaving u (forward search) or entering u (backward search).
    bool broken = false;
    (forward ? out_ : in_).for_each(ui, [&](int a) {
      const auto ai = static_cast<std::size_t>(a);
      if (flow_[ai] >= g_.upper[ai]) return;
      const int v = forward ? g_.target[ai] : g_.source[ai];
      const Cost pv = pi_[static_cast<std::size_t>(v)];
      const Cost rc = forward ? g_.cost[ai] + pu - pv : g_.cost[ai] + pv - pu;
      broken |= rc < 0;
      relax(v, d + rc, 2 * a);
    });
    (forward ? in_ : out_).for_each(ui, [&](int a) {
      const auto ai = static_cast<std::size_t>(a);
      if (flow_[ai] <= 0) return;
      const int v = forward ? g_.source[ai] : g_.target[ai];
      const Cost pv = pi_[static_cast<std::size_t>(v)];
      const Cost rc = forward ? -(g_.cost[ai] + pv - pu) : -(g_.cost[ai] + pu - pv);
      broken |= rc < 0;
      relax(v, d + rc, 2 * a + 1);
    });
    if (broken) return false;  // a broken invariant: start over from scratch
    if (d > detail::repair_potential_limit<Cost>) return false;
  }
  if (found < 0) return false;  // nothing to route to: infeasible
  ++stats_.paths;
  // Potentials: settled nodes nearer than the target move by the difference.
  for (int v : settled_) {
    const auto i = static_cast<std::size_t>(v);
    const Cost shift = reach - dist_[i];
    pi_[i] += forward ? -shift : shift;
    if (pi_[i] > detail::repair_potential_limit<Cost> ||
        pi_[i] < -detail::repair_potential_limit<Cost>)
      return false;
  }
  // The path, from the search's end back to its start, and its bottleneck.
  const int source = forward ? start : found;
  const int sink = forward ? found : start;
  // A hub reached takes (gives) all the start has to route, as far as the path allows.
  Flow amount = forward ? excess_[static_cast<std::size_t>(start)]
                        : -excess_[static_cast<std::size_t>(start)];
  const Flow other = forward ? -excess_[static_cast<std::size_t>(found)]
                             : excess_[static_cast<std::size_t>(found)];
  if (other > 0) amount = std::min(amount, other);
  const auto walk = [&](auto&& visit) {
    for (int v = found; v != start;) {
      const int via = via_[static_cast<std::size_t>(v)];
      const int a = via / 2;
      const bool reverse = via % 2 == 1;
      const auto ai = static_cast<std::size_t>(a);
      // Forward search: the arc reached v; backward: it leaves v towards the start.
      visit(a, reverse);
      if (forward)
        v = reverse ? g_.target[ai] : g_.source[ai];
      else
        v = reverse ? g_.source[ai] : g_.target[ai];
    }
  };
  walk([&](int a, bool reverse) {
    const auto ai = static_cast<std::size_t>(a);
    amount = std::min(amount, reverse ? flow_[ai] : g_.upper[ai] - flow_[ai]);
  });
  walk([&](int a, bool reverse) {
    note_change(static_cast<std::size_t>(a));
    flow_[static_cast<std::size_t>(a)] += reverse ? -amount : amount;
  });
  excess_[static_cast<std::size_t>(source)] -= amount;
  excess_[static_cast<std::size_t>(sink)] += amount;
  return true;
}

}  // namespace keten::flow
