// Fuzz harness: snapshot files as they come from disk (from_snapshot), docs/fuzzing.md.
// Mostly exercises the envelope (magic, version, reserved, length, checksum): random payload
// changes fail the checksum, which is what fuzz_snapshot_payload is for.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; for every
// landscape read, the JSON and snapshot round trips give it back unchanged.
#include <optional>

#include "fuzz_support.hpp"
#include "keten/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::optional<keten::landscape> l;
  try {
    l = keten::from_snapshot(keten_fuzz::as_text(data, size), "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_landscape_round_trips(*l);
  return 0;
}
