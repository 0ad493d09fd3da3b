// keten/cooperation.hpp — the five conditions of cooperation (Kaats & Opheij) as measured data,
// what they say about each local chain, and how strongly two partners cooperate.
//
// A cooperation scan asks the respondents of each partner of a local chain to rate statements on a
// 1–5 scale (1 = strongly disagree, 5 = strongly agree); each statement belongs to one of the five
// conditions. Respondents are opaque codes, never names. From the answers keten derives, per chain
// and condition (docs/cooperation.md gives the formulas and why):
//
//   respondent score  the mean of the respondent's answers to the condition's statements (a
//                     reversed statement counts as 6 − answer)
//   partner mean      the mean of its respondents' scores: every partner weighs the same, however
//                     many respondents it sent
//   mean              the mean of the partner means
//   spread            max − min of the partner means (how far the partners' views lie apart), and
//                     their standard deviation (population form) as the dispersion measure
//   weakest           the condition with the lowest mean (ties: larger spread, then condition
//   order) trend             between two scans: the change of the mean, Vargha–Delaney's A (the
//   chance that
//                     a respondent score of the later scan exceeds one of the earlier, ties half)
//                     and the two-sided Mann–Whitney–Wilcoxon rank-sum test on the respondent
//                     scores — exact (the permutation distribution with midranks, so ties are
//                     handled) up to exact_test_limit scores in all, the normal approximation with
//                     tie and continuity correction beyond
//
// and per pair of partners who both answered in a chain's scan a cooperation strength in [0, 1]:
//
//   strength(p, q) = 1/|C| Σ_{c ∈ C} ((m_pc + m_qc)/2 − 1)/4 · (1 − |m_pc − m_qc|/4)
//
// over the conditions C both have a mean for: high when both rate the cooperation well (level) and
// alike (agreement). Over several chains the strongest counts. The strengths steer referrals: they
// are the collaboration term of match() and of allocate() (keten/matching.hpp,
// keten/allocation.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "keten/chain.hpp"
#include "keten/date.hpp"
#include "keten/detail/string_hash.hpp"
#include "keten/error.hpp"
#include "keten/landscape.hpp"

namespace keten {

// --- the five conditions ---------------------------------------------------------------------

/// The five conditions for successful cooperation (Kaats & Opheij).
enum class condition : std::uint8_t {
  shared_ambition = 0,            ///< Gedeelde ambitie
  recognition_of_interests = 1,   ///< Erkenning van belangen
  meaningful_process = 2,         ///< Betekenisvol proces
  building_relationships = 3,     ///< Opbouwen van relaties
  professional_organisation = 4,  ///< Professionele organisatie
};
inline constexpr std::size_t condition_count = 5;
inline constexpr std::array<condition, condition_count> all_conditions{
    condition::shared_ambition, condition::recognition_of_interests, condition::meaningful_process,
    condition::building_relationships, condition::professional_organisation};

/// "shared_ambition", "recognition_of_interests", ...
[[nodiscard]] std::string_view to_string(condition c) noexcept;
/// "Gedeelde ambitie", ...
[[nodiscard]] std::string_view label_nl(condition c) noexcept;
/// "shared ambition", ...
[[nodiscard]] std::string_view label_en(condition c) noexcept;
/// Parses the identifier from to_string(); nullopt for anything else.
[[nodiscard]] std::optional<condition> parse_condition(std::string_view text) noexcept;

inline constexpr int min_answer = 1;  ///< strongly disagree
inline constexpr int max_answer = 5;  ///< strongly agree

// --- the questionnaire -----------------------------------------------------------------------

/// One statement of a questionnaire, rated 1–5.
struct scan_statement {
  std::string id;  ///< [a-z0-9_.-]+, at most 64 characters, e.g. "ambition.1"
  condition about{};
  std::string text_nl;
  std::string text_en;
  bool reversed{false};  ///< agreeing is bad ("Ieder werkt vooral voor de eigen organisatie")
  friend bool operator==(const scan_statement&, const scan_statement&) = default;
};

/// An ordered set of statements with an index by id.
class questionnaire {
 public:
  questionnaire() = default;

  /// keten's default questionnaire: five statements per condition, in Dutch and English, written
  /// for keten (docs/cooperation.md lists them). The same object for every call.
  [[nodiscard]] static const questionnaire& standard();

  /// Adds a statement. Throws validation_error: a bad id (invalid_value), an id already present
  /// (duplicate_id), both texts empty (empty_value). O(1) amortised.
  void add(scan_statement s);

  [[nodiscard]] std::optional<std::size_t> find(std::string_view id) const;
  [[nodiscard]] std::span<const scan_statement> statements() const noexcept { return items_; }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  /// Statements about condition `c`. O(size).
  [[nodiscard]] std::size_t count(condition c) const noexcept;

  friend bool operator==(const questionnaire& a, const questionnaire& b) {
    return a.items_ == b.items_;
  }

 private:
  std::vector<scan_statement> items_;
  detail::string_map<std::uint32_t> by_id_;
};

// --- scans -----------------------------------------------------------------------------------

/// One answer: respondent `respondent` of partner `partner`, in the scan of chain `chain` on
/// `when`, rated statement `statement` with `value`.
struct scan_answer {
  std::string chain;       ///< chain id
  date when{};             ///< the scan's day
  std::string partner;     ///< partner id: the respondent's organisation
  std::string respondent;  ///< an opaque code, unique within the scan (see is_respondent_code)
  std::string statement;   ///< statement id of the questionnaire
  int value{};             ///< min_answer … max_answer
  friend bool operator==(const scan_answer&, const scan_answer&) = default;
};

/// True for an opaque respondent code: 1–32 characters of [a-z0-9_-] with at least one digit
/// ("r01", "shm-3"), so that a name ("jansen") is refused. O(size).
[[nodiscard]] bool is_respondent_code(std::string_view code) noexcept;

/// The validated answers of any number of scans (several chains, several dates each) against one
/// landscape and one questionnaire. The landscape is held by value (a landscape copy is O(1)).
class cooperation_scan {
 public:
  explicit cooperation_scan(landscape l, questionnaire q = questionnaire::standard());

  /// Adds answers, all or nothing. Each answer must name a chain of the landscape, a partner that
  /// is a member of that chain, a statement of the questionnaire, a value in 1–5, a real date
  /// (years min_date_year–max_date_year) and a respondent code (is_respondent_code); within one
  /// scan (chain and date) a respondent answers for one partner and rates a statement once (also
  /// across calls). Throws validation_error for the first bad answer, naming its field and, as the
  /// object id, its chain, with the message starting "answer <i>:"; `where`, if not empty, has one
  /// position per answer (file, line, JSON pointer) that the error of answer i carries. On a throw
  /// nothing is added. O(answers) expected.
  void add(std::span<const scan_answer> answers, std::span<const source_position> where = {});

  [[nodiscard]] const landscape& land() const noexcept { return landscape_; }
  [[nodiscard]] const questionnaire& statements() const noexcept { return questions_; }
  /// Every answer added, in order.
  [[nodiscard]] std::span<const scan_answer> answers() const noexcept { return answers_; }
  [[nodiscard]] bool empty() const noexcept { return answers_.empty(); }
  /// The days on which chain `k` was scanned, ascending. O(answers).
  [[nodiscard]] std::vector<date> dates(chain_index k) const;

  /// An answer with its references resolved (what assess_cooperation reads).
  struct resolved {
    chain_index chain;
    partner_index partner;
    std::uint32_t statement;   ///< index in statements()
    std::uint32_t respondent;  ///< numbered per scan from 0, in order of appearance
    std::int32_t day;          ///< days since 1970-01-01
    std::uint8_t value;
  };
  [[nodiscard]] std::span<const resolved> resolved_answers() const noexcept { return resolved_; }

 private:
  landscape landscape_;
  questionnaire questions_;
  std::vector<scan_answer> answers_;
  std::vector<resolved> resolved_;
  // (chain, day, respondent code) → respondent number and partner; (respondent, statement) seen.
  struct respondent_entry {
    std::uint32_t number;
    partner_index partner;
  };
  detail::string_map<respondent_entry> respondents_;
  detail::string_map<std::uint8_t> rated_;
};

// --- what the scans say ----------------------------------------------------------------------

/// One condition of one chain at one scan.
struct condition_score {
  condition about{};
  double mean{};           ///< mean of the partner means, in [1, 5]; NaN if nobody rated it
  double spread{};         ///< max − min of the partner means (0 with one partner); NaN if none
  double sd{};             ///< population standard deviation of the partner means; NaN if none
  std::size_t partners{};  ///< partners with a mean
  std::size_t respondents{};  ///< respondents with a score
  std::size_t answers{};
};

/// How one condition of one chain changed from a baseline scan to the scan reported.
struct condition_trend {
  condition about{};
  double before{};       ///< the chain's mean at the baseline (NaN if none)
  double after{};        ///< the chain's mean at the scan reported
  double change{};       ///< after − before
  double superiority{};  ///< Vargha–Delaney A of the respondent scores, after over before
  double p_value{};      ///< two-sided rank-sum test; NaN when a side has no score
  bool exact{};          ///< p from the exact permutation distribution (else the normal approx.)
  bool significant{};    ///< p_value < alpha
  std::size_t n_before{};
  std::size_t n_after{};
};

/// The five conditions of one chain.
struct chain_cooperation {
  chain_index chain{};
  date scanned{};                       ///< the scan reported (the latest unless asked otherwise)
  std::optional<date> baseline;         ///< the scan compared with, if there is one
  std::vector<partner_index> partners;  ///< members who answered, ascending: partner_means' rows
  std::vector<partner_index> silent;    ///< members who did not answer, ascending
  Eigen::MatrixXd partner_means;        ///< partners × 5 (condition order); NaN where none
  std::array<condition_score, condition_count> conditions{};
  condition weakest{};  ///< lowest mean (ties: larger spread, then order)
  std::array<condition_trend, condition_count> trends{};  ///< only with a baseline
  std::size_t respondents{};
};

/// The cooperation strength of two partners in one chain.
struct partner_pair_strength {
  partner_index a{};  ///< a < b
  partner_index b{};
  chain_index chain{};
  double strength{};  ///< in [0, 1]
};

/// Local cooperation strength between partners, in [0, 1], by pair; pairs not given count as 0.
/// What match() and allocate() read for their collaboration term.
class collaboration_strengths {
 public:
  /// Throws validation_error unless 0 ≤ strength ≤ 1 and p ≠ q. O(1) expected.
  void set(partner_index p, partner_index q, double strength);
  /// O(1) expected; 0 for a pair not set.
  [[nodiscard]] double get(partner_index p, partner_index q) const noexcept;
  [[nodiscard]] double max() const noexcept { return max_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  // Open addressing over (min, max) pairs packed in 64 bits; the table at most half full.
  struct slot {
    std::uint64_t key{empty_key};
    double value{};
  };
  static constexpr std::uint64_t empty_key = ~std::uint64_t{0};
  std::vector<slot> slots_;
  std::size_t size_{0};
  double max_{0.0};
};

struct cooperation_options {
  /// Significance level of the trend test, in (0, 1).
  double alpha{0.05};
  /// The scan to report for every chain: the latest scan on or before this day (default: each
  /// chain's latest scan).
  std::optional<date> current;
  /// The scan to compare with: the latest scan on or before this day that is before the one
  /// reported (default: the scan just before the one reported).
  std::optional<date> baseline;
  /// Only these chains (ids); empty = every chain with a scan. Throws not_found_error for an id
  /// that names no chain.
  std::vector<std::string> chains;
};

struct cooperation_report {
  std::vector<chain_cooperation> chains;     ///< chains with a scan, in landscape order
  std::vector<partner_pair_strength> pairs;  ///< by chain, then a, then b
  collaboration_strengths strengths;         ///< per pair the strongest over its chains
};

/// Scores above exact_test_limit in all (both scans together) use the normal approximation.
inline constexpr std::size_t exact_test_limit = 80;

/// The rank-sum comparison of two samples of ordinal scores.
struct rank_sum_test {
  double superiority{};  ///< Vargha–Delaney A: P(after > before) + ½ P(after = before)
  double p_value{};      ///< two-sided
  bool exact{};
};
/// Mann–Whitney–Wilcoxon of `after` against `before` (midranks for ties): exact permutation
/// p-value up to exact_test_limit values in all (O(n² · n_after) time, O(n² · n_after) memory at
/// most), else the normal approximation with tie and continuity correction. NaN p and A when a
/// sample is empty.
[[nodiscard]] rank_sum_test mann_whitney(std::span<const double> before,
                                         std::span<const double> after);

/// The strength formula above for two rows of partner means (NaN = no mean); nullopt when the
/// two have no condition in common. O(5).
[[nodiscard]] std::optional<double> pair_strength(std::span<const double, condition_count> p,
                                                  std::span<const double, condition_count> q);

/// Everything the scans say. Throws not_found_error for an unknown chain id in options.chains and
/// validation_error for alpha outside (0, 1). O(answers + chains × (partners² + exact tests)).
[[nodiscard]] cooperation_report assess_cooperation(const cooperation_scan& scan,
                                                    const cooperation_options& options = {});

}  // namespace keten
