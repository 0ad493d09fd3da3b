// Round trips through the JSON writers and readers (keten/io.hpp), on random landscapes and cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "keten/io.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::chance;
using keten_test::expect_error;
using keten_test::pick;
using keten_test::uniform;
using keten_test::uniform_real;

using keten_test::TempDir;

TEST(JsonRoundTrip, RandomLandscapes) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const auto places =
        seed % 4 == 0 ? geography::netherlands() : keten_test::random_geography(rng, 30);
    const keten_test::random_parts parts = keten_test::random_landscape_parts(rng, places);
    const landscape original = keten_test::build(parts);
    const std::string text = to_json(original);
    const landscape back = parse_landscape_json(text, "<round trip>", places);
    ASSERT_TRUE(back == original) << text;
    // The extra categories (and only they) are written.
    EXPECT_EQ(back.categories().size(), 18 + parts.extra_categories.size());
    EXPECT_EQ(text.find("help_form") != std::string::npos, !parts.extra_categories.empty());
    // Writing again gives the same text.
    EXPECT_EQ(to_json(back), text);
    // One line.
    const std::string line = to_json(original, -1);
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_TRUE(parse_landscape_json(line, "<line>", places) == original);
  }
}

TEST(JsonRoundTrip, EqualityNoticesDifferences) {
  // The round-trip check above must be able to fail: a changed value compares unequal.
  std::mt19937 rng(7);
  const keten_test::random_parts parts =
      keten_test::random_landscape_parts(rng, geography::netherlands());
  const landscape original = keten_test::build(parts);
  keten_test::random_parts changed = parts;
  changed.offerings[0].units.intake_wait_days += 1;
  EXPECT_FALSE(keten_test::build(changed) == original);
  changed = parts;
  changed.partners[0].branch += "x";
  EXPECT_FALSE(keten_test::build(changed) == original);
  changed = parts;
  changed.name += "x";
  EXPECT_FALSE(keten_test::build(changed) == original);
}

/// Random valid cases over the landscape's categories, places and partners.
std::vector<help_case> random_cases(std::mt19937& rng, const landscape& l, int count) {
  std::vector<std::string> categories;
  for (const need_category& c : l.categories().categories())
    categories.push_back(c.id);
  std::vector<help_case> out;
  for (int i = 0; i < count; ++i) {
    help_case c;
    c.id = "case-" + std::to_string(i);
    std::shuffle(categories.begin(), categories.end(), rng);
    const int needs = uniform(rng, 1, 4);
    for (int k = 0; k < needs; ++k)
      c.needs.push_back({categories[static_cast<std::size_t>(k)], uniform(rng, 1, 5),
                         chance(rng, 0.5) ? 1.0 : uniform_real(rng, 0.01, 10.0)});
    const int parts = uniform(rng, 1, 7);
    if (parts & 1)
      c.location.municipality = l.places()[static_cast<municipality_index>(uniform(
                                               rng, 0, static_cast<int>(l.places().size()) - 1))]
                                    .code;
    if (parts & 2) c.location.postcode = static_cast<pc4>(uniform(rng, 1000, 9999));
    if (parts & 4)
      c.location.point = geo_point{uniform_real(rng, 50.7, 53.6), uniform_real(rng, 3.3, 7.3)};
    if (chance(rng, 0.5)) {
      const int lo = uniform(rng, 0, 100);
      c.profile.age =
          age_band{static_cast<std::uint8_t>(lo), static_cast<std::uint8_t>(uniform(rng, lo, 130))};
    }
    if (chance(rng, 0.5)) c.profile.household = static_cast<household_type>(uniform(rng, 0, 4));
    if (chance(rng, 0.5))
      c.profile.languages =
          chance(rng, 0.5) ? std::vector<std::string>{"nl"} : std::vector<std::string>{"ar", "pap"};
    c.profile.referrer = static_cast<referrer_kind>(uniform(rng, 0, 4));
    c.consent = chance(rng, 0.7);
    if (chance(rng, 0.3) && !l.partners().empty()) c.excluded_partners = {l.partners()[0].id};
    if (chance(rng, 0.2)) c.excluded_partners.push_back("some-other-partner");
    out.push_back(std::move(c));
  }
  return out;
}

TEST(JsonRoundTrip, RandomCases) {
  for (unsigned seed = 1; seed <= 100; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const auto places = keten_test::random_geography(rng, 20);
    const landscape l = keten_test::build(keten_test::random_landscape_parts(rng, places));
    const std::vector<help_case> cases = random_cases(rng, l, uniform(rng, 0, 20));
    for (const help_case& c : cases)
      ASSERT_NO_THROW(validate(c, l.categories(), l.places()));
    const std::string text = to_json(cases);
    const std::vector<help_case> back = parse_cases_json(text, l, "<round trip>");
    ASSERT_EQ(back, cases) << text;
    EXPECT_EQ(to_json(back), text);
    EXPECT_EQ(parse_cases_json(to_json(cases, -1), l), cases);
  }
}

TEST_F(TempDir, SaveAndLoadLandscape) {
  std::mt19937 rng(11);
  const landscape original =
      keten_test::build(keten_test::random_landscape_parts(rng, geography::netherlands()));
  const std::filesystem::path path = dir / "landscape.json";
  save_landscape_json(original, path);
  EXPECT_TRUE(load_landscape_json(path) == original);
  EXPECT_EQ(read_file(path), to_json(original));
  EXPECT_FALSE(std::filesystem::exists(dir / "landscape.json.tmp"));
  EXPECT_EQ(sniff_json_format(path), "keten.landscape");
  // Saving again replaces the file.
  save_landscape_json(landscape(), path, -1);
  EXPECT_TRUE(load_landscape_json(path) == landscape());
}

TEST_F(TempDir, SaveAndLoadCases) {
  std::mt19937 rng(12);
  const landscape l =
      keten_test::build(keten_test::random_landscape_parts(rng, geography::netherlands()));
  const std::vector<help_case> cases = random_cases(rng, l, 10);
  const std::filesystem::path path = dir / "cases.json";
  save_cases_json(cases, path);
  EXPECT_EQ(load_cases_json(path, l), cases);
  EXPECT_EQ(sniff_json_format(path), "keten.cases");
}

TEST_F(TempDir, SaveIntoAMissingDirectory) {
  const std::filesystem::path path = dir / "no" / "such" / "dir" / "l.json";
  const auto e = keten_test::catch_error<io_error>([&] { save_landscape_json(landscape(), path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::cannot_write);
  EXPECT_EQ(e->where().file.rfind((dir / "no").string(), 0), 0u) << e->where().file;
}

TEST_F(TempDir, SniffJsonFormat) {
  const auto write = [&](const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir / name;
    std::ofstream(path) << text;
    return path;
  };
  EXPECT_EQ(sniff_json_format(write("none.json", R"({"version": 1})")), "");
  EXPECT_EQ(sniff_json_format(write("array.json", "[1, 2]")), "");
  EXPECT_EQ(sniff_json_format(write("number.json", R"({"format": 3})")), "");
  EXPECT_EQ(sniff_json_format(write("other.json", R"({"format": "something.else"})")),
            "something.else");
  const std::filesystem::path bad = write("bad.json", "{\n\"format\": }");
  expect_error<parse_error>([&] { (void)sniff_json_format(bad); }, error_code::json_syntax,
                            {.file = bad.string(), .line = 2, .column = 11});
  expect_error<io_error>([&] { (void)sniff_json_format(dir / "missing.json"); },
                         error_code::cannot_open, {.file = (dir / "missing.json").string()});
}

TEST_F(TempDir, ReadFile) {
  const std::filesystem::path path = dir / "bytes.bin";
  const std::string bytes("a\0b\r\n\xff", 6);
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(read_file(path), bytes);
  expect_error<io_error>([&] { (void)read_file(dir); }, error_code::cannot_open,
                         {.file = dir.string()});
}

}  // namespace
