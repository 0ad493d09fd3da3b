// keten._ext: matching (keten/matching.hpp): MatchWeights, a batch of matches on threads
// without the GIL, and its bundles, assignments and needs as tables. Registered by ext.cpp after
// the cooperation layer (match_batch takes its Strengths).
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

void bind_matching(py::module_& m);

namespace {

keten::match_options make_options(std::size_t top_k, std::size_t max_partners, bool allow_waitlist,
                                  const std::optional<keten::match_weights>& weights) {
  keten::match_options options;
  options.top_k = top_k;
  options.max_partners = max_partners;
  options.allow_waitlist = allow_waitlist;
  if (weights) options.weights = *weights;
  return options;
}

/// Matches every case, on `threads` threads (0: one per core) over one const landscape. The
/// results are in the order of the cases whatever the threads; on an error, the error of the
/// first failing case (in case order) is thrown. Call without the GIL.
std::vector<keten::match_result> run_batch(const keten::landscape& l,
                                           const std::vector<keten::help_case>& cases,
                                           const keten::match_options& options, bool exhaustive,
                                           std::size_t threads) {
  std::vector<keten::match_result> results(cases.size());
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  constexpr std::size_t chunk = 64;
  threads = std::min(threads, (cases.size() + chunk - 1) / chunk);
  std::atomic<std::size_t> next{0};
  std::vector<std::pair<std::size_t, std::exception_ptr>> failures(
      std::max<std::size_t>(threads, 1), {cases.size(), nullptr});
  const auto work = [&](std::size_t worker) {
    for (;;) {
      const std::size_t begin = next.fetch_add(chunk);
      if (begin >= cases.size()) return;
      const std::size_t end = std::min(cases.size(), begin + chunk);
      for (std::size_t i = begin; i < end; ++i) {
        try {
          results[i] = exhaustive ? keten::match_exhaustive(l, cases[i], options)
                                  : keten::match(l, cases[i], options);
        } catch (...) {
          if (i < failures[worker].first) failures[worker] = {i, std::current_exception()};
          next.store(cases.size());  // stop handing out work
          return;
        }
      }
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t)
      pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool)
      t.join();
  }
  const auto first =
      std::min_element(failures.begin(), failures.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
  if (first->second) std::rethrow_exception(first->second);
  return results;
}

/// The results of a batch match, kept in C++ until asked for.
struct match_batch {
  keten::landscape land;
  case_batch cases;
  std::vector<keten::match_result> results;

  [[nodiscard]] std::pair<std::size_t, std::size_t> range(
      std::optional<std::ptrdiff_t> index) const {
    if (!index) return {0, results.size()};
    const std::size_t i = checked_index(*index, results.size());
    return {i, i + 1};
  }
};

/// Why need i is uncovered in a bundle (the rule of docs/matching.md, "Output").
std::string uncovered_reason(const keten::need_candidates& found) {
  if (!found.candidates.empty()) return "not_chosen";
  if (found.in_category == 0) return "no_offering_in_category";
  return std::string(
      keten::to_string(found.uncoverable_because().value_or(keten::rejection::out_of_area)));
}

table bundle_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  const keten::landscape& l = batch.land;
  std::vector<std::string> case_id;
  std::vector<std::int64_t> case_index, rank, covered, needs, partners, stages;
  std::vector<double> score, cover, distance, wait, capacity, complementarity, collaboration, extra;
  std::vector<py::object> offerings;
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const auto& bundles = batch.results[i].bundles;
    for (std::size_t k = 0; k < bundles.size(); ++k) {
      const keten::bundle& b = bundles[k];
      case_id.push_back(c.id);
      case_index.push_back(static_cast<std::int64_t>(i));
      rank.push_back(static_cast<std::int64_t>(k + 1));
      score.push_back(keten::to_points(b.score));
      covered.push_back(static_cast<std::int64_t>(b.covered()));
      needs.push_back(static_cast<std::int64_t>(c.needs.size()));
      partners.push_back(static_cast<std::int64_t>(b.partner_count(l)));
      stages.push_back(static_cast<std::int64_t>(b.path.stage_count()));
      cover.push_back(keten::to_points(b.breakdown.cover));
      distance.push_back(keten::to_points(b.breakdown.distance));
      wait.push_back(keten::to_points(b.breakdown.wait));
      capacity.push_back(keten::to_points(b.breakdown.capacity));
      complementarity.push_back(keten::to_points(b.breakdown.complementarity));
      collaboration.push_back(keten::to_points(b.breakdown.collaboration));
      extra.push_back(keten::to_points(b.breakdown.extra_partners));
      py::list ids;
      for (const auto& o : b.assigned)
        ids.append(o ? py::object(py::str(l.offerings()[*o].id)) : py::object(py::none()));
      offerings.push_back(std::move(ids));
    }
  }
  object_column offering_lists(offerings.size());
  for (std::size_t r = 0; r < offerings.size(); ++r)
    offering_lists.set(r, std::move(offerings[r]));
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("rank", column(std::move(rank)));
  t.add("score", column(std::move(score)));
  t.add("needs", column(std::move(needs)));
  t.add("covered", column(std::move(covered)));
  t.add("partners", column(std::move(partners)));
  t.add("stages", column(std::move(stages)));
  t.add("cover", column(std::move(cover)));
  t.add("distance", column(std::move(distance)));
  t.add("wait", column(std::move(wait)));
  t.add("capacity", column(std::move(capacity)));
  t.add("complementarity", column(std::move(complementarity)));
  t.add("collaboration", column(std::move(collaboration)));
  t.add("extra_partners", column(std::move(extra)));
  t.add("offerings", offering_lists.done());
  return t;
}

table assignment_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  const keten::landscape& l = batch.land;
  std::vector<std::string> case_id, category;
  std::vector<std::int64_t> case_index, rank, need, urgency, stage;
  std::vector<double> weight, cover, distance, wait, capacity, total, km;
  std::vector<std::optional<std::string>> offering, partner, uncovered;
  std::vector<std::uint8_t> is_covered;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const keten::match_result& r = batch.results[i];
    for (std::size_t k = 0; k < r.bundles.size(); ++k) {
      const keten::bundle& b = r.bundles[k];
      std::vector<std::int64_t> stage_of(c.needs.size(), -1);
      for (const auto& step : b.path.steps)
        for (std::size_t n : step.needs)
          stage_of[n] = static_cast<std::int64_t>(step.stage);
      for (std::size_t n = 0; n < c.needs.size(); ++n) {
        case_id.push_back(c.id);
        case_index.push_back(static_cast<std::int64_t>(i));
        rank.push_back(static_cast<std::int64_t>(k + 1));
        need.push_back(static_cast<std::int64_t>(n));
        category.push_back(c.needs[n].category);
        urgency.push_back(c.needs[n].urgency);
        weight.push_back(c.needs[n].weight);
        const auto& chosen = b.assigned[n];
        const keten::assignment_terms terms =
            b.reasons.empty() ? keten::assignment_terms{} : b.reasons[n].terms;
        is_covered.push_back(chosen ? 1 : 0);
        if (chosen) {
          offering.emplace_back(l.offerings()[*chosen].id);
          partner.emplace_back(l.partners()[l.partner_of(*chosen)].id);
          uncovered.emplace_back(std::nullopt);
          km.push_back(std::round(terms.distance_km * 1000.0) / 1000.0);
        } else {
          offering.emplace_back(std::nullopt);
          partner.emplace_back(std::nullopt);
          uncovered.emplace_back(r.needs.empty() ? std::string("not_chosen")
                                                 : uncovered_reason(r.needs[n]));
          km.push_back(nan);
        }
        cover.push_back(keten::to_points(terms.cover));
        distance.push_back(keten::to_points(terms.distance));
        wait.push_back(keten::to_points(terms.wait));
        capacity.push_back(keten::to_points(terms.capacity));
        total.push_back(keten::to_points(terms.total()));
        stage.push_back(stage_of[n]);
      }
    }
  }
  const auto optional_strings = [](const std::vector<std::optional<std::string>>& values) {
    object_column out(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      out.set(i, values[i] ? py::object(py::str(*values[i])) : py::object(py::none()));
    return out.done();
  };
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("rank", column(std::move(rank)));
  t.add("need", column(std::move(need)));
  t.add("category", strings(category));
  t.add("urgency", column(std::move(urgency)));
  t.add("weight", column(std::move(weight)));
  t.add("covered", bool_column(is_covered));
  t.add("offering", optional_strings(offering));
  t.add("partner", optional_strings(partner));
  t.add("uncovered", optional_strings(uncovered));
  t.add("cover", column(std::move(cover)));
  t.add("distance", column(std::move(distance)));
  t.add("wait", column(std::move(wait)));
  t.add("capacity", column(std::move(capacity)));
  t.add("total", column(std::move(total)));
  t.add("distance_km", column(std::move(km)));
  t.add("stage", column(std::move(stage)));
  return t;
}

table need_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  std::vector<std::string> case_id, category, status;
  std::vector<std::int64_t> case_index, need, urgency, in_category, in_reach, candidates, rejected;
  std::vector<double> weight;
  std::vector<std::optional<std::string>> uncoverable;
  std::vector<std::uint8_t> covered_best;
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const keten::match_result& r = batch.results[i];
    for (std::size_t n = 0; n < c.needs.size(); ++n) {
      case_id.emplace_back(c.id);
      case_index.push_back(static_cast<std::int64_t>(i));
      status.emplace_back(keten::to_string(r.status));
      need.push_back(static_cast<std::int64_t>(n));
      category.push_back(c.needs[n].category);
      urgency.push_back(c.needs[n].urgency);
      weight.push_back(c.needs[n].weight);
      const bool known = !r.needs.empty();
      in_category.push_back(known ? static_cast<std::int64_t>(r.needs[n].in_category) : 0);
      in_reach.push_back(known ? static_cast<std::int64_t>(r.needs[n].in_reach()) : 0);
      candidates.push_back(known ? static_cast<std::int64_t>(r.needs[n].candidates.size()) : 0);
      rejected.push_back(known ? static_cast<std::int64_t>(r.needs[n].rejected.size()) : 0);
      if (known && r.needs[n].candidates.empty())
        uncoverable.emplace_back(uncovered_reason(r.needs[n]));
      else
        uncoverable.emplace_back(std::nullopt);
      covered_best.push_back(!r.bundles.empty() && r.bundles.front().assigned[n] ? 1 : 0);
    }
  }
  object_column why(uncoverable.size());
  for (std::size_t i = 0; i < uncoverable.size(); ++i)
    why.set(i, uncoverable[i] ? py::object(py::str(*uncoverable[i])) : py::object(py::none()));
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("status", strings(status));
  t.add("need", column(std::move(need)));
  t.add("category", strings(category));
  t.add("urgency", column(std::move(urgency)));
  t.add("weight", column(std::move(weight)));
  t.add("in_category", column(std::move(in_category)));
  t.add("in_reach", column(std::move(in_reach)));
  t.add("candidates", column(std::move(candidates)));
  t.add("rejected", column(std::move(rejected)));
  t.add("uncoverable", why.done());
  t.add("covered_by_best", bool_column(covered_best));
  return t;
}

}  // namespace

void bind_matching(py::module_& m) {
  // --- matching ---------------------------------------------------------------------------
  py::class_<keten::match_weights>(m, "MatchWeights",
                                   "The weights of the objective's terms, in points "
                                   "(docs/matching.md).")
      .def(py::init([](double cover, double distance, double distance_scale_km, double wait,
                       double wait_scale_days, double free_capacity, double waitlist,
                       double complementarity, double collaboration, double extra_partner) {
             return keten::match_weights{
                 cover,         distance, distance_scale_km, wait,          wait_scale_days,
                 free_capacity, waitlist, complementarity,   collaboration, extra_partner};
           }),
           py::kw_only(), py::arg("cover") = 100.0, py::arg("distance") = 20.0,
           py::arg("distance_scale_km") = 10.0, py::arg("wait") = 10.0,
           py::arg("wait_scale_days") = 90.0, py::arg("free_capacity") = 5.0,
           py::arg("waitlist") = 40.0, py::arg("complementarity") = 30.0,
           py::arg("collaboration") = 20.0, py::arg("extra_partner") = 15.0)
      .def_readwrite("cover", &keten::match_weights::cover)
      .def_readwrite("distance", &keten::match_weights::distance)
      .def_readwrite("distance_scale_km", &keten::match_weights::distance_scale_km)
      .def_readwrite("wait", &keten::match_weights::wait)
      .def_readwrite("wait_scale_days", &keten::match_weights::wait_scale_days)
      .def_readwrite("free_capacity", &keten::match_weights::free_capacity)
      .def_readwrite("waitlist", &keten::match_weights::waitlist)
      .def_readwrite("complementarity", &keten::match_weights::complementarity)
      .def_readwrite("collaboration", &keten::match_weights::collaboration)
      .def_readwrite("extra_partner", &keten::match_weights::extra_partner);

  py::class_<match_batch>(m, "MatchBatch",
                          "The results of matching a batch of cases, held in C++ until read.")
      .def("__len__", [](const match_batch& b) { return b.results.size(); })
      .def_property_readonly("landscape", [](const match_batch& b) { return b.land; })
      .def_property_readonly("cases", [](const match_batch& b) { return b.cases; })
      .def_property_readonly("case_ids",
                             [](const match_batch& b) {
                               std::vector<std::string> ids;
                               for (const auto& c : b.cases.get())
                                 ids.push_back(c.id);
                               return ids;
                             })
      .def_property_readonly(
          "bundle_counts",
          [](const match_batch& b) {
            std::vector<std::int64_t> counts;
            for (const auto& r : b.results)
              counts.push_back(static_cast<std::int64_t>(r.bundles.size()));
            return column(std::move(counts));
          },
          "The number of bundles found per case (numpy int64).")
      .def_property_readonly(
          "best_scores",
          [](const match_batch& b) {
            std::vector<double> scores;
            for (const auto& r : b.results)
              scores.push_back(r.bundles.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                 : keten::to_points(r.bundles.front().score));
            return column(std::move(scores));
          },
          "The best bundle's score per case in points (NaN if none), numpy float64.")
      .def(
          "result_json",
          [](const match_batch& b, std::ptrdiff_t i, int indent) {
            const std::size_t k = checked_index(i, b.results.size());
            return keten::to_json(b.results[k], b.land, b.cases.get()[k], indent);
          },
          py::arg("index"), py::arg("indent") = -1,
          "One case's result in the per-case shape of the keten.matches format.")
      .def(
          "to_json",
          [](const match_batch& b, int indent) {
            py::gil_scoped_release release;
            return keten::matches_to_json(b.results, b.cases.get(), b.land, indent);
          },
          py::arg("indent") = 1, "The whole batch as a keten.matches JSON document.")
      .def("bundles", &bundle_table, py::arg("index") = py::none(),
           "One row per bundle (of one case, or of all): case, case_index, rank, score, needs, "
           "covered, partners, stages, the score terms in points, offerings (per need, None if "
           "uncovered).")
      .def("assignments", &assignment_table, py::arg("index") = py::none(),
           "One row per bundle and need: case, case_index, rank, need, category, urgency, "
           "weight, covered, offering, partner, uncovered (why not, or None), the terms in "
           "points, distance_km (NaN if uncovered), stage in the pathway (-1 if uncovered).")
      .def("needs", &need_table, py::arg("index") = py::none(),
           "One row per case and need: case, case_index, status, need, category, urgency, "
           "weight, in_category, in_reach, candidates, rejected (counts), uncoverable (why no "
           "offering can cover it, or None), covered_by_best.");

  m.def(
      "match_batch",
      [](const keten::landscape& l, const case_batch& cases, std::size_t top_k,
         std::size_t max_partners, bool allow_waitlist,
         const std::optional<keten::match_weights>& weights, bool exhaustive, std::size_t threads,
         const keten::collaboration_strengths* cooperation) {
        keten::match_options options = make_options(top_k, max_partners, allow_waitlist, weights);
        options.collaboration = cooperation;
        match_batch out{l, cases, {}};
        py::gil_scoped_release release;
        out.results = run_batch(l, cases.get(), options, exhaustive, threads);
        return out;
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("top_k") = 5,
      py::arg("max_partners") = 3, py::arg("allow_waitlist") = false,
      py::arg("weights") = py::none(), py::arg("exhaustive") = false, py::arg("threads") = 1,
      py::arg("cooperation") = py::none(),
      "Matches every case (see keten.match_batch). Releases the GIL.");
  m.def(
      "time_match_batch",
      [](const keten::landscape& l, const case_batch& cases, std::size_t top_k,
         std::size_t max_partners, bool allow_waitlist, bool exhaustive, std::size_t threads) {
        const keten::match_options options =
            make_options(top_k, max_partners, allow_waitlist, std::nullopt);
        py::gil_scoped_release release;
        const auto start = std::chrono::steady_clock::now();
        std::vector<keten::match_result> results =
            run_batch(l, cases.get(), options, exhaustive, threads);
        const auto stop = std::chrono::steady_clock::now();
        return std::chrono::duration<double>(stop - start).count();
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("top_k") = 5,
      py::arg("max_partners") = 3, py::arg("allow_waitlist") = false, py::arg("exhaustive") = false,
      py::arg("threads") = 1,
      "Benchmark aid: the seconds that the C++ work of match_batch takes for these cases, timed "
      "in C++ (no Python in the timed region).");
}
