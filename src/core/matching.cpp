// One case's best bundles (keten/matching.hpp): candidates per need with the reasons others are
// left out, the exact branch-and-bound search, match_exhaustive (the oracle), and the reasons.
#include "keten/matching.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "keten/error.hpp"
#include "policy_terms.hpp"

namespace keten {

std::string_view to_string(rejection r) noexcept {
  constexpr std::array<std::string_view, 4> names{"out_of_area", "excluded", "not_eligible",
                                                  "no_capacity"};
  return names[static_cast<std::size_t>(r)];
}

std::string_view to_string(match_status s) noexcept {
  return s == match_status::ok ? "ok" : "no_consent";
}

std::optional<rejection> need_candidates::uncoverable_because() const noexcept {
  if (!candidates.empty()) return std::nullopt;
  for (rejection r : {rejection::excluded, rejection::not_eligible, rejection::no_capacity})
    for (const rejected_offering& o : rejected)
      if (o.reason == r) return r;
  return rejection::out_of_area;
}

std::size_t bundle::covered() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(assigned.begin(), assigned.end(), [](const auto& a) { return a.has_value(); }));
}

namespace {
/// The number of distinct partners in an assignment.
std::size_t partners_in(const landscape& l,
                        std::span<const std::optional<offering_index>> assigned) {
  std::vector<partner_index> partners;
  for (const auto& a : assigned)
    if (a) partners.push_back(l.partner_of(*a));
  std::sort(partners.begin(), partners.end());
  return static_cast<std::size_t>(std::unique(partners.begin(), partners.end()) - partners.begin());
}
}  // namespace

std::size_t bundle::partner_count(const landscape& l) const {
  return partners_in(l, assigned);
}

namespace {

void validate_options(const match_options& o) {
  const auto fail = [](std::string field, std::string message) {
    throw validation_error(error_code::invalid_value, std::move(message),
                           {.field = std::move(field)});
  };
  if (o.top_k == 0) fail("top_k", "top_k must be at least 1");
  if (o.max_partners == 0) fail("max_partners", "max_partners must be at least 1");
  const match_weights& w = o.weights;
  const std::array<std::pair<const char*, double>, 10> weights{
      {{"cover", w.cover},
       {"distance", w.distance},
       {"distance_scale_km", w.distance_scale_km},
       {"wait", w.wait},
       {"wait_scale_days", w.wait_scale_days},
       {"free_capacity", w.free_capacity},
       {"waitlist", w.waitlist},
       {"complementarity", w.complementarity},
       {"collaboration", w.collaboration},
       {"extra_partner", w.extra_partner}}};
  for (const auto& [name, value] : weights)
    if (!std::isfinite(value) || value < 0.0 || value > 1e9)
      fail(fmt::format("weights.{}", name), "a weight is a finite number in [0, 1e9]");
  if (w.distance_scale_km <= 0.0)
    fail("weights.distance_scale_km", "the distance scale must be positive");
  if (w.wait_scale_days <= 0.0) fail("weights.wait_scale_days", "the wait scale must be positive");
}

bool excluded(const help_case& c, const partner& p) {
  return std::find(c.excluded_partners.begin(), c.excluded_partners.end(), p.id) !=
         c.excluded_partners.end();
}

score_t cover_of(const help_case& c, std::size_t need, const match_weights& w) {
  const keten::need& n = c.needs[need];
  return to_score(w.cover * n.weight * n.urgency);
}

/// The fit of an offering for the case (distance, wait, capacity); cover is left 0.
assignment_terms fit_of(const landscape& l, const help_case& c, offering_index o,
                        const match_weights& w) {
  const capacity& units = l.offerings()[o].units;
  assignment_terms t;
  t.distance_km = l.service_distance_km(o, c.location);
  t.distance = detail::distance_points(t.distance_km, w);
  t.wait = detail::wait_points(units, w);
  if (units.free_units > 0)
    t.capacity = to_score(w.free_capacity * units.free_units / units.units_per_period);
  else
    t.capacity = -to_score(w.waitlist);
  return t;
}

assignment_terms terms_of(const landscape& l, const help_case& c, std::size_t need,
                          offering_index o, const match_weights& w) {
  assignment_terms t = fit_of(l, c, o, w);
  t.cover = cover_of(c, need, w);
  return t;
}

/// The pairwise complementarity score of needs i and j when they are on different offerings.
score_t pair_score(const landscape& l, const help_case& c, std::size_t i, std::size_t j,
                   const match_weights& w) {
  return detail::pair_complementarity(l, l.categories().index_of(c.needs[i].category),
                                      l.categories().index_of(c.needs[j].category), w);
}

score_t collaboration_score(const match_options& o, partner_index p, partner_index q) {
  return o.collaboration ? to_score(o.weights.collaboration * o.collaboration->get(p, q)) : 0;
}

/// Everything a search needs about one case: per need, its options in id order with the
/// "not covered" option last; pairwise scores.
struct problem {
  struct option {
    std::optional<offering_index> offering;
    partner_index partner{};
    score_t cover{};  // of the need
    score_t fit{};    // of the offering, counted once per bundle
  };
  std::vector<std::vector<option>> options;  // per need
  std::vector<score_t> pairs;                // n × n
  std::size_t n{};
  const collaboration_strengths* collaboration{};
  double extra_partner_points{};
  double collaboration_points{};

  /// The extra-partner term of a bundle with `partners` partners (one rounded term).
  [[nodiscard]] score_t extra_partners(std::size_t partners) const {
    return partners > 1 ? -to_score(extra_partner_points * static_cast<double>(partners - 1)) : 0;
  }

  [[nodiscard]] score_t collaboration_score(partner_index a, partner_index b) const {
    return collaboration ? to_score(collaboration_points * collaboration->get(a, b)) : 0;
  }
  /// The score of a complete choice from the tables (the search sums the same terms step by step;
  /// score_assignment() computes it from scratch).
  [[nodiscard]] score_t score_of(const std::vector<std::uint32_t>& choice) const {
    score_t total = 0;
    std::vector<partner_index> partners;
    for (std::size_t i = 0; i < n; ++i) {
      const option& a = options[i][choice[i]];
      if (!a.offering) continue;
      total += a.cover;
      bool first_use = true;
      for (std::size_t j = 0; j < n; ++j) {
        const option& b = options[j][choice[j]];
        if (!b.offering || j == i) continue;
        if (*b.offering != *a.offering) {
          if (j > i) total += pairs[i * n + j];
        } else if (j < i) {
          first_use = false;
        }
      }
      if (first_use) total += a.fit;
      if (std::find(partners.begin(), partners.end(), a.partner) == partners.end())
        partners.push_back(a.partner);
    }
    for (std::size_t a = 0; a < partners.size(); ++a)
      for (std::size_t b = a + 1; b < partners.size(); ++b)
        total += collaboration_score(partners[a], partners[b]);
    total += extra_partners(partners.size());
    return total;
  }
  [[nodiscard]] std::size_t partner_count(const std::vector<std::uint32_t>& choice) const {
    std::vector<partner_index> partners;
    for (std::size_t i = 0; i < n; ++i)
      if (const option& a = options[i][choice[i]]; a.offering) partners.push_back(a.partner);
    std::sort(partners.begin(), partners.end());
    return static_cast<std::size_t>(std::unique(partners.begin(), partners.end()) -
                                    partners.begin());
  }
};

problem prepare(const landscape& l, const help_case& c, const std::vector<need_candidates>& needs,
                const match_options& o) {
  problem p;
  p.n = c.needs.size();
  p.options.resize(p.n);
  for (std::size_t i = 0; i < p.n; ++i) {
    const score_t cover = cover_of(c, i, o.weights);
    for (offering_index off : needs[i].candidates) {
      const assignment_terms fit = fit_of(l, c, off, o.weights);
      p.options[i].push_back({off, l.partner_of(off), cover, fit.total()});
    }
    p.options[i].push_back({std::nullopt, 0, 0, 0});
  }
  std::vector<category_index> categories(p.n);
  for (std::size_t i = 0; i < p.n; ++i)
    categories[i] = l.categories().index_of(c.needs[i].category);
  p.pairs.assign(p.n * p.n, 0);
  for (std::size_t i = 0; i < p.n; ++i)
    for (std::size_t j = i + 1; j < p.n; ++j)
      p.pairs[i * p.n + j] = p.pairs[j * p.n + i] =
          to_score(o.weights.complementarity * l.complement_weight(categories[i], categories[j]));
  p.collaboration = o.collaboration;
  p.collaboration_points = o.weights.collaboration;
  p.extra_partner_points = o.weights.extra_partner;
  return p;
}

/// A complete assignment: option index per need (in the case's need order) and its score.
struct ranked {
  score_t score{};
  std::vector<std::uint32_t> choice;
};
/// Better: higher score, then smaller option indexes need by need (ids ascending, "not covered"
/// last).
bool better(const ranked& a, const ranked& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.choice < b.choice;
}

std::vector<std::optional<offering_index>> assignment_of(const problem& p,
                                                         const std::vector<std::uint32_t>& choice) {
  std::vector<std::optional<offering_index>> out(p.n);
  for (std::size_t i = 0; i < p.n; ++i)
    out[i] = p.options[i][choice[i]].offering;
  return out;
}

/// Keeps the best k, best first.
class top_list {
 public:
  explicit top_list(std::size_t k) : k_(k) {}
  [[nodiscard]] bool full() const { return items_.size() >= k_; }
  [[nodiscard]] score_t worst_score() const { return items_.back().score; }
  void offer(ranked r) {
    if (full() && !better(r, items_.back())) return;
    const auto at = std::upper_bound(items_.begin(), items_.end(), r, better);
    items_.insert(at, std::move(r));
    if (items_.size() > k_) items_.pop_back();
  }
  std::vector<ranked>& items() { return items_; }

 private:
  std::size_t k_;
  std::vector<ranked> items_;
};

/// Branch and bound over the needs, fewest options first.
class searcher {
 public:
  searcher(const problem& p, const match_options& o) : p_(p), o_(o), best_(o.top_k) {
    order_.resize(p.n);
    for (std::size_t i = 0; i < p.n; ++i)
      order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      return p.options[a].size() < p.options[b].size();
    });
    // Optimistic rest from depth d on: per later need its best cover plus a positive fit (a fit is
    // paid once per offering, so it may also be 0), every pair that involves a later need, and
    // (separately) collaboration for the partners still to come.
    unary_rest_.assign(p.n + 1, 0);
    pair_rest_.assign(p.n + 1, 0);
    for (std::size_t d = p.n; d-- > 0;) {
      const std::size_t i = order_[d];
      score_t best = 0;
      for (const auto& opt : p.options[i])
        best = std::max(best, opt.cover + std::max<score_t>(0, opt.fit));
      unary_rest_[d] = unary_rest_[d + 1] + best;
      score_t pairs = 0;
      for (std::size_t e = 0; e < d; ++e)
        pairs += p.pairs[i * p.n + order_[e]];
      pair_rest_[d] = pair_rest_[d + 1] + pairs;
    }
    collab_max_ = o.collaboration ? to_score(o.weights.collaboration * o.collaboration->max()) : 0;
    choice_.assign(p.n, 0);
  }

  std::vector<ranked> run() {
    descend(0, 0);
    return std::move(best_.items());
  }

 private:
  score_t collaboration_bound(std::size_t depth) const {
    if (collab_max_ == 0) return 0;
    const std::size_t now = partners_.size();
    const std::size_t most = std::min(o_.max_partners, now + (p_.n - depth));
    return collab_max_ * static_cast<score_t>(most * (most - (most > 0 ? 1 : 0)) / 2 -
                                              now * (now - (now > 0 ? 1 : 0)) / 2);
  }

  void descend(std::size_t depth, score_t score) {
    if (depth == p_.n) {
      if (!partners_.empty()) best_.offer({score, choice_});  // a bundle covers at least one need
      return;
    }
    if (best_.full() &&
        score + unary_rest_[depth] + pair_rest_[depth] + collaboration_bound(depth) <
            best_.worst_score())
      return;
    const std::size_t i = order_[depth];
    const auto& options = p_.options[i];
    for (std::uint32_t k = 0; k < options.size(); ++k) {
      const auto& opt = options[k];
      score_t gain = opt.cover;
      bool new_partner = false;
      if (opt.offering) {
        bool first_use = true;
        for (std::size_t e = 0; e < depth; ++e) {
          const std::size_t j = order_[e];
          const auto& other = p_.options[j][choice_[j]].offering;
          if (!other) continue;
          if (*other != *opt.offering)
            gain += p_.pairs[i * p_.n + j];
          else
            first_use = false;
        }
        if (first_use) gain += opt.fit;
        if (std::find(partners_.begin(), partners_.end(), opt.partner) == partners_.end()) {
          if (partners_.size() >= o_.max_partners) continue;
          new_partner = true;
          // The term is rounded as a whole, so add the change of the rounded whole.
          gain += p_.extra_partners(partners_.size() + 1) - p_.extra_partners(partners_.size());
          for (partner_index q : partners_)
            gain += p_.collaboration_score(opt.partner, q);
          partners_.push_back(opt.partner);
        }
      }
      choice_[i] = k;
      descend(depth + 1, score + gain);
      if (new_partner) partners_.pop_back();  // the search is depth-first: the last one added
    }
    choice_[i] = 0;
  }

  const problem& p_;
  const match_options& o_;
  top_list best_;
  std::vector<std::size_t> order_;
  std::vector<score_t> unary_rest_, pair_rest_;
  score_t collab_max_{};
  std::vector<std::uint32_t> choice_;
  std::vector<partner_index> partners_;  // of the needs assigned so far, in order of arrival
};

/// Turns ranked assignments into bundles with breakdown, reasons and pathway.
std::vector<bundle> explain(const landscape& l, const help_case& c, const problem& p,
                            const std::vector<ranked>& chosen, const match_options& o) {
  std::vector<bundle> out;
  for (const ranked& r : chosen) {
    bundle b;
    b.assigned = assignment_of(p, r.choice);
    b.breakdown = score_assignment(l, c, b.assigned, o);
    b.score = r.score;  // the search's own sum; tests check it equals breakdown.total()
    b.reasons.resize(p.n);
    for (std::size_t i = 0; i < p.n; ++i) {
      need_reason& reason = b.reasons[i];
      reason.chosen = b.assigned[i];
      if (reason.chosen) reason.terms = terms_of(l, c, i, *reason.chosen, o.weights);
      std::optional<ranked> best_alternative;
      std::vector<std::uint32_t> choice = r.choice;
      for (std::uint32_t k = 0; k < p.options[i].size(); ++k) {
        if (k == r.choice[i]) continue;
        choice[i] = k;
        const std::size_t partners = p.partner_count(choice);
        if (partners == 0 || partners > o.max_partners) continue;
        ranked candidate{p.score_of(choice), choice};
        if (!best_alternative || better(candidate, *best_alternative))
          best_alternative = std::move(candidate);
      }
      if (best_alternative) {
        reason.has_alternative = true;
        reason.best_alternative = p.options[i][best_alternative->choice[i]].offering;
        reason.alternative_is_uncovered = !reason.best_alternative.has_value();
        reason.alternative_loss = b.score - best_alternative->score;
      }
    }
    b.path = build_pathway(l, c, b.assigned);
    out.push_back(std::move(b));
  }
  return out;
}

template <class Solve>
match_result run_match(const landscape& l, const help_case& c, const match_options& o,
                       Solve solve) {
  validate_options(o);
  match_result result;
  result.needs = find_candidates(l, c, o);
  if (!c.consent) {
    result.status = match_status::no_consent;
    return result;
  }
  const problem p = prepare(l, c, result.needs, o);
  result.bundles = explain(l, c, p, solve(p), o);
  return result;
}

}  // namespace

std::vector<need_candidates> find_candidates(const landscape& l, const help_case& c,
                                             const match_options& options) {
  validate(c, l.categories(), l.places());
  const auto by_id = [&l](offering_index a, offering_index b) {
    return l.offerings()[a].id < l.offerings()[b].id;
  };
  std::vector<need_candidates> out(c.needs.size());
  for (std::size_t i = 0; i < c.needs.size(); ++i) {
    const category_index category = l.categories().index_of(c.needs[i].category);
    need_candidates& n = out[i];
    n.in_category = l.offerings_for(category).size();
    for (offering_index o : l.offerings_reaching(c.location, category)) {
      const offering& item = l.offerings()[o];
      if (excluded(c, l.partners()[l.partner_of(o)])) {
        n.rejected.push_back({o, rejection::excluded});
      } else if (const ineligibility why = check(item.rules, c.profile);
                 why != ineligibility::none) {
        n.rejected.push_back({o, rejection::not_eligible, why});
      } else if (item.units.free_units == 0 && !options.allow_waitlist) {
        n.rejected.push_back({o, rejection::no_capacity});
      } else {
        n.candidates.push_back(o);
      }
    }
    std::sort(n.candidates.begin(), n.candidates.end(), by_id);
    std::sort(n.rejected.begin(), n.rejected.end(),
              [&](const rejected_offering& a, const rejected_offering& b) {
                return by_id(a.offering, b.offering);
              });
  }
  return out;
}

score_breakdown score_assignment(const landscape& l, const help_case& c,
                                 std::span<const std::optional<offering_index>> assigned,
                                 const match_options& o) {
  score_breakdown s;
  std::vector<partner_index> partners;
  std::vector<offering_index> offerings;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    if (!assigned[i]) continue;
    s.cover += cover_of(c, i, o.weights);
    if (std::find(offerings.begin(), offerings.end(), *assigned[i]) == offerings.end()) {
      offerings.push_back(*assigned[i]);
      const assignment_terms fit = fit_of(l, c, *assigned[i], o.weights);
      s.distance += fit.distance;
      s.wait += fit.wait;
      s.capacity += fit.capacity;
    }
    for (std::size_t j = i + 1; j < assigned.size(); ++j)
      if (assigned[j] && *assigned[j] != *assigned[i])
        s.complementarity += pair_score(l, c, i, j, o.weights);
    partners.push_back(l.partner_of(*assigned[i]));
  }
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
  for (std::size_t a = 0; a < partners.size(); ++a)
    for (std::size_t b = a + 1; b < partners.size(); ++b)
      s.collaboration += collaboration_score(o, partners[a], partners[b]);
  if (partners.size() > 1)
    s.extra_partners =
        -to_score(o.weights.extra_partner * static_cast<double>(partners.size() - 1));
  return s;
}

assignment_terms need_terms(const landscape& l, const help_case& c, std::size_t need,
                            offering_index o, const match_weights& weights) {
  return terms_of(l, c, need, o, weights);
}

score_t need_pair_complementarity(const landscape& l, const help_case& c, std::size_t i,
                                  std::size_t j, const match_weights& weights) {
  return pair_score(l, c, i, j, weights);
}

match_result match(const landscape& l, const help_case& c, const match_options& options) {
  return run_match(l, c, options, [&](const problem& p) { return searcher(p, options).run(); });
}

match_result match_exhaustive(const landscape& l, const help_case& c,
                              const match_options& options) {
  return run_match(l, c, options, [&](const problem& p) {
    top_list best(options.top_k);
    std::vector<std::uint32_t> choice(p.n, 0);
    while (true) {
      const auto assigned = assignment_of(p, choice);
      const std::size_t partners = partners_in(l, assigned);
      if (partners >= 1 && partners <= options.max_partners)
        best.offer({score_assignment(l, c, assigned, options).total(), choice});
      std::size_t i = 0;  // odometer over the options of every need
      while (i < p.n && ++choice[i] == p.options[i].size())
        choice[i++] = 0;
      if (i == p.n) break;
    }
    return std::move(best.items());
  });
}

}  // namespace keten
