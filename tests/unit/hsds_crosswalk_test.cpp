// HSDS taxonomy crosswalks, the 3.1 capacity's staleness and local chains in HSDS (keten/hsds.hpp,
// docs/hsds.md): the official examples import with the shipped crosswalk, foreign terms map
// many-to-many by code or name, unmapped terms are reported (errors when strict), and bad crosswalk
// rows name the file, line or pointer, and field.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "keten/analysis.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using json = nlohmann::json;
using keten_test::expect_error;

const std::filesystem::path official = KETEN_TEST_DATA_DIR "/hsds/examples";
const std::filesystem::path shipped = KETEN_DATA_DIR "/hsds/crosswalk-examples.csv";
const std::string service_id = "ac148810-d857-441c-9679-408f346de14b";

hsds_import_options with_shipped_crosswalk() {
  hsds_import_options options;
  options.crosswalk = load_hsds_crosswalk(shipped);
  return options;
}

bool has_warning(const hsds_import_report& report, std::string_view text) {
  return std::any_of(report.warnings.begin(), report.warnings.end(), [&](const hsds_warning& w) {
    return w.message.find(text) != std::string::npos;
  });
}

// --- the official examples with the shipped crosswalk ------------------------------------------

TEST(HsdsCrosswalk, ShippedCrosswalkReads) {
  const hsds_crosswalk c = load_hsds_crosswalk(shipped);
  ASSERT_EQ(c.rows.size(), 4U);
  EXPECT_EQ(c.rows[0].what, hsds_crosswalk_row::kind::term);
  EXPECT_EQ(c.rows[0].where.file, shipped.string());
  EXPECT_EQ(c.rows[0].where.line, 2U);
  EXPECT_EQ(c.rows[3].what, hsds_crosswalk_row::kind::place);
  EXPECT_EQ(c.rows[3].keten, "GM0193");
}

TEST(HsdsCrosswalk, OfficialExamplesImportWithPartnersAndOfferings) {
  for (const std::filesystem::path& p :
       {official / "csv", official / "tabular.json", official / "service_full.json",
        official / "organization_full.json", official / "service_at_location_full.json"}) {
    SCOPED_TRACE(p.string());
    const auto without = import_hsds(p);
    EXPECT_EQ(without.imported.offerings().size(), 0U);
    const auto result = import_hsds(p, with_shipped_crosswalk());
    ASSERT_EQ(result.imported.partners().size(), 1U);
    ASSERT_EQ(result.imported.offerings().size(), 1U);
    const offering& o = result.imported.offerings()[0];
    EXPECT_EQ(o.id, service_id);
    EXPECT_EQ(o.categories, std::vector<std::string>{"neighbour.company"});
    EXPECT_EQ(o.area.municipalities, std::vector<std::string>{"GM0193"});
    EXPECT_EQ(result.imported.partners()[0].municipality, "GM0193");
    EXPECT_EQ(result.report.services_mapped_by_crosswalk, 1U);
    EXPECT_EQ(result.report.services_skipped, 0U);
    EXPECT_TRUE(result.report.unmapped_terms.empty());
    // The area comes from the city of the location where the service is given, with a warning.
    EXPECT_TRUE(has_warning(result.report, "inferred from the city 'MyCity'"));
  }
}

TEST(HsdsCrosswalk, NestedAttributesLinkTheirRecordAndTermRowsMapThem) {
  // Only the term rows (no service row): the nested examples link the term to the service.
  hsds_import_options options;
  options.crosswalk = parse_hsds_crosswalk(
      "kind,taxonomy,match,keten\nterm,name,code,money.admin\nterm,,NAME,money.debts\n"
      "place,,mycity,GM0363\n",
      "cw.csv");
  const auto result = import_hsds(official / "service_full.json", options);
  ASSERT_EQ(result.imported.offerings().size(), 1U);
  // Matched by code in taxonomy 'name', and by name in any taxonomy: many-to-many, in row order.
  EXPECT_EQ(result.imported.offerings()[0].categories,
            (std::vector<std::string>{"money.admin", "money.debts"}));
  EXPECT_EQ(result.imported.offerings()[0].area.municipalities, std::vector<std::string>{"GM0363"});
  EXPECT_TRUE(has_warning(result.report, "differs from the record the attribute is nested in"));
  // The tabular form links the term to nothing (a placeholder link): no category, skipped.
  const auto tabular = import_hsds(official / "tabular.json", options);
  EXPECT_EQ(tabular.imported.offerings().size(), 0U);
  EXPECT_EQ(tabular.report.services_skipped, 1U);
}

TEST(HsdsCrosswalk, RoundTripKeepsTheLandscapeAndItsSummary) {
  const landscape first = import_hsds(official / "csv", with_shipped_crosswalk()).imported;
  // The export carries keten's own categories: no crosswalk needed to read it back.
  const auto again = import_hsds_json(export_hsds_json(first), "<export>");
  EXPECT_TRUE(again.imported == first);
  EXPECT_EQ(to_json(again.imported), to_json(first));
  const landscape_summary a = summarize(first);
  const landscape_summary b = summarize(again.imported);
  EXPECT_EQ(a.partners, b.partners);
  EXPECT_EQ(a.offerings, b.offerings);
  EXPECT_EQ(a.municipalities_served, b.municipalities_served);
  EXPECT_EQ(a.offerings_per_form, b.offerings_per_form);
  EXPECT_EQ(to_text(a), to_text(b));
}

// --- unmapped terms -----------------------------------------------------------------------------

/// The official tabular example with two services' worth of foreign terms: a sociale kaart with
/// its own taxonomy. The service area is named Zwolle.
json foreign_doc() {
  json doc = json::parse(read_file(official / "tabular.json"));
  doc["service_areas.csv"][0]["name"] = "Zwolle";
  doc["taxonomies.csv"].push_back({{"id", "tx-local"}, {"name", "Sociale kaart"}});
  const auto term = [&](const char* id, const char* code, const char* name) {
    doc["taxonomy_terms.csv"].push_back(
        {{"id", id}, {"code", code}, {"name", name}, {"taxonomy_id", "tx-local"}});
  };
  term("t-debt", "SK-12", "Schulden");
  term("t-food", "SK-40", "Voedsel");
  term("t-park", "SK-41", "Parkeren");
  const auto link = [&](const char* id, const char* t) {
    doc["attributes.csv"].push_back(
        {{"id", id}, {"link_id", service_id}, {"link_entity", "service"}, {"taxonomy_term_id", t}});
  };
  link("a-1", "t-debt");
  link("a-2", "t-food");
  link("a-3", "t-park");
  link("a-4", "t-food");  // twice on one service: counts one service
  return doc;
}

TEST(HsdsCrosswalk, UnmappedTermsAreReportedWithTheirServicesAndPosition) {
  hsds_import_options options;
  options.crosswalk = parse_hsds_crosswalk(
      "kind,taxonomy,match,keten,note\n"
      "term,Sociale kaart,SK-12,money.debts,by code\n"
      "term,Sociale kaart,schulden,money.admin,by name\n"
      "term,Another taxonomy,SK-40,money.crisis,other taxonomy: does not match\n",
      "cw.csv");
  const auto result = import_hsds_json(foreign_doc().dump(), "f.json", options);
  ASSERT_EQ(result.imported.offerings().size(), 1U);
  EXPECT_EQ(result.imported.offerings()[0].categories,
            (std::vector<std::string>{"money.debts", "money.admin"}));
  ASSERT_EQ(result.report.unmapped_terms.size(), 2U);
  const hsds_unmapped_term& food = result.report.unmapped_terms[0];
  EXPECT_EQ(food.taxonomy, "Sociale kaart");
  EXPECT_EQ(food.code, "SK-40");
  EXPECT_EQ(food.name, "Voedsel");
  EXPECT_EQ(food.services, 1U);
  EXPECT_EQ(food.first.pointer, "/attributes.csv/2");
  EXPECT_EQ(result.report.unmapped_terms[1].code, "SK-41");
  EXPECT_EQ(result.report.services_with_unmapped_terms, 1U);
  EXPECT_EQ(result.report.services_mapped_by_crosswalk, 1U);

  // Without a crosswalk every foreign term is listed and the service is skipped, not dropped
  // silently.
  const auto bare = import_hsds_json(foreign_doc().dump(), "f.json");
  EXPECT_EQ(bare.imported.offerings().size(), 0U);
  EXPECT_EQ(bare.report.unmapped_terms.size(), 3U);
  EXPECT_EQ(bare.report.services_skipped, 1U);

  // Strict: the first unmapped term is an error at its attribute.
  options.strict = true;
  expect_error<validation_error>(
      [&] { (void)import_hsds_json(foreign_doc().dump(), "f.json", options); },
      error_code::hsds_missing_value,
      {.file = "f.json",
       .pointer = "/attributes.csv/2/taxonomy_term_id",
       .field = "taxonomy_term_id",
       .object_id = "a-2"});
}

TEST(HsdsCrosswalk, UnmappedTermsBecomeCrosswalkRowsToFillIn) {
  json doc = foreign_doc();
  doc["taxonomy_terms.csv"].back()["name"] = "Parkeren, \"vergunning\"";  // quoted in the CSV
  const auto bare = import_hsds_json(doc.dump(), "f.json");
  const std::string skeleton = unmapped_terms_crosswalk_csv(bare.report);
  EXPECT_EQ(skeleton,
            "kind,taxonomy,match,keten,note\r\n"
            "term,Sociale kaart,SK-12,,'Schulden' on 1 services\r\n"
            "term,Sociale kaart,SK-40,,'Voedsel' on 1 services\r\n"
            "term,Sociale kaart,SK-41,,\"'Parkeren, \"\"vergunning\"\"' on 1 services\"\r\n");
  // As written, every row still lacks its keten category: the first is an error.
  expect_error<validation_error>([&] { (void)parse_hsds_crosswalk(skeleton, "todo.csv"); },
                                 error_code::hsds_missing_value,
                                 {.file = "todo.csv", .line = 2, .field = "keten"});
  // Filled in, it maps every term.
  std::string filled = skeleton;
  for (std::size_t at = filled.find(",,'"); at != std::string::npos; at = filled.find(",,'"))
    filled.replace(at, 3, ",money.debts,'");
  for (std::size_t at = filled.find(",,\""); at != std::string::npos; at = filled.find(",,\""))
    filled.replace(at, 3, ",money.admin,\"");
  hsds_import_options options;
  options.crosswalk = parse_hsds_crosswalk(filled, "filled.csv");
  const auto result = import_hsds_json(doc.dump(), "f.json", options);
  ASSERT_EQ(result.imported.offerings().size(), 1U);
  EXPECT_EQ(result.imported.offerings()[0].categories,
            (std::vector<std::string>{"money.debts", "money.admin"}));
  EXPECT_TRUE(result.report.unmapped_terms.empty());
}

// --- bad crosswalks -----------------------------------------------------------------------------

template <class E>
void expect_csv_error(const std::string& rows, error_code code, std::size_t line,
                      const std::string& field,
                      std::source_location loc = std::source_location::current()) {
  expect_error<E>(
      [&] { (void)parse_hsds_crosswalk("kind,taxonomy,match,keten\n" + rows, "cw.csv"); }, code,
      {.file = "cw.csv", .line = line, .field = field}, loc);
}

TEST(HsdsCrosswalk, BadRowsNameFileLineAndField) {
  const std::string ok = "term,,Food,money.crisis\n";
  expect_csv_error<validation_error>(ok + "terms,,x,money.debts\n", error_code::hsds_invalid_value,
                                     3, "kind");
  expect_csv_error<validation_error>(ok + "term,,  ,money.debts\n", error_code::hsds_missing_value,
                                     3, "match");
  expect_csv_error<validation_error>(ok + "term,,x,\n", error_code::hsds_missing_value, 3, "keten");
  expect_csv_error<validation_error>(ok + "term,,x,debts\n", error_code::hsds_invalid_value, 3,
                                     "keten");
  expect_csv_error<validation_error>(ok + "term,,x,food.bank\n", error_code::hsds_invalid_value, 3,
                                     "keten");
  expect_csv_error<validation_error>(ok + "place,,Zwolle,0193\n", error_code::hsds_invalid_value, 3,
                                     "keten");
  expect_csv_error<validation_error>(ok + "service,Tax,x,money.debts\n",
                                     error_code::hsds_invalid_value, 3, "taxonomy");
  expect_csv_error<validation_error>(ok + "term,,food,money.crisis\n",
                                     error_code::hsds_duplicate_id, 3, "match");
  // The header: an unknown column, a missing one.
  expect_error<parse_error>(
      [] { (void)parse_hsds_crosswalk("kind,taxonomy,match,keten,weight\n", "cw.csv"); },
      error_code::hsds_unrecognised, {.file = "cw.csv", .line = 1, .field = "weight"});
  expect_error<parse_error>(
      [] { (void)parse_hsds_crosswalk("kind,match,keten\nterm,x,money.debts\n", "cw.csv"); },
      error_code::hsds_unrecognised, {.file = "cw.csv", .line = 1, .field = "taxonomy"});
}

TEST(HsdsCrosswalk, JsonCrosswalksNameThePointer) {
  const auto c = parse_hsds_crosswalk(
      R"({"crosswalk": [{"kind": "term", "taxonomy": "OE", "match": "Food", "keten":
      "money.crisis", "note": "x"}, {"kind": "place", "match": "MyCity", "keten": "GM0193"}]})",
      "cw.json");
  ASSERT_EQ(c.rows.size(), 2U);
  EXPECT_EQ(c.rows[1].where.pointer, "/crosswalk/1");
  expect_error<validation_error>(
      [] {
        (void)parse_hsds_crosswalk(R"([{"kind": "term", "match": "x", "keten": "x.y"}])", "c.json");
      },
      error_code::hsds_invalid_value, {.file = "c.json", .pointer = "/0/keten", .field = "keten"});
  expect_error<parse_error>(
      [] {
        (void)parse_hsds_crosswalk(R"([{"kind": "term", "match": 5, "keten": "money.debts"}])",
                                   "c.json");
      },
      error_code::hsds_wrong_type, {.file = "c.json", .pointer = "/0/match", .field = "match"});
  expect_error<parse_error>([] { (void)parse_hsds_crosswalk(R"({"rows": []})", "c.json"); },
                            error_code::hsds_unrecognised, {.file = "c.json", .pointer = "/"});
}

TEST(HsdsCrosswalk, UnknownCategoriesAndMunicipalitiesNameTheCrosswalkRow) {
  hsds_import_options options;
  options.crosswalk = parse_hsds_crosswalk(
      "kind,taxonomy,match,keten\nterm,,x,money.debts\nservice,,y,money.nothing\n", "cw.csv");
  expect_error<validation_error>([&] { (void)import_hsds(official / "csv", options); },
                                 error_code::unknown_category,
                                 {.file = "cw.csv", .line = 3, .field = "keten"});
  options.crosswalk =
      parse_hsds_crosswalk("kind,taxonomy,match,keten\nplace,,MyCity,GM9999\n", "cw.csv");
  expect_error<validation_error>([&] { (void)import_hsds(official / "csv", options); },
                                 error_code::unknown_municipality,
                                 {.file = "cw.csv", .line = 2, .field = "keten"});
}

// --- HSDS 3.1 capacity: staleness of `updated` -------------------------------------------------

landscape example() {
  return load_landscape_json(KETEN_DATA_DIR "/example/landscape.json");
}

TEST(HsdsCapacity, StaleCapacitiesAreReported) {
  const landscape l = example();
  hsds_export_options out;
  out.updated = "2024-01-01T12:00:00Z";
  const std::string doc = export_hsds_json(l, out);
  hsds_import_options in;
  in.as_of = "2024-03-31";  // 90 days later: not yet stale
  auto result = import_hsds_json(doc, "d.json", in);
  EXPECT_EQ(result.report.capacities_stale, 0U);
  EXPECT_TRUE(result.report.warnings.empty());
  in.as_of = "2024-04-01";  // 91 days
  result = import_hsds_json(doc, "d.json", in);
  EXPECT_EQ(result.report.capacities_stale, l.offerings().size());
  EXPECT_TRUE(has_warning(result.report, "91 days before 2024-04-01 (more than 90): may be stale"));
  EXPECT_TRUE(result.imported == l);  // staleness is reported, the capacity kept
  in.as_of = "2023-12-31";            // a day before the export: within the slack for time zones
  EXPECT_TRUE(import_hsds_json(doc, "d.json", in).report.warnings.empty());
  in.as_of = "2023-12-30";
  EXPECT_TRUE(has_warning(import_hsds_json(doc, "d.json", in).report, "lies in the future"));
  in.as_of = "2024-04-01";
  in.stale_after_days = 365;
  EXPECT_EQ(import_hsds_json(doc, "d.json", in).report.capacities_stale, 0U);

  json broken = json::parse(doc);
  broken["service_capacity.csv"][0]["updated"] = "last week";
  broken["service_capacity.csv"][1].erase("updated");
  result = import_hsds_json(broken.dump(), "d.json", in);
  EXPECT_TRUE(has_warning(result.report, "'last week' is no ISO 8601 date-time"));
  EXPECT_TRUE(has_warning(result.report, "no updated time stamp"));

  in.as_of = "01-04-2024";
  expect_error<validation_error>([&] { (void)import_hsds_json(doc, "d.json", in); },
                                 error_code::hsds_invalid_value, {.field = "as_of"});
}

// --- local chains -------------------------------------------------------------------------------

TEST(HsdsChains, ChainsAreTermsWithMembersOnOrganizations) {
  const landscape l = example();
  ASSERT_FALSE(l.chains().empty());
  const json doc = json::parse(export_hsds_json(l));
  std::size_t members = 0;
  std::size_t chain_terms = 0;
  for (const json& t : doc["taxonomy_terms.csv"])
    if (t["taxonomy"] == hsds_chains_taxonomy) ++chain_terms;
  for (const json& a : doc["attributes.csv"])
    if (a["link_type"] == "chain_member") {
      EXPECT_EQ(a["link_entity"], "organization");
      ++members;
    }
  EXPECT_EQ(chain_terms, l.chains().size());
  std::size_t expected = 0;
  for (const local_chain& c : l.chains())
    expected += c.partners.size();
  EXPECT_EQ(members, expected);
  EXPECT_TRUE(import_hsds_json(doc.dump(), "d.json").imported == l);
}

TEST(HsdsChains, ChainWithoutStartOrFormIsAnError) {
  json doc = json::parse(export_hsds_json(example()));
  std::string chain_term_id;
  std::size_t row = 0;
  for (std::size_t i = 0; i < doc["taxonomy_terms.csv"].size(); ++i)
    if (doc["taxonomy_terms.csv"][i]["taxonomy"] == hsds_chains_taxonomy) {
      chain_term_id = doc["taxonomy_terms.csv"][i]["id"];
      row = i;
    }
  json no_start = doc;
  json kept = json::array();
  for (const json& a : no_start["attributes.csv"])
    if (!(a["link_id"] == chain_term_id && a["value"].get<std::string>().size() == 10 &&
          a["link_type"] == "keten"))
      kept.push_back(a);
  no_start["attributes.csv"] = kept;
  expect_error<validation_error>([&] { (void)import_hsds_json(no_start.dump(), "d.json"); },
                                 error_code::hsds_missing_value,
                                 {.file = "d.json",
                                  .pointer = "/taxonomy_terms.csv/" + std::to_string(row),
                                  .object_id = chain_term_id});
  json bad_day = doc;
  for (json& a : bad_day["attributes.csv"])
    if (a["link_id"] == chain_term_id && a["link_type"] == "keten") a["value"] = "2023-02-30";
  const auto e = keten_test::catch_error<validation_error>(
      [&] { (void)import_hsds_json(bad_day.dump(), "d.json"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::hsds_invalid_value);
  EXPECT_EQ(e->where().field, "value");
}

}  // namespace
