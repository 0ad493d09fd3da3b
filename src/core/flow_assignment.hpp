// src/core/flow_assignment.hpp — the assignment solver behind solve_min_cost_flow(). Private to the
// library; the public side is flow::is_assignment_instance() and flow_solution::method.
#pragma once

#include "keten/flow.hpp"

namespace keten::flow::detail {

/// Solves an assignment instance (is_assignment_instance() holds, which implies that validate()
/// passes) by shortest augmenting paths: an optimal perfect matching with
/// its flow per arc, cost and potentials in the sense of network_simplex::potential, or
/// infeasible when there is no perfect matching. method is flow_method::assignment.
[[nodiscard]] flow_solution solve_assignment(const flow_network& g);

}  // namespace keten::flow::detail
