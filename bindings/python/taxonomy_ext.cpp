// keten._ext: the taxonomy (keten/taxonomy.hpp) and the geography (keten/geography.hpp): help
// forms, need categories, municipalities and distances. Registered by ext.cpp.
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

void bind_taxonomy(py::module_& m);

namespace {

std::string label(keten::help_form f, const std::string& language) {
  if (language == "nl") return std::string(keten::label_nl(f));
  if (language == "en") return std::string(keten::label_en(f));
  throw py::value_error("language is 'nl' or 'en', not '" + language + "'");
}

}  // namespace

namespace keten_python {

table municipality_table(const keten::geography& places) {
  const auto all = places.municipalities();
  const std::size_t n = all.size();
  std::vector<std::string> code(n), name(n), province(n);
  std::vector<std::uint32_t> population(n), area(n);
  std::vector<double> lat(n), lon(n);
  for (std::size_t i = 0; i < n; ++i) {
    code[i] = all[i].code;
    name[i] = all[i].name;
    province[i] = all[i].province;
    population[i] = all[i].population;
    area[i] = all[i].area_km2;
    lat[i] = all[i].point.lat;
    lon[i] = all[i].point.lon;
  }
  table t;
  t.add("code", strings(code));
  t.add("name", strings(name));
  t.add("province", strings(province));
  t.add("population", column(std::move(population)));
  t.add("area_km2", column(std::move(area)));
  t.add("lat", column(std::move(lat)));
  t.add("lon", column(std::move(lon)));
  return t;
}

std::vector<keten::need_category> categories_of(const keten::taxonomy& t) {
  const auto cats = t.categories();
  return {cats.begin(), cats.end()};
}

}  // namespace keten_python

void bind_taxonomy(py::module_& m) {
  // --- taxonomy ---------------------------------------------------------------------------
  py::enum_<keten::help_form>(m, "HelpForm", "The five complementary help forms.")
      .value("money", keten::help_form::money)
      .value("neighbour", keten::help_form::neighbour)
      .value("work", keten::help_form::work)
      .value("group", keten::help_form::group)
      .value("youth", keten::help_form::youth);
  m.def(
      "help_forms",
      [] {
        return std::vector<keten::help_form>(keten::all_help_forms.begin(),
                                             keten::all_help_forms.end());
      },
      "The five help forms in their fixed order (money, neighbour, work, group, youth).");
  m.def("help_form_label", &label, py::arg("form"), py::arg("language") = "nl",
        "The Dutch ('nl') or English ('en') label of a help form. Raises ValueError for another "
        "language.");
  m.def(
      "member_organisation",
      [](keten::help_form f) { return std::string(keten::member_organisation(f)); },
      py::arg("form"), "The national member organisation that carries a help form.");

  py::class_<keten::need_category>(m, "NeedCategory", "A need category under one help form.")
      .def_readonly("id", &keten::need_category::id, "'<help form>.<name>', e.g. 'money.debts'.")
      .def_readonly("help_form", &keten::need_category::form)
      .def_readonly("label_nl", &keten::need_category::label_nl)
      .def_readonly("label_en", &keten::need_category::label_en)
      .def(
          "__eq__",
          [](const keten::need_category& a, const keten::need_category& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const keten::need_category& c) { return "<NeedCategory " + c.id + ">"; });
  m.def(
      "standard_categories", [] { return categories_of(keten::taxonomy::standard()); },
      "The need categories of the standard taxonomy, in index order.");

  // --- geography --------------------------------------------------------------------------
  m.def(
      "municipalities", [] { return municipality_table(*keten::geography::netherlands()); },
      "The 342 Dutch municipalities of 2023 as a Table: code, name, province, population, "
      "area_km2, lat, lon.");
  m.def(
      "distance_km",
      [](std::pair<double, double> a, std::pair<double, double> b) {
        return keten::distance_km({a.first, a.second}, {b.first, b.second});
      },
      py::arg("a"), py::arg("b"), "Great-circle distance in km between two (lat, lon) points.");
}
