// Tests of parse_cases_json / load_cases_json (keten/io.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "keten/io.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::expect_error;

const std::filesystem::path data_dir = KETEN_TEST_DATA_DIR;

const landscape& context() {
  static const landscape l = load_landscape_json(data_dir / "landscape_small.json");
  return l;
}

std::vector<help_case> expected_small_cases() {
  help_case c1;
  c1.id = "c1";
  c1.needs = {{"money.debts", 5, 2.5}, {"work.internship", 3, 1.0}};
  c1.location = {"GM0344", pc4{3511}, geo_point{52.09, 5.12}};
  c1.profile.age = age_band{30, 39};
  c1.profile.household = household_type::single_parent;
  c1.profile.languages = {"nl", "ar"};
  c1.profile.referrer = referrer_kind::professional;
  c1.consent = true;
  c1.excluded_partners = {"present-gm0344"};
  help_case c2;
  c2.id = "c2";
  c2.needs = {{"neighbour.chores", 1, 1.0}};
  c2.location.postcode = pc4{3521};
  return {c1, c2};
}

TEST(JsonCases, LoadsTheSmallFile) {
  const std::vector<help_case> cases = load_cases_json(data_dir / "cases_small.json", context());
  EXPECT_EQ(cases, expected_small_cases());
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_FALSE(cases[1].consent);
  EXPECT_EQ(cases[1].profile.referrer, referrer_kind::self);
}

TEST(JsonCases, ExtraCategoriesOfTheLandscapeAreKnown) {
  // work.internship is defined by the landscape file, not by the standard taxonomy.
  const auto e = keten_test::catch_error<validation_error>(
      [] { (void)load_cases_json(data_dir / "cases_small.json", landscape()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::unknown_category);
  EXPECT_EQ(e->where().field, "needs[1].category");
  EXPECT_EQ(e->where().object_id, "c1");
  EXPECT_EQ(e->where().file, (data_dir / "cases_small.json").string());
}

TEST(JsonCases, EmptyBatch) {
  EXPECT_TRUE(parse_cases_json(R"({"format": "keten.cases", "version": 1, "cases": []})", context())
                  .empty());
}

TEST(JsonCases, LoadMissingFile) {
  const std::filesystem::path path = data_dir / "missing_cases.json";
  expect_error<io_error>([&] { (void)load_cases_json(path, context()); }, error_code::cannot_open,
                         {.file = path.string()});
}

std::string with_cases(const std::string& cases) {
  return R"({"format": "keten.cases", "version": 1, "cases": [)" + cases + "]}";
}

void expect_parse(const std::string& text, error_code code, const source_position& where,
                  std::source_location loc = std::source_location::current()) {
  expect_error<parse_error>([&] { (void)parse_cases_json(text, context(), "c.json"); }, code, where,
                            loc);
}
void expect_invalid(const std::string& text, error_code code, const source_position& where,
                    std::source_location loc = std::source_location::current()) {
  expect_error<validation_error>([&] { (void)parse_cases_json(text, context(), "c.json"); }, code,
                                 where, loc);
}

const std::string good = R"({"id": "c1", "needs": [{"category": "money.debts"}],
                             "location": {"municipality": "GM0344"}})";

TEST(JsonCases, GoodHelperCase) {
  const auto cases = parse_cases_json(with_cases(good), context());
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].needs[0], (need{"money.debts", 3, 1.0}));
}

TEST(JsonCases, Malformed) {
  expect_parse("{\"format\": \"keten.cases\",\n \"version\": 1\n \"cases\": []}",
               error_code::json_syntax, {.file = "c.json", .line = 3, .column = 8});
  expect_parse("", error_code::json_syntax, {.file = "c.json", .line = 1, .column = 1});
}

TEST(JsonCases, WrongFormatOrVersion) {
  expect_parse(R"({"format": "keten.landscape", "version": 1, "cases": []})",
               error_code::unsupported_format,
               {.file = "c.json", .pointer = "/format", .field = "format"});
  expect_parse(R"({"format": "keten.cases", "version": 3, "cases": []})",
               error_code::unsupported_format,
               {.file = "c.json", .pointer = "/version", .field = "version"});
}

TEST(JsonCases, MissingAndUnknownFields) {
  expect_parse(R"({"format": "keten.cases", "version": 1})", error_code::missing_field,
               {.file = "c.json", .pointer = "/", .field = "cases"});
  expect_parse(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}]})"),
               error_code::missing_field,
               {.file = "c.json", .pointer = "/cases/0", .field = "location", .object_id = "c1"});
  expect_parse(with_cases(R"({"id": "c1", "needs": [{"urgency": 2}], "location": {}})"),
               error_code::missing_field,
               {.file = "c.json",
                .pointer = "/cases/0/needs/0",
                .field = "needs[0].category",
                .object_id = "c1"});
  // A case never carries a name: an unknown field.
  expect_parse(with_cases(R"({"id": "c1", "name": "Jan Jansen", "needs": [], "location": {}})"),
               error_code::unknown_field,
               {.file = "c.json", .pointer = "/cases/0/name", .field = "name", .object_id = "c1"});
  expect_parse(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                              "location": {"municipality": "GM0344", "street": "Oudegracht"}})"),
               error_code::unknown_field,
               {.file = "c.json",
                .pointer = "/cases/0/location/street",
                .field = "location.street",
                .object_id = "c1"});
}

TEST(JsonCases, WrongTypes) {
  expect_parse(R"({"format": "keten.cases", "version": 1, "cases": {}})", error_code::wrong_type,
               {.file = "c.json", .pointer = "/cases", .field = "cases"});
  expect_parse(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts", "urgency": "high"}],
                              "location": {"municipality": "GM0344"}})"),
               error_code::wrong_type,
               {.file = "c.json",
                .pointer = "/cases/0/needs/0/urgency",
                .field = "needs[0].urgency",
                .object_id = "c1"});
  expect_parse(
      with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                              "location": {"municipality": "GM0344"}, "consent": "yes"})"),
      error_code::wrong_type,
      {.file = "c.json", .pointer = "/cases/0/consent", .field = "consent", .object_id = "c1"});
  expect_parse(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                              "location": {"postcode": 3511}})"),
               error_code::wrong_type,
               {.file = "c.json",
                .pointer = "/cases/0/location/postcode",
                .field = "location.postcode",
                .object_id = "c1"});
}

TEST(JsonCases, BadValuesFoundByTheReader) {
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"postcode": "35111"}})"),
                 error_code::invalid_value,
                 {.file = "c.json",
                  .pointer = "/cases/0/location/postcode",
                  .field = "location.postcode",
                  .object_id = "c1"});
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"point": {"lat": 100, "lon": 5}}})"),
                 error_code::invalid_value,
                 {.file = "c.json",
                  .pointer = "/cases/0/location/point",
                  .field = "location.point",
                  .object_id = "c1"});
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"municipality": "GM0344"},
                                "profile": {"referrer": "doctor"}})"),
                 error_code::invalid_value,
                 {.file = "c.json",
                  .pointer = "/cases/0/profile/referrer",
                  .field = "profile.referrer",
                  .object_id = "c1"});
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"municipality": "GM0344"},
                                "profile": {"household": "big"}})"),
                 error_code::invalid_value,
                 {.file = "c.json",
                  .pointer = "/cases/0/profile/household",
                  .field = "profile.household",
                  .object_id = "c1"});
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"municipality": "GM0344"},
                                "profile": {"age": {"min": 50, "max": 40}}})"),
                 error_code::inverted_range,
                 {.file = "c.json",
                  .pointer = "/cases/0/profile/age",
                  .field = "profile.age",
                  .object_id = "c1"});
}

TEST(JsonCases, EmptyMunicipality) {
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"}],
                                "location": {"municipality": "", "postcode": "3511"}})"),
                 error_code::empty_value,
                 {.file = "c.json",
                  .pointer = "/cases/0/location/municipality",
                  .field = "location.municipality",
                  .object_id = "c1"});
}

TEST(JsonCases, DuplicateCaseId) {
  expect_invalid(with_cases(good + "," + good), error_code::duplicate_id,
                 {.file = "c.json", .pointer = "/cases/1/id", .field = "id", .object_id = "c1"});
}

// Regression test (a bug found while writing this suite, since fixed): see JsonLandscape -
// pointer_of_field() in src/io/json.cpp drops the
// '/' before the first segment of the field: "/cases/1needs/0/urgency".
TEST(JsonCases, ValidationErrors) {
  // Errors of validate() in the second case: the pointer is the case's plus the field.
  const auto check = [](const std::string& text, error_code code, const std::string& field,
                        const std::string& pointer,
                        std::source_location loc = std::source_location::current()) {
    expect_invalid(text, code,
                   {.file = "c.json", .pointer = pointer, .field = field, .object_id = "c2"}, loc);
  };
  const auto second = [](const std::string& c2) { return with_cases(good + "," + c2); };
  check(second(R"({"id": "c2", "needs": [], "location": {"postcode": "3511"}})"),
        error_code::empty_value, "needs", "/cases/1/needs");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts", "urgency": 6}],
                   "location": {"postcode": "3511"}})"),
        error_code::invalid_value, "needs[0].urgency", "/cases/1/needs/0/urgency");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts", "weight": 0}],
                   "location": {"postcode": "3511"}})"),
        error_code::invalid_value, "needs[0].weight", "/cases/1/needs/0/weight");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts"}, {"category": "money.debts"}],
                   "location": {"postcode": "3511"}})"),
        error_code::duplicate_id, "needs[1].category", "/cases/1/needs/1/category");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts"}], "location": {}})"),
        error_code::empty_value, "location", "/cases/1/location");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts"}],
                   "location": {"municipality": "GM9999"}})"),
        error_code::unknown_municipality, "location.municipality",
        "/cases/1/location/municipality");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts"}],
                   "location": {"postcode": "3511"}, "profile": {"languages": ["Dutch"]}})"),
        error_code::invalid_value, "profile.languages", "/cases/1/profile/languages");
  check(second(R"({"id": "c2", "needs": [{"category": "money.debts"}],
                   "location": {"postcode": "3511"}, "excluded_partners": [""]})"),
        error_code::empty_value, "excluded_partners", "/cases/1/excluded_partners");
}

TEST(JsonCases, UnknownCategoryPointsAtTheValue) {
  expect_invalid(with_cases(R"({"id": "c1", "needs": [{"category": "money.debts"},
                                                      {"category": "money.nope"}],
                                "location": {"municipality": "GM0344"}})"),
                 error_code::unknown_category,
                 {.file = "c.json",
                  .pointer = "/cases/0/needs/1/category",
                  .field = "needs[1].category",
                  .object_id = "c1"});
}

}  // namespace

// --- parse_allocation_changes: one line of a changes stream
// ---------------------------------------

namespace {

TEST(AllocationChangesJson, ReadsCloseArriveAndFreeUnits) {
  const std::string line =
      R"({"close": ["c9", "c8"], "arrive": [)" + good +
      R"(], "free_units": {"present-gm0344-garden": 3, "shm-gm0344-debts": 0}})";
  const allocation_changes c = parse_allocation_changes(line, context(), "day.jsonl", 7);
  EXPECT_EQ(c.close, (std::vector<std::string>{"c9", "c8"}));
  ASSERT_EQ(c.arrive.size(), 1U);
  EXPECT_EQ(c.arrive[0].id, "c1");
  ASSERT_EQ(c.free_units.size(), 2U);
  const auto garden = *context().find_offering("present-gm0344-garden");
  const auto debts = *context().find_offering("shm-gm0344-debts");
  EXPECT_EQ(c.free_units[0], std::make_pair(garden, 3));
  EXPECT_EQ(c.free_units[1], std::make_pair(debts, 0));
  const allocation_changes none = parse_allocation_changes("{}", context());
  EXPECT_TRUE(none.close.empty() && none.arrive.empty() && none.free_units.empty());
}

TEST(AllocationChangesJson, ErrorsNameTheLineFieldAndId) {
  const auto parse = [](const std::string& line) {
    return [line] { (void)parse_allocation_changes(line, context(), "day.jsonl", 4); };
  };
  expect_error<parse_error>(parse(R"({"close": ["c1"],})"), error_code::json_syntax,
                            {.file = "day.jsonl", .line = 4, .column = 18});
  expect_error<parse_error>(parse(R"({"open": []})"), error_code::unknown_field,
                            {.file = "day.jsonl", .line = 4, .pointer = "/open", .field = "open"});
  expect_error<parse_error>(
      parse(R"({"close": "c1"})"), error_code::wrong_type,
      {.file = "day.jsonl", .line = 4, .pointer = "/close", .field = "close"});
  expect_error<validation_error>(parse(R"({"free_units": {"no-such": 1}})"),
                                 error_code::unknown_reference,
                                 {.file = "day.jsonl",
                                  .line = 4,
                                  .pointer = "/free_units/no-such",
                                  .field = "free_units.no-such"});
  expect_error<validation_error>(parse(R"({"free_units": {"shm-gm0344-debts": -1}})"),
                                 error_code::negative_value,
                                 {.file = "day.jsonl",
                                  .line = 4,
                                  .pointer = "/free_units/shm-gm0344-debts",
                                  .field = "free_units.shm-gm0344-debts"});
  expect_error<validation_error>(
      parse(R"({"arrive": [{"id": "c5", "needs": [{"category": "no.such"}],
                            "location": {"municipality": "GM0344"}}]})"),
      error_code::unknown_category,
      {.file = "day.jsonl",
       .line = 4,
       .pointer = "/arrive/0/needs/0/category",
       .field = "needs[0].category",
       .object_id = "c5"});
}

}  // namespace
