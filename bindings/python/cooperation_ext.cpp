// keten._ext, part three: local chains and cooperation scans (keten/chain.hpp,
// keten/cooperation.hpp, the scan I/O of keten/io.hpp). Called from ext.cpp's PYBIND11_MODULE by
// bind_cooperation(m) before match_batch and allocate are defined (they take its Strengths).
// Tables are returned as dicts of numpy arrays; keten/_cooperation.py wraps them in keten.Table.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "keten/keten.hpp"

namespace py = pybind11;

void bind_cooperation(py::module_& m);

namespace {

using namespace pybind11::literals;

/// A keten.Table (registered by ext.cpp) of the columns.
py::object as_table(const py::dict& columns) {
  return py::module_::import("keten._ext").attr("Table")(columns);
}

py::array numbers(const std::vector<double>& v) {
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}
py::array integers(const std::vector<std::int64_t>& v) {
  return py::array_t<std::int64_t>(static_cast<py::ssize_t>(v.size()), v.data());
}
py::array texts(const std::vector<std::string>& v) {
  return py::module_::import("numpy").attr("array")(py::cast(v), "dtype"_a = "O");
}
py::array bools(const std::vector<bool>& v) {
  return py::module_::import("numpy").attr("array")(py::cast(v), "dtype"_a = "bool");
}
std::optional<keten::date> date_arg(const std::optional<std::string>& text, const char* field) {
  if (!text) return std::nullopt;
  const auto d = keten::parse_date(*text);
  if (!d)
    throw keten::validation_error(
        keten::error_code::invalid_value,
        std::string(field) + " must be a date YYYY-MM-DD, not '" + *text + "'", {.field = field});
  return d;
}

/// The chains of a landscape: one row per chain.
py::object chains_table(const keten::landscape& l) {
  std::vector<std::string> id, name, form, started, municipalities, partners, initiators;
  std::vector<std::int64_t> partner_count;
  for (const keten::local_chain& c : l.chains()) {
    id.push_back(c.id);
    name.push_back(c.name);
    form.push_back(c.form);
    started.push_back(keten::to_string(c.started));
    std::string ms, ps, is;
    for (const std::string& code : c.municipalities)
      ms += (ms.empty() ? "" : " ") + code;
    for (const std::string& p : c.partners)
      ps += (ps.empty() ? "" : " ") + p;
    for (const keten::chain_initiator& i : c.initiators)
      is += (is.empty() ? "" : " ") + (i.partner.empty() ? "role:" + i.role : i.partner);
    municipalities.push_back(ms);
    partners.push_back(ps);
    initiators.push_back(is);
    partner_count.push_back(static_cast<std::int64_t>(c.partners.size()));
  }
  py::dict t;
  t["chain"] = texts(id);
  t["name"] = texts(name);
  t["form"] = texts(form);
  t["started"] = texts(started);
  t["municipalities"] = texts(municipalities);
  t["partners"] = integers(partner_count);
  t["members"] = texts(partners);
  t["initiators"] = texts(initiators);
  return as_table(t);
}

/// One row per (chain, member partner).
py::object chain_members_table(const keten::landscape& l) {
  std::vector<std::string> chain, partner, member, municipality;
  std::vector<bool> initiator;
  for (const keten::local_chain& c : l.chains())
    for (const std::string& p : c.partners) {
      const keten::partner& x = l.partners()[*l.find_partner(p)];
      chain.push_back(c.id);
      partner.push_back(p);
      member.push_back(x.member);
      municipality.push_back(x.municipality);
      bool is = false;
      for (const keten::chain_initiator& i : c.initiators)
        is = is || i.partner == p;
      initiator.push_back(is);
    }
  py::dict t;
  t["chain"] = texts(chain);
  t["partner"] = texts(partner);
  t["member"] = texts(member);
  t["municipality"] = texts(municipality);
  t["initiator"] = bools(initiator);
  return as_table(t);
}

py::object answers_table(const keten::cooperation_scan& s) {
  std::vector<std::string> chain, day, partner, respondent, statement, about;
  std::vector<std::int64_t> value;
  const auto& q = s.statements();
  for (const keten::scan_answer& a : s.answers()) {
    chain.push_back(a.chain);
    day.push_back(keten::to_string(a.when));
    partner.push_back(a.partner);
    respondent.push_back(a.respondent);
    statement.push_back(a.statement);
    const keten::scan_statement& st = q.statements()[*q.find(a.statement)];
    about.push_back(std::string(keten::to_string(st.about)));
    value.push_back(a.value);
  }
  py::dict t;
  t["chain"] = texts(chain);
  t["date"] = texts(day);
  t["partner"] = texts(partner);
  t["respondent"] = texts(respondent);
  t["statement"] = texts(statement);
  t["condition"] = texts(about);
  t["value"] = integers(value);
  return as_table(t);
}

py::object conditions_table(const keten::cooperation_report& r, const keten::landscape& l) {
  std::vector<std::string> chain, scanned, baseline, about, weakest_of;
  std::vector<double> mean, spread, sd, before, change, superiority, p;
  std::vector<std::int64_t> partners, respondents, answers;
  std::vector<bool> weakest, exact, significant;
  for (const keten::chain_cooperation& c : r.chains)
    for (std::size_t k = 0; k < keten::condition_count; ++k) {
      const keten::condition_score& s = c.conditions[k];
      const keten::condition_trend& t = c.trends[k];
      chain.push_back(l.chains()[c.chain].id);
      scanned.push_back(keten::to_string(c.scanned));
      baseline.push_back(c.baseline ? keten::to_string(*c.baseline) : "");
      about.push_back(std::string(keten::to_string(s.about)));
      mean.push_back(s.mean);
      spread.push_back(s.spread);
      sd.push_back(s.sd);
      partners.push_back(static_cast<std::int64_t>(s.partners));
      respondents.push_back(static_cast<std::int64_t>(s.respondents));
      answers.push_back(static_cast<std::int64_t>(s.answers));
      weakest.push_back(c.weakest == s.about);
      const double nan = std::nan("");
      before.push_back(c.baseline ? t.before : nan);
      change.push_back(c.baseline ? t.change : nan);
      superiority.push_back(c.baseline ? t.superiority : nan);
      p.push_back(c.baseline ? t.p_value : nan);
      exact.push_back(c.baseline && t.exact);
      significant.push_back(c.baseline && t.significant);
    }
  py::dict t;
  t["chain"] = texts(chain);
  t["scanned"] = texts(scanned);
  t["baseline"] = texts(baseline);
  t["condition"] = texts(about);
  t["mean"] = numbers(mean);
  t["spread"] = numbers(spread);
  t["sd"] = numbers(sd);
  t["partners"] = integers(partners);
  t["respondents"] = integers(respondents);
  t["answers"] = integers(answers);
  t["weakest"] = bools(weakest);
  t["before"] = numbers(before);
  t["change"] = numbers(change);
  t["superiority"] = numbers(superiority);
  t["p_value"] = numbers(p);
  t["exact"] = bools(exact);
  t["significant"] = bools(significant);
  return as_table(t);
}

py::object partner_means_table(const keten::cooperation_report& r, const keten::landscape& l) {
  std::vector<std::string> chain, partner, about;
  std::vector<double> mean;
  for (const keten::chain_cooperation& c : r.chains)
    for (std::size_t i = 0; i < c.partners.size(); ++i)
      for (std::size_t k = 0; k < keten::condition_count; ++k) {
        chain.push_back(l.chains()[c.chain].id);
        partner.push_back(l.partners()[c.partners[i]].id);
        about.push_back(std::string(keten::to_string(keten::all_conditions[k])));
        mean.push_back(c.partner_means(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)));
      }
  py::dict t;
  t["chain"] = texts(chain);
  t["partner"] = texts(partner);
  t["condition"] = texts(about);
  t["mean"] = numbers(mean);
  return as_table(t);
}

py::object pairs_table(const keten::cooperation_report& r, const keten::landscape& l) {
  std::vector<std::string> chain, a, b;
  std::vector<double> strength;
  for (const keten::partner_pair_strength& x : r.pairs) {
    chain.push_back(l.chains()[x.chain].id);
    a.push_back(l.partners()[x.a].id);
    b.push_back(l.partners()[x.b].id);
    strength.push_back(x.strength);
  }
  py::dict t;
  t["chain"] = texts(chain);
  t["partner_a"] = texts(a);
  t["partner_b"] = texts(b);
  t["strength"] = numbers(strength);
  return as_table(t);
}

/// A report with the landscape it refers to (for ids).
struct report_holder {
  keten::landscape land;
  keten::cooperation_report report;
};

}  // namespace

void bind_cooperation(py::module_& m) {
  m.def("chains_table", &chains_table, py::arg("landscape"),
        "The landscape's local chains, one row per chain (see keten.chains).");
  m.def("chain_members_table", &chain_members_table, py::arg("landscape"),
        "One row per chain and member partner (see keten.chain_members).");
  m.def(
      "chains_json",
      [](const keten::landscape& l, const std::vector<std::string>& municipalities, int indent) {
        return keten::chains_to_json(l, municipalities, indent);
      },
      py::arg("landscape"), py::arg("municipalities") = std::vector<std::string>{},
      py::arg("indent") = 1, "The chains as a keten.chains JSON document.");

  py::class_<keten::cooperation_scan>(
      m, "Scan",
      "Validated answers of cooperation scans (docs/cooperation.md): per chain and date, per "
      "respondent code and partner, a value 1-5 per statement of the questionnaire.")
      .def("__len__", [](const keten::cooperation_scan& s) { return s.answers().size(); })
      .def("answers", &answers_table,
           "One row per answer: chain, date, partner, respondent, statement, condition, value.")
      .def(
          "dates",
          [](const keten::cooperation_scan& s, const std::string& chain) {
            const auto k = s.land().find_chain(chain);
            if (!k)
              throw keten::not_found_error("no chain with id '" + chain + "'",
                                           {.field = "chain", .object_id = chain});
            std::vector<std::string> out;
            for (const keten::date d : s.dates(*k))
              out.push_back(keten::to_string(d));
            return out;
          },
          py::arg("chain"), "The days chain `chain` was scanned, ascending (YYYY-MM-DD).")
      .def("to_csv", &keten::scan_to_csv, "The answers as CSV (one row per answer).")
      .def("to_json", &keten::scan_to_json, py::arg("indent") = 1,
           "The scan as a keten.scan JSON document.")
      .def(
          "save",
          [](const keten::cooperation_scan& s, const std::filesystem::path& path) {
            keten::save_scan(s, path);
          },
          py::arg("path"), "Writes the scan: CSV if the path ends in .csv, else keten.scan JSON.")
      .def("__repr__", [](const keten::cooperation_scan& s) {
        return "<Scan: " + std::to_string(s.answers().size()) + " answers>";
      });

  m.def(
      "load_scan",
      [](const std::filesystem::path& path, const keten::landscape& l) {
        py::gil_scoped_release release;
        return keten::load_scan(path, l);
      },
      py::arg("path"), py::arg("landscape"),
      "Reads a scan file (keten.scan JSON, or CSV one row per answer) against the landscape. "
      "Raises ParseError / ValidationError naming file, line or pointer, field and chain; nothing "
      "is half-imported.");
  m.def(
      "parse_scan",
      [](const std::string& text, const keten::landscape& l, const std::string& source) {
        py::gil_scoped_release release;
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && text[first] == '{')
          return keten::parse_scan_json(text, l, source);
        return keten::parse_scan_csv(text, l, source);
      },
      py::arg("text"), py::arg("landscape"), py::arg("source") = "<string>",
      "Parses a scan from text: keten.scan JSON if it starts with '{', else CSV.");
  m.def(
      "generate_scans",
      [](const keten::landscape& l, std::uint64_t seed, const std::vector<std::string>& chains) {
        keten::scan_generation g;
        g.seed = seed;
        g.chains = chains;
        py::gil_scoped_release release;
        keten::cooperation_scan s(l);
        s.add(keten::generate_scans(l, g));
        return s;
      },
      py::arg("landscape"), py::kw_only(), py::arg("seed") = keten::default_seed,
      py::arg("chains") = std::vector<std::string>{},
      "Synthetic scans of the landscape's chains, two dates each (docs/data.md).");

  py::class_<keten::collaboration_strengths>(
      m, "Strengths",
      "Cooperation strength in [0, 1] per pair of partners (the strongest over their chains): "
      "what match() and allocate() read for their collaboration term.")
      .def("__len__", &keten::collaboration_strengths::size)
      .def("max", &keten::collaboration_strengths::max, "The largest strength (0 if empty).");

  py::class_<report_holder>(m, "CooperationReport",
                            "What the scans say: the five conditions per chain, the partners' "
                            "means, and the pair strengths (docs/cooperation.md).")
      .def(
          "conditions", [](const report_holder& r) { return conditions_table(r.report, r.land); },
          "One row per chain and condition: scanned, baseline, mean, spread (max - min of the "
          "partner means), sd (population sd of the partner means), counts, weakest, and the "
          "trend (before, change, superiority A, p_value, exact, significant).")
      .def(
          "partner_means",
          [](const report_holder& r) { return partner_means_table(r.report, r.land); },
          "One row per chain, answering partner and condition: the partner's mean.")
      .def(
          "pairs", [](const report_holder& r) { return pairs_table(r.report, r.land); },
          "One row per partner pair of a chain: its cooperation strength in [0, 1].")
      .def(
          "silent",
          [](const report_holder& r) {
            py::dict out;
            for (const keten::chain_cooperation& c : r.report.chains) {
              std::vector<std::string> ids;
              for (keten::partner_index p : c.silent)
                ids.push_back(r.land.partners()[p].id);
              out[py::str(r.land.chains()[c.chain].id)] = ids;
            }
            return out;
          },
          "Per chain the members that did not answer its scan.")
      .def_property_readonly(
          "strengths", [](const report_holder& r) { return r.report.strengths; },
          "The pair strengths, for match(..., cooperation=...) and allocate(..., cooperation=...).")
      .def(
          "to_json",
          [](const report_holder& r, int indent) {
            return keten::to_json(r.report, r.land, indent);
          },
          py::arg("indent") = 1, "The report as a keten.cooperation JSON document.")
      .def("__repr__", [](const report_holder& r) {
        return "<CooperationReport: " + std::to_string(r.report.chains.size()) + " chains, " +
               std::to_string(r.report.pairs.size()) + " pairs>";
      });

  m.def(
      "questionnaire_table",
      [] {
        std::vector<std::string> id, about, nl, en;
        std::vector<bool> reversed;
        for (const keten::scan_statement& st : keten::questionnaire::standard().statements()) {
          id.push_back(st.id);
          about.push_back(std::string(keten::to_string(st.about)));
          nl.push_back(st.text_nl);
          en.push_back(st.text_en);
          reversed.push_back(st.reversed);
        }
        py::dict t;
        t["statement"] = texts(id);
        t["condition"] = texts(about);
        t["reversed"] = bools(reversed);
        t["text_nl"] = texts(nl);
        t["text_en"] = texts(en);
        return as_table(t);
      },
      "The standard questionnaire (see keten.questionnaire).");
  m.def(
      "rank_sum_test",
      [](const std::vector<double>& before, const std::vector<double>& after) {
        for (const double x : before)
          if (!std::isfinite(x))
            throw keten::validation_error(keten::error_code::invalid_value,
                                          "before holds a value that is not finite",
                                          {.field = "before"});
        for (const double x : after)
          if (!std::isfinite(x))
            throw keten::validation_error(keten::error_code::invalid_value,
                                          "after holds a value that is not finite",
                                          {.field = "after"});
        const keten::rank_sum_test t = keten::mann_whitney(before, after);
        return py::make_tuple(t.superiority, t.p_value, t.exact);
      },
      py::arg("before"), py::arg("after"),
      "The trend test of the cooperation report: Mann-Whitney of `after` against `before` with "
      "midranks; returns (Vargha-Delaney A, two-sided p, exact). Exact permutation p up to 80 "
      "values in all, else the normal approximation with tie and continuity correction.");
  m.def(
      "chain_dot",
      [](const keten::landscape& l, const std::string& chain, const report_holder* report) {
        // A report refers to chains by index in its own landscape: draw from that one.
        const keten::landscape& land = report ? report->land : l;
        const auto k = land.find_chain(chain);
        if (!k)
          throw keten::not_found_error("no chain has the id '" + chain + "'",
                                       {.field = "chain", .object_id = chain});
        std::ostringstream dot;
        keten::write_chain_dot(dot, land, *k, report ? &report->report : nullptr);
        return dot.str();
      },
      py::arg("landscape"), py::arg("chain"), py::arg("cooperation") = py::none(),
      "The chain's partner network as Graphviz DOT (keten chains --dot).");
  m.def(
      "assess_cooperation",
      [](const keten::cooperation_scan& scan, double alpha,
         const std::optional<std::string>& current, const std::optional<std::string>& baseline,
         const std::vector<std::string>& chains) {
        keten::cooperation_options o;
        o.alpha = alpha;
        o.current = date_arg(current, "current");
        o.baseline = date_arg(baseline, "baseline");
        o.chains = chains;
        py::gil_scoped_release release;
        return report_holder{scan.land(), keten::assess_cooperation(scan, o)};
      },
      py::arg("scan"), py::kw_only(), py::arg("alpha") = 0.05, py::arg("current") = py::none(),
      py::arg("baseline") = py::none(), py::arg("chains") = std::vector<std::string>{},
      "The five conditions per chain, trends and pair strengths (see keten.cooperation).");
}
