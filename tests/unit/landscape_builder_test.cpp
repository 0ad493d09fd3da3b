// Tests of keten::landscape_builder: every validation rule of add_partner, add_offering,
// add_complementarity, add_precedence and build(), and that a failed add loses nothing.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "keten/landscape.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::expect_error;
using keten_test::make_offering;
using keten_test::make_partner;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

/// A builder holding one partner p1 and one offering o1, so that every test can check that a
/// failed add kept them.
class Builder : public ::testing::Test {
 protected:
  void SetUp() override {
    builder.set_name("test");
    builder.add_partner(p1);
    builder.add_offering(o1);
  }

  /// Builds and checks that exactly p1 and o1 (plus the given extras) are in the landscape.
  void expect_intact(const std::vector<partner>& more_partners = {},
                     const std::vector<offering>& more_offerings = {}) {
    landscape l = builder.build();
    std::vector<partner> partners{p1};
    partners.insert(partners.end(), more_partners.begin(), more_partners.end());
    std::vector<offering> offerings{o1};
    offerings.insert(offerings.end(), more_offerings.begin(), more_offerings.end());
    EXPECT_EQ(l.name(), "test");
    EXPECT_EQ(std::vector<partner>(l.partners().begin(), l.partners().end()), partners);
    EXPECT_EQ(std::vector<offering>(l.offerings().begin(), l.offerings().end()), offerings);
  }

  partner p1 = make_partner("p1");
  offering o1 = make_offering("o1", "p1");
  landscape_builder builder;
};

// --- partners ------------------------------------------------------------------------------

TEST_F(Builder, PartnerEmptyId) {
  expect_error<validation_error>([&] { builder.add_partner(make_partner("")); },
                                 error_code::empty_value, {.field = "id"});
  expect_intact();
}

TEST_F(Builder, PartnerDuplicateId) {
  expect_error<validation_error>([&] { builder.add_partner(make_partner("p1", "GM0344")); },
                                 error_code::duplicate_id, {.field = "id", .object_id = "p1"});
  expect_intact();
}

TEST_F(Builder, PartnerEmptyMember) {
  expect_error<validation_error>([&] { builder.add_partner(make_partner("p2", "GM0363", "")); },
                                 error_code::empty_value, {.field = "member", .object_id = "p2"});
  expect_intact();
}

TEST_F(Builder, PartnerUnknownMunicipality) {
  for (const char* code : {"GM9999", "gm0363", ""}) {
    SCOPED_TRACE(code);
    expect_error<validation_error>([&] { builder.add_partner(make_partner("p2", code)); },
                                   error_code::unknown_municipality,
                                   {.field = "municipality", .object_id = "p2"});
  }
  // The id of a rejected partner is free for a good one.
  const partner p2 = make_partner("p2", "GM0344");
  builder.add_partner(p2);
  expect_intact({p2});
}

// --- offerings -----------------------------------------------------------------------------

struct offering_rule {
  std::string name;
  std::function<void(offering&)> mutate;
  error_code code;
  std::string field;
  std::string object_id = "bad";
};

void PrintTo(const offering_rule& rule, std::ostream* os) {
  *os << rule.name;
}

class OfferingRule : public Builder, public ::testing::WithParamInterface<offering_rule> {};

TEST_P(OfferingRule, IsRejectedAndNothingIsLost) {
  const offering_rule& rule = GetParam();
  offering bad = make_offering("bad", "p1");
  rule.mutate(bad);
  expect_error<validation_error>([&] { builder.add_offering(bad); }, rule.code,
                                 {.field = rule.field, .object_id = rule.object_id});
  // The failing offering is not added: its id is still free, and the builder still builds.
  const offering good = make_offering("bad", "p1", {"work.coaching"});
  builder.add_offering(good);
  expect_intact({}, {good});
}

using ec = error_code;
INSTANTIATE_TEST_SUITE_P(
    Builder, OfferingRule,
    ::testing::Values(
        offering_rule{"empty_id", [](offering& o) { o.id.clear(); }, ec::empty_value, "id", ""},
        offering_rule{"duplicate_id", [](offering& o) { o.id = "o1"; }, ec::duplicate_id, "id",
                      "o1"},
        offering_rule{"empty_partner", [](offering& o) { o.partner.clear(); }, ec::empty_value,
                      "partner"},
        offering_rule{"no_categories", [](offering& o) { o.categories.clear(); },
                      ec::empty_value, "categories"},
        offering_rule{"unknown_category",
                      [](offering& o) { o.categories = {"money.debts", "money.nope"}; },
                      ec::unknown_category, "categories[1]"},
        offering_rule{"category_of_wrong_case", [](offering& o) { o.categories = {"Money.debts"}; },
                      ec::unknown_category, "categories[0]"},
        offering_rule{"category_twice",
                      [](offering& o) {
                        o.categories = {"money.debts", "work.coaching", "money.debts"};
                      },
                      ec::duplicate_id, "categories[2]"},
        offering_rule{"empty_area", [](offering& o) { o.area = {}; }, ec::empty_value, "area"},
        offering_rule{"unknown_municipality",
                      [](offering& o) { o.area.municipalities = {"GM0363", "GM9999"}; },
                      ec::unknown_municipality, "area.municipalities[1]"},
        offering_rule{"malformed_municipality",
                      [](offering& o) { o.area.municipalities = {"Amsterdam"}; },
                      ec::unknown_municipality, "area.municipalities[0]"},
        offering_rule{"postcode_too_low", [](offering& o) { o.area.postcodes = {1012, 999}; },
                      ec::invalid_value, "area.postcodes[1]"},
        offering_rule{"postcode_too_high", [](offering& o) { o.area.postcodes = {10000}; },
                      ec::invalid_value, "area.postcodes[0]"},
        offering_rule{"radius_center_invalid",
                      [](offering& o) { o.area.radius = radius_area{{91.0, 5.0}, 10.0}; },
                      ec::invalid_value, "area.radius"},
        offering_rule{"radius_center_nan",
                      [](offering& o) { o.area.radius = radius_area{{52.0, nan}, 10.0}; },
                      ec::invalid_value, "area.radius"},
        offering_rule{"radius_zero",
                      [](offering& o) { o.area.radius = radius_area{{52.0, 5.0}, 0.0}; },
                      ec::invalid_value, "area.radius.km"},
        offering_rule{"radius_negative",
                      [](offering& o) { o.area.radius = radius_area{{52.0, 5.0}, -3.0}; },
                      ec::invalid_value, "area.radius.km"},
        offering_rule{"radius_too_large",
                      [](offering& o) { o.area.radius = radius_area{{52.0, 5.0}, 1000.5}; },
                      ec::invalid_value, "area.radius.km"},
        offering_rule{"radius_nan",
                      [](offering& o) { o.area.radius = radius_area{{52.0, 5.0}, nan}; },
                      ec::invalid_value, "area.radius.km"},
        offering_rule{"radius_infinite",
                      [](offering& o) { o.area.radius = radius_area{{52.0, 5.0}, inf}; },
                      ec::invalid_value, "area.radius.km"},
        offering_rule{"age_band_upside_down", [](offering& o) { o.rules.ages = {40, 30}; },
                      ec::inverted_range, "eligibility.age"},
        offering_rule{"age_above_max", [](offering& o) { o.rules.ages = {18, 131}; },
                      ec::invalid_value, "eligibility.age.max"},
        offering_rule{"bad_language", [](offering& o) { o.rules.languages = {"nl", "NL"}; },
                      ec::invalid_value, "eligibility.languages"},
        offering_rule{"empty_language", [](offering& o) { o.rules.languages = {""}; },
                      ec::invalid_value, "eligibility.languages"},
        offering_rule{"negative_units_per_period",
                      [](offering& o) {
                        o.units.units_per_period = -1;
                        o.units.free_units = 0;
                      },
                      ec::negative_value, "capacity.units_per_period"},
        offering_rule{"negative_free_units", [](offering& o) { o.units.free_units = -1; },
                      ec::negative_value, "capacity.free_units"},
        offering_rule{"negative_typical_duration",
                      [](offering& o) { o.units.typical_duration_days = -7; }, ec::negative_value,
                      "capacity.typical_duration_days"},
        offering_rule{"negative_intake_wait", [](offering& o) { o.units.intake_wait_days = -1; },
                      ec::negative_value, "capacity.intake_wait_days"},
        offering_rule{"period_days_zero", [](offering& o) { o.units.period_days = 0; },
                      ec::invalid_value, "capacity.period_days"},
        offering_rule{"period_days_negative", [](offering& o) { o.units.period_days = -30; },
                      ec::invalid_value, "capacity.period_days"},
        offering_rule{"free_more_than_units",
                      [](offering& o) {
                        o.units.units_per_period = 3;
                        o.units.free_units = 4;
                      },
                      ec::invalid_value, "capacity.free_units"}),
    [](const ::testing::TestParamInfo<offering_rule>& p) { return p.param.name; });

TEST_F(Builder, OfferingBoundariesAreAccepted) {
  offering edge = make_offering("edge", "p1");
  edge.area.postcodes = {1000, 9999};
  edge.area.radius = radius_area{{-90.0, 180.0}, 1000.0};
  edge.rules.ages = {130, 130};
  edge.units = {.units_per_period = 0,
                .period_days = 1,
                .free_units = 0,
                .typical_duration_days = 0,
                .intake_wait_days = 0};
  builder.add_offering(edge);
  offering full = make_offering("full", "p1");
  full.units.units_per_period = 5;
  full.units.free_units = 5;  // free == units is fine
  full.area = {};
  full.area.radius = radius_area{{52.0, 5.0}, 1e-9};
  builder.add_offering(full);
  expect_intact({}, {edge, full});
}

TEST_F(Builder, OfferingMayUseAnAddedCategory) {
  offering extra = make_offering("extra", "p1", {"work.internship"});
  expect_error<validation_error>([&] { builder.add_offering(extra); }, error_code::unknown_category,
                                 {.field = "categories[0]", .object_id = "extra"});
  EXPECT_EQ(builder.add_category({"work.internship", help_form::work, "Stage", "internship"}), 18u);
  builder.add_offering(extra);
  const landscape l = builder.build();
  EXPECT_EQ(l.categories().size(), 19u);
  ASSERT_EQ(l.offerings().size(), 2u);
  EXPECT_EQ(l.categories_of(1).size(), 1u);
  EXPECT_EQ(l.categories_of(1)[0], 18u);
}

TEST_F(Builder, AddCategoryRejects) {
  expect_error<validation_error>(
      [&] {
        builder.add_category({"money.debts", help_form::money, "", ""});
      },
      error_code::duplicate_id, {.field = "id", .object_id = "money.debts"});
  expect_error<validation_error>(
      [&] {
        builder.add_category({"work.x", help_form::youth, "", ""});
      },
      error_code::invalid_value, {.field = "id", .object_id = "work.x"});
  EXPECT_EQ(builder.categories().size(), 18u);
  expect_intact();
}

// --- complementarity ------------------------------------------------------------------------

TEST_F(Builder, ComplementarityUnknownCategory) {
  expect_error<validation_error>(
      [&] {
        builder.add_complementarity({"money.nope", "work.coaching", 0.5});
      },
      error_code::unknown_category, {.field = "a", .object_id = "money.nope~work.coaching"});
  expect_error<validation_error>(
      [&] {
        builder.add_complementarity({"money.debts", "work.nope", 0.5});
      },
      error_code::unknown_category, {.field = "b", .object_id = "money.debts~work.nope"});
  expect_intact();
}

TEST_F(Builder, ComplementaritySelf) {
  expect_error<validation_error>(
      [&] {
        builder.add_complementarity({"money.debts", "money.debts", 0.5});
      },
      error_code::invalid_value, {.field = "b", .object_id = "money.debts~money.debts"});
  expect_intact();
}

TEST_F(Builder, ComplementarityWeightOutOfRange) {
  for (double weight : {0.0, -0.5, 1.0001, nan, inf}) {
    SCOPED_TRACE(weight);
    expect_error<validation_error>(
        [&] {
          builder.add_complementarity({"money.debts", "work.job_search", weight});
        },
        error_code::invalid_value, {.field = "weight", .object_id = "money.debts~work.job_search"});
  }
  builder.add_complementarity({"money.debts", "work.job_search", 1.0});
  const landscape l = builder.build();
  ASSERT_EQ(l.complementarities().size(), 1u);
  EXPECT_EQ(l.complementarities()[0], (complementarity{"money.debts", "work.job_search", 1.0}));
}

TEST_F(Builder, ComplementarityTwice) {
  builder.add_complementarity({"money.debts", "work.job_search", 0.5});
  expect_error<validation_error>(
      [&] {
        builder.add_complementarity({"money.debts", "work.job_search", 0.7});
      },
      error_code::duplicate_id, {.field = "b", .object_id = "money.debts~work.job_search"});
  expect_error<validation_error>(
      [&] {
        builder.add_complementarity({"work.job_search", "money.debts", 0.7});
      },
      error_code::duplicate_id, {.field = "b", .object_id = "work.job_search~money.debts"});
  const landscape l = builder.build();
  ASSERT_EQ(l.complementarities().size(), 1u);
  EXPECT_EQ(l.complementarities()[0].weight, 0.5);
}

// --- precedence ------------------------------------------------------------------------------

TEST_F(Builder, PrecedenceUnknownCategory) {
  expect_error<validation_error>(
      [&] {
        builder.add_precedence({"money.nope", "work.coaching"});
      },
      error_code::unknown_category, {.field = "before", .object_id = "money.nope->work.coaching"});
  expect_error<validation_error>(
      [&] {
        builder.add_precedence({"money.crisis", "work.nope"});
      },
      error_code::unknown_category, {.field = "after", .object_id = "money.crisis->work.nope"});
  expect_intact();
}

TEST_F(Builder, PrecedenceSelf) {
  expect_error<validation_error>(
      [&] {
        builder.add_precedence({"money.crisis", "money.crisis"});
      },
      error_code::precedence_cycle, {.field = "after", .object_id = "money.crisis->money.crisis"});
  expect_intact();
}

TEST_F(Builder, PrecedenceTwice) {
  builder.add_precedence({"money.crisis", "work.job_search"});
  expect_error<validation_error>(
      [&] {
        builder.add_precedence({"money.crisis", "work.job_search"});
      },
      error_code::duplicate_id, {.field = "after", .object_id = "money.crisis->work.job_search"});
  const landscape l = builder.build();
  ASSERT_EQ(l.precedences().size(), 1u);
}

TEST_F(Builder, PrecedenceCycleNamesItsCategories) {
  builder.add_precedence({"money.crisis", "work.job_search"});
  builder.add_precedence({"work.job_search", "group.moving"});
  builder.add_precedence({"group.moving", "money.crisis"});  // closes the cycle: accepted by add
  const auto e =
      expect_error<validation_error>([&] { (void)builder.build(); }, error_code::precedence_cycle,
                                     {.field = "precedence", .object_id = "money.crisis"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(),
            "precedence has a cycle: money.crisis -> work.job_search -> group.moving -> "
            "money.crisis");
}

TEST_F(Builder, PrecedenceCycleBehindATail) {
  builder.add_precedence({"money.crisis", "work.coaching"});
  builder.add_precedence({"work.coaching", "group.garden"});
  builder.add_precedence({"group.garden", "work.coaching"});
  const auto e =
      expect_error<validation_error>([&] { (void)builder.build(); }, error_code::precedence_cycle,
                                     {.field = "precedence", .object_id = "work.coaching"});
  ASSERT_TRUE(e);
  // The tail money.crisis → work.coaching is not part of the cycle.
  EXPECT_EQ(e->message(), "precedence has a cycle: work.coaching -> group.garden -> work.coaching");
}

TEST_F(Builder, PrecedenceCycleOfTwo) {
  builder.add_precedence({"youth.chores", "neighbour.chores"});
  builder.add_precedence({"neighbour.chores", "youth.chores"});
  const auto e =
      expect_error<validation_error>([&] { (void)builder.build(); }, error_code::precedence_cycle,
                                     {.field = "precedence", .object_id = "neighbour.chores"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(),
            "precedence has a cycle: neighbour.chores -> youth.chores -> neighbour.chores");
}

// --- build ---------------------------------------------------------------------------------

TEST_F(Builder, UnknownPartnerReferenceAtBuild) {
  const offering orphan = make_offering("orphan", "nobody");
  builder.add_offering(orphan);  // references are checked by build(), not by add
  expect_error<validation_error>([&] { (void)builder.build(); }, error_code::unknown_reference,
                                 {.field = "partner", .object_id = "orphan"});
  // A failed build loses nothing either: add the partner and build again.
  const partner nobody = make_partner("nobody", "GM0344");
  builder.add_partner(nobody);
  expect_intact({nobody}, {orphan});
}

TEST_F(Builder, BuildLeavesTheBuilderEmpty) {
  builder.add_category({"work.internship", help_form::work, "", ""});
  builder.add_complementarity({"money.debts", "work.job_search", 0.5});
  builder.add_precedence({"money.crisis", "work.job_search"});
  const landscape first = builder.build();
  EXPECT_EQ(first.partners().size(), 1u);
  EXPECT_EQ(first.categories().size(), 19u);
  EXPECT_EQ(builder.categories().size(), 18u);
  EXPECT_EQ(&builder.places(), &first.places());
  const landscape second = builder.build();
  EXPECT_EQ(second.name(), "");
  EXPECT_EQ(second.partners().size(), 0u);
  EXPECT_EQ(second.offerings().size(), 0u);
  EXPECT_EQ(second.complementarities().size(), 0u);
  EXPECT_EQ(second.precedences().size(), 0u);
  EXPECT_EQ(second.categories().size(), 18u);
  // The ids of the first landscape are free again.
  builder.add_partner(p1);
  builder.add_offering(o1);
  EXPECT_EQ(builder.build().offerings().size(), 1u);
}

TEST(LandscapeBuilder, NeedsAGeography) {
  expect_error<validation_error>([] { landscape_builder b(nullptr); }, error_code::empty_value, {});
}

TEST(LandscapeBuilder, MovedBuilderKeepsItsParts) {
  landscape_builder a;
  a.add_partner(make_partner("p1"));
  landscape_builder b(std::move(a));
  b.add_offering(make_offering("o1", "p1"));
  landscape_builder c;
  c = std::move(b);
  const landscape l = c.build();
  EXPECT_EQ(l.partners().size(), 1u);
  EXPECT_EQ(l.offerings().size(), 1u);
}

TEST(LandscapeBuilder, OtherGeography) {
  const auto places = keten_test::small_geography({"GM0344", "GM0355"});
  landscape_builder b(places);
  expect_error<validation_error>([&] { b.add_partner(make_partner("p1", "GM0363")); },
                                 error_code::unknown_municipality,
                                 {.field = "municipality", .object_id = "p1"});
  b.add_partner(make_partner("p1", "GM0355"));
  expect_error<validation_error>([&] { b.add_offering(make_offering("o1", "p1")); },
                                 error_code::unknown_municipality,
                                 {.field = "area.municipalities[0]", .object_id = "o1"});
  b.add_offering(make_offering("o1", "p1", {"money.debts"}, {"GM0344"}));
  const landscape l = b.build();
  EXPECT_EQ(&l.places(), places.get());
  EXPECT_EQ(l.places().size(), 2u);
  const municipality_index utrecht = l.places().index_of("GM0344");
  EXPECT_EQ(utrecht, 0u);
  ASSERT_EQ(l.candidates(utrecht, l.categories().index_of("money.debts")).size(), 1u);
}

// --- the built landscape ----------------------------------------------------------------------

TEST(Landscape, DefaultIsEmptyOverTheNetherlands) {
  const landscape l;
  EXPECT_EQ(l.name(), "");
  EXPECT_EQ(l.partners().size(), 0u);
  EXPECT_EQ(l.offerings().size(), 0u);
  EXPECT_TRUE(l.categories() == taxonomy::standard());
  EXPECT_EQ(&l.places(), geography::netherlands().get());
  EXPECT_EQ(l.precedence_order().size(), 18u);
  EXPECT_EQ(l.complementarity_matrix().rows(), 18);
  EXPECT_EQ(l.complementarity_matrix().cols(), 18);
  EXPECT_TRUE(l == landscape());
}

TEST(Landscape, LookupsById) {
  landscape_builder b;
  b.set_name("Zwolle");
  b.add_partner(make_partner("shm-gm0193", "GM0193"));
  b.add_partner(make_partner("hip-gm0193", "GM0193", "HipHelpt"));
  b.add_offering(make_offering("debts", "shm-gm0193", {"money.debts"}, {"GM0193"}));
  b.add_offering(make_offering("chores", "hip-gm0193", {"neighbour.chores"}, {"GM0193"}));
  const landscape l = b.build();
  EXPECT_EQ(l.name(), "Zwolle");
  EXPECT_EQ(l.find_partner("hip-gm0193"), partner_index{1});
  EXPECT_EQ(l.find_offering("chores"), offering_index{1});
  EXPECT_EQ(l.find_partner("chores"), std::nullopt);
  EXPECT_EQ(l.find_offering("shm-gm0193"), std::nullopt);
  EXPECT_EQ(l.partner_by_id("hip-gm0193").member, "HipHelpt");
  EXPECT_EQ(l.offering_by_id("debts").partner, "shm-gm0193");
  EXPECT_EQ(l.partner_of(1), 1u);
  expect_error<not_found_error>([&] { (void)l.partner_by_id("nope"); }, error_code::not_found,
                                {.object_id = "nope"});
  expect_error<not_found_error>([&] { (void)l.offering_by_id("nope"); }, error_code::not_found,
                                {.object_id = "nope"});
  // A copy shares the store and compares equal.
  const landscape copy = l;
  EXPECT_TRUE(copy == l);
  EXPECT_EQ(copy.offerings().data(), l.offerings().data());
  EXPECT_FALSE(l == landscape());
}

TEST(Landscape, EqualityLooksAtEveryPart) {
  const auto make = [](const std::string& name, double weight, int free) {
    landscape_builder b;
    b.set_name(name);
    b.add_partner(make_partner("p1"));
    offering o = make_offering("o1", "p1");
    o.units.free_units = free;
    b.add_offering(o);
    b.add_complementarity({"money.debts", "work.job_search", weight});
    return b.build();
  };
  EXPECT_TRUE(make("a", 0.5, 1) == make("a", 0.5, 1));
  EXPECT_FALSE(make("a", 0.5, 1) == make("b", 0.5, 1));
  EXPECT_FALSE(make("a", 0.5, 1) == make("a", 0.25, 1));
  EXPECT_FALSE(make("a", 0.5, 1) == make("a", 0.5, 2));
}

}  // namespace
