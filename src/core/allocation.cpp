#include "keten/allocation.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

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

/// What the flow needs to know of one need.
struct need_info {
  need_ref ref;
  score_t priority{};
  std::uint32_t municipality{};             // index into the municipality list when fairness is on
  std::optional<unmet_reason> blocked;      // set when the need cannot enter the flow
  std::optional<offering_index> preferred;  // best-fit candidate, full or not
  std::size_t first_option = 0;    // its options (candidates worth assigning and their fit) are
  std::uint32_t option_count = 0;  // a range of the owner's option pool
  int group = -1;                  // supply node class, if in the flow
};

using option_pool = std::vector<std::pair<offering_index, score_t>>;

/// One case's needs, prepared (validated, candidates found) but not yet in the network.
struct prepared_case {
  std::vector<need_info> needs;
  option_pool options;  // of all its needs, one range each
  std::string municipality;
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

prepared_case prepare_case(const landscape& l, const help_case& c, std::uint32_t case_index,
                           const allocation_policy& policy, int waited) {
  match_options candidates_options;
  candidates_options.allow_waitlist = true;  // capacity is the flow's business
  const std::vector<need_candidates> found = find_candidates(l, c, candidates_options);
  prepared_case out;
  // Cases located only by PC4 or a point share one "unknown municipality" class.
  if (policy.fairness > 0.0) out.municipality = c.location.municipality;
  for (std::size_t ni = 0; ni < c.needs.size(); ++ni) {
    need_info info;
    info.ref = {case_index, static_cast<std::uint32_t>(ni)};
    info.priority = detail::need_priority(policy.weights, c.needs[ni], policy.waiting_day, waited);
    info.first_option = out.options.size();
    const need_candidates& nc = found[ni];
    score_t best_fit = 0;
    for (offering_index o : nc.candidates) {
      const assignment_terms t = need_terms(l, c, ni, o, policy.weights);
      const score_t fit = t.distance + t.wait;
      if (!info.preferred || fit > best_fit) {
        info.preferred = o;
        best_fit = fit;
      }
      // Whether the offering has free units is the flow's business (capacity can change).
      if (info.priority + fit > 0) out.options.emplace_back(o, fit);
    }
    info.blocked = detail::blocked_reason(c, nc);
    if (info.blocked == unmet_reason::no_consent) out.options.resize(info.first_option);
    info.option_count = static_cast<std::uint32_t>(out.options.size() - info.first_option);
    out.needs.push_back(std::move(info));
  }
  return out;
}

/// The allocation network of the needs added so far, kept in a dynamic min-cost flow.
///
/// Nodes: one per group of interchangeable needs (supply = its members), one per offering some
/// group can use, one per municipality with needs when fairness is on, and the sink (supply =
/// −all members). Arcs: group → offering (capacity = members, cost −(priority + fit)), group →
/// sink or its municipality's node (unmet, cost 0), offering → sink (capacity = free units) and the
/// ten fairness tranches municipality → sink. Sizes and capacities are brought up to date lazily,
/// at solve(), for what changed.
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
    sink_ = flow_.add_node(0);
    category_count_ = l.categories().size();
    if (grouped_) {
      // Candidates are listed in id order; ranks make that an integer comparison.
      std::vector<offering_index> by_id(l.offerings().size());
      for (offering_index o = 0; o < by_id.size(); ++o)
        by_id[o] = o;
      std::sort(by_id.begin(), by_id.end(), [&l](offering_index a, offering_index b) {
        return l.offerings()[a].id < l.offerings()[b].id;
      });
      id_rank_.resize(by_id.size());
      for (std::uint32_t r = 0; r < by_id.size(); ++r)
        id_rank_[by_id[r]] = r;
    }
  }

  [[nodiscard]] const allocation_policy& policy() const { return policy_; }

  /// Validates and prepares (all or nothing), then adds. Case i of `cases` gets index
  /// first_index + i. Duplicate ids are the caller's business.
  void add(std::span<const help_case> cases, std::span<const int> days_waiting,
           std::uint32_t first_index) {
    check_days(cases, days_waiting);
    if (grouped_) {
      // Validate every case first (all or nothing), keeping the categories and municipalities
      // validation resolved, then prepare and add the cases one by one.
      std::vector<category_index> categories;
      std::vector<std::size_t> first_category{0};
      std::vector<std::optional<municipality_index>> municipalities;
      first_category.reserve(cases.size() + 1);
      municipalities.reserve(cases.size());
      case_references refs;
      for (const help_case& c : cases) {
        validate(c, l_->categories(), l_->places(), refs);
        categories.insert(categories.end(), refs.categories.begin(), refs.categories.end());
        first_category.push_back(categories.size());
        municipalities.push_back(refs.municipality);
      }
      needs_.reserve(needs_.size() + categories.size());
      for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
        prepare_shared(cases[ci], first_index + static_cast<std::uint32_t>(ci),
                       days_waiting.empty() ? 0 : days_waiting[ci],
                       std::span(categories).subspan(first_category[ci], cases[ci].needs.size()),
                       municipalities[ci], scratch_case_);
        commit(scratch_case_);
      }
      return;
    }
    std::vector<prepared_case> ready;
    ready.reserve(cases.size());
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      if (policy_.progress && ci % 4096 == 0) policy_.progress("candidates", ci, cases.size());
      ready.push_back(prepare_case(*l_, cases[ci], first_index + static_cast<std::uint32_t>(ci),
                                   policy_, days_waiting.empty() ? 0 : days_waiting[ci]));
    }
    for (const prepared_case& c : ready)
      commit(c);
  }

  /// Takes the case's needs out of the network.
  void remove(std::uint32_t case_index) {
    const std::size_t first = case_first_[case_index], last = case_first_[case_index + 1];
    for (std::size_t i = first; i < last; ++i) {
      need_info& n = needs_[i];
      if (n.group >= 0) {
        group& g = groups_[static_cast<std::size_t>(n.group)];
        g.members.erase(std::find(g.members.begin(), g.members.end(), i));
        touch_group(n.group);
        if (!municipality_needs_.empty()) {
          --municipality_needs_[n.municipality];
          touch_municipality(n.municipality);
        }
        --members_;
      }
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
      const auto size = static_cast<flow::value_t>(g.members.size());
      flow_.set_supply(g.node, size);
      for (const option& o : g.options)
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

  /// The network as it stands (after sync()), for tests and benchmarks.
  allocation_network export_network() {
    sync();
    allocation_network out;
    out.network = flow_.network();
    out.sink = sink_;
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
      std::vector<need_ref> members;
      for (std::size_t i : groups_[gi].members)
        members.push_back(needs_[i].ref);
      out.group_needs.push_back(std::move(members));
      for (const option& o : groups_[gi].options)
        out.options.push_back(
            {o.arc, static_cast<std::uint32_t>(gi), o.offering, groups_[gi].priority, o.fit});
    }
    return out;
  }

 private:
  /// An offering that serves a place, for one category: its id rank and its fit there.
  struct reach_entry {
    std::uint32_t rank;
    offering_index offering;
    score_t fit;
  };

  /// The offerings of category `cat` that serve the case's location, in id order, with their fit
  /// (distance and wait terms). A location without a point (a municipality and perhaps a PC4) is
  /// shared by many cases: its lists are computed once per place and category and kept. `place` is
  /// the location's slot (place_of), or −1 for a location with a point. O(reach) the first time,
  /// O(1) after.
  std::span<const reach_entry> reach(const help_case& c, std::size_t need, category_index cat,
                                     std::int64_t place) {
    std::vector<reach_entry>* slot = &scratch_reach_;
    if (place >= 0) {
      const auto k = static_cast<std::size_t>(place) * category_count_ + cat;
      if (reach_known_[k]) return reach_[k];
      reach_known_[k] = 1;
      slot = &reach_[k];
    }
    slot->clear();
    for (offering_index o : l_->offerings_reaching(c.location, cat)) {
      const assignment_terms t = need_terms(*l_, c, need, o, policy_.weights);
      slot->push_back({id_rank_[o], o, t.distance + t.wait});
    }
    std::sort(slot->begin(), slot->end(),
              [](const reach_entry& a, const reach_entry& b) { return a.rank < b.rank; });
    return *slot;
  }

  /// The slot of a location without a point (its municipality and PC4), −1 for one with a point.
  std::int64_t place_of(const case_location& where, std::optional<municipality_index> m) {
    if (where.point) return -1;
    const std::uint64_t key = (m ? std::uint64_t{*m} + 1 : 0) << 20 |
                              (where.postcode ? std::uint64_t{*where.postcode} + 1 : 0);
    const auto [it, added] = place_index_.try_emplace(key, place_index_.size());
    if (added) {
      reach_.resize(reach_.size() + category_count_);
      reach_known_.resize(reach_known_.size() + category_count_, 0);
    }
    return static_cast<std::int64_t>(it->second);
  }

  /// prepare_case's result, computed with the place lists of reach() and the case's exclusions
  /// resolved once: the same options, preferred candidate and blocked reason (the tests compare
  /// them with find_candidates and need_terms).
  void prepare_shared(const help_case& c, std::uint32_t case_index, int waited,
                      std::span<const category_index> categories,
                      std::optional<municipality_index> m, prepared_case& out) {
    const landscape& l = *l_;
    out.needs.clear();
    out.options.clear();
    out.municipality.clear();
    excluded_.clear();
    for (const std::string& id : c.excluded_partners)
      if (const auto p = l.find_partner(id)) excluded_.push_back(*p);
    const std::int64_t place = place_of(c.location, m);
    if (policy_.fairness > 0.0) out.municipality = c.location.municipality;
    for (std::size_t ni = 0; ni < c.needs.size(); ++ni) {
      need_info info;
      info.ref = {case_index, static_cast<std::uint32_t>(ni)};
      info.priority =
          detail::need_priority(policy_.weights, c.needs[ni], policy_.waiting_day, waited);
      info.first_option = out.options.size();
      const category_index cat = categories[ni];
      bool any_excluded = false;
      bool any_not_eligible = false;
      score_t best_fit = 0;
      for (const reach_entry& e : reach(c, ni, cat, place)) {
        if (!excluded_.empty() && std::find(excluded_.begin(), excluded_.end(),
                                            l.partner_of(e.offering)) != excluded_.end()) {
          any_excluded = true;
          continue;
        }
        if (check(l.offerings()[e.offering].rules, c.profile) != ineligibility::none) {
          any_not_eligible = true;
          continue;
        }
        if (!info.preferred || e.fit > best_fit) {
          info.preferred = e.offering;
          best_fit = e.fit;
        }
        if (c.consent && info.priority + e.fit > 0) out.options.emplace_back(e.offering, e.fit);
      }
      info.option_count = static_cast<std::uint32_t>(out.options.size() - info.first_option);
      // The rejection that explains an empty candidate list, in uncoverable_because's order.
      const std::optional<rejection> why = any_excluded       ? rejection::excluded
                                           : any_not_eligible ? rejection::not_eligible
                                                              : std::optional<rejection>();
      info.blocked = detail::blocked_reason(c.consent, info.preferred.has_value(), why);
      out.needs.push_back(std::move(info));
    }
  }

  struct option {
    int arc;
    offering_index offering;
    score_t fit;
  };
  struct group {
    int node = -1;
    int unmet_arc = -1;
    score_t priority{};
    std::uint32_t municipality{};
    int next_same_hash = -1;  // another class with the same hash, or -1
    std::vector<option> options;
    std::vector<std::size_t> members;  // indices into needs_, in case order
    bool dirty = false;
  };

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

  std::uint32_t municipality(const std::string& key) {
    const auto [it, added] =
        municipality_index_.try_emplace(key, static_cast<std::uint32_t>(unmet_node_.size()));
    if (added) {
      const int node = flow_.add_node(0);
      unmet_node_.push_back(node);
      municipality_needs_.push_back(0);
      municipality_dirty_.push_back(0);
      for (int k = 0; k < 10; ++k)
        tranche_arc_.push_back(flow_.add_arc(node, sink_, 0, to_score(policy_.fairness * k)));
    }
    return it->second;
  }

  int offering_node(offering_index o) {
    if (offering_node_[o] < 0) {
      offering_node_[o] = flow_.add_node(0);
      offering_arc_[o] = flow_.add_arc(offering_node_[o], sink_, free_units_[o], 0);
    }
    return offering_node_[o];
  }

  void commit(const prepared_case& c) {
    const bool fair = policy_.fairness > 0.0;
    const std::uint32_t m = fair ? municipality(c.municipality) : 0;
    const std::size_t base = options_.size();
    options_.insert(options_.end(), c.options.begin(), c.options.end());
    for (need_info n : c.needs) {
      n.municipality = m;
      n.first_option += base;
      if (!n.blocked && n.option_count > 0) {
        n.group = find_group(n);
        groups_[static_cast<std::size_t>(n.group)].members.push_back(needs_.size());
        touch_group(n.group);
        ++members_;
        if (fair) {
          ++municipality_needs_[m];
          touch_municipality(m);
        }
      }
      waitlist_bucket(n.priority)
          .push_back({static_cast<std::uint32_t>(needs_.size()), n.ref, n.preferred});
      needs_.push_back(std::move(n));
    }
    case_first_.push_back(needs_.size());
    live_.push_back(1);
  }

  int find_group(const need_info& n) {
    int gi = static_cast<int>(groups_.size());
    int next_same_hash = -1;
    if (grouped_) {
      // Needs are interchangeable when priority, municipality (for fairness) and options (offering
      // and fit, in id order) are equal; a 64-bit hash finds the class, a comparison confirms it.
      std::uint64_t h =
          mix(static_cast<std::uint64_t>(n.priority) ^ (std::uint64_t{n.municipality} << 32));
      for (const auto& [o, fit] : options_of(n))
        h = mix(h ^ mix(static_cast<std::uint64_t>(fit) + (std::uint64_t{o} << 40)));
      const auto [it, added] = group_index_.try_emplace(h, gi);
      if (!added) {
        for (int k = it->second; k >= 0; k = groups_[static_cast<std::size_t>(k)].next_same_hash)
          if (same_class(groups_[static_cast<std::size_t>(k)], n)) return k;
        next_same_hash = it->second;  // a collision: chain the new class in front
        it->second = gi;
      }
    }
    group g;
    g.node = flow_.add_node(0);
    g.priority = n.priority;
    g.municipality = n.municipality;
    g.next_same_hash = next_same_hash;
    for (const auto& [o, fit] : options_of(n)) {
      // The plain graph (a one-off export for peers) leaves out arcs to full offerings; the
      // grouped one keeps them, so that free units can change later without regrouping.
      if (!grouped_ && free_units_[o] == 0) continue;
      g.options.push_back(
          {flow_.add_arc(g.node, offering_node(o), 0, -(n.priority + fit)), o, fit});
    }
    g.unmet_arc =
        flow_.add_arc(g.node, policy_.fairness > 0.0 ? unmet_node_[n.municipality] : sink_, 0, 0);
    groups_.push_back(std::move(g));
    return gi;
  }

  static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  bool same_class(const group& g, const need_info& n) const {
    if (g.priority != n.priority || g.municipality != n.municipality ||
        g.options.size() != n.option_count)
      return false;
    const auto options = options_of(n);
    for (std::size_t k = 0; k < g.options.size(); ++k)
      if (g.options[k].offering != options[k].first || g.options[k].fit != options[k].second)
        return false;
    return true;
  }

  [[nodiscard]] std::span<const std::pair<offering_index, score_t>> options_of(
      const need_info& n) const {
    return {options_.data() + n.first_option, n.option_count};
  }

  const landscape* l_;
  allocation_policy policy_;
  bool grouped_;
  std::vector<std::uint32_t> id_rank_;  // per offering: its place in id order (grouped only)
  std::size_t category_count_ = 0;
  std::unordered_map<std::uint64_t, std::size_t> place_index_;  // (municipality, PC4) → slot
  std::vector<std::vector<reach_entry>> reach_;  // slot × category → offerings in reach
  std::vector<unsigned char> reach_known_;       // slot × category → reach_ computed
  std::vector<reach_entry> scratch_reach_;       // for a location with a point
  std::vector<partner_index> excluded_;          // of the case being prepared
  prepared_case scratch_case_;
  flow::dynamic_min_cost_flow flow_;
  int sink_ = -1;
  std::vector<need_info> needs_;            // every need of every case added, in case order
  option_pool options_;                     // the needs' options, one range each
  std::vector<std::size_t> case_first_{0};  // per case: its first need in needs_ (+ the end)
  std::vector<unsigned char> live_;         // per case: not removed
  // Every need ever added, by priority (highest first), each bucket in need order: the waitlist's
  // order, kept between solves so that no solve sorts the waitlist again.
  struct waitlist_entry {
    std::uint32_t index;  // into needs_
    need_ref ref;
    std::optional<offering_index> preferred;
  };
  std::unordered_map<score_t, std::vector<waitlist_entry>> waitlist_;
  std::vector<score_t> waitlist_priorities_;  // the keys of waitlist_, highest first

  std::vector<waitlist_entry>& waitlist_bucket(score_t priority) {
    const auto [it, added] = waitlist_.try_emplace(priority);
    if (added)
      waitlist_priorities_.insert(
          std::lower_bound(waitlist_priorities_.begin(), waitlist_priorities_.end(), priority,
                           std::greater<>()),
          priority);
    return it->second;
  }
  std::vector<group> groups_;
  std::unordered_map<std::uint64_t, int> group_index_;  // hash → the latest class with it
  std::vector<int> dirty_groups_;
  std::int64_t members_ = 0;  // needs in the flow
  std::vector<std::int32_t> free_units_;
  std::vector<int> offering_node_, offering_arc_;
  std::unordered_map<std::string, std::uint32_t> municipality_index_;
  std::vector<int> unmet_node_, tranche_arc_;
  std::vector<std::int64_t> municipality_needs_;
  std::vector<unsigned char> municipality_dirty_;
  std::vector<std::uint32_t> dirty_municipalities_;
};

/// The complementarity of case c given the offering of each of its needs.
score_t case_complementarity(const landscape& l, const help_case& c,
                             std::span<const std::optional<offering_index>> of,
                             const match_weights& w) {
  score_t total = 0;
  for (std::size_t i = 0; i < of.size(); ++i)
    for (std::size_t j = i + 1; j < of.size(); ++j)
      if (of[i] && of[j] && *of[i] != *of[j]) total += need_pair_complementarity(l, c, i, j, w);
  return total;
}

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
    out.groups += g.members.empty() ? 0 : 1;
  out.arcs = static_cast<std::size_t>(flow_.network().arc_count());
  out.pivots = flow_.last_solve().pivots;
  out.warm = flow_.last_solve().warm;
  out.paths = flow_.last_solve().paths;
  out.used_units.assign(l.offerings().size(), 0);

  // Hand each group's flow to its members in case order, best fit first.
  std::vector<std::optional<offering_index>> chosen(needs_.size());
  std::vector<score_t> chosen_fit(needs_.size(), 0);
  score_t option_value = 0;  // Σ flow · (priority + fit): the flow's value before fairness
  {
    std::vector<const option*> used;
    for (const group& g : groups_) {
      used.clear();
      for (const option& o : g.options)
        if (flow_.flow(o.arc) > 0) used.push_back(&o);
      std::sort(used.begin(), used.end(), [&](const option* a, const option* b) {
        if (a->fit != b->fit) return a->fit > b->fit;
        return l.offerings()[a->offering].id < l.offerings()[b->offering].id;
      });
      std::size_t next = 0;
      for (const option* o : used) {
        const flow::value_t units = flow_.flow(o->arc);
        option_value += units * (g.priority + o->fit);
        for (flow::value_t k = 0; k < units; ++k) {
          const std::size_t i = g.members[next++];
          chosen[i] = o->offering;
          chosen_fit[i] = o->fit;
        }
      }
    }
  }
  for (std::size_t i = 0; i < needs_.size(); ++i)
    if (chosen[i]) ++out.used_units[*chosen[i]];

  // Improvement: move single needs to candidates with spare units when the case gains.
  if (policy_.progress) policy_.progress("improving", 0, 1);
  if (policy_.improve_complementarity && policy_.weights.complementarity > 0.0) {
    for (int pass = 0; pass < 4; ++pass) {
      bool improved = false;
      for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        const std::size_t first = case_first_[ci];
        const std::size_t count = case_first_[ci + 1] - first;
        if (count < 2 || !live_[ci]) continue;
        std::span<std::optional<offering_index>> of(chosen.data() + first, count);
        for (std::size_t ni = 0; ni < count; ++ni) {
          const std::size_t i = first + ni;
          if (!chosen[i]) continue;
          const score_t before = case_complementarity(l, cases[ci], of, policy_.weights);
          const offering_index current = *chosen[i];
          score_t best_gain = 0;
          std::optional<offering_index> best;
          score_t best_fit = 0;
          for (const auto& [o, fit] : options_of(needs_[i])) {
            if (o == current) continue;
            if (out.used_units[o] >= free_units_[o]) continue;
            chosen[i] = o;
            const score_t gain = case_complementarity(l, cases[ci], of, policy_.weights) - before +
                                 fit - chosen_fit[i];
            chosen[i] = current;
            if (gain > best_gain) {
              best_gain = gain;
              best = o;
              best_fit = fit;
            }
          }
          if (best) {
            --out.used_units[current];
            ++out.used_units[*best];
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
  // kept between solves (waitlist_), so no solve sorts it again.
  enum : unsigned char { gone = 0, waiting = 1, uncoverable = 2 };
  std::vector<unsigned char> state(needs_.size(), gone);
  score_t final_fit_and_priority = 0;
  std::size_t unmet_count = 0;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    if (!live_[ci]) continue;
    for (std::size_t i = case_first_[ci]; i < case_first_[ci + 1]; ++i) {
      const need_info& n = needs_[i];
      if (chosen[i]) {
        out.assigned.push_back({n.ref, *chosen[i], n.priority, chosen_fit[i]});
        final_fit_and_priority += n.priority + chosen_fit[i];
      } else {
        state[i] =
            n.blocked.value_or(unmet_reason::capacity_exhausted) == unmet_reason::capacity_exhausted
                ? waiting
                : uncoverable;
        ++unmet_count;
      }
    }
    out.complementarity += case_complementarity(
        l, cases[ci],
        std::span(chosen.data() + case_first_[ci], case_first_[ci + 1] - case_first_[ci]),
        policy_.weights);
  }
  out.unmet.reserve(unmet_count);
  for (const score_t priority : waitlist_priorities_)
    for (const waitlist_entry& e : waitlist_.at(priority))
      if (state[e.index] == waiting)
        out.unmet.push_back(
            {e.ref, unmet_reason::capacity_exhausted, priority, e.preferred, std::size_t{0}});
  for (std::size_t i = 0; i < needs_.size(); ++i)
    if (state[i] == uncoverable)
      out.unmet.push_back(
          {needs_[i].ref, *needs_[i].blocked, needs_[i].priority, std::nullopt, std::size_t{0}});
  std::vector<std::size_t> queue(l.offerings().size(), 0);
  for (unmet_need& u : out.unmet)
    if (u.waiting_for) u.queue_position = ++queue[*u.waiting_for];

  // The optimal flow's own value, and the fairness penalty in it (the improvement step moves needs
  // between offerings, never in or out of the flow, so the unmet counts stay the flow's).
  out.flow_objective = -flow_.total_cost();
  out.fairness_penalty = out.flow_objective - option_value;
  out.objective = final_fit_and_priority + out.fairness_penalty + out.complementarity;
  if (policy_.progress) policy_.progress("done", 1, 1);
  return out;
}

void check_unique_ids(std::span<const help_case> cases,
                      const std::unordered_map<std::string, std::uint32_t>* present = nullptr) {
  std::unordered_set<std::string_view> ids;
  ids.reserve(cases.size());
  for (const help_case& c : cases)
    if (!ids.insert(c.id).second || (present && present->contains(c.id)))
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = c.id});
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
  return impl_->e.solve(impl_->cases);
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
