// Fuzz harness: keten.cases JSON documents (parse_cases_json) in the context of the example
// landscape (data/example/landscape.json, compiled in), docs/fuzzing.md.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; for every
// batch read, writing it and reading it back gives the same cases.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "keten/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const keten::landscape& context = keten_fuzz::example_landscape();
  std::vector<keten::help_case> cases;
  try {
    cases = keten::parse_cases_json(keten_fuzz::as_text(data, size), context, "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  try {
    const std::string json = keten::to_json(cases);
    const std::vector<keten::help_case> again =
        keten::parse_cases_json(json, context, "<round trip>");
    keten_fuzz::require(again == cases, "parse_cases_json(to_json(cases)) == cases");
    keten_fuzz::require(keten::to_json(again) == json, "to_json is stable over a round trip");
  } catch (const keten::error& e) {
    keten_fuzz::fail("cases that were read can be written and read back", e.what());
  }
  return 0;
}
