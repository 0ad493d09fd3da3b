// fuzz/fuzz_support.hpp — what the fuzz harnesses share (docs/fuzzing.md).
//
// A harness feeds the input to one parser. The parser either returns a value or throws a
// keten::error: both are expected outcomes. Anything else is a finding and must stop the process
// so that libFuzzer (or the replay program) reports it: a crash, a sanitizer report, an exception
// that is not a keten::error (std::bad_alloc, std::out_of_range, a nlohmann exception escaping), or
// a broken invariant checked here (a round trip that loses or changes data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keten/error.hpp"
#include "keten/hsds.hpp"
#include "keten/landscape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace keten_fuzz {

/// The input as text (the parsers take bytes as a string_view).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Prints the broken invariant and aborts: a finding, like a crash.
[[noreturn]] void fail(std::string_view invariant, std::string_view detail = {});

inline void require(bool ok, std::string_view invariant) {
  if (!ok) fail(invariant);
}

/// The invariants of a refusal: the error has an id in its documented range and a message, and its
/// what() is valid UTF-8 (error messages quote the input; the Python binding turns them into str).
void check_error(const keten::error& e);

/// The invariants of a landscape that was read: writing it as JSON and reading that back gives an
/// equal landscape, and so does a snapshot; both writers are stable on the second round. A
/// keten::error from a writer or a re-read is a finding here, not a refusal.
void check_landscape_round_trips(const keten::landscape& l);

/// The invariants of an HSDS import (keten/hsds.hpp): every warning is valid UTF-8; exporting the
/// landscape as HSDS JSON and importing that gives it back; the keten round trips hold.
void check_hsds_import(const keten::hsds_import_result& result);

/// data/example/landscape.json (compiled in), parsed once: the context of the cases harness.
[[nodiscard]] const keten::landscape& example_landscape();

}  // namespace keten_fuzz
