// keten::allocator (keten/allocation.hpp): a day's arrivals, closures and capacity changes applied
// to one allocation engine, all or nothing per batch, each solve a warm repair of the last
// (src/core/allocation_engine.hpp).
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "allocation_engine.hpp"

namespace keten {

namespace {

/// Throws validation_error naming the first case whose id is already taken, by an earlier case or
/// by one `present`. An open-addressing table of 64-bit id hashes (xxHash), compared in full on a
/// hash match: O(cases).
void check_unique_ids(std::span<const help_case> cases,
                      const std::unordered_map<std::string, std::uint32_t>* present = nullptr) {
  detail::unique_ids ids(cases);
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    ids.insert(ci);
    if (present && present->contains(cases[ci].id))
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = cases[ci].id});
  }
}

}  // namespace

struct allocator::impl {
  impl(const landscape& l, allocation_policy p) : e(l, p, true) { e.track_changes(); }
  detail::allocation_engine e;
  std::vector<help_case> cases;
  std::unordered_map<std::string, std::uint32_t> present;  // id → index in cases
};

allocator::allocator(const landscape& l, allocation_policy policy)
    : impl_(std::make_unique<impl>(l, std::move(policy))) {}
allocator::~allocator() = default;
allocator::allocator(allocator&&) noexcept = default;
allocator& allocator::operator=(allocator&&) noexcept = default;

void allocator::add_cases(std::span<const help_case> cases, std::span<const int> days_waiting) {
  detail::check_case_count(impl_->cases.size() + cases.size());
  check_unique_ids(cases, &impl_->present);
  const auto first = static_cast<std::uint32_t>(impl_->cases.size());
  impl_->e.add(cases, days_waiting, first);  // validates all before adding any
  for (std::size_t i = 0; i < cases.size(); ++i) {
    impl_->cases.push_back(cases[i]);
    impl_->present.emplace(cases[i].id, first + static_cast<std::uint32_t>(i));
  }
}

void allocator::remove_case(std::string_view id) {
  const auto it = impl_->present.find(std::string(id));
  if (it == impl_->present.end())
    throw not_found_error(fmt::format("no case with id \"{}\" is waiting", id),
                          {.field = "id", .object_id = std::string(id)});
  impl_->e.remove(it->second);
  impl_->present.erase(it);
}

void allocator::set_free_units(offering_index o, std::int32_t units) {
  impl_->e.set_free_units(o, units);
}

void allocator::apply(const allocation_changes& batch) {
  // Everything is checked before anything changes.
  std::unordered_map<std::string, std::size_t> closing;
  for (std::size_t k = 0; k < batch.close.size(); ++k) {
    const std::string& id = batch.close[k];
    if (!impl_->present.contains(id))
      throw not_found_error(fmt::format("no case with id \"{}\" is waiting", id),
                            {.field = fmt::format("close[{}]", k), .object_id = id});
    if (!closing.emplace(id, k).second)
      throw validation_error(error_code::duplicate_id, "a case closes twice in one batch",
                             {.field = fmt::format("close[{}]", k), .object_id = id});
  }
  detail::check_case_count(impl_->cases.size() + batch.arrive.size());
  check_unique_ids(batch.arrive);
  const landscape& l = impl_->e.land();
  for (std::size_t k = 0; k < batch.arrive.size(); ++k) {
    const help_case& c = batch.arrive[k];
    if (impl_->present.contains(c.id) && !closing.contains(c.id))
      throw validation_error(error_code::duplicate_id, "an arriving case is already waiting",
                             {.field = fmt::format("arrive[{}]", k), .object_id = c.id});
    validate(c, l.categories(), l.places());
  }
  for (std::size_t k = 0; k < batch.free_units.size(); ++k)
    impl_->e.check_free_units(batch.free_units[k].first, batch.free_units[k].second,
                              fmt::format("free_units[{}]", k));
  for (const std::string& id : batch.close)
    remove_case(id);
  add_cases(batch.arrive);
  for (const auto& [o, units] : batch.free_units)
    set_free_units(o, units);
}

const allocation& allocator::solve() {
  const allocation& out = impl_->e.solve(impl_->cases);
  impl_->e.prepare_repairs();  // with the first solve, so that re-solves pay only their change
  return out;
}

std::span<const help_case> allocator::cases() const {
  return impl_->cases;
}
bool allocator::contains(std::string_view id) const {
  return impl_->present.contains(std::string(id));
}
std::size_t allocator::size() const {
  return impl_->present.size();
}
const allocation_policy& allocator::policy() const {
  return impl_->e.policy();
}

}  // namespace keten
