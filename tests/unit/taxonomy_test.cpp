// Tests of keten/taxonomy.hpp: help forms, the standard categories, add/find/index_of.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keten/taxonomy.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::expect_error;

TEST(HelpForm, StringsOfAllFive) {
  ASSERT_EQ(all_help_forms.size(), 5u);
  EXPECT_EQ(to_string(help_form::money), "money");
  EXPECT_EQ(to_string(help_form::neighbour), "neighbour");
  EXPECT_EQ(to_string(help_form::work), "work");
  EXPECT_EQ(to_string(help_form::group), "group");
  EXPECT_EQ(to_string(help_form::youth), "youth");

  EXPECT_EQ(label_nl(help_form::money), "Hulp bij geldzorgen");
  EXPECT_EQ(label_nl(help_form::neighbour), "Laagdrempelige burenhulp");
  EXPECT_EQ(label_nl(help_form::work), "Hulp voor werkzoekenden");
  EXPECT_EQ(label_nl(help_form::group), "Helpen als groep");
  EXPECT_EQ(label_nl(help_form::youth), "Helpen als jongeren");

  EXPECT_EQ(label_en(help_form::money), "help with money worries");
  EXPECT_EQ(label_en(help_form::neighbour), "low-threshold neighbour help");
  EXPECT_EQ(label_en(help_form::work), "help for job seekers");
  EXPECT_EQ(label_en(help_form::group), "helping as a group");
  EXPECT_EQ(label_en(help_form::youth), "helping as young people");

  EXPECT_EQ(member_organisation(help_form::money), "SchuldHulpMaatje");
  EXPECT_EQ(member_organisation(help_form::neighbour), "HipHelpt");
  EXPECT_EQ(member_organisation(help_form::work), "JobHulpMaatje");
  EXPECT_EQ(member_organisation(help_form::group), "Stichting Present");
  EXPECT_EQ(member_organisation(help_form::youth), "TijdVoorActie");
}

TEST(HelpForm, ParseRoundTripsAndRejectsOthers) {
  for (std::size_t i = 0; i < all_help_forms.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all_help_forms[i]), i);
    EXPECT_EQ(parse_help_form(to_string(all_help_forms[i])), all_help_forms[i]);
  }
  EXPECT_EQ(parse_help_form("Money"), std::nullopt);
  EXPECT_EQ(parse_help_form("money "), std::nullopt);
  EXPECT_EQ(parse_help_form(""), std::nullopt);
  EXPECT_EQ(parse_help_form("neighbor"), std::nullopt);
}

TEST(Taxonomy, StandardCategoriesInOrder) {
  const taxonomy& t = taxonomy::standard();
  const std::vector<std::string> expected{
      "money.crisis",     "money.debts",         "money.admin",        "money.budgeting",
      "neighbour.chores", "neighbour.transport", "neighbour.shopping", "neighbour.company",
      "work.job_search",  "work.coaching",       "work.application",   "group.home_cleanup",
      "group.painting",   "group.garden",        "group.moving",       "youth.company",
      "youth.chores",     "youth.activities"};
  ASSERT_EQ(t.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto index = static_cast<category_index>(i);
    EXPECT_EQ(t[index].id, expected[i]);
    EXPECT_EQ(t.index_of(expected[i]), index);
    EXPECT_EQ(t.find(expected[i]), index);
    // The prefix of the id is the help form.
    EXPECT_EQ(expected[i].substr(0, expected[i].find('.')), to_string(t[index].form));
    EXPECT_FALSE(t[index].label_nl.empty());
    EXPECT_FALSE(t[index].label_en.empty());
  }
  EXPECT_EQ(t.categories().size(), expected.size());
  EXPECT_EQ(t[1].label_nl, "Schulden op orde brengen");
  EXPECT_EQ(t[1].label_en, "sorting out debts");
  EXPECT_EQ(t[1].form, help_form::money);
  EXPECT_EQ(t[17].form, help_form::youth);
  // Every call shares the one instance.
  EXPECT_EQ(&taxonomy::standard(), &t);
}

TEST(Taxonomy, AddAppendsWithoutReordering) {
  taxonomy t = taxonomy::standard();
  const category_index i = t.add({"work.internship", help_form::work, "Stage", "internship"});
  EXPECT_EQ(i, 18u);
  EXPECT_EQ(t.size(), 19u);
  EXPECT_EQ(t.index_of("work.internship"), 18u);
  EXPECT_EQ(t.index_of("money.crisis"), 0u);
  EXPECT_EQ(t[18].label_nl, "Stage");
  EXPECT_FALSE(t == taxonomy::standard());
  EXPECT_EQ(taxonomy::standard().size(), 18u);  // the copy was extended, not the standard

  taxonomy empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.add({"youth.a_1", help_form::youth, "", ""}), 0u);
  EXPECT_EQ(empty.add({"youth.b", help_form::youth, "", ""}), 1u);
}

TEST(Taxonomy, EqualityComparesCategoriesInOrder) {
  taxonomy a, b;
  a.add({"money.x", help_form::money, "x", "x"});
  a.add({"money.y", help_form::money, "y", "y"});
  b.add({"money.y", help_form::money, "y", "y"});
  b.add({"money.x", help_form::money, "x", "x"});
  EXPECT_FALSE(a == b);
  taxonomy c;
  c.add({"money.x", help_form::money, "x", "x"});
  c.add({"money.y", help_form::money, "y", "other label"});
  EXPECT_FALSE(a == c);
  taxonomy d = a;
  EXPECT_TRUE(a == d);
}

TEST(Taxonomy, AddRejectsMalformedIds) {
  const std::vector<std::string> bad{
      "",                      // empty
      "money",                 // no dot
      "money.",                // empty name
      ".debts",                // empty prefix
      "money.Debts",           // upper case
      "money.de-bts",          // '-' not allowed
      "money.de bts",          // space
      "money.a.b",             // a second dot
      "Money.debts",           // prefix in upper case
      "money.schuld\xc3\xa9",  // non-ASCII
  };
  for (const std::string& id : bad) {
    SCOPED_TRACE(id);
    taxonomy t = taxonomy::standard();
    expect_error<validation_error>(
        [&] {
          t.add({id, help_form::money, "l", "l"});
        },
        error_code::invalid_value, {.field = "id", .object_id = id});
    EXPECT_EQ(t.size(), 18u);
    EXPECT_FALSE(t.find(id));
  }
}

TEST(Taxonomy, AddRejectsPrefixOfAnotherForm) {
  taxonomy t;
  expect_error<validation_error>(
      [&] {
        t.add({"money.chores", help_form::neighbour, "", ""});
      },
      error_code::invalid_value, {.field = "id", .object_id = "money.chores"});
  expect_error<validation_error>(
      [&] {
        t.add({"neighbor.chores", help_form::neighbour, "", ""});
      },
      error_code::invalid_value, {.field = "id", .object_id = "neighbor.chores"});
  EXPECT_EQ(t.size(), 0u);
}

TEST(Taxonomy, AddRejectsDuplicates) {
  taxonomy t = taxonomy::standard();
  expect_error<validation_error>(
      [&] {
        t.add({"money.debts", help_form::money, "again", "again"});
      },
      error_code::duplicate_id, {.field = "id", .object_id = "money.debts"});
  EXPECT_EQ(t.size(), 18u);
  EXPECT_EQ(t[1].label_nl, "Schulden op orde brengen");  // the first definition stays
  t.add({"money.new_one", help_form::money, "", ""});
  expect_error<validation_error>(
      [&] {
        t.add({"money.new_one", help_form::money, "", ""});
      },
      error_code::duplicate_id, {.field = "id", .object_id = "money.new_one"});
  EXPECT_EQ(t.size(), 19u);
}

TEST(Taxonomy, FindAndIndexOfUnknown) {
  const taxonomy& t = taxonomy::standard();
  EXPECT_EQ(t.find("money.unknown"), std::nullopt);
  EXPECT_EQ(t.find(""), std::nullopt);
  EXPECT_EQ(t.find("MONEY.DEBTS"), std::nullopt);
  const auto e =
      expect_error<not_found_error>([&] { (void)t.index_of("money.unknown"); },
                                    error_code::not_found, {.object_id = "money.unknown"});
  ASSERT_TRUE(e);
  EXPECT_NE(e->message().find("money.unknown"), std::string::npos);
}

}  // namespace
