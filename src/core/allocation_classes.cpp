// allocate()'s first stage: each need's candidates (from per-place lists of what reaches a place,
// with exclusions and eligibility), and the classes of interchangeable needs that become the flow
// network's supply nodes (src/core/allocation_engine.hpp).
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "allocation_engine.hpp"

namespace keten::detail {

namespace {

void check_days(std::span<const help_case> cases, std::span<const int> days_waiting) {
  if (!days_waiting.empty() && days_waiting.size() != cases.size())
    throw validation_error(
        error_code::invalid_value,
        fmt::format("days_waiting has {} entries for {} cases", days_waiting.size(), cases.size()),
        {.field = "days_waiting"});
  for (std::size_t i = 0; i < days_waiting.size(); ++i)
    if (days_waiting[i] < 0)
      throw validation_error(error_code::negative_value, "days waiting must be ≥ 0",
                             {.field = "days_waiting", .object_id = cases[i].id});
}

}  // namespace

void allocation_engine::add(std::span<const help_case> cases, std::span<const int> days_waiting,
                            std::uint32_t first_index) {
  check_days(cases, days_waiting);
  if (!grouped_) {
    add_plain(cases, days_waiting, first_index);
    return;
  }
  // Validate every case first, keeping the categories and municipalities validation resolved
  // and each need's priority (computed while the needs are in cache: the second pass does not
  // read them again), then prepare and add the cases one by one.
  std::vector<category_index> categories;
  std::vector<score_t> priorities;
  std::vector<std::uint32_t> first_category{0};
  std::vector<std::optional<municipality_index>> municipalities;
  first_category.reserve(cases.size() + 1);
  municipalities.reserve(cases.size());
  case_references refs;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const help_case& c = cases[ci];
    validate(c, l_->categories(), l_->places(), refs);
    categories.insert(categories.end(), refs.categories.begin(), refs.categories.end());
    append_priorities(c, days_waiting.empty() ? 0 : days_waiting[ci], priorities);
    first_category.push_back(static_cast<std::uint32_t>(categories.size()));
    municipalities.push_back(refs.municipality);
  }
  reserve_for(cases.size(), categories.size());
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
    const std::size_t first = first_category[ci], count = first_category[ci + 1] - first;
    add_case(cases[ci], first_index + static_cast<std::uint32_t>(ci),
             std::span(categories).subspan(first, count),
             std::span(priorities).subspan(first, count), municipalities[ci]);
  }
}

void allocation_engine::add_all(std::span<const help_case> cases,
                                std::span<const int> days_waiting) {
  check_days(cases, days_waiting);
  unique_ids ids(cases);
  if (!grouped_) {
    add_plain(cases, days_waiting, 0);
    for (std::size_t ci = 0; ci < cases.size(); ++ci)
      ids.insert(ci);
    return;
  }
  std::size_t needs = 0;
  for (const help_case& c : cases)
    needs += c.needs.size();
  reserve_for(cases.size(), needs);
  link_later_ = needs_.empty();  // a fresh engine: the member lists are built at the end
  case_references refs;
  std::vector<score_t> priorities;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
    // A case's needs lie elsewhere on the heap: ask for the case and the needs a few ahead.
    if (ci + 16 < cases.size()) {
      const char* ahead = reinterpret_cast<const char*>(&cases[ci + 16]);
      for (std::size_t b = 0; b < sizeof(help_case); b += 64)
        __builtin_prefetch(ahead + b, 0, 0);
    }
    if (ci + 8 < cases.size()) {
      const std::vector<need>& later = cases[ci + 8].needs;
      const char* first = reinterpret_cast<const char*>(later.data());
      for (std::size_t b = 0; b < later.size() * sizeof(need); b += 64)
        __builtin_prefetch(first + b, 0, 0);
      ids.prepare(ci + 8);
    }
    const help_case& c = cases[ci];
    validate(c, l_->categories(), l_->places(), refs);
    ids.insert(ci);
    priorities.clear();
    append_priorities(c, days_waiting.empty() ? 0 : days_waiting[ci], priorities);
    add_case(c, static_cast<std::uint32_t>(ci), refs.categories, priorities, refs.municipality);
  }
  link_members();
}

void allocation_engine::link_members() {
  if (!link_later_) return;
  link_later_ = false;
  std::vector<int>& end = scratch_group_end_;
  std::vector<std::int32_t>& count = scratch_group_count_;
  end.assign(groups_.size(), -1);
  count.assign(groups_.size(), 0);
  const int n = static_cast<int>(needs_.size());
  for (int i = 0; i < n; ++i) {
    const int gi = needs_[static_cast<std::size_t>(i)].group;
    if (gi < 0) continue;
    int& last = end[static_cast<std::size_t>(gi)];
    links_[static_cast<std::size_t>(i)].prev = last;
    if (last < 0) groups_[static_cast<std::size_t>(gi)].head = i;
    last = i;
    ++count[static_cast<std::size_t>(gi)];
  }
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    if (count[gi] > 0) count_members(static_cast<int>(gi), count[gi]);
  end.assign(groups_.size(), -1);
  for (int i = n - 1; i >= 0; --i) {
    const int gi = needs_[static_cast<std::size_t>(i)].group;
    if (gi < 0) continue;
    int& next = end[static_cast<std::size_t>(gi)];
    links_[static_cast<std::size_t>(i)].next = next;
    if (next < 0) groups_[static_cast<std::size_t>(gi)].tail = i;
    next = i;
  }
}

std::span<const allocation_engine::reach_entry> allocation_engine::reach(
    const case_location& where, std::optional<municipality_index> m, category_index cat,
    std::size_t place) {
  reach_slot& known = reach_slots_[place * category_count_ + cat];
  if (known.count == reach_slot::unknown) fill(known, where, m, cat);
  const std::span<const reach_entry> listed{reach_pool_.data() + known.first, known.count};
  if (!where.point) return listed;
  l_->offerings_circling(*where.point, cat, scratch_circles_);
  if (scratch_circles_.empty()) return listed;
  std::vector<reach_entry>& list = scratch_reach_;
  list.assign(listed.begin(), listed.end());
  for (const landscape::circle_hit& hit : scratch_circles_)
    if (std::none_of(listed.begin(), listed.end(),
                     [&hit](const reach_entry& e) { return e.offering == hit.offering; }))
      list.push_back(
          {hit.offering, distance_points(hit.km, policy_.weights) + wait_points_[hit.offering]});
  sort_by_id(list);
  return list;
}

void allocation_engine::fill(reach_slot& known, const case_location& where,
                             std::optional<municipality_index> m, category_index cat) {
  const landscape& l = *l_;
  std::vector<reach_entry>& list = scratch_reach_;
  list.clear();
  if (where.point) {
    l.offerings_listing(m, where.postcode, cat, scratch_found_);
    for (offering_index o : scratch_found_)
      list.push_back({o, distance_points(0.0, policy_.weights) + wait_points_[o]});
  } else {
    l.offerings_reaching(where, m, cat, scratch_found_);
    for (offering_index o : scratch_found_)
      list.push_back({o, distance_points(l.service_distance_km(o, where, m), policy_.weights) +
                             wait_points_[o]});
  }
  sort_by_id(list);
  known.first = static_cast<std::uint32_t>(reach_pool_.size());
  known.count = static_cast<std::uint32_t>(list.size());
  reach_pool_.insert(reach_pool_.end(), list.begin(), list.end());
}

void allocation_engine::sort_by_id(std::vector<reach_entry>& list) {
  std::sort(list.begin(), list.end(), [this](const reach_entry& a, const reach_entry& b) {
    return id_rank(a.offering) < id_rank(b.offering);
  });
}

void allocation_engine::rank_ids() {
  const landscape& l = *l_;
  std::vector<offering_index> by_id(l.offerings().size());
  for (offering_index i = 0; i < by_id.size(); ++i)
    by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(), [&l](offering_index a, offering_index b) {
    return l.offerings()[a].id < l.offerings()[b].id;
  });
  id_rank_.resize(by_id.size());
  for (std::uint32_t r = 0; r < by_id.size(); ++r)
    id_rank_[by_id[r]] = r;
}

std::size_t allocation_engine::place_of(const case_location& where,
                                        std::optional<municipality_index> m) {
  const std::uint64_t key = (where.point ? std::uint64_t{1} << 62 : 0) |
                            (m ? std::uint64_t{*m} + 1 : 0) << 20 |
                            (where.postcode ? std::uint64_t{*where.postcode} + 1 : 0);
  auto [slot, added] = place_index_.try_emplace(key);
  if (added) {
    slot = static_cast<std::uint32_t>(place_index_.size() - 1);
    reach_slots_.resize(reach_slots_.size() + category_count_);
  }
  return slot;
}

void allocation_engine::append_priorities(const help_case& c, int waited,
                                          std::vector<score_t>& out) const {
  for (const need& n : c.needs)
    out.push_back(need_priority(policy_.weights, n, policy_.waiting_day, waited));
}

void allocation_engine::reserve_for(std::size_t cases, std::size_t needs) {
  grow_for(needs_, needs);
  grow_for(links_, needs);
  grow_for(need_live_, needs);
  grow_for(case_first_, cases);
  grow_for(live_, cases);
}

bool allocation_engine::eligible(offering_index o, const case_profile& p,
                                 const std::optional<profile_bits>& bits) const {
  if (!bits) return check(l_->offerings()[o].rules, p) == ineligibility::none;
  return detail::eligible(rule_bits_[o], *bits);
}

void allocation_engine::add_case(const help_case& c, std::uint32_t case_index,
                                 std::span<const category_index> categories,
                                 std::span<const score_t> priorities,
                                 std::optional<municipality_index> m) {
  const landscape& l = *l_;
  excluded_.clear();
  for (const std::string& id : c.excluded_partners)
    if (const auto p = l.find_partner(id)) excluded_.push_back(*p);
  const std::size_t place = place_of(c.location, m);
  const std::uint32_t fair = policy_.fairness > 0.0 ? (m ? *m + 1 : 0) : 0;
  const std::optional<profile_bits> profile = l.profile_bits(c.profile);
  for (std::size_t ni = 0; ni < categories.size(); ++ni) {
    const category_index cat = categories[ni];
    const score_t priority = priorities[ni];
    const std::span<const reach_entry> list = reach(c.location, m, cat, place);
    need_info info;
    info.ref = {case_index, static_cast<std::uint32_t>(ni)};
    info.priority = priority;
    info.category = cat;
    // Which entries the case may use, and why others were left out.
    bool any_excluded = false;
    bool any_not_eligible = false;
    scratch_options_.clear();
    offering_index preferred = no_offering;
    score_t best_fit = 0;
    for (const reach_entry& e : list) {
      if (!excluded_.empty() && std::find(excluded_.begin(), excluded_.end(),
                                          l.partner_of(e.offering)) != excluded_.end()) {
        any_excluded = true;
        continue;
      }
      if (!eligible(e.offering, c.profile, profile)) {
        any_not_eligible = true;
        continue;
      }
      if (preferred == no_offering || e.fit > best_fit) {
        preferred = e.offering;
        best_fit = e.fit;
      }
      if (priority + e.fit > 0) scratch_options_.push_back({e.offering, e.fit});
    }
    info.preferred = preferred;
    // The rejection that explains an empty candidate list, in uncoverable_because's order.
    const std::optional<rejection> why = any_excluded       ? rejection::excluded
                                         : any_not_eligible ? rejection::not_eligible
                                                            : std::optional<rejection>();
    info.blocked = blocked_reason(c.consent, preferred != no_offering, why);
    if (!info.blocked && !scratch_options_.empty())
      info.group = find_group(priority, fair, scratch_options_);
    enter(info);
  }
  close_case();
}

void allocation_engine::add_plain(std::span<const help_case> cases,
                                  std::span<const int> days_waiting, std::uint32_t first_index) {
  match_options candidates_options;
  candidates_options.allow_waitlist = true;  // capacity is the flow's business
  std::vector<std::vector<need_candidates>> found;
  found.reserve(cases.size());
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
    found.push_back(find_candidates(*l_, cases[ci], candidates_options));  // validates
  }
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const help_case& c = cases[ci];
    const int waited = days_waiting.empty() ? 0 : days_waiting[ci];
    std::uint32_t fair = 0;
    if (policy_.fairness > 0.0 && !c.location.municipality.empty())
      fair = l_->places().index_of(c.location.municipality) + 1;
    for (std::size_t ni = 0; ni < c.needs.size(); ++ni) {
      need_info info;
      info.ref = {first_index + static_cast<std::uint32_t>(ci), static_cast<std::uint32_t>(ni)};
      info.priority = need_priority(policy_.weights, c.needs[ni], policy_.waiting_day, waited);
      info.category = l_->categories().index_of(c.needs[ni].category);
      const need_candidates& nc = found[ci][ni];
      scratch_options_.clear();
      score_t best_fit = 0;
      for (offering_index o : nc.candidates) {
        const assignment_terms t = need_terms(*l_, c, ni, o, policy_.weights);
        const score_t fit = t.distance + t.wait;
        if (info.preferred == no_offering || fit > best_fit) {
          info.preferred = o;
          best_fit = fit;
        }
        // Whether the offering has free units is the flow's business (capacity can change).
        if (info.priority + fit > 0) scratch_options_.push_back({o, fit});
      }
      info.blocked = blocked_reason(c, nc);
      if (!info.blocked && !scratch_options_.empty())
        info.group = find_group(info.priority, fair, scratch_options_);
      enter(info);
    }
    close_case();
  }
}

void allocation_engine::enter(const need_info& n) {
  const int index = static_cast<int>(needs_.size());
  member_link link;
  if (n.group >= 0 && !link_later_) {  // else link_members() links and counts
    group& g = groups_[static_cast<std::size_t>(n.group)];
    link.prev = g.tail;
    (g.tail >= 0 ? links_[static_cast<std::size_t>(g.tail)].next : g.head) = index;
    g.tail = index;
    count_members(n.group, 1);
  }
  if (can_wait(n))
    waitlist_bucket(n.priority).push_back({static_cast<std::uint32_t>(index), n.preferred, n.ref});
  else
    uncoverable_.push_back(static_cast<std::uint32_t>(index));
  needs_.push_back(n);
  links_.push_back(link);
  need_live_.push_back(1);
}

int allocation_engine::find_group(score_t priority, std::uint32_t fair_slot,
                                  std::span<const candidate_fit> options) {
  const bool fair = policy_.fairness > 0.0;
  const std::uint32_t municipality = fair ? fairness_slot(fair_slot) : 0;
  const int gi = static_cast<int>(groups_.size());
  std::uint64_t h = 0;
  if (grouped_) {
    h = mix64(static_cast<std::uint64_t>(priority) ^ (std::uint64_t{municipality} << 32));
    for (const candidate_fit& o : options)
      h = mix64(h ^ mix64(static_cast<std::uint64_t>(o.fit) + (std::uint64_t{o.offering} << 40)));
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & class_mask_; class_slots_[i].group != 0; i = (i + 1) & class_mask_)
      if (class_slots_[i].tag == tag) {
        const std::uint32_t k = class_slots_[i].group - 1;
        if (same_class(keys_[k], priority, municipality, options)) return static_cast<int>(k);
      }
  }
  group g;
  g.node = flow_.add_node(0);
  class_key key{priority, municipality, static_cast<std::uint32_t>(option_pool_.size()), 0};
  for (const candidate_fit& o : options) {
    // The plain graph (a one-off export for peers) leaves out arcs to full offerings; the
    // grouped one keeps them, so that free units can change later without regrouping.
    if (!grouped_ && free_units_[o.offering] == 0) continue;
    const int arc = flow_.add_arc(g.node, offering_node(o.offering), 0, -(priority + o.fit));
    option_pool_.push_back({arc, o.offering, o.fit});
    if (arc_group_.size() <= static_cast<std::size_t>(arc))
      arc_group_.resize(static_cast<std::size_t>(arc) + 1, -1);
    arc_group_[static_cast<std::size_t>(arc)] = gi;
  }
  key.option_count = static_cast<std::uint32_t>(option_pool_.size() - key.first_option);
  g.unmet_arc = flow_.add_arc(g.node, fair ? unmet_node_[municipality] : sink_, 0, 0);
  groups_.push_back(g);
  keys_.push_back(key);
  if (grouped_) index_class(h, static_cast<std::uint32_t>(gi));
  return gi;
}

void allocation_engine::index_class(std::uint64_t h, std::uint32_t gi) {
  class_hash_.push_back(h);
  if (2 * class_hash_.size() > class_slots_.size()) {
    class_slots_.assign(std::max<std::size_t>(1024, 2 * class_slots_.size()), class_slot{});
    class_mask_ = class_slots_.size() - 1;
    for (std::uint32_t k = 0; k < class_hash_.size(); ++k)
      place_class(class_hash_[k], k);
  } else {
    place_class(h, gi);
  }
}

void allocation_engine::place_class(std::uint64_t h, std::uint32_t gi) {
  std::size_t i = h & class_mask_;
  while (class_slots_[i].group != 0)
    i = (i + 1) & class_mask_;
  class_slots_[i] = {static_cast<std::uint32_t>(h >> 32), gi + 1};
}

bool allocation_engine::same_class(const class_key& k, score_t priority, std::uint32_t municipality,
                                   std::span<const candidate_fit> options) const {
  if (k.priority != priority || k.municipality != municipality || k.option_count != options.size())
    return false;
  const option* mine = option_pool_.data() + k.first_option;
  for (std::size_t j = 0; j < options.size(); ++j)
    if (mine[j].offering != options[j].offering || mine[j].fit != options[j].fit) return false;
  return true;
}

}  // namespace keten::detail
