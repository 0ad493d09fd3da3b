// allocate()'s improvement step: needs moved to candidates with spare units where their case gains
// more complementarity and collaboration than fit is lost, and the bookkeeping of units those moves
// use (src/core/allocation_engine.hpp).
#include <algorithm>
#include <vector>

#include <boost/range/irange.hpp>

#include "allocation_engine.hpp"

namespace keten::detail {

/// used_: the units of each offering that chosen_ uses, from the flow on its arc to the sink and
/// the moves that stand (moved_ is compacted on the way).
void allocation_engine::count_used() {
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
void allocation_engine::drop_stale_moves() {
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
void allocation_engine::revert_moves(std::uint32_t ci) {
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
void allocation_engine::release_overflow() {
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
bool allocation_engine::improve_case(std::uint32_t ci) {
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
void allocation_engine::size_need_state(std::size_t n, bool fresh) {
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

template <class CaseIndices>
void allocation_engine::improve(const CaseIndices& cases) {
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

template void allocation_engine::improve(const boost::integer_range<std::uint32_t>&);
template void allocation_engine::improve(const std::vector<std::uint32_t>&);

}  // namespace keten::detail
