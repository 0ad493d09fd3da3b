// Fuzz harness: the municipalities CSV (geography::from_csv over the libcsv reader),
// docs/fuzzing.md.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; a
// geography read finds each of its municipalities by code at its own index.
#include <optional>

#include "fuzz_support.hpp"
#include "keten/geography.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::optional<keten::geography> places;
  try {
    places = keten::geography::from_csv(keten_fuzz::as_text(data, size), "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  for (std::size_t i = 0; i < places->size(); ++i) {
    const keten::municipality& m = (*places)[static_cast<keten::municipality_index>(i)];
    keten_fuzz::require(keten::is_municipality_code(m.code), "every code read is GM + 4 digits");
    keten_fuzz::require(keten::is_valid(m.point), "every point read is valid");
    keten_fuzz::require(places->find(m.code) == i, "find(code) is the municipality's index");
  }
  return 0;
}
