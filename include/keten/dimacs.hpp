// keten/dimacs.hpp — min-cost-flow instances in the DIMACS format, so that anybody can check the
// solver core against LEMON, OR-Tools or networkx on graphs nobody tuned for.
//
//   c a comment                 (anywhere; blank lines are ignored too)
//   p min NODES ARCS            (exactly once, before any n or a line)
//   n ID SUPPLY                 (nodes are numbered 1..NODES; unlisted nodes have supply 0)
//   a FROM TO LOW CAP COST      (exactly ARCS of them; LOW ≤ CAP; negative values allowed)
//
// Numbers are decimal integers of at most ±2^40. Any other line, a missing or repeated field, a
// node outside 1..NODES, a node listed twice or a wrong number of arcs is a parse_error
// (dimacs_syntax) naming the file, the line and the field.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "keten/flow.hpp"

namespace keten::flow {

/// Parses a DIMACS min-cost-flow instance; `file` names the input in errors.
[[nodiscard]] flow_network parse_dimacs(std::string_view text,
                                        const std::string& file = "<string>");

/// Reads and parses a DIMACS file (io_error if it cannot be read).
[[nodiscard]] flow_network load_dimacs(const std::filesystem::path& path);

/// Writes the network in the DIMACS format (node ids 1-based; only nodes with a supply get an n
/// line). `comment` lines, if given, are written first as c lines.
[[nodiscard]] std::string to_dimacs(const flow_network& g, std::string_view comment = {});

/// Writes to_dimacs(g, comment) to `path` atomically (io_error if it cannot be written).
void save_dimacs(const flow_network& g, const std::filesystem::path& path,
                 std::string_view comment = {});

/// The DIMACS solution lines: "s COST" (or "s infeasible") and, with `with_flows`, one
/// "f FROM TO FLOW" line per arc in input order.
[[nodiscard]] std::string to_dimacs_solution(const flow_network& g, const flow_solution& s,
                                             bool with_flows);

}  // namespace keten::flow
