// Tests of keten/case.hpp: the enums, language codes and every rule of validate().
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "keten/case.hpp"
#include "keten/taxonomy.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::expect_error;

TEST(HouseholdType, StringsRoundTrip) {
  const std::array<std::string_view, household_type_count> names{
      "single", "couple", "single_parent", "family", "other"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto type = static_cast<household_type>(i);
    EXPECT_EQ(to_string(type), names[i]);
    EXPECT_EQ(parse_household_type(names[i]), type);
  }
  EXPECT_EQ(parse_household_type("Single"), std::nullopt);
  EXPECT_EQ(parse_household_type("single-parent"), std::nullopt);
  EXPECT_EQ(parse_household_type(""), std::nullopt);
}

TEST(ReferrerKind, StringsRoundTrip) {
  const std::array<std::string_view, 5> names{"self", "professional", "partner", "church", "other"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto kind = static_cast<referrer_kind>(i);
    EXPECT_EQ(to_string(kind), names[i]);
    EXPECT_EQ(parse_referrer_kind(names[i]), kind);
  }
  EXPECT_EQ(parse_referrer_kind("Professional"), std::nullopt);
  EXPECT_EQ(parse_referrer_kind("gp"), std::nullopt);
  EXPECT_EQ(parse_referrer_kind(""), std::nullopt);
}

TEST(LanguageCode, Syntax) {
  EXPECT_TRUE(is_language_code("nl"));
  EXPECT_TRUE(is_language_code("en"));
  EXPECT_TRUE(is_language_code("pap"));
  EXPECT_FALSE(is_language_code("n"));
  EXPECT_FALSE(is_language_code("nlds"));
  EXPECT_FALSE(is_language_code("NL"));
  EXPECT_FALSE(is_language_code("n1"));
  EXPECT_FALSE(is_language_code("nl-"));
  EXPECT_FALSE(is_language_code(""));
}

TEST(AgeBand, Contains) {
  const age_band all;
  EXPECT_EQ(all.min, 0);
  EXPECT_EQ(all.max, 130);
  EXPECT_TRUE(all.contains({18, 67}));
  EXPECT_TRUE(all.contains(all));
  const age_band adults{18, 130};
  EXPECT_TRUE(adults.contains({18, 18}));
  EXPECT_FALSE(adults.contains({17, 30}));
  EXPECT_FALSE((age_band{18, 67}).contains({60, 68}));
  EXPECT_TRUE((age_band{18, 67}).contains({67, 67}));
}

/// A valid case; each test breaks one rule.
help_case good_case() {
  help_case c;
  c.id = "case-1";
  c.needs = {{"money.debts", 4, 2.0}, {"work.job_search", 2, 0.5}};
  c.location.municipality = "GM0363";
  c.location.postcode = pc4{1012};
  c.location.point = geo_point{52.37, 4.89};
  c.profile.age = age_band{30, 39};
  c.profile.household = household_type::single_parent;
  c.profile.languages = {"nl", "pap"};
  c.profile.referrer = referrer_kind::professional;
  c.consent = true;
  c.excluded_partners = {"shm-gm0363"};
  return c;
}

class ValidateCase : public ::testing::Test {
 protected:
  void expect_invalid(const help_case& c, error_code code, const std::string& field) {
    expect_error<validation_error>([&] { validate(c, categories, *places); }, code,
                                   {.field = field, .object_id = c.id});
  }
  const taxonomy& categories = taxonomy::standard();
  std::shared_ptr<const geography> places = geography::netherlands();
};

TEST_F(ValidateCase, GoodCasesPass) {
  EXPECT_NO_THROW(validate(good_case(), categories, *places));
  // Each location part alone is enough.
  help_case only_municipality = good_case();
  only_municipality.location = {.municipality = "GM0344"};
  EXPECT_NO_THROW(validate(only_municipality, categories, *places));
  help_case only_postcode = good_case();
  only_postcode.location = {.postcode = pc4{9999}};
  EXPECT_NO_THROW(validate(only_postcode, categories, *places));
  help_case only_point = good_case();
  only_point.location = {.point = geo_point{-90.0, 180.0}};
  EXPECT_NO_THROW(validate(only_point, categories, *places));
  // Unknown attributes are fine, and so are the bounds of the ranges.
  help_case minimal;
  minimal.id = "x";
  minimal.needs = {{"youth.activities", min_urgency, 1e-9}, {"money.crisis", max_urgency, 1e9}};
  minimal.location.postcode = pc4{1000};
  EXPECT_NO_THROW(validate(minimal, categories, *places));
  help_case ages = good_case();
  ages.profile.age = age_band{0, 130};
  EXPECT_NO_THROW(validate(ages, categories, *places));
  ages.profile.age = age_band{130, 130};
  EXPECT_NO_THROW(validate(ages, categories, *places));
}

TEST_F(ValidateCase, EmptyId) {
  help_case c = good_case();
  c.id.clear();
  expect_invalid(c, error_code::empty_value, "id");
}

TEST_F(ValidateCase, NoNeeds) {
  help_case c = good_case();
  c.needs.clear();
  expect_invalid(c, error_code::empty_value, "needs");
}

TEST_F(ValidateCase, UnknownCategory) {
  help_case c = good_case();
  c.needs[1].category = "work.unknown";
  expect_invalid(c, error_code::unknown_category, "needs[1].category");
  c.needs[1].category = "";
  expect_invalid(c, error_code::unknown_category, "needs[1].category");
}

TEST_F(ValidateCase, UnknownCategoryOfAnExtendedTaxonomy) {
  taxonomy extended = taxonomy::standard();
  extended.add({"work.internship", help_form::work, "", ""});
  help_case c = good_case();
  c.needs[0].category = "work.internship";
  EXPECT_NO_THROW(validate(c, extended, *places));
  expect_invalid(c, error_code::unknown_category, "needs[0].category");
}

TEST_F(ValidateCase, CategoryTwice) {
  help_case c = good_case();
  c.needs.push_back({"money.debts", 1, 1.0});
  expect_invalid(c, error_code::duplicate_id, "needs[2].category");
}

TEST_F(ValidateCase, UrgencyOutOfRange) {
  for (int urgency : {0, -1, 6, 100}) {
    SCOPED_TRACE(urgency);
    help_case c = good_case();
    c.needs[1].urgency = urgency;
    expect_invalid(c, error_code::invalid_value, "needs[1].urgency");
  }
}

TEST_F(ValidateCase, WeightNotPositiveOrNotFinite) {
  for (double weight : {0.0, -0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(weight);
    help_case c = good_case();
    c.needs[0].weight = weight;
    expect_invalid(c, error_code::invalid_value, "needs[0].weight");
  }
}

TEST_F(ValidateCase, NoLocation) {
  help_case c = good_case();
  c.location = {};
  expect_invalid(c, error_code::empty_value, "location");
}

TEST_F(ValidateCase, UnknownMunicipality) {
  help_case c = good_case();
  c.location.municipality = "GM9999";
  expect_invalid(c, error_code::unknown_municipality, "location.municipality");
  c.location.municipality = "Amsterdam";
  expect_invalid(c, error_code::unknown_municipality, "location.municipality");
}

TEST_F(ValidateCase, UnknownMunicipalityOfAnotherGeography) {
  const auto small = keten_test::small_geography({"GM0344"});
  help_case c = good_case();  // in GM0363
  expect_error<validation_error>([&] { validate(c, categories, *small); },
                                 error_code::unknown_municipality,
                                 {.field = "location.municipality", .object_id = "case-1"});
  c.location.municipality = "GM0344";
  EXPECT_NO_THROW(validate(c, categories, *small));
}

TEST_F(ValidateCase, InvalidPostcode) {
  for (pc4 p : {pc4{0}, pc4{999}, pc4{10000}, pc4{65535}}) {
    SCOPED_TRACE(p);
    help_case c = good_case();
    c.location.postcode = p;
    expect_invalid(c, error_code::invalid_value, "location.postcode");
  }
}

TEST_F(ValidateCase, InvalidPoint) {
  for (geo_point p : {geo_point{91.0, 5.0}, geo_point{52.0, -181.0},
                      geo_point{std::numeric_limits<double>::quiet_NaN(), 5.0}}) {
    help_case c = good_case();
    c.location.point = p;
    expect_invalid(c, error_code::invalid_value, "location.point");
  }
}

TEST_F(ValidateCase, AgeBandUpsideDown) {
  help_case c = good_case();
  c.profile.age = age_band{40, 39};
  expect_invalid(c, error_code::inverted_range, "profile.age");
}

TEST_F(ValidateCase, AgeAboveMax) {
  help_case c = good_case();
  c.profile.age = age_band{30, 131};
  expect_invalid(c, error_code::invalid_value, "profile.age");
  c.profile.age = age_band{131, 255};
  expect_invalid(c, error_code::invalid_value, "profile.age");
}

TEST_F(ValidateCase, BadLanguage) {
  for (const char* language : {"NL", "dutch", "", "n"}) {
    SCOPED_TRACE(language);
    help_case c = good_case();
    c.profile.languages.push_back(language);
    expect_invalid(c, error_code::invalid_value, "profile.languages");
  }
}

TEST_F(ValidateCase, EmptyExcludedPartner) {
  help_case c = good_case();
  c.excluded_partners.push_back("");
  expect_invalid(c, error_code::empty_value, "excluded_partners");
}

TEST_F(ValidateCase, FirstBrokenRuleIsReported) {
  // No needs and no location: the needs are checked first.
  help_case c = good_case();
  c.needs.clear();
  c.location = {};
  expect_invalid(c, error_code::empty_value, "needs");
}

}  // namespace
