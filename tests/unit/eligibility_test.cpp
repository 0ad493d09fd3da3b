// Tests of check() in keten/offering.hpp: every reason a case is not eligible for an offering.
#include <gtest/gtest.h>

#include "keten/offering.hpp"

namespace {

using namespace keten;

TEST(Ineligibility, Strings) {
  EXPECT_EQ(to_string(ineligibility::none), "eligible");
  EXPECT_EQ(to_string(ineligibility::age), "age");
  EXPECT_EQ(to_string(ineligibility::household), "household");
  EXPECT_EQ(to_string(ineligibility::language), "language");
  EXPECT_EQ(to_string(ineligibility::referrer), "referrer");
}

TEST(Eligibility, DefaultsAcceptEveryone) {
  const eligibility rules;
  case_profile p;
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.age = age_band{0, 130};
  p.household = household_type::other;
  p.languages = {"ar"};
  p.referrer = referrer_kind::church;
  EXPECT_EQ(check(rules, p), ineligibility::none);
}

TEST(Eligibility, UnknownAttributesPass) {
  eligibility rules;
  rules.ages = {18, 27};
  rules.households = {household_type::family};
  rules.languages = {"nl"};
  case_profile unknown;  // no age, no household, no languages
  unknown.referrer = referrer_kind::professional;
  EXPECT_EQ(check(rules, unknown), ineligibility::none);
}

TEST(Eligibility, Age) {
  eligibility rules;
  rules.ages = {18, 67};
  case_profile p;
  p.age = age_band{18, 67};
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.age = age_band{30, 39};
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.age = age_band{17, 20};  // partly below
  EXPECT_EQ(check(rules, p), ineligibility::age);
  p.age = age_band{60, 69};  // partly above
  EXPECT_EQ(check(rules, p), ineligibility::age);
  p.age = age_band{70, 79};  // wholly outside
  EXPECT_EQ(check(rules, p), ineligibility::age);
  p.age = age_band{10, 80};  // wider than the rule
  EXPECT_EQ(check(rules, p), ineligibility::age);
}

TEST(Eligibility, Household) {
  eligibility rules;
  rules.households = {household_type::single_parent, household_type::family};
  case_profile p;
  p.household = household_type::family;
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.household = household_type::single_parent;
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.household = household_type::single;
  EXPECT_EQ(check(rules, p), ineligibility::household);
  p.household = household_type::couple;
  EXPECT_EQ(check(rules, p), ineligibility::household);
}

TEST(Eligibility, Language) {
  eligibility rules;
  rules.languages = {"nl", "ar"};
  case_profile p;
  p.languages = {"en", "ar"};  // one shared language is enough
  EXPECT_EQ(check(rules, p), ineligibility::none);
  p.languages = {"en", "tr"};
  EXPECT_EQ(check(rules, p), ineligibility::language);
  p.languages = {"NL"};  // no case folding
  EXPECT_EQ(check(rules, p), ineligibility::language);
}

TEST(Eligibility, Referrer) {
  eligibility rules;
  rules.requires_professional_referrer = true;
  case_profile p;
  p.referrer = referrer_kind::professional;
  EXPECT_EQ(check(rules, p), ineligibility::none);
  for (referrer_kind k :
       {referrer_kind::self, referrer_kind::partner, referrer_kind::church, referrer_kind::other}) {
    p.referrer = k;
    EXPECT_EQ(check(rules, p), ineligibility::referrer) << to_string(k);
  }
  // A case without any other attribute still has a referrer: the default is self.
  EXPECT_EQ(check(rules, case_profile{}), ineligibility::referrer);
}

TEST(Eligibility, FirstFailingRuleInOrder) {
  eligibility rules;
  rules.ages = {18, 30};
  rules.households = {household_type::family};
  rules.languages = {"nl"};
  rules.requires_professional_referrer = true;
  case_profile p;
  p.age = age_band{40, 49};
  p.household = household_type::single;
  p.languages = {"en"};
  p.referrer = referrer_kind::self;
  EXPECT_EQ(check(rules, p), ineligibility::age);
  p.age = age_band{20, 29};
  EXPECT_EQ(check(rules, p), ineligibility::household);
  p.household = household_type::family;
  EXPECT_EQ(check(rules, p), ineligibility::language);
  p.languages = {"nl"};
  EXPECT_EQ(check(rules, p), ineligibility::referrer);
  p.referrer = referrer_kind::professional;
  EXPECT_EQ(check(rules, p), ineligibility::none);
}

}  // namespace
