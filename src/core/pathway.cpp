// Pathways (keten/pathway.hpp): a bundle's steps in stages from category precedence, parallel
// steps and warm handovers.
#include "keten/pathway.hpp"

#include <algorithm>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

namespace keten {

pathway build_pathway(const landscape& l, const help_case& c,
                      std::span<const std::optional<offering_index>> assigned) {
  // One step per distinct offering, with the needs it covers.
  std::vector<pathway_step> steps;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    if (!assigned[i]) continue;
    auto it = std::find_if(steps.begin(), steps.end(),
                           [&](const pathway_step& s) { return s.offering == *assigned[i]; });
    if (it == steps.end()) {
      steps.push_back({*assigned[i], l.partner_of(*assigned[i]), {}, 0});
      it = steps.end() - 1;
    }
    it->needs.push_back(i);
  }
  const std::size_t n = steps.size();
  std::vector<category_index> categories(c.needs.size());
  for (std::size_t i = 0; i < c.needs.size(); ++i)
    categories[i] = l.categories().index_of(c.needs[i].category);
  const auto category = [&categories](std::size_t need) { return categories[need]; };

  // before[s][t]: some need of s precedes some need of t.
  std::vector<std::vector<bool>> before(n, std::vector<bool>(n, false));
  using step_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  step_graph graph(n);
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t t = 0; t < n; ++t)
      if (s != t)
        for (std::size_t i : steps[s].needs)
          for (std::size_t j : steps[t].needs)
            if (l.precedes(category(i), category(j))) before[s][t] = true;
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t t = 0; t < n; ++t)
      if (before[s][t]) boost::add_edge(s, t, graph);

  // Steps that must come before each other share a stage: condense the strong components, then a
  // component's stage is the longest chain of components before it.
  std::vector<std::size_t> component(n);
  if (n > 0)
    boost::strong_components(graph, boost::make_iterator_property_map(
                                        component.begin(), boost::get(boost::vertex_index, graph)));
  const auto waits_for = [&](std::size_t t, std::size_t s) {
    return before[s][t] && component[s] != component[t];
  };
  std::vector<std::size_t> component_stage(n, 0);
  for (std::size_t round = 0; round < n; ++round)  // longest path over the condensed DAG
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t t = 0; t < n; ++t)
        if (waits_for(t, s))
          component_stage[component[t]] =
              std::max(component_stage[component[t]], component_stage[component[s]] + 1);
  for (std::size_t s = 0; s < n; ++s)
    steps[s].stage = component_stage[component[s]];

  const auto urgency = [&](const pathway_step& s) {
    int u = 0;
    for (std::size_t i : s.needs)
      u = std::max(u, c.needs[i].urgency);
    return u;
  };
  std::vector<std::size_t> order(n);
  for (std::size_t s = 0; s < n; ++s)
    order[s] = s;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (steps[a].stage != steps[b].stage) return steps[a].stage < steps[b].stage;
    if (urgency(steps[a]) != urgency(steps[b])) return urgency(steps[a]) > urgency(steps[b]);
    return l.offerings()[steps[a].offering].id < l.offerings()[steps[b].offering].id;
  });

  pathway out;
  for (std::size_t s : order)
    out.steps.push_back(steps[s]);
  for (std::size_t pos = 1; pos < n; ++pos) {
    const std::size_t t = order[pos];
    std::optional<std::size_t> from;
    for (std::size_t earlier = 0; earlier < pos; ++earlier) {
      const std::size_t s = order[earlier];
      if (waits_for(t, s) && (!from || steps[s].stage > out.steps[*from].stage)) from = earlier;
    }
    const bool precedence = from.has_value();
    if (!from) from = 0;
    // A partner already on the case needs no handover for its next offering.
    const bool involved =
        std::any_of(out.steps.begin(), out.steps.begin() + static_cast<std::ptrdiff_t>(pos),
                    [&](const pathway_step& e) { return e.partner == out.steps[pos].partner; });
    if (!involved) out.handovers.push_back({*from, pos, precedence});
  }
  return out;
}

}  // namespace keten
