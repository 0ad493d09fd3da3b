// src/core/random.hpp — the reproducible random numbers of the generators. Private to the library.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace keten::detail {

// Random numbers: xoshiro256** seeded by splitmix64, one independent stream per purpose, so that
// changing how one member is generated leaves the others as they were.

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// FNV-1a, to turn a stream name into a number.
inline std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

class random_stream {
 public:
  random_stream(std::uint64_t seed, std::string_view stream) {
    std::uint64_t state = seed ^ fnv1a(stream);
    for (auto& word : state_)
      word = splitmix64(state);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, n); n > 0. Rejection sampling, so no modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

  /// Uniform in [lo, hi], inclusive; lo ≤ hi.
  std::int32_t between(std::int32_t lo, std::int32_t hi) {
    const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
    return static_cast<std::int32_t>(lo + static_cast<std::int64_t>(below(span)));
  }

  /// True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) { return below(1000) < per_mille; }

  /// An index drawn in proportion to the weights; at least one weight must be positive.
  template <class Weight>
  std::size_t weighted(std::span<const Weight> weights) {
    std::uint64_t total = 0;
    for (Weight w : weights)
      total += static_cast<std::uint64_t>(w);
    std::uint64_t r = below(total);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const auto w = static_cast<std::uint64_t>(weights[i]);
      if (r < w) return i;
      r -= w;
    }
    return weights.size() - 1;  // not reached
  }
  template <class Weight, std::size_t N>
  std::size_t weighted(const std::array<Weight, N>& weights) {
    return weighted(std::span<const Weight>(weights));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_{};
};

}  // namespace keten::detail
