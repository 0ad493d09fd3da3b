// src/core/allocation_engine.hpp — the engine behind allocate() and keten::allocator, shared by the
// files of its stages (allocation*.cpp, allocator.cpp). Private to the library.
//
// The stages, each in its file:
//   allocation_classes.cpp      candidates of each need and classes of interchangeable needs
//   allocation_network.cpp      the flow network: its upkeep, and the flow handed back to the needs
//   allocation_improvement.cpp  the improvement step (complementarity and collaboration)
//   allocation_waitlist.cpp     the result: assignments, the waitlist and the reasons for unmet
//   needs allocation.cpp              allocate() and the order of the stages (solve) allocator.cpp
//   keten::allocator, the warm re-allocation over the same engine
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xxhash.h>

#include "flat_map.hpp"
#include "keten/allocation.hpp"
#include "keten/flow.hpp"
#include "large_vector.hpp"
#include "policy_terms.hpp"

namespace keten::detail {

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

/// Throws validation_error unless `count` cases can be numbered with std::uint32_t (less one).
void check_case_count(std::size_t count);

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
class allocation_engine {
 public:
  /// Validates the policy (throws validation_error) and prepares the per-offering and
  /// per-category tables: O(offerings + categories²).
  allocation_engine(const landscape& l, const allocation_policy& policy, bool grouped);

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
           std::uint32_t first_index);

  /// allocate()'s single pass over a fresh engine: each case is validated, its id checked
  /// against the cases before it, and its needs added while the case is in cache. A bad case
  /// throws with the engine half-filled; the caller drops the engine.
  void add_all(std::span<const help_case> cases, std::span<const int> days_waiting);

  /// The member lists of every class, in need order, in two sequential passes over the needs
  /// (forward: prev and head; backward: next and tail), and the classes' sizes, for needs entered
  /// with link_later_: linking and counting each need as it arrives would touch its class, a
  /// random place of a large array, once per need.
  void link_members();

  /// Takes the case's needs out of the network.
  void remove(std::uint32_t case_index);

  /// Throws validation_error, naming `field`, unless o is an offering and units ≥ 0.
  void check_free_units(offering_index o, std::int32_t units, std::string_view field) const;

  void set_free_units(offering_index o, std::int32_t units);

  /// Brings sizes and capacities up to date.
  void sync();

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
  allocation_network export_network();

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
                                     std::size_t place);

  /// Computes a place's list for one category and keeps it as a range of the pool (compact: the
  /// slots stay in cache). With a point, only what lists the municipality or PC4 (distance 0).
  void fill(reach_slot& known, const case_location& where, std::optional<municipality_index> m,
            category_index cat);

  void sort_by_id(std::vector<reach_entry>& list);

  /// An offering's place in id order (candidates are listed in id order).
  std::uint32_t id_rank(offering_index o) {
    if (id_rank_.empty()) rank_ids();
    return id_rank_[o];
  }
  void rank_ids();  // id_rank_, once

  /// The slot of a location's place: its municipality and PC4, and whether it has a point (whose
  /// place list holds only what lists the municipality or PC4).
  std::size_t place_of(const case_location& where, std::optional<municipality_index> m);

  /// Each need's priority, appended in need order.
  void append_priorities(const help_case& c, int waited, std::vector<score_t>& out) const;

  /// Room for `cases` more cases with `needs` needs, growing geometrically: a few cases added to
  /// many cost O(few).
  void reserve_for(std::size_t cases, std::size_t needs);

  /// check(o's rules, p) == ineligibility::none; `bits`: the landscape's profile_bits(p).
  [[nodiscard]] bool eligible(offering_index o, const case_profile& p,
                              const std::optional<profile_bits>& bits) const;

  /// Prepares the case's needs and adds them: candidates from the place lists of reach(), the
  /// case's exclusions resolved once, each need's class found by find_group. The same options,
  /// preferred candidate and blocked reason as find_candidates and need_terms give (the tests
  /// compare them).
  void add_case(const help_case& c, std::uint32_t case_index,
                std::span<const category_index> categories, std::span<const score_t> priorities,
                std::optional<municipality_index> m);

  /// The plain graph's needs: find_candidates and need_terms case by case, one class per need.
  void add_plain(std::span<const help_case> cases, std::span<const int> days_waiting,
                 std::uint32_t first_index);

  /// Appends a prepared need (its class found, if any) to the needs of the case being added.
  void enter(const need_info& n);

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
  int find_group(score_t priority, std::uint32_t fair_slot, std::span<const candidate_fit> options);

  /// Enters class gi, of hash h, in the index (grown to stay at most half full).
  void index_class(std::uint64_t h, std::uint32_t gi);

  void place_class(std::uint64_t h, std::uint32_t gi);

  bool same_class(const class_key& k, score_t priority, std::uint32_t municipality,
                  std::span<const candidate_fit> options) const;

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
  const collaboration_strengths* collaboration_ = nullptr;        // null: no collaboration term
  flat_map<std::uint64_t, std::uint32_t, int_hash> place_index_;  // → slot
  large_vector<reach_slot> reach_slots_;                          // slot × category
  std::vector<reach_entry> reach_pool_;                           // the lists of the known slots
  std::vector<reach_entry> scratch_reach_;                        // a list being made
  std::vector<offering_index> scratch_found_;                     // offerings_reaching's answer
  std::vector<landscape::circle_hit> scratch_circles_;            // offerings_circling's answer
  std::vector<score_t> wait_points_;                              // per offering
  std::span<const rule_bits> rule_bits_;                          // the landscape's, per offering
  std::vector<partner_index> excluded_;                           // of the case being prepared
  std::vector<candidate_fit> scratch_options_;                    // of the need being prepared
  flow::dynamic_min_cost_flow flow_;
  int sink_ = -1;
  large_vector<need_info> needs_;  // every need of every case added, in case order
  /// Per need: its neighbours in its class's member list, in need order (−1: none).
  struct member_link {
    int prev = -1;
    int next = -1;
  };
  large_vector<member_link> links_;         // per need (apart from need_info: walked in solve())
  large_vector<unsigned char> need_live_;   // per need: its case was not removed
  std::vector<std::uint32_t> uncoverable_;  // needs that cannot wait (a final reason), in order
  std::vector<std::size_t> case_first_{0};  // per case: its first need in needs_ (+ the end)
  std::vector<unsigned char> live_;         // per case: not removed
  // Every need ever added, by priority (highest first), each bucket in need order: the waitlist's
  // order, kept between solves so that no solve sorts the waitlist again.
  flat_map<score_t, std::uint32_t, int_hash> waitlist_index_;  // → bucket
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
  large_vector<group> groups_;
  large_vector<option> option_pool_;  // the classes' options, one range each
  large_vector<class_key> keys_;      // per class
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
  std::vector<before_entry> before_;     // the needs of the marked cases (track_changes_)
  large_vector<offering_index> handed_;  // per need: its offering in the flow's hand-out
  large_vector<score_t> handed_fit_;     // … and its fit there
  large_vector<offering_index> chosen_;  // per need: after the improvement step
  large_vector<score_t> chosen_fit_;     // … and its fit there
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

}  // namespace keten::detail
