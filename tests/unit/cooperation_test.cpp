// Cooperation scans and what they say: the questionnaire, validation of answers (all or
// nothing), the rank-sum test against enumeration, the conditions and pair strengths against a
// hand computation and an independent recomputation, and the scan formats with their errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "keten/keten.hpp"
#include "support.hpp"

using namespace keten;
using keten_test::catch_error;
using keten_test::expect_error;

namespace {

const landscape& example() {
  static const landscape l = load_landscape_json(KETEN_DATA_DIR "/example/landscape.json");
  return l;
}

date day(const char* text) {
  return *parse_date(text);
}

/// Two chains over four partners: k1 = {a, b, c} in Zwolle, k2 = {b, d} in Kampen.
landscape small() {
  landscape_builder b;
  b.add_partner({"a", "SchuldHulpMaatje", "A", "GM0193"});
  b.add_partner({"b", "HipHelpt", "B", "GM0193"});
  b.add_partner({"c", "Stichting Present", "C", "GM0193"});
  b.add_partner({"d", "JobHulpMaatje", "D", "GM0166"});
  b.add_chain(
      {"k1", "K1", {"GM0193"}, {"a", "b", "c"}, {{"a", ""}}, day("2022-01-01"), "covenant"});
  b.add_chain(
      {"k2", "K2", {"GM0166"}, {"b", "d"}, {{"", "diaconie"}}, day("2022-01-01"), "loose_network"});
  return b.build();
}

/// A respondent rating every statement of the standard questionnaire: `value(statement)`, given
/// as the meaning (reversed statements get 6 − meaning written, so they count as the meaning).
std::vector<scan_answer> respondent(const std::string& chain, const char* when,
                                    const std::string& partner, const std::string& code,
                                    const std::function<int(const scan_statement&)>& meaning) {
  std::vector<scan_answer> out;
  for (const scan_statement& s : questionnaire::standard().statements()) {
    const int m = meaning(s);
    out.push_back({chain, day(when), partner, code, s.id, s.reversed ? 6 - m : m});
  }
  return out;
}

void append(std::vector<scan_answer>& to, const std::vector<scan_answer>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

}  // namespace

TEST(Questionnaire, StandardHasFiveStatementsPerConditionInTwoLanguages) {
  const questionnaire& q = questionnaire::standard();
  EXPECT_EQ(q.size(), 25U);
  for (condition c : all_conditions) {
    EXPECT_EQ(q.count(c), 5U) << to_string(c);
    std::size_t reversed = 0;
    for (const scan_statement& s : q.statements())
      if (s.about == c) reversed += s.reversed ? 1 : 0;
    EXPECT_EQ(reversed, 1U) << to_string(c);
    EXPECT_EQ(parse_condition(to_string(c)), c);
    EXPECT_FALSE(label_nl(c).empty());
  }
  for (const scan_statement& s : q.statements()) {
    EXPECT_FALSE(s.text_nl.empty()) << s.id;
    EXPECT_FALSE(s.text_en.empty()) << s.id;
    EXPECT_EQ(q.find(s.id), static_cast<std::size_t>(&s - q.statements().data()));
  }
  questionnaire mine;
  mine.add({"x.1", condition::shared_ambition, "Tekst", "", false});
  expect_error<validation_error>(
      [&] {
        mine.add({"x.1", condition::shared_ambition, "T", "", false});
      },
      error_code::duplicate_id, {.field = "id", .object_id = "x.1"});
  expect_error<validation_error>(
      [&] {
        mine.add({"X 1", condition::shared_ambition, "T", "", false});
      },
      error_code::invalid_value, {.field = "id", .object_id = "X 1"});
  expect_error<validation_error>(
      [&] {
        mine.add({"x.2", condition::shared_ambition, "", "", false});
      },
      error_code::empty_value, {.field = "text_nl", .object_id = "x.2"});
  EXPECT_EQ(mine.size(), 1U);
}

TEST(CooperationScan, RespondentCodesAreOpaque) {
  for (const char* good : {"r01", "7", "shm-3", "a_1"})
    EXPECT_TRUE(is_respondent_code(good)) << good;
  for (const char* bad :
       {"", "jansen", "Jan1", "r 1", "r.1", "123456789012345678901234567890123", "piet@x1"})
    EXPECT_FALSE(is_respondent_code(bad)) << bad;
}

TEST(CooperationScan, EveryRuleIsCheckedAndNothingHalfAdded) {
  cooperation_scan scan(small());
  const scan_answer ok{"k1", day("2024-05-01"), "a", "r1", "ambition.1", 4};
  scan.add(std::vector<scan_answer>{ok});
  struct bad_case {
    const char* what;
    void (*change)(scan_answer&);
    error_code code;
    const char* field;
  };
  const bad_case cases[] = {
      {"unknown chain", [](scan_answer& a) { a.chain = "k9"; }, error_code::unknown_reference,
       "chain"},
      {"unknown partner", [](scan_answer& a) { a.partner = "zz"; }, error_code::unknown_reference,
       "partner"},
      {"partner outside the chain", [](scan_answer& a) { a.partner = "d"; },
       error_code::unknown_reference, "partner"},
      {"unknown statement", [](scan_answer& a) { a.statement = "ambition.9"; },
       error_code::unknown_reference, "statement"},
      {"value 0", [](scan_answer& a) { a.value = 0; }, error_code::invalid_value, "value"},
      {"value 6", [](scan_answer& a) { a.value = 6; }, error_code::invalid_value, "value"},
      {"a name", [](scan_answer& a) { a.respondent = "jansen"; }, error_code::invalid_value,
       "respondent"},
      {"bad date",
       [](scan_answer& a) {
         a.when = date{std::chrono::year{2024}, std::chrono::February, std::chrono::day{30}};
       },
       error_code::invalid_value, "date"},
      {"rated twice (stored)", [](scan_answer&) {}, error_code::duplicate_id, "statement"},
      {"two partners", [](scan_answer& a) { a.partner = "b", a.statement = "ambition.2"; },
       error_code::invalid_value, "partner"},
  };
  for (const bad_case& bad : cases) {
    SCOPED_TRACE(bad.what);
    scan_answer a = ok;
    bad.change(a);
    // A good answer first: the batch fails as a whole and the good one is not added either.
    const std::vector<scan_answer> batch{{"k1", day("2024-05-01"), "c", "r2", "ambition.1", 3}, a};
    const std::vector<source_position> where{{.file = "s.csv", .line = 2},
                                             {.file = "s.csv", .line = 3}};
    const auto e = expect_error<validation_error>(
        [&] { scan.add(batch, where); }, bad.code,
        {.file = "s.csv", .line = 3, .field = bad.field, .object_id = a.chain});
    if (e) {
      EXPECT_EQ(e->message().rfind("answer 1:", 0), 0U) << e->message();
    }
    EXPECT_EQ(scan.answers().size(), 1U);
  }
  // A name given as respondent is never repeated in the message.
  scan_answer named = ok;
  named.respondent = "jansen";
  const auto e = catch_error<validation_error>([&] { scan.add(std::vector{named}); });
  ASSERT_TRUE(e);
  EXPECT_EQ(std::string(e->what()).find("jansen"), std::string::npos);
  // Within one batch, the same rule holds.
  const std::vector<scan_answer> twice{ok, ok};
  cooperation_scan fresh(small());
  expect_error<validation_error>([&] { fresh.add(twice); }, error_code::duplicate_id,
                                 {.field = "statement", .object_id = "k1"});
  EXPECT_TRUE(fresh.empty());
  // The same code on another day or in another chain is another respondent.
  scan_answer later = ok;
  later.when = day("2025-05-01");
  scan.add(std::vector{later});
  EXPECT_EQ(scan.answers().size(), 2U);
  EXPECT_EQ(scan.dates(0), (std::vector<date>{day("2024-05-01"), day("2025-05-01")}));
  EXPECT_TRUE(scan.dates(1).empty());
}

TEST(RankSum, ExactPValueEqualsEnumerationOfAllLabellings) {
  std::mt19937 rng(5);
  for (int round = 0; round < 300; ++round) {
    const int n1 = keten_test::uniform(rng, 1, 7);
    const int n2 = keten_test::uniform(rng, 1, 7);
    // Scores of 1–5 in halves: many ties, as in real scans.
    std::vector<double> x, y;
    for (int i = 0; i < n1; ++i)
      x.push_back(keten_test::uniform(rng, 2, 10) / 2.0);
    for (int i = 0; i < n2; ++i)
      y.push_back(keten_test::uniform(rng, 2, 10) / 2.0);
    const rank_sum_test t = mann_whitney(x, y);
    ASSERT_TRUE(t.exact);
    // A from its definition.
    double wins = 0;
    for (double a : x)
      for (double b : y)
        wins += b > a ? 1.0 : b == a ? 0.5 : 0.0;
    EXPECT_NEAR(t.superiority, wins / (n1 * n2), 1e-12);
    // The permutation distribution of U by enumerating every split of the pooled values: p is
    // the share of splits whose U lies at least as far from its mean as the observed one.
    std::vector<double> pooled = x;
    pooled.insert(pooled.end(), y.begin(), y.end());
    const int n = n1 + n2;
    const auto u_of = [&](unsigned mask) {
      double u = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          if ((mask >> j & 1U) && !(mask >> i & 1U))
            u += pooled[j] > pooled[i] ? 1.0 : pooled[j] == pooled[i] ? 0.5 : 0.0;
      return u;
    };
    unsigned observed_mask = 0;
    for (int j = n1; j < n; ++j)
      observed_mask |= 1U << j;
    const double mean_u = n1 * n2 / 2.0;
    const double observed = std::abs(u_of(observed_mask) - mean_u);
    double extreme = 0, all = 0;
    for (unsigned mask = 0; mask < (1U << n); ++mask) {
      if (std::popcount(mask) != n2) continue;
      ++all;
      if (std::abs(u_of(mask) - mean_u) >= observed - 1e-9) ++extreme;
    }
    EXPECT_NEAR(t.p_value, extreme / all, 1e-12) << "round " << round;
  }
}

TEST(RankSum, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> x(50, 3.0), y(50, 4.0);
  x[0] = 4.0;
  const rank_sum_test t = mann_whitney(x, y);
  EXPECT_FALSE(t.exact);
  EXPECT_LT(t.p_value, 1e-10);
  EXPECT_NEAR(t.superiority, (49 * 50 + 0.5 * 50) / 2500.0, 1e-12);
  const rank_sum_test same =
      mann_whitney(std::vector<double>(60, 3.0), std::vector<double>(60, 3.0));
  EXPECT_EQ(same.p_value, 1.0);
  EXPECT_EQ(same.superiority, 0.5);
  EXPECT_TRUE(std::isnan(mann_whitney({}, y).p_value));
}

TEST(Cooperation, HandComputedChain) {
  // Chain k1: a sends two respondents, b one, c none. a's r1 means 4 on every condition, r2 means
  // 2 on shared ambition and 4 elsewhere; b's r3 means 5 on shared ambition, 3 elsewhere.
  std::vector<scan_answer> answers;
  append(answers,
         respondent("k1", "2024-05-01", "a", "r1", [](const scan_statement&) { return 4; }));
  append(answers, respondent("k1", "2024-05-01", "a", "r2", [](const scan_statement& s) {
           return s.about == condition::shared_ambition ? 2 : 4;
         }));
  append(answers, respondent("k1", "2024-05-01", "b", "r3", [](const scan_statement& s) {
           return s.about == condition::shared_ambition ? 5 : 3;
         }));
  cooperation_scan scan(small());
  scan.add(answers);
  const cooperation_report r = assess_cooperation(scan);
  ASSERT_EQ(r.chains.size(), 1U);
  const chain_cooperation& c = r.chains[0];
  EXPECT_EQ(c.chain, 0U);
  EXPECT_EQ(c.scanned, day("2024-05-01"));
  EXPECT_FALSE(c.baseline);
  EXPECT_EQ(c.respondents, 3U);
  EXPECT_EQ(c.partners, (std::vector<partner_index>{0, 1}));
  EXPECT_EQ(c.silent, (std::vector<partner_index>{2}));
  // Partner means: a = (3, 4, 4, 4, 4), b = (5, 3, 3, 3, 3).
  EXPECT_DOUBLE_EQ(c.partner_means(0, 0), 3.0);
  EXPECT_DOUBLE_EQ(c.partner_means(1, 0), 5.0);
  const condition_score& ambition = c.conditions[0];
  EXPECT_DOUBLE_EQ(ambition.mean, 4.0);  // (3 + 5) / 2: partners weigh the same
  EXPECT_DOUBLE_EQ(ambition.spread, 2.0);
  EXPECT_DOUBLE_EQ(ambition.sd, 1.0);
  EXPECT_EQ(ambition.partners, 2U);
  EXPECT_EQ(ambition.respondents, 3U);
  EXPECT_EQ(ambition.answers, 15U);
  for (std::size_t k = 1; k < condition_count; ++k) {
    EXPECT_DOUBLE_EQ(c.conditions[k].mean, 3.5);
    EXPECT_DOUBLE_EQ(c.conditions[k].spread, 1.0);
  }
  // Four conditions tie at 3.5 with spread 1: the first of them in order.
  EXPECT_EQ(c.weakest, condition::recognition_of_interests);
  // strength(a, b) = mean over conditions of level · agreement:
  //   ambition: ((3 + 5)/2 − 1)/4 · (1 − 2/4) = 0.75 · 0.5 = 0.375
  //   others:   ((4 + 3)/2 − 1)/4 · (1 − 1/4) = 0.625 · 0.75 = 0.46875
  const double expected = (0.375 + 4 * 0.46875) / 5;
  ASSERT_EQ(r.pairs.size(), 1U);
  EXPECT_NEAR(r.pairs[0].strength, expected, 1e-12);
  EXPECT_NEAR(r.strengths.get(0, 1), expected, 1e-12);
  EXPECT_NEAR(r.strengths.get(1, 0), expected, 1e-12);
  EXPECT_EQ(r.strengths.get(0, 2), 0.0);
}

TEST(Cooperation, TrendBaselineAndCurrentAreChosenByDay) {
  std::vector<scan_answer> answers;
  const char* days[] = {"2023-01-10", "2024-01-10", "2025-01-10"};
  const int levels[] = {2, 3, 5};
  for (int s = 0; s < 3; ++s)
    for (int r = 0; r < 4; ++r)
      append(answers, respondent("k1", days[s], r % 2 ? "a" : "b", "r" + std::to_string(r),
                                 [&](const scan_statement&) { return levels[s]; }));
  cooperation_scan scan(small());
  scan.add(answers);
  const auto latest = assess_cooperation(scan);
  ASSERT_EQ(latest.chains.size(), 1U);
  EXPECT_EQ(latest.chains[0].scanned, day(days[2]));
  EXPECT_EQ(latest.chains[0].baseline, day(days[1]));
  const condition_trend& t = latest.chains[0].trends[0];
  EXPECT_DOUBLE_EQ(t.before, 3.0);
  EXPECT_DOUBLE_EQ(t.after, 5.0);
  EXPECT_DOUBLE_EQ(t.change, 2.0);
  EXPECT_DOUBLE_EQ(t.superiority, 1.0);
  EXPECT_TRUE(t.exact);
  EXPECT_NEAR(t.p_value, 2.0 / 70.0, 1e-12);  // 4 vs 4, complete separation: 2 of C(8, 4)
  EXPECT_TRUE(t.significant);
  cooperation_options o;
  o.current = day("2024-06-01");
  const auto middle = assess_cooperation(scan, o);
  EXPECT_EQ(middle.chains[0].scanned, day(days[1]));
  EXPECT_EQ(middle.chains[0].baseline, day(days[0]));
  o.current.reset();
  o.baseline = day("2023-06-01");
  const auto long_run = assess_cooperation(scan, o);
  EXPECT_EQ(long_run.chains[0].baseline, day(days[0]));
  o.current = day("2022-01-01");  // before every scan: the chain has none to report
  EXPECT_TRUE(assess_cooperation(scan, o).chains.empty());
  cooperation_options strict;
  strict.alpha = 0.01;
  EXPECT_FALSE(assess_cooperation(scan, strict).chains[0].trends[0].significant);
  cooperation_options unknown;
  unknown.chains = {"k9"};
  expect_error<not_found_error>([&] { (void)assess_cooperation(scan, unknown); },
                                error_code::not_found, {.field = "chain", .object_id = "k9"});
  cooperation_options bad_alpha;
  bad_alpha.alpha = 1.0;
  expect_error<validation_error>([&] { (void)assess_cooperation(scan, bad_alpha); },
                                 error_code::invalid_value, {.field = "alpha"});
}

TEST(Cooperation, AgreesWithAnIndependentRecomputationOnSyntheticScans) {
  std::mt19937 rng(8);
  int chains_checked = 0;
  for (int round = 0; round < 25; ++round) {
    const auto places = keten_test::random_geography(rng, 8);
    const landscape l = keten_test::build(keten_test::random_landscape_parts(rng, places, true));
    scan_generation g;
    g.seed = static_cast<std::uint64_t>(round);
    const std::vector<scan_answer> answers = generate_scans(l, g);
    cooperation_scan scan(l);
    scan.add(answers);
    const cooperation_report r = assess_cooperation(scan);
    // The recomputation: maps keyed by ids and dates, nothing shared with the library's code.
    for (const chain_cooperation& c : r.chains) {
      const std::string chain = l.chains()[c.chain].id;
      std::map<std::string, std::map<std::string, std::pair<double, int>>> per;  // resp → cond
      std::map<std::string, std::string> partner_of;
      for (const scan_answer& a : answers) {
        if (a.chain != chain || a.when != c.scanned) continue;
        const scan_statement& s =
            questionnaire::standard().statements()[*questionnaire::standard().find(a.statement)];
        auto& cell = per[a.respondent][std::string(to_string(s.about))];
        cell.first += s.reversed ? 6 - a.value : a.value;
        cell.second += 1;
        partner_of[a.respondent] = a.partner;
      }
      std::map<std::string, std::map<std::string, std::vector<double>>> partner_scores;
      for (const auto& [who, conditions] : per)
        for (const auto& [cond, sum] : conditions)
          partner_scores[partner_of[who]][cond].push_back(sum.first / sum.second);
      for (condition k : all_conditions) {
        std::vector<double> means;
        for (auto& [p, conditions] : partner_scores) {
          const auto& v = conditions[std::string(to_string(k))];
          double m = 0;
          for (double x : v)
            m += x;
          means.push_back(m / static_cast<double>(v.size()));
        }
        double mean = 0;
        for (double m : means)
          mean += m;
        mean /= static_cast<double>(means.size());
        const auto [lo, hi] = std::minmax_element(means.begin(), means.end());
        const condition_score& s = c.conditions[static_cast<std::size_t>(k)];
        EXPECT_NEAR(s.mean, mean, 1e-9);
        EXPECT_NEAR(s.spread, *hi - *lo, 1e-9);
        EXPECT_EQ(s.partners, means.size());
      }
      ++chains_checked;
    }
    // Every pair strength lies in [0, 1] and the strengths hold the strongest per pair.
    for (const partner_pair_strength& p : r.pairs) {
      EXPECT_GE(p.strength, 0.0);
      EXPECT_LE(p.strength, 1.0);
      EXPECT_LT(p.a, p.b);
      EXPECT_LE(p.strength, r.strengths.get(p.a, p.b));
    }
  }
  EXPECT_GT(chains_checked, 10);
}

TEST(CooperationStrengths, SetGetAndMax) {
  collaboration_strengths s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.get(1, 2), 0.0);
  std::mt19937 rng(2);
  std::map<std::pair<partner_index, partner_index>, double> oracle;
  for (int i = 0; i < 2000; ++i) {
    const auto p = static_cast<partner_index>(rng() % 60);
    const auto q = static_cast<partner_index>(rng() % 60);
    if (p == q) continue;
    const double v = keten_test::uniform_real(rng, 0.0, 1.0);
    s.set(p, q, v);
    oracle[{std::min(p, q), std::max(p, q)}] = v;
  }
  double most = 0;
  for (const auto& [pq, v] : oracle) {
    EXPECT_EQ(s.get(pq.first, pq.second), v);
    EXPECT_EQ(s.get(pq.second, pq.first), v);
    most = std::max(most, v);
  }
  EXPECT_EQ(s.size(), oracle.size());
  EXPECT_EQ(s.max(), most);
  // Lowering the largest lowers the max.
  const auto top = std::max_element(oracle.begin(), oracle.end(), [](const auto& a, const auto& b) {
    return a.second < b.second;
  });
  s.set(top->first.first, top->first.second, 0.0);
  top->second = 0.0;
  most = 0;
  for (const auto& [pq, v] : oracle)
    most = std::max(most, v);
  EXPECT_EQ(s.max(), most);
}

TEST(ScanFormats, CsvAndJsonRoundTrip) {
  cooperation_scan scan(example());
  scan.add(generate_scans(example()));
  ASSERT_FALSE(scan.empty());
  const cooperation_scan from_csv = parse_scan_csv(scan_to_csv(scan), example());
  EXPECT_EQ(std::vector<scan_answer>(from_csv.answers().begin(), from_csv.answers().end()),
            std::vector<scan_answer>(scan.answers().begin(), scan.answers().end()));
  const cooperation_scan from_json = parse_scan_json(scan_to_json(scan), example());
  EXPECT_EQ(from_json.answers().size(), scan.answers().size());
  // The JSON groups answers by respondent; the set of answers is the same.
  std::set<std::tuple<std::string, std::string, std::string, std::string, int>> a, b;
  for (const scan_answer& x : scan.answers())
    a.emplace(to_string(x.when), x.partner, x.respondent, x.statement, x.value);
  for (const scan_answer& x : from_json.answers())
    b.emplace(to_string(x.when), x.partner, x.respondent, x.statement, x.value);
  EXPECT_EQ(a, b);
  // The committed example scan is the generator's output, and loads in both ways.
  EXPECT_EQ(read_file(KETEN_DATA_DIR "/example/scan.csv"), scan_to_csv(scan));
  EXPECT_EQ(load_scan(KETEN_DATA_DIR "/example/scan.csv", example()).answers().size(),
            scan.answers().size());
  // A custom questionnaire travels with the JSON.
  questionnaire q;
  q.add({"own.1", condition::building_relationships, "Eigen", "Own", true});
  cooperation_scan own(example(), q);
  own.add(std::vector<scan_answer>{
      {"keten-gm0193", day("2025-01-01"), "hip-gm0193", "r1", "own.1", 2}});
  const cooperation_scan back = parse_scan_json(scan_to_json(own), example());
  EXPECT_TRUE(back.statements() == q);
  EXPECT_EQ(back.answers()[0], own.answers()[0]);
}

TEST(ScanFormats, CsvErrorsNameLineAndColumnAndNothingIsHalfImported) {
  const std::string header = "chain,date,partner,respondent,statement,value\n";
  const std::string good = "keten-gm0193,2025-01-10,shm-gm0193,r1,ambition.1,4\n";
  struct bad_row {
    std::string row;
    error_code code;
    const char* field;
  };
  const bad_row rows[] = {
      {"keten-gm0193,2025-01-10,shm-gm0193,r2,ambition.9,4\n", error_code::unknown_reference,
       "statement"},
      {"keten-gm0193,2025-01-10,shm-gm0193,r2,ambition.1,7\n", error_code::invalid_value, "value"},
      {"keten-gm0193,2025-01-10,nobody,r2,ambition.1,3\n", error_code::unknown_reference,
       "partner"},
      {"keten-gm0999,2025-01-10,shm-gm0193,r2,ambition.1,3\n", error_code::unknown_reference,
       "chain"},
      {"keten-gm0193,2025-01-10,shm-gm0193,Jan,ambition.1,3\n", error_code::invalid_value,
       "respondent"},
  };
  for (const bad_row& bad : rows) {
    SCOPED_TRACE(bad.row);
    expect_error<validation_error>(
        [&] { (void)parse_scan_csv(header + good + bad.row + good, example(), "s.csv"); }, bad.code,
        {.file = "s.csv", .line = 3, .field = bad.field, .object_id = bad.row.substr(0, 12)});
  }
  expect_error<parse_error>(
      [&] {
        (void)parse_scan_csv(header + good + "keten-gm0193,2025-02-30,shm-gm0193,r2,ambition.1,3\n",
                             example(), "s.csv");
      },
      error_code::csv_syntax,
      {.file = "s.csv", .line = 3, .field = "date", .object_id = "keten-gm0193"});
  expect_error<parse_error>(
      [&] {
        (void)parse_scan_csv(header + "keten-gm0193,2025-02-10,shm-gm0193,r2,ambition.1,3.5\n",
                             example(), "s.csv");
      },
      error_code::csv_syntax, {.file = "s.csv", .line = 2, .field = "value"});
  expect_error<parse_error>(
      [&] { (void)parse_scan_csv("chain,date,partner,respondent,value\n", example(), "s.csv"); },
      error_code::csv_syntax, {.file = "s.csv", .line = 1, .field = "statement"});
  expect_error<parse_error>(
      [&] {
        (void)parse_scan_csv("chain,date,partner,respondent,statement,value,name\n", example(),
                             "s.csv");
      },
      error_code::unknown_field, {.file = "s.csv", .line = 1, .field = "name"});
}

TEST(ScanFormats, JsonErrorsNamePointer) {
  const auto doc = [](const std::string& response) {
    return R"({"format": "keten.scan", "version": 1, "scans": [{"chain": "keten-gm0193",
      "date": "2025-01-10", "responses": [)" +
           response + "]}]}";
  };
  expect_error<validation_error>(
      [&] {
        (void)parse_scan_json(
            doc(R"({"partner": "shm-gm0193", "respondent": "r1", "answers": {"ambition.1": 9}})"),
            example(), "s.json");
      },
      error_code::invalid_value,
      {.file = "s.json",
       .pointer = "/scans/0/responses/0/answers/ambition.1",
       .field = "value",
       .object_id = "keten-gm0193"});
  expect_error<parse_error>(
      [&] {
        (void)parse_scan_json(doc(R"({"partner": "shm-gm0193", "respondent": "r1", "name": "Jan",
                                      "answers": {}})"),
                              example(), "s.json");
      },
      error_code::unknown_field,
      {.file = "s.json",
       .pointer = "/scans/0/responses/0/name",
       .field = "responses[0].name",
       .object_id = "keten-gm0193"});
  expect_error<parse_error>(
      [&] {
        (void)parse_scan_json(R"({"format": "keten.scan", "version": 2, "scans": []})", example(),
                              "s.json");
      },
      error_code::unsupported_format,
      {.file = "s.json", .pointer = "/version", .field = "version"});
}

TEST(ScanGeneration, TwoScansPerChainDeterministicAndValid) {
  const landscape national = load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  const auto answers = generate_scans(national);
  EXPECT_EQ(answers, generate_scans(national));
  cooperation_scan scan(national);
  scan.add(answers);
  for (chain_index k = 0; k < national.chains().size(); ++k) {
    const auto d = scan.dates(k);
    ASSERT_EQ(d.size(), 2U) << national.chains()[k].id;
    EXPECT_GE(days_between(national.chains()[k].started, d[0]), 60);
    EXPECT_GE(days_between(d[0], d[1]), 300);
  }
  // The committed national scan is the generator's output.
  const cooperation_scan committed = load_scan(KETEN_DATA_DIR "/national_scan.json", national);
  EXPECT_EQ(read_file(KETEN_DATA_DIR "/national_scan.json"), scan_to_json(scan))
      << "regenerate: keten generate scan -o data/national_scan.json";
  EXPECT_EQ(committed.answers().size(), answers.size());
  scan_generation one;
  one.chains = {"keten-gm0193"};
  expect_error<not_found_error>([&] { (void)generate_scans(national, one); }, error_code::not_found,
                                {.field = "chains", .object_id = "keten-gm0193"});
}

// ---------------------------------------------------------------------------------------------
// Cooperation steers referrals
// ---------------------------------------------------------------------------------------------

namespace {

/// A scan of the example chain where every partner in `strong` answers 5 and every other member
/// answers 1 on every statement: pairs within `strong` get strength 1, every other pair 0.
cooperation_scan favouring(const landscape& l, const std::set<partner_index>& strong) {
  const local_chain& chain = l.chains()[0];
  std::vector<scan_answer> answers;
  for (std::size_t k = 0; k < chain.partners.size(); ++k) {
    const bool high = strong.contains(*l.find_partner(chain.partners[k]));
    append(answers,
           respondent(chain.id, "2025-03-01", chain.partners[k], "r" + std::to_string(k + 1),
                      [&](const scan_statement&) { return high ? 5 : 1; }));
  }
  cooperation_scan scan(l);
  scan.add(answers);
  return scan;
}

std::set<partner_index> partners_of(const landscape& l, const bundle& b) {
  std::set<partner_index> out;
  for (const auto& o : b.assigned)
    if (o) out.insert(l.partner_of(*o));
  return out;
}

}  // namespace

TEST(CooperationSteers, TheBestBundleFollowsTheScanInMatchAndAllocate) {
  // For every example case whose second-best bundle uses another set of (chain) partners within
  // reach of the collaboration weight: a scan in which the second bundle's partners cooperate
  // well and the first's do not makes the second the best, in match(), match_exhaustive() and
  // allocate(); the opposite scan keeps the first. At least a few cases must show it.
  const landscape& l = example();
  ASSERT_EQ(l.chains().size(), 1U);
  std::set<partner_index> members;
  for (const std::string& id : l.chains()[0].partners)
    members.insert(*l.find_partner(id));
  auto cases = load_cases_json(KETEN_DATA_DIR "/example/cases.json", l);
  // In the example two partners offer money.crisis (the diaconie's fund and the food bank): pair
  // such a need with one of each other help form, so that there is a choice of partners to steer.
  const auto crisis = std::find_if(cases.begin(), cases.end(), [](const help_case& c) {
    return c.consent && c.location.municipality == "GM0193" &&
           std::any_of(c.needs.begin(), c.needs.end(),
                       [](const need& n) { return n.category == "money.crisis"; });
  });
  ASSERT_NE(crisis, cases.end());
  const help_case base = *crisis;
  for (const char* other : {"money.debts", "neighbour.chores", "work.coaching",
                            "group.home_cleanup", "youth.company"}) {
    help_case c = base;
    c.id = base.id + "-" + other;
    c.needs = {{"money.crisis", 4, 1.0}, {other, 3, 1.0}};
    cases.push_back(std::move(c));
  }
  match_options plain;
  plain.top_k = 20;
  plain.allow_waitlist = true;
  int changed = 0, allocate_steered = 0;
  for (const help_case& c : cases) {
    const match_result before = match(l, c, plain);
    if (before.bundles.size() < 2) continue;
    const auto first = partners_of(l, before.bundles[0]);
    // The best other bundle with a different partner set of at least two chain members.
    const bundle* other = nullptr;
    for (std::size_t k = 1; k < before.bundles.size() && !other; ++k) {
      const auto set = partners_of(l, before.bundles[k]);
      if (set != first && set.size() >= 2 && first.size() >= 2 &&
          std::includes(members.begin(), members.end(), set.begin(), set.end()) &&
          before.bundles[0].score - before.bundles[k].score < to_score(50.0))
        other = &before.bundles[k];
    }
    if (!other) continue;
    const auto second = partners_of(l, *other);
    std::set<partner_index> only_second;  // partners of the second bundle only
    std::set_difference(second.begin(), second.end(), first.begin(), first.end(),
                        std::inserter(only_second, only_second.end()));
    std::set<partner_index> only_first;
    std::set_difference(first.begin(), first.end(), second.begin(), second.end(),
                        std::inserter(only_first, only_first.end()));
    if (only_first.empty()) continue;  // the first uses a subset: not a clean swap

    const cooperation_report pro_second = assess_cooperation(favouring(l, second));
    const cooperation_report pro_first = assess_cooperation(favouring(l, first));
    match_options steered = plain;
    steered.weights.collaboration = 60.0;
    steered.collaboration = &pro_second.strengths;
    const match_result after = match(l, c, steered);
    ASSERT_FALSE(after.bundles.empty());
    const auto now = partners_of(l, after.bundles[0]);
    EXPECT_NE(now, first) << c.id << ": the scan did not change the best bundle";
    EXPECT_GT(after.bundles[0].breakdown.collaboration, 0) << c.id;
    // The exhaustive oracle agrees with the term switched on.
    const match_result oracle = match_exhaustive(l, c, steered);
    ASSERT_FALSE(oracle.bundles.empty());
    EXPECT_EQ(oracle.bundles[0].score, after.bundles[0].score) << c.id;
    EXPECT_EQ(oracle.bundles[0].breakdown.collaboration, after.bundles[0].breakdown.collaboration)
        << c.id;
    steered.collaboration = &pro_first.strengths;
    EXPECT_EQ(partners_of(l, match(l, c, steered).bundles[0]), first) << c.id;

    // allocate() with the case alone and ample capacity: the same steering.
    allocation_policy policy;
    policy.weights.collaboration = 60.0;
    const auto allocated_partners = [&](const collaboration_strengths* s) {
      policy.collaboration = s;
      const allocation a = allocate(l, std::span(&c, 1), policy);
      std::set<partner_index> out;
      for (const assigned_need& x : a.assigned)
        out.insert(l.partner_of(x.offering));
      return std::pair{out, a.collaboration};
    };
    const auto [plain_set, plain_collaboration] = allocated_partners(nullptr);
    EXPECT_EQ(plain_collaboration, 0);
    const auto [second_set, second_collaboration] = allocated_partners(&pro_second.strengths);
    const auto [first_set, first_collaboration] = allocated_partners(&pro_first.strengths);
    if (plain_set == first) {
      EXPECT_NE(second_set, first) << c.id << ": allocate did not follow the scan";
      EXPECT_GT(second_collaboration, 0) << c.id;
      EXPECT_EQ(first_set, first) << c.id;
      ++allocate_steered;
    }
    ++changed;
  }
  std::printf("cases whose best bundle the scan changes: %d of %zu (%d checked in allocate)\n",
              changed, cases.size(), allocate_steered);
  EXPECT_GE(changed, 5);
  EXPECT_GE(allocate_steered, 4);
}
