// Stable matching over a caller's own preference sources (keten::preference_source): lists in one
// compressed array seen through spans, and lists computed on the fly from scores, against the
// compiled functions for stable_instance on the same lists — matchings, proposals, blocking
// pairs and errors alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "keten/stable.hpp"
#include "support.hpp"

namespace keten_test {
namespace {

using matching_t = std::vector<std::optional<std::uint32_t>>;

/// Both sides' lists in compressed rows: the shape a caller's database export might have.
struct compressed_preferences {
  std::vector<std::uint32_t> resident_first{0}, resident_entries;
  std::vector<std::uint32_t> hospital_first{0}, hospital_entries;
  std::vector<std::int32_t> capacities;

  [[nodiscard]] std::size_t resident_count() const { return resident_first.size() - 1; }
  [[nodiscard]] std::size_t hospital_count() const { return hospital_first.size() - 1; }
  [[nodiscard]] std::span<const std::uint32_t> resident_preferences(std::uint32_t r) const {
    return std::span(resident_entries)
        .subspan(resident_first[r], resident_first[r + 1] - resident_first[r]);
  }
  [[nodiscard]] std::span<const std::uint32_t> hospital_preferences(std::uint32_t h) const {
    return std::span(hospital_entries)
        .subspan(hospital_first[h], hospital_first[h + 1] - hospital_first[h]);
  }
  [[nodiscard]] std::int32_t capacity(std::uint32_t h) const { return capacities[h]; }
};
static_assert(preference_source<compressed_preferences>);

compressed_preferences compress(const stable_instance& in) {
  compressed_preferences out;
  for (const auto& list : in.resident_prefs) {
    out.resident_entries.insert(out.resident_entries.end(), list.begin(), list.end());
    out.resident_first.push_back(static_cast<std::uint32_t>(out.resident_entries.size()));
  }
  for (const auto& list : in.hospital_prefs) {
    out.hospital_entries.insert(out.hospital_entries.end(), list.begin(), list.end());
    out.hospital_first.push_back(static_cast<std::uint32_t>(out.hospital_entries.size()));
  }
  out.capacities = in.capacities;
  return out;
}

/// Scores instead of lists: a list is computed (sorted, by value) each time it is asked for.
/// score < 0: not acceptable. Higher first, ties by index.
struct scored_market {
  std::vector<std::vector<int>> resident_score;  // [r][h]
  std::vector<std::vector<int>> hospital_score;  // [h][r]
  std::vector<int> seats;

  [[nodiscard]] std::size_t resident_count() const { return resident_score.size(); }
  [[nodiscard]] std::size_t hospital_count() const { return hospital_score.size(); }
  [[nodiscard]] static std::vector<std::uint32_t> ranked(const std::vector<int>& score) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = 0; i < score.size(); ++i)
      if (score[i] >= 0) out.push_back(i);
    std::stable_sort(out.begin(), out.end(),
                     [&score](std::uint32_t a, std::uint32_t b) { return score[a] > score[b]; });
    return out;
  }
  [[nodiscard]] std::vector<std::uint32_t> resident_preferences(std::uint32_t r) const {
    return ranked(resident_score[r]);
  }
  [[nodiscard]] std::vector<std::uint32_t> hospital_preferences(std::uint32_t h) const {
    return ranked(hospital_score[h]);
  }
  [[nodiscard]] int capacity(std::uint32_t h) const { return seats[h]; }
};
static_assert(preference_source<scored_market>);

/// Any source's lists copied into a stable_instance, for the compiled functions.
template <class Source>
stable_instance as_instance(const Source& s) {
  stable_instance out;
  for (std::uint32_t r = 0; r < s.resident_count(); ++r) {
    const auto list = s.resident_preferences(r);
    out.resident_prefs.emplace_back(list.begin(), list.end());
  }
  for (std::uint32_t h = 0; h < s.hospital_count(); ++h) {
    const auto list = s.hospital_preferences(h);
    out.hospital_prefs.emplace_back(list.begin(), list.end());
    out.capacities.push_back(static_cast<std::int32_t>(s.capacity(h)));
  }
  return out;
}

scored_market random_market(std::mt19937& rng, std::size_t residents, std::size_t hospitals) {
  scored_market m;
  m.resident_score.assign(residents, std::vector<int>(hospitals, -1));
  m.hospital_score.assign(hospitals, std::vector<int>(residents, -1));
  for (std::size_t r = 0; r < residents; ++r)
    for (std::size_t h = 0; h < hospitals; ++h)
      if (chance(rng, 0.4)) {
        // Some entries are one-sided: listed by one side only, ignored by the algorithm.
        if (!chance(rng, 0.1)) m.resident_score[r][h] = uniform(rng, 0, 20);
        if (!chance(rng, 0.1)) m.hospital_score[h][r] = uniform(rng, 0, 20);
      }
  for (std::size_t h = 0; h < hospitals; ++h)
    m.seats.push_back(uniform(rng, 0, 4));
  return m;
}

TEST(StableGeneric, OwnSourcesGiveTheCompiledMatchings) {
  std::mt19937 rng(20261209);
  std::size_t matched = 0;
  for (int round = 0; round < 200; ++round) {
    const scored_market market = random_market(rng, static_cast<std::size_t>(uniform(rng, 0, 30)),
                                               static_cast<std::size_t>(uniform(rng, 1, 10)));
    const stable_instance in = as_instance(market);
    const compressed_preferences rows = compress(in);
    for (const stable_side side : {stable_side::residents, stable_side::hospitals}) {
      const stable_matching expected = stable_match(in, side);
      const stable_matching from_scores = stable_match(market, side);
      const stable_matching from_rows = stable_match(rows, side);
      EXPECT_EQ(from_scores, expected) << round << " " << to_string(side);
      EXPECT_EQ(from_rows, expected) << round << " " << to_string(side);
      EXPECT_TRUE(is_stable(market, from_scores.hospital_of));
      EXPECT_FALSE(find_blocking_pair(rows, from_rows.hospital_of));
      matched += expected.matched();
    }
  }
  EXPECT_GT(matched, 1000u);
}

TEST(StableGeneric, OwnSourcesFindTheSameBlockingPairs) {
  std::mt19937 rng(20261210);
  int blocked = 0;
  for (int round = 0; round < 300; ++round) {
    const scored_market market = random_market(rng, static_cast<std::size_t>(uniform(rng, 1, 12)),
                                               static_cast<std::size_t>(uniform(rng, 1, 5)));
    const stable_instance in = as_instance(market);
    const compressed_preferences rows = compress(in);
    // A random valid matching: each resident takes a random acceptable hospital with room.
    matching_t m(in.resident_prefs.size());
    std::vector<std::int32_t> used(in.hospital_prefs.size(), 0);
    for (std::uint32_t r = 0; r < m.size(); ++r)
      for (const std::uint32_t h : in.resident_prefs[r]) {
        const auto& theirs = in.hospital_prefs[h];
        if (used[h] < in.capacities[h] &&
            std::find(theirs.begin(), theirs.end(), r) != theirs.end() && chance(rng, 0.5)) {
          m[r] = h;
          ++used[h];
          break;
        }
      }
    const std::optional<blocking_pair> expected = find_blocking_pair(in, m);
    EXPECT_EQ(find_blocking_pair(market, m), expected) << round;
    EXPECT_EQ(find_blocking_pair(rows, m), expected) << round;
    EXPECT_EQ(is_stable(rows, m), !expected) << round;
    validate_matching(market, m);
    blocked += expected ? 1 : 0;
  }
  EXPECT_GT(blocked, 50);
}

TEST(StableGeneric, OwnSourcesAreValidatedLikeInstances) {
  using E = validation_error;
  compressed_preferences negative = compress(stable_instance{{{0}}, {{0}, {}}, {1, -2}});
  expect_error<E>([&] { (void)stable_match(negative); }, error_code::negative_value,
                  {.field = "capacities", .object_id = "hospital 1"});
  compressed_preferences unknown = compress(stable_instance{{{0}, {2}}, {{0}}, {1}});
  expect_error<E>([&] { validate(unknown); }, error_code::unknown_reference,
                  {.field = "resident_prefs", .object_id = "resident 1"});
  scored_market market{{{3, 1}}, {{2}, {-1}}, {1, 1}};  // hospital 1 does not list resident 0
  EXPECT_EQ(stable_match(market).hospital_of, (matching_t{0}));
  // Repeats cannot come from scores, but can from rows.
  compressed_preferences repeated = compress(stable_instance{{{0}, {0}}, {{1, 0, 1}}, {1}});
  expect_error<E>([&] { (void)stable_match(repeated, stable_side::hospitals); },
                  error_code::duplicate_id, {.field = "hospital_prefs", .object_id = "hospital 0"});
  expect_error<E>([&] { validate_matching(market, matching_t{1}); }, error_code::invalid_value,
                  {.field = "matching", .object_id = "resident 0"});
  expect_error<E>(
      [&] {
        (void)find_blocking_pair(market, matching_t{0, 0});
      },
      error_code::invalid_value, {.field = "matching"});
}

}  // namespace
}  // namespace keten_test
