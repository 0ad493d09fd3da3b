// Open Referral HSDS 3.0 import and export (keten/hsds.hpp, docs/hsds.md): exact round trips in
// both forms, the official examples, tolerant import of foreign data with warnings, and a typed
// error with file, row and field for every kind of broken input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "keten/hsds.hpp"
#include "keten/io.hpp"
#include "keten/synthetic.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using json = nlohmann::json;
using keten_test::catch_error;
using keten_test::expect_error;

const std::filesystem::path example_json = KETEN_DATA_DIR "/example/landscape.json";
const std::filesystem::path national_json = KETEN_DATA_DIR "/national_landscape.json";
const std::filesystem::path official = KETEN_TEST_DATA_DIR "/hsds/examples";

const landscape& example() {
  static const landscape l = load_landscape_json(example_json);
  return l;
}

std::string slurp(const std::filesystem::path& p) {
  return read_file(p);
}

void write(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// A small landscape that uses every keten fact: a custom category, all area kinds, eligibility,
/// capacity, relations, a partner without a branch name and an offering without a name.
landscape small() {
  landscape_builder b(keten_test::small_geography({"GM0193", "GM1896", "GM0363"}));
  b.set_name("small, \"quoted\"\nand two lines");
  b.add_category({"youth.digital", help_form::youth, "Digitale hulp", ""});
  b.add_partner({"shm", "SchuldHulpMaatje", "SchuldHulpMaatje Zwolle", "GM0193"});
  b.add_partner({"hip", "HipHelpt", "", "GM1896"});
  offering o = keten_test::make_offering("shm-1", "shm", {"money.debts", "youth.digital"},
                                         {"GM0193", "GM1896"});
  o.area.postcodes = {8011, 8061};
  o.rules.ages = {18, 67};
  o.rules.households = {household_type::single, household_type::single_parent};
  o.rules.languages = {"nl", "pap"};
  o.rules.requires_professional_referrer = true;
  b.add_offering(o);
  offering r = keten_test::make_offering("hip-1", "hip", {"neighbour.chores"}, {});
  r.name = "";
  r.area.radius = radius_area{{52.50307251, 6.0909244}, 2.5};
  r.units = {.units_per_period = 7, .period_days = 30, .free_units = 0};
  b.add_offering(r);
  b.add_complementarity({"money.debts", "neighbour.chores", 0.1 + 0.2});
  b.add_precedence({"money.debts", "youth.digital"});
  b.add_cooperation_form({"street_team", "Straatteam", "street team"});
  b.add_initiator_role({"library", "Bibliotheek", ""});
  b.add_chain({.id = "chain-zwolle",
               .name = "Keten, \"Zwolle\"",
               .municipalities = {"GM1896", "GM0193"},
               .partners = {"hip", "shm"},
               .initiators = {{.partner = {}, .role = "library"},
                              {.partner = "shm", .role = {}},
                              {.partner = {}, .role = "diaconie"}},
               .started = *parse_date("2021-02-28"),
               .form = "street_team"});
  return b.build();
}

hsds_import_options places_of(const landscape& l) {
  hsds_import_options options;
  options.places = std::make_shared<const geography>(l.places());
  return options;
}

class HsdsFiles : public keten_test::TempDir {};

// --- round trips --------------------------------------------------------------------------------

// The round trips include the local chains (keten.chains terms and their attributes).
void expect_json_round_trip(const landscape& l) {
  const auto result = import_hsds_json(export_hsds_json(l), "<export>", places_of(l));
  EXPECT_TRUE(result.imported == l);
  EXPECT_EQ(to_json(result.imported), to_json(l));
  EXPECT_EQ(result.report.warnings.size(), 0U)
      << (result.report.warnings.empty() ? "" : result.report.warnings.front().to_string());
}

void expect_package_round_trip(const landscape& l, const std::filesystem::path& dir) {
  export_hsds_package(l, dir);
  const auto result = import_hsds(dir, places_of(l));
  EXPECT_TRUE(result.imported == l);
  EXPECT_EQ(to_json(result.imported), to_json(l));
  EXPECT_EQ(result.report.warnings.size(), 0U)
      << (result.report.warnings.empty() ? "" : result.report.warnings.front().to_string());
}

TEST_F(HsdsFiles, SmallLandscapeRoundTripsInBothForms) {
  expect_json_round_trip(small());
  expect_package_round_trip(small(), dir / "package");
}

TEST_F(HsdsFiles, ExampleRoundTripsInBothForms) {
  expect_json_round_trip(example());
  expect_package_round_trip(example(), dir / "package");
}

TEST_F(HsdsFiles, NationalLandscapeRoundTripsInBothForms) {
  const landscape national = load_landscape_json(national_json);
  expect_json_round_trip(national);
  expect_package_round_trip(national, dir / "package");
}

TEST_F(HsdsFiles, RandomLandscapesRoundTrip) {
  for (unsigned seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const auto places = keten_test::random_geography(rng, 20);
    const landscape l =
        keten_test::build(keten_test::random_landscape_parts(rng, places, /*with_chains=*/true));
    expect_json_round_trip(l);
    expect_package_round_trip(l, dir / std::to_string(seed));
  }
}

TEST_F(HsdsFiles, GeneratedLandscapeOfAnotherSeedRoundTrips) {
  expect_json_round_trip(generate_national_landscape(geography::netherlands(), 7));
}

TEST_F(HsdsFiles, ImportSniffsFileDirectoryAndDescriptor) {
  export_hsds_package(small(), dir);
  save_hsds_json(small(), dir / "doc.json");
  EXPECT_TRUE(import_hsds(dir / "doc.json", places_of(small())).imported == small());
  EXPECT_TRUE(import_hsds(dir, places_of(small())).imported == small());
  EXPECT_TRUE(import_hsds(dir / "datapackage.json", places_of(small())).imported == small());
}

// --- the export itself --------------------------------------------------------------------------

TEST(HsdsExport, IdsAreReproducibleUuidsAndKetenIdsAreKept) {
  hsds_export_options options;
  options.updated = "2024-01-01T00:00:00Z";
  const std::string text = export_hsds_json(example(), options);
  EXPECT_EQ(text, export_hsds_json(example(), options));
  const json doc = json::parse(text);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (const auto& [table, rows] : doc.items())
    for (const json& row : rows)
      EXPECT_TRUE(std::regex_match(row["id"].get<std::string>(), uuid)) << table;
  ASSERT_EQ(doc["organization_identifiers.csv"].size(), example().partners().size());
  EXPECT_EQ(doc["organization_identifiers.csv"][0]["identifier"], example().partners()[0].id);
  EXPECT_EQ(doc["services.csv"].size(), example().offerings().size());
  EXPECT_EQ(doc["service_capacity.csv"][0]["updated"], "2024-01-01T00:00:00Z");
  for (std::string_view table : {"addresses.csv", "schedules.csv", "taxonomies.csv"})
    EXPECT_TRUE(doc.contains(table)) << table;
}

TEST_F(HsdsFiles, PackageHasEveryTableAndADescriptor) {
  export_hsds_package(example(), dir);
  const json descriptor = json::parse(slurp(dir / "datapackage.json"));
  EXPECT_EQ(descriptor["profile"], "tabular-data-package");
  for (const json& resource : descriptor["resources"])
    EXPECT_TRUE(std::filesystem::exists(dir / resource["path"].get<std::string>()));
  EXPECT_TRUE(slurp(dir / "services.csv").starts_with("id,organization_id,program_id,name,"));
}

TEST_F(HsdsFiles, ExportToAnUnwritablePlaceIsAnIoError) {
  write(dir / "file", "x");
  const auto e = catch_error<io_error>([&] { export_hsds_package(small(), dir / "file" / "sub"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::cannot_write);
}

// --- the official examples ----------------------------------------------------------------------

bool has_warning(const hsds_import_report& report, std::string_view text) {
  return std::any_of(report.warnings.begin(), report.warnings.end(), [&](const hsds_warning& w) {
    return w.message.find(text) != std::string::npos;
  });
}

TEST(HsdsOfficial, EveryJsonExampleImportsWithWarnings) {
  for (const auto& entry : std::filesystem::directory_iterator(official)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const auto result = import_hsds(entry.path());
    EXPECT_EQ(result.imported.partners().size(), 0U);
    EXPECT_EQ(result.imported.offerings().size(), 0U);
    // A service or organization that keten cannot use is always reported.
    if (result.report.services_read + result.report.organizations_read > 0) {
      EXPECT_FALSE(result.report.warnings.empty());
    }
  }
}

TEST(HsdsOfficial, ServiceWithoutKetenCategoryIsSkippedWithItsPosition) {
  const auto result = import_hsds(official / "service_full.json");
  EXPECT_EQ(result.report.services_read, 1U);
  EXPECT_EQ(result.report.services_skipped, 1U);
  EXPECT_EQ(result.report.organizations_read, 1U);
  const auto it = std::find_if(
      result.report.warnings.begin(), result.report.warnings.end(),
      [](const hsds_warning& w) { return w.message.find("service skipped") != std::string::npos; });
  ASSERT_NE(it, result.report.warnings.end());
  EXPECT_EQ(it->where.file, (official / "service_full.json").string());
  EXPECT_EQ(it->where.pointer, "/attributes");
  EXPECT_EQ(it->where.object_id, "ac148810-d857-441c-9679-408f346de14b");
}

TEST(HsdsOfficial, CsvPackageImportsWithWarningsForWhatKetenDoesNotUse) {
  const auto result = import_hsds(official / "csv");
  EXPECT_EQ(result.report.services_read, 1U);
  EXPECT_EQ(result.report.services_skipped, 1U);
  const auto& w = result.report.warnings;
  // The upstream datapackage.json is an unresolved link, not JSON; the example's locations.csv
  // names an organization that is not in organizations.csv (keten does not need it: a warning, not
  // an error).
  EXPECT_TRUE(has_warning(result.report, "datapackage.json is not JSON"));
  EXPECT_TRUE(has_warning(result.report, "organization_id '985e4a42"));
  EXPECT_TRUE(has_warning(result.report, "link_entity 'link_entity'"));
  const auto skipped = std::find_if(w.begin(), w.end(), [](const hsds_warning& x) {
    return x.message.find("service skipped") != std::string::npos;
  });
  ASSERT_NE(skipped, w.end());
  EXPECT_EQ(skipped->where.file, (official / "csv" / "services.csv").string());
  EXPECT_EQ(skipped->where.line, 2U);
}

TEST(HsdsOfficial, StrictImportRefusesAServiceWithoutKetenCategory) {
  hsds_import_options strict;
  strict.strict = true;
  expect_error<validation_error>([&] { (void)import_hsds(official / "csv", strict); },
                                 error_code::hsds_missing_value,
                                 {.file = (official / "csv" / "services.csv").string(),
                                  .line = 2,
                                  .field = "attributes",
                                  .object_id = "ac148810-d857-441c-9679-408f346de14b"});
}

/// The official tabular example with the one service tagged as keten help (money.debts).
json tagged_tabular() {
  json doc = json::parse(slurp(official / "tabular.json"));
  doc["taxonomy_terms.csv"].push_back({{"id", "t-debts"},
                                       {"code", "money.debts"},
                                       {"name", "Schulden"},
                                       {"description", "debts"},
                                       {"taxonomy", "keten.categories"}});
  doc["attributes.csv"].push_back({{"id", "a-debts"},
                                   {"link_id", "ac148810-d857-441c-9679-408f346de14b"},
                                   {"link_entity", "service"},
                                   {"taxonomy_term_id", "t-debts"}});
  return doc;
}

TEST(HsdsOfficial, TaggedServiceWithoutAnAreaFailsClearly) {
  expect_error<validation_error>([] { (void)import_hsds_json(tagged_tabular().dump(), "t.json"); },
                                 error_code::hsds_missing_value,
                                 {.file = "t.json",
                                  .pointer = "/services.csv/0/service_areas",
                                  .field = "service_areas",
                                  .object_id = "ac148810-d857-441c-9679-408f346de14b"});
}

TEST(HsdsOfficial, TaggedServiceInAMunicipalityImportsWithDefaults) {
  json doc = tagged_tabular();
  doc["service_areas.csv"][0]["name"] = "Zwolle";  // a Dutch municipality by name
  const auto result = import_hsds_json(doc.dump(), "t.json");
  ASSERT_EQ(result.imported.offerings().size(), 1U);
  const offering& o = result.imported.offerings()[0];
  EXPECT_EQ(o.id, "ac148810-d857-441c-9679-408f346de14b");
  EXPECT_EQ(o.name, "Community Counselling");
  EXPECT_EQ(o.categories, std::vector<std::string>{"money.debts"});
  EXPECT_EQ(o.area.municipalities, std::vector<std::string>{"GM0193"});
  EXPECT_EQ(o.rules.ages, (age_band{12, 100}));
  EXPECT_EQ(o.rules.languages, std::vector<std::string>{"ur"});
  EXPECT_EQ(o.units, capacity{});
  const partner& p = result.imported.partners()[0];
  EXPECT_EQ(p.id, "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
  EXPECT_EQ(p.member, "Example Organization Inc.");
  EXPECT_EQ(p.municipality, "GM0193");
  for (std::string_view expected :
       {"municipality GM0193 inferred from the name", "no keten member", "no service_capacity",
        "is not \"<n> days\"", "home municipality GM0193 inferred", "no typical duration"})
    EXPECT_TRUE(has_warning(result.report, expected)) << expected;
}

// --- broken input: every kind gives its typed error with file, row and field -------------------

/// The small landscape's JSON export, to break one value at a time.
json small_doc() {
  return json::parse(export_hsds_json(small()));
}

/// Index of the first row of `table` whose `field` is `value`.
std::size_t row_where(const json& doc, const std::string& table, const std::string& field,
                      const std::string& value) {
  for (std::size_t i = 0; i < doc[table].size(); ++i)
    if (doc[table][i].value(field, "") == value) return i;
  ADD_FAILURE() << "no row of " << table << " with " << field << " = " << value;
  return 0;
}

template <class E>
void expect_json_error(const json& doc, error_code code, const std::string& pointer,
                       const std::string& field, const std::string& id,
                       std::source_location loc = std::source_location::current()) {
  expect_error<E>([&] { (void)import_hsds_json(doc.dump(), "d.json", places_of(small())); }, code,
                  {.file = "d.json", .pointer = pointer, .field = field, .object_id = id}, loc);
}

TEST(HsdsErrors, BrokenReferencesNameFileRowAndField) {
  {
    json doc = small_doc();
    doc["service_at_location.csv"][0]["location_id"] = "nowhere";
    const std::string id = doc["service_at_location.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/service_at_location.csv/0/location_id", "location_id",
                                        id);
  }
  {
    json doc = small_doc();
    doc["services.csv"][1]["organization_id"] = "nobody";
    const std::string id = doc["services.csv"][1]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/services.csv/1/organization_id", "organization_id", id);
  }
  {
    json doc = small_doc();
    doc["attributes.csv"][3]["taxonomy_term_id"] = "no-term";
    const std::string id = doc["attributes.csv"][3]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/attributes.csv/3/taxonomy_term_id", "taxonomy_term_id",
                                        id);
  }
  {
    json doc = small_doc();
    doc["attributes.csv"][3]["link_id"] = "no-such-record";
    const std::string id = doc["attributes.csv"][3]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/attributes.csv/3/link_id", "link_id", id);
  }
  {
    json doc = small_doc();
    doc["service_capacity.csv"][0]["unit_id"] = "no-unit";
    const std::string id = doc["service_capacity.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/service_capacity.csv/0/unit_id", "unit_id", id);
  }
  {
    json doc = small_doc();
    doc["service_areas.csv"][2]["service_id"] = "no-service";
    const std::string id = doc["service_areas.csv"][2]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_broken_reference,
                                        "/service_areas.csv/2/service_id", "service_id", id);
  }
}

TEST_F(HsdsFiles, BrokenReferenceInCsvNamesFileLineAndField) {
  export_hsds_package(small(), dir);
  const json doc = small_doc();
  const std::string location = doc["locations.csv"][0]["id"];
  const std::string link = doc["service_at_location.csv"][0]["id"];
  std::string csv = slurp(dir / "service_at_location.csv");
  csv.replace(csv.find(location), location.size(), "nowhere");
  write(dir / "service_at_location.csv", csv);
  const auto e = expect_error<validation_error>([&] { (void)import_hsds(dir, places_of(small())); },
                                                error_code::hsds_broken_reference,
                                                {.file = (dir / "service_at_location.csv").string(),
                                                 .line = 2,
                                                 .field = "location_id",
                                                 .object_id = link});
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("service_at_location.csv:2 (field 'location_id'"),
            std::string::npos);
}

TEST_F(HsdsFiles, BadCsvValuesAreTyped) {
  export_hsds_package(small(), dir);
  const json doc = small_doc();
  const std::string shm = doc["services.csv"][0]["id"];
  std::string csv = slurp(dir / "services.csv");
  const std::string original = csv;
  csv.replace(csv.find(",18,67,"), 7, ",x,67,");
  write(dir / "services.csv", csv);
  expect_error<parse_error>([&] { (void)import_hsds(dir, places_of(small())); },
                            error_code::hsds_wrong_type,
                            {.file = (dir / "services.csv").string(),
                             .line = 2,
                             .field = "minimum_age",
                             .object_id = shm});
  csv = original;
  csv.replace(csv.find(",18,67,"), 7, ",18.5,67,");
  write(dir / "services.csv", csv);
  expect_error<validation_error>([&] { (void)import_hsds(dir, places_of(small())); },
                                 error_code::hsds_invalid_value,
                                 {.file = (dir / "services.csv").string(),
                                  .line = 2,
                                  .field = "minimum_age",
                                  .object_id = shm});
  write(dir / "services.csv", original + "\"unterminated\r\n");
  const auto e = catch_error<parse_error>([&] { (void)import_hsds(dir, places_of(small())); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::csv_syntax);
  EXPECT_EQ(e->where().file, (dir / "services.csv").string());
}

TEST(HsdsErrors, DuplicateIdsAndMissingIds) {
  json doc = small_doc();
  doc["services.csv"].push_back(doc["services.csv"][0]);
  const std::string id = doc["services.csv"][0]["id"];
  expect_json_error<validation_error>(doc, error_code::hsds_duplicate_id, "/services.csv/2/id",
                                      "id", id);
  doc = small_doc();
  doc["organizations.csv"][1].erase("id");
  expect_json_error<validation_error>(doc, error_code::hsds_missing_value,
                                      "/organizations.csv/1/id", "id", "");
}

TEST(HsdsErrors, BadValuesAreTyped) {
  {
    json doc = small_doc();
    doc["services.csv"][0]["minimum_age"] = "18";  // a string in JSON is not a number
    const std::string id = doc["services.csv"][0]["id"];
    expect_json_error<parse_error>(doc, error_code::hsds_wrong_type, "/services.csv/0/minimum_age",
                                   "minimum_age", id);
  }
  {
    json doc = small_doc();
    doc["services.csv"][0]["minimum_age"] = -1;
    const std::string id = doc["services.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_invalid_value,
                                        "/services.csv/0/minimum_age", "minimum_age", id);
  }
  {
    json doc = small_doc();
    const std::size_t a = row_where(doc, "attributes.csv", "value", "single_parent");
    doc["attributes.csv"][a]["value"] = "alien";
    const std::string id = doc["attributes.csv"][a]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_invalid_value,
                                        "/attributes.csv/" + std::to_string(a) + "/value", "value",
                                        id);
  }
  {
    json doc = small_doc();
    doc["locations.csv"][0]["latitude"] = 100;
    const std::string id = doc["locations.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_invalid_value,
                                        "/locations.csv/0/latitude", "latitude", id);
  }
  {
    json doc = small_doc();
    const std::size_t a = row_where(doc, "attributes.csv", "value", "2.5");
    doc["attributes.csv"][a]["value"] = "far";
    const std::string id = doc["attributes.csv"][a]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_invalid_value,
                                        "/attributes.csv/" + std::to_string(a) + "/value", "value",
                                        id);
  }
  {
    json doc = small_doc();
    doc["service_capacity.csv"][0]["available"] = 2.5;
    const std::string id = doc["service_capacity.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_invalid_value,
                                        "/service_capacity.csv/0/available", "available", id);
  }
}

TEST(HsdsErrors, MissingValuesKetenNeeds) {
  {
    json doc = small_doc();
    doc["services.csv"][0].erase("organization_id");
    const std::string id = doc["services.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_missing_value,
                                        "/services.csv/0/organization_id", "organization_id", id);
  }
  {
    json doc = small_doc();
    doc["locations.csv"][0].erase("longitude");
    const std::string id = doc["locations.csv"][0]["id"];
    expect_json_error<validation_error>(doc, error_code::hsds_missing_value,
                                        "/locations.csv/0/longitude", "longitude", id);
  }
}

TEST(HsdsErrors, ModelRulesKeepTheRowPosition) {
  {
    json doc = small_doc();
    doc["service_capacity.csv"][0]["available"] = 99;  // more free than the maximum of 10
    const std::string row = doc["services.csv"][0]["id"];
    const auto e = catch_error<validation_error>(
        [&] { (void)import_hsds_json(doc.dump(), "d.json", places_of(small())); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::invalid_value);
    EXPECT_EQ(e->where().file, "d.json");
    EXPECT_EQ(e->where().pointer, "/services.csv/0");
    EXPECT_EQ(e->where().object_id, "shm-1");
    EXPECT_EQ(e->where().field, "capacity.free_units");
  }
  {
    json doc = small_doc();
    const std::size_t t = row_where(doc, "taxonomy_terms.csv", "code", "GM1896");
    doc["taxonomy_terms.csv"][t]["code"] = "GM9999";
    const auto e = catch_error<validation_error>(
        [&] { (void)import_hsds_json(doc.dump(), "d.json", places_of(small())); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::unknown_municipality);
    EXPECT_TRUE(e->where().pointer.starts_with("/attributes.csv/")) << e->what();
  }
  {
    json doc = small_doc();  // a precedence back from youth.digital to money.debts: a cycle
    const std::size_t a = row_where(doc, "attributes.csv", "value", "youth.digital");
    const std::size_t debts = row_where(doc, "taxonomy_terms.csv", "code", "money.debts");
    const std::size_t digital = row_where(doc, "taxonomy_terms.csv", "code", "youth.digital");
    json back = doc["attributes.csv"][a];
    back["id"] = "back";
    back["link_id"] = doc["taxonomy_terms.csv"][digital]["id"];
    back["value"] = doc["taxonomy_terms.csv"][debts]["code"];
    doc["attributes.csv"].push_back(back);
    const auto e = catch_error<validation_error>(
        [&] { (void)import_hsds_json(doc.dump(), "d.json", places_of(small())); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::precedence_cycle);
    EXPECT_EQ(e->where().file, "d.json");
  }
}

TEST(HsdsErrors, DocumentsThatAreNotHsds) {
  expect_error<parse_error>([] { (void)import_hsds_json("{\"foo\": 1}", "x.json"); },
                            error_code::hsds_unrecognised, {.file = "x.json", .pointer = "/"});
  expect_error<parse_error>([] { (void)import_hsds_json("42", "x.json"); },
                            error_code::hsds_unrecognised, {.file = "x.json", .pointer = "/"});
  expect_error<parse_error>(
      [] { (void)import_hsds_json("{\"services.csv\": {}}", "x.json"); },
      error_code::hsds_unrecognised,
      {.file = "x.json", .pointer = "/services.csv", .field = "services.csv"});
  expect_error<parse_error>([] { (void)import_hsds_json("{\"services.csv\": [1]}", "x.json"); },
                            error_code::hsds_wrong_type,
                            {.file = "x.json", .pointer = "/services.csv/0"});
  expect_error<parse_error>([] { (void)import_hsds_json("{\n  \"a\": ,\n}", "x.json"); },
                            error_code::json_syntax, {.file = "x.json", .line = 2, .column = 8});
  std::string deep(200, '[');
  const auto e = catch_error<parse_error>([&] { (void)import_hsds_json(deep, "x.json"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::json_syntax);
}

TEST_F(HsdsFiles, PackagesThatAreNotHsds) {
  expect_error<parse_error>([&] { (void)import_hsds(dir); }, error_code::hsds_unrecognised,
                            {.file = dir.string()});
  export_hsds_package(small(), dir);
  write(dir / "datapackage.json",
        R"({"resources": [{"name": "service", "path": "../../etc/services.csv"}]})");
  expect_error<validation_error>([&] { (void)import_hsds(dir, places_of(small())); },
                                 error_code::hsds_invalid_value,
                                 {.file = (dir / "datapackage.json").string(),
                                  .pointer = "/resources/0/path",
                                  .field = "path"});
  write(dir / "datapackage.json", "{");  // not JSON: the standard file names, with a warning
  const auto broken = import_hsds(dir, places_of(small()));
  EXPECT_TRUE(broken.imported == small());
  EXPECT_TRUE(has_warning(broken.report, "datapackage.json is not JSON"));
  std::filesystem::remove(dir / "datapackage.json");
  const auto ok = import_hsds(dir, places_of(small()));
  EXPECT_TRUE(ok.imported == small());
  EXPECT_TRUE(has_warning(ok.report, "no datapackage.json"));
  const auto missing = catch_error<io_error>([&] { (void)import_hsds(dir / "nothing.json"); });
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->code(), error_code::cannot_open);
}

TEST(HsdsErrors, DamagedDocumentsNeverCrash) {
  // Every single-row deletion and a wrong value in every field of a valid export: each import
  // either succeeds or throws a keten::error, never anything else.
  const json doc = small_doc();
  const hsds_import_options options = places_of(small());
  std::size_t errors = 0;
  for (const auto& [table, rows] : doc.items()) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      json broken = doc;
      broken[table].erase(i);
      try {
        (void)import_hsds_json(broken.dump(), "d.json", options);
      } catch (const error&) {
        ++errors;
      }
      // Each field of each row gets one of four wrong values, in turn (the fuzz harness
      // hsds_json mutates far more; this keeps the suite fast under the sanitizers).
      std::size_t turn = i;
      for (const auto& [key, value] : rows[i].items()) {
        const json replacements[] = {json(nullptr), json(-1), json("x"), json::array()};
        json changed = doc;
        changed[table][i][key] = replacements[turn++ % 4];
        try {
          (void)import_hsds_json(changed.dump(), "d.json", options);
        } catch (const error&) {
          ++errors;
        }
      }
    }
  }
  EXPECT_GT(errors, 0U);
}

}  // namespace
