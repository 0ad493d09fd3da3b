// bindings/python/allocation_result.hpp — the C++ side of keten.Allocation (flow_ext.cpp), shared
// with ledger_ext.cpp (Ledger.seed).
#pragma once

#include <memory>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/landscape.hpp"

namespace keten_python {

struct allocation_result {
  keten::landscape land;
  std::shared_ptr<const std::vector<keten::help_case>> cases;  // shared with a keten.Cases batch
  keten::allocation result;
};

}  // namespace keten_python
