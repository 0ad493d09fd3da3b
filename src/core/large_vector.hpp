// src/core/large_vector.hpp — a std::vector whose large blocks sit on transparent huge pages, for
// the arrays that allocation reads at random (per need, per class): one TLB entry covers 2 MiB
// instead of 4 KiB, and a first touch faults once per 2 MiB. Private to the library.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace keten::detail {

/// std::allocator for blocks under 2 MiB; above, 2 MiB-aligned memory advised as huge pages (on
/// Linux, where the kernel's transparent huge pages allow it; elsewhere plain aligned memory).
template <class T>
struct large_allocator {
  using value_type = T;
  static constexpr std::size_t huge = std::size_t{2} << 20;

  large_allocator() noexcept = default;
  template <class U>
  large_allocator(const large_allocator<U>&) noexcept {}

  [[nodiscard]] T* allocate(std::size_t n) {
    if (n > (std::size_t(-1) - huge) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < huge) return std::allocator<T>{}.allocate(n);
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
    void* p = std::aligned_alloc(huge, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without huge pages nothing changes
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < huge)
      std::allocator<T>{}.deallocate(p, n);
    else
      std::free(p);
  }

  template <class U>
  friend bool operator==(const large_allocator&, const large_allocator<U>&) noexcept {
    return true;
  }
};

template <class T>
using large_vector = std::vector<T, large_allocator<T>>;

}  // namespace keten::detail
