// keten._ext, the what-if simulation (keten/simulation.hpp): Scenario, SimulationResult,
// simulate, compare, merge_results, simulation_shards. Called from ext.cpp's PYBIND11_MODULE by
// bind_simulation(m) after Landscape, Case, Cases, MatchWeights and Table are registered; C++
// errors are translated by the translator registered there. simulate() releases the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "keten/io.hpp"
#include "keten/simulation.hpp"

#include "case_batch.hpp"

namespace py = pybind11;

void bind_simulation(py::module_& m);

namespace {

/// A run with the landscape it ran on (with the scenario's opened offerings), so that its tables
/// can name offerings, partners, categories and municipalities.
struct simulation_run {
  keten::landscape land;
  keten::simulation_result result;
};

struct scenario_file {
  keten::scenario value;
  keten::landscape land;  // the landscape it was read against, with its opened offerings
};

py::object table(const py::dict& columns) {
  return py::module_::import("keten._ext").attr("Table")(columns);
}

py::object column(const py::list& values) {
  return py::module_::import("numpy").attr("asarray")(values);
}

keten::simulation_grouping grouping(const std::string& by) {
  if (by == "total") return keten::simulation_grouping::total;
  if (by == "help_form") return keten::simulation_grouping::help_form;
  if (by == "municipality") return keten::simulation_grouping::municipality;
  throw keten::validation_error(keten::error_code::invalid_value,
                                "by is one of total, help_form, municipality", {.field = "by"});
}

py::object code_or_none(const keten::landscape& l, std::optional<keten::municipality_index> m) {
  return m ? py::object(py::str(l.places()[*m].code)) : py::none();
}
py::object form_or_none(std::optional<keten::help_form> f) {
  return f ? py::object(py::str(std::string(keten::to_string(*f)))) : py::none();
}

py::object needs_table(const simulation_run& run) {
  const keten::landscape& l = run.land;
  py::list case_number, need, municipality, category, form, arrived, referred, wait, offering,
      partner, outcome;
  for (const keten::simulated_need& n : run.result.needs) {
    case_number.append(n.case_number);
    need.append(n.need_index);
    municipality.append(l.places()[n.municipality].code);
    category.append(l.categories()[n.category].id);
    form.append(std::string(keten::to_string(l.categories()[n.category].form)));
    arrived.append(n.arrived);
    referred.append(n.referred);
    wait.append(n.wait());
    offering.append(n.offering ? py::object(py::str(l.offerings()[*n.offering].id)) : py::none());
    partner.append(n.offering ? py::object(py::str(l.partners()[l.partner_of(*n.offering)].id))
                              : py::none());
    outcome.append(std::string(keten::to_string(n.outcome)));
  }
  py::dict d;
  d["case"] = column(case_number);
  d["need"] = column(need);
  d["municipality"] = column(municipality);
  d["category"] = column(category);
  d["help_form"] = column(form);
  d["arrived"] = column(arrived);
  d["referred"] = column(referred);
  d["wait"] = column(wait);
  d["offering"] = column(offering);
  d["partner"] = column(partner);
  d["outcome"] = column(outcome);
  return table(d);
}

py::object offerings_table(const simulation_run& run) {
  const keten::landscape& l = run.land;
  py::list id, partner, municipality, form, unit_days, busy_days, utilisation, referrals, start,
      end;
  for (const keten::offering_usage& u : run.result.offerings) {
    const keten::partner& p = l.partners()[l.partner_of(u.offering)];
    id.append(l.offerings()[u.offering].id);
    partner.append(p.id);
    municipality.append(p.municipality);
    form.append(
        std::string(keten::to_string(l.categories()[l.categories_of(u.offering).front()].form)));
    unit_days.append(u.unit_days);
    busy_days.append(u.busy_days);
    utilisation.append(u.unit_days > 0 ? u.utilisation() : std::nan(""));
    referrals.append(u.referrals);
    start.append(u.units_start);
    end.append(u.units_end);
  }
  py::dict d;
  d["offering"] = column(id);
  d["partner"] = column(partner);
  d["municipality"] = column(municipality);
  d["help_form"] = column(form);
  d["unit_days"] = column(unit_days);
  d["busy_days"] = column(busy_days);
  d["utilisation"] = column(utilisation);
  d["referrals"] = column(referrals);
  d["units_start"] = column(start);
  d["units_end"] = column(end);
  return table(d);
}

py::object weeks_table(const simulation_run& run) {
  const keten::landscape& l = run.land;
  py::list week, municipality, form, arrived, referred, unmet, waiting, wait_mean, utilisation,
      units;
  for (const keten::week_row& w : run.result.weeks) {
    week.append(w.week);
    municipality.append(l.places()[w.municipality].code);
    form.append(std::string(keten::to_string(w.form)));
    arrived.append(w.arrived);
    referred.append(w.referred);
    unmet.append(w.unmet);
    waiting.append(w.waiting);
    wait_mean.append(w.referred > 0 ? w.wait_days / w.referred : std::nan(""));
    utilisation.append(w.unit_days > 0 ? w.busy_days / w.unit_days : std::nan(""));
    units.append(w.unit_days / 7.0);
  }
  py::dict d;
  d["week"] = column(week);
  d["municipality"] = column(municipality);
  d["help_form"] = column(form);
  d["arrived"] = column(arrived);
  d["referred"] = column(referred);
  d["unmet"] = column(unmet);
  d["waiting"] = column(waiting);
  d["wait_mean"] = column(wait_mean);
  d["utilisation"] = column(utilisation);
  d["units"] = column(units);
  return table(d);
}

py::object referrals_table(const simulation_run& run) {
  const keten::landscape& l = run.land;
  py::list from, to, from_member, to_member, count;
  for (const keten::partner_referral& r : run.result.referrals) {
    from.append(l.partners()[r.from].id);
    to.append(l.partners()[r.to].id);
    from_member.append(l.partners()[r.from].member);
    to_member.append(l.partners()[r.to].member);
    count.append(r.count);
  }
  py::dict d;
  d["from_partner"] = column(from);
  d["to_partner"] = column(to);
  d["from_member"] = column(from_member);
  d["to_member"] = column(to_member);
  d["count"] = column(count);
  return table(d);
}

py::object summary_table(const keten::landscape& l, const keten::simulation_result& r,
                         const std::string& by) {
  py::list municipality, form, arrived, referred, waiting, unmet, mean, median, p90, utilisation,
      units;
  std::array<py::list, keten::need_outcome_count> outcomes;
  for (const keten::simulation_summary_row& row : keten::summarize(l, r, grouping(by))) {
    municipality.append(code_or_none(l, row.municipality));
    form.append(form_or_none(row.form));
    arrived.append(row.arrived);
    referred.append(row.referred);
    for (std::size_t k = 0; k < keten::need_outcome_count; ++k)
      outcomes[k].append(row.outcomes[k]);
    mean.append(row.wait_mean);
    median.append(row.wait_median);
    p90.append(row.wait_p90);
    utilisation.append(row.utilisation);
    units.append(row.units);
  }
  py::dict d;
  d["municipality"] = column(municipality);
  d["help_form"] = column(form);
  d["arrived"] = column(arrived);
  d["referred"] = column(referred);
  for (std::size_t k = 0; k < keten::need_outcome_count; ++k)
    if (k != static_cast<std::size_t>(keten::need_outcome::referred))
      d[py::str(std::string(keten::to_string(static_cast<keten::need_outcome>(k))))] =
          column(outcomes[k]);
  d["wait_mean"] = column(mean);
  d["wait_median"] = column(median);
  d["wait_p90"] = column(p90);
  d["utilisation"] = column(utilisation);
  d["units"] = column(units);
  return table(d);
}

py::object comparison_table(const keten::landscape& l,
                            const std::vector<keten::metric_comparison>& rows) {
  py::list municipality, form, metric, bm, bl, bh, sm, sl, sh, dm, dl, dh, seeds;
  for (const keten::metric_comparison& c : rows) {
    municipality.append(code_or_none(l, c.municipality));
    form.append(form_or_none(c.form));
    metric.append(std::string(c.metric));
    bm.append(c.baseline.mean);
    bl.append(c.baseline.low);
    bh.append(c.baseline.high);
    sm.append(c.scenario.mean);
    sl.append(c.scenario.low);
    sh.append(c.scenario.high);
    dm.append(c.difference.mean);
    dl.append(c.difference.low);
    dh.append(c.difference.high);
    seeds.append(c.difference.seeds);
  }
  py::dict d;
  d["municipality"] = column(municipality);
  d["help_form"] = column(form);
  d["metric"] = column(metric);
  d["baseline"] = column(bm);
  d["baseline_low"] = column(bl);
  d["baseline_high"] = column(bh);
  d["scenario"] = column(sm);
  d["scenario_low"] = column(sl);
  d["scenario_high"] = column(sh);
  d["difference"] = column(dm);
  d["difference_low"] = column(dl);
  d["difference_high"] = column(dh);
  d["seeds"] = column(seeds);
  return table(d);
}

// --- pickling: the result's records as bytes (trivially copyable structs, checked by size) ----

template <class T>
py::bytes pack(const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T>
std::vector<T> unpack(const py::bytes& b, const char* what) {
  const std::string raw = b;
  if (raw.size() % sizeof(T) != 0)
    throw keten::parse_error(
        keten::error_code::unsupported_format,
        std::string("a pickled SimulationResult whose ") + what + " do not fit this keten build",
        {.field = what});
  std::vector<T> v(raw.size() / sizeof(T));
  if (!raw.empty()) std::memcpy(static_cast<void*>(v.data()), raw.data(), raw.size());
  return v;
}

constexpr int pickle_version = 1;

py::tuple run_state(const simulation_run& run) {
  const keten::simulation_result& r = run.result;
  return py::make_tuple(pickle_version, run.land, r.seed, r.days, r.rounds, r.round_seconds,
                        r.cases, pack(r.needs), pack(r.offerings), pack(r.weeks), pack(r.referrals),
                        r.sample_skipped);
}

simulation_run run_from_state(const py::tuple& t) {
  if (t.size() != 12 || t[0].cast<int>() != pickle_version)
    throw keten::parse_error(keten::error_code::unsupported_format,
                             "not a SimulationResult pickled by this keten version");
  simulation_run run{t[1].cast<keten::landscape>(), {}};
  keten::simulation_result& r = run.result;
  r.seed = t[2].cast<std::uint64_t>();
  r.days = t[3].cast<double>();
  r.rounds = t[4].cast<std::size_t>();
  r.round_seconds = t[5].cast<double>();
  r.cases = t[6].cast<std::size_t>();
  r.needs = unpack<keten::simulated_need>(t[7].cast<py::bytes>(), "needs");
  r.offerings = unpack<keten::offering_usage>(t[8].cast<py::bytes>(), "offerings");
  r.weeks = unpack<keten::week_row>(t[9].cast<py::bytes>(), "weeks");
  r.referrals = unpack<keten::partner_referral>(t[10].cast<py::bytes>(), "referrals");
  r.sample_skipped = t[11].cast<std::size_t>();
  return run;
}

}  // namespace

void bind_simulation(py::module_& m) {
  using keten::referral_policy;
  py::class_<scenario_file>(m, "Scenario",
                            "A what-if (a keten.scenario document, docs/simulation.md): capacity "
                            "changes, teams opened or closed, policy changes from a week on.")
      .def_property_readonly("name", [](const scenario_file& s) { return s.value.name; })
      .def_property_readonly("description",
                             [](const scenario_file& s) { return s.value.description; })
      .def("__len__", [](const scenario_file& s) { return s.value.changes.size(); })
      .def(
          "landscape", [](const scenario_file& s) { return s.land; },
          "The landscape with the scenario's opened partners and offerings appended.")
      .def("__repr__", [](const scenario_file& s) {
        return "<Scenario '" + s.value.name + "': " + std::to_string(s.value.changes.size()) +
               " changes>";
      });
  m.def(
      "parse_scenario",
      [](const std::string& text, const keten::landscape& l, const std::string& source) {
        py::gil_scoped_release release;
        scenario_file s{keten::parse_scenario_json(text, l, source), l};
        s.land = keten::with_opened_offerings(l, s.value);
        return s;
      },
      py::arg("text"), py::arg("landscape"), py::arg("source") = "<string>");
  m.def(
      "load_scenario",
      [](const std::filesystem::path& path, const keten::landscape& l) {
        py::gil_scoped_release release;
        scenario_file s{keten::load_scenario_json(path, l), l};
        s.land = keten::with_opened_offerings(l, s.value);
        return s;
      },
      py::arg("path"), py::arg("landscape"));

  py::class_<simulation_run>(m, "SimulationResult",
                             "One simulated run (one seed): its needs, offerings, weeks and "
                             "referrals between partners as Tables; summary() per group.")
      .def_property_readonly("seed", [](const simulation_run& r) { return r.result.seed; })
      .def_property_readonly("days", [](const simulation_run& r) { return r.result.days; })
      .def_property_readonly("rounds", [](const simulation_run& r) { return r.result.rounds; })
      .def_property_readonly("round_seconds",
                             [](const simulation_run& r) { return r.result.round_seconds; })
      .def_property_readonly("cases", [](const simulation_run& r) { return r.result.cases; })
      .def_property_readonly(
          "sample_skipped", [](const simulation_run& r) { return r.result.sample_skipped; },
          "Sample cases left out: without a municipality.")
      .def_property_readonly("landscape", [](const simulation_run& r) { return r.land; })
      .def("needs", &needs_table,
           "One row per need that arrived in the measured period: case (arrival number), need, "
           "municipality, category, help_form, arrived and referred (days), wait, offering and "
           "partner (None unless referred), outcome.")
      .def("offerings", &offerings_table,
           "One row per offering in reach: offering, partner, municipality (the partner's), "
           "help_form, unit_days, busy_days, utilisation, referrals, units_start, units_end.")
      .def("weeks", &weeks_table,
           "The weekly series per municipality and help form: week, municipality, help_form, "
           "arrived, referred, unmet, waiting (at the week's end), wait_mean (of the referred), "
           "utilisation and units (of the offerings whose partner is at home there).")
      .def("referrals", &referrals_table,
           "Warm handovers: from_partner (a case's first), to_partner, their members, count.")
      .def(
          "summary",
          [](const simulation_run& r, const std::string& by) {
            return summary_table(r.land, r.result, by);
          },
          py::arg("by") = "help_form",
          "Per group (total, help_form or municipality): arrived, referred, each other outcome, "
          "wait_mean, wait_median, wait_p90 (days), utilisation, units.")
      .def("__repr__",
           [](const simulation_run& r) {
             return "<SimulationResult seed " + std::to_string(r.result.seed) + ": " +
                    std::to_string(r.result.needs.size()) + " needs, " +
                    std::to_string(r.result.rounds) + " rounds>";
           })
      .def(py::pickle([](const simulation_run& r) { return run_state(r); },
                      [](const py::tuple& t) { return run_from_state(t); }));

  m.def(
      "simulate",
      [](const keten::landscape& l, double weeks, double warmup_weeks, std::uint64_t seed,
         double round_days, const std::string& policy, double demand,
         const std::array<double, keten::help_form_count>& form_demand,
         const std::optional<std::array<double, keten::help_form_count>>& rates,
         const std::optional<std::array<double, keten::help_form_count>>& duration_shapes,
         const std::vector<std::string>& municipalities,
         const std::optional<keten_python::case_batch>& sample, double sample_days, double turnover,
         double waiting_day, double fairness, const std::optional<keten::match_weights>& weights,
         const scenario_file* what_if) {
        keten::simulation_options o;
        o.weeks = weeks;
        o.warmup_weeks = warmup_weeks;
        o.seed = seed;
        o.round_days = round_days;
        const auto p = keten::parse_referral_policy(policy);
        if (!p)
          throw keten::validation_error(keten::error_code::invalid_value,
                                        "policy is one of allocate, allocate_cold, match",
                                        {.field = "policy"});
        o.policy = *p;
        o.demand_factor = demand;
        o.form_demand = form_demand;
        if (rates) o.rates.per_1000 = *rates;
        if (duration_shapes) o.duration_shapes = *duration_shapes;
        o.municipalities = municipalities;
        if (sample) o.sample = sample->get();
        o.sample_days = sample_days;
        o.volunteer_turnover = turnover;
        o.allocation.waiting_day = waiting_day;
        o.allocation.fairness = fairness;
        if (weights) o.allocation.weights = *weights;
        py::gil_scoped_release release;
        simulation_run run{what_if ? what_if->land : l, {}};
        run.result = keten::simulate(l, o, what_if ? &what_if->value : nullptr);
        return run;
      },
      py::arg("landscape"), py::kw_only(), py::arg("weeks"), py::arg("warmup_weeks"),
      py::arg("seed"), py::arg("round_days"), py::arg("policy"), py::arg("demand"),
      py::arg("form_demand"), py::arg("rates"), py::arg("duration_shapes"),
      py::arg("municipalities"), py::arg("sample"), py::arg("sample_days"), py::arg("turnover"),
      py::arg("waiting_day"), py::arg("fairness"), py::arg("weights"), py::arg("scenario"));

  m.def(
      "compare_runs",
      [](const std::vector<const simulation_run*>& baseline,
         const std::vector<const simulation_run*>& what_if, const std::string& by,
         double confidence) {
        if (baseline.empty())
          throw keten::validation_error(keten::error_code::invalid_value,
                                        "compare needs at least one baseline run",
                                        {.field = "baseline"});
        std::vector<keten::simulation_result> b, s;
        for (const simulation_run* r : baseline)
          b.push_back(r->result);
        for (const simulation_run* r : what_if)
          s.push_back(r->result);
        const keten::landscape& l = (what_if.empty() ? baseline : what_if).front()->land;
        std::vector<keten::metric_comparison> rows;
        {
          py::gil_scoped_release release;
          rows = keten::compare(l, b, s.empty() ? b : s, grouping(by), confidence);
        }
        return comparison_table(l, rows);
      },
      py::arg("baseline"), py::arg("scenario"), py::arg("by"), py::arg("confidence"));

  m.def(
      "merge_results",
      [](const std::vector<const simulation_run*>& parts) {
        if (parts.empty())
          throw keten::validation_error(keten::error_code::invalid_value, "nothing to merge",
                                        {.field = "parts"});
        std::vector<keten::simulation_result> results;
        for (const simulation_run* r : parts)
          results.push_back(r->result);
        simulation_run run{parts.front()->land, {}};
        py::gil_scoped_release release;
        run.result = keten::merge_results(results);
        return run;
      },
      py::arg("parts"),
      "The runs of a simulation's shards (one seed) as one SimulationResult (C++ merge_results).");

  m.def(
      "simulation_shards",
      [](const keten::landscape& l, std::size_t count) {
        py::gil_scoped_release release;
        return keten::simulation_shards(l, count);
      },
      py::arg("landscape"), py::arg("count"),
      "Municipalities in at most `count` groups that no offering joins (docs/scale.md).");

  m.def(
      "estimate_mean",
      [](const std::vector<double>& values, double confidence) {
        const keten::seed_estimate e = keten::estimate_mean(values, confidence);
        return py::make_tuple(e.mean, e.low, e.high, e.seeds);
      },
      py::arg("values"), py::arg("confidence") = 0.95,
      "The mean of the values (NaN left out) and its Student-t interval: (mean, low, high, n).");

  m.attr("DEFAULT_DURATION_SHAPES") = keten::default_duration_shapes;
}
