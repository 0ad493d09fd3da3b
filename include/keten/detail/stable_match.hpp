// keten/detail/stable_match.hpp — deferred acceptance and the stability checker over any
// preference_source (the templates behind stable_match(), find_blocking_pair(), … in stable.hpp).
//
// Included at the end of keten/stable.hpp, which declares what is defined here; include that.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <ranges>
#include <span>
#include <vector>

#include "keten/error.hpp"

namespace keten::detail {

inline constexpr std::uint32_t stable_npos = std::numeric_limits<std::uint32_t>::max();

/// What validate() and the matching check refuse, for stable_problem().
enum class stable_issue {
  too_many_residents,     //
  too_many_hospitals,     //
  capacity_count,         // a: capacities given, b: hospitals
  negative_capacity,      // a: the hospital, c: its capacity
  unknown_hospital,       // a: the resident, b: the hospital named, c: hospitals
  repeated_hospital,      // a: the resident, b: the hospital
  unknown_resident,       // a: the hospital, b: the resident named, c: residents
  repeated_resident,      // a: the hospital, b: the resident
  matching_size,          // a: entries, b: residents
  matched_unknown,        // a: the resident, b: the hospital, c: hospitals
  matched_unacceptable,   // a: the resident, b: the hospital
  matched_over_capacity,  // a: the hospital, c: its capacity
};

/// The validation_error for `what` (compiled: src/core/stable.cpp), with the messages, fields and
/// object ids ("resident 3", "hospital 0") documented in keten/stable.hpp.
[[nodiscard]] validation_error stable_problem(stable_issue what, std::size_t a, std::size_t b = 0,
                                              std::int64_t c = 0);

/// Hospital h's capacity.
template <preference_source P>
[[nodiscard]] std::int32_t capacity_of(const P& in, std::uint32_t h) {
  return static_cast<std::int32_t>(in.capacity(h));
}

/// Entry k of a preference list, and its length.
template <class List>
[[nodiscard]] std::uint32_t pref_at(const List& list, std::size_t k) {
  return static_cast<std::uint32_t>(std::ranges::begin(list)[static_cast<std::ptrdiff_t>(k)]);
}
template <class List>
[[nodiscard]] std::size_t pref_size(const List& list) {
  return static_cast<std::size_t>(std::ranges::size(list));
}

/// The preference lists flattened, with each entry's rank on the other side's list.
struct stable_ranks {
  std::vector<std::size_t> r_off;  // resident r's entries: [r_off[r], r_off[r + 1])
  std::vector<std::size_t> h_off;
  /// Per resident entry (r, k) → h: the rank of r on h's list, npos if h does not list r.
  std::vector<std::uint32_t> rank_at_hospital;
  /// Per hospital entry (h, j) → r: the rank of h on r's list, npos if r does not list h.
  std::vector<std::uint32_t> rank_at_resident;
};

/// Checks the lists of a source (known indices, no repeats, capacities ≥ 0). O(L + R + H).
template <preference_source P>
void validate_preferences(const P& in) {
  const std::size_t residents = in.resident_count();
  const std::size_t hospitals = in.hospital_count();
  if (residents >= stable_npos) throw stable_problem(stable_issue::too_many_residents, 0);
  if (hospitals >= stable_npos) throw stable_problem(stable_issue::too_many_hospitals, 0);
  for (std::size_t h = 0; h < hospitals; ++h) {
    const std::int32_t c = capacity_of(in, static_cast<std::uint32_t>(h));
    if (c < 0) throw stable_problem(stable_issue::negative_capacity, h, 0, c);
  }
  // A stamp per index: the list (+1) that last named it, to find repeats in O(L).
  std::vector<std::size_t> seen(hospitals, 0);
  for (std::size_t r = 0; r < residents; ++r) {
    auto&& list = in.resident_preferences(static_cast<std::uint32_t>(r));
    for (std::size_t k = 0; k < pref_size(list); ++k) {
      const std::uint32_t h = pref_at(list, k);
      if (h >= hospitals) throw stable_problem(stable_issue::unknown_hospital, r, h, hospitals);
      if (seen[h] == r + 1) throw stable_problem(stable_issue::repeated_hospital, r, h);
      seen[h] = r + 1;
    }
  }
  seen.assign(residents, 0);
  for (std::size_t h = 0; h < hospitals; ++h) {
    auto&& list = in.hospital_preferences(static_cast<std::uint32_t>(h));
    for (std::size_t j = 0; j < pref_size(list); ++j) {
      const std::uint32_t r = pref_at(list, j);
      if (r >= residents) throw stable_problem(stable_issue::unknown_resident, h, r, residents);
      if (seen[r] == h + 1) throw stable_problem(stable_issue::repeated_resident, h, r);
      seen[r] = h + 1;
    }
  }
}

/// O(L + R + H): the entries of resident lists are bucketed by hospital, then each hospital's
/// list is laid over a scratch array of positions.
template <preference_source P>
stable_ranks rank_preferences(const P& in) {
  const std::size_t residents = in.resident_count();
  const std::size_t hospitals = in.hospital_count();
  stable_ranks out;
  out.r_off.assign(residents + 1, 0);
  for (std::size_t r = 0; r < residents; ++r)
    out.r_off[r + 1] =
        out.r_off[r] + pref_size(in.resident_preferences(static_cast<std::uint32_t>(r)));
  out.h_off.assign(hospitals + 1, 0);
  for (std::size_t h = 0; h < hospitals; ++h)
    out.h_off[h + 1] =
        out.h_off[h] + pref_size(in.hospital_preferences(static_cast<std::uint32_t>(h)));
  out.rank_at_hospital.assign(out.r_off[residents], stable_npos);
  out.rank_at_resident.assign(out.h_off[hospitals], stable_npos);

  // Counting sort of the resident entries by hospital.
  std::vector<std::size_t> start(hospitals + 1, 0);
  for (std::size_t r = 0; r < residents; ++r) {
    auto&& list = in.resident_preferences(static_cast<std::uint32_t>(r));
    for (std::size_t k = 0; k < pref_size(list); ++k)
      ++start[pref_at(list, k) + 1];
  }
  for (std::size_t h = 0; h < hospitals; ++h)
    start[h + 1] += start[h];
  std::vector<std::uint32_t> entry_resident(out.r_off[residents]);
  std::vector<std::size_t> bucket(out.r_off[residents]);
  {
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t r = 0; r < residents; ++r) {
      auto&& list = in.resident_preferences(static_cast<std::uint32_t>(r));
      for (std::size_t k = 0; k < pref_size(list); ++k) {
        const std::size_t e = out.r_off[r] + k;
        entry_resident[e] = static_cast<std::uint32_t>(r);
        bucket[fill[pref_at(list, k)]++] = e;
      }
    }
  }
  std::vector<std::uint32_t> position(residents, stable_npos);
  for (std::size_t h = 0; h < hospitals; ++h) {
    auto&& list = in.hospital_preferences(static_cast<std::uint32_t>(h));
    const std::size_t length = pref_size(list);
    for (std::size_t j = 0; j < length; ++j)
      position[pref_at(list, j)] = static_cast<std::uint32_t>(j);
    for (std::size_t b = start[h]; b < start[h + 1]; ++b) {
      const std::size_t e = bucket[b];
      const std::uint32_t r = entry_resident[e];
      const std::uint32_t j = position[r];
      out.rank_at_hospital[e] = j;
      if (j != stable_npos)
        out.rank_at_resident[out.h_off[h] + j] = static_cast<std::uint32_t>(e - out.r_off[r]);
    }
    for (std::size_t j = 0; j < length; ++j)
      position[pref_at(list, j)] = stable_npos;
  }
  return out;
}

/// residents_of from hospital_of, each in the hospital's order.
template <preference_source P>
std::vector<std::vector<std::uint32_t>> residents_by_hospital(
    const P& in, std::span<const std::optional<std::uint32_t>> hospital_of) {
  const std::size_t hospitals = in.hospital_count();
  std::vector<std::vector<std::uint32_t>> out(hospitals);
  for (std::size_t h = 0; h < hospitals; ++h) {
    auto&& list = in.hospital_preferences(static_cast<std::uint32_t>(h));
    for (std::size_t j = 0; j < pref_size(list); ++j) {
      const std::uint32_t r = pref_at(list, j);
      if (hospital_of[r] == h) out[h].push_back(r);
    }
  }
  return out;
}

template <preference_source P>
stable_matching residents_propose(const P& in, const stable_ranks& rk) {
  const std::size_t residents = in.resident_count();
  const std::size_t hospitals = in.hospital_count();
  stable_matching out;
  out.hospital_of.assign(residents, std::nullopt);
  std::vector<std::uint8_t> held(rk.h_off[hospitals], 0);  // per hospital entry
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::uint32_t> cutoff(hospitals, stable_npos);  // rank of the worst held when full
  std::vector<std::size_t> next(residents, 0);
  std::vector<std::uint32_t> free;
  free.reserve(residents);
  for (std::size_t r = residents; r-- > 0;)
    free.push_back(static_cast<std::uint32_t>(r));
  while (!free.empty()) {
    const std::uint32_t r = free.back();
    free.pop_back();
    auto&& list = in.resident_preferences(r);
    const std::size_t length = pref_size(list);
    while (next[r] < length) {
      const std::size_t k = next[r]++;
      const std::uint32_t j = rk.rank_at_hospital[rk.r_off[r] + k];
      if (j == stable_npos) continue;  // not mutually acceptable
      const std::uint32_t h = pref_at(list, k);
      const std::int32_t capacity = capacity_of(in, h);
      ++out.proposals;
      std::uint8_t* h_held = held.data() + rk.h_off[h];
      if (count[h] < capacity) {
        h_held[j] = 1;
        out.hospital_of[r] = h;
        if (++count[h] == capacity) {
          auto c = static_cast<std::uint32_t>(rk.h_off[h + 1] - rk.h_off[h] - 1);
          while (!h_held[c])
            --c;
          cutoff[h] = c;
        }
        break;
      }
      if (capacity > 0 && j < cutoff[h]) {
        const std::uint32_t worst = cutoff[h];
        const std::uint32_t evicted = pref_at(in.hospital_preferences(h), worst);
        h_held[worst] = 0;
        h_held[j] = 1;
        out.hospital_of[evicted].reset();
        free.push_back(evicted);
        out.hospital_of[r] = h;
        std::uint32_t c = worst - 1;
        while (!h_held[c])
          --c;
        cutoff[h] = c;
        break;
      }
    }
  }
  out.residents_of = residents_by_hospital(in, out.hospital_of);
  return out;
}

template <preference_source P>
stable_matching hospitals_propose(const P& in, const stable_ranks& rk) {
  const std::size_t residents = in.resident_count();
  const std::size_t hospitals = in.hospital_count();
  stable_matching out;
  out.hospital_of.assign(residents, std::nullopt);
  std::vector<std::uint32_t> current(residents, stable_npos);  // rank of the held one on r's list
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::size_t> next(hospitals, 0);
  std::vector<std::uint32_t> open;
  open.reserve(hospitals);
  for (std::size_t h = hospitals; h-- > 0;)
    open.push_back(static_cast<std::uint32_t>(h));
  while (!open.empty()) {
    const std::uint32_t h = open.back();
    open.pop_back();
    auto&& list = in.hospital_preferences(h);
    const std::size_t length = pref_size(list);
    const std::int32_t capacity = capacity_of(in, h);
    while (count[h] < capacity && next[h] < length) {
      const std::size_t j = next[h]++;
      const std::uint32_t k = rk.rank_at_resident[rk.h_off[h] + j];
      if (k == stable_npos) continue;
      const std::uint32_t r = pref_at(list, j);
      ++out.proposals;
      if (k >= current[r]) continue;  // r holds a hospital it prefers
      if (out.hospital_of[r]) {
        const std::uint32_t old = *out.hospital_of[r];
        --count[old];
        open.push_back(old);
      }
      current[r] = k;
      out.hospital_of[r] = h;
      ++count[h];
    }
  }
  out.residents_of = residents_by_hospital(in, out.hospital_of);
  return out;
}

/// The position on r's list of its hospital, per resident (npos if unmatched), after checking that
/// hospital_of is a matching; or the error.
struct stable_matching_check {
  std::vector<std::uint32_t> position;
  std::optional<validation_error> error;
};

template <preference_source P>
stable_matching_check check_matching(const P& in, const stable_ranks& rk,
                                     std::span<const std::optional<std::uint32_t>> hospital_of) {
  stable_matching_check out;
  const std::size_t residents = in.resident_count();
  const std::size_t hospitals = in.hospital_count();
  if (hospital_of.size() != residents) {
    out.error = stable_problem(stable_issue::matching_size, hospital_of.size(), residents);
    return out;
  }
  out.position.assign(residents, stable_npos);
  std::vector<std::int32_t> count(hospitals, 0);
  for (std::size_t r = 0; r < residents; ++r) {
    if (!hospital_of[r]) continue;
    const std::uint32_t h = *hospital_of[r];
    if (h >= hospitals) {
      out.error = stable_problem(stable_issue::matched_unknown, r, h, hospitals);
      return out;
    }
    auto&& list = in.resident_preferences(static_cast<std::uint32_t>(r));
    const std::size_t length = pref_size(list);
    std::size_t k = 0;
    while (k < length && pref_at(list, k) != h)
      ++k;
    if (k == length || rk.rank_at_hospital[rk.r_off[r] + k] == stable_npos) {
      out.error = stable_problem(stable_issue::matched_unacceptable, r, h);
      return out;
    }
    out.position[r] = static_cast<std::uint32_t>(k);
    if (++count[h] > capacity_of(in, h)) {
      out.error = stable_problem(stable_issue::matched_over_capacity, h, 0, capacity_of(in, h));
      return out;
    }
  }
  return out;
}

template <preference_source P>
std::optional<blocking_pair> first_blocking_pair(
    const P& in, const stable_ranks& rk, std::span<const std::optional<std::uint32_t>> hospital_of,
    const std::vector<std::uint32_t>& position) {
  const std::size_t hospitals = in.hospital_count();
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::uint32_t> worst(hospitals, 0);  // rank of the worst resident held
  for (std::size_t r = 0; r < hospital_of.size(); ++r) {
    if (!hospital_of[r]) continue;
    const std::uint32_t h = *hospital_of[r];
    ++count[h];
    worst[h] = std::max(worst[h], rk.rank_at_hospital[rk.r_off[r] + position[r]]);
  }
  for (std::size_t r = 0; r < in.resident_count(); ++r) {
    auto&& list = in.resident_preferences(static_cast<std::uint32_t>(r));
    const std::size_t limit = hospital_of[r] ? position[r] : pref_size(list);
    for (std::size_t k = 0; k < limit; ++k) {
      const std::uint32_t j = rk.rank_at_hospital[rk.r_off[r] + k];
      if (j == stable_npos) continue;
      const std::uint32_t h = pref_at(list, k);
      if (count[h] < capacity_of(in, h) || (count[h] > 0 && j < worst[h]))
        return blocking_pair{static_cast<std::uint32_t>(r), h};
    }
  }
  return std::nullopt;
}

}  // namespace keten::detail

namespace keten {

template <preference_source P>
void validate(const P& source) {
  detail::validate_preferences(source);
}

template <preference_source P>
stable_matching stable_match(const P& source, stable_side optimal) {
  detail::validate_preferences(source);
  const detail::stable_ranks rk = detail::rank_preferences(source);
  return optimal == stable_side::residents ? detail::residents_propose(source, rk)
                                           : detail::hospitals_propose(source, rk);
}

template <preference_source P>
void validate_matching(const P& source, std::span<const std::optional<std::uint32_t>> hospital_of) {
  detail::validate_preferences(source);
  const detail::stable_matching_check check =
      detail::check_matching(source, detail::rank_preferences(source), hospital_of);
  if (check.error) throw *check.error;
}

template <preference_source P>
std::optional<blocking_pair> find_blocking_pair(
    const P& source, std::span<const std::optional<std::uint32_t>> hospital_of) {
  detail::validate_preferences(source);
  const detail::stable_ranks rk = detail::rank_preferences(source);
  const detail::stable_matching_check check = detail::check_matching(source, rk, hospital_of);
  if (check.error) throw *check.error;
  return detail::first_blocking_pair(source, rk, hospital_of, check.position);
}

template <preference_source P>
bool is_stable(const P& source, std::span<const std::optional<std::uint32_t>> hospital_of) {
  detail::validate_preferences(source);
  const detail::stable_ranks rk = detail::rank_preferences(source);
  const detail::stable_matching_check check = detail::check_matching(source, rk, hospital_of);
  return !check.error && !detail::first_blocking_pair(source, rk, hospital_of, check.position);
}

}  // namespace keten
