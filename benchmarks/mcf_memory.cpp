// Peak memory of the min-cost-flow solvers on one DIMACS instance: keten's network simplex against
// LEMON's NetworkSimplex (docs/benchmarks.md, "Peak memory"). Each run is its own process, so that
// each peak is its own:
//
//   mcf_memory none FILE     reads the instance only (the baseline both share)
//   mcf_memory keten FILE    reads it and solves with keten::flow::network_simplex
//   mcf_memory solve FILE    reads it and solves with keten::flow::solve_min_cost_flow (what
//   callers
//                            use: the assignment solver on assignment instances), flows and duals
//                            kept
//   mcf_memory lemon FILE    reads it and solves with LEMON (the graph copied into a SmartDigraph)
//
// Prints the solver, the optimal cost and the peak resident set (getrusage ru_maxrss, KiB).
// benchmarks/mcf_memory.sh runs the three on generated instances and prints the table.
#include <sys/resource.h>

#include <cstdio>
#include <string>

#include "keten/dimacs.hpp"
#include "keten/flow.hpp"
#include "lemon_peer.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mcf_memory none|keten|solve|lemon FILE\n");
    return 2;
  }
  const std::string solver = argv[1];
  try {
    const keten::flow::flow_network g = keten::flow::load_dimacs(argv[2]);
    long long cost = 0;
    if (solver == "keten") {
      keten::flow::network_simplex s(g);
      if (s.run() != keten::flow::flow_status::optimal) return 3;
      cost = s.total_cost();
    } else if (solver == "solve") {
      const keten::flow::flow_solution s = keten::flow::solve_min_cost_flow(g);
      if (s.status != keten::flow::flow_status::optimal) return 3;
      cost = s.cost;
    } else if (solver == "lemon") {
      const keten::peers::lemon_solver s(g.supply, g.source, g.target, g.lower, g.upper, g.cost);
      const keten::peers::lemon_result r = s.network_simplex();
      if (!r.optimal) return 3;
      cost = r.cost;
    } else if (solver != "none") {
      std::fprintf(stderr, "unknown solver %s\n", solver.c_str());
      return 2;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%s %lld %ld\n", solver.c_str(), cost, usage.ru_maxrss);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
