// keten._ext, the gap analysis (keten/gaps.hpp): GapAnalysis with its tables, the unmet-need
// evidence of allocations and the greedy plan of new teams. Called from ext.cpp's PYBIND11_MODULE
// by bind_gaps(m) after Landscape, Cases and Allocation are registered. keten/_gaps.py adds the
// keyword-friendly keten.gaps().
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "allocation_result.hpp"
#include "case_batch.hpp"
#include "keten/keten.hpp"
#include "table.hpp"

namespace py = pybind11;

void bind_gaps(py::module_& m);

namespace {

using keten_python::allocation_result;
using keten_python::case_batch;

using keten_python::bool_column;
using keten_python::column;
using keten_python::strings;
using keten_python::table;

/// A gap analysis with the landscape it belongs to.
struct gaps_holder {
  keten::landscape land;
  keten::gap_analysis gaps;
};

/// A team plan with the landscape it belongs to.
struct plan_holder {
  keten::landscape land;
  keten::team_plan plan;
};

std::vector<keten::municipality_index> scope_of(const keten::landscape& l,
                                                const std::vector<std::string>& codes,
                                                const std::vector<std::string>& provinces) {
  return keten::select_municipalities(l.places(), codes, provinces);
}

keten::help_form form_arg(const std::string& name) {
  const auto f = keten::parse_help_form(name);
  if (!f)
    throw keten::validation_error(
        keten::error_code::invalid_value,
        "unknown help form '" + name + "' (money, neighbour, work, group or youth)",
        {.field = "form"});
  return *f;
}

/// One row per municipality in scope and help form.
table cells_table(const gaps_holder& h, const std::vector<keten::municipality_index>& scope) {
  const keten::geography& places = h.land.places();
  std::vector<std::string> code, name, province, form;
  std::vector<std::int64_t> population, offerings, rounds_unmet;
  std::vector<double> demand, capacity, shortfall, reach, lat, lon;
  std::vector<std::uint8_t> present, all_forms;
  std::array<std::vector<std::int64_t>, 5> unmet;
  for (keten::municipality_index m : h.gaps.rows(scope)) {
    if (m >= places.size())
      throw keten::validation_error(keten::error_code::invalid_value, "scope outside geography",
                                    {.field = "scope"});
    for (keten::help_form f : keten::all_help_forms) {
      const keten::gap_cell& c = h.gaps.at(m, f);
      code.push_back(places[m].code);
      name.push_back(places[m].name);
      province.push_back(places[m].province);
      population.push_back(places[m].population);
      lat.push_back(places[m].point.lat);
      lon.push_back(places[m].point.lon);
      form.push_back(std::string(keten::to_string(f)));
      demand.push_back(c.demand);
      capacity.push_back(c.capacity);
      shortfall.push_back(c.shortfall);
      reach.push_back(c.reach);
      offerings.push_back(c.offerings);
      present.push_back(h.gaps.has(m, f));
      all_forms.push_back(h.gaps.forms_present[m] == (1U << keten::help_form_count) - 1);
      for (std::size_t r = 0; r < 5; ++r)
        unmet[r].push_back(c.unmet[r]);
      rounds_unmet.push_back(c.rounds_unmet);
    }
  }
  table t;
  t.add("code", strings(code));
  t.add("name", strings(name));
  t.add("province", strings(province));
  t.add("population", column(std::move(population)));
  t.add("lat", column(std::move(lat)));
  t.add("lon", column(std::move(lon)));
  t.add("form", strings(form));
  t.add("demand", column(std::move(demand)));
  t.add("capacity", column(std::move(capacity)));
  t.add("shortfall", column(std::move(shortfall)));
  t.add("reach", column(std::move(reach)));
  t.add("offerings", column(std::move(offerings)));
  t.add("present", bool_column(present));
  t.add("all_forms", bool_column(all_forms));
  for (std::size_t r = 0; r < 5; ++r)
    t.add("unmet_" + std::string(keten::to_string(static_cast<keten::unmet_reason>(r))),
          column(std::move(unmet[r])));
  t.add("rounds_unmet", column(std::move(rounds_unmet)));
  return t;
}

/// One row per help form: the totals over the scope.
table totals_table(const gaps_holder& h, const std::vector<keten::municipality_index>& scope) {
  const keten::gap_totals t = keten::total_gaps(h.gaps, h.land.places(), scope);
  std::vector<std::string> form;
  std::vector<double> demand, capacity, shortfall, reach;
  std::vector<std::int64_t> missing, unmet;
  for (keten::help_form f : keten::all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    form.push_back(std::string(keten::to_string(f)));
    demand.push_back(t.demand[i]);
    capacity.push_back(t.capacity[i]);
    shortfall.push_back(t.shortfall[i]);
    reach.push_back(t.reach[i]);
    missing.push_back(static_cast<std::int64_t>(t.missing[i]));
    unmet.push_back(t.unmet[i]);
  }
  table d;
  d.add("form", strings(form));
  d.add("demand", column(std::move(demand)));
  d.add("capacity", column(std::move(capacity)));
  d.add("shortfall", column(std::move(shortfall)));
  d.add("reach", column(std::move(reach)));
  d.add("municipalities_missing", column(std::move(missing)));
  d.add("unmet", column(std::move(unmet)));
  return d;
}

std::vector<std::string> codes_of(const keten::landscape& l,
                                  const std::vector<keten::municipality_index>& ms) {
  std::vector<std::string> out;
  for (keten::municipality_index m : ms)
    out.push_back(l.places()[m].code);
  return out;
}

}  // namespace

void bind_gaps(py::module_& m) {
  py::class_<plan_holder>(m, "TeamPlan",
                          "Where new local teams of one help form would help most (greedy "
                          "maximum coverage; docs/gaps.md).")
      .def_property_readonly("form",
                             [](const plan_holder& p) { return keten::to_string(p.plan.form); })
      .def_property_readonly(
          "sites", [](const plan_holder& p) { return codes_of(p.land, p.plan.sites); },
          "CBS codes of the sites, in the order the greedy rule chose them.")
      .def_property_readonly(
          "gains", [](const plan_holder& p) { return p.plan.gains; },
          "Per site: the shortfall it newly reached when chosen.")
      .def_property_readonly(
          "reached",
          [](const plan_holder& p) {
            std::vector<std::vector<std::string>> out;
            for (const auto& r : p.plan.reached)
              out.push_back(codes_of(p.land, r));
            return out;
          },
          "Per site: the codes of the municipalities it reaches.")
      .def_property_readonly("covered", [](const plan_holder& p) { return p.plan.covered; })
      .def_property_readonly("team_capacity",
                             [](const plan_holder& p) { return p.plan.team_capacity; })
      .def_property_readonly("shortfall_before",
                             [](const plan_holder& p) { return p.plan.shortfall_before; })
      .def_property_readonly("shortfall_after",
                             [](const plan_holder& p) { return p.plan.shortfall_after; })
      .def("__repr__", [](const plan_holder& p) {
        return "<TeamPlan " + std::string(keten::to_string(p.plan.form)) + ": " +
               std::to_string(p.plan.sites.size()) + " sites, shortfall " +
               std::to_string(p.plan.shortfall_before) + " -> " +
               std::to_string(p.plan.shortfall_after) + ">";
      });

  py::class_<gaps_holder>(m, "GapAnalysis",
                          "Demand against capacity per municipality and help form, reach, "
                          "missing help forms and unmet needs (docs/gaps.md).")
      .def(
          "table",
          [](const gaps_holder& h, const std::vector<std::string>& municipalities,
             const std::vector<std::string>& provinces) {
            return cells_table(h, scope_of(h.land, municipalities, provinces));
          },
          py::kw_only(), py::arg("municipalities") = std::vector<std::string>{},
          py::arg("provinces") = std::vector<std::string>{},
          "One row per municipality (in scope; default all) and help form: code, name, "
          "province, population, lat, lon, form, demand, capacity, shortfall, reach, offerings, "
          "present, all_forms, unmet_<reason> and rounds_unmet.")
      .def(
          "totals",
          [](const gaps_holder& h, const std::vector<std::string>& municipalities,
             const std::vector<std::string>& provinces) {
            return totals_table(h, scope_of(h.land, municipalities, provinces));
          },
          py::kw_only(), py::arg("municipalities") = std::vector<std::string>{},
          py::arg("provinces") = std::vector<std::string>{},
          "One row per help form, over the scope: demand, capacity, shortfall, reach "
          "(population-weighted), municipalities_missing, unmet.")
      .def(
          "with_all_forms",
          [](const gaps_holder& h) { return codes_of(h.land, h.gaps.with_all_forms()); },
          "Codes of the municipalities where all five help forms serve.")
      .def(
          "missing",
          [](const gaps_holder& h, const std::string& form) {
            return codes_of(h.land, h.gaps.missing(form_arg(form)));
          },
          py::arg("form"), "Codes of the municipalities where the help form has no offering.")
      .def(
          "add_unmet_evidence",
          [](gaps_holder& h, const allocation_result& a) {
            keten::add_unmet_evidence(h.gaps, h.land, *a.cases, a.result);
          },
          py::arg("allocation"),
          "Counts an allocation's unmet needs (by reason) in their municipality and help form.")
      .def(
          "plan_teams",
          [](const gaps_holder& h, const std::string& form, std::size_t teams,
             double team_radius_km, double team_capacity,
             const std::vector<std::string>& municipalities,
             const std::vector<std::string>& provinces) {
            keten::team_plan_options o;
            o.form = form_arg(form);
            o.teams = teams;
            o.team_radius_km = team_radius_km;
            o.team_capacity = team_capacity;
            o.scope = scope_of(h.land, municipalities, provinces);
            py::gil_scoped_release release;
            return plan_holder{h.land, keten::plan_new_teams(h.gaps, h.land, o)};
          },
          py::arg("form"), py::kw_only(), py::arg("teams") = 3, py::arg("team_radius_km") = 10.0,
          py::arg("team_capacity") = 0.0, py::arg("municipalities") = std::vector<std::string>{},
          py::arg("provinces") = std::vector<std::string>{},
          "Greedy maximum coverage of the shortfall by k new teams (at least 1 - 1/e of the "
          "best k sites' coverage).")
      .def(
          "to_json",
          [](const gaps_holder& h, const std::vector<std::string>& municipalities,
             const std::vector<std::string>& provinces, const std::vector<plan_holder>& plans,
             int indent) {
            std::vector<keten::team_plan> p;
            for (const plan_holder& x : plans)
              p.push_back(x.plan);
            return keten::gaps_to_json(h.gaps, h.land, scope_of(h.land, municipalities, provinces),
                                       p, indent);
          },
          py::kw_only(), py::arg("municipalities") = std::vector<std::string>{},
          py::arg("provinces") = std::vector<std::string>{},
          py::arg("plans") = std::vector<plan_holder>{}, py::arg("indent") = 1,
          "The keten.gaps JSON document (what keten gaps --json prints).")
      .def_property_readonly("reach_km", [](const gaps_holder& h) { return h.gaps.reach_km; })
      .def_property_readonly("demand_from_cases",
                             [](const gaps_holder& h) { return h.gaps.demand_from_cases; })
      .def_property_readonly("rounds", [](const gaps_holder& h) { return h.gaps.rounds; })
      .def_property_readonly("cases_without_place",
                             [](const gaps_holder& h) { return h.gaps.cases_without_place; })
      .def("__repr__", [](const gaps_holder& h) {
        return "<GapAnalysis: " + std::to_string(h.gaps.municipalities) + " municipalities, " +
               (h.gaps.demand_from_cases ? "demand from cases" : "demand from rates") + ">";
      });

  m.def(
      "analyse_gaps",
      [](const keten::landscape& l, const std::optional<case_batch>& cases,
         const std::optional<std::array<double, 5>>& rates, double cases_period_days,
         double reach_km, int population_samples) {
        keten::gap_options o;
        if (rates) o.rates.per_1000 = *rates;
        if (cases) o.cases = cases->get();
        o.cases_period_days = cases_period_days;
        o.reach_km = reach_km;
        o.population_samples = population_samples;
        py::gil_scoped_release release;
        return gaps_holder{l, keten::analyse_gaps(l, o)};
      },
      py::arg("landscape"), py::kw_only(), py::arg("cases") = py::none(),
      py::arg("rates") = py::none(), py::arg("cases_period_days") = 365.0,
      py::arg("reach_km") = 3.0, py::arg("population_samples") = 64,
      "The gap analysis (see keten.gaps).");
  m.def(
      "standard_demand_rates",
      [] {
        py::dict d;
        const keten::demand_rates r = keten::demand_rates::standard();
        for (keten::help_form f : keten::all_help_forms)
          d[py::str(std::string(keten::to_string(f)))] = r.per_1000[static_cast<std::size_t>(f)];
        return d;
      },
      "The documented default demand per 1,000 inhabitants per year, by help form.");
}
