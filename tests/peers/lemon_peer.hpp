// tests/peers/lemon_peer.hpp — LEMON's min-cost-flow solvers as peers: the oracle of the flow tests
// and the competition in the benchmarks. LEMON (Debian liblemon-dev) is a test and benchmark
// dependency only; the library never uses it. LEMON 1.3 does not build as C++20 (its graph maps
// use std::allocator::construct), so the peer is compiled as C++17 behind this plain interface.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace keten::peers {

struct lemon_result {
  bool optimal = false;
  std::int64_t cost = 0;
  std::vector<std::int64_t> flow;  ///< per arc, when asked for
};

/// A network copied into a LEMON SmartDigraph once; each solve builds its solver on that graph.
class lemon_solver {
 public:
  lemon_solver(const std::vector<std::int64_t>& supply, const std::vector<int>& source,
               const std::vector<int>& target, const std::vector<std::int64_t>& lower,
               const std::vector<std::int64_t>& upper, const std::vector<std::int64_t>& cost);
  ~lemon_solver();
  lemon_solver(const lemon_solver&) = delete;
  lemon_solver& operator=(const lemon_solver&) = delete;

  /// NetworkSimplex with its default pivot rule (block search), 64-bit values and costs.
  [[nodiscard]] lemon_result network_simplex(bool want_flows = false) const;
  /// CostScaling with its default method (augment), 64-bit values and costs.
  [[nodiscard]] lemon_result cost_scaling() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace keten::peers
