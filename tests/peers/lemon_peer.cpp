// Compiled as C++17: see lemon_peer.hpp.
#include "lemon_peer.hpp"

#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

namespace keten::peers {

// LEMON's supply constraints are "≥" (its default GEQ type): they equal keten's and DIMACS'
// equality constraints when the supplies sum to zero; otherwise the equalities are infeasible.
struct lemon_solver::impl {
  bool balanced = true;
  lemon::SmartDigraph graph;
  lemon::SmartDigraph::ArcMap<std::int64_t> lower{graph};
  lemon::SmartDigraph::ArcMap<std::int64_t> upper{graph};
  lemon::SmartDigraph::ArcMap<std::int64_t> cost{graph};
  lemon::SmartDigraph::NodeMap<std::int64_t> supply{graph};
  std::vector<lemon::SmartDigraph::Arc> arcs;
};

lemon_solver::lemon_solver(const std::vector<std::int64_t>& supply, const std::vector<int>& source,
                           const std::vector<int>& target, const std::vector<std::int64_t>& lower,
                           const std::vector<std::int64_t>& upper,
                           const std::vector<std::int64_t>& cost)
    : impl_(std::make_unique<impl>()) {
  auto& g = impl_->graph;
  g.reserveNode(static_cast<int>(supply.size()));
  g.reserveArc(static_cast<int>(source.size()));
  std::vector<lemon::SmartDigraph::Node> nodes;
  nodes.reserve(supply.size());
  std::int64_t sum = 0;
  for (std::int64_t s : supply) {
    sum += s;
    nodes.push_back(g.addNode());
    impl_->supply[nodes.back()] = s;
  }
  impl_->balanced = sum == 0;
  impl_->arcs.reserve(source.size());
  for (std::size_t a = 0; a < source.size(); ++a) {
    const auto arc = g.addArc(nodes[source[a]], nodes[target[a]]);
    impl_->arcs.push_back(arc);
    impl_->lower[arc] = lower[a];
    impl_->upper[arc] = upper[a];
    impl_->cost[arc] = cost[a];
  }
}

lemon_solver::~lemon_solver() = default;

lemon_result lemon_solver::network_simplex(bool want_flows) const {
  using solver = lemon::NetworkSimplex<lemon::SmartDigraph, std::int64_t, std::int64_t>;
  if (!impl_->balanced) return {};
  solver ns(impl_->graph);
  ns.lowerMap(impl_->lower).upperMap(impl_->upper).costMap(impl_->cost).supplyMap(impl_->supply);
  lemon_result r;
  r.optimal = ns.run() == solver::OPTIMAL;
  if (r.optimal) {
    r.cost = ns.totalCost<std::int64_t>();
    if (want_flows)
      for (const auto& arc : impl_->arcs)
        r.flow.push_back(ns.flow(arc));
  }
  return r;
}

lemon_result lemon_solver::cost_scaling() const {
  using solver = lemon::CostScaling<lemon::SmartDigraph, std::int64_t, std::int64_t>;
  if (!impl_->balanced) return {};
  solver cs(impl_->graph);
  cs.lowerMap(impl_->lower).upperMap(impl_->upper).costMap(impl_->cost).supplyMap(impl_->supply);
  lemon_result r;
  r.optimal = cs.run() == solver::OPTIMAL;
  if (r.optimal) r.cost = cs.totalCost<std::int64_t>();
  return r;
}

}  // namespace keten::peers
