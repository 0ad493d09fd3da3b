// The hand-checked example municipality (data/example) through match(), and matching from several
// threads on one landscape.
#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace keten
