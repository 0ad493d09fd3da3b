// keten/detail/string_hash.hpp — the map from ids (municipality codes, category ids, partner and
// offering ids) to indices: looked up with a std::string_view, without building a string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keten::detail {

/// The bytes [p, p + n) for n ≤ 8 as a little-endian word (zero above), without a call: one or
/// two overlapping loads of the bytes themselves. Equal to memcpy of n bytes into a zero word on a
/// little-endian machine.
[[nodiscard]] inline std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
  const auto byte = [p](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
  };
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return std::uint64_t{lo} | (std::uint64_t{hi} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  return byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)));
}

/// A fast 64-bit hash of a short string: eight bytes at a time, each word folded in with a
/// multiply-xorshift step, the length mixed in. Ids are short (a municipality code has six
/// bytes), so this costs a few multiplications and no call where std::hash runs a general-purpose
/// byte hash.
[[nodiscard]] inline std::uint64_t short_string_hash(std::string_view s) noexcept {
  constexpr std::uint64_t k = 0x9e3779b97f4a7c15ULL;
  const auto fold = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
  };
  std::uint64_t h = k ^ s.size();
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = fold(h, w);
  }
  if (n > 0) {
    std::uint64_t w;
    if (s.size() >= 8) {  // the last n bytes, from the last full word (no call for n bytes)
      std::memcpy(&w, s.data() + s.size() - 8, 8);
      w >>= 8 * (8 - n);
    } else {
      w = load_tail(p, n);
    }
    h = fold(h, w + k);
  }
  h = (h ^ (h >> 29)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}

/// a == b, without a call: 8-byte words, the last one overlapping, or load_tail below 8 bytes.
[[nodiscard]] inline bool same_string(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) return load_tail(a.data(), n) == load_tail(b.data(), n);
  std::uint64_t diff = 0;
  for (std::size_t i = 0; i + 8 < n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  std::uint64_t x, y;
  std::memcpy(&x, a.data() + n - 8, 8);
  std::memcpy(&y, b.data() + n - 8, 8);
  return (diff | (x ^ y)) == 0;
}

template <class Value>
class string_map {
 public:
  using value_type = std::pair<std::string, Value>;
  using const_iterator = const value_type*;
  using iterator = value_type*;

  [[nodiscard]] const_iterator find(std::string_view key) const noexcept {
    if (slots_.empty()) return end();
    const std::uint64_t h = short_string_hash(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot s = slots_[i];
      if (s.entry == 0) return end();
      if (s.tag == tag && same_string(entries_[s.entry - 1].first, key))
        return &entries_[s.entry - 1];
    }
  }
  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != end(); }

  /// Adds key → value unless the key is present; the entry, and whether it was added.
  std::pair<iterator, bool> emplace(std::string key, Value value) {
    if (const_iterator it = find(key); it != end())
      return {entries_.data() + (it - entries_.data()), false};
    if (2 * (entries_.size() + 1) > slots_.size()) rehash(entries_.size() + 1);
    entries_.emplace_back(std::move(key), std::move(value));
    place(static_cast<std::uint32_t>(entries_.size()));
    return {&entries_.back(), true};
  }

  void reserve(std::size_t count) {
    entries_.reserve(count);
    if (2 * count > slots_.size()) rehash(count);
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return entries_.data(); }
  [[nodiscard]] const_iterator end() const noexcept { return entries_.data() + entries_.size(); }

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t entry = 0;  // entry number + 1; 0: empty
  };

  /// A table for at least `count` entries, at most half full, holding the present ones.
  void rehash(std::size_t count) {
    std::size_t size = slots_.empty() ? 16 : slots_.size();
    while (2 * count > size)
      size *= 2;
    slots_.assign(size, slot{});
    mask_ = size - 1;
    for (std::uint32_t e = 1; e <= entries_.size(); ++e)
      place(e);
  }

  void place(std::uint32_t entry) {
    const std::uint64_t h = short_string_hash(entries_[entry - 1].first);
    std::size_t i = h & mask_;
    while (slots_[i].entry != 0)
      i = (i + 1) & mask_;
    slots_[i] = {static_cast<std::uint32_t>(h >> 32), entry};
  }

  std::vector<value_type> entries_;
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace keten::detail
