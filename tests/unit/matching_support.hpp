// tests/unit/matching_support.hpp — random matching instances and an independent oracle for the
// matching tests: the hard constraints, the objective of include/keten/matching.hpp and the
// stages and handovers of include/keten/pathway.hpp, re-implemented from their documentation
// without calling the library's matching or pathway code.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "keten/case.hpp"
#include "keten/geography.hpp"
#include "keten/io.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"
#include "keten/offering.hpp"
#include "keten/pathway.hpp"
#include "support.hpp"

namespace keten_test {

using namespace keten;

using assignment = std::vector<std::optional<offering_index>>;

/// A landscape to copy (cheap: copies share their store) instead of building an empty one.
inline const landscape& empty_landscape() {
  static const landscape empty;
  return empty;
}

/// A landscape, one case and options, with the parts they were made of.
struct match_instance {
  std::shared_ptr<const geography> places;
  std::vector<std::string> categories;  ///< the categories used by offerings and needs
  std::vector<partner> partners;        ///< in landscape order
  std::vector<offering> offerings;      ///< in landscape order
  std::vector<complementarity> complementarities;
  std::vector<precedence> precedences;
  /// (partner position, partner position, strength) given to `collaboration`.
  std::vector<std::tuple<std::size_t, std::size_t, double>> strengths;
  landscape land = empty_landscape();
  help_case kase;
  match_options options;
  std::unique_ptr<collaboration_strengths> collaboration;  ///< options.collaboration points here
};

/// Five municipalities around Zwolle, all within about 30 km of each other.
inline std::shared_ptr<const geography> zwolle_area() {
  static const std::shared_ptr<const geography> places =
      small_geography({"GM0193", "GM0244", "GM1896", "GM0166", "GM0148"});
  return places;
}

inline const std::vector<pc4>& postcode_pool() {
  static const std::vector<pc4> pool{8011, 8012, 8021, 8051, 8061};
  return pool;
}

template <class T>
bool contains_value(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

inline geo_point near(std::mt19937& rng, geo_point p, double degrees) {
  return {p.lat + uniform_real(rng, -degrees, degrees),
          p.lon + uniform_real(rng, -degrees, degrees)};
}

/// Distinct random numbers in [0, 999], as strings with a prefix: their string order differs from
/// the order in which they are added, so that "by id" and "by index" can be told apart.
inline std::vector<std::string> random_ids(std::mt19937& rng, const std::string& prefix,
                                           std::size_t count) {
  std::set<int> used;
  std::vector<std::string> ids;
  while (ids.size() < count) {
    const int k = uniform(rng, 0, 999);
    if (used.insert(k).second) ids.push_back(prefix + std::to_string(k));
  }
  return ids;
}

inline double random_weight(std::mt19937& rng, double default_value, double hi) {
  if (chance(rng, 0.5)) return default_value;
  if (chance(rng, 0.1)) return 0.0;
  return uniform_real(rng, 0.0, hi);
}

/// Limits of random_match_instance.
struct instance_limits {
  int min_partners{2};
  int max_partners{8};
  int min_offerings{3};
  int max_offerings{15};
  int min_categories{3};  ///< categories used by the landscape, from a pool of 8
  int max_categories{5};
  int max_needs{5};
  double one_category{0.55};          ///< share of offerings with one category
  double up_to_two_categories{0.85};  ///< share with one or two (the rest have three)
  double precedence{0.3};             ///< chance of a precedence per pair of categories
  /// Needs are dropped from the end until Π(feasible options per need + 1) is at most this.
  std::size_t max_assignments{1000};
};

// ---------------------------------------------------------------------------------------------
// The oracle: hard constraints and objective, from the documentation
// ---------------------------------------------------------------------------------------------

inline bool oracle_serves(const match_instance& m, const offering& o, const case_location& where) {
  const geography& g = *m.places;
  if (!where.municipality.empty() && contains_value(o.area.municipalities, where.municipality))
    return true;
  if (where.postcode && contains_value(o.area.postcodes, *where.postcode)) return true;
  if (o.area.radius) {
    if (where.point) return distance_km(o.area.radius->center, *where.point) <= o.area.radius->km;
    if (!where.municipality.empty())
      return distance_km(o.area.radius->center, g[g.index_of(where.municipality)].point) <=
             o.area.radius->km;
  }
  return false;
}

inline bool oracle_eligible(const eligibility& rules, const case_profile& p,
                            ineligibility* why = nullptr) {
  ineligibility r = ineligibility::none;
  if (p.age && !(rules.ages.min <= p.age->min && p.age->max <= rules.ages.max)) {
    r = ineligibility::age;
  } else if (p.household && !rules.households.empty() &&
             !contains_value(rules.households, *p.household)) {
    r = ineligibility::household;
  } else if (!p.languages.empty() && !rules.languages.empty() &&
             std::none_of(p.languages.begin(), p.languages.end(), [&](const std::string& x) {
               return contains_value(rules.languages, x);
             })) {
    r = ineligibility::language;
  } else if (rules.requires_professional_referrer && p.referrer != referrer_kind::professional) {
    r = ineligibility::referrer;
  }
  if (why) *why = r;
  return r == ineligibility::none;
}

inline const partner& partner_of(const match_instance& m, const offering& o) {
  return *std::find_if(m.partners.begin(), m.partners.end(),
                       [&](const partner& p) { return p.id == o.partner; });
}

inline std::size_t partner_position(const match_instance& m, offering_index o) {
  const partner& p = partner_of(m, m.offerings[o]);
  return static_cast<std::size_t>(&p - m.partners.data());
}

/// Why offering `o` cannot cover need `need` (the first rule that fails, in the order of
/// keten::rejection), or nullopt if it can. Throws nothing; `o` must cover the need's category.
inline std::optional<rejected_offering> oracle_rejection(const match_instance& m, std::size_t need,
                                                         offering_index o) {
  const help_case& c = m.kase;
  const offering& item = m.offerings[o];
  (void)need;
  if (!oracle_serves(m, item, c.location)) return rejected_offering{o, rejection::out_of_area};
  if (contains_value(c.excluded_partners, item.partner))
    return rejected_offering{o, rejection::excluded};
  ineligibility why{};
  if (!oracle_eligible(item.rules, c.profile, &why))
    return rejected_offering{o, rejection::not_eligible, why};
  if (item.units.free_units == 0 && !m.options.allow_waitlist)
    return rejected_offering{o, rejection::no_capacity};
  return std::nullopt;
}

inline bool by_id(const match_instance& m, offering_index a, offering_index b) {
  return m.offerings[a].id < m.offerings[b].id;
}

/// The need lists that find_candidates documents: candidates and in-reach rejections by id.
inline std::vector<need_candidates> oracle_candidates(const match_instance& m) {
  std::vector<need_candidates> out;
  for (std::size_t i = 0; i < m.kase.needs.size(); ++i) {
    need_candidates n;
    for (offering_index o = 0; o < m.offerings.size(); ++o) {
      if (!contains_value(m.offerings[o].categories, m.kase.needs[i].category)) continue;
      ++n.in_category;
      const auto r = oracle_rejection(m, i, o);
      if (!r)
        n.candidates.push_back(o);
      else if (r->reason != rejection::out_of_area)
        n.rejected.push_back(*r);
    }
    std::sort(n.candidates.begin(), n.candidates.end(),
              [&](offering_index a, offering_index b) { return by_id(m, a, b); });
    std::sort(n.rejected.begin(), n.rejected.end(),
              [&](const rejected_offering& a, const rejected_offering& b) {
                return by_id(m, a.offering, b.offering);
              });
    out.push_back(std::move(n));
  }
  return out;
}

/// llround(points · 1000), as every term of the objective is rounded.
inline score_t units_of(double points) {
  return static_cast<score_t>(std::llround(points * 1000.0));
}

/// d(o, c) of the objective.
inline double oracle_distance_km(const match_instance& m, const offering& o) {
  const geography& g = *m.places;
  const case_location& w = m.kase.location;
  if (!w.municipality.empty() && contains_value(o.area.municipalities, w.municipality)) return 0.0;
  if (w.postcode && contains_value(o.area.postcodes, *w.postcode)) return 0.0;
  std::optional<geo_point> from = w.point;
  if (!from && !w.municipality.empty()) from = g[g.index_of(w.municipality)].point;
  if (!from) return 0.0;
  if (o.area.radius) return distance_km(*from, o.area.radius->center);
  return distance_km(*from, g[g.index_of(partner_of(m, o).municipality)].point);
}

inline assignment_terms oracle_terms(const match_instance& m, std::size_t need, offering_index o) {
  const match_weights& w = m.options.weights;
  const keten::need& n = m.kase.needs[need];
  const offering& item = m.offerings[o];
  assignment_terms t;
  t.cover = units_of(w.cover * n.weight * n.urgency);
  t.distance_km = oracle_distance_km(m, item);
  t.distance =
      -units_of(w.distance * std::min(t.distance_km, w.distance_scale_km) / w.distance_scale_km);
  t.wait = -units_of(w.wait *
                     std::min(static_cast<double>(item.units.intake_wait_days), w.wait_scale_days) /
                     w.wait_scale_days);
  t.capacity = item.units.free_units > 0
                   ? units_of(w.free_capacity * item.units.free_units / item.units.units_per_period)
                   : -units_of(w.waitlist);
  return t;
}

inline double oracle_complement(const match_instance& m, const std::string& a,
                                const std::string& b) {
  for (const complementarity& x : m.complementarities)
    if ((x.a == a && x.b == b) || (x.a == b && x.b == a)) return x.weight;
  return 0.0;
}

inline double oracle_strength(const match_instance& m, std::size_t p, std::size_t q) {
  if (!m.options.collaboration) return 0.0;
  for (const auto& [a, b, s] : m.strengths)
    if ((a == p && b == q) || (a == q && b == p)) return s;
  return 0.0;
}

inline std::vector<std::size_t> oracle_partners(const match_instance& m, const assignment& a) {
  std::vector<std::size_t> partners;
  for (const auto& o : a)
    if (o) partners.push_back(partner_position(m, *o));
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
  return partners;
}

/// The objective of matching.hpp, term by term, each term rounded to 1/1000 point. The fit of an
/// offering (distance, wait, capacity) counts once even when it covers several needs.
inline score_breakdown oracle_score(const match_instance& m, const assignment& a) {
  const match_weights& w = m.options.weights;
  score_breakdown s;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i]) continue;
    const assignment_terms t = oracle_terms(m, i, *a[i]);
    s.cover += t.cover;
    // The fit (distance, wait, capacity) counts once per distinct offering.
    if (std::find(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(i), a[i]) ==
        a.begin() + static_cast<std::ptrdiff_t>(i)) {
      s.distance += t.distance;
      s.wait += t.wait;
      s.capacity += t.capacity;
    }
    for (std::size_t j = i + 1; j < a.size(); ++j)
      if (a[j] && *a[j] != *a[i])
        s.complementarity +=
            units_of(w.complementarity *
                     oracle_complement(m, m.kase.needs[i].category, m.kase.needs[j].category));
  }
  const std::vector<std::size_t> partners = oracle_partners(m, a);
  for (std::size_t x = 0; x < partners.size(); ++x)
    for (std::size_t y = x + 1; y < partners.size(); ++y)
      s.collaboration += units_of(w.collaboration * oracle_strength(m, partners[x], partners[y]));
  // One term, rounded once, as documented (not the rounded weight times the count: the two differ
  // by 1 unit at times; see MatchScore.ExtraPartnerTermIsRoundedAsOneTerm).
  if (partners.size() > 1)
    s.extra_partners = -units_of(w.extra_partner * static_cast<double>(partners.size() - 1));
  return s;
}

/// The documented order of bundles with equal scores: by the offering ids of the needs in the
/// case's order, "not covered" after any id. True if `a` comes first.
inline bool tie_first(const match_instance& m, const assignment& a, const assignment& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (!a[i]) return false;
    if (!b[i]) return true;
    return m.offerings[*a[i]].id < m.offerings[*b[i]].id;
  }
  return false;
}

/// Per need, the offerings that pass the hard constraints of one need, plus "not covered" last.
inline std::vector<std::vector<std::optional<offering_index>>> oracle_options(
    const match_instance& m) {
  std::vector<std::vector<std::optional<offering_index>>> options(m.kase.needs.size());
  for (std::size_t i = 0; i < m.kase.needs.size(); ++i) {
    for (offering_index o = 0; o < m.offerings.size(); ++o)
      if (contains_value(m.offerings[o].categories, m.kase.needs[i].category) &&
          !oracle_rejection(m, i, o))
        options[i].push_back(o);
    options[i].push_back(std::nullopt);
  }
  return options;
}

inline std::size_t assignment_count(const match_instance& m) {
  std::size_t product = 1;
  for (const auto& o : oracle_options(m))
    product *= o.size();
  return product;
}

struct oracle_bundle {
  assignment assigned;
  score_breakdown breakdown;
};

/// Every assignment that satisfies the hard constraints and covers at least one need, best first;
/// the first top_k of them. Nothing for a case without consent.
inline std::vector<oracle_bundle> oracle_top(const match_instance& m) {
  std::vector<oracle_bundle> all;
  if (!m.kase.consent) return all;
  const auto options = oracle_options(m);
  const std::size_t n = options.size();
  std::vector<std::size_t> at(n, 0);
  while (true) {
    assignment a(n);
    for (std::size_t i = 0; i < n; ++i)
      a[i] = options[i][at[i]];
    const std::size_t partners = oracle_partners(m, a).size();
    if (partners >= 1 && partners <= m.options.max_partners)  // a bundle covers at least one need
      all.push_back({a, oracle_score(m, a)});
    std::size_t i = 0;
    while (i < n && ++at[i] == options[i].size())
      at[i++] = 0;
    if (i == n) break;
  }
  std::sort(all.begin(), all.end(), [&](const oracle_bundle& x, const oracle_bundle& y) {
    if (x.breakdown.total() != y.breakdown.total())
      return x.breakdown.total() > y.breakdown.total();
    return tie_first(m, x.assigned, y.assigned);
  });
  if (all.size() > m.options.top_k) all.resize(m.options.top_k);
  return all;
}

// ---------------------------------------------------------------------------------------------
// The pathway oracle, from pathway.hpp
// ---------------------------------------------------------------------------------------------

/// before[a][b] over the instance's categories: a precedes b, directly or transitively.
inline std::map<std::pair<std::string, std::string>, bool> oracle_precedes(
    const std::vector<std::string>& categories, const std::vector<precedence>& precedences) {
  const std::size_t n = categories.size();
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
  const auto pos = [&](const std::string& c) {
    return static_cast<std::size_t>(std::find(categories.begin(), categories.end(), c) -
                                    categories.begin());
  };
  for (const precedence& p : precedences)
    reach[pos(p.before)][pos(p.after)] = true;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (reach[i][k])
        for (std::size_t j = 0; j < n; ++j)
          if (reach[k][j]) reach[i][j] = true;
  std::map<std::pair<std::string, std::string>, bool> out;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      out[{categories[i], categories[j]}] = reach[i][j];
  return out;
}

/// The pathway that pathway.hpp documents, computed with plain loops: steps per distinct offering,
/// stage = longest chain of strongly connected groups of steps before it, order by (stage, most
/// urgent need, offering id), handover to each later step whose partner has no earlier step, from
/// the step it waits for (latest stage, then first in order) or else from the first step.
inline pathway oracle_pathway(const help_case& c, const std::vector<offering>& offerings,
                              const std::vector<std::size_t>& partner_of_offering,
                              const std::vector<std::string>& categories,
                              const std::vector<precedence>& precedences, const assignment& a) {
  const auto precedes = oracle_precedes(categories, precedences);
  std::vector<pathway_step> steps;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i]) continue;
    auto it = std::find_if(steps.begin(), steps.end(),
                           [&](const pathway_step& s) { return s.offering == *a[i]; });
    if (it == steps.end()) {
      steps.push_back({*a[i], static_cast<partner_index>(partner_of_offering[*a[i]]), {}, 0});
      it = steps.end() - 1;
    }
    it->needs.push_back(i);
  }
  const std::size_t n = steps.size();
  // edge[s][t]: a category of s precedes a category of t; reach: transitive closure of edge.
  std::vector<std::vector<bool>> edge(n, std::vector<bool>(n, false));
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t t = 0; t < n; ++t)
      if (s != t)
        for (std::size_t i : steps[s].needs)
          for (std::size_t j : steps[t].needs)
            if (precedes.at({c.needs[i].category, c.needs[j].category})) edge[s][t] = true;
  std::vector<std::vector<bool>> reach = edge;
  for (std::size_t s = 0; s < n; ++s)
    reach[s][s] = true;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (reach[i][k])
        for (std::size_t j = 0; j < n; ++j)
          if (reach[k][j]) reach[i][j] = true;
  const auto same_group = [&](std::size_t s, std::size_t t) { return reach[s][t] && reach[t][s]; };
  const auto waits_for = [&](std::size_t t, std::size_t s) {
    return edge[s][t] && !same_group(s, t);
  };
  // Longest chain: stage(t) = max over groups before t's group of their stage + 1.
  std::vector<std::size_t> stage(n, 0);
  for (std::size_t round = 0; round <= n; ++round)
    for (std::size_t t = 0; t < n; ++t)
      for (std::size_t s = 0; s < n; ++s) {
        if (reach[s][t] && !same_group(s, t)) stage[t] = std::max(stage[t], stage[s] + 1);
        if (same_group(s, t)) stage[t] = std::max(stage[t], stage[s]);
      }
  for (std::size_t s = 0; s < n; ++s)
    steps[s].stage = stage[s];
  const auto urgency = [&](const pathway_step& s) {
    int u = 0;
    for (std::size_t i : s.needs)
      u = std::max(u, c.needs[i].urgency);
    return u;
  };
  std::vector<std::size_t> order(n);
  for (std::size_t s = 0; s < n; ++s)
    order[s] = s;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    if (steps[x].stage != steps[y].stage) return steps[x].stage < steps[y].stage;
    if (urgency(steps[x]) != urgency(steps[y])) return urgency(steps[x]) > urgency(steps[y]);
    return offerings[steps[x].offering].id < offerings[steps[y].offering].id;
  });
  pathway out;
  for (std::size_t s : order)
    out.steps.push_back(steps[s]);
  for (std::size_t to = 1; to < n; ++to) {
    std::optional<std::size_t> from;
    for (std::size_t k = 0; k < n; ++k)
      if (k != to && waits_for(order[to], order[k]) &&
          (!from || out.steps[k].stage > out.steps[*from].stage))
        from = k;
    const bool precedence = from.has_value();
    const std::size_t f = from.value_or(0);
    // A partner with an earlier step is on the case already.
    bool involved = false;
    for (std::size_t k = 0; k < to; ++k)
      if (out.steps[k].partner == out.steps[to].partner) involved = true;
    if (!involved) out.handovers.push_back({f, to, precedence});
  }
  return out;
}

inline pathway oracle_pathway(const match_instance& m, const assignment& a) {
  std::vector<std::size_t> partners;
  for (offering_index o = 0; o < m.offerings.size(); ++o)
    partners.push_back(partner_position(m, o));
  return oracle_pathway(m.kase, m.offerings, partners, m.categories, m.precedences, a);
}

// ---------------------------------------------------------------------------------------------
// Random instances
// ---------------------------------------------------------------------------------------------

inline void random_case(std::mt19937& rng, match_instance& m, const instance_limits& limits);

/// A random landscape around Zwolle, a random case and random options. The landscape's offerings
/// and partners are in the order of `offerings` and `partners`.
inline match_instance random_match_instance(std::mt19937& rng, const instance_limits& limits = {}) {
  static const std::vector<std::string> category_pool{
      "money.crisis",     "money.debts",  "work.job_search", "work.coaching",
      "neighbour.chores", "group.moving", "youth.company",   "money.admin"};
  static const std::vector<std::string> members{"SchuldHulpMaatje", "HipHelpt", "JobHulpMaatje",
                                                "Stichting Present", "TijdVoorActie"};
  static const std::vector<std::string> languages{"nl", "en", "ar"};
  match_instance m;
  m.places = zwolle_area();
  const geography& g = *m.places;
  std::vector<std::string> codes;
  for (const municipality& x : g.municipalities())
    codes.push_back(x.code);
  const auto random_point = [&] {
    return g[static_cast<municipality_index>(uniform(rng, 0, static_cast<int>(g.size()) - 1))]
        .point;
  };

  m.categories = category_pool;
  std::shuffle(m.categories.begin(), m.categories.end(), rng);
  m.categories.resize(
      static_cast<std::size_t>(uniform(rng, limits.min_categories, limits.max_categories)));
  const int category_count = static_cast<int>(m.categories.size());

  const auto partner_ids = random_ids(
      rng, "p", static_cast<std::size_t>(uniform(rng, limits.min_partners, limits.max_partners)));
  for (const std::string& id : partner_ids)
    m.partners.push_back(make_partner(id, pick(rng, codes), pick(rng, members)));

  const auto offering_ids = random_ids(
      rng, "o", static_cast<std::size_t>(uniform(rng, limits.min_offerings, limits.max_offerings)));
  static const std::vector<int> waits{0, 14, 14, 30, 90, 120, 365};
  for (const std::string& id : offering_ids) {
    offering o;
    o.id = id;
    o.partner = pick(rng, partner_ids);
    o.name = "offering " + id;
    std::vector<std::string> cats = m.categories;
    std::shuffle(cats.begin(), cats.end(), rng);
    const double r = uniform_real(rng, 0.0, 1.0);
    cats.resize(std::min<std::size_t>(cats.size(), r < limits.one_category           ? 1
                                                   : r < limits.up_to_two_categories ? 2
                                                                                     : 3));
    o.categories = cats;
    const int parts = uniform(rng, 1, 7);
    if (parts & 1) {
      std::vector<std::string> listed = codes;
      std::shuffle(listed.begin(), listed.end(), rng);
      listed.resize(static_cast<std::size_t>(uniform(rng, 1, 2)));
      // Zwolle (where most cases live) often, so that most needs have candidates.
      if (chance(rng, 0.5) && !contains_value(listed, codes[0])) listed.push_back(codes[0]);
      o.area.municipalities = listed;
    }
    if (parts & 2) {
      std::vector<pc4> listed = postcode_pool();
      std::shuffle(listed.begin(), listed.end(), rng);
      listed.resize(static_cast<std::size_t>(uniform(rng, 1, 2)));
      o.area.postcodes = listed;
    }
    if (parts & 4)
      o.area.radius = radius_area{near(rng, random_point(), 0.05), uniform_real(rng, 1, 20)};
    if (chance(rng, 0.25)) {
      const int lo = uniform(rng, 0, 50);
      o.rules.ages = {static_cast<std::uint8_t>(lo),
                      static_cast<std::uint8_t>(uniform(rng, lo + 10, 130))};
    }
    if (chance(rng, 0.25)) {
      for (std::size_t h = 0; h < household_type_count; ++h)
        if (chance(rng, 0.5)) o.rules.households.push_back(static_cast<household_type>(h));
    }
    if (chance(rng, 0.2)) {
      for (const std::string& x : languages)
        if (chance(rng, 0.5)) o.rules.languages.push_back(x);
    }
    o.rules.requires_professional_referrer = chance(rng, 0.15);
    // Few distinct capacities and waits, so that equal scores (ties) are common.
    const int units = pick(rng, std::vector<int>{0, 2, 4, 8, 5});
    const int free = chance(rng, 0.35)  ? 0
                     : chance(rng, 0.2) ? uniform(rng, 0, units)
                     : chance(rng, 0.5) ? units / 2
                                        : units;
    o.units = {.units_per_period = units,
               .period_days = 365,
               .free_units = free,
               .typical_duration_days = 30,
               .intake_wait_days = pick(rng, waits)};
    m.offerings.push_back(std::move(o));
  }

  for (int a = 0; a < category_count; ++a)
    for (int b = a + 1; b < category_count; ++b)
      if (chance(rng, 0.4))
        m.complementarities.push_back({m.categories[static_cast<std::size_t>(a)],
                                       m.categories[static_cast<std::size_t>(b)],
                                       chance(rng, 0.3) ? pick(rng, std::vector<double>{0.5, 1.0})
                                                        : uniform_real(rng, 0.01, 1.0)});
  // Acyclic: edges from a lower to a higher position of the shuffled categories.
  for (int a = 0; a < category_count; ++a)
    for (int b = a + 1; b < category_count; ++b)
      if (chance(rng, limits.precedence))
        m.precedences.push_back(
            {m.categories[static_cast<std::size_t>(a)], m.categories[static_cast<std::size_t>(b)]});

  landscape_builder builder(m.places);
  for (const partner& p : m.partners)
    builder.add_partner(p);
  for (const offering& o : m.offerings)
    builder.add_offering(o);
  for (const complementarity& c : m.complementarities)
    builder.add_complementarity(c);
  for (const precedence& p : m.precedences)
    builder.add_precedence(p);
  m.land = builder.build();
  random_case(rng, m, limits);
  return m;
}

/// Replaces the case, the options and the collaboration strengths of `m` by random ones for the
/// same landscape. The needs are cut from the end until Π(options per need) ≤
/// limits.max_assignments.
inline void random_case(std::mt19937& rng, match_instance& m, const instance_limits& limits) {
  const geography& g = *m.places;
  std::vector<std::string> codes;
  for (const municipality& x : g.municipalities())
    codes.push_back(x.code);
  const auto random_point = [&] {
    return g[static_cast<municipality_index>(uniform(rng, 0, static_cast<int>(g.size()) - 1))]
        .point;
  };
  std::vector<std::string> partner_ids;
  for (const partner& p : m.partners)
    partner_ids.push_back(p.id);
  m.kase = {};
  m.options = {};
  m.strengths.clear();
  m.collaboration.reset();

  // The case.
  help_case& c = m.kase;
  c.id = "case-" + std::to_string(uniform(rng, 0, 99999));
  std::vector<std::string> needs = m.categories;
  std::shuffle(needs.begin(), needs.end(), rng);
  needs.resize(std::min<std::size_t>(needs.size(),
                                     static_cast<std::size_t>(uniform(rng, 1, limits.max_needs))));
  static const std::vector<double> need_weights{1.0, 1.0, 0.5, 0.8, 1.5};
  for (const std::string& cat : needs)
    c.needs.push_back({cat, uniform(rng, min_urgency, max_urgency),
                       chance(rng, 0.2) ? uniform_real(rng, 0.1, 2.0) : pick(rng, need_weights)});
  if (chance(rng, 0.85)) c.location.municipality = chance(rng, 0.5) ? codes[0] : pick(rng, codes);
  if (chance(rng, 0.5)) c.location.postcode = pick(rng, postcode_pool());
  if (chance(rng, 0.35)) c.location.point = near(rng, random_point(), 0.05);
  if (c.location.municipality.empty() && !c.location.postcode && !c.location.point)
    c.location.municipality = pick(rng, codes);
  if (chance(rng, 0.5)) {
    const int lo = uniform(rng, 0, 90);
    c.profile.age =
        age_band{static_cast<std::uint8_t>(lo), static_cast<std::uint8_t>(lo + uniform(rng, 0, 9))};
  }
  if (chance(rng, 0.5))
    c.profile.household =
        static_cast<household_type>(uniform(rng, 0, static_cast<int>(household_type_count) - 1));
  if (chance(rng, 0.4)) {
    for (const char* x : {"nl", "en", "ar", "tr"})
      if (chance(rng, 0.4)) c.profile.languages.push_back(x);
  }
  c.profile.referrer = static_cast<referrer_kind>(uniform(rng, 0, 4));
  c.consent = chance(rng, 0.95);
  if (chance(rng, 0.25)) {
    c.excluded_partners.push_back(pick(rng, partner_ids));
    if (chance(rng, 0.3)) c.excluded_partners.push_back(pick(rng, partner_ids));
  }

  // Options.
  match_options& o = m.options;
  o.top_k = static_cast<std::size_t>(uniform(rng, 1, 6));
  o.max_partners = static_cast<std::size_t>(uniform(rng, 1, 4));
  o.allow_waitlist = chance(rng, 0.5);
  if (chance(rng, 0.75)) {
    match_weights& w = o.weights;
    w.cover = random_weight(rng, w.cover, 200.0);
    w.distance = random_weight(rng, w.distance, 40.0);
    if (chance(rng, 0.5)) w.distance_scale_km = uniform_real(rng, 1.0, 30.0);
    w.wait = random_weight(rng, w.wait, 20.0);
    if (chance(rng, 0.5)) w.wait_scale_days = uniform_real(rng, 10.0, 180.0);
    w.free_capacity = random_weight(rng, w.free_capacity, 10.0);
    w.waitlist = random_weight(rng, w.waitlist, 80.0);
    w.complementarity = random_weight(rng, w.complementarity, 60.0);
    w.collaboration = random_weight(rng, w.collaboration, 40.0);
    w.extra_partner = random_weight(rng, w.extra_partner, 30.0);
  }
  if (chance(rng, 0.5)) {
    m.collaboration = std::make_unique<collaboration_strengths>();
    for (std::size_t p = 0; p < m.partners.size(); ++p)
      for (std::size_t q = p + 1; q < m.partners.size(); ++q)
        if (chance(rng, 0.5)) {
          const double s = chance(rng, 0.2) ? pick(rng, std::vector<double>{0.0, 1.0})
                                            : uniform_real(rng, 0.0, 1.0);
          m.strengths.emplace_back(p, q, s);
          m.collaboration->set(static_cast<partner_index>(p), static_cast<partner_index>(q), s);
        }
    o.collaboration = m.collaboration.get();
  }

  // Keep the enumeration small.
  while (c.needs.size() > 1 && assignment_count(m) > limits.max_assignments)
    c.needs.pop_back();
}

// ---------------------------------------------------------------------------------------------
// Printing, for failure messages
// ---------------------------------------------------------------------------------------------

inline std::string describe(const match_instance& m, const assignment& a) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < a.size(); ++i)
    out << (i ? ", " : "") << (a[i] ? m.offerings[*a[i]].id : std::string("-"));
  out << "]";
  return out.str();
}

inline std::string describe(const score_breakdown& s) {
  std::ostringstream out;
  out << "{total " << s.total() << ": cover " << s.cover << ", distance " << s.distance << ", wait "
      << s.wait << ", capacity " << s.capacity << ", complementarity " << s.complementarity
      << ", collaboration " << s.collaboration << ", extra_partners " << s.extra_partners << "}";
  return out.str();
}

/// The whole instance, enough to reproduce it by hand: landscape and case as JSON, the options.
inline std::string describe(const match_instance& m) {
  std::ostringstream out;
  const match_weights& w = m.options.weights;
  out << "landscape: " << to_json(m.land, -1) << "\ncase: " << to_json(std::vector{m.kase}, -1)
      << "\noptions: top_k " << m.options.top_k << ", max_partners " << m.options.max_partners
      << ", allow_waitlist " << m.options.allow_waitlist << ", weights {cover " << w.cover
      << ", distance " << w.distance << " / " << w.distance_scale_km << " km, wait " << w.wait
      << " / " << w.wait_scale_days << " d, free_capacity " << w.free_capacity << ", waitlist "
      << w.waitlist << ", complementarity " << w.complementarity << ", collaboration "
      << w.collaboration << ", extra_partner " << w.extra_partner << "}";
  if (m.options.collaboration) {
    out << ", strengths {";
    for (const auto& [p, q, s] : m.strengths)
      out << m.partners[p].id << "-" << m.partners[q].id << ": " << s << "; ";
    out << "}";
  }
  return out.str();
}

/// A small landscape in Zwolle: two partners, three offerings.
inline landscape zwolle_landscape() {
  landscape_builder b(keten_test::small_geography({"GM0193", "GM0244"}));
  b.add_partner(make_partner("shm", "GM0193"));
  b.add_partner(make_partner("jhm", "GM0193", "JobHulpMaatje"));
  b.add_offering(make_offering("shm-maatje", "shm", {"money.debts", "money.admin"}, {"GM0193"}));
  b.add_offering(make_offering("jhm-group", "jhm", {"work.job_search"}, {"GM0193"}));
  b.add_offering(make_offering("jhm-coach", "jhm", {"work.job_search"}, {"GM0244"}));
  return b.build();
}

/// A case there with a debts need and a job-search need.
inline help_case zwolle_case() {
  help_case c;
  c.id = "c1";
  c.needs = {{"money.debts", 4, 1.0}, {"work.job_search", 2, 0.5}};
  c.location.municipality = "GM0193";
  c.consent = true;
  return c;
}

}  // namespace keten_test
