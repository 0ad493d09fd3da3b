// NETGEN-style min-cost-flow instances (keten/flow_instances.hpp): transportation, transshipment
// and assignment networks from a seed, for benchmarks and tests.
#include "keten/flow_instances.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "random.hpp"

namespace keten::flow {

std::string_view to_string(instance_kind kind) {
  switch (kind) {
    case instance_kind::transportation:
      return "transportation";
    case instance_kind::transshipment:
      return "transshipment";
    case instance_kind::assignment:
      return "assignment";
  }
  return "?";
}

instance_kind parse_instance_kind(std::string_view text) {
  for (auto kind :
       {instance_kind::transportation, instance_kind::transshipment, instance_kind::assignment})
    if (to_string(kind) == text) return kind;
  throw validation_error(
      error_code::invalid_value,
      fmt::format(
          "unknown instance kind '{}'; expected transportation, transshipment or assignment", text),
      {.field = "kind"});
}

namespace {

std::int64_t uniform(detail::random_stream& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
}

}  // namespace

flow_network generate_instance(const instance_options& o) {
  if (o.nodes < 2 || o.nodes > (1 << 26))
    throw validation_error(error_code::invalid_value, "nodes must be in [2, 2^26]",
                           {.field = "nodes"});
  if (o.arcs < 0 || o.arcs > (1 << 28))
    throw validation_error(error_code::invalid_value, "arcs must be in [0, 2^28]",
                           {.field = "arcs"});
  if (o.max_cost < 0 || o.max_cost > max_abs_cost || o.max_capacity < 1 ||
      o.max_capacity > max_abs_value || o.supply_per_source < 1 ||
      o.supply_per_source > max_abs_value / o.nodes || o.source_percent < 1 ||
      o.source_percent > 50)
    throw validation_error(
        error_code::invalid_value,
        "max_cost, max_capacity, supply_per_source or source_percent out of range");
  detail::random_stream rng(o.seed, to_string(o.kind));
  flow_network g;
  const int n = o.nodes;

  if (o.kind == instance_kind::assignment) {
    const int half = n / 2;
    g.reserve(static_cast<std::size_t>(2 * half),
              static_cast<std::size_t>(half) * static_cast<std::size_t>(half));
    for (int i = 0; i < half; ++i)
      g.add_node(1);
    for (int j = 0; j < half; ++j)
      g.add_node(-1);
    for (int i = 0; i < half; ++i)
      for (int j = 0; j < half; ++j)
        g.add_arc(i, half + j, 0, 1, uniform(rng, 0, o.max_cost));
    return g;
  }

  const int sources = std::max(1, n * o.source_percent / 100);
  const int sinks = sources;
  g.reserve(static_cast<std::size_t>(n), static_cast<std::size_t>(o.arcs));
  for (int u = 0; u < n; ++u)
    g.add_node(0);
  // Sources are 0..sources-1, sinks are n-sinks..n-1, the rest transshipment nodes. Each source
  // sends its supply to its own sink (a random pairing) through a skeleton chain of transshipment
  // nodes with capacity for all of it, so the instance is feasible; as in NETGEN, skeleton arcs
  // cost more than random arcs, so that the optimum mostly uses the random arcs.
  const int middle_begin = sources;
  const int middle_end = n - sinks;
  const bool transport = o.kind == instance_kind::transportation || middle_end <= middle_begin;
  std::vector<int> sink_of(static_cast<std::size_t>(sources));
  std::iota(sink_of.begin(), sink_of.end(), n - sinks);
  for (std::size_t i = sink_of.size(); i > 1; --i)
    std::swap(sink_of[i - 1], sink_of[rng.below(i)]);
  int skeleton = 0;
  for (int s = 0; s < sources; ++s) {
    const std::int64_t supply = uniform(rng, 1, 2 * o.supply_per_source - 1);
    g.supply[s] = supply;
    g.supply[sink_of[s]] = -supply;
    int at = s;
    if (!transport) {
      const int chain = 1 + static_cast<int>(rng.below(3));
      for (int c = 0; c < chain; ++c) {
        const int next = static_cast<int>(uniform(rng, middle_begin, middle_end - 1));
        if (next == at) continue;
        g.add_arc(at, next, 0, supply, uniform(rng, o.max_cost, 2 * o.max_cost + 1));
        ++skeleton;
        at = next;
      }
    }
    g.add_arc(at, sink_of[s], 0, supply, uniform(rng, o.max_cost, 2 * o.max_cost + 1));
    ++skeleton;
  }

  for (int a = skeleton; a < o.arcs; ++a) {
    int from = 0;
    int to = 0;
    if (transport) {
      from = static_cast<int>(rng.below(static_cast<std::uint64_t>(sources)));
      to = n - sinks + static_cast<int>(rng.below(static_cast<std::uint64_t>(sinks)));
    } else {
      from = static_cast<int>(rng.below(static_cast<std::uint64_t>(n - sinks)));
      to = static_cast<int>(uniform(rng, middle_begin, n - 1));
      if (from == to) to = n - 1 - static_cast<int>(rng.below(static_cast<std::uint64_t>(sinks)));
    }
    g.add_arc(from, to, 0, uniform(rng, 1, o.max_capacity), uniform(rng, 0, o.max_cost));
  }
  return g;
}

}  // namespace keten::flow
