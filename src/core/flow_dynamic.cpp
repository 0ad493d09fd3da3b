// The compiled 64-bit dynamic_min_cost_flow (the template is in keten/detail/flow_dynamic.hpp).
#include "keten/flow.hpp"

namespace keten::flow {

template class basic_dynamic_min_cost_flow<value_t, cost_t>;

}  // namespace keten::flow
