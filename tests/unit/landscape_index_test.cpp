// Tests of the indexes and graphs of keten::landscape against brute-force oracles over random
// landscapes (fixed seeds), plus a few hand-made cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "keten/landscape.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::chance;
using keten_test::expect_error;
using keten_test::make_offering;
using keten_test::make_partner;
using keten_test::pick;
using keten_test::random_parts;
using keten_test::uniform;
using keten_test::uniform_real;

template <class T>
bool has(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

template <class T>
std::vector<T> to_vector(std::span<const T> s) {
  return {s.begin(), s.end()};
}

/// The exact service-area test, written from the documentation of landscape::serves().
bool oracle_serves(const offering& o, const geography& places, const case_location& where) {
  if (!where.municipality.empty() && has(o.area.municipalities, where.municipality)) return true;
  if (where.postcode && has(o.area.postcodes, *where.postcode)) return true;
  if (o.area.radius) {
    if (where.point) return distance_km(o.area.radius->center, *where.point) <= o.area.radius->km;
    if (!where.municipality.empty())
      return distance_km(o.area.radius->center,
                         places[places.index_of(where.municipality)].point) <= o.area.radius->km;
  }
  return false;
}

std::string describe(const case_location& w) {
  std::ostringstream out;
  out << "municipality '" << w.municipality << "'";
  if (w.postcode) out << " postcode " << *w.postcode;
  if (w.point) out << " point " << w.point->lat << "," << w.point->lon;
  return out.str();
}

/// A random location: a municipality, a PC4 and/or a point, often near a circle of an offering.
case_location random_location(std::mt19937& rng, const random_parts& parts) {
  const geography& g = *parts.places;
  case_location w;
  if (chance(rng, 0.6))
    w.municipality =
        g[static_cast<municipality_index>(uniform(rng, 0, static_cast<int>(g.size()) - 1))].code;
  if (chance(rng, 0.4))
    w.postcode = chance(rng, 0.8) ? pick(rng, parts.postcode_pool)
                                  : static_cast<pc4>(uniform(rng, 1000, 9999));
  if (chance(rng, 0.5)) {
    std::vector<radius_area> circles;
    for (const offering& o : parts.offerings)
      if (o.area.radius) circles.push_back(*o.area.radius);
    if (!circles.empty() && chance(rng, 0.7)) {
      const radius_area c = pick(rng, circles);
      const double d = c.km / 111.0 * 1.3;  // often inside, sometimes just outside
      w.point = geo_point{c.center.lat + uniform_real(rng, -d, d),
                          c.center.lon + uniform_real(rng, -d, d) * 1.6};
    } else if (chance(rng, 0.5)) {
      w.point =
          g[static_cast<municipality_index>(uniform(rng, 0, static_cast<int>(g.size()) - 1))].point;
    } else {
      w.point = geo_point{uniform_real(rng, 50.7, 53.6), uniform_real(rng, 3.3, 7.3)};
    }
  }
  if (w.municipality.empty() && !w.postcode && !w.point) w.municipality = g[0].code;
  return w;
}

/// Transitive closure of the precedence edges (Floyd–Warshall).
std::vector<std::vector<bool>> closure_of(const landscape& l) {
  const std::size_t n = l.categories().size();
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
  for (const precedence& p : l.precedences())
    reach[l.categories().index_of(p.before)][l.categories().index_of(p.after)] = true;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (reach[i][k])
        for (std::size_t j = 0; j < n; ++j)
          if (reach[k][j]) reach[i][j] = true;
  return reach;
}

/// How often the checks met a non-trivial case, so that the oracle tests cannot pass vacuously.
struct coverage {
  int reached_by_circle_point = 0;     ///< a location's point inside a circle of a served offering
  int reached_by_postcode = 0;         ///< a location served through a listed PC4
  int circle_serves_municipality = 0;  ///< a circle that contains a municipality's point
  int missed_by_circle = 0;            ///< a point near a circle but outside it
};

void check_indexes(const random_parts& parts, const landscape& l, std::mt19937& rng,
                   coverage& seen) {
  const geography& g = l.places();
  const taxonomy& t = l.categories();
  ASSERT_EQ(&g, parts.places.get());
  ASSERT_EQ(t.size(), 18 + parts.extra_categories.size());
  ASSERT_EQ(to_vector(l.partners()), parts.partners);
  ASSERT_EQ(to_vector(l.offerings()), parts.offerings);
  const auto& offerings = parts.offerings;
  const auto count = static_cast<offering_index>(offerings.size());

  // partner_of, categories_of, offerings_for.
  for (offering_index o = 0; o < count; ++o) {
    const auto p = std::find_if(parts.partners.begin(), parts.partners.end(),
                                [&](const partner& x) { return x.id == offerings[o].partner; });
    ASSERT_NE(p, parts.partners.end());
    EXPECT_EQ(l.partner_of(o), static_cast<partner_index>(p - parts.partners.begin()));
    std::vector<category_index> cats;
    for (const std::string& c : offerings[o].categories)
      cats.push_back(t.index_of(c));
    std::sort(cats.begin(), cats.end());
    EXPECT_EQ(to_vector(l.categories_of(o)), cats) << "offering " << o;
    EXPECT_EQ(l.find_offering(offerings[o].id), o);
  }
  // offering_complement_weight: the largest weight between a category of each.
  for (offering_index a = 0; a < count; ++a)
    for (offering_index b = 0; b < count; ++b) {
      double best = 0.0;
      for (const complementarity& c : parts.complementarities)
        if ((has(offerings[a].categories, c.a) && has(offerings[b].categories, c.b)) ||
            (has(offerings[a].categories, c.b) && has(offerings[b].categories, c.a)))
          best = std::max(best, c.weight);
      EXPECT_EQ(l.offering_complement_weight(a, b), best) << a << " and " << b;
    }
  for (category_index c = 0; c < t.size(); ++c) {
    std::vector<offering_index> expected;
    for (offering_index o = 0; o < count; ++o)
      if (has(offerings[o].categories, t[c].id)) expected.push_back(o);
    EXPECT_EQ(to_vector(l.offerings_for(c)), expected) << t[c].id;
  }

  // candidates(m, c) and municipalities_of(p), against serves() on the municipality alone.
  std::vector<std::set<municipality_index>> partner_places(parts.partners.size());
  for (municipality_index m = 0; m < g.size(); ++m) {
    const case_location at_m{.municipality = g[m].code};
    std::vector<bool> served(count);
    for (offering_index o = 0; o < count; ++o) {
      served[o] = oracle_serves(offerings[o], g, at_m);
      ASSERT_EQ(l.serves(o, at_m), served[o]) << "offering " << o << " in " << g[m].code;
      if (served[o] && !has(offerings[o].area.municipalities, g[m].code))
        ++seen.circle_serves_municipality;
      if (served[o]) partner_places[l.partner_of(o)].insert(m);
    }
    for (category_index c = 0; c < t.size(); ++c) {
      std::vector<offering_index> expected;
      for (offering_index o = 0; o < count; ++o)
        if (served[o] && has(offerings[o].categories, t[c].id)) expected.push_back(o);
      ASSERT_EQ(to_vector(l.candidates(m, c)), expected) << g[m].code << " " << t[c].id;
    }
  }
  for (partner_index p = 0; p < parts.partners.size(); ++p) {
    const std::vector<municipality_index> expected(partner_places[p].begin(),
                                                   partner_places[p].end());
    EXPECT_EQ(to_vector(l.municipalities_of(p)), expected) << parts.partners[p].id;
  }

  // offerings_in_postcode.
  std::vector<pc4> postcodes = parts.postcode_pool;
  postcodes.push_back(static_cast<pc4>(uniform(rng, 1000, 9999)));
  for (pc4 code : postcodes) {
    std::vector<offering_index> expected;
    for (offering_index o = 0; o < count; ++o)
      if (has(offerings[o].area.postcodes, code)) expected.push_back(o);
    EXPECT_EQ(to_vector(l.offerings_in_postcode(code)), expected) << code;
  }

  // offerings_reaching and serves on random locations.
  for (int k = 0; k < 40; ++k) {
    const case_location where = random_location(rng, parts);
    std::vector<bool> served(count);
    for (offering_index o = 0; o < count; ++o) {
      served[o] = oracle_serves(offerings[o], g, where);
      ASSERT_EQ(l.serves(o, where), served[o]) << "offering " << o << " at " << describe(where);
      const auto& circle = offerings[o].area.radius;
      if (circle && where.point) {
        if (distance_km(circle->center, *where.point) <= circle->km)
          ++seen.reached_by_circle_point;
        else
          ++seen.missed_by_circle;
      }
      if (where.postcode && has(offerings[o].area.postcodes, *where.postcode))
        ++seen.reached_by_postcode;
    }
    for (category_index c = 0; c < t.size(); ++c) {
      std::vector<offering_index> expected;
      for (offering_index o = 0; o < count; ++o)
        if (served[o] && has(offerings[o].categories, t[c].id)) expected.push_back(o);
      ASSERT_EQ(l.offerings_reaching(where, c), expected) << describe(where) << " " << t[c].id;
      // The same with the municipality resolved by the caller, distances included.
      std::optional<municipality_index> m;
      if (!where.municipality.empty()) m = g.index_of(where.municipality);
      ASSERT_EQ(l.offerings_reaching(where, m, c), expected) << describe(where);
      for (offering_index o : expected)
        ASSERT_EQ(l.service_distance_km(o, where, m), l.service_distance_km(o, where))
            << describe(where) << " offering " << o;
      // The two halves of a location with a point: what lists its municipality or PC4, and the
      // circles that contain the point (with the distance service_distance_km gives).
      std::vector<offering_index> listing, listed;
      for (offering_index o = 0; o < count; ++o)
        if (has(offerings[o].categories, t[c].id) &&
            ((m && has(offerings[o].area.municipalities, g[*m].code)) ||
             (where.postcode && has(offerings[o].area.postcodes, *where.postcode))))
          listing.push_back(o);
      l.offerings_listing(m, where.postcode, c, listed);
      ASSERT_EQ(listed, listing) << describe(where) << " " << t[c].id;
      if (!where.point) continue;
      std::vector<landscape::circle_hit> circles;
      l.offerings_circling(*where.point, c, circles);
      std::vector<offering_index> circling, circled;
      for (offering_index o = 0; o < count; ++o) {
        const auto& circle = offerings[o].area.radius;
        if (has(offerings[o].categories, t[c].id) && circle &&
            distance_km(circle->center, *where.point) <= circle->km)
          circling.push_back(o);
      }
      for (const landscape::circle_hit& hit : circles) {
        circled.push_back(hit.offering);
        ASSERT_EQ(hit.km, distance_km(offerings[hit.offering].area.radius->center, *where.point));
        if (!std::binary_search(listing.begin(), listing.end(), hit.offering)) {
          ASSERT_EQ(hit.km, l.service_distance_km(hit.offering, where, m)) << describe(where);
        }
      }
      ASSERT_EQ(circled, circling) << describe(where) << " " << t[c].id;
      std::vector<offering_index> both;
      std::set_union(listing.begin(), listing.end(), circling.begin(), circling.end(),
                     std::back_inserter(both));
      ASSERT_EQ(both, expected) << describe(where);
    }
  }
  const auto beyond = static_cast<municipality_index>(g.size());
  EXPECT_THROW((void)l.offerings_reaching({.municipality = "x"}, beyond, 0), not_found_error);
  EXPECT_THROW((void)l.service_distance_km(0, {.municipality = "x"}, beyond), not_found_error);
  std::vector<offering_index> out;
  EXPECT_THROW(l.offerings_listing(beyond, std::nullopt, 0, out), not_found_error);
}

void check_relations(const landscape& l) {
  const taxonomy& t = l.categories();
  const std::size_t n = t.size();

  // Complementarity: a symmetric matrix with exactly the given weights, and the same graph.
  const Eigen::MatrixXd& matrix = l.complementarity_matrix();
  ASSERT_EQ(static_cast<std::size_t>(matrix.rows()), n);
  ASSERT_EQ(static_cast<std::size_t>(matrix.cols()), n);
  Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(matrix.rows(), matrix.cols());
  for (const complementarity& c : l.complementarities()) {
    const auto a = t.index_of(c.a);
    const auto b = t.index_of(c.b);
    expected(a, b) = expected(b, a) = c.weight;
  }
  EXPECT_TRUE(matrix == expected);
  for (category_index a = 0; a < n; ++a)
    for (category_index b = 0; b < n; ++b) {
      EXPECT_EQ(l.complement_weight(a, b), expected(a, b));
      EXPECT_EQ(l.complement_weight(a, b), l.complement_weight(b, a));
    }
  const complementarity_graph& graph = l.complements();
  EXPECT_EQ(boost::num_vertices(graph), n);
  EXPECT_EQ(boost::num_edges(graph), l.complementarities().size());
  for (auto [e, end] = boost::edges(graph); e != end; ++e) {
    const auto a = boost::source(*e, graph);
    const auto b = boost::target(*e, graph);
    EXPECT_EQ(boost::get(boost::edge_weight, graph, *e),
              expected(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)));
  }

  // Precedence: the DAG, the closure and the order.
  const precedence_graph& dag = l.precedence_dag();
  EXPECT_EQ(boost::num_vertices(dag), n);
  EXPECT_EQ(boost::num_edges(dag), l.precedences().size());
  const auto reach = closure_of(l);
  for (category_index a = 0; a < n; ++a)
    for (category_index b = 0; b < n; ++b)
      ASSERT_EQ(l.precedes(a, b), reach[a][b]) << t[a].id << " before " << t[b].id;

  const auto order = to_vector(l.precedence_order());
  ASSERT_EQ(order.size(), n);
  std::vector<std::size_t> position(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_LT(order[i], n);
    ASSERT_EQ(position[order[i]], n) << "category twice in the order";
    position[order[i]] = i;
  }
  for (const precedence& p : l.precedences())
    EXPECT_LT(position[t.index_of(p.before)], position[t.index_of(p.after)])
        << p.before << " -> " << p.after;
  // Ties are broken by the smallest index: Kahn's algorithm with a min-heap.
  std::vector<std::size_t> in_degree(n, 0);
  std::vector<std::vector<std::size_t>> out(n);
  for (const precedence& p : l.precedences()) {
    out[t.index_of(p.before)].push_back(t.index_of(p.after));
    ++in_degree[t.index_of(p.after)];
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t v = 0; v < n; ++v)
    if (in_degree[v] == 0) ready.push(v);
  std::vector<category_index> kahn;
  while (!ready.empty()) {
    const std::size_t v = ready.top();
    ready.pop();
    kahn.push_back(static_cast<category_index>(v));
    for (std::size_t w : out[v])
      if (--in_degree[w] == 0) ready.push(w);
  }
  EXPECT_EQ(order, kahn);
}

TEST(LandscapeIndex, RandomLandscapesMatchBruteForce) {
  coverage seen;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    // Mostly small geographies (fast), every tenth time the whole country.
    const auto places = seed % 10 == 0 ? geography::netherlands()
                                       : keten_test::random_geography(
                                             rng, static_cast<std::size_t>(uniform(rng, 5, 40)));
    const random_parts parts = keten_test::random_landscape_parts(rng, places);
    const landscape l = keten_test::build(parts);
    check_indexes(parts, l, rng, seen);
    check_relations(l);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(seen.reached_by_circle_point, 500);
  EXPECT_GT(seen.missed_by_circle, 500);
  EXPECT_GT(seen.reached_by_postcode, 500);
  EXPECT_GT(seen.circle_serves_municipality, 500);
  std::cout << "coverage: circle/point " << seen.reached_by_circle_point << ", outside circle "
            << seen.missed_by_circle << ", postcode " << seen.reached_by_postcode
            << ", circle/municipality " << seen.circle_serves_municipality << "\n";
}

/// True if the precedence edges have a cycle (colour DFS).
bool has_cycle(std::size_t n, const std::vector<std::pair<std::size_t, std::size_t>>& edges) {
  std::vector<std::vector<std::size_t>> out(n);
  for (const auto& [a, b] : edges)
    out[a].push_back(b);
  std::vector<int> colour(n, 0);
  std::function<bool(std::size_t)> visit = [&](std::size_t v) {
    colour[v] = 1;
    for (std::size_t w : out[v]) {
      if (colour[w] == 1) return true;
      if (colour[w] == 0 && visit(w)) return true;
    }
    colour[v] = 2;
    return false;
  };
  for (std::size_t v = 0; v < n; ++v)
    if (colour[v] == 0 && visit(v)) return true;
  return false;
}

TEST(LandscapeIndex, RandomPrecedenceGraphsCyclesAndClosure) {
  const taxonomy& t = taxonomy::standard();
  const std::size_t n = t.size();
  int cyclic = 0;
  int acyclic = 0;
  for (unsigned seed = 1; seed <= 400; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    const int wanted = uniform(rng, 1, 30);
    for (int i = 0; i < wanted; ++i) {
      const auto a = static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(n) - 1));
      const auto b = static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(n) - 1));
      if (a == b || has(edges, std::pair{a, b})) continue;
      edges.emplace_back(a, b);
    }
    landscape_builder builder;
    for (const auto& [a, b] : edges)
      builder.add_precedence(
          {t[static_cast<category_index>(a)].id, t[static_cast<category_index>(b)].id});
    if (has_cycle(n, edges)) {
      ++cyclic;
      const auto e = keten_test::catch_error<validation_error>([&] { (void)builder.build(); });
      ASSERT_TRUE(e);
      EXPECT_EQ(e->code(), error_code::precedence_cycle);
      EXPECT_EQ(e->where().field, "precedence");
      // The message names a real cycle: "precedence has a cycle: a -> b -> ... -> a".
      const std::string prefix = "precedence has a cycle: ";
      ASSERT_EQ(e->message().rfind(prefix, 0), 0u) << e->message();
      std::vector<std::string> names;
      std::string rest = e->message().substr(prefix.size());
      for (std::size_t pos; (pos = rest.find(" -> ")) != std::string::npos;) {
        names.push_back(rest.substr(0, pos));
        rest = rest.substr(pos + 4);
      }
      names.push_back(rest);
      ASSERT_GE(names.size(), 3u) << e->message();
      EXPECT_EQ(names.front(), names.back()) << e->message();
      EXPECT_EQ(e->where().object_id, names.front());
      for (std::size_t i = 0; i + 1 < names.size(); ++i) {
        const auto a = t.find(names[i]);
        const auto b = t.find(names[i + 1]);
        ASSERT_TRUE(a && b) << e->message();
        EXPECT_TRUE(has(edges, std::pair<std::size_t, std::size_t>{*a, *b}))
            << names[i] << " -> " << names[i + 1] << " is not an edge; " << e->message();
      }
      // A simple cycle: no category twice (except the closing one).
      const std::set<std::string> distinct(names.begin(), names.end() - 1);
      EXPECT_EQ(distinct.size(), names.size() - 1) << e->message();
    } else {
      ++acyclic;
      const landscape l = builder.build();
      check_relations(l);
    }
    if (HasFatalFailure()) return;
  }
  // Both branches were exercised.
  EXPECT_GT(cyclic, 50);
  EXPECT_GT(acyclic, 50);
}

// --- hand-made cases ---------------------------------------------------------------------------

class SmallLandscape : public ::testing::Test {
 protected:
  void SetUp() override {
    landscape_builder b;
    b.add_partner(make_partner("shm", "GM0344"));
    b.add_partner(make_partner("hip", "GM0344", "HipHelpt"));
    b.add_partner(make_partner("idle", "GM0363", "JobHulpMaatje"));
    // 0: Utrecht and Zeist by list.
    b.add_offering(
        make_offering("listed", "shm", {"money.debts", "money.admin"}, {"GM0344", "GM0355"}));
    // 1: only two PC4 areas of Utrecht.
    offering pc = make_offering("pc4", "hip", {"neighbour.chores"}, {});
    pc.area.postcodes = {3511, 3512};
    b.add_offering(pc);
    // 2: a 5 km circle around the point of Utrecht.
    offering circle = make_offering("circle", "hip", {"neighbour.chores", "money.debts"}, {});
    circle.area.radius = radius_area{utrecht(), 5.0};
    b.add_offering(circle);
    l = b.build();
  }
  static geo_point utrecht() {
    const auto nl = geography::netherlands();
    return (*nl)[nl->index_of("GM0344")].point;
  }
  category_index cat(std::string_view id) const { return l.categories().index_of(id); }
  municipality_index place(std::string_view code) const { return l.places().index_of(code); }
  landscape l;
};

TEST_F(SmallLandscape, Candidates) {
  using v = std::vector<offering_index>;
  EXPECT_EQ(to_vector(l.candidates(place("GM0344"), cat("money.debts"))), (v{0, 2}));
  EXPECT_EQ(to_vector(l.candidates(place("GM0344"), cat("money.admin"))), (v{0}));
  EXPECT_EQ(to_vector(l.candidates(place("GM0344"), cat("neighbour.chores"))), (v{2}));
  EXPECT_EQ(to_vector(l.candidates(place("GM0355"), cat("money.debts"))), (v{0}));
  // Zeist lies about 9 km from Utrecht: outside the 5 km circle.
  EXPECT_GT(distance_km(utrecht(), l.places()[place("GM0355")].point), 5.0);
  EXPECT_EQ(to_vector(l.candidates(place("GM0355"), cat("neighbour.chores"))), (v{}));
  EXPECT_EQ(to_vector(l.candidates(place("GM0363"), cat("money.debts"))), (v{}));
  EXPECT_EQ(to_vector(l.candidates(place("GM0344"), cat("youth.chores"))), (v{}));
}

TEST_F(SmallLandscape, OfferingsReaching) {
  using v = std::vector<offering_index>;
  const category_index chores = cat("neighbour.chores");
  EXPECT_EQ(l.offerings_reaching({.municipality = "GM0344"}, chores), (v{2}));
  EXPECT_EQ(l.offerings_reaching({.postcode = pc4{3511}}, chores), (v{1}));
  EXPECT_EQ(l.offerings_reaching({.postcode = pc4{3513}}, chores), (v{}));
  EXPECT_EQ(l.offerings_reaching({.municipality = "GM0344", .postcode = pc4{3512}}, chores),
            (v{1, 2}));
  // A point 1 km east of Utrecht's point is inside the circle, 20 km east is not (and then the
  // point, not the municipality, decides).
  const geo_point near{utrecht().lat, utrecht().lon + 0.0147};
  const geo_point far{utrecht().lat, utrecht().lon + 0.294};
  ASSERT_LT(distance_km(utrecht(), near), 1.1);
  ASSERT_GT(distance_km(utrecht(), far), 19.0);
  EXPECT_EQ(l.offerings_reaching({.point = near}, chores), (v{2}));
  EXPECT_EQ(l.offerings_reaching({.point = far}, chores), (v{}));
  EXPECT_EQ(l.offerings_reaching({.municipality = "GM0344", .point = far}, chores), (v{}));
  EXPECT_EQ(l.offerings_reaching({.municipality = "GM0344", .point = far}, cat("money.debts")),
            (v{0}));
  EXPECT_FALSE(l.serves(2, {.municipality = "GM0344", .point = far}));
  EXPECT_TRUE(l.serves(2, {.municipality = "GM0344"}));
  EXPECT_TRUE(l.serves(1, {.municipality = "GM0363", .postcode = pc4{3511}}));
  // Without a municipality or a point a circle reaches nobody.
  EXPECT_FALSE(l.serves(2, {.postcode = pc4{3511}}));
}

TEST_F(SmallLandscape, PostcodesAndPartners) {
  using v = std::vector<offering_index>;
  EXPECT_EQ(to_vector(l.offerings_in_postcode(3511)), (v{1}));
  EXPECT_EQ(to_vector(l.offerings_in_postcode(3512)), (v{1}));
  EXPECT_EQ(to_vector(l.offerings_in_postcode(3510)), (v{}));
  using m = std::vector<municipality_index>;
  m shm{place("GM0344"), place("GM0355")};
  std::sort(shm.begin(), shm.end());
  EXPECT_EQ(to_vector(l.municipalities_of(0)), shm);
  // hip: the PC4 offering serves no whole municipality; the circle serves Utrecht.
  EXPECT_EQ(to_vector(l.municipalities_of(1)), (m{place("GM0344")}));
  EXPECT_EQ(to_vector(l.municipalities_of(2)), (m{}));
}

TEST_F(SmallLandscape, UnknownMunicipalityThrows) {
  expect_error<not_found_error>([&] { (void)l.serves(0, {.municipality = "GM9999"}); },
                                error_code::not_found, {.object_id = "GM9999"});
  expect_error<not_found_error>(
      [&] { (void)l.offerings_reaching({.municipality = "GM9999"}, cat("money.debts")); },
      error_code::not_found, {.object_id = "GM9999"});
}

// On a sphere a circle reaches further east and west than center ± km / (111 · cos(center
// latitude)), at a latitude poleward of its center: for a radius of several hundred km a grid
// built from that box misses points that serves() accepts. Here: center (52, 5), 1000 km, and a
// point at 999.5 km whose longitude (19.701) lies beyond 5 + 1000 / (111 · cos 52°) = 19.633.
TEST(LandscapeIndex, LargeCircleReachesItsWholeArea) {
  landscape_builder b;
  b.add_partner(make_partner("p"));
  offering wide = make_offering("wide", "p", {"money.debts"}, {});
  wide.area.radius = radius_area{{52.0, 5.0}, 1000.0};
  b.add_offering(wide);
  const landscape l = b.build();
  const case_location where{.point = geo_point{52.9, 19.701}};
  ASSERT_LT(distance_km(wide.area.radius->center, *where.point), 1000.0);
  EXPECT_TRUE(l.serves(0, where));
  EXPECT_EQ(l.offerings_reaching(where, l.categories().index_of("money.debts")),
            (std::vector<offering_index>{0}));
}

// A circle that reaches a pole is kept apart from the grid and checked on every lookup; the
// circles containing a point still come in one ascending list with their distances.
TEST(LandscapeIndex, CirclingMergesWideCirclesWithTheGrid) {
  landscape_builder b;
  b.add_partner(make_partner("p"));
  const geo_point centre{85.0, 0.0};
  const std::pair<geo_point, double> circles[] = {
      {centre, 10.0}, {{89.5, 0.0}, 1000.0}, {centre, 20.0}, {{-60.0, 5.0}, 100.0}};
  for (std::size_t i = 0; i < std::size(circles); ++i) {
    offering o = make_offering("o" + std::to_string(i), "p", {"money.debts"}, {});
    o.area.radius = radius_area{circles[i].first, circles[i].second};
    b.add_offering(o);
  }
  const landscape l = b.build();
  const geo_point p{85.01, 0.01};
  std::vector<landscape::circle_hit> found;
  l.offerings_circling(p, l.categories().index_of("money.debts"), found);
  ASSERT_EQ(found.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const offering_index o = k == 0 ? 0 : k == 1 ? 1 : 2;
    EXPECT_EQ(found[k].offering, o);
    EXPECT_EQ(found[k].km, distance_km(p, circles[o].first));
  }
  l.offerings_circling(p, l.categories().index_of("work.job_search"), found);
  EXPECT_TRUE(found.empty());
}

// The rules as bits answer as check() does, on random rules and profiles, up to 64 languages; with
// more, profile_bits() declines.
TEST(LandscapeIndex, EligibilityBitsAgreeWithCheck) {
  const auto code = [](int i) {
    return std::string{static_cast<char>('a' + i / 26), static_cast<char>('a' + i % 26)};
  };
  for (const int languages : {8, 64, 65}) {
    std::mt19937 rng(static_cast<unsigned>(languages));
    landscape_builder b;
    b.add_partner(make_partner("p"));
    for (int i = 0; i < 60; ++i) {
      offering o = make_offering("o" + std::to_string(i), "p");
      for (int h = 0; h < 5; ++h)
        if (rng() % 3 == 0) o.rules.households.push_back(static_cast<household_type>(h));
      const int named = static_cast<int>(rng() % 4);
      for (int k = 0; k < named; ++k)
        o.rules.languages.push_back(code(static_cast<int>(rng() % languages)));
      if (i < languages) o.rules.languages.push_back(code(i));  // every language named
      if (rng() % 4 == 0) o.rules.requires_professional_referrer = true;
      if (rng() % 3 == 0) o.rules.ages = {static_cast<std::uint8_t>(rng() % 40), 70};
      b.add_offering(o);
    }
    const landscape l = b.build();
    ASSERT_EQ(l.eligibility_bits().size(), l.offerings().size());
    int eligible = 0, not_eligible = 0;
    for (int k = 0; k < 300; ++k) {
      case_profile p;
      if (rng() % 2) p.age = age_band{static_cast<std::uint8_t>(rng() % 90), 95};
      if (rng() % 2) p.household = static_cast<household_type>(rng() % 5);
      const int spoken = static_cast<int>(rng() % 3);
      for (int s = 0; s < spoken; ++s)
        p.languages.push_back(code(static_cast<int>(rng() % (languages + 5))));
      p.referrer = static_cast<referrer_kind>(rng() % 5);
      const auto bits = l.profile_bits(p);
      if (languages > 64) {
        EXPECT_FALSE(bits.has_value());
        continue;
      }
      ASSERT_TRUE(bits.has_value());
      for (offering_index o = 0; o < l.offerings().size(); ++o) {
        const bool expected = check(l.offerings()[o].rules, p) == ineligibility::none;
        ASSERT_EQ(detail::eligible(l.eligibility_bits()[o], *bits), expected) << o;
        ++(expected ? eligible : not_eligible);
      }
    }
    if (languages <= 64) {
      EXPECT_GT(eligible, 1000);
      EXPECT_GT(not_eligible, 1000);
    }
  }
}

}  // namespace
