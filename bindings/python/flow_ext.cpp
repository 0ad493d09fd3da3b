// keten._ext, part two: minimum-cost flow (keten/flow.hpp, keten/dimacs.hpp,
// keten/flow_instances.hpp), the allocation of a whole day (keten/allocation.hpp) and HSDS import
// and export (keten/hsds.hpp). Called from ext.cpp's PYBIND11_MODULE by bind_flow(m), after the
// Landscape, Case, MatchWeights and Table classes are registered; C++ errors are translated by the
// translator registered there. Every call that does real work releases the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>
#include <pybind11/typing.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/dimacs.hpp"
#include "keten/flow.hpp"
#include "keten/flow_instances.hpp"
#include "keten/keten.hpp"

#include "allocation_result.hpp"
#include "case_batch.hpp"

namespace py = pybind11;

void bind_flow(py::module_& m);

namespace {

namespace flow = keten::flow;

// --- columns --------------------------------------------------------------------------------

/// A numpy array that owns the vector's buffer (moved, not copied).
template <class T>
py::array_t<T> owned(std::vector<T>&& values) {
  auto* heap = new std::vector<T>(std::move(values));
  const py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

/// A 1-D object array of str / None.
py::array object_array(const std::vector<py::object>& values) {
  py::array out(py::dtype("O"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(values.size())});
  auto** slots = static_cast<PyObject**>(out.mutable_data());
  for (std::size_t i = 0; i < values.size(); ++i) {
    Py_XDECREF(slots[i]);
    slots[i] = values[i].inc_ref().ptr();
  }
  return out;
}

[[noreturn]] void invalid(std::string message, std::string field, std::string object_id = {}) {
  throw keten::validation_error(keten::error_code::invalid_value, std::move(message),
                                {.field = std::move(field), .object_id = std::move(object_id)});
}

/// A 1-D array-like of integers as int64 values. Raises TypeError for a non-integer dtype (floats
/// are not rounded silently) and ValidationError for a value outside int64.
std::vector<std::int64_t> int64_values(const py::handle& values, const char* name) {
  const py::array array = py::module_::import("numpy").attr("asarray")(values);
  if (array.ndim() != 1)
    invalid(std::string(name) + " must be one-dimensional, not of " + std::to_string(array.ndim()) +
                " dimensions",
            name);
  const auto n = static_cast<std::size_t>(array.shape(0));
  if (n == 0) return {};
  const char kind = array.dtype().kind();
  if (kind != 'i' && kind != 'u' && kind != 'b')
    throw py::type_error(std::string(name) + " must hold integers, not " +
                         py::str(array.dtype()).cast<std::string>());
  if (kind == 'u' && array.dtype().itemsize() == 8) {
    const auto largest = py::int_(array.attr("max")()).cast<std::uint64_t>();
    if (largest > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      invalid(std::string(name) + " holds a value above 2^63 - 1", name);
  }
  const auto ints = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(
      array.attr("astype")("int64"));
  const std::int64_t* data = ints.data();
  return {data, data + n};
}

flow::flow_network network_of(const py::handle& supply, const py::handle& source,
                              const py::handle& target, const py::handle& lower,
                              const py::handle& upper, const py::handle& cost) {
  flow::flow_network g;
  g.supply = int64_values(supply, "supply");
  const std::vector<std::int64_t> from = int64_values(source, "source");
  const std::vector<std::int64_t> to = int64_values(target, "target");
  g.lower = int64_values(lower, "lower");
  g.upper = int64_values(upper, "upper");
  g.cost = int64_values(cost, "cost");
  const std::size_t m = from.size();
  const std::pair<const char*, std::size_t> lengths[] = {{"target", to.size()},
                                                         {"lower", g.lower.size()},
                                                         {"upper", g.upper.size()},
                                                         {"cost", g.cost.size()}};
  for (const auto& [name, size] : lengths)
    if (size != m)
      invalid(std::string(name) + " has " + std::to_string(size) + " arcs, source has " +
                  std::to_string(m),
              name);
  if (g.supply.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      m > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    invalid("too many nodes or arcs", "supply");
  const auto nodes = static_cast<std::int64_t>(g.supply.size());
  g.source.resize(m);
  g.target.resize(m);
  for (std::size_t a = 0; a < m; ++a) {
    for (const auto& [field, value, out] :
         {std::tuple{"source", from[a], &g.source[a]}, std::tuple{"target", to[a], &g.target[a]}}) {
      if (value < 0 || value >= nodes)
        throw keten::validation_error(
            keten::error_code::unknown_reference,
            "node " + std::to_string(value) + " is not in [0, " + std::to_string(nodes) + ")",
            {.field = field, .object_id = "arc " + std::to_string(a)});
      *out = static_cast<int>(value);
    }
  }
  return g;
}

/// The network's columns (0-based node ids, all int64).
using columns_t = py::typing::Dict<py::str, py::array_t<std::int64_t>>;

columns_t network_columns(flow::flow_network&& g) {
  std::vector<std::int64_t> source(g.source.begin(), g.source.end());
  std::vector<std::int64_t> target(g.target.begin(), g.target.end());
  columns_t d;
  d["supply"] = owned(std::move(g.supply));
  d["source"] = owned(std::move(source));
  d["target"] = owned(std::move(target));
  d["lower"] = owned(std::move(g.lower));
  d["upper"] = owned(std::move(g.upper));
  d["cost"] = owned(std::move(g.cost));
  return d;
}

/// The outcome of min_cost_flow, its arrays already numpy arrays.
struct flow_result {
  flow::flow_status status = flow::flow_status::infeasible;
  std::int64_t cost = 0;
  py::array_t<std::int64_t> flow;
  py::array_t<std::int64_t> potential;
  flow::flow_method method = flow::flow_method::network_simplex;
};

// --- allocation -----------------------------------------------------------------------------

using keten_python::allocation_result;  // allocation_result.hpp

py::object make_table(const py::dict& columns) {
  return py::module_::import("keten._ext").attr("Table")(columns);
}

py::object str_or_none(const std::optional<std::string>& s) {
  return s ? py::object(py::str(*s)) : py::object(py::none());
}

py::object assigned_table(const allocation_result& a) {
  const keten::landscape& l = a.land;
  const std::size_t n = a.result.assigned.size();
  std::vector<py::object> case_id, category, offering, partner;
  std::vector<std::int64_t> case_index, need;
  std::vector<double> priority, fit, total;
  case_id.reserve(n);
  for (const keten::assigned_need& x : a.result.assigned) {
    const keten::help_case& c = (*a.cases)[x.need.case_index];
    case_id.emplace_back(py::str(c.id));
    case_index.push_back(x.need.case_index);
    need.push_back(x.need.need_index);
    category.emplace_back(py::str(c.needs[x.need.need_index].category));
    offering.emplace_back(py::str(l.offerings()[x.offering].id));
    partner.emplace_back(py::str(l.partners()[l.partner_of(x.offering)].id));
    priority.push_back(keten::to_points(x.priority));
    fit.push_back(keten::to_points(x.fit));
    total.push_back(keten::to_points(x.priority + x.fit));
  }
  py::dict d;
  d["case"] = object_array(case_id);
  d["case_index"] = owned(std::move(case_index));
  d["need"] = owned(std::move(need));
  d["category"] = object_array(category);
  d["offering"] = object_array(offering);
  d["partner"] = object_array(partner);
  d["priority"] = owned(std::move(priority));
  d["fit"] = owned(std::move(fit));
  d["total"] = owned(std::move(total));
  return make_table(d);
}

py::object unmet_table(const allocation_result& a) {
  const keten::landscape& l = a.land;
  std::vector<py::object> case_id, category, reason, waiting_for;
  std::vector<std::int64_t> place, case_index, need, queue;
  std::vector<double> priority;
  std::int64_t k = 0;
  for (const keten::unmet_need& u : a.result.unmet) {
    const keten::help_case& c = (*a.cases)[u.need.case_index];
    place.push_back(++k);
    case_id.emplace_back(py::str(c.id));
    case_index.push_back(u.need.case_index);
    need.push_back(u.need.need_index);
    category.emplace_back(py::str(c.needs[u.need.need_index].category));
    reason.emplace_back(py::str(std::string(keten::to_string(u.reason))));
    priority.push_back(keten::to_points(u.priority));
    waiting_for.push_back(u.waiting_for ? str_or_none(l.offerings()[*u.waiting_for].id)
                                        : py::object(py::none()));
    queue.push_back(static_cast<std::int64_t>(u.queue_position));
  }
  py::dict d;
  d["place"] = owned(std::move(place));
  d["case"] = object_array(case_id);
  d["case_index"] = owned(std::move(case_index));
  d["need"] = owned(std::move(need));
  d["category"] = object_array(category);
  d["reason"] = object_array(reason);
  d["priority"] = owned(std::move(priority));
  d["waiting_for"] = object_array(waiting_for);
  d["queue_position"] = owned(std::move(queue));
  return make_table(d);
}

py::object changes_table(const allocation_result& a) {
  const keten::landscape& l = a.land;
  std::vector<py::object> case_id, category, before, after;
  std::vector<std::int64_t> case_index, need;
  const auto offering = [&l](const std::optional<keten::offering_index>& o) {
    return o ? py::object(py::str(l.offerings()[*o].id)) : py::object(py::none());
  };
  for (const keten::need_change& x : a.result.changes) {
    const keten::help_case& c = (*a.cases)[x.need.case_index];
    case_id.emplace_back(py::str(c.id));
    case_index.push_back(x.need.case_index);
    need.push_back(x.need.need_index);
    category.emplace_back(py::str(c.needs[x.need.need_index].category));
    before.push_back(offering(x.before));
    after.push_back(offering(x.after));
  }
  py::dict d;
  d["case"] = object_array(case_id);
  d["case_index"] = owned(std::move(case_index));
  d["need"] = owned(std::move(need));
  d["category"] = object_array(category);
  d["before"] = object_array(before);
  d["after"] = object_array(after);
  return make_table(d);
}

/// A landscape and an allocator over it; the allocator refers to the landscape, so this object
/// never moves (pybind11 keeps it behind a unique_ptr).
struct py_allocator {
  py_allocator(keten::landscape l, keten::allocation_policy policy)
      : land(std::move(l)), alloc(land, std::move(policy)) {}
  py_allocator(const py_allocator&) = delete;
  py_allocator& operator=(const py_allocator&) = delete;
  /// The offering with this id; not_found_error naming `field` if there is none.
  [[nodiscard]] keten::offering_index offering(const std::string& id, const char* field) const {
    const auto o = land.find_offering(id);
    if (!o)
      throw keten::not_found_error("no offering with id \"" + id + "\" in the landscape",
                                   {.field = field, .object_id = id});
    return *o;
  }
  keten::landscape land;
  keten::allocator alloc;
};

keten::allocation_policy allocation_policy_of(double fairness, double waiting_day,
                                              bool improve_complementarity,
                                              const std::optional<keten::match_weights>& weights) {
  keten::allocation_policy policy;
  if (weights) policy.weights = *weights;
  policy.fairness = fairness;
  policy.waiting_day = waiting_day;
  policy.improve_complementarity = improve_complementarity;
  return policy;
}

/// Cases from any iterable of Case: a Cases batch is shared as it is, other iterables (a list of
/// Case) are copied.
std::shared_ptr<const std::vector<keten::help_case>> cases_of(const py::iterable& cases) {
  if (py::isinstance<keten_python::case_batch>(cases))
    return py::cast<const keten_python::case_batch&>(cases).items;
  std::vector<keten::help_case> out;
  for (const py::handle item : cases)
    out.push_back(py::cast<keten::help_case>(item));
  return std::make_shared<const std::vector<keten::help_case>>(std::move(out));
}

// --- HSDS -----------------------------------------------------------------------------------

using warnings_t = py::typing::List<py::typing::Dict<py::str, py::object>>;

warnings_t warning_dicts(const keten::hsds_import_report& report) {
  warnings_t out;
  for (const keten::hsds_warning& w : report.warnings) {
    const keten::source_position& p = w.where;
    py::dict d;
    d["message"] = w.message;
    d["file"] = p.file.empty() ? py::object(py::none()) : py::object(py::str(p.file));
    d["line"] = p.line == 0 ? py::object(py::none()) : py::object(py::int_(p.line));
    d["pointer"] = p.pointer.empty() ? py::object(py::none()) : py::object(py::str(p.pointer));
    d["field"] = p.field.empty() ? py::object(py::none()) : py::object(py::str(p.field));
    d["object_id"] =
        p.object_id.empty() ? py::object(py::none()) : py::object(py::str(p.object_id));
    d["text"] = w.to_string();
    out.append(d);
  }
  return out;
}

std::pair<keten::landscape, warnings_t> import_result(keten::hsds_import_result&& r) {
  return {std::move(r.imported), warning_dicts(r.report)};
}

}  // namespace

void bind_flow(py::module_& m) {
  // --- min-cost flow ----------------------------------------------------------------------
  py::class_<flow_result>(m, "FlowSolution", "The outcome of min_cost_flow.")
      .def_property_readonly(
          "status", [](const flow_result& r) { return std::string(flow::to_string(r.status)); },
          "'optimal' or 'infeasible'.")
      .def_readonly("cost", &flow_result::cost,
                    "The minimum total cost, lower bounds included (0 if infeasible).")
      .def_readonly("flow", &flow_result::flow,
                    "The flow per arc, numpy int64 (empty if infeasible).")
      .def_readonly("potential", &flow_result::potential,
                    "Node potentials of an optimal dual, numpy int64 (empty if infeasible): "
                    "cost + potential[source] - potential[target] >= 0 on every arc below its "
                    "capacity, <= 0 on every arc above its lower bound.")
      .def_property_readonly(
          "method", [](const flow_result& r) { return std::string(flow::to_string(r.method)); },
          "The solver that ran: 'assignment' (shortest augmenting paths, for assignment "
          "instances) or 'network_simplex'.")
      .def("__repr__", [](const flow_result& r) {
        return "<FlowSolution " + std::string(flow::to_string(r.status)) +
               (r.status == flow::flow_status::optimal ? ", cost " + std::to_string(r.cost) : "") +
               ">";
      });

  m.def(
      "min_cost_flow",
      [](const py::object& supply, const py::object& source, const py::object& target,
         const py::object& lower, const py::object& upper, const py::object& cost) {
        const flow::flow_network g = network_of(supply, source, target, lower, upper, cost);
        flow::flow_solution s;
        {
          py::gil_scoped_release release;
          s = flow::solve_min_cost_flow(g);
        }
        flow_result out;
        out.status = s.status;
        out.cost = s.cost;
        out.flow = owned(std::move(s.flow));
        out.potential = owned(std::move(s.potential));
        out.method = s.method;
        return out;
      },
      py::arg("supply"), py::arg("source"), py::arg("target"), py::arg("lower"), py::arg("upper"),
      py::arg("cost"),
      "Minimum-cost flow: shortest augmenting paths on assignment instances, else the primal "
      "network simplex (see keten.min_cost_flow). Node ids are 0-based. Releases the GIL.");
  m.def(
      "check_flow_optimality",
      [](const py::object& supply, const py::object& source, const py::object& target,
         const py::object& lower, const py::object& upper, const py::object& cost,
         const py::object& flow_values, const py::object& potential) {
        const flow::flow_network g = network_of(supply, source, target, lower, upper, cost);
        const std::vector<std::int64_t> f = int64_values(flow_values, "flow");
        const std::vector<std::int64_t> pi = int64_values(potential, "potential");
        py::gil_scoped_release release;
        return flow::check_optimality(g, f, pi);
      },
      py::arg("supply"), py::arg("source"), py::arg("target"), py::arg("lower"), py::arg("upper"),
      py::arg("cost"), py::arg("flow"), py::arg("potential"),
      "'' if the flow is feasible and the potentials certify that it is optimal, else what is "
      "wrong.");
  m.def(
      "parse_dimacs",
      [](const std::string& text, const std::string& source_name) {
        flow::flow_network g;
        {
          py::gil_scoped_release release;
          g = flow::parse_dimacs(text, source_name);
        }
        return network_columns(std::move(g));
      },
      py::arg("text"), py::arg("source_name") = "<string>",
      "Parses a DIMACS min-cost-flow instance into columns supply, source, target, lower, upper, "
      "cost (numpy int64, node ids 0-based). Raises ParseError naming the line and field.");
  m.def(
      "read_dimacs",
      [](const std::filesystem::path& path) {
        flow::flow_network g;
        {
          py::gil_scoped_release release;
          g = flow::load_dimacs(path);
        }
        return network_columns(std::move(g));
      },
      py::arg("path"), "Reads a DIMACS file (see parse_dimacs). Raises KetenIOError, ParseError.");
  m.def(
      "to_dimacs",
      [](const py::object& supply, const py::object& source, const py::object& target,
         const py::object& lower, const py::object& upper, const py::object& cost,
         const std::string& comment) {
        const flow::flow_network g = network_of(supply, source, target, lower, upper, cost);
        return flow::to_dimacs(g, comment);
      },
      py::arg("supply"), py::arg("source"), py::arg("target"), py::arg("lower"), py::arg("upper"),
      py::arg("cost"), py::arg("comment") = "",
      "The network as DIMACS text (node ids 1-based in the text).");
  m.def(
      "generate_flow_instance",
      [](const std::string& kind, int nodes, int arcs, std::uint64_t seed, std::int64_t max_cost,
         std::int64_t max_capacity, int source_percent, std::int64_t supply_per_source) {
        flow::instance_options options;
        options.kind = flow::parse_instance_kind(kind);
        options.nodes = nodes;
        options.arcs = arcs;
        options.seed = seed;
        options.max_cost = max_cost;
        options.max_capacity = max_capacity;
        options.source_percent = source_percent;
        options.supply_per_source = supply_per_source;
        flow::flow_network g;
        {
          py::gil_scoped_release release;
          g = flow::generate_instance(options);
        }
        return network_columns(std::move(g));
      },
      py::arg("kind"), py::arg("nodes"), py::arg("arcs"), py::kw_only(), py::arg("seed") = 1,
      py::arg("max_cost") = 1000, py::arg("max_capacity") = 1000, py::arg("source_percent") = 10,
      py::arg("supply_per_source") = 1000,
      "A reproducible NETGEN-style instance ('transportation', 'transshipment' or 'assignment') "
      "as columns (see parse_dimacs). Raises ValidationError for an unknown kind or bad sizes.");

  // --- allocation -------------------------------------------------------------------------
  py::class_<allocation_result>(m, "Allocation",
                                "The optimal allocation of a day's needs to offerings, held in "
                                "C++ until read (see keten.allocate).")
      .def_property_readonly(
          "objective",
          [](const allocation_result& a) { return keten::to_points(a.result.objective); },
          "The allocation's total in points: sum of priority + fit of the assigned needs, plus "
          "complementarity, plus the fairness penalty.")
      .def_property_readonly(
          "flow_objective",
          [](const allocation_result& a) { return keten::to_points(a.result.flow_objective); },
          "The optimal flow's value in points (before the complementarity step), fairness "
          "penalty included.")
      .def_property_readonly(
          "complementarity",
          [](const allocation_result& a) { return keten::to_points(a.result.complementarity); },
          "Complementarity points of the final assignment.")
      .def_property_readonly(
          "collaboration",
          [](const allocation_result& a) { return keten::to_points(a.result.collaboration); },
          "The collaboration term of the result in points: per case, per pair of its partners, "
          "weights.collaboration x their cooperation strength (0 without cooperation=).")
      .def_property_readonly(
          "fairness_penalty",
          [](const allocation_result& a) { return keten::to_points(a.result.fairness_penalty); },
          "The fairness penalty in points (<= 0; 0 without fairness).")
      .def_property_readonly(
          "groups", [](const allocation_result& a) { return a.result.groups; },
          "Supply nodes of the flow network (classes of interchangeable needs).")
      .def_property_readonly(
          "arcs", [](const allocation_result& a) { return a.result.arcs; },
          "Arcs of the flow network.")
      .def_property_readonly(
          "pivots", [](const allocation_result& a) { return a.result.pivots; },
          "Network simplex pivots.")
      .def_property_readonly(
          "parts", [](const allocation_result& a) { return a.result.parts; },
          "Independent parts of the flow network (joined only by the sink), solved one by one.")
      .def_property_readonly(
          "warm", [](const allocation_result& a) { return a.result.warm; },
          "Whether the previous optimum was repaired (keten.Allocator) instead of solved anew.")
      .def_property_readonly(
          "paths", [](const allocation_result& a) { return a.result.paths; },
          "Shortest augmenting paths of a warm repair.")
      .def_property_readonly(
          "moves", [](const allocation_result& a) { return a.result.moves; },
          "Needs moved by the complementarity step.")
      .def_property_readonly(
          "used_units",
          [](const allocation_result& a) {
            return owned(std::vector<std::int32_t>(a.result.used_units));
          },
          "Units used per offering of the landscape (numpy int32, in offering order).")
      .def_property_readonly(
          "case_ids",
          [](const allocation_result& a) {
            std::vector<std::string> ids;
            for (const auto& c : *a.cases)
              ids.push_back(c.id);
            return ids;
          },
          "The ids of the allocated cases, in order (for an Allocator: every case ever added; "
          "case_index refers to this list).")
      .def("assigned", &assigned_table,
           "One row per assigned need, by case then need: case, case_index, need, category, "
           "offering, partner, priority, fit, total (points).")
      .def("changes", &changes_table,
           "Allocator.solve() only: one row per need whose offering differs from the previous "
           "solve's, by case then need: case, case_index, need, category, before, after (the "
           "offerings, None for none). The first solve lists every assigned need; keten.allocate "
           "lists none.")
      .def("unmet", &unmet_table,
           "The waitlist, one row per unmet need in order: place (1-based), case, case_index, "
           "need, category, reason, priority (points), waiting_for (the offering, or None), "
           "queue_position (0 if none).")
      .def(
          "to_json",
          [](const allocation_result& a, int indent) {
            py::gil_scoped_release release;
            return keten::allocation_to_json(a.result, *a.cases, a.land, indent);
          },
          py::arg("indent") = 1, "The allocation as a keten.allocation JSON document.")
      .def("__repr__", [](const allocation_result& a) {
        return "<Allocation: " + std::to_string(a.result.assigned.size()) + " assigned, " +
               std::to_string(a.result.unmet.size()) + " unmet, objective " +
               std::to_string(keten::to_points(a.result.objective)) + ">";
      });

  m.def(
      "allocate",
      [](const keten::landscape& l, const py::iterable& cases, double fairness, double waiting_day,
         bool improve_complementarity, const std::vector<int>& days_waiting,
         const std::optional<keten::match_weights>& weights,
         const keten::collaboration_strengths* cooperation) {
        allocation_result out{l, cases_of(cases), {}};
        keten::allocation_policy policy =
            allocation_policy_of(fairness, waiting_day, improve_complementarity, weights);
        policy.collaboration = cooperation;
        py::gil_scoped_release release;
        out.result = keten::allocate(out.land, *out.cases, policy, days_waiting);
        return out;
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("fairness") = 0.0,
      py::arg("waiting_day") = 1.0, py::arg("improve_complementarity") = true,
      py::arg("days_waiting") = std::vector<int>{}, py::arg("weights") = py::none(),
      py::arg("cooperation") = py::none(),
      "The optimal allocation of every need of the cases (an iterable of Case, e.g. Cases) under "
      "the offerings' free units (see keten.allocate). Releases the GIL.");

  m.def(
      "allocation_network",
      [](const keten::landscape& l, const py::iterable& cases, bool grouped, double fairness,
         double waiting_day, const std::vector<int>& days_waiting,
         const std::optional<keten::match_weights>& weights) {
        const auto batch = cases_of(cases);
        const keten::allocation_policy policy =
            allocation_policy_of(fairness, waiting_day, false, weights);
        keten::allocation_network net;
        {
          py::gil_scoped_release release;
          net = keten::build_allocation_network(l, *batch, policy, days_waiting, grouped);
        }
        const int sink = net.sink;
        const auto supply_nodes = static_cast<std::int64_t>(net.group_needs.size());
        return std::make_tuple(network_columns(std::move(net.network)), sink, supply_nodes);
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("grouped") = true,
      py::arg("fairness") = 0.0, py::arg("waiting_day") = 1.0,
      py::arg("days_waiting") = std::vector<int>{}, py::arg("weights") = py::none(),
      "The min-cost-flow network of allocate() on these cases: (columns as parse_dimacs gives "
      "them, the sink's node id, the number of supply nodes). Its optimal cost is minus the flow "
      "objective.");

  m.def(
      "allocation_model",
      [](const keten::landscape& l, const py::iterable& cases, double waiting_day,
         const std::vector<int>& days_waiting, const std::optional<keten::match_weights>& weights) {
        const auto batch = cases_of(cases);
        const keten::allocation_policy policy =
            allocation_policy_of(0.0, waiting_day, true, weights);
        py::gil_scoped_release release;
        const keten::allocation_network net =
            keten::build_allocation_network(l, *batch, policy, days_waiting, false);
        // One supply node per need (plain): its options are the model's variables.
        std::vector<std::int64_t> need_case, need_index, option_need, option_offering, value;
        std::vector<std::int64_t> pair_a, pair_b, pair_value;
        std::vector<std::int64_t> need_of_group(net.group_needs.size());
        for (std::size_t gi = 0; gi < net.group_needs.size(); ++gi) {
          need_of_group[gi] = static_cast<std::int64_t>(need_case.size());
          need_case.push_back(net.group_needs[gi].front().case_index);
          need_index.push_back(net.group_needs[gi].front().need_index);
        }
        for (const auto& o : net.options) {
          option_need.push_back(need_of_group[o.group]);
          option_offering.push_back(o.offering);
          value.push_back(o.priority + o.fit);
        }
        // Complementarity of two needs of one case on different offerings.
        for (std::size_t a = 0; a < need_case.size(); ++a)
          for (std::size_t b = a + 1; b < need_case.size() && need_case[b] == need_case[a]; ++b) {
            const auto& c = (*batch)[static_cast<std::size_t>(need_case[a])];
            const keten::score_t v = keten::need_pair_complementarity(
                l, c, static_cast<std::size_t>(need_index[a]),
                static_cast<std::size_t>(need_index[b]), policy.weights);
            if (v == 0) continue;
            pair_a.push_back(static_cast<std::int64_t>(a));
            pair_b.push_back(static_cast<std::int64_t>(b));
            pair_value.push_back(v);
          }
        std::vector<std::int64_t> free_units;
        for (const auto& o : l.offerings())
          free_units.push_back(o.units.free_units);
        py::gil_scoped_acquire acquire;
        py::dict d;
        d["need_case"] = owned(std::move(need_case));
        d["need_index"] = owned(std::move(need_index));
        d["option_need"] = owned(std::move(option_need));
        d["option_offering"] = owned(std::move(option_offering));
        d["option_value"] = owned(std::move(value));
        d["pair_a"] = owned(std::move(pair_a));
        d["pair_b"] = owned(std::move(pair_b));
        d["pair_value"] = owned(std::move(pair_value));
        d["free_units"] = owned(std::move(free_units));
        return d;
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("waiting_day") = 1.0,
      py::arg("days_waiting") = std::vector<int>{}, py::arg("weights") = py::none(),
      "The allocation as an integer programme's data (without fairness), in score units "
      "(thousandths of a point), numpy int64 columns: per need that can be assigned, need_case "
      "and need_index; per option (need, offering with free units), option_need, "
      "option_offering and option_value (priority + fit); per pair of needs of one case, pair_a, "
      "pair_b and pair_value (the complementarity both earn when on different offerings); "
      "free_units per offering. Maximise the options' and pairs' values with at most one option "
      "per need and free_units per offering: the exact optimum that allocate()'s flow plus "
      "improvement step approximates. For comparisons with integer programming solvers.");

  m.def(
      "time_allocate",
      [](const keten::landscape& l, const keten_python::case_batch& cases, double fairness,
         double waiting_day, bool improve_complementarity, const std::vector<int>& days_waiting,
         const std::optional<keten::match_weights>& weights) {
        const keten::allocation_policy policy =
            allocation_policy_of(fairness, waiting_day, improve_complementarity, weights);
        py::gil_scoped_release release;
        const auto start = std::chrono::steady_clock::now();
        keten::allocation result = keten::allocate(l, cases.get(), policy, days_waiting);
        const auto stop = std::chrono::steady_clock::now();
        return std::chrono::duration<double>(stop - start).count();
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("fairness") = 0.0,
      py::arg("waiting_day") = 1.0, py::arg("improve_complementarity") = true,
      py::arg("days_waiting") = std::vector<int>{}, py::arg("weights") = py::none(),
      "Benchmark aid: the seconds that keten::allocate takes for these cases, timed in C++ (no "
      "Python in the timed region; the result is freed after the clock stops).");

  py::class_<py_allocator>(m, "Allocator",
                           "Allocation that follows a day's changes, re-solving warm from the "
                           "previous optimum (see keten.Allocator).")
      .def(py::init([](const keten::landscape& l, double fairness, double waiting_day,
                       bool improve_complementarity,
                       const std::optional<keten::match_weights>& weights) {
             return std::make_unique<py_allocator>(
                 l, allocation_policy_of(fairness, waiting_day, improve_complementarity, weights));
           }),
           py::arg("landscape"), py::kw_only(), py::arg("fairness") = 0.0,
           py::arg("waiting_day") = 1.0, py::arg("improve_complementarity") = true,
           py::arg("weights") = py::none(),
           "An allocator over a copy of the landscape with the policy of keten.allocate.")
      .def(
          "add_cases",
          [](py_allocator& a, const py::iterable& cases, const std::vector<int>& days_waiting) {
            const auto batch = cases_of(cases);
            py::gil_scoped_release release;
            a.alloc.add_cases(*batch, days_waiting);
          },
          py::arg("cases"), py::kw_only(), py::arg("days_waiting") = std::vector<int>{},
          "Adds waiting cases; all or none. Releases the GIL.")
      .def(
          "apply",
          [](py_allocator& a, const std::vector<std::string>& close, const py::object& arrive,
             const std::vector<std::pair<std::string, std::int32_t>>& free_units) {
            keten::allocation_changes batch;
            batch.close = close;
            if (!arrive.is_none()) {
              const auto cases = cases_of(arrive.cast<py::iterable>());
              batch.arrive.assign(cases->begin(), cases->end());
            }
            for (const auto& [offering, units] : free_units)
              batch.free_units.emplace_back(a.offering(offering, "free_units"), units);
            py::gil_scoped_release release;
            a.alloc.apply(batch);
          },
          py::kw_only(), py::arg("close") = std::vector<std::string>{},
          py::arg("arrive") = py::none(),
          py::arg("free_units") = std::vector<std::pair<std::string, std::int32_t>>{},
          "Applies a batch of changes all or nothing: closes the cases `close`, adds `arrive`, "
          "sets the free units (offering id, units). Raises NotFoundError or ValidationError "
          "before changing anything. Releases the GIL.")
      .def(
          "remove_case", [](py_allocator& a, const std::string& id) { a.alloc.remove_case(id); },
          py::arg("case_id"), "Removes a waiting case by id. Raises NotFoundError.")
      .def(
          "set_free_units",
          [](py_allocator& a, const std::string& offering, std::int32_t units) {
            a.alloc.set_free_units(a.offering(offering, "offering"), units);
          },
          py::arg("offering"), py::arg("units"),
          "Sets an offering's free units (>= 0). Raises NotFoundError or ValidationError.")
      .def(
          "solve",
          [](py_allocator& a) {
            allocation_result out{a.land, {}, {}};
            py::gil_scoped_release release;
            out.result = a.alloc.solve();
            out.cases = std::make_shared<const std::vector<keten::help_case>>(
                a.alloc.cases().begin(), a.alloc.cases().end());
            return out;
          },
          "The optimal allocation of the cases present: from scratch the first time, then by "
          "repairing the previous optimum. Releases the GIL.")
      .def("__len__", [](const py_allocator& a) { return a.alloc.size(); })
      .def("__contains__",
           [](const py_allocator& a, const std::string& id) { return a.alloc.contains(id); });

  // --- HSDS -------------------------------------------------------------------------------
  m.def(
      "import_hsds",
      [](const std::filesystem::path& path, bool strict) {
        keten::hsds_import_options options;
        options.strict = strict;
        keten::hsds_import_result r;
        {
          py::gil_scoped_release release;
          r = keten::import_hsds(path, options);
        }
        return import_result(std::move(r));
      },
      py::arg("path"), py::kw_only(), py::arg("strict") = false,
      "Imports an HSDS 3.0 JSON document or data package directory: (Landscape, warnings as "
      "dicts with message, file, line, pointer, field, object_id, text).");
  m.def(
      "parse_hsds",
      [](const std::string& text, const std::string& source_name, bool strict) {
        keten::hsds_import_options options;
        options.strict = strict;
        keten::hsds_import_result r;
        {
          py::gil_scoped_release release;
          r = keten::import_hsds_json(text, source_name, options);
        }
        return import_result(std::move(r));
      },
      py::arg("text"), py::arg("source_name") = "<string>", py::kw_only(),
      py::arg("strict") = false, "Imports an HSDS JSON document from text (see import_hsds).");
  m.def(
      "export_hsds",
      [](const keten::landscape& l, const std::filesystem::path& directory,
         const std::string& updated) {
        keten::hsds_export_options options;
        options.updated = updated;
        py::gil_scoped_release release;
        keten::export_hsds_package(l, directory, options);
      },
      py::arg("landscape"), py::arg("directory"), py::kw_only(), py::arg("updated") = "",
      "Writes the landscape as an HSDS data package (CSV files and datapackage.json) into the "
      "directory. Raises KetenIOError.");

  const py::object landscape_class = m.attr("Landscape");
  landscape_class.attr("to_hsds_json") = py::cpp_function(
      [](const keten::landscape& l, int indent, const std::string& updated) {
        keten::hsds_export_options options;
        options.indent = indent;
        options.updated = updated;
        py::gil_scoped_release release;
        return keten::export_hsds_json(l, options);
      },
      py::name("to_hsds_json"), py::is_method(landscape_class), py::arg("indent") = 1,
      py::kw_only(), py::arg("updated") = "",
      "The landscape as an HSDS 3.0 JSON document in tabular form (indent < 0: one line; "
      "updated: the time stamp of the capacity rows, default now, for reproducible output).");
}
