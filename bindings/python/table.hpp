// bindings/python/table.hpp — what every binding file of keten._ext shares: keten.Table (named
// numpy columns that convert to a DataFrame), the column builders, and the binding's own errors.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keten/error.hpp"
#include "keten/geography.hpp"
#include "keten/taxonomy.hpp"

namespace keten_python {

namespace py = pybind11;

[[noreturn]] inline void invalid(std::string message, std::string field,
                                 std::string object_id = {}) {
  throw keten::validation_error(keten::error_code::invalid_value, std::move(message),
                                {.field = std::move(field), .object_id = std::move(object_id)});
}

/// A numpy array that owns the vector's buffer (moved, not copied).
template <class T>
py::array_t<T> column(std::vector<T>&& values) {
  auto* heap = new std::vector<T>(std::move(values));
  const py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

inline py::array_t<bool> bool_column(const std::vector<std::uint8_t>& values) {
  py::array_t<bool> out(static_cast<py::ssize_t>(values.size()));
  auto view = out.mutable_unchecked<1>();
  for (std::size_t i = 0; i < values.size(); ++i)
    view(static_cast<py::ssize_t>(i)) = values[i] != 0;
  return out;
}

/// A 1-D numpy array of Python objects (str, list or None), as pandas keeps text.
class object_column {
 public:
  explicit object_column(std::size_t n)
      : array_(py::dtype("O"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)}) {}
  void set(std::size_t i, py::object value) {
    auto** slot = static_cast<PyObject**>(array_.mutable_data()) + i;
    Py_XDECREF(*slot);
    *slot = value.release().ptr();
  }
  void set(std::size_t i, const std::string& s) { set(i, py::str(s)); }
  py::array done() { return std::move(array_); }

 private:
  py::array array_;
};

inline py::array strings(const std::vector<std::string>& values) {
  object_column out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    out.set(i, values[i]);
  return out.done();
}

inline py::object import_pandas() {
  try {
    return py::module_::import("pandas");
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    throw py::import_error(
        "to_pandas() needs pandas, which is not installed (pip install pandas); the same data is "
        "available without it as numpy arrays (to_dict())");
  }
}

/// Named columns of equal length: what keten hands out in bulk.
class table {
 public:
  table() = default;
  explicit table(const py::dict& columns) {
    const py::object asarray = py::module_::import("numpy").attr("asarray");
    for (const auto& [name, values] : columns)
      add(py::cast<std::string>(name), asarray(values));
  }
  void add(const std::string& name, py::object values) {
    const py::array array = py::reinterpret_borrow<py::array>(values);
    if (array.ndim() != 1) throw py::value_error("column '" + name + "' is not one-dimensional");
    const auto n = static_cast<std::size_t>(array.shape(0));
    if (names_.empty()) rows_ = n;
    if (n != rows_)
      throw py::value_error("column '" + name + "' has " + std::to_string(n) + " rows, not " +
                            std::to_string(rows_));
    if (columns_.contains(name)) throw py::value_error("column '" + name + "' given twice");
    names_.push_back(name);
    columns_[py::str(name)] = array;
  }
  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] py::array get(const std::string& name) const {
    if (!columns_.contains(name)) throw py::key_error("no column '" + name + "'");
    return columns_[py::str(name)];
  }
  [[nodiscard]] py::dict to_dict() const {
    py::dict out;
    for (const auto& n : names_)
      out[py::str(n)] = columns_[py::str(n)];
    return out;
  }
  [[nodiscard]] py::object to_pandas() const {
    const py::object pandas = import_pandas();
    return pandas.attr("DataFrame")(to_dict(), py::arg("copy") = false);
  }

 private:
  std::vector<std::string> names_;
  py::dict columns_;
  std::size_t rows_{};
};

inline py::object json_loads(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

inline std::size_t checked_index(std::ptrdiff_t i, std::size_t n) {
  const auto size = static_cast<std::ptrdiff_t>(n);
  if (i < 0) i += size;
  if (i < 0 || i >= size) throw py::index_error("index out of range");
  return static_cast<std::size_t>(i);
}

// Tables more than one binding file hands out (defined in taxonomy_ext.cpp).

/// One row per municipality: code, name, province, population, area_km2, lat, lon.
table municipality_table(const keten::geography& places);
/// The taxonomy's need categories in index order.
std::vector<keten::need_category> categories_of(const keten::taxonomy& t);

}  // namespace keten_python
