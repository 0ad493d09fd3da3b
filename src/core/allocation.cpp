#include "keten/allocation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <xxhash.h>
#include <boost/range/irange.hpp>

#include "flat_map.hpp"
#include "large_vector.hpp"
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

/// Moves the elements of v[begin, end) that `drop` rejects to v[to, …) (to ≤ begin), in order, run
/// by run; returns the end of them. `drop` sees each element once. O(end − begin).
template <class T, class Drop>
std::size_t compact_range(std::vector<T>& v, std::size_t begin, std::size_t end, std::size_t to,
                          Drop&& drop) {
  std::size_t run = begin;  // the run of kept elements being scanned starts here
  for (std::size_t r = begin; r < end; ++r) {
    if (!drop(v[r])) continue;  // called once per element
    if (to != run)
      std::copy(v.begin() + static_cast<std::ptrdiff_t>(run),
                v.begin() + static_cast<std::ptrdiff_t>(r),
                v.begin() + static_cast<std::ptrdiff_t>(to));
    to += r - run;
    run = r + 1;
  }
  if (to != run)
    std::copy(v.begin() + static_cast<std::ptrdiff_t>(run),
              v.begin() + static_cast<std::ptrdiff_t>(end),
              v.begin() + static_cast<std::ptrdiff_t>(to));
  return to + (end - run);
}

/// Merges the sorted `add` into the sorted v[0, kept), which has room for them after it
/// (v.size() ≥ kept + add.size()), from the back, moving runs of v at once; the result is
/// v[0, kept + add.size()). O(kept − the place of the first added element).
template <class T, class Before>
void merge_from_back(std::vector<T>& v, std::size_t kept, std::span<const T> add, Before&& before) {
  std::size_t w = kept + add.size(), a = kept;
  for (std::size_t b = add.size(); b > 0; --b) {
    const T& x = add[b - 1];
    std::size_t s = a;
    while (s > 0 && before(x, v[s - 1]))
      --s;
    if (s < a) {
      std::move_backward(v.begin() + static_cast<std::ptrdiff_t>(s),
                         v.begin() + static_cast<std::ptrdiff_t>(a),
                         v.begin() + static_cast<std::ptrdiff_t>(w));
      w -= a - s;
      a = s;
    }
    v[--w] = x;
  }
}

/// The waitlist's order of capacity_exhausted needs: by priority, highest first, then in case
/// order.
bool waitlist_before(const unmet_need& a, const unmet_need& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return a.need < b.need;
}

/// The ids of a batch of cases seen so far: an open-addressing table of XXH3 hashes (the case
/// index confirms a hit); insert() throws validation_error on a second case with the same id.
class unique_ids {
 public:
  explicit unique_ids(std::span<const help_case> cases) : cases_(cases) {
    std::size_t capacity = 16;
    while (capacity < 2 * cases.size())
      capacity *= 2;
    slots_.resize(capacity);
    mask_ = capacity - 1;
    prepared_.fill({std::numeric_limits<std::size_t>::max(), 0});  // none prepared yet
  }

  /// Hashes case ci's id ahead of insert(ci) and asks for its slot (the table is large, its
  /// slots random); insert(ci) takes that hash unless `ahead` or more cases were prepared since.
  static constexpr std::size_t ahead = 16;
  void prepare(std::size_t ci) {
    const std::string& id = cases_[ci].id;
    const std::uint64_t h = XXH3_64bits(id.data(), id.size());
    prepared_[ci % ahead] = {ci, h};
    __builtin_prefetch(&slots_[h & mask_]);
  }

  void insert(std::size_t ci) {
    const std::string& id = cases_[ci].id;
    const auto& [which, hash] = prepared_[ci % ahead];
    const std::uint64_t h = which == ci ? hash : XXH3_64bits(id.data(), id.size());
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t i = h & mask_;
    for (; slots_[i].index != 0; i = (i + 1) & mask_)
      if (slots_[i].tag == tag && cases_[slots_[i].index - 1].id == id)
        throw validation_error(error_code::duplicate_id, "two cases have the same id",
                               {.field = "id", .object_id = id});
    slots_[i] = {tag, static_cast<std::uint32_t>(ci + 1)};
  }

 private:
  struct slot {               // 8 bytes: the table of a national day stays small
    std::uint32_t tag = 0;    // the hash's upper half (its lower bits chose the slot)
    std::uint32_t index = 0;  // case index + 1; 0 = empty
  };
  std::span<const help_case> cases_;
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  // The prepared cases (index, hash) by index mod ahead; the index says which case a slot holds.
  std::array<std::pair<std::size_t, std::uint64_t>, ahead> prepared_;
};

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
    for (const offering& o : l.offerings()) {
      free_units_.push_back(o.units.free_units);
      wait_points_.push_back(detail::wait_points(o.units, policy_.weights));
    }
    rule_bits_ = l.eligibility_bits();
    if (policy_.collaboration != nullptr && !policy_.collaboration->empty() &&
        policy_.weights.collaboration > 0.0)
      collaboration_ = policy_.collaboration;
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
  [[nodiscard]] const landscape& land() const { return *l_; }

  /// Reserves room for `more` elements when needed: an eighth more than that, or twice the
  /// capacity, so that the few cases a re-allocation adds seldom move what is stored.
  template <class Vec>
  static void grow_for(Vec& v, std::size_t more) {
    const std::size_t wanted = v.size() + more;
    if (wanted > v.capacity()) v.reserve(std::max(wanted + wanted / 8, 2 * v.capacity()));
  }

  /// v = n copies of x, with an eighth more room when v must grow.
  template <class Vec>
  static void assign_with_slack(Vec& v, std::size_t n, const typename Vec::value_type& x) {
    if (n > v.capacity()) {
      v.clear();
      v.reserve(n + n / 8);
    }
    v.assign(n, x);
  }

  /// v resized to n, new elements x, growing like grow_for.
  template <class Vec>
  static void resize_with_slack(Vec& v, std::size_t n, const typename Vec::value_type& x) {
    if (n > v.size()) grow_for(v, n - v.size());
    v.resize(n, x);
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

  /// allocate()'s single pass over a fresh engine: each case is validated, its id checked
  /// against the cases before it, and its needs added while the case is in cache. A bad case
  /// throws with the engine half-filled; the caller drops the engine.
  void add_all(std::span<const help_case> cases, std::span<const int> days_waiting) {
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

  /// The member lists of every class, in need order, in two sequential passes over the needs
  /// (forward: prev and head; backward: next and tail), and the classes' sizes, for needs entered
  /// with link_later_: linking and counting each need as it arrives would touch its class, a
  /// random place of a large array, once per need.
  void link_members() {
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
        const std::uint32_t m = keys_[static_cast<std::size_t>(n.group)].municipality;
        --municipality_needs_[m];
        touch_municipality(m);
      }
      --members_;
    }
    live_[case_index] = 0;
    if (have_result_) mark_case(case_index);
  }

  /// Throws validation_error, naming `field`, unless o is an offering and units ≥ 0.
  void check_free_units(offering_index o, std::int32_t units, std::string_view field) const {
    if (o >= free_units_.size())
      throw validation_error(error_code::unknown_reference,
                             fmt::format("offering index {} does not exist", o),
                             {.field = std::string(field)});
    if (units < 0)
      throw validation_error(error_code::negative_value, "free units must be ≥ 0",
                             {.field = std::string(field), .object_id = l_->offerings()[o].id});
  }

  void set_free_units(offering_index o, std::int32_t units) {
    check_free_units(o, units, o >= free_units_.size() ? "offering" : "free_units");
    free_units_[o] = units;
    if (offering_arc_[o] >= 0) flow_.set_capacity(offering_arc_[o], units);
  }

  /// Brings sizes and capacities up to date.
  void sync() {
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

  /// The optimal allocation; `cases` are all cases by index (removed ones included). The result
  /// stays the engine's until the next change; a re-solve after a warm repair updates it where the
  /// change reached (solve_incremental), any other solve builds it anew (solve_full).
  const allocation& solve(std::span<const help_case> cases);
  /// Whether solve() lists the needs whose offering changed (allocation::changes).
  void track_changes() { track_changes_ = true; }
  /// The last result, moved out (for allocate(), whose engine ends with it).
  allocation take_result() { return std::move(result_); }

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
      for (const option& o : options_of(static_cast<int>(gi)))
        out.options.push_back(
            {o.arc, static_cast<std::uint32_t>(gi), o.offering, keys_[gi].priority, o.fit});
    }
    return out;
  }

 private:
  struct option {
    int arc;
    offering_index offering;
    score_t fit;
  };
  /// What makes a class (find_group compares it), kept apart from the rest of the class so that
  /// finding one reads little memory.
  struct class_key {
    score_t priority{};
    std::uint32_t municipality{};    // its fairness slot (0 when fairness is off)
    std::uint32_t first_option = 0;  // its options: a range of option_pool_
    std::uint32_t option_count = 0;
  };
  struct group {
    int node = -1;
    int unmet_arc = -1;
    int head = -1;  // members: a list through links_, in need order
    int tail = -1;
    std::int32_t size = 0;
    std::int32_t handed = 0;  // members with an offering in the last hand-out (the first ones)
    bool dirty = false;       // its size changed since sync()
    bool hand_out = false;    // listed in hand_out_ (its members or its flow changed)
  };

  /// What a case gains beyond priority and fit from how its needs are spread over offerings.
  struct case_bonus {
    score_t complementarity = 0;
    score_t collaboration = 0;
    [[nodiscard]] score_t total() const noexcept { return complementarity + collaboration; }
  };
  /// The bonus of the case whose needs start at needs_[first], given the offering of each of its
  /// needs: complementarity per pair of needs on different offerings, and collaboration per pair
  /// of distinct partners among its offerings (as in match()).
  [[nodiscard]] case_bonus bonus_of(std::size_t first, std::span<const offering_index> of) const {
    case_bonus total;
    for (std::size_t i = 0; i < of.size(); ++i) {
      if (of[i] == no_offering) continue;
      const std::size_t row = needs_[first + i].category * category_count_;
      for (std::size_t j = i + 1; j < of.size(); ++j)
        if (of[j] != no_offering && of[j] != of[i])
          total.complementarity += pair_score_[row + needs_[first + j].category];
    }
    if (collaboration_ == nullptr) return total;
    partner_index partners[16];
    std::size_t count = 0;
    for (std::size_t i = 0; i < of.size(); ++i) {
      if (of[i] == no_offering) continue;
      const partner_index p = l_->partner_of(of[i]);
      if (std::find(partners, partners + count, p) != partners + count) continue;
      if (count == std::size(partners)) break;  // cases have at most a handful of needs
      for (std::size_t k = 0; k < count; ++k)
        total.collaboration +=
            to_score(policy_.weights.collaboration * collaboration_->get(partners[k], p));
      partners[count++] = p;
    }
    return total;
  }

  [[nodiscard]] std::span<const option> options_of(int gi) const {
    const class_key& k = keys_[static_cast<std::size_t>(gi)];
    return {option_pool_.data() + k.first_option, k.option_count};
  }

  /// An offering that serves a place, for one category: its fit there.
  struct reach_entry {
    offering_index offering;
    score_t fit;
  };
  /// A place's offerings in reach for one category: a range of reach_pool_ once computed.
  struct reach_slot {
    static constexpr std::uint32_t unknown = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t first = 0;
    std::uint32_t count = unknown;
  };

  /// The offerings of category `cat` that serve the location, in id order, with their fit
  /// (distance and wait terms, as need_terms gives them). Locations share lists: each place (a
  /// municipality and perhaps a PC4, place_of) keeps its list per category once computed; for a
  /// location with a point that list holds what lists its municipality or PC4 (distance 0), and
  /// the circles that contain the point are added to it here. O(reach) the first time a place
  /// needs a category, then O(1) without a point and O(circles near it + list) with one.
  std::span<const reach_entry> reach(const case_location& where,
                                     std::optional<municipality_index> m, category_index cat,
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
        list.push_back({hit.offering, detail::distance_points(hit.km, policy_.weights) +
                                          wait_points_[hit.offering]});
    sort_by_id(list);
    return list;
  }

  /// Computes a place's list for one category and keeps it as a range of the pool (compact: the
  /// slots stay in cache). With a point, only what lists the municipality or PC4 (distance 0).
  void fill(reach_slot& known, const case_location& where, std::optional<municipality_index> m,
            category_index cat) {
    const landscape& l = *l_;
    std::vector<reach_entry>& list = scratch_reach_;
    list.clear();
    if (where.point) {
      l.offerings_listing(m, where.postcode, cat, scratch_found_);
      for (offering_index o : scratch_found_)
        list.push_back({o, detail::distance_points(0.0, policy_.weights) + wait_points_[o]});
    } else {
      l.offerings_reaching(where, m, cat, scratch_found_);
      for (offering_index o : scratch_found_)
        list.push_back(
            {o, detail::distance_points(l.service_distance_km(o, where, m), policy_.weights) +
                    wait_points_[o]});
    }
    sort_by_id(list);
    known.first = static_cast<std::uint32_t>(reach_pool_.size());
    known.count = static_cast<std::uint32_t>(list.size());
    reach_pool_.insert(reach_pool_.end(), list.begin(), list.end());
  }

  void sort_by_id(std::vector<reach_entry>& list) {
    std::sort(list.begin(), list.end(), [this](const reach_entry& a, const reach_entry& b) {
      return id_rank(a.offering) < id_rank(b.offering);
    });
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

  /// The slot of a location's place: its municipality and PC4, and whether it has a point (whose
  /// place list holds only what lists the municipality or PC4).
  std::size_t place_of(const case_location& where, std::optional<municipality_index> m) {
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

  /// Each need's priority, appended in need order.
  void append_priorities(const help_case& c, int waited, std::vector<score_t>& out) const {
    for (const need& n : c.needs)
      out.push_back(detail::need_priority(policy_.weights, n, policy_.waiting_day, waited));
  }

  /// Room for `cases` more cases with `needs` needs, growing geometrically: a few cases added to
  /// many cost O(few).
  void reserve_for(std::size_t cases, std::size_t needs) {
    grow_for(needs_, needs);
    grow_for(links_, needs);
    grow_for(need_live_, needs);
    grow_for(case_first_, cases);
    grow_for(live_, cases);
  }

  /// check(o's rules, p) == ineligibility::none; `bits`: the landscape's profile_bits(p).
  [[nodiscard]] bool eligible(offering_index o, const case_profile& p,
                              const std::optional<detail::profile_bits>& bits) const {
    if (!bits) return check(l_->offerings()[o].rules, p) == ineligibility::none;
    return detail::eligible(rule_bits_[o], *bits);
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
    const std::size_t place = place_of(c.location, m);
    const std::uint32_t fair = policy_.fairness > 0.0 ? (m ? *m + 1 : 0) : 0;
    const std::optional<detail::profile_bits> profile = l.profile_bits(c.profile);
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
  void enter(const need_info& n) {
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

  void hand_out_again(int gi) {
    group& g = groups_[static_cast<std::size_t>(gi)];
    if (!g.hand_out) {
      g.hand_out = true;
      hand_out_.push_back(gi);
    }
  }

  /// Marks a case whose entries in the result change with the next solve.
  void mark_case(std::uint32_t ci) {
    if (case_marked_.size() <= ci)
      resize_with_slack(case_marked_, std::size_t{ci} + 1, static_cast<unsigned char>(0));
    if (!case_marked_[ci]) {
      case_marked_[ci] = 1;
      marked_.push_back(ci);
      if (track_changes_ && have_result_)  // its needs' offerings in the last result
        for (std::size_t i = case_first_[ci]; i < case_first_[ci + 1]; ++i)
          before_.push_back(
              {static_cast<std::uint32_t>(i), i < chosen_.size() ? chosen_[i] : no_offering});
    }
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

  /// Counts `more` members into class gi, which changes it (and its municipality's count).
  void count_members(int gi, std::int32_t more) {
    groups_[static_cast<std::size_t>(gi)].size += more;
    touch_group(gi);
    members_ += more;
    if (policy_.fairness > 0.0) {
      const std::uint32_t m = keys_[static_cast<std::size_t>(gi)].municipality;
      municipality_needs_[m] += more;
      touch_municipality(m);
    }
  }

  /// The class of needs with this priority, fairness slot and options (offering and fit, in id
  /// order), created if new. Grouped, a 64-bit hash finds the class (its upper half is kept in the
  /// slot) and a comparison with the class's key confirms it.
  int find_group(score_t priority, std::uint32_t fair_slot,
                 std::span<const candidate_fit> options) {
    const bool fair = policy_.fairness > 0.0;
    const std::uint32_t municipality = fair ? fairness_slot(fair_slot) : 0;
    const int gi = static_cast<int>(groups_.size());
    std::uint64_t h = 0;
    if (grouped_) {
      h = detail::mix64(static_cast<std::uint64_t>(priority) ^ (std::uint64_t{municipality} << 32));
      for (const candidate_fit& o : options)
        h = detail::mix64(h ^ detail::mix64(static_cast<std::uint64_t>(o.fit) +
                                            (std::uint64_t{o.offering} << 40)));
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

  /// Enters class gi, of hash h, in the index (grown to stay at most half full).
  void index_class(std::uint64_t h, std::uint32_t gi) {
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

  void place_class(std::uint64_t h, std::uint32_t gi) {
    std::size_t i = h & class_mask_;
    while (class_slots_[i].group != 0)
      i = (i + 1) & class_mask_;
    class_slots_[i] = {static_cast<std::uint32_t>(h >> 32), gi + 1};
  }

  bool same_class(const class_key& k, score_t priority, std::uint32_t municipality,
                  std::span<const candidate_fit> options) const {
    if (k.priority != priority || k.municipality != municipality ||
        k.option_count != options.size())
      return false;
    const option* mine = option_pool_.data() + k.first_option;
    for (std::size_t j = 0; j < options.size(); ++j)
      if (mine[j].offering != options[j].offering || mine[j].fit != options[j].fit) return false;
    return true;
  }

  void solve_full(std::span<const help_case> cases);
  void solve_incremental(std::span<const help_case> cases);
  void hand_out(int gi, bool track);
  void size_need_state(std::size_t n, bool fresh);
  void count_used();
  void release_overflow();
  void revert_moves(std::uint32_t ci);
  bool improve_case(std::uint32_t ci);
  template <class CaseIndices>
  void improve(const CaseIndices& cases);
  void drop_stale_moves();
  void build_result(std::span<const help_case> cases);
  [[nodiscard]] need_change change_of(std::size_t need, offering_index was) const;
  void update_result();

  const landscape* l_;
  allocation_policy policy_;
  bool grouped_;
  std::vector<std::uint32_t> id_rank_;  // per offering: its place in id order (computed once)
  std::size_t category_count_ = 0;
  std::vector<score_t> pair_score_;  // category × category: complementarity points of a pair
  const collaboration_strengths* collaboration_ = nullptr;  // null: no collaboration term
  detail::flat_map<std::uint64_t, std::uint32_t, detail::int_hash> place_index_;  // → slot
  detail::large_vector<reach_slot> reach_slots_;        // slot × category
  std::vector<reach_entry> reach_pool_;                 // the lists of the known slots
  std::vector<reach_entry> scratch_reach_;              // a list being made
  std::vector<offering_index> scratch_found_;           // offerings_reaching's answer
  std::vector<landscape::circle_hit> scratch_circles_;  // offerings_circling's answer
  std::vector<score_t> wait_points_;                    // per offering
  std::span<const detail::rule_bits> rule_bits_;        // the landscape's, per offering
  std::vector<partner_index> excluded_;                 // of the case being prepared
  std::vector<candidate_fit> scratch_options_;          // of the need being prepared
  flow::dynamic_min_cost_flow flow_;
  int sink_ = -1;
  detail::large_vector<need_info> needs_;  // every need of every case added, in case order
  /// Per need: its neighbours in its class's member list, in need order (−1: none).
  struct member_link {
    int prev = -1;
    int next = -1;
  };
  detail::large_vector<member_link> links_;  // per need (apart from need_info: walked in solve())
  detail::large_vector<unsigned char> need_live_;  // per need: its case was not removed
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
  detail::large_vector<group> groups_;
  detail::large_vector<option> option_pool_;  // the classes' options, one range each
  detail::large_vector<class_key> keys_;      // per class
  /// The grouped classes by hash: open addressing over (upper half of the hash, class + 1; 0 for
  /// an empty slot), at most half full.
  struct class_slot {
    std::uint32_t tag = 0;
    std::uint32_t group = 0;
  };
  std::vector<class_slot> class_slots_ = std::vector<class_slot>(1024);
  std::size_t class_mask_ = 1023;
  std::vector<std::uint64_t> class_hash_;  // per grouped class, for growing the index
  std::vector<int> dirty_groups_;
  bool link_later_ = false;             // enter() leaves member lists and sizes to link_members()
  std::vector<int> scratch_group_end_;  // link_members(): per class, its last member so far
  std::vector<std::int32_t> scratch_group_count_;  // … and its members
  std::vector<int> arc_group_;                     // per arc: the class whose option it is, or −1

  // The last result and what a re-solve needs to update it where the change reached.
  allocation result_;
  bool have_result_ = false;
  bool track_changes_ = false;
  std::size_t solved_cases_ = 0;  // cases (by index) when result_ was made
  struct before_entry {
    std::uint32_t need;
    offering_index offering;  // in the last result
  };
  std::vector<before_entry> before_;             // the needs of the marked cases (track_changes_)
  detail::large_vector<offering_index> handed_;  // per need: its offering in the flow's hand-out
  detail::large_vector<score_t> handed_fit_;     // … and its fit there
  detail::large_vector<offering_index> chosen_;  // per need: after the improvement step
  detail::large_vector<score_t> chosen_fit_;     // … and its fit there
  std::vector<std::uint32_t> moved_;     // needs the improvement step moved (chosen ≠ handed)
  std::vector<unsigned char> in_moved_;  // per need: listed in moved_
  std::vector<std::int32_t> used_;       // per offering: units chosen_ uses
  std::vector<int> hand_out_;            // classes to hand out again (members or flow changed)
  std::vector<std::uint32_t> marked_;    // cases whose entries in result_ change
  std::vector<unsigned char> case_marked_;
  std::vector<case_bonus>
      case_bonus_;              // per case: its part of result_.complementarity/collaboration
  score_t assigned_value_ = 0;  // Σ priority + fit over result_.assigned
  std::size_t exhausted_ = 0;   // capacity_exhausted entries, at the front of result_.unmet
  // Scratch, kept so that a re-solve reuses its memory.
  std::vector<const option*> used_options_;
  std::vector<std::uint32_t> queue_;      // per offering: needs waitlisted for it so far
  std::vector<offering_index> previous_;  // chosen_ of the last result, in a full re-solve
  std::vector<assigned_need> new_assigned_;
  std::vector<unmet_need> new_waiting_, new_final_;
  std::int64_t members_ = 0;  // needs in the flow
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

const allocation& engine::solve(std::span<const help_case> cases) {
  sync();
  if (policy_.progress) policy_.progress("solving", 0, 1);
  if (flow_.solve() != flow::flow_status::optimal)
    throw validation_error(error_code::invalid_value,
                           "internal: the allocation network is infeasible");  // not reachable
  if (policy_.progress) policy_.progress("improving", 0, 1);
  if (have_result_ && flow_.last_solve().warm)
    solve_incremental(cases);
  else
    solve_full(cases);
  for (const std::uint32_t ci : marked_)
    case_marked_[ci] = 0;
  marked_.clear();
  for (const int gi : hand_out_)
    groups_[static_cast<std::size_t>(gi)].hand_out = false;
  hand_out_.clear();
  solved_cases_ = cases.size();
  have_result_ = true;

  allocation& out = result_;
  out.groups = 0;
  for (const group& g : groups_)
    out.groups += g.size == 0 ? 0 : 1;
  out.arcs = static_cast<std::size_t>(flow_.network().arc_count());
  out.pivots = flow_.last_solve().pivots;
  out.parts = flow_.last_solve().parts;
  out.warm = flow_.last_solve().warm;
  out.paths = flow_.last_solve().paths;
  out.used_units.assign(used_.begin(), used_.end());
  out.moves = moved_.size();
  // The optimal flow's own value and the fairness penalty in it: the cost on the tranche arcs
  // (the improvement step moves needs between offerings, never in or out of the flow).
  out.flow_objective = -flow_.total_cost();
  out.fairness_penalty = 0;
  for (const int a : tranche_arc_)
    out.fairness_penalty -= flow_.flow(a) * flow_.network().cost[static_cast<std::size_t>(a)];
  out.objective = assigned_value_ + out.fairness_penalty + out.complementarity + out.collaboration;
  if (policy_.progress) policy_.progress("done", 1, 1);
  return out;
}

/// Hands a class's flow to its members in need order (which is case order), best fit first,
/// ties in id order; the members beyond the flow get none. `track`: a re-solve, which marks the
/// cases whose hand-out changed and leaves chosen_ to them; else chosen_ is the hand-out.
///
/// Only the first max(handed before, handed now) members are visited: members join at the end
/// and leaving moves the others forward, so a member further back had none and keeps none (a
/// class of thousands of needs with a few units costs those few).
void engine::hand_out(int gi, bool track) {
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

/// used_: the units of each offering that chosen_ uses, from the flow on its arc to the sink and
/// the moves that stand (moved_ is compacted on the way).
void engine::count_used() {
  used_.assign(l_->offerings().size(), 0);
  for (offering_index o = 0; o < used_.size(); ++o)
    if (offering_arc_[o] >= 0) used_[o] = static_cast<std::int32_t>(flow_.flow(offering_arc_[o]));
  drop_stale_moves();
  for (const std::uint32_t i : moved_) {
    ++used_[chosen_[i]];
    --used_[handed_[i]];
  }
}

/// Keeps in moved_ only the live needs whose offering is not their hand-out's.
void engine::drop_stale_moves() {
  std::size_t kept = 0;
  for (const std::uint32_t i : moved_) {
    if (need_live_[i] && chosen_[i] != handed_[i])
      moved_[kept++] = i;
    else
      in_moved_[i] = 0;
  }
  moved_.resize(kept);
}

/// Puts every moved need of the case back on its hand-out and marks the case.
void engine::revert_moves(std::uint32_t ci) {
  mark_case(ci);
  for (std::size_t i = case_first_[ci]; i < case_first_[ci + 1]; ++i)
    if (chosen_[i] != handed_[i]) {
      if (chosen_[i] != no_offering) --used_[chosen_[i]];
      if (handed_[i] != no_offering) ++used_[handed_[i]];
      chosen_[i] = handed_[i];
      chosen_fit_[i] = handed_fit_[i];
    }
}

/// After a repair the flow may use units that moves had taken (or an offering has fewer free
/// units): the cases whose moves use an offering beyond its free units get their hand-out back,
/// until no offering is over. Each round reverts at least one move, so this ends.
void engine::release_overflow() {
  for (;;) {
    bool over = false;
    for (const std::uint32_t i : moved_) {
      const offering_index o = chosen_[i];
      if (chosen_[i] == handed_[i] || used_[o] <= free_units_[o]) continue;
      revert_moves(needs_[i].ref.case_index);
      over = true;
    }
    if (!over) return;
    drop_stale_moves();
  }
}

/// The improvement step on one case: each need in turn moves to the candidate with spare units
/// that gains the most (complementarity and collaboration gained minus fit lost), if any gains.
/// Whether it moved one.
bool engine::improve_case(std::uint32_t ci) {
  const std::size_t first = case_first_[ci];
  const std::size_t count = case_first_[ci + 1] - first;
  const std::span<offering_index> of(chosen_.data() + first, count);
  bool improved = false;
  for (std::size_t ni = 0; ni < count; ++ni) {
    const std::size_t i = first + ni;
    if (chosen_[i] == no_offering) continue;
    const score_t before = bonus_of(first, of).total();
    const offering_index current = chosen_[i];
    score_t best_gain = 0;
    offering_index best = no_offering;
    score_t best_fit = 0;
    for (const option& o : options_of(needs_[i].group)) {
      if (o.offering == current) continue;
      if (used_[o.offering] >= free_units_[o.offering]) continue;
      chosen_[i] = o.offering;
      const score_t gain = bonus_of(first, of).total() - before + o.fit - chosen_fit_[i];
      chosen_[i] = current;
      if (gain > best_gain) {
        best_gain = gain;
        best = o.offering;
        best_fit = o.fit;
      }
    }
    if (best != no_offering) {
      --used_[current];
      ++used_[best];
      chosen_[i] = best;
      chosen_fit_[i] = best_fit;
      if (!in_moved_[i]) {
        in_moved_[i] = 1;
        moved_.push_back(static_cast<std::uint32_t>(i));
      }
      improved = true;
    }
  }
  return improved;
}

/// The per-need state of the hand-out and the improvement step for n needs: all of it anew
/// (`fresh`), or the new needs' part added (none, no move). With room for the needs of later
/// re-solves, as the need arrays have.
void engine::size_need_state(std::size_t n, bool fresh) {
  const auto size = [&](auto& v, const auto& x) {
    if (fresh)
      assign_with_slack(v, n, x);
    else
      resize_with_slack(v, n, x);
  };
  size(handed_, no_offering);
  size(handed_fit_, score_t{0});
  size(chosen_, no_offering);
  size(chosen_fit_, score_t{0});
  size(in_moved_, static_cast<unsigned char>(0));
}

/// The improvement step over these cases (in order): up to four passes of improve_case while
/// any case gains.
template <class CaseIndices>
void engine::improve(const CaseIndices& cases) {
  if (!policy_.improve_complementarity ||
      (policy_.weights.complementarity <= 0.0 && collaboration_ == nullptr))
    return;
  for (int pass = 0; pass < 4; ++pass) {
    bool improved = false;
    for (const std::uint32_t ci : cases)
      if (live_[ci] && case_first_[ci + 1] - case_first_[ci] > 1) improved |= improve_case(ci);
    if (!improved) break;
  }
  drop_stale_moves();
}

void engine::solve_full(std::span<const help_case> cases) {
  const std::size_t n = needs_.size();
  // What the last result gave each need (none for all before the first), for the changes.
  before_.clear();
  if (track_changes_) previous_.assign(chosen_.begin(), chosen_.end());
  size_need_state(n, true);
  moved_.clear();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].handed = 0;  // chosen_ starts with none for every need
    if (groups_[gi].size > 0) hand_out(static_cast<int>(gi), false);
  }
  count_used();
  improve(boost::irange(std::uint32_t{0}, static_cast<std::uint32_t>(cases.size())));
  build_result(cases);
  result_.changes.clear();
  if (track_changes_)
    for (std::size_t i = 0; i < n; ++i) {
      const offering_index was = i < previous_.size() ? previous_[i] : no_offering;
      if (was != chosen_[i]) result_.changes.push_back(change_of(i, was));
    }
}

need_change engine::change_of(std::size_t i, offering_index was) const {
  const auto known = [](offering_index o) {
    return o == no_offering ? std::nullopt : std::optional<offering_index>(o);
  };
  return {needs_[i].ref, known(was), known(chosen_[i])};
}

/// A re-solve after a warm repair: only the classes whose members or flow changed are handed out
/// again; the cases that changed (theirs, the new ones, the removed ones) start again from the
/// hand-out, the improvement step revisits them, and their entries in the result are replaced.
/// Cases nothing reached keep their assignment, moves included, unless a move now takes a unit
/// the flow needs (release_overflow). O(change) apart from the copying of update_result().
void engine::solve_incremental(std::span<const help_case> cases) {
  const std::size_t n = needs_.size();
  if (case_marked_.size() < live_.size())
    resize_with_slack(case_marked_, live_.size(), static_cast<unsigned char>(0));
  size_need_state(n, false);
  for (auto ci = static_cast<std::uint32_t>(solved_cases_); ci < cases.size(); ++ci)
    mark_case(ci);
  for (const int a : flow_.changed_arcs())
    if (static_cast<std::size_t>(a) < arc_group_.size() &&
        arc_group_[static_cast<std::size_t>(a)] >= 0)
      hand_out_again(arc_group_[static_cast<std::size_t>(a)]);
  for (const int gi : hand_out_)
    hand_out(gi, true);
  // The marked cases start again from the hand-out (removed ones: with none).
  for (const std::uint32_t ci : marked_)
    for (std::size_t i = case_first_[ci]; i < case_first_[ci + 1]; ++i) {
      if (!live_[ci]) handed_[i] = no_offering;
      chosen_[i] = handed_[i];
      chosen_fit_[i] = handed_fit_[i];
    }
  count_used();
  release_overflow();
  std::sort(marked_.begin(), marked_.end());
  improve(marked_);
  update_result();
  result_.changes.clear();
  for (const before_entry& b : before_)
    if (b.offering != chosen_[b.need]) result_.changes.push_back(change_of(b.need, b.offering));
  before_.clear();
  std::sort(result_.changes.begin(), result_.changes.end(),
            [](const need_change& a, const need_change& b) { return a.need < b.need; });
}

/// result_ from scratch: assigned needs in case order; the waitlist: capacity_exhausted needs by
/// priority, highest first (ties in case order), then the others in case order. The waitlist's
/// order is kept between solves (waitlist_ holds only needs that can wait), so no solve sorts it.
void engine::build_result(std::span<const help_case> cases) {
  allocation& out = result_;
  out.assigned.clear();
  out.unmet.clear();
  out.complementarity = 0;
  out.collaboration = 0;
  assigned_value_ = 0;
  assign_with_slack(case_bonus_, cases.size(), case_bonus{});
  std::size_t unmet_count = 0;
  // Room for a re-solve's changes without moving the lists.
  const auto members = static_cast<std::size_t>(members_);
  out.assigned.reserve(members + members / 8 + 64);
  for (std::uint32_t ci = 0; ci < cases.size(); ++ci) {
    if (!live_[ci]) continue;
    const std::size_t first = case_first_[ci], last = case_first_[ci + 1];
    for (std::size_t i = first; i < last; ++i) {
      if (chosen_[i] != no_offering) {
        const need_info& n = needs_[i];
        out.assigned.push_back({n.ref, chosen_[i], n.priority, chosen_fit_[i]});
        assigned_value_ += n.priority + chosen_fit_[i];
      } else {
        ++unmet_count;
      }
    }
    if (last - first > 1) {
      case_bonus_[ci] = bonus_of(first, std::span(chosen_.data() + first, last - first));
      out.complementarity += case_bonus_[ci].complementarity;
      out.collaboration += case_bonus_[ci].collaboration;
    }
  }
  out.unmet.reserve(unmet_count + unmet_count / 8 + 64);
  std::vector<std::uint32_t>& queue = queue_;
  queue.assign(l_->offerings().size(), 0);
  for (const std::uint32_t bucket : waitlist_order_) {
    const score_t priority = waitlist_priority_[bucket];
    for (const waiting_need& w : waitlist_[bucket])
      if (chosen_[w.index] == no_offering && need_live_[w.index])
        out.unmet.push_back(
            {w.ref, unmet_reason::capacity_exhausted, priority, w.preferred, ++queue[w.preferred]});
  }
  exhausted_ = out.unmet.size();
  for (const std::uint32_t i : uncoverable_)  // in need order, which is case order
    if (need_live_[i]) {
      const need_info& n = needs_[i];
      out.unmet.push_back({n.ref, *n.blocked, n.priority, std::nullopt, std::size_t{0}});
    }
}

/// result_ after a re-solve: the entries of the marked cases are dropped (in place, keeping the
/// order) and their new ones merged in from the back; queue places are counted again. Copying
/// O(result) in two sequential passes, everything else O(marked cases · their needs · log).
void engine::update_result() {
  allocation& out = result_;
  std::sort(marked_.begin(), marked_.end());
  // The marked cases' complementarity, collaboration and new entries.
  std::vector<assigned_need>& add = new_assigned_;
  std::vector<unmet_need>& waiting = new_waiting_;
  std::vector<unmet_need>& final_reasons = new_final_;
  add.clear();
  waiting.clear();
  final_reasons.clear();
  if (case_bonus_.size() < live_.size()) resize_with_slack(case_bonus_, live_.size(), case_bonus{});
  for (const std::uint32_t ci : marked_) {
    out.complementarity -= case_bonus_[ci].complementarity;
    out.collaboration -= case_bonus_[ci].collaboration;
    case_bonus_[ci] = {};
    if (!live_[ci]) continue;
    const std::size_t first = case_first_[ci], last = case_first_[ci + 1];
    for (std::size_t i = first; i < last; ++i) {
      const need_info& n = needs_[i];
      if (chosen_[i] != no_offering) {
        add.push_back({n.ref, chosen_[i], n.priority, chosen_fit_[i]});
        assigned_value_ += n.priority + chosen_fit_[i];
      } else if (can_wait(n)) {
        waiting.push_back({n.ref, unmet_reason::capacity_exhausted, n.priority, n.preferred, 0});
      } else if (ci >= solved_cases_) {  // a final reason: listed once, when the case arrives
        final_reasons.push_back({n.ref, *n.blocked, n.priority, std::nullopt, std::size_t{0}});
      }
    }
    if (last - first > 1) {
      case_bonus_[ci] = bonus_of(first, std::span(chosen_.data() + first, last - first));
      out.complementarity += case_bonus_[ci].complementarity;
      out.collaboration += case_bonus_[ci].collaboration;
    }
  }
  std::sort(waiting.begin(), waiting.end(), waitlist_before);

  // Assigned: drop the marked cases' entries, then merge the new ones in from the back.
  std::vector<assigned_need>& as = out.assigned;
  const std::size_t assigned_kept = compact_range(as, 0, as.size(), 0, [&](const assigned_need& x) {
    if (!case_marked_[x.need.case_index]) return false;
    assigned_value_ -= x.priority + x.fit;
    return true;
  });
  as.resize(assigned_kept + add.size());
  merge_from_back(as, assigned_kept, std::span<const assigned_need>(add),
                  [](const assigned_need& a, const assigned_need& b) { return a.need < b.need; });

  // The waitlist: [capacity_exhausted | final reasons]. The first part drops the marked cases'
  // entries, the second those of removed cases; the second moves back to make room, the new
  // final reasons (of new cases, the last in case order) go at its end, and the first part takes
  // the marked cases' waiting needs by a merge from the back.
  std::vector<unmet_need>& un = out.unmet;
  const std::size_t waiting_kept = compact_range(un, 0, exhausted_, 0, [&](const unmet_need& u) {
    return case_marked_[u.need.case_index] != 0;
  });
  const std::size_t final_kept =
      compact_range(un, exhausted_, un.size(), waiting_kept,
                    [&](const unmet_need& u) { return live_[u.need.case_index] == 0; }) -
      waiting_kept;
  exhausted_ = waiting_kept + waiting.size();
  un.resize(exhausted_ + final_kept + final_reasons.size());
  std::move_backward(un.begin() + static_cast<std::ptrdiff_t>(waiting_kept),
                     un.begin() + static_cast<std::ptrdiff_t>(waiting_kept + final_kept),
                     un.begin() + static_cast<std::ptrdiff_t>(exhausted_ + final_kept));
  std::copy(final_reasons.begin(), final_reasons.end(),
            un.begin() + static_cast<std::ptrdiff_t>(exhausted_ + final_kept));
  merge_from_back(un, waiting_kept, std::span<const unmet_need>(waiting), waitlist_before);
  std::vector<std::uint32_t>& queue = queue_;
  queue.assign(l_->offerings().size(), 0);
  for (std::size_t k = 0; k < exhausted_; ++k)
    un[k].queue_position = ++queue[*un[k].waiting_for];
}

/// Throws validation_error naming the first case whose id is already taken, by an earlier case or
/// by one `present`. An open-addressing table of 64-bit id hashes (xxHash), compared in full on a
/// hash match: O(cases).
void check_unique_ids(std::span<const help_case> cases,
                      const std::unordered_map<std::string, std::uint32_t>* present = nullptr) {
  unique_ids ids(cases);
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    ids.insert(ci);
    if (present && present->contains(cases[ci].id))
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = cases[ci].id});
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
  e.add_all(cases, days_waiting);
  return e.export_network();
}

allocation allocate(const landscape& l, std::span<const help_case> cases,
                    const allocation_policy& policy, std::span<const int> days_waiting) {
  check_case_count(cases.size());
  engine e(l, policy, true);
  e.add_all(cases, days_waiting);
  (void)e.solve(cases);
  return e.take_result();
}

struct allocator::impl {
  impl(const landscape& l, allocation_policy p) : e(l, p, true) { e.track_changes(); }
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

void allocator::apply(const allocation_changes& batch) {
  // Everything is checked before anything changes.
  std::unordered_map<std::string, std::size_t> closing;
  for (std::size_t k = 0; k < batch.close.size(); ++k) {
    const std::string& id = batch.close[k];
    if (!impl_->present.contains(id))
      throw not_found_error(fmt::format("no case with id \"{}\" is waiting", id),
                            {.field = fmt::format("close[{}]", k), .object_id = id});
    if (!closing.emplace(id, k).second)
      throw validation_error(error_code::duplicate_id, "a case closes twice in one batch",
                             {.field = fmt::format("close[{}]", k), .object_id = id});
  }
  check_case_count(impl_->cases.size() + batch.arrive.size());
  check_unique_ids(batch.arrive);
  const landscape& l = impl_->e.land();
  for (std::size_t k = 0; k < batch.arrive.size(); ++k) {
    const help_case& c = batch.arrive[k];
    if (impl_->present.contains(c.id) && !closing.contains(c.id))
      throw validation_error(error_code::duplicate_id, "an arriving case is already waiting",
                             {.field = fmt::format("arrive[{}]", k), .object_id = c.id});
    validate(c, l.categories(), l.places());
  }
  for (std::size_t k = 0; k < batch.free_units.size(); ++k)
    impl_->e.check_free_units(batch.free_units[k].first, batch.free_units[k].second,
                              fmt::format("free_units[{}]", k));
  for (const std::string& id : batch.close)
    remove_case(id);
  add_cases(batch.arrive);
  for (const auto& [o, units] : batch.free_units)
    set_free_units(o, units);
}

const allocation& allocator::solve() {
  const allocation& out = impl_->e.solve(impl_->cases);
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
