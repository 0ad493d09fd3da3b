// keten/detail/flow_checks.hpp — what the min-cost-flow templates share: 128-bit sums, the numeric
// limits of a flow or cost type, and the errors they throw (formatted in the compiled library).
#pragma once

#include <cstdint>
#include <limits>

namespace keten::detail {

__extension__ using int128 = __int128;  // exact totals and certificates (GCC and Clang)

/// Value bits of T (63 for 64-bit types, 31 for 32-bit ones).
template <class T>
inline constexpr int value_bits = std::numeric_limits<T>::digits;

/// 2^(value_bits − k): the limits of the header's numeric ranges, as exact powers of two.
template <class T>
[[nodiscard]] constexpr T power_below_max(int k) {
  return T{1} << (value_bits<T> - k);
}

/// The exponent of max_abs_input<T> (40 or 28), for messages.
template <class T>
inline constexpr int input_bits = sizeof(T) == 8 ? 40 : 28;

/// What validate() and the solvers refuse, for network_error().
enum class network_problem {
  arc_arrays,         // the arc arrays have different lengths
  supply_range,       // a: the supply, index: the node
  missing_source,     // a: the node, index: the arc
  missing_target,     // a: the node, index: the arc
  lower_range,        // a: the bound, index: the arc
  capacity_range,     // a: the capacity, index: the arc
  cost_range,         // a: the cost, index: the arc
  inverted_bounds,    // a: the lower bound, b: the capacity, index: the arc
  shifted_supply,     // a node's supply plus lower bounds beyond 2^bits
  lower_bound_cost,   // the cost of the lower bounds beyond 2^bits
  flow_sum,           // Σ |supplies| + Σ capacities beyond 2^bits
  potential_range,    // a: max |cost| + 1, b: nodes + 1
  unbounded_cycle,    // a cycle of negative cost without a capacity
  total_cost,         // the total cost beyond 64 bits
  dynamic_total_cost  // the same, of a dynamic flow
};

/// Throws the validation_error for `what`; `bits` is the limit's exponent (the input range's for
/// the *_range problems, else the limit's), `type_bits` the width of the type concerned (64, 32).
/// The messages and positions (field, object id) are those the 64-bit solvers always gave.
[[noreturn]] void network_error(network_problem what, std::int64_t index = 0, std::int64_t a = 0,
                                std::int64_t b = 0, int bits = 0, int type_bits = 64);

/// Throws the validation_error of basic_dynamic_min_cost_flow for an unknown node or arc (`kind`
/// "node" or "arc", `field` the argument) or a value outside [low, high].
[[noreturn]] void flow_unknown_element(const char* kind, int index, const char* field);
[[noreturn]] void flow_out_of_range(std::int64_t value, std::int64_t low, std::int64_t high,
                                    const char* field, const char* kind, int index);

}  // namespace keten::detail
