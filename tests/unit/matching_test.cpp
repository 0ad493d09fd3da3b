// Tests of keten::match and keten::match_exhaustive (include/keten/matching.hpp):
//   - exactness: branch and bound equals the exhaustive oracle on 10,000 random instances;
//   - an independent check: the hard constraints and the objective re-implemented from the header,
//     enumerated by the test itself, against match();
//   - properties of every result (constraints, order, breakdown, reasons, candidate lists);
//   - errors and consent. Hand-computed scores are in matching_score_test.cpp, the hand-checked
//     Zwolle example of data/example in matching_example_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keten/error.hpp"
#include "keten/io.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"
#include "keten/pathway.hpp"
#include "matching_support.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::assignment;
using keten_test::catch_error;
using keten_test::describe;
using keten_test::make_offering;
using keten_test::make_partner;
using keten_test::match_instance;
using keten_test::random_match_instance;
using keten_test::zwolle_case;
using keten_test::zwolle_landscape;

std::string ids(const match_instance& m, const std::vector<offering_index>& list) {
  std::ostringstream out;
  for (offering_index o : list)
    out << m.offerings[o].id << " ";
  return out.str();
}

std::string describe(const need_reason& r) {
  std::ostringstream out;
  out << "{chosen " << (r.chosen ? std::to_string(*r.chosen) : "-") << ", terms " << r.terms.cover
      << "/" << r.terms.distance << "/" << r.terms.wait << "/" << r.terms.capacity << " "
      << r.terms.distance_km << " km, alternative "
      << (r.best_alternative ? std::to_string(*r.best_alternative) : "-") << " uncovered "
      << r.alternative_is_uncovered << " loss " << r.alternative_loss << " has "
      << r.has_alternative << "}";
  return out.str();
}

/// The first difference between two results of the same instance, or "" if they are equal.
std::string first_difference(const match_instance& m, const match_result& a,
                             const match_result& b) {
  std::ostringstream out;
  if (a.status != b.status) {
    out << "status " << to_string(a.status) << " vs " << to_string(b.status);
    return out.str();
  }
  if (a.needs.size() != b.needs.size()) return "number of need lists";
  for (std::size_t i = 0; i < a.needs.size(); ++i) {
    if (a.needs[i].candidates != b.needs[i].candidates)
      out << "need " << i << " candidates " << ids(m, a.needs[i].candidates) << "vs "
          << ids(m, b.needs[i].candidates);
    else if (a.needs[i].rejected != b.needs[i].rejected)
      out << "need " << i << " rejected lists differ";
    else if (a.needs[i].in_category != b.needs[i].in_category)
      out << "need " << i << " in_category " << a.needs[i].in_category << " vs "
          << b.needs[i].in_category;
    if (!out.str().empty()) return out.str();
  }
  if (a.bundles.size() != b.bundles.size()) {
    out << "number of bundles " << a.bundles.size() << " vs " << b.bundles.size();
    return out.str();
  }
  for (std::size_t k = 0; k < a.bundles.size(); ++k) {
    const bundle& x = a.bundles[k];
    const bundle& y = b.bundles[k];
    out << "bundle " << k << ": ";
    if (x.assigned != y.assigned || x.score != y.score) {
      out << describe(m, x.assigned) << " score " << x.score << " vs " << describe(m, y.assigned)
          << " score " << y.score;
      return out.str();
    }
    if (x.breakdown != y.breakdown) {
      out << "breakdown " << describe(x.breakdown) << " vs " << describe(y.breakdown);
      return out.str();
    }
    if (x.reasons.size() != y.reasons.size()) return out.str() + "number of reasons";
    for (std::size_t i = 0; i < x.reasons.size(); ++i)
      if (x.reasons[i] != y.reasons[i]) {
        out << "reason of need " << i << " " << describe(x.reasons[i]) << " vs "
            << describe(y.reasons[i]);
        return out.str();
      }
    if (x.path != y.path) return out.str() + "pathways differ";
  }
  return {};
}

/// True if max_partners rules out some combination of candidates of different needs.
bool limited_by_partners(const match_instance& m) {
  const auto options = keten_test::oracle_options(m);
  std::vector<std::size_t> partners;
  for (const auto& need : options)
    for (const auto& o : need)
      if (o) partners.push_back(keten_test::partner_position(m, *o));
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
  return partners.size() > m.options.max_partners &&
         std::count_if(options.begin(), options.end(), [](const auto& o) { return o.size() > 1; }) >
             1;
}

/// Counts of interesting situations met by a random test, so that it cannot pass vacuously.
struct seen {
  std::size_t instances{};
  std::size_t no_consent{};
  std::size_t bundles{};
  std::size_t ties{};             ///< consecutive bundles with equal scores
  std::size_t waitlisted{};       ///< bundles that use an offering without a free unit
  std::size_t shared_offering{};  ///< bundles with one offering covering two needs
  std::size_t partner_limited{};  ///< instances where max_partners removed an assignment
  std::size_t collaboration{};    ///< bundles with a collaboration term
  std::size_t complementarity{};  ///< bundles with a complementarity term
  std::size_t fewer_than_k{};     ///< results with fewer bundles than top_k
  std::size_t max_assignments{};  ///< the largest enumeration
  void count(const match_instance& m, const match_result& r) {
    ++instances;
    max_assignments = std::max(max_assignments, keten_test::assignment_count(m));
    if (limited_by_partners(m)) ++partner_limited;
    if (r.status == match_status::no_consent) ++no_consent;
    if (r.status == match_status::ok && r.bundles.size() < m.options.top_k) ++fewer_than_k;
    for (std::size_t k = 0; k < r.bundles.size(); ++k) {
      const bundle& b = r.bundles[k];
      ++bundles;
      if (k > 0 && b.score == r.bundles[k - 1].score) ++ties;
      if (b.breakdown.capacity < 0) ++waitlisted;
      if (b.breakdown.collaboration > 0) ++collaboration;
      if (b.breakdown.complementarity > 0) ++complementarity;
      std::set<offering_index> distinct;
      for (const auto& o : b.assigned)
        if (o && !distinct.insert(*o).second) ++shared_offering;
    }
  }
  void print(const char* what) const {
    std::cout << "[ stats    ] " << what << ": " << instances << " instances (" << no_consent
              << " without consent), " << bundles << " bundles, " << ties << " ties, " << waitlisted
              << " waitlisted, " << shared_offering << " shared offerings, " << collaboration
              << " with collaboration, " << complementarity << " with complementarity, "
              << partner_limited << " limited by max_partners, " << fewer_than_k
              << " with fewer than top_k bundles, largest enumeration " << max_assignments << "\n";
  }
};

// ---------------------------------------------------------------------------------------------
// 1. Branch and bound against the exhaustive oracle
// ---------------------------------------------------------------------------------------------

TEST(MatchOracle, BranchAndBoundEqualsExhaustiveOn10000RandomInstances) {
  const auto start = std::chrono::steady_clock::now();
  seen stats;
  std::size_t consenting = 0;
  // Four cases per random landscape (building a landscape costs more than matching a case).
  for (std::uint32_t seed = 1; consenting < keten_test::scaled(10000); ++seed) {
    std::mt19937 rng(seed);
    match_instance m = random_match_instance(rng);
    for (int round = 0; round < 4; ++round) {
      if (round > 0) keten_test::random_case(rng, m, {});
      if (m.kase.consent) ++consenting;
      const match_result fast = match(m.land, m.kase, m.options);
      const match_result slow = match_exhaustive(m.land, m.kase, m.options);
      stats.count(m, fast);
      const std::string difference = first_difference(m, fast, slow);
      ASSERT_EQ(difference, "") << "seed " << seed << " round " << round
                                << " (match vs match_exhaustive)\n"
                                << describe(m);
    }
  }
  stats.print("match vs match_exhaustive");
  std::cout << "[ stats    ] "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";
  EXPECT_GE(stats.instances - stats.no_consent, keten_test::scaled(10000));
  EXPECT_GT(stats.no_consent, keten_test::scaled(100));
  EXPECT_GT(stats.ties, keten_test::scaled(800));
  EXPECT_GT(stats.waitlisted, keten_test::scaled(1000));
  EXPECT_GT(stats.shared_offering, keten_test::scaled(500));
  EXPECT_GT(stats.collaboration, keten_test::scaled(1000));
  EXPECT_GT(stats.complementarity, keten_test::scaled(1000));
  EXPECT_GT(stats.partner_limited, keten_test::scaled(500));
  EXPECT_GT(stats.fewer_than_k, keten_test::scaled(500));
}

// ---------------------------------------------------------------------------------------------
// 2. An independent objective and enumeration
// ---------------------------------------------------------------------------------------------

TEST(MatchOracle, IndependentObjectiveAndEnumerationAgreeWithMatch) {
  seen stats;
  std::size_t consenting = 0;
  for (std::uint32_t seed = 1'000'001; consenting < 1500; ++seed) {
    std::mt19937 rng(seed);
    const match_instance m = random_match_instance(rng);
    if (m.kase.consent) ++consenting;
    const match_result r = match(m.land, m.kase, m.options);
    stats.count(m, r);
    const auto trace = [&] { return "seed " + std::to_string(seed) + "\n" + describe(m); };

    // The candidate lists.
    const auto lists = keten_test::oracle_candidates(m);
    ASSERT_EQ(r.needs.size(), lists.size()) << trace();
    for (std::size_t i = 0; i < lists.size(); ++i) {
      ASSERT_EQ(r.needs[i].candidates, lists[i].candidates)
          << "need " << i << ": " << ids(m, r.needs[i].candidates) << "vs "
          << ids(m, lists[i].candidates) << "\n"
          << trace();
      ASSERT_EQ(r.needs[i].rejected, lists[i].rejected) << "need " << i << "\n" << trace();
      ASSERT_EQ(r.needs[i].in_category, lists[i].in_category) << "need " << i << "\n" << trace();
    }

    // The bundles.
    ASSERT_EQ(r.status, m.kase.consent ? match_status::ok : match_status::no_consent);
    const auto expected = keten_test::oracle_top(m);
    ASSERT_EQ(r.bundles.size(), expected.size()) << trace();
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const bundle& b = r.bundles[k];
      ASSERT_EQ(b.assigned, expected[k].assigned)
          << "bundle " << k << ": " << describe(m, b.assigned) << " score " << b.score
          << " vs oracle " << describe(m, expected[k].assigned) << " score "
          << expected[k].breakdown.total() << " " << describe(expected[k].breakdown) << "\n"
          << trace();
      ASSERT_EQ(b.score, expected[k].breakdown.total())
          << "bundle " << k << " " << describe(m, b.assigned) << ": library "
          << describe(b.breakdown) << " vs oracle " << describe(expected[k].breakdown) << "\n"
          << trace();
      ASSERT_EQ(b.breakdown, expected[k].breakdown)
          << "bundle " << k << " " << describe(m, b.assigned) << ": library "
          << describe(b.breakdown) << " vs oracle " << describe(expected[k].breakdown) << "\n"
          << trace();
      for (std::size_t i = 0; i < b.reasons.size() && i < b.assigned.size(); ++i)
        if (b.assigned[i]) {
          const assignment_terms t = keten_test::oracle_terms(m, i, *b.assigned[i]);
          const assignment_terms& got = b.reasons[i].terms;
          ASSERT_EQ(got.cover, t.cover) << "bundle " << k << " need " << i << "\n" << trace();
          ASSERT_EQ(got.distance, t.distance) << "bundle " << k << " need " << i << "\n" << trace();
          ASSERT_EQ(got.wait, t.wait) << "bundle " << k << " need " << i << "\n" << trace();
          ASSERT_EQ(got.capacity, t.capacity) << "bundle " << k << " need " << i << "\n" << trace();
          ASSERT_NEAR(got.distance_km, t.distance_km, 1e-9) << trace();
        }
    }
  }
  stats.print("independent oracle");
  EXPECT_GE(stats.instances - stats.no_consent, 1500u);
  EXPECT_GT(stats.ties, 100u);
  EXPECT_GT(stats.collaboration, 100u);
}

// The objective documents "− extra_partner · (partners in the bundle − 1)" as one term, and every
// term is rounded to 1/1000 point: 12.3456 · 2 = 24.6912 points → −24691 units (a first version
// rounded the weight and multiplied: −12346 · 2 = −24692).
TEST(MatchScore, ExtraPartnerTermIsRoundedAsOneTerm) {
  landscape_builder b(keten_test::small_geography({"GM0193"}));
  for (const char* p : {"pa", "pb", "pc"})
    b.add_partner(make_partner(p, "GM0193"));
  b.add_offering(make_offering("oa", "pa", {"money.debts"}, {"GM0193"}));
  b.add_offering(make_offering("ob", "pb", {"work.job_search"}, {"GM0193"}));
  b.add_offering(make_offering("oc", "pc", {"neighbour.chores"}, {"GM0193"}));
  const landscape l = b.build();
  help_case c;
  c.id = "x";
  c.needs = {{"money.debts", 3, 1.0}, {"work.job_search", 3, 1.0}, {"neighbour.chores", 3, 1.0}};
  c.location.municipality = "GM0193";
  c.consent = true;
  match_options o;
  o.weights.extra_partner = 12.3456;
  const std::vector<std::optional<offering_index>> all{0, 1, 2};
  EXPECT_EQ(score_assignment(l, c, all, o).extra_partners, -24691);
  const std::vector<std::optional<offering_index>> two{0, 1, std::nullopt};
  EXPECT_EQ(score_assignment(l, c, two, o).extra_partners, -12346);
}

// ---------------------------------------------------------------------------------------------
// 3. Properties of every result
// ---------------------------------------------------------------------------------------------

/// Checks the documented properties of `r` for the instance; returns the first violation or "".
std::string check_properties(const match_instance& m, const match_result& r) {
  const landscape& l = m.land;
  const help_case& c = m.kase;
  const match_options& o = m.options;
  std::ostringstream out;
  if (r.needs.size() != c.needs.size()) return "one need list per need";

  // Need lists: candidates ∪ rejected = the offerings of the category that serve the case, each
  // rejection with its reason; ascending by id; in_category counts the whole landscape.
  for (std::size_t i = 0; i < c.needs.size(); ++i) {
    const need_candidates& n = r.needs[i];
    const category_index cat = l.categories().index_of(c.needs[i].category);
    if (n.in_category != l.offerings_for(cat).size())
      return "in_category of need " + std::to_string(i);
    std::vector<offering_index> reach;
    for (offering_index x : l.offerings_for(cat))
      if (l.serves(x, c.location)) reach.push_back(x);
    std::vector<offering_index> listed = n.candidates;
    for (const rejected_offering& x : n.rejected)
      listed.push_back(x.offering);
    std::sort(listed.begin(), listed.end());
    if (listed != reach) {
      out << "need " << i << ": candidates ∪ rejected " << ids(m, listed) << "≠ in reach "
          << ids(m, reach);
      return out.str();
    }
    if (n.in_reach() != reach.size()) return "in_reach of need " + std::to_string(i);
    for (std::size_t k = 1; k < n.candidates.size(); ++k)
      if (!keten_test::by_id(m, n.candidates[k - 1], n.candidates[k]))
        return "candidates not ascending by id, need " + std::to_string(i);
    for (std::size_t k = 1; k < n.rejected.size(); ++k)
      if (!keten_test::by_id(m, n.rejected[k - 1].offering, n.rejected[k].offering))
        return "rejected not ascending by id, need " + std::to_string(i);
    for (offering_index x : n.candidates)
      if (const auto why = keten_test::oracle_rejection(m, i, x)) {
        out << "need " << i << ": candidate " << m.offerings[x].id << " breaks rule "
            << to_string(why->reason);
        return out.str();
      }
    for (const rejected_offering& x : n.rejected) {
      const auto why = keten_test::oracle_rejection(m, i, x.offering);
      if (!why || *why != x) {
        out << "need " << i << ": " << m.offerings[x.offering].id << " rejected as "
            << to_string(x.reason) << "/" << to_string(x.eligibility) << ", expected "
            << (why ? std::string(to_string(why->reason)) + "/" +
                          std::string(to_string(why->eligibility))
                    : std::string("a candidate"));
        return out.str();
      }
    }
    // uncoverable_because: nullopt with candidates; out_of_area if nothing reaches; else the first
    // reason present in the order excluded, not_eligible, no_capacity.
    std::optional<rejection> because;
    if (n.candidates.empty()) {
      because = rejection::out_of_area;
      for (rejection x : {rejection::no_capacity, rejection::not_eligible, rejection::excluded})
        if (std::any_of(n.rejected.begin(), n.rejected.end(),
                        [x](const rejected_offering& y) { return y.reason == x; }))
          because = x;
    }
    if (n.uncoverable_because() != because)
      return "uncoverable_because of need " + std::to_string(i);
  }

  if (!c.consent) {
    if (r.status != match_status::no_consent) return "status without consent";
    if (!r.bundles.empty()) return "bundles without consent";
    return {};
  }
  if (r.status != match_status::ok) return "status with consent";
  // Any candidate alone is a bundle; an assignment that covers nothing is not.
  const bool any_candidate =
      std::any_of(r.needs.begin(), r.needs.end(),
                  [](const need_candidates& n) { return !n.candidates.empty(); });
  if (r.bundles.empty() == any_candidate) return "bundles iff some need has a candidate";
  if (r.bundles.size() > o.top_k) return "more than top_k bundles";

  std::set<assignment> distinct;
  for (std::size_t k = 0; k < r.bundles.size(); ++k) {
    const bundle& b = r.bundles[k];
    out << "bundle " << k << " " << describe(m, b.assigned) << ": ";
    if (b.assigned.size() != c.needs.size()) return out.str() + "assigned size";
    if (!distinct.insert(b.assigned).second) return out.str() + "duplicate";
    if (b.covered() == 0) return out.str() + "covers no need";
    // Hard constraints.
    for (std::size_t i = 0; i < c.needs.size(); ++i)
      if (b.assigned[i]) {
        const offering_index x = *b.assigned[i];
        if (!keten_test::contains_value(m.offerings[x].categories, c.needs[i].category))
          return out.str() + "offering does not cover the category of need " + std::to_string(i);
        if (const auto why = keten_test::oracle_rejection(m, i, x))
          return out.str() + "need " + std::to_string(i) + " breaks " +
                 std::string(to_string(why->reason));
        if (std::find(r.needs[i].candidates.begin(), r.needs[i].candidates.end(), x) ==
            r.needs[i].candidates.end())
          return out.str() + "not a candidate of need " + std::to_string(i);
      }
    if (b.partner_count(l) > o.max_partners) return out.str() + "too many partners";
    if (b.partner_count(l) != keten_test::oracle_partners(m, b.assigned).size())
      return out.str() + "partner_count";
    if (b.covered() !=
        static_cast<std::size_t>(std::count_if(b.assigned.begin(), b.assigned.end(),
                                               [](const auto& x) { return x.has_value(); })))
      return out.str() + "covered()";
    // Order: scores non-increasing, equal scores by offering ids, "not covered" last.
    if (k > 0) {
      const bundle& prev = r.bundles[k - 1];
      if (prev.score < b.score) return out.str() + "score above the previous bundle's";
      if (prev.score == b.score && !keten_test::tie_first(m, prev.assigned, b.assigned))
        return out.str() + "tie not ordered by offering ids";
    }
    // Score and breakdown.
    if (b.breakdown.total() != b.score) return out.str() + "breakdown.total() != score";
    if (b.breakdown != score_assignment(l, c, b.assigned, o))
      return out.str() + "breakdown != score_assignment";
    if (b.breakdown.distance > 0 || b.breakdown.wait > 0 || b.breakdown.extra_partners > 0 ||
        b.breakdown.cover < 0 || b.breakdown.complementarity < 0 || b.breakdown.collaboration < 0)
      return out.str() + "a term has the wrong sign";
    // Reasons.
    if (b.reasons.size() != c.needs.size()) return out.str() + "one reason per need";
    score_breakdown sum;
    for (std::size_t i = 0; i < c.needs.size(); ++i) {
      const need_reason& why = b.reasons[i];
      out << "need " << i << " " << describe(why) << ": ";
      if (why.chosen != b.assigned[i]) return out.str() + "chosen != assigned";
      if (!why.chosen && why.terms != assignment_terms{})
        return out.str() + "terms of an uncovered need";
      if (why.terms.distance > 0 || why.terms.wait > 0) return out.str() + "term sign";
      // Every need has its cover; the fit of an offering counts once in the bundle.
      sum.cover += why.terms.cover;
      if (std::find(b.assigned.begin(), b.assigned.begin() + static_cast<std::ptrdiff_t>(i),
                    why.chosen) == b.assigned.begin() + static_cast<std::ptrdiff_t>(i)) {
        sum.distance += why.terms.distance;
        sum.wait += why.terms.wait;
        sum.capacity += why.terms.capacity;
      }
      if (why.chosen) {
        // The terms of one assignment are what score_assignment adds for it.
        std::vector<std::optional<offering_index>> alone(c.needs.size());
        alone[i] = why.chosen;
        const score_breakdown single = score_assignment(l, c, alone, o);
        if (single.cover != why.terms.cover || single.distance != why.terms.distance ||
            single.wait != why.terms.wait || single.capacity != why.terms.capacity)
          return out.str() + "terms differ from score_assignment of the assignment alone";
        if (std::abs(why.terms.distance_km - l.service_distance_km(*why.chosen, c.location)) > 1e-9)
          return out.str() + "distance_km";
      }
      // The best alternative: every other candidate or "not covered", unless it breaks
      // max_partners or leaves the bundle covering nothing (then it is no bundle); highest score,
      // then by id with "not covered" last.
      std::vector<std::optional<offering_index>> choices(r.needs[i].candidates.begin(),
                                                         r.needs[i].candidates.end());
      choices.push_back(std::nullopt);
      std::optional<std::pair<score_t, std::optional<offering_index>>> best;
      assignment best_assignment;
      for (const auto& choice : choices) {
        if (choice == b.assigned[i]) continue;
        assignment alt = b.assigned;
        alt[i] = choice;
        const std::size_t partners = keten_test::oracle_partners(m, alt).size();
        if (partners == 0 || partners > o.max_partners) continue;
        const score_t s = score_assignment(l, c, alt, o).total();
        if (!best || s > best->first) {
          best = {s, choice};
          best_assignment = alt;
        }
      }
      if (why.has_alternative != best.has_value()) return out.str() + "has_alternative";
      if (best) {
        if (why.best_alternative != best->second) return out.str() + "best_alternative";
        if (why.alternative_is_uncovered != !best->second.has_value())
          return out.str() + "alternative_is_uncovered";
        if (why.alternative_loss != b.score - best->first) return out.str() + "alternative_loss";
        const bool ranks_before =
            best->first > b.score ||
            (best->first == b.score && keten_test::tie_first(m, best_assignment, b.assigned));
        if (k == 0 && why.alternative_loss < 0) return out.str() + "negative loss in bundle 0";
        if (ranks_before &&
            std::none_of(r.bundles.begin(), r.bundles.begin() + static_cast<std::ptrdiff_t>(k),
                         [&](const bundle& x) { return x.assigned == best_assignment; }))
          return out.str() + "a better-ranked alternative is not among the earlier bundles";
      } else if (why.best_alternative || why.alternative_is_uncovered ||
                 why.alternative_loss != 0) {
        return out.str() + "alternative fields set without an alternative";
      }
      out.str("");
      out << "bundle " << k << " " << describe(m, b.assigned) << ": ";
    }
    if (sum.cover != b.breakdown.cover || sum.distance != b.breakdown.distance ||
        sum.wait != b.breakdown.wait || sum.capacity != b.breakdown.capacity)
      return out.str() + "reasons' terms (fit once per offering) do not add up to the breakdown";
    if (b.path != build_pathway(l, c, b.assigned)) return out.str() + "path != build_pathway";
    out.str("");
  }
  return {};
}

TEST(MatchProperties, EveryResultOfRandomInstances) {
  seen stats;
  for (std::uint32_t seed = 2'000'001; stats.instances < keten_test::scaled(2000); ++seed) {
    std::mt19937 rng(seed);
    const match_instance m = random_match_instance(rng);
    const match_result r = match(m.land, m.kase, m.options);
    stats.count(m, r);
    ASSERT_EQ(check_properties(m, r), "") << "seed " << seed << "\n" << describe(m);
    // find_candidates gives the same lists as match.
    const auto lists = find_candidates(m.land, m.kase, m.options);
    ASSERT_EQ(lists.size(), r.needs.size());
    for (std::size_t i = 0; i < lists.size(); ++i) {
      EXPECT_EQ(lists[i].candidates, r.needs[i].candidates);
      EXPECT_EQ(lists[i].rejected, r.needs[i].rejected);
    }
  }
  stats.print("properties");
}

TEST(MatchProperties, LargerInstancesWithBranchAndBoundOnly) {
  // Up to 20 offerings and no bound on the enumeration; match() alone, checked by properties.
  keten_test::instance_limits limits;
  limits.max_offerings = 20;
  limits.max_assignments = 100000;
  seen stats;
  for (std::uint32_t seed = 3'000'001; stats.instances < 150; ++seed) {
    std::mt19937 rng(seed);
    const match_instance m = random_match_instance(rng, limits);
    const match_result r = match(m.land, m.kase, m.options);
    stats.count(m, r);
    ASSERT_EQ(check_properties(m, r), "") << "seed " << seed << "\n" << describe(m);
  }
  stats.print("larger instances");
}

TEST(MatchProperties, TopKIsAPrefixOfALargerTopK) {
  for (std::uint32_t seed = 4'000'001; seed < 4'000'301; ++seed) {
    std::mt19937 rng(seed);
    match_instance m = random_match_instance(rng);
    m.options.top_k = 6;
    const match_result all = match(m.land, m.kase, m.options);
    for (std::size_t k = 1; k < 6; ++k) {
      m.options.top_k = k;
      const match_result some = match(m.land, m.kase, m.options);
      ASSERT_EQ(some.bundles.size(), std::min(k, all.bundles.size())) << "seed " << seed;
      for (std::size_t i = 0; i < some.bundles.size(); ++i) {
        ASSERT_EQ(some.bundles[i].assigned, all.bundles[i].assigned) << "seed " << seed;
        ASSERT_EQ(some.bundles[i].score, all.bundles[i].score) << "seed " << seed;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Consent, errors
// ---------------------------------------------------------------------------------------------

TEST(MatchStatus, NoConsentProposesNothing) {
  const landscape l = zwolle_landscape();
  help_case c = zwolle_case();
  c.consent = false;
  for (const auto& run : {match, match_exhaustive}) {
    const match_result r = run(l, c, {});
    EXPECT_EQ(r.status, match_status::no_consent);
    EXPECT_TRUE(r.bundles.empty());
    EXPECT_EQ(r.needs.size(), 2u);
  }
  c.consent = true;
  const match_result r = match(l, c, {});
  EXPECT_EQ(r.status, match_status::ok);
  EXPECT_FALSE(r.bundles.empty());
  EXPECT_EQ(to_string(match_status::ok), "ok");
  EXPECT_EQ(to_string(match_status::no_consent), "no_consent");
}

TEST(MatchErrors, InvalidOptionsThrowValidationError) {
  const landscape l = zwolle_landscape();
  const help_case c = zwolle_case();
  std::vector<match_options> bad;
  {
    match_options o;
    o.top_k = 0;
    bad.push_back(o);
  }
  {
    match_options o;
    o.max_partners = 0;
    bad.push_back(o);
  }
  double match_weights::*const fields[] = {&match_weights::cover,
                                           &match_weights::distance,
                                           &match_weights::distance_scale_km,
                                           &match_weights::wait,
                                           &match_weights::wait_scale_days,
                                           &match_weights::free_capacity,
                                           &match_weights::waitlist,
                                           &match_weights::complementarity,
                                           &match_weights::collaboration,
                                           &match_weights::extra_partner};
  for (auto field : fields)
    for (double value :
         {-1.0, -1e-9, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
      match_options o;
      o.weights.*field = value;
      bad.push_back(o);
    }
  for (std::size_t k = 0; k < bad.size(); ++k) {
    SCOPED_TRACE("options " + std::to_string(k));
    catch_error<validation_error>([&] { (void)match(l, c, bad[k]); });
    catch_error<validation_error>([&] { (void)match_exhaustive(l, c, bad[k]); });
  }
  // Without consent, options are still checked.
  help_case no = c;
  no.consent = false;
  catch_error<validation_error>([&] { (void)match(l, no, bad[0]); });
  // Zero weights are allowed.
  match_options zero;
  zero.weights = {0, 0, 10, 0, 90, 0, 0, 0, 0, 0};
  const match_result r = match(l, c, zero);
  ASSERT_FALSE(r.bundles.empty());
  EXPECT_EQ(r.bundles[0].score, 0);
}

TEST(MatchErrors, InvalidCaseThrowsValidationError) {
  const landscape l = zwolle_landscape();
  std::vector<help_case> bad;
  const auto with = [&](auto change) {
    help_case c = zwolle_case();
    change(c);
    bad.push_back(c);
  };
  with([](help_case& c) { c.needs.clear(); });
  with([](help_case& c) { c.id.clear(); });
  with([](help_case& c) { c.needs[0].category = "money.nothing"; });
  with([](help_case& c) { c.needs[1].category = c.needs[0].category; });
  with([](help_case& c) { c.needs[0].urgency = 0; });
  with([](help_case& c) { c.needs[0].urgency = 6; });
  with([](help_case& c) { c.needs[0].weight = 0.0; });
  with([](help_case& c) { c.needs[0].weight = -1.0; });
  with([](help_case& c) { c.location = {}; });
  with([](help_case& c) { c.location.municipality = "GM9999"; });
  with([](help_case& c) { c.location.postcode = 999; });
  with([](help_case& c) { c.profile.age = age_band{50, 40}; });
  with([](help_case& c) { c.profile.languages = {"Dutch"}; });
  for (std::size_t k = 0; k < bad.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    catch_error<validation_error>([&] { (void)match(l, bad[k], {}); });
    catch_error<validation_error>([&] { (void)match_exhaustive(l, bad[k], {}); });
    catch_error<validation_error>([&] { (void)find_candidates(l, bad[k], {}); });
  }
}

TEST(MatchErrors, CollaborationStrengths) {
  collaboration_strengths s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.get(0, 1), 0.0);
  s.set(2, 1, 0.25);
  s.set(0, 3, 0.75);
  EXPECT_EQ(s.get(1, 2), 0.25);
  EXPECT_EQ(s.get(2, 1), 0.25);
  EXPECT_EQ(s.get(3, 0), 0.75);
  EXPECT_EQ(s.get(0, 1), 0.0);
  EXPECT_EQ(s.max(), 0.75);
  s.set(0, 3, 0.5);  // replaces
  EXPECT_EQ(s.get(0, 3), 0.5);
  EXPECT_EQ(s.max(), 0.5);
  EXPECT_FALSE(s.empty());
  catch_error<validation_error>([&] { s.set(1, 1, 0.5); });
  catch_error<validation_error>([&] { s.set(1, 2, -0.1); });
  catch_error<validation_error>([&] { s.set(1, 2, 1.1); });
  catch_error<validation_error>([&] { s.set(1, 2, std::numeric_limits<double>::quiet_NaN()); });
  EXPECT_EQ(s.get(1, 2), 0.25);  // a failed set changes nothing
}

}  // namespace
