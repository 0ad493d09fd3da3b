// The compiled part of the min-cost-flow core (keten/flow.hpp): the 64-bit network simplex,
// validate() and check_optimality(), and the error messages every flow and cost type shares.
#include "keten/flow.hpp"

#include <fmt/format.h>

namespace keten::detail {

void network_error(network_problem what, std::int64_t index, std::int64_t a, std::int64_t b,
                   int bits, int type_bits) {
  const auto arc = [index](const char* field) {
    return source_position{.field = field, .object_id = fmt::format("arc {}", index + 1)};
  };
  const auto too_large = [&](const char* what_exceeds) {
    return validation_error(error_code::invalid_value,
                            fmt::format("the network is too large for exact {}-bit arithmetic: {} "
                                        "exceeds 2^{}",
                                        type_bits, what_exceeds, bits));
  };
  switch (what) {
    case network_problem::arc_arrays:
      throw validation_error(error_code::invalid_value,
                             "the arc arrays of the network have different lengths");
    case network_problem::supply_range:
      throw validation_error(
          error_code::invalid_value,
          fmt::format("supply {} of node {} is outside ±2^{}", a, index + 1, bits),
          {.field = "supply", .object_id = fmt::format("node {}", index + 1)});
    case network_problem::missing_source:
      throw validation_error(
          error_code::unknown_reference,
          fmt::format("arc {} starts at node {}, which does not exist", index + 1, a + 1),
          arc("from"));
    case network_problem::missing_target:
      throw validation_error(
          error_code::unknown_reference,
          fmt::format("arc {} ends at node {}, which does not exist", index + 1, a + 1), arc("to"));
    case network_problem::lower_range:
      throw validation_error(error_code::invalid_value,
                             fmt::format("lower bound {} is outside ±2^{}", a, bits), arc("low"));
    case network_problem::capacity_range:
      throw validation_error(error_code::invalid_value,
                             fmt::format("capacity {} is outside ±2^{}", a, bits), arc("cap"));
    case network_problem::cost_range:
      throw validation_error(error_code::invalid_value,
                             fmt::format("cost {} is outside ±2^{}", a, bits), arc("cost"));
    case network_problem::inverted_bounds:
      throw validation_error(error_code::inverted_range,
                             fmt::format("lower bound {} is above the capacity {}", a, b),
                             arc("low"));
    case network_problem::shifted_supply:
      throw too_large("a node's supply plus lower bounds");
    case network_problem::lower_bound_cost:
      throw too_large("the cost of the lower bounds");
    case network_problem::flow_sum:
      throw too_large("the sum of |supplies| and capacities");
    case network_problem::potential_range:
      throw validation_error(
          error_code::invalid_value,
          fmt::format("the network is too large for exact {}-bit potentials: (max |cost| + 1) · "
                      "(nodes + 1) = {} · {} must stay below 2^{}",
                      type_bits, a, b, bits));
    case network_problem::unbounded_cycle:
      throw validation_error(error_code::invalid_value, "the network has an unbounded cycle");
    case network_problem::total_cost:
      throw validation_error(error_code::invalid_value,
                             "the total cost of the optimal flow does not fit in 64 bits");
    case network_problem::dynamic_total_cost:
      throw validation_error(error_code::invalid_value, "the total cost does not fit in 64 bits");
  }
  throw validation_error(error_code::invalid_value, "the network is not valid");
}

void flow_unknown_element(const char* kind, int index, const char* field) {
  throw validation_error(error_code::unknown_reference,
                         fmt::format("{} {} does not exist", kind, index + 1),
                         {.field = field, .object_id = fmt::format("{} {}", kind, index + 1)});
}

void flow_out_of_range(std::int64_t value, std::int64_t low, std::int64_t high, const char* field,
                       const char* kind, int index) {
  throw validation_error(error_code::invalid_value,
                         fmt::format("{} {} is outside [{}, {}]", field, value, low, high),
                         {.field = field, .object_id = fmt::format("{} {}", kind, index + 1)});
}

}  // namespace keten::detail

namespace keten::flow {

template struct basic_flow_network<value_t, cost_t>;
template class basic_network_simplex<value_t, cost_t>;
template std::string check_optimality(const flow_network&, std::span<const value_t>,
                                      std::span<const cost_t>);

}  // namespace keten::flow
