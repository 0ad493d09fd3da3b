// Tests of the what-if simulation (keten/simulation.hpp): reproducibility, common random numbers,
// a capacity increase shortening waits, the M/M/c (Erlang C) mean wait of a single offering,
// shards, policies, summaries and confidence intervals, and scenario files with positioned errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "keten/io.hpp"
#include "keten/simulation.hpp"
#include "support.hpp"

namespace keten_test {
namespace {

const landscape& national() {
  static const landscape l =
      load_landscape_json(std::string(KETEN_DATA_DIR) + "/national_landscape.json");
  return l;
}

/// Zwolle and its neighbours: a small region of the national landscape.
std::vector<std::string> region() {
  return {"GM0193", "GM0148", "GM0166", "GM0177", "GM1896", "GM0180"};
}

simulation_options small_run(std::uint64_t seed, double weeks = 8) {
  simulation_options o;
  o.seed = seed;
  o.weeks = weeks;
  o.municipalities = region();
  return o;
}

bool same_need(const simulated_need& a, const simulated_need& b) {
  const bool both_nan = std::isnan(a.referred) && std::isnan(b.referred);
  return a.case_number == b.case_number && a.need_index == b.need_index &&
         a.municipality == b.municipality && a.category == b.category && a.arrived == b.arrived &&
         (both_nan || a.referred == b.referred) && a.offering == b.offering &&
         a.outcome == b.outcome;
}

TEST(Simulation, SameSeedGivesTheSameResult) {
  const simulation_result a = simulate(national(), small_run(7));
  const simulation_result b = simulate(national(), small_run(7));
  ASSERT_GT(a.needs.size(), 50u);
  ASSERT_EQ(a.needs.size(), b.needs.size());
  for (std::size_t i = 0; i < a.needs.size(); ++i)
    ASSERT_TRUE(same_need(a.needs[i], b.needs[i])) << i;
  ASSERT_EQ(a.offerings.size(), b.offerings.size());
  for (std::size_t i = 0; i < a.offerings.size(); ++i) {
    EXPECT_EQ(a.offerings[i].busy_days, b.offerings[i].busy_days);
    EXPECT_EQ(a.offerings[i].unit_days, b.offerings[i].unit_days);
  }
  ASSERT_EQ(a.weeks.size(), b.weeks.size());
  EXPECT_EQ(a.referrals.size(), b.referrals.size());
  EXPECT_EQ(a.rounds, b.rounds);
  const simulation_result c = simulate(national(), small_run(8));
  bool differs = c.needs.size() != a.needs.size();
  for (std::size_t i = 0; !differs && i < a.needs.size(); ++i)
    differs = !same_need(a.needs[i], c.needs[i]);
  EXPECT_TRUE(differs) << "another seed gave the same run";
}

TEST(Simulation, EveryReferralIsFeasibleAndEveryNeedAccountedFor) {
  for (referral_policy p :
       {referral_policy::allocate, referral_policy::allocate_cold, referral_policy::match}) {
    simulation_options o = small_run(3, 6);
    o.policy = p;
    o.demand_factor = 3;  // tight: waits and waitlists
    const simulation_result r = simulate(national(), o);
    std::size_t referred = 0;
    for (const simulated_need& n : r.needs) {
      if (n.outcome != need_outcome::referred) {
        EXPECT_FALSE(n.offering.has_value());
        continue;
      }
      ++referred;
      ASSERT_TRUE(n.offering.has_value());
      const auto cats = national().categories_of(*n.offering);
      EXPECT_NE(std::find(cats.begin(), cats.end(), n.category), cats.end());
      EXPECT_TRUE(national().serves(*n.offering,
                                    {.municipality = national().places()[n.municipality].code}) ||
                  national().offerings()[*n.offering].area.radius.has_value());
      EXPECT_GE(n.wait(), 0.0);
      EXPECT_LE(n.referred, r.days + 1e-9);
    }
    EXPECT_GT(referred, 20u) << to_string(p);
    for (const offering_usage& u : r.offerings) {
      EXPECT_LE(u.busy_days, u.unit_days + 1e-6) << to_string(p);
      EXPECT_GE(u.utilisation(), 0.0);
    }
    // The summary's outcomes add up to the arrivals.
    for (const simulation_summary_row& row : summarize(national(), r, simulation_grouping::total)) {
      EXPECT_EQ(row.arrived, r.needs.size());
      EXPECT_EQ(std::accumulate(row.outcomes.begin(), row.outcomes.end(), std::size_t{0}),
                row.arrived);
      EXPECT_EQ(row.referred, referred);
    }
  }
}

TEST(Simulation, WarmAndColdAllocationGiveTheSameFirstRound) {
  simulation_options o = small_run(11, 1.0 / 7.0);  // one day: a round at day 0 only
  o.round_days = 1;
  o.demand_factor = 2;
  const simulation_result warm = simulate(national(), o);
  o.policy = referral_policy::allocate_cold;
  const simulation_result cold = simulate(national(), o);
  ASSERT_EQ(warm.needs.size(), cold.needs.size());
  for (std::size_t i = 0; i < warm.needs.size(); ++i)
    EXPECT_EQ(warm.needs[i].outcome, cold.needs[i].outcome);
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
double erlang_c(int c, double a) {
  double term = 1;  // a^k / k!
  double sum = 0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double last = term * c / (c - a);  // a^c / c! · c / (c − a)
  return last / (sum + last);
}

/// One offering with c units, mean duration d days (exponential), no volunteers' drift, empty at
/// the start; one kind of case arriving at rate λ per day.
struct single_queue {
  landscape l;
  simulation_options options;
};
single_queue make_single_queue(int c, int d, double lambda) {
  landscape_builder b;
  b.add_partner(make_partner("p", "GM0363"));
  offering o = make_offering("o", "p", {"money.debts"}, {"GM0363"});
  o.units = {.units_per_period = c,
             .period_days = d,
             .free_units = c,
             .typical_duration_days = d,
             .intake_wait_days = 0};
  b.add_offering(o);
  single_queue q{b.build(), {}};
  help_case x;
  x.id = "x";
  x.needs = {{.category = "money.debts", .urgency = 3, .weight = 1.0}};
  x.location.municipality = "GM0363";
  x.consent = true;
  q.options.sample = {x};
  q.options.sample_days = 1.0 / lambda;
  q.options.duration_shapes = {1, 1, 1, 1, 1};  // exponential
  q.options.volunteer_turnover = 0;
  q.options.round_days = 0;  // a round at every arrival and every freed unit
  q.options.municipalities = {"GM0363"};
  return q;
}

TEST(Simulation, SingleOfferingMeanWaitMatchesErlangC) {
  // c = 5 units, mean help 2 days (μ = 0.5), λ = 2 per day: ρ = 0.8, a = 4. Short help keeps the
  // customers per seed many (about 8,400 in 600 weeks) and so the interval narrow enough to tell.
  const int c = 5;
  const int d = 2;
  const double lambda = 2.0;
  single_queue q = make_single_queue(c, d, lambda);
  q.options.warmup_weeks = 10;
  q.options.weeks = sanitized ? 150 : 600;
  const std::size_t seeds = sanitized ? 4 : 12;
  std::vector<double> means, waited;
  for (std::size_t s = 0; s < seeds; ++s) {
    q.options.seed = 100 + s;
    const simulation_result r = simulate(q.l, q.options);
    double sum = 0;
    std::size_t n = 0, positive = 0;
    for (const simulated_need& x : r.needs)
      if (x.outcome == need_outcome::referred) {
        sum += x.wait();
        ++n;
        positive += x.wait() > 1e-9;
      }
    ASSERT_GT(n, 2000u);
    means.push_back(sum / static_cast<double>(n));
    waited.push_back(static_cast<double>(positive) / static_cast<double>(n));
  }
  const double a = lambda * d;
  const double p_wait = erlang_c(c, a);
  const double expected = p_wait / (c / static_cast<double>(d) - lambda);  // W_q = C / (cμ − λ)
  const seed_estimate mean = estimate_mean(means, 0.99);
  const seed_estimate share = estimate_mean(waited, 0.99);
  RecordProperty("erlang_c_wait", std::to_string(expected));
  RecordProperty("simulated_wait", std::to_string(mean.mean));
  EXPECT_NEAR(p_wait, 0.5541, 0.0001);    // the formula itself, by hand: C(5, 4) = 0.5541
  EXPECT_NEAR(expected, 1.1082, 0.0001);  // W_q = 0.5541 / (2.5 − 2)
  EXPECT_LE(mean.low, expected) << "simulated " << mean.mean << " vs Erlang C " << expected;
  EXPECT_GE(mean.high, expected) << "simulated " << mean.mean << " vs Erlang C " << expected;
  if (!sanitized) {
    EXPECT_LT(mean.high - mean.low, 0.5 * expected) << "too wide to tell";
  }
  EXPECT_LE(share.low, p_wait);
  EXPECT_GE(share.high, p_wait);
}

TEST(Simulation, DailyRoundsWaitLongerThanContinuousReferral) {
  single_queue q = make_single_queue(3, 10, 0.2);
  q.options.weeks = 60;
  std::vector<double> continuous, daily;
  for (std::uint64_t s = 0; s < 4; ++s) {
    q.options.seed = s;
    q.options.round_days = 0;
    continuous.push_back(
        summarize(q.l, simulate(q.l, q.options), simulation_grouping::total).front().wait_mean);
    q.options.round_days = 1;
    daily.push_back(
        summarize(q.l, simulate(q.l, q.options), simulation_grouping::total).front().wait_mean);
  }
  for (std::size_t i = 0; i < continuous.size(); ++i)
    EXPECT_GT(daily[i], continuous[i]);
}

TEST(Simulation, CapacityIncreaseShortensWaitsWithCommonRandomNumbers) {
  const std::string text = R"({"format": "keten.scenario", "version": 1,
    "name": "twice the units of Zwolle's debt buddies and neighbour help",
    "changes": [{"offering": "shm-gm0193-maatje", "scale_units": 2},
                {"offering": "hip-gm0193-burenhulp", "scale_units": 2},
                {"offering": "hip-gm0193-bezoek", "scale_units": 2}]})";
  const scenario s = parse_scenario_json(text, national());
  std::vector<simulation_result> base, more;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    simulation_options o = small_run(seed, 12);
    o.municipalities = {"GM0193"};
    o.demand_factor = 4;  // a waitlist in Zwolle
    base.push_back(simulate(national(), o));
    more.push_back(simulate(national(), o, &s));
    // Common random numbers: the same arrivals, needs and cases.
    ASSERT_EQ(base.back().needs.size(), more.back().needs.size());
    for (std::size_t i = 0; i < base.back().needs.size(); ++i) {
      ASSERT_EQ(base.back().needs[i].arrived, more.back().needs[i].arrived);
      ASSERT_EQ(base.back().needs[i].category, more.back().needs[i].category);
    }
  }
  const auto rows = compare(national(), base, more, simulation_grouping::total);
  const auto find = [&](std::string_view metric) {
    return *std::find_if(rows.begin(), rows.end(),
                         [&](const metric_comparison& c) { return c.metric == metric; });
  };
  const metric_comparison wait = find("wait_mean");
  EXPECT_GT(wait.baseline.mean, 2.0) << "the baseline has no waits to shorten";
  EXPECT_LT(wait.difference.high, 0.0)
      << "mean wait " << wait.baseline.mean << " → " << wait.scenario.mean;
  EXPECT_GT(find("referred").difference.mean, 0.0);
  const metric_comparison arrived = find("arrived");
  EXPECT_EQ(arrived.difference.mean, 0.0);
  EXPECT_EQ(arrived.difference.high, 0.0);  // identical per seed: a zero-width interval
}

TEST(Simulation, ClosingATeamLengthensWaitsAndOpeningOneServes) {
  const std::string text = R"({"format": "keten.scenario", "version": 1, "changes": [
    {"week": 0, "close": "shm-gm0193-maatje"},
    {"week": 1, "partner": {"id": "new-gm0193", "member": "SchuldHulpMaatje", "municipality": "GM0193"},
     "open": {"id": "new-gm0193-maatje", "partner": "new-gm0193", "categories": ["money.debts"],
              "area": {"municipalities": ["GM0193"]},
              "capacity": {"units_per_period": 40, "free_units": 40, "typical_duration_days": 200}}}]})";
  const scenario s = parse_scenario_json(text, national(), "team.json");
  ASSERT_EQ(s.changes.size(), 2u);
  simulation_options o = small_run(5, 6);
  o.municipalities = {"GM0193"};
  const simulation_result r = simulate(national(), o, &s);
  const landscape opened = with_opened_offerings(national(), s);
  const offering_index added = *opened.find_offering("new-gm0193-maatje");
  const offering_index closed = *opened.find_offering("shm-gm0193-maatje");
  std::size_t to_new = 0;
  for (const simulated_need& n : r.needs) {
    if (n.offering == added) {
      ++to_new;
      EXPECT_GE(n.referred, 7.0);  // opened in week 1
    }
    EXPECT_NE(n.offering, closed);
  }
  EXPECT_GT(to_new, 0u);
}

TEST(Simulation, PolicyChangesMidRunKeepEveryNeedAccountedFor) {
  const scenario s = parse_scenario_json(R"({"format": "keten.scenario", "version": 1, "changes": [
      {"week": 1, "referral": "match"}, {"week": 2, "referral": "allocate_cold"},
      {"week": 3, "referral": "allocate"}, {"week": 3.5, "round_days": 0},
      {"week": 4, "round_days": 7}, {"week": 4, "demand": 3, "help_form": "group"}]})",
                                         national());
  simulation_options o = small_run(9, 6);
  o.demand_factor = 2;
  const simulation_result r = simulate(national(), o, &s);
  std::size_t referred = 0, waiting = 0;
  for (const simulated_need& n : r.needs) {
    referred += n.outcome == need_outcome::referred;
    waiting += n.outcome == need_outcome::waiting;
    if (n.outcome == need_outcome::referred) {
      EXPECT_GE(n.wait(), 0.0);
    }
  }
  EXPECT_GT(referred, 50u);
  // Weekly rounds from week 4: nothing is referred between two rounds.
  for (const simulated_need& n : r.needs) {
    if (n.outcome == need_outcome::referred && n.referred > 28.0 + 1e-9) {
      EXPECT_NEAR(std::fmod(n.referred, 7.0), 0.0, 1e-9) << n.referred;
    }
  }
  // The week rows count what the needs say.
  std::size_t rows_referred = 0, rows_arrived = 0;
  for (const week_row& w : r.weeks) {
    rows_referred += w.referred;
    rows_arrived += w.arrived;
  }
  EXPECT_EQ(rows_referred, referred);
  EXPECT_EQ(rows_arrived, r.needs.size());
  EXPECT_GT(waiting + referred, 0u);
}

TEST(Simulation, ShardsSplitTheCountryWithoutSharingAnOffering) {
  const auto shards = simulation_shards(national(), 3);
  ASSERT_EQ(shards.size(), 3u);
  std::set<std::string> all;
  for (const auto& s : shards)
    for (const std::string& code : s)
      EXPECT_TRUE(all.insert(code).second) << code;
  std::size_t reached = 0;  // the municipalities some offering serves
  for (std::size_t m = 0; m < national().places().size(); ++m) {
    const case_location where{.municipality =
                                  national().places()[static_cast<municipality_index>(m)].code};
    bool any = false;
    for (category_index c = 0; c < national().categories().size(); ++c)
      any = any || !national().offerings_reaching(where, c).empty();
    reached += any;
  }
  EXPECT_EQ(all.size(), reached);
  // No offering may serve municipalities of two shards.
  std::map<std::string, std::size_t> shard_of;
  for (std::size_t k = 0; k < shards.size(); ++k)
    for (const std::string& code : shards[k])
      shard_of[code] = k;
  for (std::size_t o = 0; o < national().offerings().size(); ++o) {
    std::set<std::size_t> seen;
    for (std::size_t m = 0; m < national().places().size(); ++m)
      if (national().serves(
              static_cast<offering_index>(o),
              {.municipality = national().places()[static_cast<municipality_index>(m)].code}))
        seen.insert(shard_of[national().places()[static_cast<municipality_index>(m)].code]);
    EXPECT_LE(seen.size(), 1u) << national().offerings()[o].id;
  }
  // The arrivals of the shards are those of the whole run (streams per municipality and form).
  simulation_options o;
  o.weeks = 1;
  o.seed = 3;
  const simulation_result whole = simulate(national(), o);
  std::vector<simulation_result> parts;
  for (const auto& s : shards) {
    o.municipalities = s;
    parts.push_back(simulate(national(), o));
  }
  const simulation_result merged = merge_results(parts);
  EXPECT_EQ(merged.needs.size(), whole.needs.size());
  EXPECT_EQ(merged.cases, whole.cases);
  EXPECT_EQ(merged.offerings.size(), whole.offerings.size());
  std::set<std::uint32_t> numbers;
  for (const simulated_need& n : merged.needs)
    numbers.insert(n.case_number);
  EXPECT_EQ(numbers.size(), merged.cases);  // case numbers stay apart
  std::multiset<std::pair<municipality_index, double>> a, b;
  for (const simulated_need& n : whole.needs)
    a.insert({n.municipality, n.arrived});
  for (const simulated_need& n : merged.needs)
    b.insert({n.municipality, n.arrived});
  EXPECT_EQ(a, b);  // the same arrivals, at the same times
  parts.back().seed = 4;
  expect_error<validation_error>([&] { (void)merge_results(parts); }, error_code::invalid_value,
                                 {.field = "parts"});
}

TEST(Simulation, CasesArriveAtTheDocumentedDemandRates) {
  // A year of synthetic arrivals (a quarter under the sanitizers): cases per help form of their
  // first need are the gap analysis's
  // demand rates (docs/data.md, "Demand rates") × the population reached ÷ 2.26 needs per case.
  simulation_options o;
  o.weeks = sanitized ? 13 : 52;  // a quarter under the sanitizers
  o.volunteer_turnover = 0;
  const simulation_result r = simulate(national(), o);
  std::array<double, help_form_count> cases{};
  for (const simulated_need& n : r.needs)
    if (n.need_index == 0)
      ++cases[static_cast<std::size_t>(national().categories()[n.category].form)];
  double population = 0;  // of the municipalities some offering serves: where cases arrive
  const geography& places = national().places();
  for (municipality_index m = 0; m < places.size(); ++m) {
    bool reached = false;
    for (category_index c = 0; c < national().categories().size() && !reached; ++c)
      reached = !national().offerings_reaching({.municipality = places[m].code}, c).empty();
    if (reached) population += places[m].population;
  }
  const demand_rates rates = demand_rates::standard();
  const double years = o.weeks * 7.0 / 365.0;
  for (std::size_t f = 0; f < help_form_count; ++f) {
    const double expected = rates.per_1000[f] * population / 1000.0 / 2.26 * years;
    // Poisson counts of thousands: within four standard deviations (about 5 % in a year).
    EXPECT_NEAR(cases[f], expected, 4.0 * std::sqrt(expected)) << to_string(all_help_forms[f]);
  }
}

TEST(Simulation, HandoversBetweenMembersAddUpThePartnerPairs) {
  std::vector<simulation_result> runs;
  for (std::uint64_t seed = 1; seed <= 2; ++seed)
    runs.push_back(simulate(national(), small_run(seed)));
  double pairs = 0;
  for (const simulation_result& r : runs)
    for (const partner_referral& x : r.referrals) {
      EXPECT_NE(x.from, x.to);
      EXPECT_GT(x.count, 0u);
      pairs += x.count;
    }
  ASSERT_GT(pairs, 0);
  const std::vector<member_referrals> members = referrals_by_member(national(), runs);
  double sum = 0;
  for (const member_referrals& m : members) {
    sum += m.per_run;
    EXPECT_FALSE(m.from.empty());
  }
  EXPECT_DOUBLE_EQ(sum, pairs / 2.0);
  for (std::size_t i = 1; i < members.size(); ++i)
    EXPECT_GE(members[i - 1].per_run, members[i].per_run);
}

TEST(Simulation, EstimateMeanUsesStudentT) {
  const std::vector<double> v{1, 2, 3, std::nan("")};
  const seed_estimate e = estimate_mean(v, 0.95);
  EXPECT_EQ(e.seeds, 3u);
  EXPECT_DOUBLE_EQ(e.mean, 2.0);
  EXPECT_NEAR(e.high - e.mean, 4.302653 / std::sqrt(3.0), 1e-5);  // t(0.975, 2) · s / √n
  EXPECT_TRUE(std::isnan(estimate_mean(std::vector<double>{4.0}).low));
  expect_error<validation_error>([&] { (void)estimate_mean(v, 1.0); }, error_code::invalid_value,
                                 {.field = "confidence"});
}

TEST(Simulation, BadOptionsAreRefused) {
  simulation_options o = small_run(1);
  o.weeks = 0;
  expect_error<validation_error>([&] { (void)simulate(national(), o); }, error_code::invalid_value,
                                 {.field = "weeks"});
  o = small_run(1);
  o.municipalities = {"GM9999"};
  (void)catch_error<not_found_error>([&] { (void)simulate(national(), o); });
  o = small_run(1);
  o.sample = {help_case{.id = "s1", .needs = {{.category = "money.nope"}}}};
  const auto e = catch_error<validation_error>([&] { (void)simulate(national(), o); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->where().object_id, "s1");
}

// --- scenario files ---------------------------------------------------------------------------

scenario parse(std::string_view text) {
  return parse_scenario_json(text, national(), "what-if.json");
}

TEST(ScenarioJson, ReadsEveryKindOfChange) {
  const scenario s = parse(R"({"format": "keten.scenario", "version": 1, "name": "all",
    "changes": [{"week": 2, "offering": "shm-gm0193-maatje", "units": 50},
                {"offering": "shm-gm0193-maatje", "add_units": -5},
                {"week": 1.5, "offering": "shm-gm0193-maatje", "scale_units": 1.5},
                {"week": 10, "close": "shm-gm0193-maatje"},
                {"round_days": 7}, {"week": 4, "referral": "match"},
                {"demand": 1.2}, {"demand": 2, "help_form": "youth"}]})");
  ASSERT_EQ(s.changes.size(), 8u);
  using kind = scenario_change::kind;
  EXPECT_EQ(s.changes[0].what, kind::set_units);
  EXPECT_EQ(s.changes[0].value, 50);
  EXPECT_EQ(s.changes[0].week, 2);
  EXPECT_EQ(s.changes[1].what, kind::add_units);
  EXPECT_EQ(s.changes[1].value, -5);
  EXPECT_EQ(s.changes[2].week, 1.5);
  EXPECT_EQ(s.changes[3].what, kind::close);
  EXPECT_EQ(s.changes[4].what, kind::round_days);
  EXPECT_EQ(s.changes[5].referral, referral_policy::match);
  EXPECT_EQ(s.changes[7].form, help_form::youth);
  EXPECT_EQ(s.name, "all");
}

TEST(ScenarioJson, BadFilesGivePositionedErrors) {
  const auto header = [](std::string_view changes) {
    return std::string(R"({"format": "keten.scenario", "version": 1, "changes": )") +
           std::string(changes) + "}";
  };
  expect_error<parse_error>([&] { (void)parse("{\n  \"format\": \"keten.scenario\",\n  oops\n}"); },
                            error_code::json_syntax,
                            {.file = "what-if.json", .line = 3, .column = 3});
  expect_error<parse_error>([&] { (void)parse(R"({"format": "keten.landscape", "version": 1})"); },
                            error_code::unsupported_format,
                            {.file = "what-if.json", .pointer = "/format", .field = "format"});
  expect_error<not_found_error>(
      [&] { (void)parse(header(R"([{"round_days": 7}, {"offering": "nope", "units": 3}])")); },
      error_code::not_found,
      {.file = "what-if.json",
       .pointer = "/changes/1/offering",
       .field = "changes[1].offering",
       .object_id = "nope"});
  expect_error<validation_error>(
      [&] { (void)parse(header(R"([{"week": -1, "round_days": 7}])")); },
      error_code::negative_value,
      {.file = "what-if.json", .pointer = "/changes/0/week", .field = "changes[0].week"});
  expect_error<parse_error>(
      [&] { (void)parse(header(R"([{"round_days": 7, "colour": "red"}])")); },
      error_code::unknown_field,
      {.file = "what-if.json", .pointer = "/changes/0/colour", .field = "changes[0].colour"});
  expect_error<parse_error>(
      [&] { (void)parse(header(R"([{"round_days": 7, "demand": 2}])")); },
      error_code::unknown_field,
      {.file = "what-if.json", .pointer = "/changes/0/demand", .field = "changes[0].demand"});
  expect_error<parse_error>(
      [&] { (void)parse(header(R"([{"week": 3}])")); }, error_code::missing_field,
      {.file = "what-if.json", .pointer = "/changes/0", .field = "changes[0]"});
  expect_error<validation_error>(
      [&] { (void)parse(header(R"([{"referral": "lottery"}])")); }, error_code::invalid_value,
      {.file = "what-if.json", .pointer = "/changes/0/referral", .field = "changes[0].referral"});
  expect_error<parse_error>(
      [&] { (void)parse(header(R"([{"offering": "shm-gm0193-maatje", "units": "ten"}])")); },
      error_code::wrong_type,
      {.file = "what-if.json", .pointer = "/changes/0/units", .field = "changes[0].units"});
  // An opened team is checked as a landscape's offering is, at its own position.
  expect_error<validation_error>(
      [&] {
        (void)parse(
            header(R"([{"open": {"id": "t1", "partner": "shm-gm0193", "categories": ["money.debts"],
          "area": {"municipalities": ["GM0193"]}, "capacity": {"units_per_period": 4, "free_units": 9}}}])"));
      },
      error_code::invalid_value,
      {.file = "what-if.json",
       .pointer = "/changes/0/open/capacity/free_units",
       .field = "capacity.free_units",
       .object_id = "t1"});
  expect_error<not_found_error>(
      [&] {
        (void)parse(
            header(R"([{"open": {"id": "t2", "partner": "nobody", "categories": ["money.debts"],
          "area": {"municipalities": ["GM0193"]}, "capacity": {"units_per_period": 4, "free_units": 1}}}])"));
      },
      error_code::not_found,
      {.file = "what-if.json",
       .pointer = "/changes/0/open/partner",
       .field = "partner",
       .object_id = "t2"});
  expect_error<validation_error>(
      [&] {
        (void)parse(header(
            R"([{"open": {"id": "shm-gm0193-maatje", "partner": "shm-gm0193", "categories": ["money.debts"],
          "area": {"municipalities": ["GM0193"]}, "capacity": {"units_per_period": 4, "free_units": 1}}}])"));
      },
      error_code::duplicate_id,
      {.file = "what-if.json",
       .pointer = "/changes/0/open/id",
       .field = "id",
       .object_id = "shm-gm0193-maatje"});
}

TEST(SimulationJson, WritesTheSummaryAndTheComparison) {
  const scenario s = parse(R"({"format": "keten.scenario", "version": 1, "name": "weekly",
                              "changes": [{"round_days": 7}]})");
  std::vector<simulation_result> base, weekly;
  const simulation_options o = small_run(1, 4);
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    simulation_options x = o;
    x.seed = seed;
    base.push_back(simulate(national(), x));
    weekly.push_back(simulate(national(), x, &s));
  }
  const std::string summary =
      simulation_to_json(national(), o, base, {}, nullptr, simulation_grouping::help_form, -1);
  EXPECT_NE(summary.find(R"("format":"keten.simulation")"), std::string::npos);
  EXPECT_NE(
      summary.find(R"("summary":[{"municipality":null,"help_form":"money","metric":"wait_mean")"),
      std::string::npos);
  const std::string comparison =
      simulation_to_json(national(), o, base, weekly, &s, simulation_grouping::total, -1);
  EXPECT_NE(comparison.find(R"("scenario":{"name":"weekly","changes":1})"), std::string::npos);
  EXPECT_NE(comparison.find(R"("difference":{"mean":)"), std::string::npos);
  EXPECT_NE(comparison.find(R"("referrals":{"baseline":[{"from":")"), std::string::npos);
}

}  // namespace
}  // namespace keten_test
