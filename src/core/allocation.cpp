#include "keten/allocation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <xxhash.h>

#include "flat_map.hpp"
#include "policy_terms.hpp"

namespace keten {

std::string_view to_string(unmet_reason r) noexcept {
  switch (r) {
    case unmet_reason::no_consent:
      return "no_consent";
    case unmet_reason::out_of_area:
      return "out_of_area";
    case unmet_reason::excluded:
      return "excluded";
    case unmet_reason::not_eligible:
      return "not_eligible";
    case unmet_reason::capacity_exhausted:
      return "capacity_exhausted";
  }
  return "?";
}

namespace {

void validate_policy(const allocation_policy& p) {
  detail::validate_policy_weights(p.weights, p.waiting_day, "allocation");
  const std::pair<const char*, double> values[] = {
      {"weights.complementarity", p.weights.complementarity}, {"fairness", p.fairness}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(error_code::invalid_value,
                             "a weight of the allocation policy is a finite number in [0, 1e6]",
                             {.field = name});
}

constexpr offering_index no_offering = std::numeric_limits<offering_index>::max();

/// What the flow needs to know of one need.
struct need_info {
  need_ref ref;
  score_t priority{};
  int group = -1;                          // supply node class, if in the flow
  offering_index preferred = no_offering;  // best-fit candidate, full or not
  category_index category{};
  std::optional<unmet_reason> blocked;  // set when the need cannot enter the flow
};

/// A candidate worth assigning to a need: the offering and its fit.
struct candidate_fit {
  offering_index offering;
  score_t fit;
};

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

/// The allocation network of the needs added so far, kept in a dynamic min-cost flow.
///
/// Nodes: one per class of interchangeable needs (supply = its members), one per offering some
/// class can use, one per municipality with needs when fairness is on, and the sink (supply =
/// −all members). Arcs: class → offering (capacity = members, cost −(priority + fit)), class →
/// sink or its municipality's node (unmet, cost 0), offering → sink (capacity = free units) and the
/// ten fairness tranches municipality → sink. Sizes and capacities are brought up to date lazily,
/// at solve(), for what changed.
///
/// Grouped (allocate, allocator), needs with the same priority, candidates and fits (and, with
/// fairness, municipality) are one class. Plain (a one-off export for peers), every need is its
/// own class, found case by case with find_candidates and need_terms: the reference way.
class engine {
 public:
  engine(const landscape& l, const allocation_policy& policy, bool grouped)
      : l_(&l), policy_(policy), grouped_(grouped) {
    validate_policy(policy_);
    free_units_.reserve(l.offerings().size());
    for (const offering& o : l.offerings())
      free_units_.push_back(o.units.free_units);
    offering_node_.assign(l.offerings().size(), -1);
    offering_arc_.assign(l.offerings().size(), -1);
    fair_node_.assign(l.places().size() + 1, -1);
    sink_ = flow_.add_node(0);
    category_count_ = l.categories().size();
    pair_score_.resize(category_count_ * category_count_);
    for (std::size_t a = 0; a < category_count_; ++a)
      for (std::size_t b = 0; b < category_count_; ++b)
        pair_score_[a * category_count_ + b] = detail::pair_complementarity(
            l, static_cast<category_index>(a), static_cast<category_index>(b), policy_.weights);
  }

  [[nodiscard]] const allocation_policy& policy() const { return policy_; }

  /// Reserves room for `more` elements when needed: an eighth more than that, or twice the
  /// capacity, so that the few cases a re-allocation adds seldom move what is stored.
  template <class T>
  static void grow_for(std::vector<T>& v, std::size_t more) {
    const std::size_t wanted = v.size() + more;
    if (wanted > v.capacity()) v.reserve(std::max(wanted + wanted / 8, 2 * v.capacity()));
  }

  /// Validates every case (all or nothing), then adds them. Case i of `cases` gets index
  /// first_index + i. Duplicate ids are the caller's business.
  void add(std::span<const help_case> cases, std::span<const int> days_waiting,
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
      const int waited = days_waiting.empty() ? 0 : days_waiting[ci];
      for (const need& n : c.needs)
        priorities.push_back(
            detail::need_priority(policy_.weights, n, policy_.waiting_day, waited));
      first_category.push_back(static_cast<std::uint32_t>(categories.size()));
      municipalities.push_back(refs.municipality);
    }
    // Room for the new cases, growing geometrically: a few cases added to many cost O(few).
    grow_for(needs_, categories.size());
    grow_for(links_, categories.size());
    grow_for(need_live_, categories.size());
    grow_for(case_first_, cases.size());
    grow_for(live_, cases.size());
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
      const std::size_t first = first_category[ci], count = first_category[ci + 1] - first;
      add_case(cases[ci], first_index + static_cast<std::uint32_t>(ci),
               std::span(categories).subspan(first, count),
               std::span(priorities).subspan(first, count), municipalities[ci]);
    }
  }

  /// Takes the case's needs out of the network.
  void remove(std::uint32_t case_index) {
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
        --municipality_needs_[g.municipality];
        touch_municipality(g.municipality);
      }
      --members_;
    }
    live_[case_index] = 0;
  }

  void set_free_units(offering_index o, std::int32_t units) {
    if (o >= free_units_.size())
      throw validation_error(error_code::unknown_reference,
                             fmt::format("offering index {} does not exist", o),
                             {.field = "offering"});
    if (units < 0)
      throw validation_error(error_code::negative_value, "free units must be ≥ 0",
                             {.field = "free_units", .object_id = l_->offerings()[o].id});
    free_units_[o] = units;
    if (offering_arc_[o] >= 0) flow_.set_capacity(offering_arc_[o], units);
  }

  /// Brings sizes and capacities up to date.
  void sync() {
    for (int gi : dirty_groups_) {
      group& g = groups_[static_cast<std::size_t>(gi)];
      g.dirty = false;
      const flow::value_t size = g.size;
      flow_.set_supply(g.node, size);
      for (const option& o : options_of(g))
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

  /// The optimal allocation; `cases` are all cases by index (removed ones included).
  allocation solve(std::span<const help_case> cases);

  void prepare_repairs() { flow_.prepare_repairs(); }

  /// The network as it stands (after sync()), for tests and benchmarks.
  allocation_network export_network() {
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
      for (const option& o : options_of(g))
        out.options.push_back(
            {o.arc, static_cast<std::uint32_t>(gi), o.offering, g.priority, o.fit});
    }
    return out;
  }

 private:
  struct option {
    int arc;
    offering_index offering;
    score_t fit;
  };
  struct group {
    int node = -1;
    int unmet_arc = -1;
    score_t priority{};
    std::uint32_t municipality{};    // its fairness slot (0 when fairness is off)
    int next_same_hash = -1;         // another class with the same hash, or -1
    std::uint32_t first_option = 0;  // its options: a range of option_pool_
    std::uint32_t option_count = 0;
    int head = -1;  // members: a list through links_, in need order
    int tail = -1;
    std::int32_t size = 0;
    bool dirty = false;
  };

  /// The complementarity of the case whose needs start at needs_[first], given the offering of
  /// each of its needs.
  [[nodiscard]] score_t case_complementarity(std::size_t first,
                                             std::span<const offering_index> of) const {
    score_t total = 0;
    for (std::size_t i = 0; i < of.size(); ++i) {
      if (of[i] == no_offering) continue;
      const std::size_t row = needs_[first + i].category * category_count_;
      for (std::size_t j = i + 1; j < of.size(); ++j)
        if (of[j] != no_offering && of[j] != of[i])
          total += pair_score_[row + needs_[first + j].category];
    }
    return total;
  }

  [[nodiscard]] std::span<const option> options_of(const group& g) const {
    return {option_pool_.data() + g.first_option, g.option_count};
  }

  /// An offering that serves a place, for one category: its fit there.
  struct reach_entry {
    offering_index offering;
    score_t fit;
  };

  /// The offerings of category `cat` that serve the case's location, in id order, with their fit
  /// (distance and wait terms). A location without a point (a municipality and perhaps a PC4) is
  /// shared by many cases: its lists are computed once per place and category and kept. `place` is
  /// the location's slot (place_of), or −1 for a location with a point. O(reach) the first time,
  /// O(1) after.
  std::span<const reach_entry> reach(const help_case& c, std::optional<municipality_index> m,
                                     category_index cat, std::int64_t place) {
    std::vector<reach_entry>* slot = &scratch_reach_;
    if (place >= 0) {
      const auto k = static_cast<std::size_t>(place) * category_count_ + cat;
      if (reach_known_[k]) return reach_[k];
      reach_known_[k] = 1;
      slot = &reach_[k];
    }
    slot->clear();
    // The fit as need_terms gives it (distance + wait), the municipality resolved once.
    const landscape& l = *l_;
    for (offering_index o : l.offerings_reaching(c.location, m, cat))
      slot->push_back(
          {o, detail::distance_points(l.service_distance_km(o, c.location, m), policy_.weights) +
                  detail::wait_points(l.offerings()[o].units, policy_.weights)});
    std::sort(slot->begin(), slot->end(), [this](const reach_entry& a, const reach_entry& b) {
      return id_rank(a.offering) < id_rank(b.offering);
    });
    return *slot;
  }

  /// An offering's place in id order (candidates are listed in id order).
  std::uint32_t id_rank(offering_index o) {
    if (id_rank_.empty()) {
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
    return id_rank_[o];
  }

  /// The slot of a location without a point (its municipality and PC4), −1 for one with a point.
  std::int64_t place_of(const case_location& where, std::optional<municipality_index> m) {
    if (where.point) return -1;
    const std::uint64_t key = (m ? std::uint64_t{*m} + 1 : 0) << 20 |
                              (where.postcode ? std::uint64_t{*where.postcode} + 1 : 0);
    auto [slot, added] = place_index_.try_emplace(key);
    if (added) {
      slot = static_cast<std::uint32_t>(place_index_.size() - 1);
      reach_.resize(reach_.size() + category_count_);
      reach_known_.resize(reach_known_.size() + category_count_, 0);
    }
    return static_cast<std::int64_t>(slot);
  }

  /// Prepares the case's needs and adds them: candidates from the place lists of reach(), the
  /// case's exclusions resolved once, each need's class found by find_group. The same options,
  /// preferred candidate and blocked reason as find_candidates and need_terms give (the tests
  /// compare them).
  void add_case(const help_case& c, std::uint32_t case_index,
                std::span<const category_index> categories, std::span<const score_t> priorities,
                std::optional<municipality_index> m) {
    const landscape& l = *l_;
    excluded_.clear();
    for (const std::string& id : c.excluded_partners)
      if (const auto p = l.find_partner(id)) excluded_.push_back(*p);
    const std::int64_t place = place_of(c.location, m);
    const std::uint32_t fair = policy_.fairness > 0.0 ? (m ? *m + 1 : 0) : 0;
    for (std::size_t ni = 0; ni < categories.size(); ++ni) {
      const category_index cat = categories[ni];
      const score_t priority = priorities[ni];
      const std::span<const reach_entry> list = reach(c, m, cat, place);
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
        if (check(l.offerings()[e.offering].rules, c.profile) != ineligibility::none) {
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
      info.blocked = detail::blocked_reason(c.consent, preferred != no_offering, why);
      if (!info.blocked && !scratch_options_.empty())
        info.group = find_group(priority, fair, scratch_options_);
      enter(info);
    }
    close_case();
  }

  /// The plain graph's needs: find_candidates and need_terms case by case, one class per need.
  void add_plain(std::span<const help_case> cases, std::span<const int> days_waiting,
                 std::uint32_t first_index) {
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
        info.priority =
            detail::need_priority(policy_.weights, c.needs[ni], policy_.waiting_day, waited);
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
        info.blocked = detail::blocked_reason(c, nc);
        if (!info.blocked && !scratch_options_.empty())
          info.group = find_group(info.priority, fair, scratch_options_);
        enter(info);
      }
      close_case();
    }
  }

  /// Appends a prepared need (its class found, if any) to the needs of the case being added.
  void enter(need_info n) {
    const int index = static_cast<int>(needs_.size());
    member_link link;
    if (n.group >= 0) {
      group& g = groups_[static_cast<std::size_t>(n.group)];
      link.prev = g.tail;
      (g.tail >= 0 ? links_[static_cast<std::size_t>(g.tail)].next : g.head) = index;
      g.tail = index;
      ++g.size;
      touch_group(n.group);
      ++members_;
      if (policy_.fairness > 0.0) {
        ++municipality_needs_[g.municipality];
        touch_municipality(g.municipality);
      }
    }
    if (can_wait(n))
      waitlist_bucket(n.priority)
          .push_back({static_cast<std::uint32_t>(index), n.preferred, n.ref});
    else
      uncoverable_.push_back(static_cast<std::uint32_t>(index));
    needs_.push_back(n);
    links_.push_back(link);
    need_live_.push_back(1);
  }

  /// Whether a need left unmet waits for capacity (capacity_exhausted): it has a candidate and
  /// its person consented. The others' reasons are final.
  static bool can_wait(const need_info& n) {
    return n.blocked.value_or(unmet_reason::capacity_exhausted) == unmet_reason::capacity_exhausted;
  }

  void close_case() {
    case_first_.push_back(needs_.size());
    live_.push_back(1);
  }

  void touch_group(int gi) {
    group& g = groups_[static_cast<std::size_t>(gi)];
    if (!g.dirty) {
      g.dirty = true;
      dirty_groups_.push_back(gi);
    }
  }
  void touch_municipality(std::uint32_t m) {
    if (!municipality_dirty_[m]) {
      municipality_dirty_[m] = 1;
      dirty_municipalities_.push_back(m);
    }
  }

  /// The fairness node of a municipality slot (municipality index + 1, 0 for none); its index into
  /// the fairness arrays.
  std::uint32_t fairness_slot(std::uint32_t slot) {
    if (fair_node_[slot] < 0) {
      fair_node_[slot] = static_cast<int>(unmet_node_.size());
      const int node = flow_.add_node(0);
      unmet_node_.push_back(node);
      municipality_needs_.push_back(0);
      municipality_dirty_.push_back(0);
      for (int k = 0; k < 10; ++k)
        tranche_arc_.push_back(flow_.add_arc(node, sink_, 0, to_score(policy_.fairness * k)));
    }
    return static_cast<std::uint32_t>(fair_node_[slot]);
  }

  int offering_node(offering_index o) {
    if (offering_node_[o] < 0) {
      offering_node_[o] = flow_.add_node(0);
      offering_arc_[o] = flow_.add_arc(offering_node_[o], sink_, free_units_[o], 0);
    }
    return offering_node_[o];
  }

  /// The class of needs with this priority, fairness slot and options (offering and fit, in id
  /// order), created if new. Grouped, a 64-bit hash finds the class and a comparison confirms it.
  int find_group(score_t priority, std::uint32_t fair_slot,
                 std::span<const candidate_fit> options) {
    const bool fair = policy_.fairness > 0.0;
    const std::uint32_t municipality = fair ? fairness_slot(fair_slot) : 0;
    const int gi = static_cast<int>(groups_.size());
    int next_same_hash = -1;
    if (grouped_) {
      std::uint64_t h =
          detail::mix64(static_cast<std::uint64_t>(priority) ^ (std::uint64_t{municipality} << 32));
      for (const candidate_fit& o : options)
        h = detail::mix64(h ^ detail::mix64(static_cast<std::uint64_t>(o.fit) +
                                            (std::uint64_t{o.offering} << 40)));
      auto [latest, added] = group_index_.try_emplace(h);
      if (!added) {
        for (int k = latest; k >= 0; k = groups_[static_cast<std::size_t>(k)].next_same_hash)
          if (same_class(groups_[static_cast<std::size_t>(k)], priority, municipality, options))
            return k;
        next_same_hash = latest;  // a collision: chain the new class in front
      }
      latest = gi;
    }
    group g;
    g.node = flow_.add_node(0);
    g.priority = priority;
    g.municipality = municipality;
    g.next_same_hash = next_same_hash;
    g.first_option = static_cast<std::uint32_t>(option_pool_.size());
    for (const candidate_fit& o : options) {
      // The plain graph (a one-off export for peers) leaves out arcs to full offerings; the
      // grouped one keeps them, so that free units can change later without regrouping.
      if (!grouped_ && free_units_[o.offering] == 0) continue;
      option_pool_.push_back(
          {flow_.add_arc(g.node, offering_node(o.offering), 0, -(priority + o.fit)), o.offering,
           o.fit});
    }
    g.option_count = static_cast<std::uint32_t>(option_pool_.size() - g.first_option);
    g.unmet_arc = flow_.add_arc(g.node, fair ? unmet_node_[municipality] : sink_, 0, 0);
    groups_.push_back(g);
    return gi;
  }

  bool same_class(const group& g, score_t priority, std::uint32_t municipality,
                  std::span<const candidate_fit> options) const {
    if (g.priority != priority || g.municipality != municipality ||
        g.option_count != options.size())
      return false;
    const std::span<const option> mine = options_of(g);
    for (std::size_t k = 0; k < mine.size(); ++k)
      if (mine[k].offering != options[k].offering || mine[k].fit != options[k].fit) return false;
    return true;
  }

  const landscape* l_;
  allocation_policy policy_;
  bool grouped_;
  std::vector<std::uint32_t> id_rank_;  // per offering: its place in id order (computed once)
  std::size_t category_count_ = 0;
  std::vector<score_t> pair_score_;  // category × category: complementarity points of a pair
  detail::flat_map<std::uint64_t, std::uint32_t, detail::int_hash> place_index_;  // → slot
  std::vector<std::vector<reach_entry>> reach_;  // slot × category → offerings in reach
  std::vector<unsigned char> reach_known_;       // slot × category → reach_ computed
  std::vector<reach_entry> scratch_reach_;       // for a location with a point
  std::vector<partner_index> excluded_;          // of the case being prepared
  std::vector<candidate_fit> scratch_options_;   // of the need being prepared
  flow::dynamic_min_cost_flow flow_;
  int sink_ = -1;
  std::vector<need_info> needs_;  // every need of every case added, in case order
  /// Per need: its neighbours in its class's member list, in need order (−1: none).
  struct member_link {
    int prev = -1;
    int next = -1;
  };
  std::vector<member_link> links_;          // per need (apart from need_info: walked in solve())
  std::vector<unsigned char> need_live_;    // per need: its case was not removed
  std::vector<std::uint32_t> uncoverable_;  // needs that cannot wait (a final reason), in order
  std::vector<std::size_t> case_first_{0};  // per case: its first need in needs_ (+ the end)
  std::vector<unsigned char> live_;         // per case: not removed
  // Every need ever added, by priority (highest first), each bucket in need order: the waitlist's
  // order, kept between solves so that no solve sorts the waitlist again.
  detail::flat_map<score_t, std::uint32_t, detail::int_hash> waitlist_index_;  // → bucket
  /// A need that can wait, with what its waitlist entry needs (its priority is the bucket's).
  struct waiting_need {
    std::uint32_t index;  // into needs_
    offering_index preferred;
    need_ref ref;
  };
  std::vector<std::vector<waiting_need>> waitlist_;  // buckets of needs
  std::vector<std::uint32_t> waitlist_order_;        // buckets by priority, highest first
  std::vector<score_t> waitlist_priority_;           // per bucket
  score_t last_priority_ = 0;
  std::uint32_t last_bucket_ = std::numeric_limits<std::uint32_t>::max();

  std::vector<waiting_need>& waitlist_bucket(score_t priority) {
    if (last_bucket_ != std::numeric_limits<std::uint32_t>::max() && last_priority_ == priority)
      return waitlist_[last_bucket_];
    auto [bucket, added] = waitlist_index_.try_emplace(priority);
    if (added) {
      bucket = static_cast<std::uint32_t>(waitlist_.size());
      waitlist_.emplace_back();
      waitlist_priority_.push_back(priority);
      waitlist_order_.insert(
          std::lower_bound(
              waitlist_order_.begin(), waitlist_order_.end(), priority,
              [this](std::uint32_t b, score_t p) { return waitlist_priority_[b] > p; }),
          bucket);
    }
    last_priority_ = priority;
    last_bucket_ = bucket;
    return waitlist_[bucket];
  }
  std::vector<group> groups_;
  std::vector<option> option_pool_;  // the classes' options, one range each
  detail::flat_map<std::uint64_t, int, detail::int_hash> group_index_;  // hash → latest class
  std::vector<int> dirty_groups_;
  // Scratch of solve(), kept so that a re-solve reuses its memory.
  std::vector<offering_index> chosen_;  // per need: its offering, or no_offering
  std::vector<score_t> chosen_fit_;     // per need with an offering: its fit
  std::vector<const option*> used_options_;
  std::vector<std::uint32_t> queue_;  // per offering: needs waitlisted for it so far
  std::int64_t members_ = 0;          // needs in the flow
  std::vector<std::int32_t> free_units_;
  std::vector<int> offering_node_, offering_arc_;
  std::vector<int> fair_node_;  // per fairness slot: its index into unmet_node_…, or −1
  std::vector<int> unmet_node_, tranche_arc_;
  std::vector<std::int64_t> municipality_needs_;
  std::vector<unsigned char> municipality_dirty_;
  std::vector<std::uint32_t> dirty_municipalities_;
};

}  // namespace

namespace detail {

void validate_policy_weights(const match_weights& w, double waiting_day, std::string_view policy) {
  const std::pair<const char*, double> values[] = {
      {"weights.cover", w.cover},
      {"weights.distance", w.distance},
      {"weights.distance_scale_km", w.distance_scale_km},
      {"weights.wait", w.wait},
      {"weights.wait_scale_days", w.wait_scale_days},
      {"waiting_day", waiting_day}};
  for (const auto& [name, value] : values)
    if (!std::isfinite(value) || value < 0.0 || value > 1e6)
      throw validation_error(
          error_code::invalid_value,
          fmt::format("a weight of the {} policy is a finite number in [0, 1e6]", policy),
          {.field = name});
  if (w.distance_scale_km <= 0.0 || w.wait_scale_days <= 0.0)
    throw validation_error(error_code::invalid_value,
                           "the distance and wait scales must be positive", {.field = "weights"});
}

}  // namespace detail

namespace {

allocation engine::solve(std::span<const help_case> cases) {
  const landscape& l = *l_;
  sync();
  if (policy_.progress) policy_.progress("solving", 0, 1);
  if (flow_.solve() != flow::flow_status::optimal)
    throw validation_error(error_code::invalid_value,
                           "internal: the allocation network is infeasible");  // not reachable
  allocation out;
  for (const group& g : groups_)
    out.groups += g.size == 0 ? 0 : 1;
  out.arcs = static_cast<std::size_t>(flow_.network().arc_count());
  out.pivots = flow_.last_solve().pivots;
  out.parts = flow_.last_solve().parts;
  out.warm = flow_.last_solve().warm;
  out.paths = flow_.last_solve().paths;
  out.used_units.assign(l.offerings().size(), 0);

  // Hand each class's flow to its members in case order, best fit first. chosen_ (per need: its
  // offering, or none) is kept between solves, so that a re-solve reuses its memory.
  std::vector<offering_index>& chosen = chosen_;
  std::vector<score_t>& chosen_fit = chosen_fit_;
  chosen.assign(needs_.size(), no_offering);
  chosen_fit.clear();  // no copy of the last solve's fits when it grows
  chosen_fit.resize(needs_.size());
  score_t option_value = 0;  // Σ flow · (priority + fit): the flow's value before fairness
  {
    std::vector<const option*>& used = used_options_;
    for (const group& g : groups_) {
      if (g.size == 0) continue;
      used.clear();
      for (const option& o : options_of(g))
        if (flow_.flow(o.arc) > 0) used.push_back(&o);
      if (used.size() > 1)
        std::sort(used.begin(), used.end(), [this](const option* a, const option* b) {
          if (a->fit != b->fit) return a->fit > b->fit;
          return id_rank(a->offering) < id_rank(b->offering);
        });
      int member = g.head;
      for (const option* o : used) {
        const flow::value_t units = flow_.flow(o->arc);
        option_value += units * (g.priority + o->fit);
        out.used_units[o->offering] += static_cast<std::int32_t>(units);
        for (flow::value_t k = 0; k < units; ++k) {
          const auto i = static_cast<std::size_t>(member);
          chosen[i] = o->offering;
          chosen_fit[i] = o->fit;
          member = links_[i].next;
        }
      }
    }
  }

  // Improvement: move single needs to candidates with spare units when the case gains.
  if (policy_.progress) policy_.progress("improving", 0, 1);
  if (policy_.improve_complementarity && policy_.weights.complementarity > 0.0) {
    for (int pass = 0; pass < 4; ++pass) {
      bool improved = false;
      for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        const std::size_t first = case_first_[ci];
        const std::size_t count = case_first_[ci + 1] - first;
        if (count < 2 || !live_[ci]) continue;
        const std::span<offering_index> of(chosen.data() + first, count);
        for (std::size_t ni = 0; ni < count; ++ni) {
          const std::size_t i = first + ni;
          if (chosen[i] == no_offering) continue;
          const score_t before = case_complementarity(first, of);
          const offering_index current = chosen[i];
          score_t best_gain = 0;
          offering_index best = no_offering;
          score_t best_fit = 0;
          for (const option& o : options_of(groups_[static_cast<std::size_t>(needs_[i].group)])) {
            if (o.offering == current) continue;
            if (out.used_units[o.offering] >= free_units_[o.offering]) continue;
            chosen[i] = o.offering;
            const score_t gain = case_complementarity(first, of) - before + o.fit - chosen_fit[i];
            chosen[i] = current;
            if (gain > best_gain) {
              best_gain = gain;
              best = o.offering;
              best_fit = o.fit;
            }
          }
          if (best != no_offering) {
            --out.used_units[current];
            ++out.used_units[best];
            chosen[i] = best;
            chosen_fit[i] = best_fit;
            ++out.moves;
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
  }

  // The result: assigned needs in case order; the waitlist: capacity_exhausted needs by priority,
  // highest first (ties in case order), then the others in case order. The waitlist's order is
  // kept between solves (waitlist_ holds only needs that can wait), so no solve sorts it again.
  score_t final_fit_and_priority = 0;
  std::size_t unmet_count = 0;
  out.assigned.reserve(static_cast<std::size_t>(members_));
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (!live_[ci]) continue;
    const std::size_t first = case_first_[ci], last = case_first_[ci + 1];
    for (std::size_t i = first; i < last; ++i) {
      if (chosen[i] != no_offering) {
        const need_info& n = needs_[i];
        out.assigned.push_back({n.ref, chosen[i], n.priority, chosen_fit[i]});
        final_fit_and_priority += n.priority + chosen_fit[i];
      } else {
        ++unmet_count;
      }
    }
    if (last - first > 1)
      out.complementarity +=
          case_complementarity(first, std::span(chosen.data() + first, last - first));
  }
  out.unmet.reserve(unmet_count);
  std::vector<std::uint32_t>& queue = queue_;
  queue.assign(l.offerings().size(), 0);
  for (const std::uint32_t bucket : waitlist_order_) {
    const score_t priority = waitlist_priority_[bucket];
    for (const waiting_need& w : waitlist_[bucket])
      if (chosen[w.index] == no_offering && need_live_[w.index])
        out.unmet.push_back(
            {w.ref, unmet_reason::capacity_exhausted, priority, w.preferred, ++queue[w.preferred]});
  }
  for (const std::uint32_t i : uncoverable_)  // in need order, which is case order
    if (need_live_[i]) {
      const need_info& n = needs_[i];
      out.unmet.push_back({n.ref, *n.blocked, n.priority, std::nullopt, std::size_t{0}});
    }

  // The optimal flow's own value, and the fairness penalty in it (the improvement step moves needs
  // between offerings, never in or out of the flow, so the unmet counts stay the flow's).
  out.flow_objective = -flow_.total_cost();
  out.fairness_penalty = out.flow_objective - option_value;
  out.objective = final_fit_and_priority + out.fairness_penalty + out.complementarity;
  if (policy_.progress) policy_.progress("done", 1, 1);
  return out;
}

/// Throws validation_error naming the first case whose id is already taken, by an earlier case or
/// by one `present`. An open-addressing table of 64-bit id hashes (xxHash), compared in full on a
/// hash match: O(cases).
void check_unique_ids(std::span<const help_case> cases,
                      const std::unordered_map<std::string, std::uint32_t>* present = nullptr) {
  std::size_t capacity = 16;
  while (capacity < 2 * cases.size())
    capacity *= 2;
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t index = 0;  // case index + 1; 0 = empty
  };
  std::vector<slot> slots(capacity);
  const std::size_t mask = capacity - 1;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const std::string& id = cases[ci].id;
    const std::uint64_t h = XXH3_64bits(id.data(), id.size());
    std::size_t i = h & mask;
    for (; slots[i].index != 0; i = (i + 1) & mask)
      if (slots[i].hash == h && cases[slots[i].index - 1].id == id)
        throw validation_error(error_code::duplicate_id, "two cases have the same id",
                               {.field = "id", .object_id = id});
    if (present && present->contains(id))
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = id});
    slots[i] = {h, static_cast<std::uint32_t>(ci + 1)};
  }
}

void check_case_count(std::size_t count) {
  if (count > std::numeric_limits<std::uint32_t>::max() - 1)
    throw validation_error(error_code::invalid_value, "too many cases", {.field = "cases"});
}

}  // namespace

allocation_network build_allocation_network(const landscape& l, std::span<const help_case> cases,
                                            const allocation_policy& policy,
                                            std::span<const int> days_waiting, bool grouped) {
  check_case_count(cases.size());
  engine e(l, policy, grouped);
  e.add(cases, days_waiting, 0);
  check_unique_ids(cases);
  return e.export_network();
}

allocation allocate(const landscape& l, std::span<const help_case> cases,
                    const allocation_policy& policy, std::span<const int> days_waiting) {
  check_case_count(cases.size());
  engine e(l, policy, true);
  e.add(cases, days_waiting, 0);
  check_unique_ids(cases);
  return e.solve(cases);
}

struct allocator::impl {
  impl(const landscape& l, allocation_policy p) : e(l, p, true) {}
  engine e;
  std::vector<help_case> cases;
  std::unordered_map<std::string, std::uint32_t> present;  // id → index in cases
};

allocator::allocator(const landscape& l, allocation_policy policy)
    : impl_(std::make_unique<impl>(l, std::move(policy))) {}
allocator::~allocator() = default;
allocator::allocator(allocator&&) noexcept = default;
allocator& allocator::operator=(allocator&&) noexcept = default;

void allocator::add_cases(std::span<const help_case> cases, std::span<const int> days_waiting) {
  check_case_count(impl_->cases.size() + cases.size());
  check_unique_ids(cases, &impl_->present);
  const auto first = static_cast<std::uint32_t>(impl_->cases.size());
  impl_->e.add(cases, days_waiting, first);  // validates all before adding any
  for (std::size_t i = 0; i < cases.size(); ++i) {
    impl_->cases.push_back(cases[i]);
    impl_->present.emplace(cases[i].id, first + static_cast<std::uint32_t>(i));
  }
}

void allocator::remove_case(std::string_view id) {
  const auto it = impl_->present.find(std::string(id));
  if (it == impl_->present.end())
    throw not_found_error(fmt::format("no case with id \"{}\" is waiting", id),
                          {.field = "id", .object_id = std::string(id)});
  impl_->e.remove(it->second);
  impl_->present.erase(it);
}

void allocator::set_free_units(offering_index o, std::int32_t units) {
  impl_->e.set_free_units(o, units);
}

allocation allocator::solve() {
  allocation out = impl_->e.solve(impl_->cases);
  impl_->e.prepare_repairs();  // with the first solve, so that re-solves pay only their change
  return out;
}

std::span<const help_case> allocator::cases() const {
  return impl_->cases;
}
bool allocator::contains(std::string_view id) const {
  return impl_->present.contains(std::string(id));
}
std::size_t allocator::size() const {
  return impl_->present.size();
}
const allocation_policy& allocator::policy() const {
  return impl_->e.policy();
}

}  // namespace keten
