// bindings/python/case_batch.hpp — the C++ side of keten.Cases, shared by the binding's files.
#pragma once

#include <memory>
#include <vector>

#include "keten/case.hpp"

namespace keten_python {

/// An immutable batch of cases held in C++, so that a batch match or an allocation reads it
/// without conversion; copies share the vector.
struct case_batch {
  std::shared_ptr<const std::vector<keten::help_case>> items =
      std::make_shared<const std::vector<keten::help_case>>();

  case_batch() = default;
  explicit case_batch(std::vector<keten::help_case> cases)
      : items(std::make_shared<const std::vector<keten::help_case>>(std::move(cases))) {}
  [[nodiscard]] const std::vector<keten::help_case>& get() const { return *items; }
};

}  // namespace keten_python
