// keten/detail/flow_assignment.hpp — is_assignment_instance(), solve_min_cost_flow() and the
// assignment solver it calls for assignment instances (declared in keten/flow.hpp).
//
// Assignment instances of the min-cost-flow core (every node a unit source or a unit sink, arcs
// only from sources to sinks): a minimum-cost perfect matching, found by shortest augmenting paths
// in the manner of Jonker & Volgenant (Computing 38, 1987).
//
// Rows are the sources, columns the sinks. The solver keeps a dual v per column; a row's dual is
// implicit, u(i) = min_j c(i, j) − v(j), and every matched row attains that minimum at its column.
// So all reduced costs c(i, j) − u(i) − v(j) are ≥ 0 and 0 on the matching, which is what makes
// the final matching optimal and the duals its certificate. The start: column reduction (v(j) =
// the cheapest arc into j, whose row takes j if it has no column yet), reduction transfer (a
// matched row's slack to its second-best column moves onto the dual of its own column) and, on
// complete matrices, augmenting row reduction (augmenting_row_reduction below). Then every row
// still unmatched gets a shortest augmenting path in the reduced costs (Dijkstra from the row,
// ending at the first unmatched column reached); the columns settled on the way lower their duals
// by how much nearer they were than that column, which keeps all reduced costs ≥ 0.
//
// Dense instances (arcs for at least half of the row × column pairs) use a k × k matrix of the
// cheapest cost per pair and a Dijkstra that scans the not yet settled columns for the minimum,
// O(k²) per path; sparse ones keep the arcs per row and a binary heap, O(m log m) per path. At most
// k paths: O(k³) resp. O(k · m log m) in the worst case, far less in practice, since the start
// matches most rows and most paths end after a few settled columns.
//
// Bounds (C the largest |cost|): duals only decrease from the column minima (≤ C), and an
// unmatched column keeps its minimum. A reduction transfer or row reduction sets a dual to a cost
// minus a row's second-best reduced cost, which leaves it ≥ −(2k + 3)C; an augmentation sets a
// settled column's dual to the difference of the costs of two alternating paths (< 2k arcs each)
// plus an unmatched column's dual, ≥ −(4k − 1)C. So |v| ≤ (4k + 1)C, a distance (an alternating
// path's cost minus a dual) stays within ±6kC, and no intermediate difference exceeds (10k + 2)C.
// The (max |cost| + 1) · (nodes + 1) ≤ max/8 limit that is_assignment_instance() shares with
// basic_network_simplex (2^60 for 64-bit costs, so kC < 2^59; 2^28 for 32-bit ones, kC < 2^27)
// keeps all of it inside the cost type.
//
// Included at the end of keten/flow.hpp, which declares what is defined here; include that.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

namespace keten::detail {

namespace assignment {

using flow::basic_flow_network;

/// A distance not reached, and in the dense matrix a pair without an arc.
template <class Cost>
inline constexpr Cost unreachable = std::numeric_limits<Cost>::max();

/// Rows are the nodes with supply +1, columns those with −1, both in node order.
struct bipartite {
  std::size_t k = 0;
  std::vector<int> index;     // per node: its row or column number
  std::vector<int> row_node;  // per row
  std::vector<int> col_node;  // per column
};

template <class Flow, class Cost>
bipartite bipartite_of(const basic_flow_network<Flow, Cost>& g) {
  bipartite b;
  const auto n = static_cast<std::size_t>(g.node_count());
  b.k = n / 2;
  b.index.resize(n);
  b.row_node.reserve(b.k);
  b.col_node.reserve(b.k);
  for (std::size_t u = 0; u < n; ++u) {
    auto& side = g.supply[u] > 0 ? b.row_node : b.col_node;
    b.index[u] = static_cast<int>(side.size());
    side.push_back(static_cast<int>(u));
  }
  return b;
}

/// The matching and the column duals, shared by both variants: col_of_row (−1: unmatched),
/// row_of_col (−1: unmatched) and v.
template <class Cost>
struct matching {
  std::vector<int> col_of_row, row_of_col;
  std::vector<Cost> v;

  explicit matching(std::size_t k)
      : col_of_row(k, -1), row_of_col(k, -1), v(k, unreachable<Cost>) {}
  void match(int row, int col) {
    col_of_row[static_cast<std::size_t>(row)] = col;
    row_of_col[static_cast<std::size_t>(col)] = row;
  }
};

/// Jonker & Volgenant's augmenting row reduction, the last step of the start: an unmatched row
/// takes its best column j1 and lowers v(j1) until its second best column is as good (so it still
/// attains its minimum there), evicting j1's row, which tries again at once if v moved and in the
/// next of two passes if not (a tie with the second best, which the row then takes instead, or a
/// row with a single column). Cheap progress before the Dijkstra searches, stopped after about
/// 8 (m + k) arcs read, O(m + k). `arcs(i, f)` calls f(column, cost, id) for every arc of row i
/// and returns how many; a matched row's id goes to ids[i] if ids is not null. v never goes below
/// `floor`: a step that would take it there is taken without lowering, like a tie. (A complete
/// matrix never gets near: while another column is free, its dual still its column minimum, a row's
/// second best is at most 2C and the lowered dual ≥ −3C.)
template <class Cost, class Arcs>
void augmenting_row_reduction(std::size_t k, std::size_t m, const Arcs& arcs, matching<Cost>& s,
                              int* ids, Cost floor) {
  auto& x = s.col_of_row;
  auto& y = s.row_of_col;
  auto& v = s.v;
  std::vector<int> rows, next;
  for (std::size_t i = 0; i < k; ++i)
    if (x[i] < 0) rows.push_back(static_cast<int>(i));
  std::size_t budget = 8 * (m + k);
  for (int pass = 0; pass < 2 && !rows.empty(); ++pass) {
    next.clear();
    std::size_t pos = 0;
    while (pos < rows.size() && budget > 0) {
      const int i = rows[pos++];
      // The best arc and the best to another column (parallel arcs share a column).
      Cost u1 = unreachable<Cost>, u2 = unreachable<Cost>;
      int j1 = -1, j2 = -1, id1 = -1, id2 = -1;
      const std::size_t read = arcs(i, [&](int j, Cost c, int id) {
        const Cost h = c - v[j];
        if (h < u2) {
          if (h < u1) {
            if (j != j1) {
              u2 = u1;
              j2 = j1;
              id2 = id1;
              j1 = j;
            }
            u1 = h;
            id1 = id;
          } else if (j != j1) {
            u2 = h;
            j2 = j;
            id2 = id;
          }
        }
      });
      budget -= std::min(budget, read + 1);
      if (j1 < 0) continue;  // no arcs: the Dijkstra search reports it
      int evicted = y[j1];
      const bool lower = u1 < u2 && u2 != unreachable<Cost> && v[j1] - (u2 - u1) >= floor;
      if (lower) {
        v[j1] -= u2 - u1;
      } else if (u1 == u2 && evicted >= 0) {  // a tie: take the second best instead, v stays
        j1 = j2;
        id1 = id2;
        evicted = y[j2];
      }
      if (evicted >= 0) {
        x[evicted] = -1;
        if (ids != nullptr) ids[evicted] = -1;
      }
      s.match(i, j1);
      if (ids != nullptr) ids[i] = id1;
      if (evicted >= 0) {
        if (lower)
          rows[--pos] = evicted;
        else
          next.push_back(evicted);
      }
    }
    next.insert(next.end(), rows.begin() + static_cast<std::ptrdiff_t>(pos), rows.end());
    rows.swap(next);
  }
}

// --- dense: a k × k matrix ----------------------------------------------------------------------

/// c is row-major, the cheapest cost per (row, column) pair or `unreachable<Cost>` where there is
/// no arc (never when Complete). `floor`: see augmenting_row_reduction. Returns false if there is
/// no perfect matching.
template <bool Complete, class Cost>
bool solve_dense(std::size_t k, const std::vector<Cost>& c, Cost floor, matching<Cost>& s) {
  const int kk = static_cast<int>(k);
  auto& x = s.col_of_row;
  auto& y = s.row_of_col;
  auto& v = s.v;
  const auto row = [&](int i) { return c.data() + static_cast<std::size_t>(i) * k; };

  // Column reduction, row by row for the cache: v(j) = the cheapest arc into j.
  std::vector<int> cheapest(k, -1);
  for (int i = 0; i < kk; ++i) {
    const Cost* ci = row(i);
    for (int j = 0; j < kk; ++j)
      if (ci[j] < v[j]) {
        v[j] = ci[j];
        cheapest[j] = i;
      }
  }
  for (int j = kk - 1; j >= 0; --j) {
    const int i = cheapest[j];
    if (i < 0) return false;  // a column without arcs
    if (x[i] < 0) s.match(i, j);
  }
  // Reduction transfer: a matched row's second-best reduced cost moves onto its column's dual.
  for (int i = 0; i < kk; ++i) {
    const int j1 = x[i];
    if (j1 < 0) continue;
    const Cost* ci = row(i);
    Cost second = unreachable<Cost>;
    for (int j = 0; j < kk; ++j)
      if (j != j1 && (Complete || ci[j] != unreachable<Cost>))
        second = std::min(second, ci[j] - v[j]);
    if (second != unreachable<Cost>) v[j1] -= second;
  }
  augmenting_row_reduction(
      k, k * k,
      [&](int i, auto&& f) {
        const Cost* ci = row(i);
        for (int j = 0; j < kk; ++j)
          if (Complete || ci[j] != unreachable<Cost>) f(j, ci[j], j);
        return k;
      },
      s, nullptr, floor);

  // Shortest augmenting paths. cols holds the columns: [0, low) settled, [low, up) at the current
  // minimum distance mu and not yet scanned, [up, k) further away.
  std::vector<int> cols(k), pred(k);
  std::vector<Cost> d(k);
  for (int r = 0; r < kk; ++r) {
    if (x[r] >= 0) continue;
    const Cost* cr = row(r);
    for (int j = 0; j < kk; ++j) {
      cols[j] = j;
      pred[j] = r;
      d[j] = Complete || cr[j] != unreachable<Cost> ? cr[j] - v[j] : unreachable<Cost>;
    }
    int low = 0;
    int up = 0;
    int end = -1;
    Cost mu = 0;
    while (end < 0) {
      if (low == up) {
        // The next distance: gather every column at the minimum into [low, up).
        mu = unreachable<Cost>;
        for (int p = low; p < kk; ++p) {
          const int j = cols[p];
          if (d[j] <= mu) {
            if (d[j] < mu) {
              mu = d[j];
              up = low;
            }
            cols[p] = cols[up];
            cols[up++] = j;
          }
        }
        if (mu == unreachable<Cost>) return false;  // no augmenting path: Hall's condition fails
        for (int p = low; p < up; ++p)
          if (y[cols[p]] < 0) {
            end = cols[p];
            break;
          }
        if (end >= 0) break;
      }
      // Scan the row matched to the next column at distance mu.
      const int j1 = cols[low++];
      const int i = y[j1];
      const Cost* ci = row(i);
      const Cost h = ci[j1] - v[j1] - mu;  // u(i) − mu
      for (int p = up; p < kk; ++p) {
        const int j = cols[p];
        if (!Complete && ci[j] == unreachable<Cost>) continue;
        const Cost nd = ci[j] - v[j] - h;
        if (nd < d[j]) {
          d[j] = nd;
          pred[j] = i;
          if (nd == mu) {
            if (y[j] < 0) {
              end = j;
              break;
            }
            cols[p] = cols[up];
            cols[up++] = j;
          }
        }
      }
    }
    // The settled columns were nearer than mu by mu − d(j): lowering their duals by that keeps
    // every reduced cost ≥ 0 and makes the path tight.
    for (int p = 0; p < low; ++p) {
      const int j = cols[p];
      v[j] += d[j] - mu;
    }
    for (int j = end;;) {
      const int i = pred[j];
      y[j] = i;
      const int next = x[i];
      x[i] = j;
      if (i == r) break;
      j = next;
    }
  }
  return true;
}

// --- sparse: arcs per row -----------------------------------------------------------------------

template <class Cost>
struct row_arcs {
  std::vector<int> first;  // per row, + the end
  std::vector<int> col;    // per entry
  std::vector<Cost> cost;
  std::vector<int> arc;  // the input arc
  Cost max_cost = 0;     // the largest |cost|
};

template <class Flow, class Cost>
row_arcs<Cost> arcs_by_row(const basic_flow_network<Flow, Cost>& g, const bipartite& b) {
  row_arcs<Cost> s;
  const auto m = static_cast<std::size_t>(g.arc_count());
  s.first.assign(b.k + 1, 0);
  for (std::size_t a = 0; a < m; ++a)
    ++s.first[static_cast<std::size_t>(b.index[g.source[a]]) + 1];
  for (std::size_t i = 0; i < b.k; ++i)
    s.first[i + 1] += s.first[i];
  s.col.resize(m);
  s.cost.resize(m);
  s.arc.resize(m);
  std::vector<int> next(s.first.begin(), s.first.end() - 1);
  for (std::size_t a = 0; a < m; ++a) {
    const auto e = static_cast<std::size_t>(next[b.index[g.source[a]]]++);
    s.col[e] = b.index[g.target[a]];
    s.cost[e] = g.cost[a];
    s.arc[e] = static_cast<int>(a);
    s.max_cost = std::max(s.max_cost, g.cost[a] < 0 ? -g.cost[a] : g.cost[a]);
  }
  return s;
}

/// matched_entry receives the entry of row_arcs each row is matched by; `floor`: see
/// augmenting_row_reduction. Returns false if there is no perfect matching.
template <class Cost>
bool solve_sparse(std::size_t k, const row_arcs<Cost>& s, Cost floor, matching<Cost>& st,
                  std::vector<int>& matched_entry) {
  const int kk = static_cast<int>(k);
  auto& y = st.row_of_col;
  auto& v = st.v;
  matched_entry.assign(k, -1);
  auto& xe = matched_entry;

  // Column reduction.
  std::vector<int> cheapest(k, -1);  // entry
  std::vector<int> cheapest_row(k, -1);
  for (int i = 0; i < kk; ++i)
    for (int e = s.first[i]; e < s.first[i + 1]; ++e) {
      const int j = s.col[e];
      if (s.cost[e] < v[j]) {
        v[j] = s.cost[e];
        cheapest[j] = e;
        cheapest_row[j] = i;
      }
    }
  for (int j = kk - 1; j >= 0; --j) {
    const int i = cheapest_row[j];
    if (i < 0) return false;  // a column without arcs
    if (xe[i] < 0) {
      xe[i] = cheapest[j];
      st.match(i, j);
    }
  }
  // Reduction transfer.
  for (int i = 0; i < kk; ++i) {
    if (xe[i] < 0) continue;
    const int j1 = s.col[xe[i]];
    Cost second = unreachable<Cost>;
    for (int e = s.first[i]; e < s.first[i + 1]; ++e)
      if (s.col[e] != j1) second = std::min(second, s.cost[e] - v[s.col[e]]);
    if (second != unreachable<Cost>) v[j1] -= second;
  }
  augmenting_row_reduction(
      k, s.col.size(),
      [&](int i, auto&& f) {
        for (int e = s.first[i]; e < s.first[i + 1]; ++e)
          f(s.col[e], s.cost[e], e);
        return static_cast<std::size_t>(s.first[i + 1] - s.first[i]);
      },
      st, xe.data(), floor);

  // Shortest augmenting paths: Dijkstra with a binary heap of (distance, column), stale entries
  // skipped when popped.
  std::vector<Cost> d(k, unreachable<Cost>);
  std::vector<int> pred_entry(k), pred_row(k);
  std::vector<int> touched, settled;
  std::vector<std::pair<Cost, int>> heap;
  const std::greater<> later;
  for (int r = 0; r < kk; ++r) {
    if (xe[r] >= 0) continue;
    Cost mu = 0;
    int end = -1;
    // Relaxes the arcs of row i, whose dual minus mu is h; stops at an unmatched column at mu.
    const auto relax = [&](int i, Cost h, bool may_end) {
      for (int e = s.first[i]; e < s.first[i + 1]; ++e) {
        const int j = s.col[e];
        const Cost nd = s.cost[e] - v[j] - h;
        if (nd >= d[j]) continue;
        if (d[j] == unreachable<Cost>) touched.push_back(j);
        d[j] = nd;
        pred_entry[j] = e;
        pred_row[j] = i;
        if (may_end && nd == mu && y[j] < 0) {
          end = j;
          return;
        }
        heap.emplace_back(nd, j);
        std::push_heap(heap.begin(), heap.end(), later);
      }
    };
    relax(r, 0, false);
    bool feasible = true;
    while (end < 0) {
      if (heap.empty()) {
        feasible = false;  // no augmenting path
        break;
      }
      std::pop_heap(heap.begin(), heap.end(), later);
      const auto [dj, j] = heap.back();
      heap.pop_back();
      if (dj != d[j]) continue;  // stale
      mu = dj;
      if (y[j] < 0) {
        end = j;
        break;
      }
      settled.push_back(j);
      const int i = y[j];
      relax(i, s.cost[xe[i]] - v[j] - mu, true);
    }
    if (!feasible) return false;
    for (int j : settled)
      v[j] += d[j] - mu;
    for (int j = end;;) {
      const int i = pred_row[j];
      y[j] = i;
      const int previous = xe[i];
      xe[i] = pred_entry[j];
      st.col_of_row[i] = j;
      if (i == r) break;
      j = s.col[previous];
    }
    for (int j : touched)
      d[j] = unreachable<Cost>;
    touched.clear();
    settled.clear();
    heap.clear();
  }
  return true;
}

}  // namespace assignment

/// Solves an assignment instance (is_assignment_instance() holds, which implies that validate()
/// passes) by shortest augmenting paths: an optimal perfect matching with its flow per arc, cost
/// and potentials in the sense of basic_network_simplex::potential, or infeasible when there is no
/// perfect matching. method is flow_method::assignment.
template <flow::flow_integer Flow, flow::flow_integer Cost>
flow::basic_flow_solution<Flow, Cost> solve_assignment(
    const flow::basic_flow_network<Flow, Cost>& g) {
  using namespace assignment;
  flow::basic_flow_solution<Flow, Cost> out;
  out.method = flow::flow_method::assignment;
  out.status = flow::flow_status::infeasible;
  const bipartite b = bipartite_of(g);
  const std::size_t k = b.k;
  const auto m = static_cast<std::size_t>(g.arc_count());
  matching<Cost> st(k);
  std::vector<int> chosen(k, -1);  // the arc of each row
  // The lowest dual the start may set (see the bounds at the top), from the largest |cost|.
  const auto floor_for = [k](Cost max_cost) { return -(2 * static_cast<Cost>(k) + 3) * max_cost; };
  if (2 * m >= k * k) {
    // Per pair the cheapest cost and the first arc that has it.
    std::vector<Cost> c(k * k, unreachable<Cost>);
    std::vector<int> arc_of(k * k, -1);
    std::size_t pairs = 0;
    Cost max_cost = 0;
    for (std::size_t a = 0; a < m; ++a) {
      const std::size_t pair = static_cast<std::size_t>(b.index[g.source[a]]) * k +
                               static_cast<std::size_t>(b.index[g.target[a]]);
      max_cost = std::max(max_cost, g.cost[a] < 0 ? -g.cost[a] : g.cost[a]);
      if (g.cost[a] < c[pair]) {
        if (c[pair] == unreachable<Cost>) ++pairs;
        c[pair] = g.cost[a];
        arc_of[pair] = static_cast<int>(a);
      }
    }
    const bool ok = pairs == k * k ? solve_dense<true>(k, c, floor_for(max_cost), st)
                                   : solve_dense<false>(k, c, floor_for(max_cost), st);
    if (!ok) return out;
    for (std::size_t i = 0; i < k; ++i)
      chosen[i] = arc_of[i * k + static_cast<std::size_t>(st.col_of_row[i])];
  } else {
    const row_arcs<Cost> s = arcs_by_row(g, b);
    std::vector<int> entry;
    if (!solve_sparse(k, s, floor_for(s.max_cost), st, entry)) return out;
    for (std::size_t i = 0; i < k; ++i)
      chosen[i] = s.arc[static_cast<std::size_t>(entry[i])];
  }

  out.status = flow::flow_status::optimal;
  out.flow.assign(m, 0);
  out.potential.assign(static_cast<std::size_t>(g.node_count()), 0);
  for (std::size_t i = 0; i < k; ++i) {
    const auto a = static_cast<std::size_t>(chosen[i]);
    const auto j = static_cast<std::size_t>(st.col_of_row[i]);
    out.flow[a] = 1;
    out.cost += g.cost[a];
    // u(i) = c(i, x(i)) − v(x(i)); a source's potential is −u, a sink's v, so that the reduced
    // cost of an arc is cost + π(source) − π(target) = c − u − v.
    out.potential[static_cast<std::size_t>(b.row_node[i])] = -(g.cost[a] - st.v[j]);
  }
  for (std::size_t j = 0; j < k; ++j)
    out.potential[static_cast<std::size_t>(b.col_node[j])] = st.v[j];
  return out;
}

}  // namespace keten::detail

namespace keten::flow {

template <flow_integer Flow, flow_integer Cost>
bool is_assignment_instance(const basic_flow_network<Flow, Cost>& g) {
  const auto n = static_cast<std::size_t>(g.node_count());
  const std::size_t m = g.source.size();
  if (n < 2 || g.target.size() != m || g.lower.size() != m || g.upper.size() != m ||
      g.cost.size() != m)
    return false;
  std::size_t sources = 0;
  for (const Flow s : g.supply) {
    if (s == 1)
      ++sources;
    else if (s != -1)
      return false;
  }
  if (2 * sources != n) return false;
  Cost max_cost = 0;
  for (std::size_t a = 0; a < m; ++a) {
    const int from = g.source[a];
    const int to = g.target[a];
    if (from < 0 || to < 0 || static_cast<std::size_t>(from) >= n ||
        static_cast<std::size_t>(to) >= n || g.supply[from] != 1 || g.supply[to] != -1 ||
        g.lower[a] != 0 || g.upper[a] < 1 || g.upper[a] > max_abs_input<Flow> ||
        g.cost[a] > max_abs_input<Cost> || g.cost[a] < -max_abs_input<Cost>)
      return false;
    max_cost = std::max(max_cost, g.cost[a] < 0 ? -g.cost[a] : g.cost[a]);
  }
  // The network simplex's bound on (max |cost| + 1) · (nodes + 1); beyond it the network simplex
  // refuses the network, and so does solve_min_cost_flow().
  const auto factor = static_cast<std::int64_t>(n) + 1;
  return std::int64_t{max_cost} + 1 <= (std::numeric_limits<Cost>::max() / 8) / factor;
}

template <flow_integer Flow, flow_integer Cost>
basic_flow_solution<Flow, Cost> solve_min_cost_flow(const basic_flow_network<Flow, Cost>& g) {
  // An assignment instance passes validate() (is_assignment_instance checks every range it does),
  // so the arcs are read once on that path.
  if (is_assignment_instance(g)) return detail::solve_assignment(g);
  g.validate();
  basic_network_simplex<Flow, Cost> solver(g);
  basic_flow_solution<Flow, Cost> out;
  out.status = solver.run();
  if (out.status == flow_status::optimal) {
    out.cost = solver.total_cost();
    out.flow = solver.flows();
    out.potential.resize(static_cast<std::size_t>(g.node_count()));
    for (int u = 0; u < g.node_count(); ++u)
      out.potential[u] = solver.potential(u);
  }
  return out;
}

}  // namespace keten::flow
