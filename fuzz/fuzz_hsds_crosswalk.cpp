// Fuzz harness: HSDS taxonomy crosswalks, CSV or JSON (parse_hsds_crosswalk), docs/fuzzing.md.
// A crosswalk that parses is applied to a small foreign HSDS document (one organization, one
// service with a term of another taxonomy, a location in a town keten does not know), so that the
// matching runs too. Checks: every row has a kind, a match and a keten value; the import either
// succeeds (then as fuzz_hsds_json) or throws a keten::error.
#include <optional>
#include <string_view>

#include "fuzz_support.hpp"
#include "keten/hsds.hpp"

namespace {

constexpr std::string_view foreign = R"({
 "organizations.csv": [{"id": "o1", "name": "Stichting Voorbeeld"}],
 "services.csv": [{"id": "s1", "organization_id": "o1", "name": "Thuisadministratie",
                   "status": "active"}],
 "taxonomies.csv": [{"id": "x1", "name": "Sociale kaart"}],
 "taxonomy_terms.csv": [{"id": "t1", "code": "SK-12", "name": "Schulden", "taxonomy_id": "x1"}],
 "attributes.csv": [{"id": "a1", "link_id": "s1", "link_entity": "service",
                     "taxonomy_term_id": "t1"}],
 "locations.csv": [{"id": "l1", "location_type": "physical", "organization_id": "o1"}],
 "addresses.csv": [{"id": "d1", "location_id": "l1", "city": "Voorbeeldstad"}],
 "service_at_location.csv": [{"id": "sl1", "service_id": "s1", "location_id": "l1"}]
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  keten::hsds_import_options options;
  try {
    options.crosswalk =
        keten::parse_hsds_crosswalk(keten_fuzz::as_text(data, size), "crosswalk.csv");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  for (const keten::hsds_crosswalk_row& r : options.crosswalk.rows)
    keten_fuzz::require(!r.match.empty() && !r.keten.empty() && !r.where.file.empty(),
                        "a crosswalk row has a match, a keten value and a position");
  std::optional<keten::hsds_import_result> result;
  try {
    result = keten::import_hsds_json(foreign, "foreign.json", options);
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_hsds_import(*result);
  return 0;
}
