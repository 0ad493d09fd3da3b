// JSON writing of allocations (docs/allocation.md, "Output"): one serializer for the CLI and the
// Python binding. Of a case only its opaque id is written.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "keten/allocation.hpp"
#include "keten/io.hpp"

namespace keten {

namespace {

using ordered_json = nlohmann::ordered_json;

const help_case& case_of(std::span<const help_case> cases, const need_ref& r) {
  if (r.case_index >= cases.size() || r.need_index >= cases[r.case_index].needs.size())
    throw validation_error(error_code::invalid_value,
                           fmt::format("allocation does not fit the cases: need {}.{} out of range",
                                       r.case_index, r.need_index));
  return cases[r.case_index];
}

const offering& offering_of(const landscape& l, offering_index o) {
  if (o >= l.offerings().size())
    throw validation_error(error_code::invalid_value,
                           fmt::format("allocation does not fit the landscape: offering {}", o));
  return l.offerings()[o];
}

}  // namespace

std::string allocation_to_json(const allocation& a, std::span<const help_case> cases,
                               const landscape& l, int indent) {
  ordered_json doc;
  doc["format"] = allocation_format;
  doc["version"] = 1;
  std::size_t needs = 0;
  for (const help_case& c : cases)
    needs += c.needs.size();
  doc["totals"] = {{"cases", cases.size()},
                   {"needs", needs},
                   {"assigned", a.assigned.size()},
                   {"unmet", a.unmet.size()},
                   {"objective", to_points(a.objective)},
                   {"flow_objective", to_points(a.flow_objective)},
                   {"complementarity", to_points(a.complementarity)},
                   {"collaboration", to_points(a.collaboration)},
                   {"fairness_penalty", to_points(a.fairness_penalty)},
                   {"moves", a.moves}};
  ordered_json assigned = ordered_json::array();
  for (const assigned_need& x : a.assigned) {
    const help_case& c = case_of(cases, x.need);
    const offering& o = offering_of(l, x.offering);
    assigned.push_back({{"case", c.id},
                        {"need", c.needs[x.need.need_index].category},
                        {"offering", o.id},
                        {"partner", l.partners()[l.partner_of(x.offering)].id},
                        {"priority", to_points(x.priority)},
                        {"fit", to_points(x.fit)}});
  }
  doc["assigned"] = std::move(assigned);
  ordered_json waitlist = ordered_json::array();
  std::size_t place = 0;
  for (const unmet_need& u : a.unmet) {
    const help_case& c = case_of(cases, u.need);
    ordered_json item{{"place", ++place},
                      {"case", c.id},
                      {"need", c.needs[u.need.need_index].category},
                      {"reason", to_string(u.reason)},
                      {"priority", to_points(u.priority)}};
    if (u.waiting_for) {
      item["waiting_for"] = offering_of(l, *u.waiting_for).id;
      item["queue_position"] = u.queue_position;
    }
    waitlist.push_back(std::move(item));
  }
  doc["unmet"] = std::move(waitlist);
  return doc.dump(indent) + "\n";
}

std::string allocation_changes_to_json(const allocation& a, std::span<const help_case> cases,
                                       const landscape& l, std::size_t batch) {
  ordered_json doc;
  doc["batch"] = batch;
  doc["warm"] = a.warm;
  doc["paths"] = a.paths;
  doc["assigned"] = a.assigned.size();
  doc["unmet"] = a.unmet.size();
  doc["objective"] = to_points(a.objective);
  doc["flow_objective"] = to_points(a.flow_objective);
  const auto offering_id = [&](const std::optional<offering_index>& o) {
    return o ? ordered_json(offering_of(l, *o).id) : ordered_json(nullptr);
  };
  ordered_json changes = ordered_json::array();
  for (const need_change& x : a.changes) {
    const help_case& c = case_of(cases, x.need);
    changes.push_back({{"case", c.id},
                       {"need", x.need.need_index},
                       {"category", c.needs[x.need.need_index].category},
                       {"before", offering_id(x.before)},
                       {"after", offering_id(x.after)}});
  }
  doc["changes"] = std::move(changes);
  return doc.dump() + "\n";
}

}  // namespace keten
