// keten._ext, the referral ledger (keten/ledger.hpp): keten.Ledger. Called from ext.cpp's
// PYBIND11_MODULE by bind_ledger(m) after Landscape, Case and Allocation are registered; C++
// errors are translated by the translator registered there. Calls release the GIL.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "keten/ledger.hpp"

#include "allocation_result.hpp"

namespace py = pybind11;

void bind_ledger(py::module_& m);

namespace {

keten::ledger_time to_time(const std::optional<double>& seconds) {
  if (!seconds) return keten::ledger_now();
  return keten::ledger_time(
      std::chrono::milliseconds(static_cast<std::int64_t>(*seconds * 1000.0)));
}

double seconds(keten::ledger_time t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1000.0;
}

py::object frame(const py::dict& columns) {
  return py::module_::import("pandas").attr("DataFrame")(columns);
}

py::object transitions_frame(const std::vector<keten::referral_transition>& ts) {
  py::list id, ref, from, to, actor, reason, note, at;
  for (const auto& t : ts) {
    id.append(t.id);
    ref.append(t.referral);
    from.append(t.from ? py::object(py::str(std::string(keten::to_string(*t.from)))) : py::none());
    to.append(std::string(keten::to_string(t.to)));
    actor.append(std::string(keten::to_string(t.actor)));
    reason.append(t.reason == keten::referral_reason::none
                      ? py::object(py::none())
                      : py::object(py::str(std::string(keten::to_string(t.reason)))));
    note.append(t.note);
    at.append(seconds(t.at));
  }
  py::dict d;
  d["transition"] = id;
  d["referral"] = ref;
  d["from_state"] = from;
  d["to_state"] = to;
  d["actor"] = actor;
  d["reason"] = reason;
  d["note"] = note;
  d["at"] = py::module_::import("pandas").attr("to_datetime")(at, py::arg("unit") = "s",
                                                              py::arg("utc") = true);
  return frame(d);
}

py::dict referral_dict(const keten::referral& r) {
  py::dict d;
  d["id"] = r.id;
  d["case"] = r.case_id;
  d["need"] = r.need;
  d["offering"] = r.offering;
  d["partner"] = r.partner;
  d["state"] = std::string(keten::to_string(r.state));
  d["created"] = seconds(r.created);
  d["updated"] = seconds(r.updated);
  return d;
}

}  // namespace

void bind_ledger(py::module_& m) {
  using keten::ledger;
  py::class_<ledger>(m, "Ledger",
                     "The referral ledger on a SQLite file (docs/ledger.md): referrals with FHIR "
                     "Task states, capacity holds and every transition's time and actor role.")
      .def(py::init([](const std::filesystem::path& path, const std::string& synchronous,
                       bool create, double busy_timeout) {
             if (synchronous != "full" && synchronous != "normal")
               throw keten::validation_error(keten::error_code::invalid_value,
                                             "synchronous must be 'full' or 'normal'",
                                             {.field = "synchronous"});
             py::gil_scoped_release release;
             return ledger(path, {.synchronous = synchronous == "full" ? keten::ledger_sync::full
                                                                       : keten::ledger_sync::normal,
                                  .busy_timeout = std::chrono::milliseconds(
                                      static_cast<std::int64_t>(busy_timeout * 1000.0)),
                                  .create = create});
           }),
           py::arg("path"), py::kw_only(), py::arg("synchronous") = "full",
           py::arg("create") = true, py::arg("busy_timeout") = 30.0,
           "Opens or creates a ledger. Raises ParseError for a foreign, damaged or newer file.")
      .def(
          "add_offerings",
          [](ledger& l, const keten::landscape& land) {
            py::gil_scoped_release release;
            return l.add_offerings(land);
          },
          py::arg("landscape"),
          "Registers the landscape's offerings (free units as total); returns how many are new.")
      .def(
          "refer",
          [](ledger& l, const std::string& case_id, const std::string& need,
             const std::string& offering, bool draft, std::optional<double> at) {
            py::gil_scoped_release release;
            return l.refer({case_id, need, offering, draft}, to_time(at));
          },
          py::arg("case"), py::arg("need"), py::arg("offering"), py::kw_only(),
          py::arg("draft") = false, py::arg("at") = py::none(),
          "Creates a referral (requested: holds one unit). Returns its id.")
      .def(
          "seed",
          [](ledger& l, const keten_python::allocation_result& a) {
            py::gil_scoped_release release;
            return l.seed(a.land, *a.cases, a.result);
          },
          py::arg("allocation"),
          "A requested referral for every assigned need of a keten.allocate() result (all or "
          "none).")
      .def(
          "update",
          [](ledger& l, std::int64_t referral, const std::string& state, const std::string& actor,
             const std::string& reason, const std::string& note, std::optional<double> at) {
            const keten::transition_request t{referral, keten::parse_referral_state(state),
                                              keten::parse_actor_role(actor),
                                              keten::parse_referral_reason(reason), note};
            py::gil_scoped_release release;
            return l.update(t, to_time(at)).id;
          },
          py::arg("referral"), py::arg("state"), py::kw_only(), py::arg("actor"),
          py::arg("reason") = "none", py::arg("note") = "", py::arg("at") = py::none(),
          "Moves a referral; returns the transition id. Raises ValidationError (refused: nothing "
          "changes) or NotFoundError.")
      .def(
          "expire",
          [](ledger& l, double older_than_days) {
            py::gil_scoped_release release;
            return l.expire(keten::ledger_now() -
                            std::chrono::milliseconds(
                                static_cast<std::int64_t>(older_than_days * 86'400'000.0)));
          },
          py::arg("older_than_days"),
          "Cancels (reason expired) requested referrals unanswered for that many days.")
      .def(
          "referral", [](const ledger& l, std::int64_t id) { return referral_dict(l.get(id)); },
          py::arg("id"), "One referral as a dict.")
      .def(
          "referrals",
          [](const ledger& l, bool open_only) {
            py::list out;
            for (const auto& r : l.list({.open_only = open_only}))
              out.append(referral_dict(r));
            return out;
          },
          py::kw_only(), py::arg("open_only") = false, "The referrals as a list of dicts.")
      .def(
          "history",
          [](const ledger& l, std::optional<std::int64_t> referral) {
            return transitions_frame(referral ? l.history(*referral) : l.transitions());
          },
          py::arg("referral") = py::none(),
          "The transitions (of one referral, or all) as a pandas.DataFrame: transition, referral, "
          "from_state, to_state, actor, reason, note, at (UTC).")
      .def(
          "capacities",
          [](const ledger& l) {
            py::list out;
            for (const auto& c : l.capacities()) {
              py::dict d;
              d["offering"] = c.offering;
              d["partner"] = c.partner;
              d["total"] = c.total;
              d["held"] = c.held;
              d["free"] = c.free();
              out.append(d);
            }
            return out;
          },
          "Each offering's total, held and free units.")
      .def(
          "declines",
          [](const ledger& l) {
            py::list partner, need, state, reason, count;
            for (const auto& d : l.declines()) {
              partner.append(d.partner);
              need.append(d.need);
              state.append(std::string(keten::to_string(d.state)));
              reason.append(std::string(keten::to_string(d.reason)));
              count.append(d.count);
            }
            py::dict d;
            d["partner"] = partner;
            d["need"] = need;
            d["state"] = state;
            d["reason"] = reason;
            d["count"] = count;
            return frame(d);
          },
          "Declines per partner, help form, state and reason as a pandas.DataFrame.")
      .def(
          "check",
          [](const ledger& l) {
            keten::ledger_report rep;
            {
              py::gil_scoped_release release;
              rep = l.check();
            }
            return rep.problems;
          },
          "The broken invariants (an empty list when every invariant holds).");
}
