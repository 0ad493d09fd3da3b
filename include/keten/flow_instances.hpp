// keten/flow_instances.hpp — reproducible min-cost-flow instances in the style of NETGEN
// (Klingman, Napier & Stutz 1974): the standard shapes the solver core is tested and benchmarked
// on. `keten generate mcf` writes them as DIMACS files.
#pragma once

#include <cstdint>
#include <string_view>

#include "keten/flow.hpp"

namespace keten::flow {

enum class instance_kind {
  transportation,  ///< sources → sinks only
  transshipment,   ///< sources, transshipment nodes and sinks; arcs between any of them
  assignment,      ///< dense bipartite, unit supplies and capacities
};

[[nodiscard]] std::string_view to_string(instance_kind kind);
/// "transportation", "transshipment" or "assignment"; throws validation_error otherwise.
[[nodiscard]] instance_kind parse_instance_kind(std::string_view text);

struct instance_options {
  instance_kind kind = instance_kind::transshipment;
  int nodes = 1000;
  int arcs = 10000;  ///< ignored for assignment (which is complete: (nodes/2)² arcs)
  std::int64_t max_cost = 1000;
  std::int64_t max_capacity = 1000;
  int source_percent = 10;  ///< share of the nodes that are sources (and as many sinks)
  std::int64_t supply_per_source = 1000;
  std::uint64_t seed = 1;
};

/// Generates a feasible instance: a skeleton of chains from every source to a sink with enough
/// capacity for all supply (as NETGEN does), plus random arcs with uniform costs in
/// [0, max_cost] and capacities in [1, max_capacity].
[[nodiscard]] flow_network generate_instance(const instance_options& options);

}  // namespace keten::flow
