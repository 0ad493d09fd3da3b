// src/core/synthetic_chains.hpp — the local chains of the synthetic national landscape, added by
// generate_national_landscape (src/core/synthetic_chains.cpp). Private to the library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keten/geography.hpp"
#include "keten/landscape.hpp"

namespace keten::detail {

/// Adds a local chain in most municipalities where partners of two or more members have their
/// home (docs/data.md, "Local chains"). `partners_at[m]` lists the ids of the partners at home in
/// municipality m, in member order. Deterministic for a seed.
void add_synthetic_chains(landscape_builder& out, const geography& places,
                          const std::vector<std::vector<std::string>>& partners_at,
                          std::uint64_t seed);

}  // namespace keten::detail
