// allocate()'s result: the assigned needs in case order, and the waitlist — needs that wait for
// capacity by priority with their queue places, then the needs nothing can cover with their
// reasons — built anew or updated where a warm re-solve reached (src/core/allocation_engine.hpp).
#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

#include "allocation_engine.hpp"

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

}  // namespace keten

namespace keten::detail {

namespace {

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

}  // namespace

/// result_ from scratch: assigned needs in case order; the waitlist: capacity_exhausted needs by
/// priority, highest first (ties in case order), then the others in case order. The waitlist's
/// order is kept between solves (waitlist_ holds only needs that can wait), so no solve sorts it.
void allocation_engine::build_result(std::span<const help_case> cases) {
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
void allocation_engine::update_result() {
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

}  // namespace keten::detail
