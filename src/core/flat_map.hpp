// src/core/flat_map.hpp — a small open-addressing hash map for the hot loops of allocation:
// integer-like keys, insertion-or-lookup only. Private to the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace keten::detail {

/// splitmix64's finaliser: a cheap, well-mixing 64-bit hash step.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Linear probing over a power-of-two table kept at most half full. `Hash` maps a key to 64 bits;
/// keys compare with ==. No erase or plain lookup: the maps it serves only grow. References
/// returned stay valid until the next insertion.
template <class Key, class Value, class Hash>
class flat_map {
 public:
  /// The value stored for `key`, and true if it was added (value-initialised) by this call.
  std::pair<Value&, bool> try_emplace(const Key& key) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    for (std::size_t i = Hash{}(key)&mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (!s.used) {
        s.used = true;
        s.key = key;
        s.value = Value{};
        ++size_;
        return {s.value, true};
      }
      if (s.key == key) return {s.value, false};
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct slot {
    Key key{};
    Value value{};
    bool used = false;
  };

  void grow() {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), slot{});
    mask_ = slots_.size() - 1;
    for (slot& s : old)
      if (s.used) {
        std::size_t i = Hash{}(s.key) & mask_;
        while (slots_[i].used)
          i = (i + 1) & mask_;
        slots_[i] = std::move(s);
      }
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

/// Hash for keys that are (or convert to) 64-bit integers.
struct int_hash {
  template <class T>
  std::uint64_t operator()(T key) const noexcept {
    return mix64(static_cast<std::uint64_t>(key));
  }
};

}  // namespace keten::detail
