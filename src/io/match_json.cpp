// JSON writing of match results (docs/matching.md, "Output"): one serializer for the CLI and the
// Python binding. Only the case's opaque id and its needs are written, never its profile or
// location.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "keten/error.hpp"
#include "keten/io.hpp"
#include "keten/matching.hpp"
#include "keten/pathway.hpp"

namespace keten {

namespace {

using ordered_json = nlohmann::ordered_json;

/// Score units as points: exact to the thousandth, written in the shortest form ("412.5").
double points(score_t s) {
  return to_points(s);
}

/// Kilometres rounded to metres, so that the output does not depend on the last bits of a sine.
double kilometres(double km) {
  return std::round(km * 1000.0) / 1000.0;
}

[[noreturn]] void mismatch(const help_case& c, const std::string& what) {
  throw validation_error(error_code::invalid_value,
                         fmt::format("match result does not fit the case: {}", what),
                         {.object_id = c.id});
}

/// Checks that `r` could be the result of matching `c` on `l`, so that every index is in range.
void check_fits(const match_result& r, const landscape& l, const help_case& c) {
  const std::size_t needs = c.needs.size();
  const std::size_t offerings = l.offerings().size();
  const std::size_t partners = l.partners().size();
  const auto check_offering = [&](offering_index o, std::string_view where) {
    if (o >= offerings) mismatch(c, fmt::format("{}: offering index {} out of range", where, o));
  };
  if (!r.needs.empty() && r.needs.size() != needs)
    mismatch(c, fmt::format("{} need entries for {} needs", r.needs.size(), needs));
  for (const need_candidates& n : r.needs) {
    for (offering_index o : n.candidates)
      check_offering(o, "candidates");
    for (const rejected_offering& x : n.rejected)
      check_offering(x.offering, "rejected");
  }
  for (const bundle& b : r.bundles) {
    if (b.assigned.size() != needs)
      mismatch(c, fmt::format("a bundle assigns {} needs of {}", b.assigned.size(), needs));
    if (!b.reasons.empty() && b.reasons.size() != needs)
      mismatch(c, fmt::format("a bundle gives {} reasons for {} needs", b.reasons.size(), needs));
    for (const auto& o : b.assigned)
      if (o) check_offering(*o, "assigned");
    for (const need_reason& why : b.reasons) {
      if (why.chosen) check_offering(*why.chosen, "reasons");
      if (why.best_alternative) check_offering(*why.best_alternative, "reasons");
    }
    for (const pathway_step& s : b.path.steps) {
      check_offering(s.offering, "pathway");
      if (s.partner >= partners) mismatch(c, fmt::format("pathway: partner index {}", s.partner));
      for (std::size_t n : s.needs)
        if (n >= needs) mismatch(c, fmt::format("pathway: need index {}", n));
    }
    for (const handover& h : b.path.handovers)
      if (h.from_step >= b.path.steps.size() || h.to_step >= b.path.steps.size())
        mismatch(c, "pathway: handover step out of range");
  }
}

ordered_json terms_json(const assignment_terms& t) {
  return {{"cover", points(t.cover)},
          {"distance", points(t.distance)},
          {"wait", points(t.wait)},
          {"capacity", points(t.capacity)},
          {"total", points(t.total())}};
}

ordered_json breakdown_json(const score_breakdown& b) {
  return {{"cover", points(b.cover)},
          {"distance", points(b.distance)},
          {"wait", points(b.wait)},
          {"capacity", points(b.capacity)},
          {"complementarity", points(b.complementarity)},
          {"collaboration", points(b.collaboration)},
          {"extra_partners", points(b.extra_partners)}};
}

ordered_json rejected_json(const rejected_offering& x, const landscape& l) {
  const offering& o = l.offerings()[x.offering];
  ordered_json item{{"offering", o.id}, {"partner", o.partner}, {"reason", to_string(x.reason)}};
  if (x.reason == rejection::not_eligible) item["eligibility"] = to_string(x.eligibility);
  return item;
}

ordered_json need_json(std::size_t i, const help_case& c, const need_candidates* found,
                       const landscape& l) {
  const need& n = c.needs[i];
  ordered_json item{
      {"index", i}, {"category", n.category}, {"urgency", n.urgency}, {"weight", n.weight}};
  if (found == nullptr) return item;
  ordered_json candidates = ordered_json::array();
  for (offering_index o : found->candidates)
    candidates.push_back(l.offerings()[o].id);
  ordered_json rejected = ordered_json::array();
  for (const rejected_offering& x : found->rejected)
    rejected.push_back(rejected_json(x, l));
  item["in_category"] = found->in_category;
  item["out_of_area"] = found->in_category - std::min(found->in_category, found->in_reach());
  item["candidates"] = found->candidates.size();
  item["candidate_offerings"] = std::move(candidates);
  item["rejected"] = std::move(rejected);
  return item;
}

/// Why a need is left uncovered in a bundle: "not_chosen" when it has candidates (the bundle does
/// better without, or every candidate would break max_partners), "no_offering_in_category", or
/// why nothing could cover it (need_candidates::uncoverable_because()).
void uncovered_json(const need_candidates* found, ordered_json& item) {
  if (found == nullptr || !found->candidates.empty()) {
    item["uncovered"] = "not_chosen";
    return;
  }
  if (found->in_category == 0) {
    item["uncovered"] = "no_offering_in_category";
    return;
  }
  const rejection why = found->uncoverable_because().value_or(rejection::out_of_area);
  item["uncovered"] = to_string(why);
  if (why == rejection::not_eligible) {
    for (const rejected_offering& x : found->rejected) {
      if (x.reason == rejection::not_eligible) {
        item["eligibility"] = to_string(x.eligibility);
        break;
      }
    }
  }
}

ordered_json assignment_json(std::size_t i, const bundle& b, const help_case& c,
                             const need_candidates* found, const landscape& l) {
  ordered_json item{{"need", i}, {"category", c.needs[i].category}};
  const need_reason* why = b.reasons.empty() ? nullptr : &b.reasons[i];
  if (const auto& chosen = b.assigned[i]) {
    const offering& o = l.offerings()[*chosen];
    const partner& p = l.partners()[l.partner_of(*chosen)];
    item["offering"] = o.id;
    item["partner"] = p.id;
    item["branch"] = p.branch;
    if (why != nullptr) {
      item["terms"] = terms_json(why->terms);
      item["distance_km"] = kilometres(why->terms.distance_km);
    }
  } else {
    item["offering"] = nullptr;
    uncovered_json(found, item);
  }
  if (why != nullptr) {
    if (why->has_alternative) {
      ordered_json alternative = ordered_json::object();
      if (why->alternative_is_uncovered || !why->best_alternative) {
        alternative["offering"] = nullptr;
        alternative["uncovered"] = true;
      } else {
        const offering& o = l.offerings()[*why->best_alternative];
        alternative["offering"] = o.id;
        alternative["partner"] = o.partner;
        alternative["uncovered"] = false;
      }
      alternative["loss"] = points(why->alternative_loss);
      item["alternative"] = std::move(alternative);
    } else {
      item["alternative"] = nullptr;
    }
  }
  return item;
}

ordered_json pathway_json(const pathway& path, const help_case& c, const landscape& l) {
  ordered_json steps = ordered_json::array();
  for (std::size_t s = 0; s < path.steps.size(); ++s) {
    const pathway_step& step = path.steps[s];
    ordered_json needs = ordered_json::array();
    ordered_json categories = ordered_json::array();
    for (std::size_t n : step.needs) {
      needs.push_back(n);
      categories.push_back(c.needs[n].category);
    }
    steps.push_back({{"step", s},
                     {"stage", step.stage},
                     {"offering", l.offerings()[step.offering].id},
                     {"partner", l.partners()[step.partner].id},
                     {"needs", std::move(needs)},
                     {"categories", std::move(categories)}});
  }
  ordered_json handovers = ordered_json::array();
  for (const handover& h : path.handovers) {
    handovers.push_back({{"from", l.partners()[path.steps[h.from_step].partner].id},
                         {"to", l.partners()[path.steps[h.to_step].partner].id},
                         {"from_step", h.from_step},
                         {"to_step", h.to_step},
                         {"because_of_precedence", h.because_of_precedence}});
  }
  return {{"stages", path.stage_count()},
          {"steps", std::move(steps)},
          {"handovers", std::move(handovers)}};
}

ordered_json result_json(const match_result& r, const landscape& l, const help_case& c) {
  check_fits(r, l, c);
  const auto found = [&](std::size_t i) -> const need_candidates* {
    return r.needs.empty() ? nullptr : &r.needs[i];
  };
  ordered_json needs = ordered_json::array();
  for (std::size_t i = 0; i < c.needs.size(); ++i)
    needs.push_back(need_json(i, c, found(i), l));
  ordered_json bundles = ordered_json::array();
  for (std::size_t k = 0; k < r.bundles.size(); ++k) {
    const bundle& b = r.bundles[k];
    ordered_json assignments = ordered_json::array();
    for (std::size_t i = 0; i < c.needs.size(); ++i)
      assignments.push_back(assignment_json(i, b, c, found(i), l));
    bundles.push_back({{"rank", k + 1},
                       {"score", points(b.score)},
                       {"covered", b.covered()},
                       {"partners", b.partner_count(l)},
                       {"breakdown", breakdown_json(b.breakdown)},
                       {"assignments", std::move(assignments)},
                       {"pathway", pathway_json(b.path, c, l)}});
  }
  return {{"case", c.id},
          {"status", to_string(r.status)},
          {"needs", std::move(needs)},
          {"bundles", std::move(bundles)}};
}

/// Invalid UTF-8 (possible only in ids set through the C++ API) is replaced, not thrown on.
std::string dump(const ordered_json& doc, int indent) {
  return doc.dump(indent, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string to_json(const match_result& r, const landscape& l, const help_case& c, int indent) {
  return dump(result_json(r, l, c), indent);
}

std::string matches_to_json(std::span<const match_result> results, std::span<const help_case> cases,
                            const landscape& l, int indent) {
  if (results.size() != cases.size())
    throw validation_error(
        error_code::invalid_value,
        fmt::format("{} match results for {} cases: they must correspond one to one",
                    results.size(), cases.size()));
  ordered_json items = ordered_json::array();
  for (std::size_t i = 0; i < results.size(); ++i)
    items.push_back(result_json(results[i], l, cases[i]));
  const ordered_json doc{
      {"format", matches_format}, {"version", json_format_version}, {"results", std::move(items)}};
  return dump(doc, indent);
}

}  // namespace keten
