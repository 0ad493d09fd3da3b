// Fuzz harness: snapshot payloads (the Boost.Serialization archive behind a valid envelope),
// docs/fuzzing.md. The input is the payload; the harness puts the 32-byte header with the right
// length and XXH64 in front, so that every mutation reaches the payload reader.
// Checks: no crash or sanitizer report, no exception but keten::error, error invariants; for every
// landscape read, the JSON and snapshot round trips give it back unchanged.
#include <xxhash.h>

#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "keten/snapshot.hpp"

namespace {
void put_le(std::string& out, std::size_t at, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i)
    out[at + i] = static_cast<char>((value >> (8 * i)) & 0xffU);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(keten::snapshot_header_size, '\0');
  bytes.replace(0, keten::snapshot_magic.size(), keten::snapshot_magic);
  put_le(bytes, 8, keten::snapshot_format_version, 4);
  put_le(bytes, 16, size, 8);
  put_le(bytes, 24, XXH64(data, size, 0), 8);
  bytes.append(keten_fuzz::as_text(data, size));

  std::optional<keten::landscape> l;
  try {
    l = keten::from_snapshot(bytes, "<fuzz>");
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_landscape_round_trips(*l);
  return 0;
}
