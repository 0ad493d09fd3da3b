// keten._ext — the Python binding: a thin layer over the C++ API (no matching logic of its own).
//
// Bulk data leaves as numpy arrays inside a Table (a mapping of column name → 1-D array) that
// converts to a pandas DataFrame; matrices leave as numpy arrays without a copy (Eigen results are
// moved into the array's owner; the landscape's own matrices are read-only views that keep it
//
// This file is the module: the error translation and keten.Table; each public header's binding is
// its own file (taxonomy_ext.cpp, landscape_ext.cpp, case_ext.cpp, cooperation_ext.cpp,
// matching_ext.cpp, stable_ext.cpp, flow_ext.cpp, ledger_ext.cpp, gaps_ext.cpp,
// simulation_ext.cpp), registered below in the order their types refer to each other.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <exception>
#include <string>

#include "keten/keten.hpp"
#include "table.hpp"

namespace py = pybind11;
using keten_python::table;

void bind_taxonomy(py::module_& m);     // taxonomy_ext.cpp: help forms, categories, places
void bind_landscape(py::module_& m);    // landscape_ext.cpp: landscapes, summaries, I/O
void bind_cases(py::module_& m);        // case_ext.cpp: needs, cases, batches
void bind_cooperation(py::module_& m);  // cooperation_ext.cpp: chains, scans, strengths
void bind_matching(py::module_& m);     // matching_ext.cpp: match batches
void bind_stable(py::module_& m);       // stable_ext.cpp: stable matching
void bind_flow(py::module_& m);         // flow_ext.cpp: min-cost flow, allocation, HSDS
void bind_ledger(py::module_& m);       // ledger_ext.cpp: the referral ledger
void bind_gaps(py::module_& m);         // gaps_ext.cpp: the gap analysis and new teams
void bind_simulation(py::module_& m);   // simulation_ext.cpp: the what-if simulation

namespace {

/// Raises the keten.errors class that matches the C++ error, with its position as attributes.
void translate(const keten::error& e, const char* class_name) {
  const py::object cls = py::module_::import("keten.errors").attr(class_name);
  const keten::source_position& where = e.where();
  const py::object instance = cls(e.what());
  instance.attr("code") = e.id();
  instance.attr("message") = e.message();
  instance.attr("file") = where.file.empty() ? py::none() : py::cast(where.file);
  instance.attr("line") = where.line == 0 ? py::none() : py::cast(where.line);
  instance.attr("column") = where.column == 0 ? py::none() : py::cast(where.column);
  instance.attr("pointer") = where.pointer.empty() ? py::none() : py::cast(where.pointer);
  instance.attr("field") = where.field.empty() ? py::none() : py::cast(where.field);
  instance.attr("object_id") = where.object_id.empty() ? py::none() : py::cast(where.object_id);
  PyErr_SetObject(cls.ptr(), instance.ptr());
}

}  // namespace

PYBIND11_MODULE(_ext, m) {
  m.doc() = "keten's C++ core. Use the `keten` package, not this module.";
  m.attr("__version__") = std::string(keten::version_string);
  m.attr("DEFAULT_SEED") = keten::default_seed;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const keten::parse_error& e) {
      translate(e, "ParseError");
    } catch (const keten::validation_error& e) {
      translate(e, "ValidationError");
    } catch (const keten::not_found_error& e) {
      translate(e, "NotFoundError");
    } catch (const keten::io_error& e) {
      translate(e, "KetenIOError");
    } catch (const keten::error& e) {
      translate(e, "Error");
    }
  });

  // --- Table ------------------------------------------------------------------------------
  py::class_<table>(m, "Table",
                    "Named columns of equal length, each a 1-D numpy array (text as object "
                    "arrays, lists as object arrays of lists).")
      .def(py::init<const py::dict&>(), py::arg("columns"),
           "Builds a table from a mapping of column name to array-like. Raises ValueError if the "
           "lengths differ.")
      .def_property_readonly("columns", &table::names, "The column names, in order.")
      .def("__len__", &table::rows, "The number of rows.")
      .def("__getitem__", &table::get, py::arg("name"),
           "The column as a numpy array. Raises KeyError for an unknown name.")
      .def("__contains__",
           [](const table& t, const std::string& name) {
             return std::find(t.names().begin(), t.names().end(), name) != t.names().end();
           })
      .def("__iter__", [](const table& t) { return py::iter(py::cast(t.names())); })
      .def("to_dict", &table::to_dict, "The columns as a dict of numpy arrays (no copy).")
      .def("to_pandas", &table::to_pandas,
           "The table as a pandas.DataFrame. Raises ImportError if pandas is not installed.")
      .def("__repr__", [](const table& t) {
        std::string names;
        for (const auto& n : t.names())
          names += (names.empty() ? "" : ", ") + n;
        return "<Table " + std::to_string(t.rows()) + " rows: " + names + ">";
      });

  bind_taxonomy(m);
  bind_landscape(m);
  bind_cases(m);
  bind_cooperation(m);
  bind_matching(m);
  bind_stable(m);
  bind_flow(m);
  bind_ledger(m);
  bind_gaps(m);
  bind_simulation(m);
}
