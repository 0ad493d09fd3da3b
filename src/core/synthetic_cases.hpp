// src/core/synthetic_cases.hpp — synthetic cases one at a time, for a given municipality and help
// form, from a caller's random stream (the simulation's arrivals). Private to the library.
#pragma once

#include <memory>
#include <string>

#include "keten/case.hpp"
#include "keten/landscape.hpp"
#include "random.hpp"

namespace keten::detail {

/// Draws cases as generate_cases() does (docs/data.md, "Synthetic cases"), except that the
/// municipality and the help form of the first need are given and the random numbers come from
/// the caller's stream, so that each (municipality, help form) can have a stream of its own. The
/// landscape must outlive the source.
class case_source {
 public:
  explicit case_source(const landscape& context);
  ~case_source();
  case_source(const case_source&) = delete;
  case_source& operator=(const case_source&) = delete;

  [[nodiscard]] help_case draw(random_stream& rng, std::string id, municipality_index m,
                               help_form first);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The mean number of needs of a synthetic case (the need-count table of docs/data.md: 2.26).
[[nodiscard]] double mean_needs_per_case();

}  // namespace keten::detail
