// keten._ext: stable matching (keten/stable.hpp, docs/stable.md): hospital-resident instances
// from Python lists, blocking pairs, and the stable allocation of cases. Registered by ext.cpp.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "case_batch.hpp"
#include "keten/keten.hpp"
#include "table.hpp"

namespace py = pybind11;
using namespace keten_python;  // table, column, strings, invalid, ... (table.hpp)

void bind_stable(py::module_& m);

namespace {

/// Preference lists from Python: indexes checked against [0, n) here, so that a negative index is
/// a ValidationError naming the list, not a TypeError of the conversion.
std::vector<std::vector<std::uint32_t>> preference_lists(
    const std::vector<std::vector<std::int64_t>>& lists, std::int64_t other_side, const char* field,
    const char* owner) {
  std::vector<std::vector<std::uint32_t>> out(lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i)
    for (const std::int64_t v : lists[i]) {
      if (v < 0 || v >= other_side)
        throw keten::validation_error(
            keten::error_code::unknown_reference,
            "index " + std::to_string(v) + " is not in [0, " + std::to_string(other_side) + ")",
            {.field = field, .object_id = std::string(owner) + " " + std::to_string(i)});
      out[i].push_back(static_cast<std::uint32_t>(v));
    }
  return out;
}

keten::stable_instance stable_instance_of(const std::vector<std::vector<std::int64_t>>& residents,
                                          const std::vector<std::vector<std::int64_t>>& hospitals,
                                          const std::vector<std::int64_t>& capacities) {
  keten::stable_instance in;
  in.resident_prefs = preference_lists(residents, static_cast<std::int64_t>(hospitals.size()),
                                       "resident_prefs", "resident");
  in.hospital_prefs = preference_lists(hospitals, static_cast<std::int64_t>(residents.size()),
                                       "hospital_prefs", "hospital");
  for (std::size_t h = 0; h < capacities.size(); ++h) {
    const std::int64_t c = capacities[h];
    if (c < 0 || c > std::numeric_limits<std::int32_t>::max())
      throw keten::validation_error(
          c < 0 ? keten::error_code::negative_value : keten::error_code::invalid_value,
          "capacity " + std::to_string(c) + " is not in [0, 2^31)",
          {.field = "capacities", .object_id = "hospital " + std::to_string(h)});
    in.capacities.push_back(static_cast<std::int32_t>(c));
  }
  return in;
}

keten::stable_side stable_side_of(const std::string& side) {
  if (side == "residents") return keten::stable_side::residents;
  if (side == "hospitals") return keten::stable_side::hospitals;
  invalid("optimal is 'residents' or 'hospitals', not '" + side + "'", "optimal");
}

std::vector<std::optional<std::uint32_t>> matching_of(
    const std::vector<std::optional<std::int64_t>>& matching, std::size_t hospitals) {
  std::vector<std::optional<std::uint32_t>> out(matching.size());
  for (std::size_t r = 0; r < matching.size(); ++r)
    if (matching[r]) {
      const std::int64_t h = *matching[r];
      if (h < 0 || h >= static_cast<std::int64_t>(hospitals))
        throw keten::validation_error(
            keten::error_code::unknown_reference, "hospital " + std::to_string(h) + " is not known",
            {.field = "matching", .object_id = "resident " + std::to_string(r)});
      out[r] = static_cast<std::uint32_t>(h);
    }
  return out;
}

/// One row per need of the cases, assigned or not.
table stable_allocation_table(const keten::landscape& l, const std::vector<keten::help_case>& cases,
                              const keten::stable_allocation& a) {
  std::vector<std::size_t> first(cases.size() + 1, 0);
  for (std::size_t i = 0; i < cases.size(); ++i)
    first[i + 1] = first[i] + cases[i].needs.size();
  const std::size_t n = first.back();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> case_index(n), need(n), queue(n, 0);
  std::vector<double> priority(n), fit(n, nan);
  object_column case_id(n), category(n), offering(n), reason(n), waiting_for(n);
  for (std::size_t ci = 0; ci < cases.size(); ++ci)
    for (std::size_t ni = 0; ni < cases[ci].needs.size(); ++ni) {
      const std::size_t row = first[ci] + ni;
      case_index[row] = static_cast<std::int64_t>(ci);
      need[row] = static_cast<std::int64_t>(ni);
      case_id.set(row, cases[ci].id);
      category.set(row, cases[ci].needs[ni].category);
    }
  for (const keten::assigned_need& x : a.assigned) {
    const std::size_t row = first[x.need.case_index] + x.need.need_index;
    offering.set(row, l.offerings()[x.offering].id);
    priority[row] = keten::to_points(x.priority);
    fit[row] = keten::to_points(x.fit);
    reason.set(row, py::none());
    waiting_for.set(row, py::none());
  }
  for (const keten::unmet_need& u : a.unmet) {
    const std::size_t row = first[u.need.case_index] + u.need.need_index;
    offering.set(row, py::none());
    priority[row] = keten::to_points(u.priority);
    reason.set(row, std::string(keten::to_string(u.reason)));
    waiting_for.set(row, u.waiting_for ? py::object(py::str(l.offerings()[*u.waiting_for].id))
                                       : py::object(py::none()));
    queue[row] = static_cast<std::int64_t>(u.queue_position);
  }
  table t;
  t.add("case", case_id.done());
  t.add("case_index", column(std::move(case_index)));
  t.add("need", column(std::move(need)));
  t.add("category", category.done());
  t.add("offering", offering.done());
  t.add("priority", column(std::move(priority)));
  t.add("fit", column(std::move(fit)));
  t.add("reason", reason.done());
  t.add("waiting_for", waiting_for.done());
  t.add("queue_position", column(std::move(queue)));
  return t;
}

}  // namespace

void bind_stable(py::module_& m) {
  // --- stable matching (keten/stable.hpp, docs/stable.md) ---------------------------------
  m.def(
      "stable_match",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities, const std::string& optimal) {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        const keten::stable_side side = stable_side_of(optimal);
        py::gil_scoped_release release;
        return keten::stable_match(in, side).hospital_of;
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"), py::kw_only(),
      py::arg("optimal") = "residents",
      "The resident-optimal (or, with optimal='hospitals', hospital-optimal) stable matching of a "
      "hospital-resident instance by deferred acceptance: per resident its hospital or None. Lists "
      "are indexes, most preferred first; only mutually listed pairs are acceptable. Raises "
      "ValidationError for a bad index, a repeat in a list or a negative capacity.");
  m.def(
      "find_blocking_pair",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities,
         const std::vector<std::optional<std::int64_t>>& matching)
          -> std::optional<std::pair<std::uint32_t, std::uint32_t>> {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        const auto of = matching_of(matching, in.hospital_prefs.size());
        const auto pair = keten::find_blocking_pair(in, of);
        if (!pair) return std::nullopt;
        return std::pair{pair->resident, pair->hospital};
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"),
      py::arg("matching"),
      "A blocking pair (resident, hospital) of the matching (per resident its hospital or None), "
      "or None if it is stable. Raises ValidationError if the matching is not a matching of the "
      "instance (unacceptable pair, over capacity).");
  m.def(
      "is_stable",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities,
         const std::vector<std::optional<std::int64_t>>& matching) {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        return keten::is_stable(in, matching_of(matching, in.hospital_prefs.size()));
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"),
      py::arg("matching"),
      "True if the matching is a matching of the instance without a blocking pair.");
  m.def(
      "allocate_stable",
      [](const keten::landscape& l, const case_batch& cases, const std::string& optimal,
         const std::optional<keten::match_weights>& weights, double waiting_day,
         const std::vector<int>& days_waiting) {
        keten::stable_policy policy;
        if (optimal == "needs")
          policy.optimal = keten::stable_side::residents;
        else if (optimal == "offerings")
          policy.optimal = keten::stable_side::hospitals;
        else
          invalid("optimal is 'needs' or 'offerings', not '" + optimal + "'", "optimal");
        if (weights) policy.weights = *weights;
        policy.waiting_day = waiting_day;
        keten::stable_allocation a;
        {
          py::gil_scoped_release release;
          a = keten::allocate_stable(l, cases.get(), policy, days_waiting);
        }
        return stable_allocation_table(l, cases.get(), a);
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("optimal") = "needs",
      py::arg("weights") = py::none(), py::arg("waiting_day") = 1.0,
      py::arg("days_waiting") = std::vector<int>{},
      "A stable assignment of every need of the cases to offerings under free capacity (see "
      "keten.allocate_stable). Releases the GIL.");
}
