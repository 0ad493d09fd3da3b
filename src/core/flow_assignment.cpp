// The compiled 64-bit assignment solver and solve_min_cost_flow() (the templates are in
// keten/detail/flow_assignment.hpp).
#include "keten/flow.hpp"

namespace keten::flow {

template bool is_assignment_instance(const flow_network&);
template flow_solution solve_min_cost_flow(const flow_network&);

}  // namespace keten::flow
