#include "keten/allocation.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "policy_terms.hpp"

namespace keten {

std::string_view to_string(unmet_reason r) noexcept {
  switch (r) {
    case unmet_reason::no_consent:
      return "no_consent";
    case unmet_reason::out_of_area:
      return "out_of_area";
    case unmet_reason::excluded:
      return "excluded";
    case unmet_reason::not_eligible:
      return "not_eligible";
    case unmet_reason::capacity_exhausted:
      return "capacity_exhausted";
  }
  return "?";
}

namespace {

void validate_policy(const allocation_policy& p) {
  detail::validate_policy_weights(p.weights, p.waiting_day, "allocation");
  const std::pair<const char*, double> values[] = {
      {"weights.complementarity", p.weights.complementarity}, {"fairness", p.fairness}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(error_code::invalid_value,
                             "a weight of the allocation policy is a finite number in [0, 1e6]",
                             {.field = name});
}

/// What the flow needs to know of one need.
struct need_info {
  need_ref ref;
  score_t priority{};
  std::uint32_t municipality{};             // index into the municipality list when fairness is on
  std::optional<unmet_reason> blocked;      // set when the need cannot enter the flow
  std::optional<offering_index> preferred;  // best-fit candidate, full or not
  std::vector<std::pair<offering_index, score_t>> options;  // usable candidates and their fit
};

struct prepared {
  std::vector<need_info> needs;
  std::vector<std::string> municipalities;
};

prepared prepare(const landscape& l, std::span<const help_case> cases,
                 const allocation_policy& policy, std::span<const int> days_waiting) {
  validate_policy(policy);
  if (!days_waiting.empty() && days_waiting.size() != cases.size())
    throw validation_error(
        error_code::invalid_value,
        fmt::format("days_waiting has {} entries for {} cases", days_waiting.size(), cases.size()),
        {.field = "days_waiting"});
  if (cases.size() > std::numeric_limits<std::uint32_t>::max())
    throw validation_error(error_code::invalid_value, "too many cases", {.field = "cases"});
  prepared out;
  std::unordered_set<std::string_view> ids;
  std::unordered_map<std::string, std::uint32_t> municipality_index;
  match_options candidates_options;
  candidates_options.allow_waitlist = true;  // capacity is the flow's business
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (policy.progress && ci % 4096 == 0) policy.progress("candidates", ci, cases.size());
    const help_case& c = cases[ci];
    const int waited = days_waiting.empty() ? 0 : days_waiting[ci];
    if (waited < 0)
      throw validation_error(error_code::negative_value, "days waiting must be ≥ 0",
                             {.field = "days_waiting", .object_id = c.id});
    const std::vector<need_candidates> found = find_candidates(l, c, candidates_options);
    if (!ids.insert(c.id).second)
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = c.id});
    std::uint32_t municipality = 0;
    if (policy.fairness > 0.0) {
      // Cases located only by PC4 or a point share one "unknown municipality" class.
      const std::string& key = c.location.municipality;
      const auto [it, added] = municipality_index.try_emplace(
          key, static_cast<std::uint32_t>(out.municipalities.size()));
      if (added) out.municipalities.push_back(key);
      municipality = it->second;
    }
    for (std::size_t ni = 0; ni < c.needs.size(); ++ni) {
      need_info info;
      info.ref = {static_cast<std::uint32_t>(ci), static_cast<std::uint32_t>(ni)};
      info.municipality = municipality;
      info.priority =
          detail::need_priority(policy.weights, c.needs[ni], policy.waiting_day, waited);
      const need_candidates& nc = found[ni];
      score_t best_fit = 0;
      for (offering_index o : nc.candidates) {
        const assignment_terms t = need_terms(l, c, ni, o, policy.weights);
        const score_t fit = t.distance + t.wait;
        if (!info.preferred || fit > best_fit) {
          info.preferred = o;
          best_fit = fit;
        }
        if (l.offerings()[o].units.free_units > 0 && info.priority + fit > 0)
          info.options.emplace_back(o, fit);
      }
      if (!c.consent) {
        info.blocked = unmet_reason::no_consent;
        info.options.clear();
      } else if (nc.candidates.empty()) {
        const auto why = nc.uncoverable_because();
        info.blocked = !why || *why == rejection::out_of_area ? unmet_reason::out_of_area
                       : *why == rejection::excluded          ? unmet_reason::excluded
                       : *why == rejection::not_eligible      ? unmet_reason::not_eligible
                                                              : unmet_reason::capacity_exhausted;
      }
      out.needs.push_back(std::move(info));
    }
  }
  return out;
}

allocation_network build_network(const landscape& l, const prepared& p,
                                 const allocation_policy& policy, bool grouped) {
  allocation_network out;
  flow::flow_network& g = out.network;
  // Supply nodes: one per class of interchangeable needs (or per need).
  std::vector<std::uint32_t> group_of(p.needs.size(), 0);
  std::vector<std::uint32_t> representative;
  {
    std::unordered_map<std::string, std::uint32_t> index;
    std::string key;
    for (std::size_t i = 0; i < p.needs.size(); ++i) {
      const need_info& n = p.needs[i];
      if (n.blocked || n.options.empty()) continue;
      std::uint32_t group = 0;
      if (grouped) {
        key.assign(reinterpret_cast<const char*>(&n.priority), sizeof n.priority);
        key.append(reinterpret_cast<const char*>(&n.municipality), sizeof n.municipality);
        for (const auto& [o, fit] : n.options) {
          key.append(reinterpret_cast<const char*>(&o), sizeof o);
          key.append(reinterpret_cast<const char*>(&fit), sizeof fit);
        }
        const auto [it, added] =
            index.try_emplace(key, static_cast<std::uint32_t>(out.group_needs.size()));
        if (added) {
          out.group_needs.emplace_back();
          representative.push_back(static_cast<std::uint32_t>(i));
        }
        group = it->second;
      } else {
        group = static_cast<std::uint32_t>(out.group_needs.size());
        out.group_needs.emplace_back();
        representative.push_back(static_cast<std::uint32_t>(i));
      }
      group_of[i] = group;
      out.group_needs[group].push_back(n.ref);
    }
  }
  const auto groups = out.group_needs.size();
  std::int64_t total = 0;
  for (const auto& members : out.group_needs) {
    g.add_node(static_cast<flow::value_t>(members.size()));
    total += static_cast<std::int64_t>(members.size());
  }
  // Offering nodes for the offerings some group can use.
  std::vector<int> offering_node(l.offerings().size(), -1);
  for (std::uint32_t r : representative)
    for (const auto& [o, fit] : p.needs[r].options)
      if (offering_node[o] < 0) offering_node[o] = g.add_node(0);
  // Fairness: one node per municipality collecting the unmet needs.
  std::vector<int> unmet_node;
  std::vector<std::int64_t> municipality_needs;
  if (policy.fairness > 0.0) {
    municipality_needs.assign(p.municipalities.size(), 0);
    for (std::size_t gi = 0; gi < groups; ++gi)
      municipality_needs[p.needs[representative[gi]].municipality] +=
          static_cast<std::int64_t>(out.group_needs[gi].size());
    for (std::size_t m = 0; m < p.municipalities.size(); ++m)
      unmet_node.push_back(municipality_needs[m] > 0 ? g.add_node(0) : -1);
  }
  out.sink = g.add_node(-total);

  for (std::size_t gi = 0; gi < groups; ++gi) {
    const need_info& n = p.needs[representative[gi]];
    const auto size = static_cast<flow::value_t>(out.group_needs[gi].size());
    for (const auto& [o, fit] : n.options) {
      const flow::value_t cap = std::min<flow::value_t>(size, l.offerings()[o].units.free_units);
      const int arc =
          g.add_arc(static_cast<int>(gi), offering_node[o], 0, cap, -(n.priority + fit));
      out.options.push_back({arc, static_cast<std::uint32_t>(gi), o, n.priority, fit});
    }
    g.add_arc(static_cast<int>(gi), unmet_node.empty() ? out.sink : unmet_node[n.municipality], 0,
              size, 0);
  }
  for (offering_index o = 0; o < l.offerings().size(); ++o)
    if (offering_node[o] >= 0)
      g.add_arc(offering_node[o], out.sink, 0, l.offerings()[o].units.free_units, 0);
  for (std::size_t m = 0; m < unmet_node.size(); ++m) {
    if (unmet_node[m] < 0) continue;
    // Ten tranches; the k-th tenth of the municipality's needs left unmet costs k · fairness.
    const std::int64_t needs = municipality_needs[m];
    std::int64_t given = 0;
    for (int k = 0; k < 10; ++k) {
      const std::int64_t upto = (needs * (k + 1) + 9) / 10;
      if (upto > given)
        g.add_arc(unmet_node[m], out.sink, 0, upto - given, to_score(policy.fairness * k));
      given = std::max(given, upto);
    }
  }
  return out;
}

/// needs[i] of the prepared list, found by reference.
std::size_t flat_index(std::span<const help_case> cases, std::vector<std::size_t>& offsets,
                       const need_ref& r) {
  if (offsets.empty()) {
    offsets.resize(cases.size() + 1, 0);
    for (std::size_t i = 0; i < cases.size(); ++i)
      offsets[i + 1] = offsets[i] + cases[i].needs.size();
  }
  return offsets[r.case_index] + r.need_index;
}

/// The complementarity of case c given the offering of each of its needs.
score_t case_complementarity(const landscape& l, const help_case& c,
                             std::span<const std::optional<offering_index>> of,
                             const match_weights& w) {
  score_t total = 0;
  for (std::size_t i = 0; i < of.size(); ++i)
    for (std::size_t j = i + 1; j < of.size(); ++j)
      if (of[i] && of[j] && *of[i] != *of[j]) total += need_pair_complementarity(l, c, i, j, w);
  return total;
}

}  // namespace

namespace detail {

void validate_policy_weights(const match_weights& w, double waiting_day, std::string_view policy) {
  const std::pair<const char*, double> values[] = {
      {"weights.cover", w.cover},
      {"weights.distance", w.distance},
      {"weights.distance_scale_km", w.distance_scale_km},
      {"weights.wait", w.wait},
      {"weights.wait_scale_days", w.wait_scale_days},
      {"waiting_day", waiting_day}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(
          error_code::invalid_value,
          fmt::format("a weight of the {} policy is a finite number in [0, 1e6]", policy),
          {.field = name});
  if (w.distance_scale_km <= 0.0 || w.wait_scale_days <= 0.0)
    throw validation_error(error_code::invalid_value,
                           "the distance and wait scales must be positive", {.field = "weights"});
}

}  // namespace detail

allocation_network build_allocation_network(const landscape& l, std::span<const help_case> cases,
                                            const allocation_policy& policy,
                                            std::span<const int> days_waiting, bool grouped) {
  return build_network(l, prepare(l, cases, policy, days_waiting), policy, grouped);
}

allocation allocate(const landscape& l, std::span<const help_case> cases,
                    const allocation_policy& policy, std::span<const int> days_waiting) {
  const prepared p = prepare(l, cases, policy, days_waiting);
  const allocation_network net = build_network(l, p, policy, true);
  net.network.validate();
  if (policy.progress) policy.progress("solving", 0, 1);
  flow::network_simplex solver(net.network);
  if (solver.run() != flow::flow_status::optimal)
    throw validation_error(error_code::invalid_value,
                           "internal: the allocation network is infeasible");  // not reachable
  allocation out;
  out.groups = net.group_needs.size();
  out.arcs = static_cast<std::size_t>(net.network.arc_count());
  out.pivots = solver.pivots();
  out.used_units.assign(l.offerings().size(), 0);

  // Hand each group's flow to its members in case order, best fit first.
  std::vector<std::optional<offering_index>> chosen(p.needs.size());
  std::vector<score_t> chosen_fit(p.needs.size(), 0);
  std::vector<std::size_t> offsets;
  {
    std::vector<std::vector<const allocation_network::option*>> by_group(net.group_needs.size());
    for (const auto& o : net.options)
      if (solver.flow(o.arc) > 0) by_group[o.group].push_back(&o);
    for (std::size_t gi = 0; gi < by_group.size(); ++gi) {
      auto& used = by_group[gi];
      std::sort(used.begin(), used.end(), [&](const auto* a, const auto* b) {
        if (a->fit != b->fit) return a->fit > b->fit;
        return l.offerings()[a->offering].id < l.offerings()[b->offering].id;
      });
      std::size_t next = 0;
      for (const auto* o : used) {
        for (flow::value_t k = 0; k < solver.flow(o->arc); ++k) {
          const std::size_t i = flat_index(cases, offsets, net.group_needs[gi][next++]);
          chosen[i] = o->offering;
          chosen_fit[i] = o->fit;
        }
      }
    }
  }
  for (std::size_t i = 0; i < p.needs.size(); ++i)
    if (chosen[i]) ++out.used_units[*chosen[i]];

  // Improvement: move single needs to candidates with spare units when the case gains.
  if (policy.progress) policy.progress("improving", 0, 1);
  if (policy.improve_complementarity && policy.weights.complementarity > 0.0) {
    std::vector<std::size_t> case_first(cases.size() + 1, 0);
    for (std::size_t ci = 0; ci < cases.size(); ++ci)
      case_first[ci + 1] = case_first[ci] + cases[ci].needs.size();
    for (int pass = 0; pass < 4; ++pass) {
      bool improved = false;
      for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        const std::size_t first = case_first[ci];
        const std::size_t count = case_first[ci + 1] - first;
        if (count < 2) continue;
        std::span<std::optional<offering_index>> of(chosen.data() + first, count);
        for (std::size_t ni = 0; ni < count; ++ni) {
          const std::size_t i = first + ni;
          if (!chosen[i]) continue;
          const score_t before = case_complementarity(l, cases[ci], of, policy.weights);
          const offering_index current = *chosen[i];
          score_t best_gain = 0;
          std::optional<offering_index> best;
          score_t best_fit = 0;
          for (const auto& [o, fit] : p.needs[i].options) {
            if (o == current) continue;
            if (out.used_units[o] >= l.offerings()[o].units.free_units) continue;
            chosen[i] = o;
            const score_t gain = case_complementarity(l, cases[ci], of, policy.weights) - before +
                                 fit - chosen_fit[i];
            chosen[i] = current;
            if (gain > best_gain) {
              best_gain = gain;
              best = o;
              best_fit = fit;
            }
          }
          if (best) {
            --out.used_units[current];
            ++out.used_units[*best];
            chosen[i] = best;
            chosen_fit[i] = best_fit;
            ++out.moves;
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
  }

  // The result: assigned needs in case order, the waitlist by priority.
  for (std::size_t i = 0; i < p.needs.size(); ++i) {
    const need_info& n = p.needs[i];
    if (chosen[i]) {
      out.assigned.push_back({n.ref, *chosen[i], n.priority, chosen_fit[i]});
      out.flow_objective += n.priority + chosen_fit[i];
    } else {
      unmet_need u;
      u.need = n.ref;
      u.priority = n.priority;
      u.reason = n.blocked.value_or(unmet_reason::capacity_exhausted);
      if (u.reason == unmet_reason::capacity_exhausted) u.waiting_for = n.preferred;
      out.unmet.push_back(u);
    }
  }
  // flow_objective so far is Σ priority + fit of the final assignment; the improvement step's
  // fit changes are in it. Report the optimal flow's own value separately.
  const score_t final_fit_and_priority = out.flow_objective;
  out.flow_objective = -solver.total_cost();
  for (std::size_t ci = 0, first = 0; ci < cases.size(); first += cases[ci].needs.size(), ++ci)
    out.complementarity += case_complementarity(
        l, cases[ci], std::span(chosen.data() + first, cases[ci].needs.size()), policy.weights);
  // Fairness penalty of the final assignment (same unmet counts as the flow's).
  out.fairness_penalty = out.flow_objective - [&] {
    score_t flow_value = 0;
    for (const auto& o : net.options)
      flow_value += solver.flow(o.arc) * (o.priority + o.fit);
    return flow_value;
  }();
  out.objective = final_fit_and_priority + out.fairness_penalty + out.complementarity;

  std::stable_sort(out.unmet.begin(), out.unmet.end(),
                   [](const unmet_need& a, const unmet_need& b) {
                     const bool wa = a.reason == unmet_reason::capacity_exhausted;
                     const bool wb = b.reason == unmet_reason::capacity_exhausted;
                     if (wa != wb) return wa;
                     if (wa && a.priority != b.priority) return a.priority > b.priority;
                     return a.need < b.need;
                   });
  std::unordered_map<offering_index, std::size_t> queue;
  for (unmet_need& u : out.unmet)
    if (u.waiting_for) u.queue_position = ++queue[*u.waiting_for];
  if (policy.progress) policy.progress("done", 1, 1);
  return out;
}

}  // namespace keten
