// detail::string_map, the id index of the taxonomy, the geography and the landscape: checked
// against std::map on random ids of many lengths (lookups of present and absent keys, duplicates,
// growth), and short_string_hash on ids that differ in one byte or in length only.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>

#include "keten/detail/string_hash.hpp"

namespace keten::detail {
namespace {

std::string random_id(std::mt19937& rng) {
  const std::size_t length = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
  std::string id(length, 'a');
  for (char& c : id)
    c = static_cast<char>(std::uniform_int_distribution<int>('0', '9' + 4)(rng));  // few letters
  return id;
}

TEST(StringMap, AgreesWithStdMap) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    string_map<int> map;
    std::map<std::string, int> oracle;
    if (round % 2 == 0) map.reserve(50);
    const int count = std::uniform_int_distribution<int>(0, 3000)(rng);
    for (int k = 0; k < count; ++k) {
      std::string id = random_id(rng);
      const auto [it, added] = map.emplace(id, k);
      const auto [expected, expected_added] = oracle.emplace(id, k);
      ASSERT_EQ(added, expected_added) << id;
      ASSERT_EQ(it->first, id);
      ASSERT_EQ(it->second, expected->second) << id;  // a duplicate keeps the first value
    }
    ASSERT_EQ(map.size(), oracle.size());
    for (const auto& [id, value] : oracle) {
      const auto it = map.find(std::string_view(id));
      ASSERT_NE(it, map.end()) << id;
      EXPECT_EQ(it->second, value);
      EXPECT_TRUE(map.contains(id));
    }
    for (int k = 0; k < 500; ++k) {
      const std::string id = random_id(rng);
      EXPECT_EQ(map.contains(id), oracle.contains(id)) << id;
    }
    std::size_t entries = 0;
    for (const auto& [id, value] : map) {
      EXPECT_EQ(oracle.at(id), value);
      ++entries;
    }
    EXPECT_EQ(entries, oracle.size());
  }
}

TEST(StringMap, EmptyMapAndEmptyKey) {
  string_map<int> map;
  EXPECT_EQ(map.find("GM0363"), map.end());
  EXPECT_FALSE(map.contains(""));
  EXPECT_TRUE(map.emplace("", 1).second);
  EXPECT_TRUE(map.contains(""));
  EXPECT_FALSE(map.contains(std::string_view("\0", 1)));
  EXPECT_EQ(map.find("")->second, 1);
}

TEST(StringMap, HashSeparatesNearIds) {
  std::set<std::uint64_t> hashes;
  std::size_t ids = 0;
  // Municipality codes, and prefixes of a long id (ids that differ in length only).
  for (int code = 0; code < 10000; ++code, ++ids) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "GM%04d", code);
    hashes.insert(short_string_hash(buffer));
  }
  const std::string long_id(64, '\0');
  for (std::size_t n = 0; n <= long_id.size(); ++n, ++ids)
    hashes.insert(short_string_hash(std::string_view(long_id).substr(0, n)));
  EXPECT_EQ(hashes.size(), ids);
}

TEST(StringMap, SameStringIsEquality) {
  // Every length from 0 to 40 (the loads below 8 bytes, the words and the overlapping last word),
  // strings equal and differing in one byte anywhere, and in length only.
  std::mt19937 rng(11);
  std::size_t differing = 0;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (char& c : a)
      c = static_cast<char>(std::uniform_int_distribution<int>('a', 'z')(rng));
    EXPECT_TRUE(same_string(a, std::string(a)));
    for (std::size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = static_cast<char>(b[i] == 'z' ? 'a' : b[i] + 1);
      EXPECT_FALSE(same_string(a, b)) << a << " " << b;
      EXPECT_EQ(same_string(a, b), a == b);
      ++differing;
    }
    EXPECT_FALSE(same_string(a, a + "x"));
    if (n > 0) {
      EXPECT_FALSE(same_string(a, std::string_view(a).substr(0, n - 1)));
    }
  }
  EXPECT_EQ(differing, 820u);
}

TEST(StringMap, LoadTailIsTheBytesLittleEndian) {
  // load_tail(p, n) is the word of the n bytes, lowest first (as memcpy into a zero word gives it
  // on this little-endian machine): checked against a byte loop for every length and position.
  const std::string text = "0123456789abcdefGHIJ\xff\x80\x01";
  for (std::size_t at = 0; at + 8 <= text.size(); ++at)
    for (std::size_t n = 0; n <= 8; ++n) {
      std::uint64_t expected = 0;
      for (std::size_t i = 0; i < n; ++i)
        expected |= std::uint64_t{static_cast<unsigned char>(text[at + i])} << (8 * i);
      EXPECT_EQ(load_tail(text.data() + at, n), expected) << at << " " << n;
    }
}

}  // namespace
}  // namespace keten::detail
