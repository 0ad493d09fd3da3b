// Fuzz harness: Open Referral HSDS JSON documents (import_hsds_json), docs/fuzzing.md.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; every
// warning is valid UTF-8; for every landscape imported, HSDS export and re-import give it back
// unchanged, and so do the keten JSON and snapshot round trips.
#include <optional>

#include "fuzz_support.hpp"
#include "keten/hsds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::optional<keten::hsds_import_result> result;
  try {
    result = keten::import_hsds_json(keten_fuzz::as_text(data, size), "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_hsds_import(*result);
  return 0;
}
