// Tests of keten::build_pathway (include/keten/pathway.hpp): stages by precedence, parallel steps,
// strongly connected steps through multi-category offerings, the lead, warm handovers, and the
// order of steps; hand-made landscapes plus random assignments against a plain-loop oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "keten/landscape.hpp"
#include "keten/matching.hpp"
#include "keten/pathway.hpp"
#include "matching_support.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::assignment;
using keten_test::make_offering;
using keten_test::make_partner;

struct offering_spec {
  std::string id;
  std::string partner;
  std::vector<std::string> categories;
};

/// Offerings in Zwolle, in the given order; partners in order of first use.
landscape make_landscape(const std::vector<offering_spec>& offerings,
                         const std::vector<precedence>& precedences) {
  landscape_builder b(keten_test::small_geography({"GM0193"}));
  std::vector<std::string> partners;
  for (const offering_spec& o : offerings)
    if (std::find(partners.begin(), partners.end(), o.partner) == partners.end()) {
      partners.push_back(o.partner);
      b.add_partner(make_partner(o.partner, "GM0193"));
    }
  for (const offering_spec& o : offerings)
    b.add_offering(make_offering(o.id, o.partner, o.categories, {"GM0193"}));
  for (const precedence& p : precedences)
    b.add_precedence(p);
  return b.build();
}

help_case make_case(std::vector<need> needs) {
  help_case c;
  c.id = "c";
  c.needs = std::move(needs);
  c.location.municipality = "GM0193";
  c.consent = true;
  return c;
}

/// The offering of each need by id ("" = not covered).
assignment assign(const landscape& l, const std::vector<std::string>& ids) {
  assignment a;
  for (const std::string& id : ids)
    a.push_back(id.empty() ? std::nullopt : l.find_offering(id));
  return a;
}

/// The steps as "id@stage" in order, for readable expectations.
std::vector<std::string> step_ids(const landscape& l, const pathway& p) {
  std::vector<std::string> out;
  for (const pathway_step& s : p.steps)
    out.push_back(l.offerings()[s.offering].id + "@" + std::to_string(s.stage));
  return out;
}

using strings = std::vector<std::string>;
using handovers = std::vector<handover>;

TEST(Pathway, EmptyAssignmentHasNoSteps) {
  const landscape l = make_landscape({{"a", "pa", {"money.debts"}}}, {});
  const help_case c = make_case({{"money.debts", 3, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {""}));
  EXPECT_TRUE(p.steps.empty());
  EXPECT_TRUE(p.handovers.empty());
  EXPECT_EQ(p.stage_count(), 0u);
}

TEST(Pathway, PrecedenceOrdersStepsIntoStages) {
  const landscape l =
      make_landscape({{"crisis", "pa", {"money.crisis"}},
                      {"debts", "pb", {"money.debts"}},
                      {"job", "pc", {"work.job_search"}}},
                     {{"money.crisis", "money.debts"}, {"money.debts", "work.job_search"}});
  // The case lists the needs in another order than the precedence, and the last step is the most
  // urgent: stages come first.
  const help_case c =
      make_case({{"work.job_search", 5, 1.0}, {"money.debts", 3, 1.0}, {"money.crisis", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"job", "debts", "crisis"}));
  EXPECT_EQ(step_ids(l, p), (strings{"crisis@0", "debts@1", "job@2"}));
  EXPECT_EQ(p.stage_count(), 3u);
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.steps[0].needs, (std::vector<std::size_t>{2}));
  EXPECT_EQ(p.steps[0].partner, *l.find_partner("pa"));
  EXPECT_EQ(p.handovers, (handovers{{0, 1, true}, {1, 2, true}}));
}

TEST(Pathway, StepsWithoutPrecedenceRunInParallelAndTheMostUrgentLeads) {
  const landscape l = make_landscape({{"a", "pa", {"money.debts"}},
                                      {"b", "pb", {"neighbour.chores"}},
                                      {"c", "pc", {"youth.company"}}},
                                     {{"money.crisis", "work.job_search"}});
  const help_case c =
      make_case({{"money.debts", 2, 1.0}, {"neighbour.chores", 5, 1.0}, {"youth.company", 3, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"a", "b", "c"}));
  EXPECT_EQ(step_ids(l, p), (strings{"b@0", "c@0", "a@0"}));
  EXPECT_EQ(p.stage_count(), 1u);
  // The lead (the most urgent need's step) brings in the others.
  EXPECT_EQ(p.handovers, (handovers{{0, 1, false}, {0, 2, false}}));
}

TEST(Pathway, PrecedenceIsTransitiveThroughCategoriesNotInTheCase) {
  const landscape l =
      make_landscape({{"crisis", "pa", {"money.crisis"}}, {"job", "pb", {"work.job_search"}}},
                     {{"money.crisis", "money.debts"}, {"money.debts", "work.job_search"}});
  const help_case c = make_case({{"work.job_search", 4, 1.0}, {"money.crisis", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"job", "crisis"}));
  EXPECT_EQ(step_ids(l, p), (strings{"crisis@0", "job@1"}));
  EXPECT_EQ(p.handovers, (handovers{{0, 1, true}}));
}

TEST(Pathway, StageIsTheLongestChainAndHandoverComesFromTheLatestStage) {
  // crisis → debts → job, crisis → coaching → job: a diamond.
  const landscape l = make_landscape({{"crisis", "pa", {"money.crisis"}},
                                      {"debts", "pb", {"money.debts"}},
                                      {"coach", "pc", {"work.coaching"}},
                                      {"job", "pd", {"work.job_search"}}},
                                     {{"money.crisis", "money.debts"},
                                      {"money.crisis", "work.coaching"},
                                      {"money.debts", "work.job_search"},
                                      {"work.coaching", "work.job_search"}});
  const help_case c = make_case({{"money.crisis", 3, 1.0},
                                 {"money.debts", 2, 1.0},
                                 {"work.coaching", 4, 1.0},
                                 {"work.job_search", 1, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"crisis", "debts", "coach", "job"}));
  // Stage 1 holds coaching (urgency 4) before debts (urgency 2).
  EXPECT_EQ(step_ids(l, p), (strings{"crisis@0", "coach@1", "debts@1", "job@2"}));
  // job waits for crisis, coach and debts: the latest stage is 1, and coach is first there.
  EXPECT_EQ(p.handovers, (handovers{{0, 1, true}, {0, 2, true}, {1, 3, true}}));
}

TEST(Pathway, StepWithCategoriesBeforeAndAfterAnotherSharesItsStage) {
  // "both" covers crisis (before debts) and job_search (after debts): both steps would have to
  // come before each other, so they share a stage.
  const landscape l = make_landscape(
      {{"both", "pa", {"money.crisis", "work.job_search"}}, {"debts", "pb", {"money.debts"}}},
      {{"money.crisis", "money.debts"}, {"money.debts", "work.job_search"}});
  const help_case c =
      make_case({{"money.crisis", 2, 1.0}, {"money.debts", 3, 1.0}, {"work.job_search", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"both", "debts", "both"}));
  EXPECT_EQ(step_ids(l, p), (strings{"debts@0", "both@0"}));
  EXPECT_EQ(p.stage_count(), 1u);
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[1].needs, (std::vector<std::size_t>{0, 2}));
  // Neither waits for the other: the lead hands over.
  EXPECT_EQ(p.handovers, (handovers{{0, 1, false}}));
}

TEST(Pathway, StepsAfterAStronglyConnectedGroupComeInALaterStage) {
  // m (debts + admin) and y (job_search + coaching) must each come before the other (debts →
  // job_search, coaching → admin): one group. x (crisis → admin) comes before the group, z
  // (coaching → chores) after it. So x@0, m@1, y@1, z@2: z waits for y, which is in stage 1.
  const landscape l = make_landscape({{"x", "px", {"money.crisis"}},
                                      {"m", "pm", {"money.debts", "money.admin"}},
                                      {"y", "py", {"work.job_search", "work.coaching"}},
                                      {"z", "pz", {"neighbour.chores"}}},
                                     {{"money.crisis", "money.admin"},
                                      {"money.debts", "work.job_search"},
                                      {"work.coaching", "money.admin"},
                                      {"work.coaching", "neighbour.chores"}});
  const help_case c = make_case({{"money.crisis", 3, 1.0},
                                 {"money.debts", 3, 1.0},
                                 {"money.admin", 3, 1.0},
                                 {"work.job_search", 3, 1.0},
                                 {"work.coaching", 3, 1.0},
                                 {"neighbour.chores", 3, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"x", "m", "m", "y", "y", "z"}));
  EXPECT_EQ(step_ids(l, p), (strings{"x@0", "m@1", "y@1", "z@2"}));
  EXPECT_EQ(p.stage_count(), 3u);
  // m waits for x; y waits for nothing outside its group: from the lead; z waits for y.
  EXPECT_EQ(p.handovers, (handovers{{0, 1, true}, {0, 2, false}, {2, 3, true}}));
}

TEST(Pathway, OneOfferingForSeveralNeedsIsOneStep) {
  const landscape l = make_landscape(
      {{"maatje", "pa", {"money.debts", "money.admin"}}, {"job", "pb", {"work.job_search"}}},
      {{"money.debts", "work.job_search"}});
  const help_case c =
      make_case({{"money.admin", 1, 1.0}, {"work.job_search", 4, 1.0}, {"money.debts", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"maatje", "job", "maatje"}));
  EXPECT_EQ(step_ids(l, p), (strings{"maatje@0", "job@1"}));
  EXPECT_EQ(p.steps[0].needs, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(p.steps[1].needs, (std::vector<std::size_t>{1}));
  EXPECT_EQ(p.handovers, (handovers{{0, 1, true}}));
}

TEST(Pathway, HandoversOnlyBetweenDifferentPartners) {
  // debts → job_search, both of partner shm; chores of partner hip.
  const landscape l = make_landscape({{"debts", "shm", {"money.debts"}},
                                      {"job", "shm", {"work.job_search"}},
                                      {"chores", "hip", {"neighbour.chores"}}},
                                     {{"money.debts", "work.job_search"}});
  const help_case c = make_case(
      {{"money.debts", 4, 1.0}, {"work.job_search", 3, 1.0}, {"neighbour.chores", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"debts", "job", "chores"}));
  EXPECT_EQ(step_ids(l, p), (strings{"debts@0", "chores@0", "job@1"}));
  EXPECT_EQ(p.handovers, (handovers{{0, 1, false}}));
  // Two steps of one partner and nothing else: no handover at all.
  const pathway q = build_pathway(l, c, assign(l, {"debts", "job", ""}));
  EXPECT_EQ(step_ids(l, q), (strings{"debts@0", "job@1"}));
  EXPECT_TRUE(q.handovers.empty());
  // Uncovered needs make no step.
  const pathway r = build_pathway(l, c, assign(l, {"", "", "chores"}));
  EXPECT_EQ(step_ids(l, r), (strings{"chores@0"}));
  EXPECT_TRUE(r.handovers.empty());
}

TEST(Pathway, APartnerAlreadyOnTheCaseGetsNoSecondHandover) {
  // Partner P leads with debts (urgency 5); Q's crisis step runs in parallel; P's job step waits
  // for Q's crisis step, but P is on the case already: no handover to it.
  const landscape l = make_landscape({{"debts", "P", {"money.debts"}},
                                      {"crisis", "Q", {"money.crisis"}},
                                      {"job", "P", {"work.job_search"}}},
                                     {{"money.crisis", "work.job_search"}});
  const help_case c =
      make_case({{"money.debts", 5, 1.0}, {"money.crisis", 3, 1.0}, {"work.job_search", 2, 1.0}});
  const pathway p = build_pathway(l, c, assign(l, {"debts", "crisis", "job"}));
  EXPECT_EQ(step_ids(l, p), (strings{"debts@0", "crisis@0", "job@1"}));
  EXPECT_EQ(p.handovers, (handovers{{0, 1, false}}));
  // Without the debts step, P is new when its job step starts: Q hands over because of precedence.
  const pathway q = build_pathway(l, c, assign(l, {"", "crisis", "job"}));
  EXPECT_EQ(step_ids(l, q), (strings{"crisis@0", "job@1"}));
  EXPECT_EQ(q.handovers, (handovers{{0, 1, true}}));
}

TEST(Pathway, StepOrderIsDeterministic) {
  // Equal stage and urgency: by offering id ("aa" < "mm" < "zz"), not by index or need order.
  const landscape l = make_landscape({{"zz", "p1", {"money.debts"}},
                                      {"mm", "p2", {"neighbour.chores"}},
                                      {"aa", "p3", {"youth.company"}}},
                                     {});
  std::vector<need> needs{
      {"money.debts", 3, 1.0}, {"neighbour.chores", 3, 1.0}, {"youth.company", 3, 1.0}};
  std::vector<std::string> chosen{"zz", "mm", "aa"};
  const help_case c = make_case(needs);
  const pathway first = build_pathway(l, c, assign(l, chosen));
  EXPECT_EQ(step_ids(l, first), (strings{"aa@0", "mm@0", "zz@0"}));
  EXPECT_EQ(build_pathway(l, c, assign(l, chosen)), first);
  // Every order of the needs gives the same steps (up to the need indexes).
  std::vector<std::size_t> perm{0, 1, 2};
  do {
    std::vector<need> shuffled;
    std::vector<std::string> ids;
    for (std::size_t i : perm) {
      shuffled.push_back(needs[i]);
      ids.push_back(chosen[i]);
    }
    const pathway p = build_pathway(l, make_case(shuffled), assign(l, ids));
    EXPECT_EQ(step_ids(l, p), step_ids(l, first));
    EXPECT_EQ(p.handovers, first.handovers);
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(Pathway, MatchedBundlesCarryTheirPathway) {
  const landscape l =
      make_landscape({{"crisis", "pa", {"money.crisis"}},
                      {"debts", "pb", {"money.debts"}},
                      {"job", "pc", {"work.job_search"}}},
                     {{"money.crisis", "money.debts"}, {"money.crisis", "work.job_search"}});
  const help_case c =
      make_case({{"work.job_search", 3, 1.0}, {"money.debts", 4, 1.0}, {"money.crisis", 5, 1.0}});
  const match_result r = match(l, c, {});
  ASSERT_FALSE(r.bundles.empty());
  const bundle& best = r.bundles[0];
  EXPECT_EQ(best.assigned, assign(l, {"job", "debts", "crisis"}));
  EXPECT_EQ(step_ids(l, best.path), (strings{"crisis@0", "debts@1", "job@1"}));
  EXPECT_EQ(best.path.handovers, (handovers{{0, 1, true}, {0, 2, true}}));
}

TEST(Pathway, RandomAssignmentsMatchThePlainLoopOracle) {
  std::size_t assignments = 0;
  std::size_t multi_stage = 0;
  std::size_t shared_by_cycle = 0;
  std::size_t precedence_handovers = 0;
  std::size_t lead_handovers = 0;
  // Up to 8 categories and needs, so that strongly connected steps have steps before and after.
  keten_test::instance_limits limits;
  limits.max_categories = 8;
  limits.max_needs = 8;
  limits.max_offerings = 20;
  limits.one_category = 0.3;
  limits.up_to_two_categories = 0.7;
  limits.precedence = 0.25;
  limits.max_assignments = std::numeric_limits<std::size_t>::max();
  for (std::uint32_t seed = 5'000'001; assignments < keten_test::scaled(8000); ++seed) {
    std::mt19937 rng(seed);
    const keten_test::match_instance m = keten_test::random_match_instance(rng, limits);
    const help_case& c = m.kase;
    for (int round = 0; round < 4; ++round) {
      // Any offering of the need's category (the precondition), or none.
      assignment a(c.needs.size());
      for (std::size_t i = 0; i < c.needs.size(); ++i) {
        std::vector<offering_index> of;
        for (offering_index o = 0; o < m.offerings.size(); ++o)
          if (keten_test::contains_value(m.offerings[o].categories, c.needs[i].category))
            of.push_back(o);
        if (!of.empty() && keten_test::chance(rng, 0.85)) a[i] = keten_test::pick(rng, of);
      }
      ++assignments;
      const pathway got = build_pathway(m.land, c, a);
      const pathway want = keten_test::oracle_pathway(m, a);
      const auto trace = [&] {  // only built on a failure
        std::ostringstream out;
        out << "seed " << seed << " round " << round << " assignment " << keten_test::describe(m, a)
            << "\nlibrary " << ::testing::PrintToString(step_ids(m.land, got)) << "\noracle  "
            << ::testing::PrintToString(step_ids(m.land, want)) << "\n"
            << keten_test::describe(m);
        return out.str();
      };
      ASSERT_EQ(got.steps, want.steps) << trace();
      ASSERT_EQ(got.handovers, want.handovers) << trace();
      // Properties that follow from the documentation.
      for (const handover& h : got.handovers) {
        ASSERT_NE(got.steps[h.from_step].partner, got.steps[h.to_step].partner) << trace();
        ASSERT_LT(h.from_step, h.to_step) << trace();
        if (h.because_of_precedence) {
          ASSERT_LT(got.steps[h.from_step].stage, got.steps[h.to_step].stage) << trace();
          ++precedence_handovers;
        } else {
          ASSERT_EQ(h.from_step, 0u) << trace();
          ++lead_handovers;
        }
      }
      if (got.stage_count() > 1) ++multi_stage;
      // Steps in one stage that are related by precedence: a group through a shared offering.
      for (std::size_t s = 0; s < got.steps.size(); ++s)
        for (std::size_t t = 0; t < got.steps.size(); ++t)
          if (s != t && got.steps[s].stage == got.steps[t].stage)
            for (std::size_t i : got.steps[s].needs)
              for (std::size_t j : got.steps[t].needs)
                if (m.land.precedes(m.land.categories().index_of(c.needs[i].category),
                                    m.land.categories().index_of(c.needs[j].category)))
                  ++shared_by_cycle;
    }
  }
  std::cout << "[ stats    ] " << assignments << " assignments, " << multi_stage
            << " with several stages, " << shared_by_cycle << " precedence pairs inside one stage, "
            << precedence_handovers << " handovers by precedence, " << lead_handovers
            << " from the lead\n";
  EXPECT_GT(multi_stage, keten_test::scaled(500));
  EXPECT_GT(shared_by_cycle, keten_test::scaled(20));
  EXPECT_GT(precedence_handovers, keten_test::scaled(500));
  EXPECT_GT(lead_handovers, keten_test::scaled(500));
}

}  // namespace
