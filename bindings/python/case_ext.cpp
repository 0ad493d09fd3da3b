// keten._ext: cases (keten/case.hpp): Need, Case, the Cases batch and its table, and reading,
// validating and generating cases. Registered by ext.cpp.
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

void bind_cases(py::module_& m);

namespace {

using need_spec = std::variant<keten::need, std::string, std::tuple<std::string, int>,
                               std::tuple<std::string, int, double>>;

keten::need to_need(const need_spec& spec) {
  if (const auto* n = std::get_if<keten::need>(&spec)) return *n;
  if (const auto* s = std::get_if<std::string>(&spec)) return {.category = *s};
  if (const auto* t = std::get_if<std::tuple<std::string, int>>(&spec))
    return {.category = std::get<0>(*t), .urgency = std::get<1>(*t)};
  const auto& t = std::get<std::tuple<std::string, int, double>>(spec);
  return {.category = std::get<0>(t), .urgency = std::get<1>(t), .weight = std::get<2>(t)};
}

keten::help_case make_case(std::string id, const std::vector<need_spec>& needs,
                           const std::optional<std::string>& municipality,
                           const std::optional<std::variant<int, std::string>>& postcode,
                           const std::optional<std::pair<double, double>>& point,
                           const std::optional<std::pair<int, int>>& age,
                           const std::optional<std::string>& household,
                           std::vector<std::string> languages, const std::string& referrer,
                           bool consent, std::vector<std::string> excluded_partners) {
  keten::help_case c;
  c.id = std::move(id);
  for (const auto& n : needs)
    c.needs.push_back(to_need(n));
  if (municipality) c.location.municipality = *municipality;
  if (postcode) {
    if (const auto* text = std::get_if<std::string>(&*postcode)) {
      c.location.postcode = keten::parse_pc4(*text);
      if (!c.location.postcode)
        invalid("postcode '" + *text + "' is not a 4-digit PC4 area", "location.postcode", c.id);
    } else {
      const int value = std::get<int>(*postcode);
      if (!keten::is_valid_pc4(value))
        invalid("postcode " + std::to_string(value) + " is not a PC4 area (1000-9999)",
                "location.postcode", c.id);
      c.location.postcode = static_cast<keten::pc4>(value);
    }
  }
  if (point) c.location.point = keten::geo_point{point->first, point->second};
  if (age) {
    if (age->first < 0 || age->second > keten::max_age || age->first > age->second)
      invalid("age band must satisfy 0 <= min <= max <= 130", "profile.age", c.id);
    c.profile.age = keten::age_band{static_cast<std::uint8_t>(age->first),
                                    static_cast<std::uint8_t>(age->second)};
  }
  if (household) {
    c.profile.household = keten::parse_household_type(*household);
    if (!c.profile.household)
      invalid("unknown household type '" + *household +
                  "' (single, couple, single_parent, family, other)",
              "profile.household", c.id);
  }
  c.profile.languages = std::move(languages);
  const auto kind = keten::parse_referrer_kind(referrer);
  if (!kind)
    invalid("unknown referrer '" + referrer + "' (self, professional, partner, church, other)",
            "profile.referrer", c.id);
  c.profile.referrer = *kind;
  c.consent = consent;
  c.excluded_partners = std::move(excluded_partners);
  return c;
}

std::optional<std::string> case_municipality(const keten::help_case& c) {
  if (c.location.municipality.empty()) return std::nullopt;
  return c.location.municipality;
}
std::optional<int> case_postcode(const keten::help_case& c) {
  if (!c.location.postcode) return std::nullopt;
  return static_cast<int>(*c.location.postcode);
}
std::optional<std::pair<double, double>> case_point(const keten::help_case& c) {
  if (!c.location.point) return std::nullopt;
  return std::make_pair(c.location.point->lat, c.location.point->lon);
}
std::optional<std::pair<int, int>> case_age(const keten::help_case& c) {
  if (!c.profile.age) return std::nullopt;
  return std::make_pair(static_cast<int>(c.profile.age->min), static_cast<int>(c.profile.age->max));
}
std::optional<std::string> case_household(const keten::help_case& c) {
  if (!c.profile.household) return std::nullopt;
  return std::string(keten::to_string(*c.profile.household));
}

/// The keyword arguments that rebuild the case: Case(**case.to_dict()) == case.
py::dict case_kwargs(const keten::help_case& c) {
  py::list needs;
  for (const auto& n : c.needs)
    needs.append(py::make_tuple(n.category, n.urgency, n.weight));
  py::dict d;
  d["id"] = c.id;
  d["needs"] = needs;
  d["municipality"] = case_municipality(c);
  d["postcode"] = case_postcode(c);
  d["point"] = case_point(c);
  d["age"] = case_age(c);
  d["household"] = case_household(c);
  d["languages"] = c.profile.languages;
  d["referrer"] = std::string(keten::to_string(c.profile.referrer));
  d["consent"] = c.consent;
  d["excluded_partners"] = c.excluded_partners;
  return d;
}

using keten_python::case_batch;

/// The cases as columns: one row per case; needs, urgencies and weights as lists.
table case_table(const std::vector<keten::help_case>& cases) {
  const std::size_t n = cases.size();
  object_column id(n), needs(n), urgencies(n), weights(n), municipality(n), household(n),
      languages(n), referrer(n), excluded(n);
  std::vector<std::int32_t> postcode(n), age_min(n), age_max(n);
  std::vector<double> lat(n), lon(n);
  std::vector<std::uint8_t> consent(n);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const keten::help_case& c = cases[i];
    id.set(i, c.id);
    std::vector<std::string> cats;
    std::vector<int> urg;
    std::vector<double> wts;
    for (const auto& need : c.needs) {
      cats.push_back(need.category);
      urg.push_back(need.urgency);
      wts.push_back(need.weight);
    }
    needs.set(i, py::cast(cats));
    urgencies.set(i, py::cast(urg));
    weights.set(i, py::cast(wts));
    municipality.set(i, py::cast(case_municipality(c)));
    postcode[i] = c.location.postcode ? *c.location.postcode : 0;
    lat[i] = c.location.point ? c.location.point->lat : nan;
    lon[i] = c.location.point ? c.location.point->lon : nan;
    age_min[i] = c.profile.age ? c.profile.age->min : -1;
    age_max[i] = c.profile.age ? c.profile.age->max : -1;
    household.set(i, py::cast(case_household(c)));
    languages.set(i, py::cast(c.profile.languages));
    referrer.set(i, std::string(keten::to_string(c.profile.referrer)));
    consent[i] = c.consent ? 1 : 0;
    excluded.set(i, py::cast(c.excluded_partners));
  }
  table t;
  t.add("id", id.done());
  t.add("needs", needs.done());
  t.add("urgencies", urgencies.done());
  t.add("weights", weights.done());
  t.add("municipality", municipality.done());
  t.add("postcode", column(std::move(postcode)));
  t.add("lat", column(std::move(lat)));
  t.add("lon", column(std::move(lon)));
  t.add("age_min", column(std::move(age_min)));
  t.add("age_max", column(std::move(age_max)));
  t.add("household", household.done());
  t.add("languages", languages.done());
  t.add("referrer", referrer.done());
  t.add("consent", bool_column(consent));
  t.add("excluded_partners", excluded.done());
  return t;
}

}  // namespace

void bind_cases(py::module_& m) {
  // --- cases ------------------------------------------------------------------------------
  py::class_<keten::need>(m, "Need", "One need of a case: a category, its urgency and weight.")
      .def(py::init([](std::string category, int urgency, double weight) {
             return keten::need{std::move(category), urgency, weight};
           }),
           py::arg("category"), py::arg("urgency") = 3, py::arg("weight") = 1.0,
           "urgency 1 (can wait) to 5 (crisis); weight > 0, relative within the case. Checked "
           "when the case is validated or matched.")
      .def_readonly("category", &keten::need::category)
      .def_readonly("urgency", &keten::need::urgency)
      .def_readonly("weight", &keten::need::weight)
      .def(
          "__eq__", [](const keten::need& a, const keten::need& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const keten::need& n) {
        return "Need('" + n.category + "', urgency=" + std::to_string(n.urgency) + ")";
      });

  py::class_<keten::help_case>(m, "Case",
                               "One person or household: needs, location, profile. No names.")
      .def(py::init(&make_case), py::arg("id"), py::arg("needs"), py::kw_only(),
           py::arg("municipality") = py::none(), py::arg("postcode") = py::none(),
           py::arg("point") = py::none(), py::arg("age") = py::none(),
           py::arg("household") = py::none(), py::arg("languages") = std::vector<std::string>{},
           py::arg("referrer") = "self", py::arg("consent") = false,
           py::arg("excluded_partners") = std::vector<std::string>{},
           "A case. needs: Need objects, category ids, (category, urgency) or (category, "
           "urgency, weight) tuples. Location: a CBS municipality code, a PC4 postcode (int or "
           "str) and/or a (lat, lon) point. Profile: age band (min, max), household (single, "
           "couple, single_parent, family, other), ISO 639 languages, referrer (self, "
           "professional, partner, church, other). consent=False means nothing is proposed. "
           "Raises ValidationError for a malformed postcode, age band, household or referrer; "
           "the rest is checked by validate() and when matched.")
      .def_readonly("id", &keten::help_case::id)
      .def_readonly("needs", &keten::help_case::needs)
      .def_property_readonly("categories",
                             [](const keten::help_case& c) {
                               std::vector<std::string> out;
                               for (const auto& n : c.needs)
                                 out.push_back(n.category);
                               return out;
                             })
      .def_property_readonly("municipality", &case_municipality)
      .def_property_readonly("postcode", &case_postcode)
      .def_property_readonly("point", &case_point)
      .def_property_readonly("age", &case_age)
      .def_property_readonly("household", &case_household)
      .def_property_readonly("languages",
                             [](const keten::help_case& c) { return c.profile.languages; })
      .def_property_readonly("referrer",
                             [](const keten::help_case& c) {
                               return std::string(keten::to_string(c.profile.referrer));
                             })
      .def_readonly("consent", &keten::help_case::consent)
      .def_readonly("excluded_partners", &keten::help_case::excluded_partners)
      .def(
          "validate",
          [](const keten::help_case& c, const keten::landscape& l) {
            keten::validate(c, l.categories(), l.places());
          },
          py::arg("landscape"),
          "Checks the case against the landscape's taxonomy and geography. Raises "
          "ValidationError naming the field and the case id.")
      .def("to_dict", &case_kwargs,
           "The case as keyword arguments: Case(**case.to_dict()) == case.")
      .def(
          "__eq__", [](const keten::help_case& a, const keten::help_case& b) { return a == b; },
          py::is_operator())
      .def(py::pickle([](const keten::help_case& c) { return case_kwargs(c); },
                      [](const py::dict& d) {
                        return py::cast<keten::help_case>(
                            py::module_::import("keten._ext").attr("Case")(**d));
                      }))
      .def("__repr__", [](const keten::help_case& c) { return "<Case " + c.id + ">"; });

  py::class_<case_batch>(m, "Cases",
                         "An immutable batch of cases held in C++ (what match_batch reads "
                         "without conversion).")
      .def(py::init([](const std::vector<keten::help_case>& cases) { return case_batch(cases); }),
           py::arg("cases") = std::vector<keten::help_case>{})
      .def("__len__", [](const case_batch& b) { return b.get().size(); })
      .def(
          "__getitem__",
          [](const case_batch& b, std::ptrdiff_t i) {
            return b.get()[checked_index(i, b.get().size())];
          },
          py::arg("index"))
      .def(
          "__getitem__",
          [](const case_batch& b, const py::slice& range) {
            py::ssize_t start = 0, stop = 0, step = 0, length = 0;
            if (!range.compute(static_cast<py::ssize_t>(b.get().size()), &start, &stop, &step,
                               &length))
              throw py::error_already_set();
            std::vector<keten::help_case> out;
            out.reserve(static_cast<std::size_t>(length));
            for (py::ssize_t k = 0; k < length; ++k, start += step)
              out.push_back(b.get()[static_cast<std::size_t>(start)]);
            return case_batch(std::move(out));
          },
          py::arg("range"), "A new batch of the cases in the slice.")
      .def(
          "__iter__",
          [](const case_batch& b) {
            return py::make_iterator<py::return_value_policy::copy>(b.get().begin(), b.get().end());
          },
          py::keep_alive<0, 1>())
      .def_property_readonly("ids",
                             [](const case_batch& b) {
                               std::vector<std::string> ids;
                               for (const auto& c : b.get())
                                 ids.push_back(c.id);
                               return ids;
                             })
      .def(
          "validate",
          [](const case_batch& b, const keten::landscape& l) {
            py::gil_scoped_release release;
            for (const auto& c : b.get())
              keten::validate(c, l.categories(), l.places());
          },
          py::arg("landscape"),
          "Validates every case; raises ValidationError for the first bad one.")
      .def(
          "to_table", [](const case_batch& b) { return case_table(b.get()); },
          "One row per case: id, needs, urgencies, weights (lists), municipality, postcode (0 = "
          "none), lat, lon (NaN = none), age_min, age_max (-1 = unknown), household, languages, "
          "referrer, consent, excluded_partners.")
      .def(
          "to_pandas", [](const case_batch& b) { return case_table(b.get()).to_pandas(); },
          "to_table() as a pandas.DataFrame. Raises ImportError without pandas.")
      .def(
          "to_json",
          [](const case_batch& b, int indent) { return keten::to_json(b.get(), indent); },
          py::arg("indent") = 1, "The cases as a keten.cases JSON document.")
      .def(
          "save",
          [](const case_batch& b, const std::filesystem::path& path, int indent) {
            py::gil_scoped_release release;
            keten::save_cases_json(b.get(), path, indent);
          },
          py::arg("path"), py::arg("indent") = 1,
          "Writes the cases as a keten.cases JSON file. Raises KetenIOError.")
      .def(
          "__eq__", [](const case_batch& a, const case_batch& b) { return a.get() == b.get(); },
          py::is_operator())
      .def("__repr__", [](const case_batch& b) {
        return "<Cases: " + std::to_string(b.get().size()) + " cases>";
      });

  m.def(
      "load_cases",
      [](const std::filesystem::path& path, const keten::landscape& context) {
        py::gil_scoped_release release;
        return case_batch(keten::load_cases_json(path, context));
      },
      py::arg("path"), py::arg("landscape"),
      "Reads a keten.cases file, each case validated against the landscape. Raises ParseError, "
      "ValidationError, KetenIOError.");
  m.def(
      "parse_cases",
      [](const std::string& text, const keten::landscape& context, const std::string& source_name) {
        py::gil_scoped_release release;
        return case_batch(keten::parse_cases_json(text, context, source_name));
      },
      py::arg("text"), py::arg("landscape"), py::arg("source_name") = "<string>",
      "Parses a keten.cases JSON document, each case validated against the landscape.");
  m.def(
      "validate_cases",
      [](const std::filesystem::path& path, const keten::landscape& context) {
        std::vector<keten::help_case> cases;
        {
          py::gil_scoped_release release;
          cases = keten::load_cases_json(path, context);
        }
        std::vector<std::string> ids;
        for (const auto& c : cases)
          ids.push_back(c.id);
        return ids;
      },
      py::arg("path"), py::arg("landscape"),
      "Reads and validates a keten.cases file against a landscape; returns the case ids.");
  m.def(
      "generate_cases",
      [](const keten::landscape& l, std::size_t count, std::uint64_t seed,
         std::vector<std::string> municipalities, std::string id_prefix) {
        keten::case_generation options{.count = count,
                                       .seed = seed,
                                       .municipalities = std::move(municipalities),
                                       .id_prefix = std::move(id_prefix)};
        py::gil_scoped_release release;
        return case_batch(keten::generate_cases(l, options));
      },
      py::arg("landscape"), py::kw_only(), py::arg("count") = 100,
      py::arg("seed") = keten::default_seed, py::arg("municipalities") = std::vector<std::string>{},
      py::arg("id_prefix") = "case-",
      "Synthetic cases drawn in proportion to population (all municipalities, or the listed "
      "codes), deterministic for a seed. Raises NotFoundError for an unknown code.");
}
