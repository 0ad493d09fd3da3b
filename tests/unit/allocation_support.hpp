// tests/unit/allocation_support.hpp — what the allocation and allocator tests share: the example
// landscape with other free units, LEMON's optimum, the checks of an allocation's hard constraints
// and consistency, and an exhaustive optimum of small instances.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "keten/allocation.hpp"
#include "keten/io.hpp"
#include "keten/synthetic.hpp"
#include "lemon_peer.hpp"
#include "matching_support.hpp"
#include "support.hpp"

namespace keten::allocation_test {

using keten_test::example_cases;
inline const landscape& example() {
  return keten_test::example_landscape();
}

/// The example landscape with every offering's free units replaced by free(i).
template <class Free>
landscape with_free_units(Free free) {
  std::string text = read_file(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  static const std::regex pattern("\"free_units\": [0-9]+");
  std::string out;
  std::size_t i = 0;
  auto begin = std::sregex_iterator(text.begin(), text.end(), pattern);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, static_cast<std::size_t>(it->position()) - last);
    out += "\"free_units\": " + std::to_string(free(i++));
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out.append(text, last);
  return parse_landscape_json(out, "tight-example");
}

inline std::int64_t lemon_optimum(const flow::flow_network& g) {
  const peers::lemon_solver s(g.supply, g.source, g.target, g.lower, g.upper, g.cost);
  const peers::lemon_result r = s.network_simplex();
  EXPECT_TRUE(r.optimal);
  return r.cost;
}

/// Checks every hard constraint of an allocation.
inline void expect_feasible(const landscape& l, std::span<const help_case> cases,
                            const allocation& a) {
  std::map<need_ref, int> seen;
  std::vector<std::int32_t> used(l.offerings().size(), 0);
  match_options any;
  any.allow_waitlist = true;
  for (const assigned_need& x : a.assigned) {
    EXPECT_EQ(++seen[x.need], 1);
    const help_case& c = cases[x.need.case_index];
    EXPECT_TRUE(c.consent);
    const auto found = find_candidates(l, c, any);
    const auto& cands = found[x.need.need_index].candidates;
    EXPECT_NE(std::find(cands.begin(), cands.end(), x.offering), cands.end());
    ++used[x.offering];
  }
  for (const unmet_need& u : a.unmet)
    EXPECT_EQ(++seen[u.need], 1);
  std::size_t total = 0;
  for (const help_case& c : cases)
    total += c.needs.size();
  EXPECT_EQ(seen.size(), total);  // nobody silently dropped
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    EXPECT_LE(used[o], l.offerings()[o].units.free_units);
    EXPECT_EQ(used[o], a.used_units[o]);
  }
}

/// Checks how an allocation is laid out and summed, independently of how it was computed (a warm
/// re-solve updates its result in place): assigned needs in case order; the waitlist's
/// capacity_exhausted needs first, by priority (highest first, ties in case order), with their
/// places in each offering's queue, then the others in case order; every need's priority as in
/// `reference` (an allocation of the same cases); the complementarity recomputed pair by pair and
/// the objective as the sum of its parts.
inline void expect_result_consistent(const landscape& l, std::span<const help_case> cases,
                                     const allocation_policy& policy, const allocation& a,
                                     const allocation& reference) {
  std::map<need_ref, score_t> priority;
  for (const assigned_need& x : reference.assigned)
    priority[x.need] = x.priority;
  for (const unmet_need& u : reference.unmet)
    priority[u.need] = u.priority;
  score_t value = 0;
  std::map<need_ref, offering_index> of;
  for (std::size_t k = 0; k < a.assigned.size(); ++k) {
    const assigned_need& x = a.assigned[k];
    if (k > 0) {
      EXPECT_LT(a.assigned[k - 1].need, x.need) << "assigned needs in case order";
    }
    EXPECT_EQ(x.priority, priority[x.need]);
    value += x.priority + x.fit;
    of[x.need] = x.offering;
  }
  std::map<offering_index, std::size_t> queue;
  bool final_part = false;
  for (std::size_t k = 0; k < a.unmet.size(); ++k) {
    const unmet_need& u = a.unmet[k];
    EXPECT_EQ(u.priority, priority[u.need]);
    if (u.reason != unmet_reason::capacity_exhausted) {
      if (final_part) {
        EXPECT_LT(a.unmet[k - 1].need, u.need) << "final reasons in case order";
      }
      final_part = true;
      EXPECT_FALSE(u.waiting_for.has_value());
      continue;
    }
    EXPECT_FALSE(final_part) << "a capacity_exhausted need after the final reasons";
    if (k > 0) {
      const unmet_need& p = a.unmet[k - 1];
      EXPECT_TRUE(p.priority > u.priority || (p.priority == u.priority && p.need < u.need))
          << "waitlist order at " << k;
    }
    ASSERT_TRUE(u.waiting_for.has_value());
    EXPECT_EQ(u.queue_position, ++queue[*u.waiting_for]);
  }
  score_t complementarity = 0;
  for (std::uint32_t ci = 0; ci < cases.size(); ++ci)
    for (std::uint32_t i = 0; i < cases[ci].needs.size(); ++i)
      for (std::uint32_t j = i + 1; j < cases[ci].needs.size(); ++j) {
        const auto x = of.find({ci, i}), y = of.find({ci, j});
        if (x != of.end() && y != of.end() && x->second != y->second)
          complementarity += need_pair_complementarity(l, cases[ci], i, j, policy.weights);
      }
  EXPECT_EQ(a.complementarity, complementarity);
  // Collaboration: per case, per pair of distinct partners among its offerings.
  score_t collaboration = 0;
  if (policy.collaboration != nullptr && policy.weights.collaboration > 0.0)
    for (std::uint32_t ci = 0; ci < cases.size(); ++ci) {
      std::vector<partner_index> partners;
      for (std::uint32_t i = 0; i < cases[ci].needs.size(); ++i) {
        const auto x = of.find({ci, i});
        if (x == of.end()) continue;
        const partner_index p = l.partner_of(x->second);
        if (std::find(partners.begin(), partners.end(), p) != partners.end()) continue;
        for (partner_index q : partners)
          collaboration += to_score(policy.weights.collaboration * policy.collaboration->get(q, p));
        partners.push_back(p);
      }
    }
  EXPECT_EQ(a.collaboration, collaboration);
  EXPECT_EQ(a.objective, value + a.fairness_penalty + a.complementarity + a.collaboration);
  EXPECT_LE(a.fairness_penalty, 0);
}

/// Checks what allocate() derived for each need from its candidates against find_candidates and
/// need_terms, case by case: the fit of every assigned need, the reason of every unmet need, and
/// the offering a capacity_exhausted need waits for (its best fit, the first in id order). Returns
/// the number of needs assigned or waiting, whose offering was checked.
inline std::size_t expect_candidates_as_find_candidates(const landscape& l,
                                                        std::span<const help_case> cases,
                                                        const allocation_policy& policy,
                                                        const allocation& a) {
  match_options any;
  any.allow_waitlist = true;
  std::map<need_ref, std::vector<need_candidates>> found_of;
  const auto found = [&](need_ref r) -> const need_candidates& {
    const need_ref key{r.case_index, 0};
    auto it = found_of.find(key);
    if (it == found_of.end())
      it = found_of.emplace(key, find_candidates(l, cases[r.case_index], any)).first;
    return it->second[r.need_index];
  };
  for (const assigned_need& x : a.assigned) {
    const assignment_terms t =
        need_terms(l, cases[x.need.case_index], x.need.need_index, x.offering, policy.weights);
    EXPECT_EQ(x.fit, t.distance + t.wait) << cases[x.need.case_index].id;
  }
  std::size_t waiting = 0;
  for (const unmet_need& u : a.unmet) {
    const help_case& c = cases[u.need.case_index];
    const need_candidates& nc = found(u.need);
    unmet_reason want = unmet_reason::capacity_exhausted;
    if (!c.consent) {
      want = unmet_reason::no_consent;
    } else if (nc.candidates.empty()) {
      const auto why = nc.uncoverable_because();
      want = why == rejection::excluded       ? unmet_reason::excluded
             : why == rejection::not_eligible ? unmet_reason::not_eligible
                                              : unmet_reason::out_of_area;
    }
    EXPECT_EQ(u.reason, want) << c.id << " need " << u.need.need_index;
    if (want != unmet_reason::capacity_exhausted) continue;
    ++waiting;
    std::optional<offering_index> best;
    score_t best_fit = 0;
    for (offering_index o : nc.candidates) {  // in id order
      const assignment_terms t = need_terms(l, c, u.need.need_index, o, policy.weights);
      if (!best || t.distance + t.wait > best_fit) {
        best = o;
        best_fit = t.distance + t.wait;
      }
    }
    EXPECT_EQ(u.waiting_for, best) << c.id << " need " << u.need.need_index;
  }
  return a.assigned.size() + waiting;
}

/// Exhaustive search: the best Σ priority + fit (with the fairness penalty) over every way of
/// giving each need one of its candidates with a free unit left, or nothing.
inline score_t exhaustive_optimum(const landscape& l, std::span<const help_case> cases,
                                  const allocation_policy& policy,
                                  bool with_complementarity = false) {
  struct item {
    std::size_t case_index;
    std::size_t need_index;
    std::string municipality;
    score_t priority;
    std::vector<std::pair<offering_index, score_t>> options;
  };
  std::vector<item> items;
  std::map<std::string, int> needs_in;
  match_options any;
  any.allow_waitlist = true;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const help_case& c = cases[ci];
    const auto found = find_candidates(l, c, any);
    for (std::size_t i = 0; i < c.needs.size(); ++i) {
      item it{ci,
              i,
              c.location.municipality,
              to_score(policy.weights.cover * c.needs[i].weight * c.needs[i].urgency),
              {}};
      // A need counts for fairness when it has a candidate worth assigning, full or not.
      if (c.consent)
        for (offering_index o : found[i].candidates) {
          const assignment_terms t = need_terms(l, c, i, o, policy.weights);
          if (it.priority + t.distance + t.wait > 0)
            it.options.emplace_back(o, t.distance + t.wait);
        }
      if (!it.options.empty()) ++needs_in[it.municipality];
      items.push_back(std::move(it));
    }
  }
  std::vector<std::int32_t> left(l.offerings().size());
  for (offering_index o = 0; o < left.size(); ++o)
    left[o] = l.offerings()[o].units.free_units;
  std::map<std::string, int> unmet;
  score_t best = std::numeric_limits<score_t>::min();
  const auto penalty = [&] {
    score_t p = 0;
    if (policy.fairness <= 0.0) return p;
    for (const auto& [m, k] : unmet) {
      const int n = needs_in[m];
      // The j-th unmet need (0-based) of the municipality is in tenth t where j < ceil(n(t+1)/10).
      for (int j = 0; j < k; ++j) {
        int t = 0;
        while (j >= (n * (t + 1) + 9) / 10)
          ++t;
        p += to_score(policy.fairness * t);
      }
    }
    return p;
  };
  std::vector<std::optional<offering_index>> chosen(items.size());
  const auto complementarity = [&] {
    score_t total = 0;
    if (!with_complementarity) return total;
    for (std::size_t a = 0; a < items.size(); ++a)
      for (std::size_t b = a + 1; b < items.size(); ++b)
        if (items[a].case_index == items[b].case_index && chosen[a] && chosen[b] &&
            *chosen[a] != *chosen[b])
          total += need_pair_complementarity(l, cases[items[a].case_index], items[a].need_index,
                                             items[b].need_index, policy.weights);
    if (policy.collaboration == nullptr || policy.weights.collaboration <= 0.0) return total;
    // Collaboration: per case, per pair of distinct partners among its chosen offerings.
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      std::vector<partner_index> partners;
      for (std::size_t a = 0; a < items.size(); ++a)
        if (items[a].case_index == ci && chosen[a] &&
            std::find(partners.begin(), partners.end(), l.partner_of(*chosen[a])) == partners.end())
          partners.push_back(l.partner_of(*chosen[a]));
      for (std::size_t a = 0; a < partners.size(); ++a)
        for (std::size_t b = a + 1; b < partners.size(); ++b)
          total += to_score(policy.weights.collaboration *
                            policy.collaboration->get(partners[a], partners[b]));
    }
    return total;
  };
  std::function<void(std::size_t, score_t)> go = [&](std::size_t k, score_t value) {
    if (k == items.size()) {
      best = std::max(best, value - penalty() + complementarity());
      return;
    }
    const item& it = items[k];
    if (!it.options.empty()) ++unmet[it.municipality];
    go(k + 1, value);
    if (!it.options.empty()) --unmet[it.municipality];
    for (const auto& [o, fit] : it.options) {
      if (left[o] == 0 || it.priority + fit <= 0) continue;
      --left[o];
      chosen[k] = o;
      go(k + 1, value + it.priority + fit);
      chosen[k].reset();
      ++left[o];
    }
  };
  go(0, 0);
  return best;
}

/// A copy of `l` with the free units of some offerings replaced.
inline landscape with_units(const landscape& l,
                            const std::map<offering_index, std::int32_t>& units) {
  landscape_builder b;
  b.set_name(l.name());
  for (const need_category& c : l.categories().categories())
    if (!b.categories().find(c.id)) b.add_category(c);  // beyond the standard ones
  for (const partner& p : l.partners())
    b.add_partner(p);
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    offering copy = l.offerings()[o];
    if (const auto it = units.find(o); it != units.end()) {
      copy.units.free_units = it->second;
      copy.units.units_per_period = std::max(copy.units.units_per_period, it->second);
    }
    b.add_offering(std::move(copy));
  }
  for (const complementarity& c : l.complementarities())
    b.add_complementarity(c);
  for (const precedence& p : l.precedences())
    b.add_precedence(p);
  return b.build();
}

}  // namespace keten::allocation_test
