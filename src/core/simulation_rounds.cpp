// The referral rounds of the simulation (keten/simulation.hpp): the warm allocator, allocate()
// from scratch, or match() per case; referring needs, final outcomes, and the waiting list.
#include <algorithm>
#include <chrono>

#include "keten/error.hpp"
#include "simulation_engine.hpp"

namespace keten::detail::sim {

void engine::refer(std::size_t w, std::uint32_t need_position, offering_index o, double now) {
  waiting_meta& meta = meta_[w];
  need_record& r = records_[meta.needs[need_position]];
  offering_state& s = offerings_[o];
  s.touch(now);
  ++s.busy;
  s.dirty = true;
  const double length = unit_gamma_quantile(s.shape, r.variate) * s.duration + s.rest;
  schedule_completion(o, now + length);
  r.need.outcome = need_outcome::referred;
  r.need.referred = now - warmup_;
  r.need.offering = o;
  count_waiting(r, -1);
  meta.touched = true;
  if (measuring_) ++s.referrals;
  if (r.measured) {
    week_row& wr = row(week_of(now), r.local, land_.categories()[r.need.category].form);
    ++wr.referred;
    wr.wait_days += r.need.wait();
  }
  // Referrals between partners: the case's first partner hands it over to every other one.
  case_info& info = info_[meta.seq];
  const partner_index p = land_.partner_of(o);
  if (!info.entry) {
    info.entry = p;
  } else if (*info.entry != p &&
             std::find(info.counted.begin(), info.counted.end(), p) == info.counted.end()) {
    info.counted.push_back(p);
    if (measuring_) ++pair_counts_[(std::uint64_t{*info.entry} << 32) | p];
  }
}

void engine::final_outcome(std::uint32_t rec, need_outcome why, double now) {
  need_record& r = records_[rec];
  if (r.need.outcome != need_outcome::waiting) return;
  r.need.outcome = why;
  count_waiting(r, -1);
  if (r.measured) ++row(week_of(now), r.local, land_.categories()[r.need.category].form).unmet;
}

/// Drops the needs that left their case in this round, and the cases left without needs.
void engine::compact_waiting() {
  std::size_t out = 0;
  for (std::size_t w = 0; w < waiting_.size(); ++w) {
    waiting_meta& meta = meta_[w];
    if (meta.touched) {
      help_case& c = waiting_[w];
      std::size_t kept = 0;
      for (std::size_t i = 0; i < meta.needs.size(); ++i) {
        if (records_[meta.needs[i]].need.outcome != need_outcome::waiting) continue;
        if (kept != i) {
          c.needs[kept] = std::move(c.needs[i]);
          meta.needs[kept] = meta.needs[i];
        }
        ++kept;
      }
      c.needs.resize(kept);
      meta.needs.resize(kept);
      meta.touched = false;
      if (meta.in_allocator) {
        warm_->remove_case(c.id);
        meta.in_allocator = false;
      }
    }
    if (meta_[w].needs.empty()) {
      position_.erase(meta_[w].seq);
      continue;
    }
    if (out != w) {
      waiting_[out] = std::move(waiting_[w]);
      meta_[out] = std::move(meta_[w]);
      position_[meta_[out].seq] = out;
    }
    ++out;
  }
  waiting_.resize(out);
  meta_.resize(out);
}

void engine::round(double now) {
  const auto start = std::chrono::steady_clock::now();
  ++result_.rounds;
  if (policy_ != referral_policy::allocate && warm_) drop_warm();
  if (policy_ == referral_policy::match) {
    round_match(now);
  } else {
    round_allocate(now, policy_ == referral_policy::allocate);
  }
  compact_waiting();
  result_.round_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void engine::drop_warm() {
  warm_.reset();
  allocator_seq_.clear();
  allocator_needs_.clear();
  for (waiting_meta& m : meta_)
    m.in_allocator = false;
}

void engine::round_allocate(double now, bool warm) {
  // Warm: the allocator of the last round, told what changed (cases in and out, free units).
  // Cold: a new allocator (its first solve is allocate() from scratch) with every waiting case.
  std::unique_ptr<allocator> cold;
  std::vector<std::uint32_t> cold_seq;
  std::vector<std::vector<std::uint32_t>> cold_needs;
  if (warm && !warm_) {
    warm_ = std::make_unique<allocator>(land_, allocation_);
    for (offering_state& s : offerings_)
      s.dirty = true;
  }
  if (!warm) cold = std::make_unique<allocator>(land_, allocation_);
  allocator& a = warm ? *warm_ : *cold;
  std::vector<std::uint32_t>& seq_of = warm ? allocator_seq_ : cold_seq;
  std::vector<std::vector<std::uint32_t>>& needs_of = warm ? allocator_needs_ : cold_needs;
  std::vector<help_case> adding;
  std::vector<int> offsets;
  for (std::size_t w = 0; w < waiting_.size(); ++w) {
    if (warm && meta_[w].in_allocator) continue;
    adding.push_back(waiting_[w]);
    offsets.push_back(meta_[w].offset);
    seq_of.push_back(meta_[w].seq);
    needs_of.push_back(meta_[w].needs);
    if (warm) meta_[w].in_allocator = true;
  }
  a.add_cases(adding, offsets);
  for (std::size_t o = 0; o < offerings_.size(); ++o) {
    offering_state& s = offerings_[o];
    if (!warm || s.dirty) a.set_free_units(static_cast<offering_index>(o), s.free());
    if (warm) s.dirty = false;
  }
  const allocation& result = a.solve();
  const auto refer_need = [&](const need_ref& n, offering_index o) {
    const std::size_t w = position_.at(seq_of[n.case_index]);
    const std::uint32_t rec = needs_of[n.case_index][n.need_index];
    const auto at = std::find(meta_[w].needs.begin(), meta_[w].needs.end(), rec);
    refer(w, static_cast<std::uint32_t>(at - meta_[w].needs.begin()), o, now);
  };
  if (result.warm) {
    // Every need assigned before has left with its case: the changes with an offering after are
    // this round's referrals, found without reading the whole result.
    for (const need_change& x : result.changes)
      if (x.after) refer_need(x.need, *x.after);
  } else {
    for (const assigned_need& x : result.assigned)
      refer_need(x.need, x.offering);
  }
  // Needs nothing can cover are at the end of the waitlist (every such need is new: its case left
  // the allocator in the round it was found).
  for (auto it = result.unmet.rbegin(); it != result.unmet.rend(); ++it) {
    if (it->reason == unmet_reason::capacity_exhausted) break;
    const std::size_t w = position_.at(seq_of[it->need.case_index]);
    final_outcome(needs_of[it->need.case_index][it->need.need_index], outcome_of(it->reason), now);
    meta_[w].touched = true;
  }
}

/// match() per case in arrival order: the best of its top bundles whose offerings all have a free
/// unit for the needs they cover, else the best bundle's needs that still fit.
void engine::round_match(double now) {
  if (!match_land_) match_land_ = rebuild(land_, {}, {}, true);
  match_options m;
  m.top_k = 5;
  m.allow_waitlist = true;
  m.weights = allocation_.weights;
  m.collaboration = allocation_.collaboration;
  std::vector<std::int32_t> use(offerings_.size(), 0);
  for (std::size_t w = 0; w < waiting_.size(); ++w) {
    const help_case& c = waiting_[w];
    const match_result r = match(*match_land_, c, m);
    if (r.status == match_status::no_consent) {
      for (std::uint32_t rec : meta_[w].needs)
        final_outcome(rec, need_outcome::no_consent, now);
      meta_[w].touched = true;
      continue;
    }
    for (std::size_t i = 0; i < r.needs.size(); ++i)
      if (r.needs[i].candidates.empty()) {
        final_outcome(meta_[w].needs[i], outcome_of(*r.needs[i].uncoverable_because()), now);
        meta_[w].touched = true;
      }
    const auto fits = [&](const bundle& b) {
      for (std::size_t i = 0; i < b.assigned.size(); ++i)
        if (b.assigned[i]) ++use[*b.assigned[i]];
      bool ok = true;
      for (std::size_t i = 0; i < b.assigned.size(); ++i)
        if (b.assigned[i] && use[*b.assigned[i]] > offerings_[*b.assigned[i]].free()) ok = false;
      for (std::size_t i = 0; i < b.assigned.size(); ++i)
        if (b.assigned[i]) use[*b.assigned[i]] = 0;
      return ok;
    };
    const bundle* chosen = nullptr;
    for (const bundle& b : r.bundles)
      if (b.covered() > 0 && fits(b)) {
        chosen = &b;
        break;
      }
    if (chosen) {
      for (std::size_t i = 0; i < chosen->assigned.size(); ++i)
        if (chosen->assigned[i]) refer(w, static_cast<std::uint32_t>(i), *chosen->assigned[i], now);
    } else if (!r.bundles.empty()) {
      const bundle& b = r.bundles.front();
      for (std::size_t i = 0; i < b.assigned.size(); ++i)
        if (b.assigned[i] && offerings_[*b.assigned[i]].free() > 0)
          refer(w, static_cast<std::uint32_t>(i), *b.assigned[i], now);
    }
  }
}

}  // namespace keten::detail::sim
