// Tests of keten/analysis.hpp on a hand-made landscape whose numbers are worked out below.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "keten/analysis.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::make_offering;
using keten_test::make_partner;

// Three municipalities with populations 100, 300 and 600. GM0001 and GM0002 lie 0.5° of longitude
// (about 34 km) apart; GM0003 is more than 100 km from both.
std::shared_ptr<const geography> three_places() {
  return std::make_shared<const geography>(std::vector<municipality>{
      {"GM0001", "Een", "P", 100, 10, {52.0, 5.0}},
      {"GM0002", "Twee", "P", 300, 10, {52.0, 5.5}},
      {"GM0003", "Drie", "P", 600, 10, {53.0, 6.0}},
  });
}

offering with_units(offering o, int units, int period, int free) {
  o.units.units_per_period = units;
  o.units.period_days = period;
  o.units.free_units = free;
  return o;
}

// The offerings, with their capacity per year and where it goes (split by population over the
// municipalities served, and evenly over the help forms covered):
//   o1  money                 GM0001+GM0002       40/yr  → GM0001 10, GM0002 30          free 10
//   o2  neighbour + youth     GM0003              10 per 73 days = 50/yr → 25 + 25       free 3
//   o3  work                  circle(GM0002) + GM0003   12/yr → GM0002 4, GM0003 8       free 0
//   o4  money (two cats)      GM0003              30/yr → GM0003 30 (one form: not split) free 5
//   o5  group                 all three           100/yr → 10, 30, 60                    free 20
//
//              money neighbour work group youth | row sum
//   GM0001        10        0     0    10     0 |  20
//   GM0002        30        0     4    30     0 |  64
//   GM0003        30       25     8    60    25 | 148
//   total         70       25    12   100    25 | 232
landscape hand_made() {
  landscape_builder b(three_places());
  b.set_name("Testland");
  b.add_partner(make_partner("pA", "GM0001", "SchuldHulpMaatje"));
  b.add_partner(make_partner("pB", "GM0003", "HipHelpt"));
  b.add_partner(make_partner("pC", "GM0002", "JobHulpMaatje"));
  b.add_partner(make_partner("pD", "GM0002", "Stichting Present"));
  b.add_partner(make_partner("pE", "GM0003", "SchuldHulpMaatje"));  // no offerings
  b.add_offering(
      with_units(make_offering("o1", "pA", {"money.debts"}, {"GM0001", "GM0002"}), 40, 365, 10));
  b.add_offering(with_units(
      make_offering("o2", "pB", {"neighbour.chores", "youth.chores"}, {"GM0003"}), 10, 73, 3));
  offering o3 = with_units(make_offering("o3", "pC", {"work.coaching"}, {"GM0003"}), 12, 365, 0);
  o3.area.radius = radius_area{{52.0, 5.5}, 10.0};
  b.add_offering(o3);
  b.add_offering(with_units(
      make_offering("o4", "pA", {"money.admin", "money.budgeting"}, {"GM0003"}), 30, 365, 5));
  b.add_offering(with_units(
      make_offering("o5", "pD", {"group.garden"}, {"GM0001", "GM0002", "GM0003"}), 100, 365, 20));
  b.add_complementarity({"money.debts", "work.coaching", 0.5});
  b.add_complementarity({"group.garden", "neighbour.chores", 0.25});
  b.add_precedence({"money.debts", "work.coaching"});
  return b.build();
}

TEST(Analysis, CapacityByMunicipality) {
  const Eigen::MatrixXd units = capacity_by_municipality(hand_made());
  ASSERT_EQ(units.rows(), 3);
  ASSERT_EQ(units.cols(), 5);
  Eigen::MatrixXd expected(3, 5);
  expected << 10, 0, 0, 10, 0,  //
      30, 0, 4, 30, 0,          //
      30, 25, 8, 60, 25;
  for (Eigen::Index m = 0; m < 3; ++m)
    for (Eigen::Index f = 0; f < 5; ++f)
      EXPECT_NEAR(units(m, f), expected(m, f), 1e-9) << "row " << m << " form " << f;
  EXPECT_NEAR(units.row(0).sum(), 20.0, 1e-9);
  EXPECT_NEAR(units.row(1).sum(), 64.0, 1e-9);
  EXPECT_NEAR(units.row(2).sum(), 148.0, 1e-9);
  EXPECT_NEAR(units.sum(), 232.0, 1e-9);
}

TEST(Analysis, Summary) {
  const landscape l = hand_made();
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.name, "Testland");
  EXPECT_EQ(s.partners, 5u);
  EXPECT_EQ(s.offerings, 5u);
  EXPECT_EQ(s.categories, 18u);
  EXPECT_EQ(s.member_organisations, 4u);
  EXPECT_EQ(s.municipalities_served, 3u);
  EXPECT_EQ(s.municipalities_with_all_forms, 1u);  // GM0003 only
  EXPECT_EQ(s.complementarities, 2u);
  EXPECT_EQ(s.precedences, 1u);
  const std::array<std::size_t, 5> offerings{2, 1, 1, 1, 1};
  EXPECT_EQ(s.offerings_per_form, offerings);
  const std::array<double, 5> units{70, 25, 12, 100, 25};
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(s.units_per_year_per_form[f], units[f], 1e-9);
  // Free units are split like units over the forms an offering covers (o2's 3: neighbour, youth).
  const std::array<double, 5> free{15, 1.5, 0, 20, 1.5};
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(s.free_units_per_form[f], free[f], 1e-9);
}

TEST(Analysis, MatrixColumnsAddUpToTheNationalTotals) {
  const landscape l = hand_made();
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  const landscape_summary s = summarize(l);
  for (std::size_t f = 0; f < 5; ++f)
    EXPECT_NEAR(units.col(static_cast<Eigen::Index>(f)).sum(), s.units_per_year_per_form[f], 1e-9);
}

/// One line of the table of to_text(): "{:<28} {:>9} {:>14} {:>10}".
std::string line(std::string_view label, const std::string& offerings, const std::string& units,
                 const std::string& free) {
  const auto right = [](const std::string& s, std::size_t w) {
    return std::string(w > s.size() ? w - s.size() : 0, ' ') + s;
  };
  return std::string(label) + std::string(28 - label.size(), ' ') + " " + right(offerings, 9) +
         " " + right(units, 14) + " " + right(free, 10) + "\n";
}
std::string row(std::string_view label, std::size_t offerings, const std::string& units,
                const std::string& free) {
  return line(label, std::to_string(offerings), units, free);
}

TEST(Analysis, ToText) {
  const std::string expected =
      "landscape      Testland\n"
      "partners       5 local branches of 4 member organisations\n"
      "offerings      5 over 18 need categories\n"
      "municipalities 3 served, 1 with all five help forms\n"
      "relations      2 complementarities, 1 precedences\n"
      "\n" +
      line("help form", "offerings", "units / year", "free now") +
      row("Hulp bij geldzorgen", 2, "70", "15") + row("Laagdrempelige burenhulp", 1, "25", "2") +
      row("Hulp voor werkzoekenden", 1, "12", "0") + row("Helpen als groep", 1, "100", "20") +
      row("Helpen als jongeren", 1, "25", "2");
  EXPECT_EQ(to_text(summarize(hand_made())), expected);
}

TEST(Analysis, ToTextOfAnUnnamedEmptyLandscape) {
  const std::string text = to_text(summarize(landscape()));
  EXPECT_EQ(text.substr(0, text.find('\n')), "landscape      (unnamed)");
  EXPECT_NE(text.find(row("Helpen als jongeren", 0, "0", "0")), std::string::npos) << text;
}

TEST(Analysis, EmptyLandscape) {
  const landscape l;
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  EXPECT_EQ(units.rows(), 342);
  EXPECT_EQ(units.cols(), 5);
  EXPECT_EQ(units.sum(), 0.0);
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.offerings, 0u);
  EXPECT_EQ(s.municipalities_served, 0u);
  EXPECT_EQ(s.member_organisations, 0u);
}

TEST(Analysis, OneOfferingInAmsterdam) {
  landscape_builder b;
  b.add_partner(make_partner("p"));
  b.add_offering(with_units(make_offering("o", "p", {"work.job_search"}, {"GM0363"}), 7, 7, 1));
  const landscape l = b.build();
  const Eigen::MatrixXd units = capacity_by_municipality(l);
  const auto amsterdam = static_cast<Eigen::Index>(l.places().index_of("GM0363"));
  EXPECT_NEAR(units(amsterdam, static_cast<Eigen::Index>(help_form::work)), 365.0, 1e-9);
  EXPECT_NEAR(units.sum(), 365.0, 1e-9);
  const landscape_summary s = summarize(l);
  EXPECT_EQ(s.municipalities_served, 1u);
  EXPECT_EQ(s.municipalities_with_all_forms, 0u);
}

// Regression test (a bug found while writing this suite, since fixed): src/core/analysis.cpp,
// capacity_by_municipality(): an offering that serves no municipality as a whole (an area of PC4
// postcodes only) has an empty `served` list, so its capacity is dropped from the matrix, while
// summarize() counts it in units_per_year_per_form: the columns no longer add up to the national
// totals that the header promises. Fix: either document that such offerings are left out (and leave
// them out of the summary's totals too), or attribute them, e.g. to the partner's home
// municipality.
TEST(Analysis, PostcodeOnlyOfferingCountsInTheMatrix) {
  landscape_builder b(three_places());
  b.add_partner(make_partner("p", "GM0001"));
  b.add_offering(with_units(make_offering("listed", "p", {"money.debts"}, {"GM0001"}), 10, 365, 0));
  offering pc = with_units(make_offering("pc4", "p", {"money.crisis"}, {}), 50, 365, 0);
  pc.area.postcodes = {1234};
  b.add_offering(pc);
  const landscape l = b.build();
  const landscape_summary s = summarize(l);
  EXPECT_NEAR(s.units_per_year_per_form[0], 60.0, 1e-9);
  EXPECT_NEAR(capacity_by_municipality(l).col(0).sum(), s.units_per_year_per_form[0], 1e-9);
}

// Regression test (a bug found while writing this suite, since fixed): src/core/analysis.cpp,
// summarize(): municipalities_served counts rows of capacity_by_municipality() with a positive sum,
// so a municipality whose only offering has no capacity this period (units_per_period 0, which the
// builder allows) is not "served", although landscape_summary documents "municipalities with at
// least one offering serving them" (and municipalities_with_all_forms has the same problem). Fix:
// count from the candidates() cells (or municipalities_of()) instead of from the capacity.
TEST(Analysis, OfferingWithoutCapacityStillServes) {
  landscape_builder b(three_places());
  b.add_partner(make_partner("p", "GM0001"));
  b.add_offering(with_units(make_offering("o", "p", {"money.debts"}, {"GM0001"}), 0, 365, 0));
  const landscape l = b.build();
  ASSERT_EQ(l.candidates(0, l.categories().index_of("money.debts")).size(), 1u);
  EXPECT_EQ(summarize(l).municipalities_served, 1u);
}

}  // namespace
