// Stable matching (keten/stable.hpp): the compiled functions for stable_instance, the error
// messages of the generic core, and the referral policy allocate_stable().
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

namespace detail {

validation_error stable_problem(stable_issue what, std::size_t a, std::size_t b, std::int64_t c) {
  const auto resident = [](std::size_t r) { return fmt::format("resident {}", r); };
  const auto hospital = [](std::size_t h) { return fmt::format("hospital {}", h); };
  const auto error = [](error_code code, std::string message, const char* field,
                        std::string object_id) {
    return validation_error(code, std::move(message),
                            {.field = field, .object_id = std::move(object_id)});
  };
  switch (what) {
    case stable_issue::too_many_residents:
      return error(error_code::invalid_value, "too many residents", "resident_prefs", {});
    case stable_issue::too_many_hospitals:
      return error(error_code::invalid_value, "too many hospitals", "hospital_prefs", {});
    case stable_issue::capacity_count:
      return error(error_code::invalid_value, fmt::format("{} capacities for {} hospitals", a, b),
                   "capacities", {});
    case stable_issue::negative_capacity:
      return error(error_code::negative_value, fmt::format("capacity {} < 0", c), "capacities",
                   hospital(a));
    case stable_issue::unknown_hospital:
      return error(error_code::unknown_reference,
                   fmt::format("hospital {} is not one of the {} hospitals", b, c),
                   "resident_prefs", resident(a));
    case stable_issue::repeated_hospital:
      return error(error_code::duplicate_id, fmt::format("hospital {} is listed twice", b),
                   "resident_prefs", resident(a));
    case stable_issue::unknown_resident:
      return error(error_code::unknown_reference,
                   fmt::format("resident {} is not one of the {} residents", b, c),
                   "hospital_prefs", hospital(a));
    case stable_issue::repeated_resident:
      return error(error_code::duplicate_id, fmt::format("resident {} is listed twice", b),
                   "hospital_prefs", hospital(a));
    case stable_issue::matching_size:
      return error(error_code::invalid_value,
                   fmt::format("the matching has {} entries for {} residents", a, b), "matching",
                   {});
    case stable_issue::matched_unknown:
      return error(error_code::unknown_reference,
                   fmt::format("matched to hospital {}, of {}", b, c), "matching", resident(a));
    case stable_issue::matched_unacceptable:
      return error(error_code::invalid_value,
                   fmt::format("matched to hospital {}, which is not mutually acceptable", b),
                   "matching", resident(a));
    case stable_issue::matched_over_capacity:
      return error(error_code::invalid_value, fmt::format("more residents than its capacity {}", c),
                   "matching", hospital(a));
  }
  return error(error_code::invalid_value, "invalid stable matching instance", "", {});
}

}  // namespace detail

// The functions for stable_instance: its own check (one capacity per hospital), then the generic
// core of keten/detail/stable_match.hpp, instantiated here once.

void validate(const stable_instance& in) {
  using detail::stable_issue;
  if (in.resident_prefs.size() >= detail::stable_npos)
    throw detail::stable_problem(stable_issue::too_many_residents, 0);
  if (in.hospital_prefs.size() >= detail::stable_npos)
    throw detail::stable_problem(stable_issue::too_many_hospitals, 0);
  if (in.capacities.size() != in.hospital_prefs.size())
    throw detail::stable_problem(stable_issue::capacity_count, in.capacities.size(),
                                 in.hospital_prefs.size());
  detail::validate_preferences(in);
}

stable_matching stable_match(const stable_instance& instance, stable_side optimal) {
  validate(instance);
  const detail::stable_ranks rk = detail::rank_preferences(instance);
  return optimal == stable_side::residents ? detail::residents_propose(instance, rk)
                                           : detail::hospitals_propose(instance, rk);
}

void validate_matching(const stable_instance& instance,
                       std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const detail::stable_matching_check check =
      detail::check_matching(instance, detail::rank_preferences(instance), hospital_of);
  if (check.error) throw *check.error;
}

std::optional<blocking_pair> find_blocking_pair(
    const stable_instance& instance, std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const detail::stable_ranks rk = detail::rank_preferences(instance);
  const detail::stable_matching_check check = detail::check_matching(instance, rk, hospital_of);
  if (check.error) throw *check.error;
  return detail::first_blocking_pair(instance, rk, hospital_of, check.position);
}

bool is_stable(const stable_instance& instance,
               std::span<const std::optional<std::uint32_t>> hospital_of) {
  validate(instance);
  const detail::stable_ranks rk = detail::rank_preferences(instance);
  const detail::stable_matching_check check = detail::check_matching(instance, rk, hospital_of);
  return !check.error && !detail::first_blocking_pair(instance, rk, hospital_of, check.position);
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
  if (cases.size() >= detail::stable_npos)
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
