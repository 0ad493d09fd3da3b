// keten/detail/network_simplex.hpp — the definitions of basic_flow_network::validate(),
// basic_network_simplex and check_optimality() (declared, with their contracts, in keten/flow.hpp).
//
// Included at the end of keten/flow.hpp, which declares what is defined here; include that.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "keten/detail/flow_checks.hpp"

namespace keten::flow {

template <flow_integer Flow, flow_integer Cost>
void basic_flow_network<Flow, Cost>::validate() const {
  using detail::network_error;
  using detail::network_problem;
  constexpr Flow value_limit = max_abs_input<Flow>;
  constexpr Cost cost_limit = max_abs_input<Cost>;
  constexpr int value_bits = detail::input_bits<Flow>;
  constexpr int cost_bits = detail::input_bits<Cost>;
  const auto n = static_cast<std::size_t>(node_count());
  const std::size_t m = source.size();
  if (target.size() != m || lower.size() != m || upper.size() != m || cost.size() != m)
    network_error(network_problem::arc_arrays);
  for (std::size_t u = 0; u < n; ++u)
    if (supply[u] > value_limit || supply[u] < -value_limit)
      network_error(network_problem::supply_range, static_cast<std::int64_t>(u), supply[u], 0,
                    value_bits);
  for (std::size_t a = 0; a < m; ++a) {
    const auto arc = static_cast<std::int64_t>(a);
    if (source[a] < 0 || static_cast<std::size_t>(source[a]) >= n)
      network_error(network_problem::missing_source, arc, source[a]);
    if (target[a] < 0 || static_cast<std::size_t>(target[a]) >= n)
      network_error(network_problem::missing_target, arc, target[a]);
    if (lower[a] > value_limit || lower[a] < -value_limit)
      network_error(network_problem::lower_range, arc, lower[a], 0, value_bits);
    if (upper[a] > value_limit || upper[a] < -value_limit)
      network_error(network_problem::capacity_range, arc, upper[a], 0, value_bits);
    if (cost[a] > cost_limit || cost[a] < -cost_limit)
      network_error(network_problem::cost_range, arc, cost[a], 0, cost_bits);
    if (lower[a] > upper[a])
      network_error(network_problem::inverted_bounds, arc, lower[a], upper[a]);
  }
}

template <flow_integer Flow, flow_integer Cost>
basic_network_simplex<Flow, Cost>::basic_network_simplex(const basic_flow_network<Flow, Cost>& g)
    : n_(g.node_count()), m_(g.arc_count()), root_(g.node_count()) {
  using detail::int128;
  using detail::network_error;
  using detail::network_problem;
  const auto arcs = static_cast<std::size_t>(m_ + n_);
  const auto nodes = static_cast<std::size_t>(n_ + 1);
  src_.resize(arcs);
  tgt_.resize(arcs);
  // Lower bounds are kept (for flow()) only when the network has one.
  if (std::any_of(g.lower.begin(), g.lower.end(), [](Flow x) { return x != 0; }))
    lower_.assign(arcs, 0);
  cap_.resize(arcs);
  flow_.assign(arcs, 0);
  cost_.resize(arcs);
  state_.assign(arcs, state_lower);
  supply_.assign(nodes, 0);
  pi_.assign(nodes, 0);
  parent_.assign(nodes, -1);
  pred_.assign(nodes, -1);
  thread_.assign(nodes, 0);
  rev_thread_.assign(nodes, 0);
  succ_num_.assign(nodes, 1);
  last_succ_.assign(nodes, 0);
  dir_.assign(nodes, 1);

  // Arcs are stored interleaved with a stride (arc k·skip + j at position …), so that a pricing
  // block sees arcs from all over the input rather than one node's or one generator step's arcs.
  // Fewer, better pivots result on inputs listed node by node.
  position_.resize(static_cast<std::size_t>(m_));
  {
    const int skip = n_ > 1 ? std::max(m_ / n_, 3) : 1;
    int i = 0;
    int j = 0;
    for (int a = 0; a < m_; ++a) {
      position_[a] = i;
      if ((i += skip) >= m_) i = ++j;
    }
  }
  Cost max_cost = 0;
  int128 flow_sum = 0;  // Σ (capacity − lower bound), then + Σ |shifted supply|
  for (int a = 0; a < m_; ++a) {
    const int i = position_[a];
    src_[i] = g.source[a];
    tgt_[i] = g.target[a];
    if (!lower_.empty()) lower_[i] = g.lower[a];
    cost_[i] = g.cost[a];
    if (g.lower[a] > g.upper[a]) feasible_input_ = false;
    cap_[i] = g.upper[a] - g.lower[a];
    if (cap_[i] > 0) flow_sum += cap_[i];
    max_cost = std::max(max_cost, g.cost[a] < 0 ? static_cast<Cost>(-g.cost[a]) : g.cost[a]);
  }
  // Shift the lower bounds into the supplies: x = lower + x', 0 ≤ x' ≤ upper − lower. Sums of
  // many values of up to max_abs_input are taken in 128 bits and must come back within the
  // solver's range.
  int128 balance = 0;
  std::vector<int128> shifted(static_cast<std::size_t>(n_), 0);
  for (int u = 0; u < n_; ++u) {
    shifted[u] = g.supply[u];
    balance += g.supply[u];
  }
  int128 bound_cost = 0;
  for (int a = 0; !lower_.empty() && a < m_; ++a) {
    if (lower_[a] == 0) continue;
    shifted[src_[a]] -= lower_[a];
    shifted[tgt_[a]] += lower_[a];
    bound_cost += static_cast<int128>(lower_[a]) * cost_[a];
  }
  // A node's shifted supply, and the sum of all of them and of the capacities (which bounds the
  // flow on any arc of a spanning tree solution, the artificial ones included), stay within
  // 2^(value_bits − 3) of the flow type: 2^60 for 64 bits, 2^28 for 32.
  constexpr int supply_bits = detail::value_bits<Flow> - 3;
  constexpr auto limit = static_cast<int128>(detail::power_below_max<Flow>(3));
  for (int u = 0; u < n_; ++u) {
    if (shifted[u] > limit || shifted[u] < -limit)
      network_error(network_problem::shifted_supply, 0, 0, 0, supply_bits, 8 * sizeof(Flow));
    supply_[u] = static_cast<Flow>(shifted[u]);
    flow_sum += shifted[u] < 0 ? -shifted[u] : shifted[u];
  }
  if (flow_sum > limit)
    network_error(network_problem::flow_sum, 0, 0, 0, supply_bits, 8 * sizeof(Flow));
  // The cost of the lower bounds is a total (64 bits, whatever the cost type).
  constexpr int128 bound_limit = int128{1} << 60;
  if (bound_cost > bound_limit || bound_cost < -bound_limit)
    network_error(network_problem::lower_bound_cost, 0, 0, 0, 60, 64);
  lower_bound_cost_ = static_cast<total_t>(bound_cost);
  if (balance != 0) feasible_input_ = false;

  // Every artificial path must cost more than any path of real arcs: (max |cost| + 1) · (n + 1),
  // at most max/8 of the cost type (2^60 for 64 bits, 2^28 for 32).
  const std::int64_t factor = std::int64_t{n_} + 1;
  const std::int64_t cost_limit = std::numeric_limits<Cost>::max() / 8;
  if (std::int64_t{max_cost} + 1 > cost_limit / factor)
    network_error(network_problem::potential_range, 0, std::int64_t{max_cost} + 1, factor,
                  detail::value_bits<Cost> - 3, 8 * sizeof(Cost));
  art_cost_ = static_cast<Cost>((std::int64_t{max_cost} + 1) * factor);
  // Moving the rest of the tree instead of the subtree (update_tree) shifts every potential, the
  // root's too, by a reduced cost: with root 0 a potential is below 2 · art_cost in magnitude (a
  // path from the root holds one artificial arc), a reduced cost below 4 · art_cost, and the
  // potentials are shifted back to root 0 once the root's is beyond art_cost, so a stored potential
  // stays below 7 · art_cost. With art_cost below 2^(value_bits − 13) (2^50 for 64 bits) that is
  // far inside the cost type; larger networks keep moving the subtree.
  shift_rest_ = art_cost_ < detail::power_below_max<Cost>(13);

  block_size_ =
      std::max(10, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(std::max(m_, 1))))));
  initial_tree();
}

template <flow_integer Flow, flow_integer Cost>
void basic_network_simplex<Flow, Cost>::initial_tree() {
  // The root is joined to every node by an artificial arc carrying the node's supply.
  parent_[root_] = -1;
  pred_[root_] = -1;
  succ_num_[root_] = n_ + 1;
  last_succ_[root_] = n_ > 0 ? n_ - 1 : root_;
  pi_[root_] = 0;
  thread_[root_] = n_ > 0 ? 0 : root_;
  rev_thread_[root_] = n_ > 0 ? n_ - 1 : root_;
  for (int u = 0; u < n_; ++u) {
    const int a = m_ + u;
    parent_[u] = root_;
    pred_[u] = a;
    succ_num_[u] = 1;
    last_succ_[u] = u;
    thread_[u] = u + 1 < n_ ? u + 1 : root_;
    rev_thread_[u] = u > 0 ? u - 1 : root_;
    cost_[a] = art_cost_;
    cap_[a] = infinite;
    state_[a] = state_tree;
    // Supplies flow up to the root for free; demands are fed from the root at the artificial
    // cost, so every unit that is not routed over real arcs pays it exactly once.
    if (supply_[u] >= 0) {
      src_[a] = u;
      tgt_[a] = root_;
      flow_[a] = supply_[u];
      cost_[a] = 0;
      dir_[u] = 1;
      pi_[u] = 0;
    } else {
      src_[a] = root_;
      tgt_[a] = u;
      flow_[a] = -supply_[u];
      dir_[u] = -1;
      pi_[u] = art_cost_;
    }
  }
}

template <flow_integer Flow, flow_integer Cost>
bool basic_network_simplex<Flow, Cost>::find_entering() {
  // Block search: the most negative reduced cost (times the state's sign) in the first block of
  // about √m arcs that has one, scanning round-robin from where the last search stopped. A block
  // that runs past the last arc continues at the first, so each block is at most two contiguous
  // ranges, scanned by a loop without wrap-around tests.
  Cost best = 0;
  int best_arc = -1;
  const int* src = src_.data();
  const int* tgt = tgt_.data();
  const Cost* cost = cost_.data();
  const Cost* pi = pi_.data();
  const signed char* state = state_.data();
  const auto scan = [&](int lo, int hi) {
    for (int a = lo; a < hi; ++a) {
      const Cost c = state[a] * (cost[a] + pi[src[a]] - pi[tgt[a]]);
      if (c < best) {
        best = c;
        best_arc = a;
      }
    }
  };
  int a = next_arc_;
  for (int scanned = 0; scanned < m_;) {
    const int len = std::min(block_size_, m_ - scanned);
    const int end = a + len;
    if (end <= m_) {
      scan(a, end);
      a = end == m_ ? 0 : end;
    } else {
      scan(a, m_);
      scan(0, end - m_);
      a = end - m_;
    }
    scanned += len;
    if (best < 0) break;
  }
  if (best >= 0) return false;
  in_arc_ = best_arc;
  next_arc_ = a;
  return true;
}

template <flow_integer Flow, flow_integer Cost>
bool basic_network_simplex<Flow, Cost>::find_cycle() {
  // Flow goes first → second over the entering arc, then back up from second to the join and down
  // from the join to first. One walk finds both the join and the leaving arc: a node's subtree is
  // smaller than any ancestor's, so climbing from the smaller side never passes the join, and each
  // side's nodes are met bottom-up. The leaving arc is the last blocking arc met walking the cycle
  // from the join in the direction of the flow, which keeps the tree strongly feasible (no
  // cycling): on the first side the lowest minimum (strictly below the entering arc's capacity),
  // on the second side the highest (ties go to the second side).
  if (state_[in_arc_] == state_lower) {
    first_ = src_[in_arc_];
    second_ = tgt_[in_arc_];
  } else {
    first_ = tgt_[in_arc_];
    second_ = src_[in_arc_];
  }
  constexpr Flow none = std::numeric_limits<Flow>::max();
  Flow d1 = none;
  Flow d2 = none;
  int out1 = -1;
  int out2 = -1;
  const int* parent = parent_.data();
  const int* pred = pred_.data();
  const int* succ_num = succ_num_.data();
  const signed char* dir = dir_.data();
  const Flow* flow = flow_.data();
  const Flow* cap = cap_.data();
  int u = first_;
  int v = second_;
  while (u != v) {
    if (succ_num[u] < succ_num[v]) {
      const int e = pred[u];
      const Flow d = dir[u] > 0 ? flow[e] : (cap[e] >= infinite ? infinite : cap[e] - flow[e]);
      if (d < d1) {
        d1 = d;
        out1 = u;
      }
      u = parent[u];
    } else {
      const int e = pred[v];
      const Flow d = dir[v] > 0 ? (cap[e] >= infinite ? infinite : cap[e] - flow[e]) : flow[e];
      if (d <= d2) {
        d2 = d;
        out2 = v;
      }
      v = parent[v];
    }
  }
  join_ = u;
  delta_ = cap_[in_arc_];
  leaving_side_ = 0;
  if (out1 >= 0 && d1 < delta_) {
    delta_ = d1;
    u_out_ = out1;
    leaving_side_ = 1;
  }
  if (out2 >= 0 && d2 <= delta_) {
    delta_ = d2;
    u_out_ = out2;
    leaving_side_ = 2;
  }
  if (leaving_side_ == 1) {
    u_in_ = first_;
    v_in_ = second_;
  } else if (leaving_side_ == 2) {
    u_in_ = second_;
    v_in_ = first_;
  }
  return delta_ < infinite;
}

template <flow_integer Flow, flow_integer Cost>
void basic_network_simplex<Flow, Cost>::change_flow() {
  if (delta_ > 0) {
    const Flow val = state_[in_arc_] * delta_;
    flow_[in_arc_] += val;
    for (int u = src_[in_arc_]; u != join_; u = parent_[u])
      flow_[pred_[u]] -= dir_[u] * val;
    for (int u = tgt_[in_arc_]; u != join_; u = parent_[u])
      flow_[pred_[u]] += dir_[u] * val;
  }
  if (leaving_side_ == 0) {
    state_[in_arc_] = static_cast<signed char>(-state_[in_arc_]);
  } else {
    state_[in_arc_] = state_tree;
    const int out = pred_[u_out_];
    state_[out] = flow_[out] == 0 ? state_lower : state_upper;
  }
}

template <flow_integer Flow, flow_integer Cost>
void basic_network_simplex<Flow, Cost>::update_tree() {
  // The subtree below the leaving arc (rooted at u_out, containing u_in) is cut off, re-rooted at
  // u_in and hung below v_in by the entering arc. With x_0 = u_in, ..., x_k = u_out the path
  // between them, its new preorder is: x_0's old subtree; then for each i ≥ 1 the part of x_i's old
  // subtree before x_(i−1)'s block (starting with x_i itself) and the part after it. Each part is a
  // contiguous range of the old thread, so relinking costs O(k); subtree sizes and last
  // descendants change only on the path and on the two paths up to the join. Only the potentials
  // need a pass over the moved subtree.
  const int w = u_out_;
  path_.clear();
  for (int x = u_in_;; x = parent_[x]) {
    path_.push_back(x);
    if (x == w) break;
  }
  const auto k = path_.size();
  const int moved = succ_num_[w];
  const int old_last_w = last_succ_[w];
  const int before = rev_thread_[w];
  const int after = thread_[old_last_w];
  const int old_parent_w = parent_[w];

  // The ranges of the new preorder, from the old thread.
  segments_.clear();
  segments_.emplace_back(path_[0], last_succ_[path_[0]]);
  for (std::size_t i = 1; i < k; ++i) {
    const int x = path_[i];
    const int below = path_[i - 1];
    segments_.emplace_back(x, rev_thread_[below]);
    if (last_succ_[below] != last_succ_[x])
      segments_.emplace_back(thread_[last_succ_[below]], last_succ_[x]);
  }
  const int new_last = segments_.back().second;

  // Unlink the old range and relink the ranges in the new order right after v_in.
  thread_[before] = after;
  rev_thread_[after] = before;
  int prev = v_in_;
  const int v_next = thread_[v_in_];
  for (const auto& [first, last] : segments_) {
    thread_[prev] = first;
    rev_thread_[first] = prev;
    prev = last;
  }
  thread_[prev] = v_next;
  rev_thread_[v_next] = prev;

  // Last descendants: ancestors of the old position whose subtree ended with the moved one now end
  // before it; v_in (if it was a leaf) and its ancestors that ended with it now end with the moved
  // subtree; every node of the path ends there too.
  for (int x = old_parent_w; x >= 0 && last_succ_[x] == old_last_w; x = parent_[x])
    last_succ_[x] = before;
  for (int x = v_in_; x >= 0 && last_succ_[x] == v_in_; x = parent_[x])
    last_succ_[x] = new_last;
  for (std::size_t i = 0; i < k; ++i)
    last_succ_[path_[i]] = new_last;

  // Subtree sizes.
  for (std::size_t i = k - 1; i >= 1; --i)
    succ_num_[path_[i]] = moved - succ_num_[path_[i - 1]];
  succ_num_[path_[0]] = moved;
  for (int x = old_parent_w; x != join_; x = parent_[x])
    succ_num_[x] -= moved;
  for (int x = v_in_; x != join_; x = parent_[x])
    succ_num_[x] += moved;

  // Reverse the parent and pred links along the path and hang u_in below v_in.
  int child_pred = in_arc_;
  signed char child_dir = src_[in_arc_] == u_in_ ? 1 : -1;
  int new_parent = v_in_;
  for (std::size_t i = 0; i < k; ++i) {
    const int x = path_[i];
    const int old_pred = pred_[x];
    const signed char old_dir = dir_[x];
    parent_[x] = new_parent;
    pred_[x] = child_pred;
    dir_[x] = child_dir;
    new_parent = x;
    child_pred = old_pred;
    child_dir = static_cast<signed char>(-old_dir);
  }

  // The entering arc's reduced cost moves to the subtree's potentials. Only differences of
  // potentials matter, so when the moved subtree is the larger part of the tree the rest of it (a
  // contiguous range of the thread, from after the subtree round to v_in) moves by −σ instead;
  // normalize_potentials() shifts them back to root 0 when the root's leaves ±art_cost, and once
  // at the end of run().
  const Cost rc = cost_[in_arc_] + pi_[src_[in_arc_]] - pi_[tgt_[in_arc_]];
  const Cost sigma = u_in_ == src_[in_arc_] ? -rc : rc;
  Cost* pi = pi_.data();
  const int* thread = thread_.data();
  const int rest = n_ + 1 - moved;
  if (rest >= moved || !shift_rest_) {
    for (int x = u_in_, left = moved; left > 0; --left, x = thread[x])
      pi[x] += sigma;
  } else {
    for (int x = thread[new_last], left = rest; left > 0; --left, x = thread[x])
      pi[x] -= sigma;
    if (pi[root_] > art_cost_ || pi[root_] < -art_cost_) normalize_potentials();
  }
}

template <flow_integer Flow, flow_integer Cost>
void basic_network_simplex<Flow, Cost>::normalize_potentials() {
  const Cost shift = pi_[root_];
  if (shift == 0) return;
  for (Cost& p : pi_)
    p -= shift;
}

template <flow_integer Flow, flow_integer Cost>
bool basic_network_simplex<Flow, Cost>::pivot_on(int arc) {
  if (state_[arc] * (cost_[arc] + pi_[src_[arc]] - pi_[tgt_[arc]]) >= 0) return true;
  in_arc_ = arc;
  if (!find_cycle()) return false;
  change_flow();
  if (leaving_side_ != 0) update_tree();
  ++pivots_;
  return true;
}

template <flow_integer Flow, flow_integer Cost>
bool basic_network_simplex<Flow, Cost>::initial_pivots() {
  // A good start saves many block-search pivots: bring in, for every demand node, its cheapest
  // incoming arc, or, when there are more supply nodes than demand nodes, for every supply node
  // its cheapest outgoing arc; with one supply and one demand node, the arcs of a search back
  // from the demand node over arcs wide enough for all the flow.
  std::vector<int> supply_nodes;
  std::vector<int> demand_nodes;
  Flow total = 0;
  for (int u = 0; u < n_; ++u) {
    if (supply_[u] > 0) {
      supply_nodes.push_back(u);
      total += supply_[u];
    } else if (supply_[u] < 0) {
      demand_nodes.push_back(u);
    }
  }
  if (total <= 0) return true;
  // Incoming arcs by node (counting sort), for the searches from demand nodes.
  std::vector<int> first_in;
  std::vector<int> in_arcs;
  const auto index_in_arcs = [&] {
    first_in.assign(static_cast<std::size_t>(n_) + 1, 0);
    for (int a = 0; a < m_; ++a)
      ++first_in[tgt_[a] + 1];
    for (int u = 0; u < n_; ++u)
      first_in[u + 1] += first_in[u];
    in_arcs.resize(static_cast<std::size_t>(m_));
    std::vector<int> next(first_in.begin(), first_in.end() - 1);
    for (int a = 0; a < m_; ++a)
      in_arcs[next[tgt_[a]]++] = a;
  };
  std::vector<int> chosen;
  if (supply_nodes.size() == 1 && demand_nodes.size() == 1) {
    index_in_arcs();
    std::vector<char> reached(static_cast<std::size_t>(n_), 0);
    std::vector<int> stack{demand_nodes[0]};
    reached[demand_nodes[0]] = 1;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      if (v == supply_nodes[0]) break;
      for (int i = first_in[v]; i < first_in[v + 1]; ++i) {
        const int a = in_arcs[i];
        const int u = src_[a];
        if (reached[u] || cap_[a] < total) continue;
        reached[u] = 1;
        chosen.push_back(a);
        stack.push_back(u);
      }
    }
  } else if (supply_nodes.size() > demand_nodes.size()) {
    // More supply nodes than demand nodes (an allocation network: every need a supply node, one
    // sink): the cheapest outgoing arc of each supply node instead.
    std::vector<int> best_out(static_cast<std::size_t>(n_), -1);
    for (int a = 0; a < m_; ++a) {
      int& b = best_out[src_[a]];
      if (supply_[src_[a]] > 0 && (b < 0 || cost_[a] < cost_[b])) b = a;
    }
    for (int u : supply_nodes)
      if (best_out[u] >= 0) chosen.push_back(best_out[u]);
  } else {
    index_in_arcs();
    for (int v : demand_nodes) {
      int best = -1;
      for (int i = first_in[v]; i < first_in[v + 1]; ++i) {
        const int a = in_arcs[i];
        if (best < 0 || cost_[a] < cost_[best]) best = a;
      }
      if (best >= 0) chosen.push_back(best);
    }
  }
  for (int a : chosen)
    if (!pivot_on(a)) return false;
  return true;
}

template <flow_integer Flow, flow_integer Cost>
flow_status basic_network_simplex<Flow, Cost>::run() {
  if (!feasible_input_) return flow_status::infeasible;
  if (!initial_pivots()) detail::network_error(detail::network_problem::unbounded_cycle);
  while (find_entering()) {
    if (!find_cycle()) {
      // Unreachable with finite capacities on every real arc; kept as a guard.
      detail::network_error(detail::network_problem::unbounded_cycle);
    }
    change_flow();
    if (leaving_side_ != 0) update_tree();
    ++pivots_;
  }
  normalize_potentials();
  for (int u = 0; u < n_; ++u)
    if (flow_[m_ + u] != 0) return flow_status::infeasible;
  return flow_status::optimal;
}

template <flow_integer Flow, flow_integer Cost>
total_t basic_network_simplex<Flow, Cost>::total_cost() const {
  // Each term is below 2^81 in theory; accumulate in 128 bits and check the result fits.
  using detail::int128;
  int128 total = lower_bound_cost_;
  for (int a = 0; a < m_; ++a)
    total += static_cast<int128>(flow_[a]) * cost_[a];
  if (total > std::numeric_limits<total_t>::max() || total < std::numeric_limits<total_t>::min())
    detail::network_error(detail::network_problem::total_cost);
  return static_cast<total_t>(total);
}

template <flow_integer Flow, flow_integer Cost>
std::vector<Flow> basic_network_simplex<Flow, Cost>::flows() const {
  std::vector<Flow> out(static_cast<std::size_t>(m_));
  for (int a = 0; a < m_; ++a)
    out[a] = flow(a);  // flow() maps the input's arc to its position
  return out;
}

template <flow_integer Flow, flow_integer Cost>
std::string check_optimality(const basic_flow_network<Flow, Cost>& g,
                             std::span<const std::type_identity_t<Flow>> flow,
                             std::span<const std::type_identity_t<Cost>> potential) {
  using detail::int128;
  using std::to_string;
  const auto n = static_cast<std::size_t>(g.node_count());
  const auto m = static_cast<std::size_t>(g.arc_count());
  if (flow.size() != m) return to_string(flow.size()) + " flows for " + to_string(m) + " arcs";
  if (potential.size() != n)
    return to_string(potential.size()) + " potentials for " + to_string(n) + " nodes";
  std::vector<int128> excess(n, 0);
  for (std::size_t u = 0; u < n; ++u)
    excess[u] = g.supply[u];
  for (std::size_t a = 0; a < m; ++a) {
    const auto arc = [a] { return "arc " + std::to_string(a + 1); };
    if (flow[a] < g.lower[a] || flow[a] > g.upper[a])
      return arc() + ": flow " + to_string(flow[a]) + " outside [" + to_string(g.lower[a]) + ", " +
             to_string(g.upper[a]) + "]";
    excess[g.source[a]] -= flow[a];
    excess[g.target[a]] += flow[a];
    const int128 rc =
        static_cast<int128>(g.cost[a]) + potential[g.source[a]] - potential[g.target[a]];
    if (flow[a] < g.upper[a] && rc < 0)
      return arc() + ": below capacity with negative reduced cost";
    if (flow[a] > g.lower[a] && rc > 0)
      return arc() + ": above its lower bound with positive reduced cost";
  }
  for (std::size_t u = 0; u < n; ++u)
    if (excess[u] != 0) return "node " + to_string(u + 1) + ": supply not balanced";
  return {};
}

}  // namespace keten::flow
