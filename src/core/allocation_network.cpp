// allocate()'s flow network over the classes of needs: its upkeep as needs come and go and
// capacities change (sizes brought up to date at solve), its export for peers, and the optimal
// flow handed back to the needs of each class (src/core/allocation_engine.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "allocation_engine.hpp"

namespace keten::detail {

void allocation_engine::remove(std::uint32_t case_index) {
  const std::size_t first = case_first_[case_index], last = case_first_[case_index + 1];
  for (std::size_t i = first; i < last; ++i) {
    need_live_[i] = 0;
    const need_info& n = needs_[i];
    if (n.group < 0) continue;
    group& g = groups_[static_cast<std::size_t>(n.group)];
    member_link& x = links_[i];
    (x.prev >= 0 ? links_[static_cast<std::size_t>(x.prev)].next : g.head) = x.next;
    (x.next >= 0 ? links_[static_cast<std::size_t>(x.next)].prev : g.tail) = x.prev;
    x.prev = x.next = -1;
    --g.size;
    touch_group(n.group);
    if (!municipality_needs_.empty()) {
      const std::uint32_t m = keys_[static_cast<std::size_t>(n.group)].municipality;
      --municipality_needs_[m];
      touch_municipality(m);
    }
    --members_;
  }
  live_[case_index] = 0;
  if (have_result_) mark_case(case_index);
}

void allocation_engine::check_free_units(offering_index o, std::int32_t units,
                                         std::string_view field) const {
  if (o >= free_units_.size())
    throw validation_error(error_code::unknown_reference,
                           fmt::format("offering index {} does not exist", o),
                           {.field = std::string(field)});
  if (units < 0)
    throw validation_error(error_code::negative_value, "free units must be ≥ 0",
                           {.field = std::string(field), .object_id = l_->offerings()[o].id});
}

void allocation_engine::set_free_units(offering_index o, std::int32_t units) {
  check_free_units(o, units, o >= free_units_.size() ? "offering" : "free_units");
  free_units_[o] = units;
  if (offering_arc_[o] >= 0) flow_.set_capacity(offering_arc_[o], units);
}

void allocation_engine::sync() {
  for (int gi : dirty_groups_) {
    group& g = groups_[static_cast<std::size_t>(gi)];
    g.dirty = false;
    if (have_result_) hand_out_again(gi);  // its members changed
    const flow::value_t size = g.size;
    flow_.set_supply(g.node, size);
    for (const option& o : options_of(gi))
      flow_.set_capacity(o.arc, size);
    flow_.set_capacity(g.unmet_arc, size);
  }
  dirty_groups_.clear();
  for (std::uint32_t m : dirty_municipalities_) {
    municipality_dirty_[m] = 0;
    // Ten tranches; the k-th tenth of the municipality's needs left unmet costs k · fairness.
    const std::int64_t needs = municipality_needs_[m];
    std::int64_t given = 0;
    for (int k = 0; k < 10; ++k) {
      const std::int64_t upto = (needs * (k + 1) + 9) / 10;
      flow_.set_capacity(tranche_arc_[m * 10 + static_cast<std::size_t>(k)],
                         std::max<std::int64_t>(0, upto - given));
      given = std::max(given, upto);
    }
  }
  dirty_municipalities_.clear();
  flow_.set_supply(sink_, -members_);
}

allocation_network allocation_engine::export_network() {
  sync();
  allocation_network out;
  out.network = flow_.network();
  out.sink = sink_;
  out.group_needs.reserve(groups_.size());
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const group& g = groups_[gi];
    std::vector<need_ref> members;
    members.reserve(static_cast<std::size_t>(g.size));
    for (int i = g.head; i >= 0; i = links_[static_cast<std::size_t>(i)].next)
      members.push_back(needs_[static_cast<std::size_t>(i)].ref);
    out.group_needs.push_back(std::move(members));
    for (const option& o : options_of(static_cast<int>(gi)))
      out.options.push_back(
          {o.arc, static_cast<std::uint32_t>(gi), o.offering, keys_[gi].priority, o.fit});
  }
  return out;
}

/// Hands a class's flow to its members in need order (which is case order), best fit first,
/// ties in id order; the members beyond the flow get none. `track`: a re-solve, which marks the
/// cases whose hand-out changed and leaves chosen_ to them; else chosen_ is the hand-out.
///
/// Only the first max(handed before, handed now) members are visited: members join at the end
/// and leaving moves the others forward, so a member further back had none and keeps none (a
/// class of thousands of needs with a few units costs those few).
void allocation_engine::hand_out(int gi, bool track) {
  group& g = groups_[static_cast<std::size_t>(gi)];
  std::vector<const option*>& used = used_options_;
  used.clear();
  for (const option& o : options_of(gi))
    if (flow_.flow(o.arc) > 0) used.push_back(&o);
  if (used.size() > 1)
    std::sort(used.begin(), used.end(), [this](const option* a, const option* b) {
      if (a->fit != b->fit) return a->fit > b->fit;
      return id_rank(a->offering) < id_rank(b->offering);
    });
  const auto give = [&](int member, offering_index o, score_t fit) {
    const auto i = static_cast<std::size_t>(member);
    if (track) {
      if (handed_[i] != o || handed_fit_[i] != fit) mark_case(needs_[i].ref.case_index);
    } else {
      chosen_[i] = o;
      chosen_fit_[i] = fit;
    }
    handed_[i] = o;
    handed_fit_[i] = fit;
  };
  int member = g.head;
  std::int32_t handed = 0;
  for (const option* o : used)
    for (flow::value_t k = flow_.flow(o->arc); k > 0; --k, ++handed) {
      give(member, o->offering, o->fit);
      member = links_[static_cast<std::size_t>(member)].next;
    }
  for (std::int32_t k = handed; k < g.handed && member >= 0; ++k) {
    give(member, no_offering, 0);
    member = links_[static_cast<std::size_t>(member)].next;
  }
  g.handed = handed;
}

}  // namespace keten::detail
