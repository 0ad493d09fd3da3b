// keten._ext: landscapes (keten/landscape.hpp) with their tables and matrices, their summary and
// partner network (keten/analysis.hpp), and reading, writing and generating them (keten/io.hpp,
// keten/snapshot.hpp, keten/synthetic.hpp). Registered by ext.cpp.
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

void bind_landscape(py::module_& m);

namespace {

table partner_table(const keten::landscape& l) {
  const auto partners = l.partners();
  std::vector<std::string> id, member, branch, municipality;
  std::vector<std::uint32_t> offerings(partners.size());
  for (const auto& p : partners) {
    id.push_back(p.id);
    member.push_back(p.member);
    branch.push_back(p.branch);
    municipality.push_back(p.municipality);
  }
  for (keten::offering_index o = 0; o < l.offerings().size(); ++o)
    ++offerings[l.partner_of(o)];
  table t;
  t.add("id", strings(id));
  t.add("member", strings(member));
  t.add("branch", strings(branch));
  t.add("municipality", strings(municipality));
  t.add("offerings", column(std::move(offerings)));
  return t;
}

/// The partner network's links as a table: a, b (partner ids), shared_municipalities.
table partner_network_table(const keten::landscape& l) {
  keten::partner_network net;
  {
    py::gil_scoped_release release;
    net = keten::build_partner_network(l);
  }
  std::vector<std::string> a, b;
  for (const auto& [x, y] : net.links) {
    a.push_back(l.partners()[x].id);
    b.push_back(l.partners()[y].id);
  }
  table t;
  t.add("a", strings(a));
  t.add("b", strings(b));
  t.add("shared_municipalities", column(std::move(net.shared_municipalities)));
  return t;
}

/// Network metrics per partner as a table: partner, degree, betweenness, component.
table partner_metrics_table(const keten::landscape& l) {
  keten::partner_metrics m;
  {
    py::gil_scoped_release release;
    m = keten::network_metrics(keten::build_partner_network(l));
  }
  std::vector<std::string> id;
  for (const auto& p : l.partners())
    id.push_back(p.id);
  table t;
  t.add("partner", strings(id));
  t.add("degree", column(std::move(m.degree)));
  t.add("betweenness", column(std::move(m.betweenness)));
  t.add("component", column(std::move(m.component)));
  return t;
}

table offering_table(const keten::landscape& l) {
  const auto all = l.offerings();
  const std::size_t n = all.size();
  object_column id(n), partner(n), name(n), categories(n), forms(n), municipalities(n),
      postcodes(n), households(n), languages(n);
  std::vector<std::int32_t> units(n), period(n), free(n), duration(n), wait(n), min_age(n),
      max_age(n);
  std::vector<std::uint8_t> professional(n);
  std::vector<double> radius_lat(n), radius_lon(n), radius_km(n);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const keten::offering& o = all[i];
    id.set(i, o.id);
    partner.set(i, o.partner);
    name.set(i, o.name);
    categories.set(i, py::cast(o.categories));
    std::vector<std::string> form_names;
    for (keten::category_index c : l.categories_of(static_cast<keten::offering_index>(i))) {
      const std::string f(keten::to_string(l.categories()[c].form));
      if (std::find(form_names.begin(), form_names.end(), f) == form_names.end())
        form_names.push_back(f);
    }
    forms.set(i, py::cast(form_names));
    municipalities.set(i, py::cast(o.area.municipalities));
    std::vector<int> pcs(o.area.postcodes.begin(), o.area.postcodes.end());
    postcodes.set(i, py::cast(pcs));
    units[i] = o.units.units_per_period;
    period[i] = o.units.period_days;
    free[i] = o.units.free_units;
    duration[i] = o.units.typical_duration_days;
    wait[i] = o.units.intake_wait_days;
    min_age[i] = o.rules.ages.min;
    max_age[i] = o.rules.ages.max;
    professional[i] = o.rules.requires_professional_referrer ? 1 : 0;
    std::vector<std::string> household_names;
    for (keten::household_type h : o.rules.households)
      household_names.emplace_back(keten::to_string(h));
    households.set(i, py::cast(household_names));
    languages.set(i, py::cast(o.rules.languages));
    radius_lat[i] = o.area.radius ? o.area.radius->center.lat : nan;
    radius_lon[i] = o.area.radius ? o.area.radius->center.lon : nan;
    radius_km[i] = o.area.radius ? o.area.radius->km : nan;
  }
  table t;
  t.add("id", id.done());
  t.add("partner", partner.done());
  t.add("name", name.done());
  t.add("categories", categories.done());
  t.add("help_forms", forms.done());
  t.add("units_per_period", column(std::move(units)));
  t.add("period_days", column(std::move(period)));
  t.add("free_units", column(std::move(free)));
  t.add("typical_duration_days", column(std::move(duration)));
  t.add("intake_wait_days", column(std::move(wait)));
  t.add("min_age", column(std::move(min_age)));
  t.add("max_age", column(std::move(max_age)));
  t.add("requires_professional_referrer", bool_column(professional));
  t.add("households", households.done());
  t.add("languages", languages.done());
  t.add("municipalities", municipalities.done());
  t.add("postcodes", postcodes.done());
  t.add("radius_lat", column(std::move(radius_lat)));
  t.add("radius_lon", column(std::move(radius_lon)));
  t.add("radius_km", column(std::move(radius_km)));
  return t;
}

/// capacity_by_municipality as a table: the municipality columns, then one column per help form,
/// each a view into the one matrix (no copy).
table capacity_table(const keten::landscape& l) {
  Eigen::MatrixXd* matrix = nullptr;
  {
    py::gil_scoped_release release;
    matrix = new Eigen::MatrixXd(keten::capacity_by_municipality(l));
  }
  const py::capsule owner(matrix, [](void* p) { delete static_cast<Eigen::MatrixXd*>(p); });
  table t = municipality_table(l.places());
  const auto rows = static_cast<py::ssize_t>(matrix->rows());
  for (keten::help_form f : keten::all_help_forms) {
    const double* first = matrix->data() + static_cast<std::size_t>(f) * matrix->rows();
    py::array_t<double> view({rows}, {static_cast<py::ssize_t>(sizeof(double))}, first, owner);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    t.add(std::string(keten::to_string(f)), view);
  }
  return t;
}

table relation_table(const keten::landscape& l) {
  std::vector<std::string> a, b;
  std::vector<double> w;
  for (const auto& c : l.complementarities()) {
    a.push_back(c.a);
    b.push_back(c.b);
    w.push_back(c.weight);
  }
  table t;
  t.add("a", strings(a));
  t.add("b", strings(b));
  t.add("weight", column(std::move(w)));
  return t;
}

table precedence_table(const keten::landscape& l) {
  std::vector<std::string> before, after;
  for (const auto& p : l.precedences()) {
    before.push_back(p.before);
    after.push_back(p.after);
  }
  table t;
  t.add("before", strings(before));
  t.add("after", strings(after));
  return t;
}

table help_form_table(const keten::landscape_summary& s) {
  std::vector<std::string> form, label_nl, label_en, member;
  std::vector<std::uint64_t> offerings;
  std::vector<double> units, free;
  for (keten::help_form f : keten::all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    form.emplace_back(keten::to_string(f));
    label_nl.emplace_back(keten::label_nl(f));
    label_en.emplace_back(keten::label_en(f));
    member.emplace_back(keten::member_organisation(f));
    offerings.push_back(s.offerings_per_form[i]);
    units.push_back(s.units_per_year_per_form[i]);
    free.push_back(s.free_units_per_form[i]);
  }
  table t;
  t.add("help_form", strings(form));
  t.add("label_nl", strings(label_nl));
  t.add("label_en", strings(label_en));
  t.add("member", strings(member));
  t.add("offerings", column(std::move(offerings)));
  t.add("units_per_year", column(std::move(units)));
  t.add("free_units", column(std::move(free)));
  return t;
}

}  // namespace

void bind_landscape(py::module_& m) {
  // --- analysis ---------------------------------------------------------------------------
  py::class_<keten::landscape_summary>(m, "Summary", "The headline figures of a landscape.")
      .def_readonly("name", &keten::landscape_summary::name)
      .def_readonly("partners", &keten::landscape_summary::partners)
      .def_readonly("offerings", &keten::landscape_summary::offerings)
      .def_readonly("categories", &keten::landscape_summary::categories)
      .def_readonly("member_organisations", &keten::landscape_summary::member_organisations)
      .def_readonly("municipalities_served", &keten::landscape_summary::municipalities_served,
                    "Municipalities with at least one offering serving them.")
      .def_readonly("municipalities_with_all_forms",
                    &keten::landscape_summary::municipalities_with_all_forms,
                    "Municipalities served by every one of the five help forms.")
      .def_readonly("complementarities", &keten::landscape_summary::complementarities)
      .def_readonly("precedences", &keten::landscape_summary::precedences)
      .def("help_forms", &help_form_table,
           "Per help form (5 rows): help_form, label_nl, label_en, member, offerings, "
           "units_per_year, free_units.")
      .def(
          "to_dict",
          [](const keten::landscape_summary& s) { return json_loads(keten::to_json(s, -1)); },
          "The summary as the dict that `keten info --json` prints.")
      .def("__str__", [](const keten::landscape_summary& s) { return keten::to_text(s); })
      .def("__repr__", [](const keten::landscape_summary& s) {
        return "<Summary '" + s.name + "': " + std::to_string(s.partners) + " partners, " +
               std::to_string(s.offerings) + " offerings, " +
               std::to_string(s.municipalities_served) + " municipalities served>";
      });

  // --- landscapes -------------------------------------------------------------------------
  py::class_<keten::landscape>(
      m, "Landscape", "An immutable landscape of partners and offerings. Thread-safe to read.")
      .def_property_readonly("name", &keten::landscape::name)
      .def_property_readonly("partner_count",
                             [](const keten::landscape& l) { return l.partners().size(); })
      .def_property_readonly("offering_count",
                             [](const keten::landscape& l) { return l.offerings().size(); })
      .def_property_readonly("partner_ids",
                             [](const keten::landscape& l) {
                               std::vector<std::string> ids;
                               for (const auto& p : l.partners())
                                 ids.push_back(p.id);
                               return ids;
                             })
      .def_property_readonly("offering_ids",
                             [](const keten::landscape& l) {
                               std::vector<std::string> ids;
                               for (const auto& o : l.offerings())
                                 ids.push_back(o.id);
                               return ids;
                             })
      .def(
          "categories", [](const keten::landscape& l) { return categories_of(l.categories()); },
          "The landscape's need categories: the standard ones and any it adds, in index order.")
      .def(
          "category_index",
          [](const keten::landscape& l, const std::string& id) {
            return l.categories().index_of(id);
          },
          py::arg("id"),
          "The dense index of a category (its row/column in complementarity_matrix). Raises "
          "NotFoundError (a KeyError).")
      .def(
          "offering_index",
          [](const keten::landscape& l, const std::string& id) {
            const auto found = l.find_offering(id);
            if (!found)
              throw keten::not_found_error("no offering '" + id + "' in the landscape",
                                           {.object_id = id});
            return *found;
          },
          py::arg("id"),
          "The row of an offering in offerings(). Raises NotFoundError (a KeyError).")
      .def(
          "partner_index",
          [](const keten::landscape& l, const std::string& id) {
            const auto found = l.find_partner(id);
            if (!found)
              throw keten::not_found_error("no partner '" + id + "' in the landscape",
                                           {.object_id = id});
            return *found;
          },
          py::arg("id"), "The row of a partner in partners(). Raises NotFoundError (a KeyError).")
      .def("partners", &partner_table,
           "The partners as a Table: id, member, branch, municipality, offerings (count).")
      .def("offerings", &offering_table,
           "The offerings as a Table: id, partner, name, categories, help_forms, capacity "
           "(units_per_period, period_days, free_units, typical_duration_days, "
           "intake_wait_days), eligibility (min_age, max_age, requires_professional_referrer, "
           "households, languages; empty lists: everyone) "
           "and area (municipalities, postcodes, radius_lat/lon/km, NaN without a circle).")
      .def(
          "municipalities",
          [](const keten::landscape& l) { return municipality_table(l.places()); },
          "The landscape's geography as a Table (see keten.municipalities()).")
      .def("complementarities", &relation_table,
           "The complementarity graph's edges as a Table: a, b, weight.")
      .def("precedences", &precedence_table,
           "The precedence graph's edges as a Table: before, after.")
      .def_property_readonly(
          "complementarity_matrix",
          [](const keten::landscape& l) -> const Eigen::MatrixXd& {
            return l.complementarity_matrix();
          },
          py::return_value_policy::reference_internal,
          "Categories × categories complementarity weights (0 = none), in category index order: "
          "a read-only view into the landscape (no copy), which it keeps alive.")
      .def(
          "capacity_by_municipality",
          [](const keten::landscape& l) {
            py::gil_scoped_release release;
            return keten::capacity_by_municipality(l);
          },
          "Capacity units per year serving each municipality per help form: a float64 array of "
          "shape (municipalities, 5), rows in municipalities() order, columns in help_forms() "
          "order. Returned without a copy.")
      .def("capacity_table", &capacity_table,
           "capacity_by_municipality() beside the municipalities: code, name, province, "
           "population, area_km2, lat, lon, then one column per help form (views into the one "
           "matrix).")
      .def("partner_network", &partner_network_table,
           "The partner network's links (docs/analysis.md): a, b (partner ids), "
           "shared_municipalities — two partners are linked when, in a municipality both serve, a "
           "category of one complements a category of the other. Releases the GIL.")
      .def("partner_metrics", &partner_metrics_table,
           "Per partner, in partners() order: degree, betweenness (Brandes, normalised as "
           "networkx's betweenness_centrality) and component of the partner network. Releases the "
           "GIL.")
      .def(
          "summary",
          [](const keten::landscape& l) {
            py::gil_scoped_release release;
            return keten::summarize(l);
          },
          "Headline figures: partners, offerings, municipalities served, capacity per help form.")
      .def(
          "to_json",
          [](const keten::landscape& l, int indent) {
            py::gil_scoped_release release;
            return keten::to_json(l, indent);
          },
          py::arg("indent") = 1,
          "The landscape as a keten.landscape JSON document (indent < 0: one line).")
      .def(
          "save_json",
          [](const keten::landscape& l, const std::filesystem::path& path, int indent) {
            py::gil_scoped_release release;
            keten::save_landscape_json(l, path, indent);
          },
          py::arg("path"), py::arg("indent") = 1,
          "Writes the landscape as JSON, atomically. Raises KetenIOError (an OSError).")
      .def(
          "to_snapshot",
          [](const keten::landscape& l) {
            std::string bytes;
            {
              py::gil_scoped_release release;
              bytes = keten::to_snapshot(l);
            }
            return py::bytes(bytes);
          },
          "The landscape as binary snapshot bytes (docs/formats.md, 'Snapshots').")
      .def(
          "save_snapshot",
          [](const keten::landscape& l, const std::filesystem::path& path) {
            py::gil_scoped_release release;
            keten::save_snapshot(l, path);
          },
          py::arg("path"),
          "Writes the landscape as a snapshot, atomically and durably. Raises KetenIOError.")
      .def(
          "__eq__", [](const keten::landscape& a, const keten::landscape& b) { return a == b; },
          py::is_operator())
      .def(py::pickle([](const keten::landscape& l) { return py::bytes(keten::to_snapshot(l)); },
                      [](const py::bytes& state) {
                        return keten::from_snapshot(std::string(state), "<pickle>");
                      }))
      .def("__repr__", [](const keten::landscape& l) {
        return "<Landscape '" + l.name() + "': " + std::to_string(l.partners().size()) +
               " partners, " + std::to_string(l.offerings().size()) + " offerings>";
      });

  m.def(
      "load_landscape",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return keten::load_landscape(path);
      },
      py::arg("path"),
      "Reads a landscape file: a snapshot if it starts with the snapshot magic, else a "
      "keten.landscape JSON document. Raises ParseError, ValidationError, KetenIOError.");
  m.def(
      "load_snapshot",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return keten::load_snapshot(path);
      },
      py::arg("path"), "Reads a snapshot file. Raises ParseError, ValidationError, KetenIOError.");
  m.def(
      "landscape_from_snapshot",
      [](const py::bytes& data, const std::string& source_name) {
        const std::string bytes(data);
        py::gil_scoped_release release;
        return keten::from_snapshot(bytes, source_name);
      },
      py::arg("data"), py::arg("source_name") = "<bytes>",
      "Reads snapshot bytes. Raises ParseError (with the byte offset) or ValidationError.");
  m.def(
      "parse_landscape",
      [](const std::string& text, const std::string& source_name) {
        py::gil_scoped_release release;
        return keten::parse_landscape_json(text, source_name);
      },
      py::arg("text"), py::arg("source_name") = "<string>",
      "Parses a keten.landscape JSON document. Raises ParseError or ValidationError.");
  m.def(
      "generate_national_landscape",
      [](std::uint64_t seed) {
        py::gil_scoped_release release;
        return keten::generate_national_landscape(keten::geography::netherlands(), seed);
      },
      py::arg("seed") = keten::default_seed,
      "The synthetic national landscape for a seed (the default seed gives "
      "data/national_landscape.json).");
}
