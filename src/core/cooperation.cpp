// What cooperation scans say: the five conditions per chain, their trend, and the cooperation
// strength of partner pairs (keten/cooperation.hpp; docs/cooperation.md has the formulas).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "flat_map.hpp"
#include "keten/cooperation.hpp"

namespace keten {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::uint64_t pair_key(partner_index p, partner_index q) noexcept {
  if (p > q) std::swap(p, q);
  return (static_cast<std::uint64_t>(p) << 32) | q;
}
}  // namespace

// --- collaboration_strengths -----------------------------------------------------------------

void collaboration_strengths::set(partner_index p, partner_index q, double strength) {
  if (p == q)
    throw validation_error(error_code::invalid_value,
                           "a partner has no collaboration strength with itself",
                           {.field = "collaboration"});
  if (!std::isfinite(strength) || strength < 0.0 || strength > 1.0)
    throw validation_error(error_code::invalid_value, "a collaboration strength lies in [0, 1]",
                           {.field = "collaboration"});
  if (2 * (size_ + 1) > slots_.size()) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const slot& s : old)
      if (s.key != empty_key) {
        std::size_t i = detail::mix64(s.key) & mask;
        while (slots_[i].key != empty_key)
          i = (i + 1) & mask;
        slots_[i] = s;
      }
  }
  const std::uint64_t key = pair_key(p, q);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = detail::mix64(key) & mask;
  while (slots_[i].key != empty_key && slots_[i].key != key)
    i = (i + 1) & mask;
  const bool lowered = slots_[i].key == key && strength < slots_[i].value;
  if (slots_[i].key != key) {
    slots_[i].key = key;
    ++size_;
  }
  slots_[i].value = strength;
  if (!lowered) {
    max_ = std::max(max_, strength);
  } else {
    max_ = 0.0;
    for (const slot& s : slots_)
      if (s.key != empty_key) max_ = std::max(max_, s.value);
  }
}

double collaboration_strengths::get(partner_index p, partner_index q) const noexcept {
  if (size_ == 0) return 0.0;
  const std::uint64_t key = pair_key(p, q);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = detail::mix64(key) & mask;; i = (i + 1) & mask) {
    if (slots_[i].key == key) return slots_[i].value;
    if (slots_[i].key == empty_key) return 0.0;
  }
}

// --- the rank-sum test -----------------------------------------------------------------------

rank_sum_test mann_whitney(std::span<const double> before, std::span<const double> after) {
  const std::size_t n1 = before.size();
  const std::size_t n2 = after.size();
  if (n1 == 0 || n2 == 0) return {nan, nan, false};
  const std::size_t n = n1 + n2;
  // Pooled values, sorted; doubled midranks are whole numbers: positions i..j share i + j + 2.
  std::vector<std::pair<double, bool>> pooled;  // value, from `after`
  pooled.reserve(n);
  for (double v : before)
    pooled.emplace_back(v, false);
  for (double v : after)
    pooled.emplace_back(v, true);
  std::sort(pooled.begin(), pooled.end());
  std::vector<std::uint32_t> rank2(n);
  double tie_term = 0.0;  // Σ (t³ − t) over tie groups
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && pooled[j + 1].first == pooled[i].first)
      ++j;
    for (std::size_t k = i; k <= j; ++k)
      rank2[k] = static_cast<std::uint32_t>(i + j + 2);
    const auto t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  std::uint64_t w2 = 0;  // doubled rank sum of `after`
  for (std::size_t k = 0; k < n; ++k)
    if (pooled[k].second) w2 += rank2[k];
  const double w = static_cast<double>(w2) / 2.0;
  const double u_after = w - static_cast<double>(n2) * static_cast<double>(n2 + 1) / 2.0;
  rank_sum_test out;
  out.superiority = u_after / (static_cast<double>(n1) * static_cast<double>(n2));
  const auto e2 = static_cast<std::int64_t>(n2 * (n + 1));  // doubled expectation of W
  const std::int64_t observed = std::llabs(static_cast<std::int64_t>(w2) - e2);
  if (n <= exact_test_limit) {
    // ways[k][s]: subsets of k of the values seen so far with doubled rank sum s.
    const std::size_t max_sum = n * (n + 1);
    std::vector<double> ways((n2 + 1) * (max_sum + 1), 0.0);
    const auto at = [&](std::size_t k, std::size_t s) -> double& {
      return ways[k * (max_sum + 1) + s];
    };
    at(0, 0) = 1.0;
    std::size_t reach = 0;  // the largest sum reachable so far
    for (std::size_t item = 0; item < n; ++item) {
      const std::size_t r = rank2[item];
      reach += r;
      for (std::size_t k = std::min(item + 1, n2); k >= 1; --k)
        for (std::size_t s = std::min(reach, max_sum); s >= r; --s)
          at(k, s) += at(k - 1, s - r);
    }
    double total = 0.0;
    double extreme = 0.0;
    for (std::size_t s = 0; s <= max_sum; ++s) {
      const double count = at(n2, s);
      if (count == 0.0) continue;
      total += count;
      if (std::llabs(static_cast<std::int64_t>(s) - e2) >= observed) extreme += count;
    }
    out.p_value = std::min(1.0, extreme / total);
    out.exact = true;
    return out;
  }
  const double nn = static_cast<double>(n);
  const double variance = static_cast<double>(n1) * static_cast<double>(n2) / 12.0 *
                          ((nn + 1.0) - tie_term / (nn * (nn - 1.0)));
  if (variance <= 0.0) {  // every value the same
    out.p_value = 1.0;
    return out;
  }
  const double z = std::max(0.0, static_cast<double>(observed) / 2.0 - 0.5) / std::sqrt(variance);
  out.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return out;
}

// --- pair strength ---------------------------------------------------------------------------

std::optional<double> pair_strength(std::span<const double, condition_count> p,
                                    std::span<const double, condition_count> q) {
  double sum = 0.0;
  int conditions = 0;
  for (std::size_t c = 0; c < condition_count; ++c) {
    if (!std::isfinite(p[c]) || !std::isfinite(q[c])) continue;
    const double level = ((p[c] + q[c]) / 2.0 - min_answer) / (max_answer - min_answer);
    const double agreement = 1.0 - std::abs(p[c] - q[c]) / (max_answer - min_answer);
    sum += level * agreement;
    ++conditions;
  }
  if (conditions == 0) return std::nullopt;
  return std::clamp(sum / conditions, 0.0, 1.0);
}

// --- assess_cooperation ----------------------------------------------------------------------

namespace {

using resolved = cooperation_scan::resolved;

std::int32_t day_number(const date& d) {
  return static_cast<std::int32_t>(std::chrono::sys_days{d}.time_since_epoch().count());
}
date date_of(std::int32_t day) {
  return date{std::chrono::sys_days{std::chrono::days{day}}};
}

/// One scan of one chain, reduced to respondent scores.
struct scan_scores {
  // Per respondent (in order of first answer): its partner and per condition its score (NaN if
  // it rated no statement of the condition) and how many answers it gave.
  std::vector<partner_index> partner;
  std::vector<std::array<double, condition_count>> score;
  std::vector<std::array<std::size_t, condition_count>> answers;
};

scan_scores scores_of(std::span<const resolved* const> answers, const questionnaire& q) {
  scan_scores out;
  detail::flat_map<std::uint64_t, std::uint32_t, detail::int_hash> row_of;  // respondent → row + 1
  std::vector<std::array<double, condition_count>> sums;
  for (const resolved* a : answers) {
    auto [row, added] = row_of.try_emplace(a->respondent);
    if (added) {
      row = static_cast<std::uint32_t>(out.partner.size()) + 1;
      out.partner.push_back(a->partner);
      sums.push_back({});
      out.answers.push_back({});
    }
    const scan_statement& s = q.statements()[a->statement];
    const auto c = static_cast<std::size_t>(s.about);
    const int value = s.reversed ? (min_answer + max_answer) - a->value : a->value;
    sums[row - 1][c] += value;
    ++out.answers[row - 1][c];
  }
  out.score.resize(out.partner.size());
  for (std::size_t r = 0; r < out.partner.size(); ++r)
    for (std::size_t c = 0; c < condition_count; ++c)
      out.score[r][c] =
          out.answers[r][c] == 0 ? nan : sums[r][c] / static_cast<double>(out.answers[r][c]);
  return out;
}

/// The partners × 5 matrix of partner means (rows: `partners`, ascending) of a scan.
Eigen::MatrixXd partner_means(const scan_scores& s, const std::vector<partner_index>& partners) {
  const auto rows = static_cast<Eigen::Index>(partners.size());
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(rows, condition_count);
  Eigen::MatrixXd count = Eigen::MatrixXd::Zero(rows, condition_count);
  for (std::size_t r = 0; r < s.partner.size(); ++r) {
    const auto row = static_cast<Eigen::Index>(
        std::lower_bound(partners.begin(), partners.end(), s.partner[r]) - partners.begin());
    for (std::size_t c = 0; c < condition_count; ++c)
      if (std::isfinite(s.score[r][c])) {
        sum(row, static_cast<Eigen::Index>(c)) += s.score[r][c];
        count(row, static_cast<Eigen::Index>(c)) += 1.0;
      }
  }
  Eigen::MatrixXd out(rows, static_cast<Eigen::Index>(condition_count));
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < static_cast<Eigen::Index>(condition_count); ++c)
      out(r, c) = count(r, c) == 0.0 ? nan : sum(r, c) / count(r, c);
  return out;
}

/// The chain's mean of one condition: the mean of the partner means that exist.
double chain_mean(const Eigen::MatrixXd& means, Eigen::Index c) {
  double sum = 0.0;
  int n = 0;
  for (Eigen::Index r = 0; r < means.rows(); ++r)
    if (std::isfinite(means(r, c))) {
      sum += means(r, c);
      ++n;
    }
  return n == 0 ? nan : sum / n;
}

std::vector<double> condition_scores(const scan_scores& s, std::size_t c) {
  std::vector<double> out;
  for (const auto& row : s.score)
    if (std::isfinite(row[c])) out.push_back(row[c]);
  return out;
}

}  // namespace

cooperation_report assess_cooperation(const cooperation_scan& scan,
                                      const cooperation_options& options) {
  if (!(options.alpha > 0.0 && options.alpha < 1.0))
    throw validation_error(error_code::invalid_value, "alpha lies in (0, 1)", {.field = "alpha"});
  const landscape& l = scan.land();
  std::vector<std::uint8_t> wanted(l.chains().size(), options.chains.empty() ? 1 : 0);
  for (const std::string& id : options.chains) {
    const auto k = l.find_chain(id);
    if (!k)
      throw not_found_error(fmt::format("no chain with id '{}'", id),
                            {.field = "chain", .object_id = id});
    wanted[*k] = 1;
  }
  const std::optional<std::int32_t> current_limit =
      options.current ? std::optional(day_number(*options.current)) : std::nullopt;
  const std::optional<std::int32_t> baseline_limit =
      options.baseline ? std::optional(day_number(*options.baseline)) : std::nullopt;

  // The answers grouped by chain and day.
  std::vector<const resolved*> order;
  order.reserve(scan.resolved_answers().size());
  for (const resolved& a : scan.resolved_answers())
    if (wanted[a.chain]) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const resolved* a, const resolved* b) {
    return a->chain != b->chain ? a->chain < b->chain : a->day < b->day;
  });

  cooperation_report report;
  for (std::size_t begin = 0; begin < order.size();) {
    const chain_index k = order[begin]->chain;
    std::size_t end = begin;
    while (end < order.size() && order[end]->chain == k)
      ++end;
    // The chain's scans: [first, last) ranges of `order` per day, ascending.
    std::vector<std::pair<std::size_t, std::size_t>> days;
    for (std::size_t i = begin; i < end;) {
      std::size_t j = i;
      while (j < end && order[j]->day == order[i]->day)
        ++j;
      days.emplace_back(i, j);
      i = j;
    }
    begin = end;
    const auto day_of = [&](std::size_t d) { return order[days[d].first]->day; };
    std::optional<std::size_t> current;
    for (std::size_t d = 0; d < days.size(); ++d)
      if (!current_limit || day_of(d) <= *current_limit) current = d;
    if (!current) continue;  // no scan on or before the day asked for
    std::optional<std::size_t> baseline;
    for (std::size_t d = 0; d < *current; ++d)
      if (!baseline_limit || day_of(d) <= *baseline_limit) baseline = d;

    const auto range = [&](std::size_t d) {
      return std::span<const resolved* const>(order.data() + days[d].first,
                                              days[d].second - days[d].first);
    };
    chain_cooperation out;
    out.chain = k;
    out.scanned = date_of(day_of(*current));
    const scan_scores now = scores_of(range(*current), scan.statements());
    out.respondents = now.partner.size();
    out.partners = now.partner;
    std::sort(out.partners.begin(), out.partners.end());
    out.partners.erase(std::unique(out.partners.begin(), out.partners.end()), out.partners.end());
    for (partner_index p : l.chain_members(k))
      if (!std::binary_search(out.partners.begin(), out.partners.end(), p)) out.silent.push_back(p);
    out.partner_means = partner_means(now, out.partners);

    for (std::size_t c = 0; c < condition_count; ++c) {
      condition_score& s = out.conditions[c];
      s.about = static_cast<condition>(c);
      const auto col = static_cast<Eigen::Index>(c);
      double low = nan, high = nan, sum = 0.0, squares = 0.0;
      for (Eigen::Index r = 0; r < out.partner_means.rows(); ++r) {
        const double m = out.partner_means(r, col);
        if (!std::isfinite(m)) continue;
        low = std::isnan(low) ? m : std::min(low, m);
        high = std::isnan(high) ? m : std::max(high, m);
        sum += m;
        ++s.partners;
      }
      s.mean = s.partners == 0 ? nan : sum / static_cast<double>(s.partners);
      for (Eigen::Index r = 0; r < out.partner_means.rows(); ++r) {
        const double m = out.partner_means(r, col);
        if (std::isfinite(m)) squares += (m - s.mean) * (m - s.mean);
      }
      s.spread = s.partners == 0 ? nan : high - low;
      s.sd = s.partners == 0 ? nan : std::sqrt(squares / static_cast<double>(s.partners));
      for (std::size_t r = 0; r < now.partner.size(); ++r) {
        s.respondents += std::isfinite(now.score[r][c]) ? 1 : 0;
        s.answers += now.answers[r][c];
      }
    }
    // The weakest condition: lowest mean, then larger spread, then order; NaN means last.
    std::size_t weakest = 0;
    for (std::size_t c = 1; c < condition_count; ++c) {
      const condition_score& a = out.conditions[c];
      const condition_score& b = out.conditions[weakest];
      if (std::isnan(a.mean)) continue;
      if (std::isnan(b.mean) || a.mean < b.mean || (a.mean == b.mean && a.spread > b.spread))
        weakest = c;
    }
    out.weakest = static_cast<condition>(weakest);

    if (baseline) {
      out.baseline = date_of(day_of(*baseline));
      const scan_scores then = scores_of(range(*baseline), scan.statements());
      std::vector<partner_index> then_partners = then.partner;
      std::sort(then_partners.begin(), then_partners.end());
      then_partners.erase(std::unique(then_partners.begin(), then_partners.end()),
                          then_partners.end());
      const Eigen::MatrixXd then_means = partner_means(then, then_partners);
      for (std::size_t c = 0; c < condition_count; ++c) {
        condition_trend& t = out.trends[c];
        t.about = static_cast<condition>(c);
        t.before = chain_mean(then_means, static_cast<Eigen::Index>(c));
        t.after = out.conditions[c].mean;
        t.change = t.after - t.before;
        const std::vector<double> x = condition_scores(then, c);
        const std::vector<double> y = condition_scores(now, c);
        t.n_before = x.size();
        t.n_after = y.size();
        const rank_sum_test test = mann_whitney(x, y);
        t.superiority = test.superiority;
        t.p_value = test.p_value;
        t.exact = test.exact;
        t.significant = std::isfinite(test.p_value) && test.p_value < options.alpha;
      }
    } else {
      for (std::size_t c = 0; c < condition_count; ++c)
        out.trends[c] = {static_cast<condition>(c),
                         nan,
                         out.conditions[c].mean,
                         nan,
                         nan,
                         nan,
                         false,
                         false,
                         0,
                         0};
    }

    // Pair strengths between the partners who answered.
    for (Eigen::Index a = 0; a < out.partner_means.rows(); ++a)
      for (Eigen::Index b = a + 1; b < out.partner_means.rows(); ++b) {
        std::array<double, condition_count> p{}, q{};
        for (std::size_t c = 0; c < condition_count; ++c) {
          p[c] = out.partner_means(a, static_cast<Eigen::Index>(c));
          q[c] = out.partner_means(b, static_cast<Eigen::Index>(c));
        }
        const auto s = pair_strength(p, q);
        if (!s) continue;
        const partner_index pa = out.partners[static_cast<std::size_t>(a)];
        const partner_index pb = out.partners[static_cast<std::size_t>(b)];
        report.pairs.push_back({pa, pb, k, *s});
        if (*s > report.strengths.get(pa, pb)) report.strengths.set(pa, pb, *s);
      }
    report.chains.push_back(std::move(out));
  }
  return report;
}

}  // namespace keten
