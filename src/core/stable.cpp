#include "keten/stable.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "keten/error.hpp"
#include "policy_terms.hpp"

namespace keten {

std::string_view to_string(stable_side s) noexcept {
  switch (s) {
    case stable_side::residents:
      return "residents";
    case stable_side::hospitals:
      return "hospitals";
  }
  return "?";
}

std::size_t stable_matching::matched() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(hospital_of.begin(), hospital_of.end(), [](const auto& h) { return h; }));
}

namespace {

constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

[[noreturn]] void bad(error_code code, std::string message, std::string field,
                      std::string object_id) {
  throw validation_error(code, std::move(message),
                         {.field = std::move(field), .object_id = std::move(object_id)});
}

std::string resident_name(std::size_t r) {
  return fmt::format("resident {}", r);
}
std::string hospital_name(std::size_t h) {
  return fmt::format("hospital {}", h);
}

/// The preference lists flattened, with each entry's rank on the other side's list.
struct ranked {
  std::vector<std::size_t> r_off;  // resident r's entries: [r_off[r], r_off[r + 1])
  std::vector<std::size_t> h_off;
  /// Per resident entry (r, k) → h: the rank of r on h's list, npos if h does not list r.
  std::vector<std::uint32_t> rank_at_hospital;
  /// Per hospital entry (h, j) → r: the rank of h on r's list, npos if r does not list h.
  std::vector<std::uint32_t> rank_at_resident;
};

/// O(L + R + H): the entries of resident lists are bucketed by hospital, then each hospital's
/// list is laid over a scratch array of positions.
ranked rank(const stable_instance& in) {
  const std::size_t residents = in.resident_prefs.size();
  const std::size_t hospitals = in.hospital_prefs.size();
  ranked out;
  out.r_off.assign(residents + 1, 0);
  for (std::size_t r = 0; r < residents; ++r)
    out.r_off[r + 1] = out.r_off[r] + in.resident_prefs[r].size();
  out.h_off.assign(hospitals + 1, 0);
  for (std::size_t h = 0; h < hospitals; ++h)
    out.h_off[h + 1] = out.h_off[h] + in.hospital_prefs[h].size();
  out.rank_at_hospital.assign(out.r_off[residents], npos);
  out.rank_at_resident.assign(out.h_off[hospitals], npos);

  // Counting sort of the resident entries by hospital.
  std::vector<std::size_t> start(hospitals + 1, 0);
  for (const auto& list : in.resident_prefs)
    for (std::uint32_t h : list)
      ++start[h + 1];
  for (std::size_t h = 0; h < hospitals; ++h)
    start[h + 1] += start[h];
  std::vector<std::uint32_t> entry_resident(out.r_off[residents]);
  std::vector<std::size_t> bucket(out.r_off[residents]);
  {
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t r = 0; r < residents; ++r)
      for (std::size_t k = 0; k < in.resident_prefs[r].size(); ++k) {
        const std::size_t e = out.r_off[r] + k;
        entry_resident[e] = static_cast<std::uint32_t>(r);
        bucket[fill[in.resident_prefs[r][k]]++] = e;
      }
  }
  std::vector<std::uint32_t> position(residents, npos);
  for (std::size_t h = 0; h < hospitals; ++h) {
    const auto& list = in.hospital_prefs[h];
    for (std::size_t j = 0; j < list.size(); ++j)
      position[list[j]] = static_cast<std::uint32_t>(j);
    for (std::size_t b = start[h]; b < start[h + 1]; ++b) {
      const std::size_t e = bucket[b];
      const std::uint32_t r = entry_resident[e];
      const std::uint32_t j = position[r];
      out.rank_at_hospital[e] = j;
      if (j != npos)
        out.rank_at_resident[out.h_off[h] + j] = static_cast<std::uint32_t>(e - out.r_off[r]);
    }
    for (std::uint32_t r : list)
      position[r] = npos;
  }
  return out;
}

/// residents_of from hospital_of, each in the hospital's order.
std::vector<std::vector<std::uint32_t>> residents_by_hospital(
    const stable_instance& in, std::span<const std::optional<std::uint32_t>> hospital_of) {
  std::vector<std::vector<std::uint32_t>> out(in.hospital_prefs.size());
  for (std::size_t h = 0; h < in.hospital_prefs.size(); ++h)
    for (std::uint32_t r : in.hospital_prefs[h])
      if (hospital_of[r] == h) out[h].push_back(r);
  return out;
}

stable_matching residents_propose(const stable_instance& in, const ranked& rk) {
  const std::size_t residents = in.resident_prefs.size();
  const std::size_t hospitals = in.hospital_prefs.size();
  stable_matching out;
  out.hospital_of.assign(residents, std::nullopt);
  std::vector<std::uint8_t> held(rk.h_off[hospitals], 0);  // per hospital entry
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::uint32_t> cutoff(hospitals, npos);  // rank of the worst held when full
  std::vector<std::size_t> next(residents, 0);
  std::vector<std::uint32_t> free;
  free.reserve(residents);
  for (std::size_t r = residents; r-- > 0;)
    free.push_back(static_cast<std::uint32_t>(r));
  while (!free.empty()) {
    const std::uint32_t r = free.back();
    free.pop_back();
    const auto& list = in.resident_prefs[r];
    while (next[r] < list.size()) {
      const std::size_t k = next[r]++;
      const std::uint32_t j = rk.rank_at_hospital[rk.r_off[r] + k];
      if (j == npos) continue;  // not mutually acceptable
      const std::uint32_t h = list[k];
      ++out.proposals;
      std::uint8_t* h_held = held.data() + rk.h_off[h];
      if (count[h] < in.capacities[h]) {
        h_held[j] = 1;
        out.hospital_of[r] = h;
        if (++count[h] == in.capacities[h]) {
          std::uint32_t c = static_cast<std::uint32_t>(in.hospital_prefs[h].size() - 1);
          while (!h_held[c])
            --c;
          cutoff[h] = c;
        }
        break;
      }
      if (in.capacities[h] > 0 && j < cutoff[h]) {
        const std::uint32_t worst = cutoff[h];
        const std::uint32_t evicted = in.hospital_prefs[h][worst];
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

stable_matching hospitals_propose(const stable_instance& in, const ranked& rk) {
  const std::size_t residents = in.resident_prefs.size();
  const std::size_t hospitals = in.hospital_prefs.size();
  stable_matching out;
  out.hospital_of.assign(residents, std::nullopt);
  std::vector<std::uint32_t> current(residents, npos);  // rank of the held hospital on r's list
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::size_t> next(hospitals, 0);
  std::vector<std::uint32_t> open;
  open.reserve(hospitals);
  for (std::size_t h = hospitals; h-- > 0;)
    open.push_back(static_cast<std::uint32_t>(h));
  while (!open.empty()) {
    const std::uint32_t h = open.back();
    open.pop_back();
    const auto& list = in.hospital_prefs[h];
    while (count[h] < in.capacities[h] && next[h] < list.size()) {
      const std::size_t j = next[h]++;
      const std::uint32_t k = rk.rank_at_resident[rk.h_off[h] + j];
      if (k == npos) continue;
      const std::uint32_t r = list[j];
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
struct matching_check {
  std::vector<std::uint32_t> position;
  std::optional<validation_error> error;
};

matching_check check_matching(const stable_instance& in, const ranked& rk,
                              std::span<const std::optional<std::uint32_t>> hospital_of) {
  matching_check out;
  const std::size_t residents = in.resident_prefs.size();
  const std::size_t hospitals = in.hospital_prefs.size();
  const auto fail = [&](error_code code, std::string message, std::string object_id) {
    out.error.emplace(code, std::move(message),
                      source_position{.field = "matching", .object_id = std::move(object_id)});
    return out;
  };
  if (hospital_of.size() != residents)
    return fail(
        error_code::invalid_value,
        fmt::format("the matching has {} entries for {} residents", hospital_of.size(), residents),
        {});
  out.position.assign(residents, npos);
  std::vector<std::int32_t> count(hospitals, 0);
  for (std::size_t r = 0; r < residents; ++r) {
    if (!hospital_of[r]) continue;
    const std::uint32_t h = *hospital_of[r];
    if (h >= hospitals)
      return fail(error_code::unknown_reference,
                  fmt::format("matched to hospital {}, of {}", h, hospitals), resident_name(r));
    const auto& list = in.resident_prefs[r];
    const auto it = std::find(list.begin(), list.end(), h);
    const auto k = static_cast<std::size_t>(it - list.begin());
    if (it == list.end() || rk.rank_at_hospital[rk.r_off[r] + k] == npos)
      return fail(error_code::invalid_value,
                  fmt::format("matched to hospital {}, which is not mutually acceptable", h),
                  resident_name(r));
    out.position[r] = static_cast<std::uint32_t>(k);
    if (++count[h] > in.capacities[h])
      return fail(error_code::invalid_value,
                  fmt::format("more residents than its capacity {}", in.capacities[h]),
                  hospital_name(h));
  }
  return out;
}

std::optional<blocking_pair> blocking(const stable_instance& in, const ranked& rk,
                                      std::span<const std::optional<std::uint32_t>> hospital_of,
                                      const std::vector<std::uint32_t>& position) {
  const std::size_t hospitals = in.hospital_prefs.size();
  std::vector<std::int32_t> count(hospitals, 0);
  std::vector<std::uint32_t> worst(hospitals, 0);  // rank of the worst resident held
  for (std::size_t r = 0; r < hospital_of.size(); ++r) {
    if (!hospital_of[r]) continue;
    const std::uint32_t h = *hospital_of[r];
    ++count[h];
    worst[h] = std::max(worst[h], rk.rank_at_hospital[rk.r_off[r] + position[r]]);
  }
  for (std::size_t r = 0; r < in.resident_prefs.size(); ++r) {
    const auto& list = in.resident_prefs[r];
    const std::size_t limit = hospital_of[r] ? position[r] : list.size();
    for (std::size_t k = 0; k < limit; ++k) {
      const std::uint32_t j = rk.rank_at_hospital[rk.r_off[r] + k];
      if (j == npos) continue;
      const std::uint32_t h = list[k];
      if (count[h] < in.capacities[h] || (count[h] > 0 && j < worst[h]))
        return blocking_pair{static_cast<std::uint32_t>(r), h};
    }
  }
  return std::nullopt;
}

}  // namespace

void validate(const stable_instance& in) {
  const std::size_t residents = in.resident_prefs.size();
  const std::size_t hospitals = in.hospital_prefs.size();
  if (residents >= npos) bad(error_code::invalid_value, "too many residents", "resident_prefs", {});
  if (hospitals >= npos) bad(error_code::invalid_value, "too many hospitals", "hospital_prefs", {});
  if (in.capacities.size() != hospitals)
    bad(error_code::invalid_value,
        fmt::format("{} capacities for {} hospitals", in.capacities.size(), hospitals),
        "capacities", {});
  for (std::size_t h = 0; h < hospitals; ++h)
    if (in.capacities[h] < 0)
      bad(error_code::negative_value, fmt::format("capacity {} < 0", in.capacities[h]),
          "capacities", hospital_name(h));
  // A stamp per index: the list (+1) that last named it, to find repeats in O(L).
  std::vector<std::size_t> seen(hospitals, 0);
  for (std::size_t r = 0; r < residents; ++r)
    for (std::uint32_t h : in.resident_prefs[r]) {
      if (h >= hospitals)
        bad(error_code::unknown_reference,
            fmt::format("hospital {} is not one of the {} hospitals", h, hospitals),
            "resident_prefs", resident_name(r));
      if (seen[h] == r + 1)
        bad(error_code::duplicate_id, fmt::format("hospital {} is listed twice", h),
            "resident_prefs", resident_name(r));
      seen[h] = r + 1;
    }
  seen.assign(residents, 0);
  for (std::size_t h = 0; h < hospitals; ++h)
    for (std::uint32_t r : in.hospital_prefs[h]) {
      if (r >= residents)
        bad(error_code::unknown_reference,
            fmt::format("resident {} is not one of the {} residents", r, residents),
            "hospital_prefs", hospital_name(h));
      if (seen[r] == h + 1)
        bad(error_code::duplicate_id, fmt::format("resident {} is listed twice", r),
            "hospital_prefs", hospital_name(h));
      seen[r] = h + 1;
    }
}

stable_matching stable_match(const stable_instance& instance, stable_side optimal) {
  validate(instance);
  const ranked rk = rank(instance);
  return optimal == stable_side::residents ? residents_propose(instance, rk)
                                           : hospitals_propose(instance, rk);
}

void validate_matching(const stable_instance& instance,
                       std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const matching_check check = check_matching(instance, rank(instance), hospital_of);
  if (check.error) throw *check.error;
}

std::optional<blocking_pair> find_blocking_pair(
    const stable_instance& instance, std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const ranked rk = rank(instance);
  const matching_check check = check_matching(instance, rk, hospital_of);
  if (check.error) throw *check.error;
  return blocking(instance, rk, hospital_of, check.position);
}

bool is_stable(const stable_instance& instance,
               std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const ranked rk = rank(instance);
  const matching_check check = check_matching(instance, rk, hospital_of);
  return !check.error && !blocking(instance, rk, hospital_of, check.position);
}

// --- the referral policy ----------------------------------------------------------------------

namespace {

void validate_policy(const stable_policy& p) {
  detail::validate_policy_weights(p.weights, p.waiting_day, "stable");
  if (p.optimal != stable_side::residents && p.optimal != stable_side::hospitals)
    throw validation_error(error_code::invalid_value, "optimal is residents or hospitals",
                           {.field = "optimal"});
}

/// How an offering ranks a need: higher priority, then closer, then longer waiting, then the order
/// of the cases and needs. Smaller is preferred.
struct volunteer_key {
  score_t priority{};
  double km{};
  int waited{};
  need_ref need;
  [[nodiscard]] bool operator<(const volunteer_key& b) const {
    if (priority != b.priority) return priority > b.priority;
    if (km != b.km) return km < b.km;
    if (waited != b.waited) return waited > b.waited;
    return need < b.need;
  }
};

struct need_extra {
  std::optional<unmet_reason> blocked;
  std::optional<offering_index> preferred;  // best fit, full or not
  double preferred_km{};
  int waited{};
};

struct built {
  stable_referral_instance referral;
  std::vector<need_extra> extra;  // per resident
};

built build(const landscape& l, std::span<const help_case> cases, const stable_policy& policy,
            std::span<const int> days_waiting) {
  validate_policy(policy);
  if (!days_waiting.empty() && days_waiting.size() != cases.size())
    throw validation_error(
        error_code::invalid_value,
        fmt::format("days_waiting has {} entries for {} cases", days_waiting.size(), cases.size()),
        {.field = "days_waiting"});
  if (cases.size() >= npos)
    throw validation_error(error_code::invalid_value, "too many cases", {.field = "cases"});
  built out;
  stable_referral_instance& ri = out.referral;
  const auto offerings = l.offerings();
  ri.instance.hospital_prefs.resize(offerings.size());
  ri.instance.capacities.resize(offerings.size());
  for (std::size_t o = 0; o < offerings.size(); ++o)
    ri.instance.capacities[o] = std::max(offerings[o].units.free_units, 0);

  // Each hospital's entries with their keys, sorted at the end.
  std::vector<std::vector<std::pair<volunteer_key, std::uint32_t>>> wanted(offerings.size());
  std::unordered_set<std::string_view> ids;
  match_options candidates_options;
  candidates_options.allow_waitlist = true;  // capacity is the matching's business
  struct option {
    offering_index o;
    score_t fit;
    double km;
  };
  const auto better = [&](const option& a, const option& b) {
    if (a.fit != b.fit) return a.fit > b.fit;
    return offerings[a.o].id < offerings[b.o].id;
  };
  std::vector<option> options;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const help_case& c = cases[ci];
    const int waited = days_waiting.empty() ? 0 : days_waiting[ci];
    if (waited < 0)
      throw validation_error(error_code::negative_value, "days waiting must be ≥ 0",
                             {.field = "days_waiting", .object_id = c.id});
    const std::vector<need_candidates> found = find_candidates(l, c, candidates_options);
    if (!ids.insert(c.id).second)
      throw validation_error(error_code::duplicate_id, "two cases have the same id",
                             {.field = "id", .object_id = c.id});
    for (std::size_t ni = 0; ni < c.needs.size(); ++ni) {
      const auto r = static_cast<std::uint32_t>(ri.needs.size());
      const need_ref ref{static_cast<std::uint32_t>(ci), static_cast<std::uint32_t>(ni)};
      const score_t priority =
          detail::need_priority(policy.weights, c.needs[ni], policy.waiting_day, waited);
      need_extra extra;
      extra.waited = waited;
      const need_candidates& nc = found[ni];
      options.clear();
      std::optional<option> best;
      for (offering_index o : nc.candidates) {
        const assignment_terms t = need_terms(l, c, ni, o, policy.weights);
        const option opt{o, t.distance + t.wait, t.distance_km};
        if (!best || better(opt, *best)) best = opt;
        if (offerings[o].units.free_units > 0) options.push_back(opt);
      }
      if (best) {
        extra.preferred = best->o;
        extra.preferred_km = best->km;
      }
      extra.blocked = detail::blocked_reason(c, nc);
      if (extra.blocked == unmet_reason::no_consent) options.clear();
      std::sort(options.begin(), options.end(), better);
      std::vector<std::uint32_t> prefs;
      std::vector<score_t> fits;
      prefs.reserve(options.size());
      fits.reserve(options.size());
      for (const option& opt : options) {
        prefs.push_back(opt.o);
        fits.push_back(opt.fit);
        wanted[opt.o].push_back({volunteer_key{priority, opt.km, waited, ref}, r});
      }
      ri.instance.resident_prefs.push_back(std::move(prefs));
      ri.fit.push_back(std::move(fits));
      ri.needs.push_back(ref);
      ri.priority.push_back(priority);
      out.extra.push_back(extra);
    }
  }
  for (std::size_t o = 0; o < offerings.size(); ++o) {
    auto& list = wanted[o];
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    auto& prefs = ri.instance.hospital_prefs[o];
    prefs.reserve(list.size());
    for (const auto& [key, r] : list)
      prefs.push_back(r);
  }
  return out;
}

}  // namespace

stable_referral_instance build_stable_instance(const landscape& l, std::span<const help_case> cases,
                                               const stable_policy& policy,
                                               std::span<const int> days_waiting) {
  return build(l, cases, policy, days_waiting).referral;
}

stable_allocation allocate_stable(const landscape& l, std::span<const help_case> cases,
                                  const stable_policy& policy, std::span<const int> days_waiting) {
  const built b = build(l, cases, policy, days_waiting);
  const stable_referral_instance& ri = b.referral;
  const stable_matching m = stable_match(ri.instance, policy.optimal);
  stable_allocation out;
  out.proposals = m.proposals;
  out.used_units.assign(l.offerings().size(), 0);
  for (std::size_t o = 0; o < m.residents_of.size(); ++o)
    out.used_units[o] = static_cast<std::int32_t>(m.residents_of[o].size());
  for (std::size_t r = 0; r < ri.needs.size(); ++r) {
    const need_extra& extra = b.extra[r];
    if (m.hospital_of[r]) {
      const std::uint32_t o = *m.hospital_of[r];
      const auto& prefs = ri.instance.resident_prefs[r];
      const auto k =
          static_cast<std::size_t>(std::find(prefs.begin(), prefs.end(), o) - prefs.begin());
      out.assigned.push_back({ri.needs[r], o, ri.priority[r], ri.fit[r][k]});
      out.objective += ri.priority[r] + ri.fit[r][k];
    } else {
      unmet_need u;
      u.need = ri.needs[r];
      u.priority = ri.priority[r];
      u.reason = extra.blocked.value_or(unmet_reason::capacity_exhausted);
      if (u.reason == unmet_reason::capacity_exhausted) u.waiting_for = extra.preferred;
      out.unmet.push_back(u);
    }
  }
  // Queue places: among the unmet needs waiting for one offering, in that offering's order.
  {
    std::vector<std::size_t> flat(cases.size() + 1, 0);
    for (std::size_t ci = 0; ci < cases.size(); ++ci)
      flat[ci + 1] = flat[ci] + cases[ci].needs.size();
    std::vector<std::pair<offering_index, volunteer_key>> queue;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < out.unmet.size(); ++i) {
      const unmet_need& u = out.unmet[i];
      if (!u.waiting_for) continue;
      const std::size_t r = flat[u.need.case_index] + u.need.need_index;
      queue.push_back({*u.waiting_for, volunteer_key{u.priority, b.extra[r].preferred_km,
                                                     b.extra[r].waited, u.need}});
      which.push_back(i);
    }
    std::vector<std::size_t> order(queue.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) {
      if (queue[a].first != queue[c].first) return queue[a].first < queue[c].first;
      return queue[a].second < queue[c].second;
    });
    std::size_t place = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      place = i > 0 && queue[order[i]].first == queue[order[i - 1]].first ? place + 1 : 1;
      out.unmet[which[order[i]]].queue_position = place;
    }
  }
  std::stable_sort(out.unmet.begin(), out.unmet.end(),
                   [](const unmet_need& a, const unmet_need& c) {
                     const bool wa = a.reason == unmet_reason::capacity_exhausted;
                     const bool wc = c.reason == unmet_reason::capacity_exhausted;
                     if (wa != wc) return wa;
                     if (wa && a.priority != c.priority) return a.priority > c.priority;
                     return a.need < c.need;
                   });
  return out;
}

}  // namespace keten
