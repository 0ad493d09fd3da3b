// detail::large_vector (src/core/large_vector.hpp), the vector of allocation's per-need arrays:
// blocks of 2 MiB and more are 2 MiB-aligned (advised as huge pages), smaller ones come from
// std::allocator; growing across the threshold keeps the contents; absurd sizes are refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>

#include "../../src/core/large_vector.hpp"

namespace {

using keten::detail::large_allocator;
using keten::detail::large_vector;

TEST(LargeVector, GrowsAcrossTheHugePageThresholdKeepingItsContents) {
  large_vector<std::uint64_t> v;
  constexpr std::size_t huge = large_allocator<std::uint64_t>::huge;
  for (std::uint64_t i = 0; i < 3 * huge / sizeof(std::uint64_t); ++i) {
    v.push_back(i * 7 + 1);
    if (v.capacity() * sizeof(std::uint64_t) >= huge) {
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % huge, 0U) << v.capacity();
    }
  }
  for (std::uint64_t i = 0; i < v.size(); ++i)
    ASSERT_EQ(v[i], i * 7 + 1);
  large_vector<std::uint64_t> copy = v;
  EXPECT_EQ(copy, v);
  v.assign(10, 3);  // capacity stays; small ones use std::allocator
  large_vector<std::uint64_t> small(10, 3);
  EXPECT_EQ(v, small);
}

TEST(LargeVector, RefusesSizesBeyondAddressableMemory) {
  large_allocator<std::uint64_t> a;
  EXPECT_THROW((void)a.allocate(std::size_t(-1) / 8), std::bad_array_new_length);
  EXPECT_THROW((void)a.allocate(std::size_t(-1) / 8 - 1), std::bad_array_new_length);
}

}  // namespace
