// The hand-checked example municipality (data/example) through match() — candidates and unmet
// reasons against data/example/expected.json — and matching from several threads on one landscape.
#include <algorithm>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keten/keten.hpp"

namespace keten {
namespace {

struct example_day {
  landscape l = load_landscape_json(KETEN_DATA_DIR "/example/landscape.json");
  std::vector<help_case> cases = load_cases_json(KETEN_DATA_DIR "/example/cases.json", l);
};

const example_day& day() {
  static const example_day d;
  return d;
}

void expect_same(const match_result& a, const match_result& b, const std::string& context) {
  ASSERT_EQ(a.status, b.status) << context;
  ASSERT_EQ(a.bundles.size(), b.bundles.size()) << context;
  for (std::size_t k = 0; k < a.bundles.size(); ++k) {
    EXPECT_EQ(a.bundles[k].assigned, b.bundles[k].assigned) << context << " bundle " << k;
    EXPECT_EQ(a.bundles[k].score, b.bundles[k].score) << context << " bundle " << k;
    EXPECT_EQ(a.bundles[k].path, b.bundles[k].path) << context << " bundle " << k;
  }
}

TEST(MatchExample, EveryCaseEqualsExhaustiveEnumerationUnderSeveralOptions) {
  std::size_t bundles = 0;
  for (const help_case& c : day().cases) {
    for (std::size_t top : {1u, 3u, 10u})
      for (std::size_t partners : {1u, 2u, 3u})
        for (bool waitlist : {false, true}) {
          match_options o;
          o.top_k = top;
          o.max_partners = partners;
          o.allow_waitlist = waitlist;
          const match_result fast = match(day().l, c, o);
          expect_same(fast, match_exhaustive(day().l, c, o),
                      c.id + " top " + std::to_string(top) + " partners " +
                          std::to_string(partners) + (waitlist ? " waitlist" : ""));
          bundles += fast.bundles.size();
        }
  }
  EXPECT_GT(bundles, 500u);  // the example is not trivial
}

TEST(MatchExample, CrisisHelpComesBeforeDebtsAndWork) {
  // zw-0020 needs crisis money help, a debt buddy, a JobGroup and coaching
  // (data/example/README.md).
  const auto it = std::find_if(day().cases.begin(), day().cases.end(),
                               [](const help_case& c) { return c.id == "zw-0020"; });
  ASSERT_NE(it, day().cases.end());
  const match_result r = match(day().l, *it, {.top_k = 1});
  ASSERT_EQ(r.bundles.size(), 1u);
  const pathway& path = r.bundles[0].path;
  ASSERT_GE(path.steps.size(), 2u);
  const category_index crisis = day().l.categories().index_of("money.crisis");
  // The first stage holds exactly the crisis step; every other step waits for it.
  ASSERT_EQ(path.steps[0].needs.size(), 1u);
  EXPECT_EQ(day().l.categories().index_of(it->needs[path.steps[0].needs[0]].category), crisis);
  for (std::size_t s = 1; s < path.steps.size(); ++s)
    EXPECT_EQ(path.steps[s].stage, 1u);
  for (const handover& h : path.handovers) {
    EXPECT_EQ(h.from_step, 0u);
    EXPECT_TRUE(h.because_of_precedence);
  }
}

TEST(MatchExample, UsesTheStandardPrecedences) {
  const auto standard = standard_precedences();
  const auto example = day().l.precedences();
  ASSERT_EQ(example.size(), standard.size());
  for (const precedence& p : standard)
    EXPECT_NE(std::find(example.begin(), example.end(), p), example.end())
        << p.before << " -> " << p.after;
}

TEST(MatchConcurrency, ThreadsOnOneLandscapeGetTheSerialResults) {
  const landscape national = load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  const std::vector<help_case> cases = generate_cases(national, {.count = 400, .seed = 5});
  std::vector<match_result> serial;
  for (const help_case& c : cases)
    serial.push_back(match(national, c));
  std::vector<match_result> parallel(cases.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < cases.size(); i += 4)
        parallel[i] = match(national, cases[i]);
    });
  for (std::thread& t : threads)
    t.join();
  for (std::size_t i = 0; i < cases.size(); ++i)
    expect_same(serial[i], parallel[i], cases[i].id);
}

// ---------------------------------------------------------------------------------------------
// 4. The hand-checked Zwolle example
// ---------------------------------------------------------------------------------------------

TEST(MatchExample, CandidatesEqualTheHandCheckedLists) {
  const std::string dir = std::string(KETEN_DATA_DIR) + "/example/";
  const landscape l = load_landscape_json(dir + "landscape.json");
  const std::vector<help_case> cases = load_cases_json(dir + "cases.json", l);
  std::ifstream file(dir + "expected.json");
  ASSERT_TRUE(file) << dir << "expected.json";
  const nlohmann::json expected = nlohmann::json::parse(file);
  ASSERT_EQ(cases.size(), expected.size());
  match_options o;
  o.allow_waitlist = true;
  std::size_t lists = 0;
  std::size_t offerings = 0;
  for (help_case c : cases) {
    SCOPED_TRACE(c.id);
    ASSERT_TRUE(expected.contains(c.id));
    const nlohmann::json& want = expected.at(c.id);
    ASSERT_EQ(want.size(), c.needs.size());
    c.consent = true;
    const std::vector<need_candidates> found = find_candidates(l, c, o);
    ASSERT_EQ(found.size(), c.needs.size());
    for (std::size_t i = 0; i < c.needs.size(); ++i) {
      SCOPED_TRACE(c.needs[i].category);
      ASSERT_TRUE(want.contains(c.needs[i].category));
      std::vector<std::string> got;
      for (offering_index x : found[i].candidates)
        got.push_back(l.offerings()[x].id);
      EXPECT_EQ(got, want.at(c.needs[i].category).get<std::vector<std::string>>());
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
      ++lists;
      offerings += got.size();
    }
    // Every bundle uses only these candidates, and match equals the oracle.
    const match_result r = match(l, c, o);
    EXPECT_EQ(r.status, match_status::ok);
    for (const bundle& b : r.bundles)
      for (std::size_t i = 0; i < c.needs.size(); ++i)
        if (b.assigned[i]) {
          const auto& allowed = want.at(c.needs[i].category);
          EXPECT_NE(std::find(allowed.begin(), allowed.end(), l.offerings()[*b.assigned[i]].id),
                    allowed.end());
        }
    const match_result slow = match_exhaustive(l, c, o);
    ASSERT_EQ(r.bundles.size(), slow.bundles.size());
    for (std::size_t k = 0; k < r.bundles.size(); ++k) {
      EXPECT_EQ(r.bundles[k].assigned, slow.bundles[k].assigned);
      EXPECT_EQ(r.bundles[k].score, slow.bundles[k].score);
    }
  }
  std::size_t expected_lists = 0;
  for (const auto& [id, needs] : expected.items())
    expected_lists += needs.size();
  EXPECT_EQ(lists, expected_lists);
  EXPECT_GT(offerings, 30u);
}

TEST(MatchExample, CapacityAndExclusionAreRejectedWithTheirReason) {
  const std::string dir = std::string(KETEN_DATA_DIR) + "/example/";
  const landscape l = load_landscape_json(dir + "landscape.json");
  const std::vector<help_case> cases = load_cases_json(dir + "cases.json", l);
  const auto find_case = [&](const std::string& id) {
    return *std::find_if(cases.begin(), cases.end(),
                         [&](const help_case& c) { return c.id == id; });
  };
  const auto id = [&](std::string_view s) { return *l.find_offering(s); };
  // zw-0008 excludes shm-gm0193: money.debts has shm-gm0193-maatje in reach but excluded.
  const auto lists8 = find_candidates(l, find_case("zw-0008"), {});
  EXPECT_TRUE(lists8[0].candidates.empty());
  EXPECT_EQ(lists8[0].rejected,
            (std::vector<rejected_offering>{{id("shm-gm0193-maatje"), rejection::excluded}}));
  EXPECT_EQ(lists8[0].uncoverable_because(), rejection::excluded);
  // Without the waitlist, the full jobgroup (0 free units) is rejected for capacity.
  EXPECT_TRUE(lists8[1].candidates.empty());
  // The English job group is not eligible: the case speaks only nl.
  EXPECT_EQ(lists8[1].rejected,
            (std::vector<rejected_offering>{
                {id("jhm-gm0193-jobgroup"), rejection::no_capacity},
                {id("jhm-gm0193-jobgroup-en"), rejection::not_eligible, ineligibility::language}}));
  // zw-0003 (age 17): not eligible by age.
  const auto lists3 = find_candidates(l, find_case("zw-0003"), {});
  ASSERT_EQ(lists3[0].rejected.size(), 1u);
  EXPECT_EQ(
      lists3[0].rejected[0],
      (rejected_offering{id("shm-gm0193-maatje"), rejection::not_eligible, ineligibility::age}));
  // zw-0009 has no consent: nothing is proposed, the lists are still made.
  const match_result r9 = match(l, find_case("zw-0009"), {});
  EXPECT_EQ(r9.status, match_status::no_consent);
  EXPECT_TRUE(r9.bundles.empty());
  EXPECT_EQ(r9.needs[0].candidates.size(), 2u);
}

}  // namespace
}  // namespace keten
