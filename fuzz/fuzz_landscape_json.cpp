// Fuzz harness: keten.landscape JSON documents (parse_landscape_json), docs/fuzzing.md.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; for every
// landscape read, the JSON and snapshot round trips give it back unchanged.
#include <optional>

#include "fuzz_support.hpp"
#include "keten/analysis.hpp"
#include "keten/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::optional<keten::landscape> l;
  try {
    l = keten::parse_landscape_json(keten_fuzz::as_text(data, size), "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_landscape_round_trips(*l);
  // What `keten info` does with a landscape it has read.
  (void)keten::to_json(keten::summarize(*l));
  return 0;
}
