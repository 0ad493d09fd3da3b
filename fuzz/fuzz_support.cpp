// The fuzz harnesses' shared code (fuzz/fuzz_support.hpp): what a parser may throw, and the
// round trips a harness checks after a successful parse.
#include "fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "keten/io.hpp"
#include "keten/snapshot.hpp"

namespace keten_fuzz {

extern const std::string_view example_landscape_json;

namespace {

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (s.size() - i - 1 < extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0U) != 0x80U) return false;
      cp = (cp << 6) | (d & 0x3FU);
    }
    // No overlong forms, no surrogates, nothing above U+10FFFF.
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

void fail(std::string_view invariant, std::string_view detail) {
  std::fprintf(stderr, "\n==keten-fuzz== INVARIANT BROKEN: %.*s\n",
               static_cast<int>(invariant.size()), invariant.data());
  if (!detail.empty())
    std::fprintf(stderr, "==keten-fuzz== %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::fflush(stderr);
  std::abort();
}

void check_error(const keten::error& e) {
  const int id = e.id();
  require(id >= 100 && id < 1000, "a keten::error has an id in 100–999 (error.hpp)");
  require(!e.message().empty(), "a keten::error has a message");
  const std::string_view what = e.what();
  if (!is_valid_utf8(what)) fail("a keten::error message is valid UTF-8", what);
}

void check_landscape_round_trips(const keten::landscape& l) {
  std::string step = "to_json";
  try {
    const std::string json = keten::to_json(l);
    step = "parse_landscape_json(to_json(l))";
    const keten::landscape from_json = keten::parse_landscape_json(json, "<round trip>");
    require(from_json == l, "parse_landscape_json(to_json(l)) == l");
    require(keten::to_json(from_json) == json, "to_json is stable over a JSON round trip");

    step = "to_snapshot";
    const std::string bytes = keten::to_snapshot(l);
    step = "from_snapshot(to_snapshot(l))";
    const keten::landscape from_bytes = keten::from_snapshot(bytes, "<round trip>");
    require(from_bytes == l, "from_snapshot(to_snapshot(l)) == l");
    require(keten::to_snapshot(from_bytes) == bytes, "to_snapshot is stable over a round trip");
  } catch (const keten::error& e) {
    fail("a landscape that was read can be written and read back: " + step + " threw", e.what());
  }
}

void check_hsds_import(const keten::hsds_import_result& result) {
  for (const keten::hsds_warning& w : result.report.warnings)
    if (!is_valid_utf8(w.to_string())) fail("an HSDS import warning is valid UTF-8", w.to_string());
  const keten::landscape& l = result.imported;
  try {
    const std::string json = keten::export_hsds_json(l, {.updated = "2024-01-01T00:00:00Z"});
    const keten::hsds_import_result again = keten::import_hsds_json(json, "<hsds round trip>");
    require(again.imported == l, "import_hsds_json(export_hsds_json(l)) == l");
  } catch (const keten::error& e) {
    fail("an imported landscape can be exported as HSDS and imported back", e.what());
  }
  check_landscape_round_trips(l);
}

const keten::landscape& example_landscape() {
  static const keten::landscape l =
      keten::parse_landscape_json(example_landscape_json, "data/example/landscape.json");
  return l;
}

}  // namespace keten_fuzz
