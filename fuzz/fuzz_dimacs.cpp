// Fuzz harness: DIMACS min-cost-flow instances (flow::parse_dimacs), then the solver on what was
// read, docs/fuzzing.md.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; a network
// read is valid, writes back to DIMACS and reads back equal; the solver's answer on it is either
// "infeasible" or a flow that check_optimality certifies.
#include <string>

#include "fuzz_support.hpp"
#include "keten/dimacs.hpp"
#include "keten/flow.hpp"

namespace {
bool same(const keten::flow::flow_network& a, const keten::flow::flow_network& b) {
  return a.supply == b.supply && a.source == b.source && a.target == b.target &&
         a.lower == b.lower && a.upper == b.upper && a.cost == b.cost;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace flow = keten::flow;
  flow::flow_network g;
  try {
    g = flow::parse_dimacs(keten_fuzz::as_text(data, size), "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  try {
    g.validate();
    const std::string text = flow::to_dimacs(g);
    const flow::flow_network again = flow::parse_dimacs(text, "<round trip>");
    keten_fuzz::require(same(again, g), "parse_dimacs(to_dimacs(g)) == g");
    keten_fuzz::require(flow::to_dimacs(again) == text, "to_dimacs is stable over a round trip");
  } catch (const keten::error& e) {
    keten_fuzz::fail("a network that was read is valid and can be written and read back", e.what());
  }
  flow::flow_solution s;
  try {
    s = flow::solve_min_cost_flow(g);
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);  // e.g. costs too large for exact 64-bit arithmetic
    return 0;
  }
  if (s.status == flow::flow_status::optimal) {
    const std::string wrong = flow::check_optimality(g, s.flow, s.potential);
    if (!wrong.empty()) keten_fuzz::fail("an optimal flow passes check_optimality", wrong);
  }
  return 0;
}
