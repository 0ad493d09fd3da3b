// Cooperation scans: the five conditions' names, keten's default questionnaire, and the validated
// answers of scans (keten/cooperation.hpp). What the answers say is in cooperation.cpp.
#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include "keten/cooperation.hpp"

namespace keten {

namespace {
struct condition_names {
  std::string_view id, nl, en;
};
constexpr std::array<condition_names, condition_count> names{{
    {"shared_ambition", "Gedeelde ambitie", "shared ambition"},
    {"recognition_of_interests", "Erkenning van belangen", "recognition of interests"},
    {"meaningful_process", "Betekenisvol proces", "meaningful process"},
    {"building_relationships", "Opbouwen van relaties", "building relationships"},
    {"professional_organisation", "Professionele organisatie", "professional organisation"},
}};
}  // namespace

std::string_view to_string(condition c) noexcept {
  return names[static_cast<std::size_t>(c)].id;
}
std::string_view label_nl(condition c) noexcept {
  return names[static_cast<std::size_t>(c)].nl;
}
std::string_view label_en(condition c) noexcept {
  return names[static_cast<std::size_t>(c)].en;
}
std::optional<condition> parse_condition(std::string_view text) noexcept {
  for (condition c : all_conditions)
    if (to_string(c) == text) return c;
  return std::nullopt;
}

// --- the questionnaire -----------------------------------------------------------------------

const questionnaire& questionnaire::standard() {
  static const questionnaire q = [] {
    using enum condition;
    struct row {
      const char* id;
      condition about;
      const char* nl;
      const char* en;
      bool reversed;
    };
    // Written for keten: five statements per condition, the fifth reversed (agreeing is bad).
    static const row rows[] = {
        {"ambition.1", shared_ambition,
         "We hebben samen een duidelijk beeld van wat we voor mensen in onze gemeente willen "
         "bereiken.",
         "Together we have a clear picture of what we want to achieve for people in our "
         "municipality.",
         false},
        {"ambition.2", shared_ambition,
         "Het gezamenlijke doel van de keten weegt voor mijn organisatie zwaarder dan alleen het "
         "eigen doel.",
         "For my organisation the chain's shared goal weighs more than our own goal alone.", false},
        {"ambition.3", shared_ambition,
         "Alle partners willen dat een hulpvraag bij de juiste partner terechtkomt, ook als dat "
         "een ander is.",
         "All partners want a request for help to reach the right partner, even if that is "
         "another one.",
         false},
        {"ambition.4", shared_ambition,
         "Wij geloven dat we samen meer mensen beter helpen dan ieder afzonderlijk.",
         "We believe that together we help more people, better, than each of us alone.", false},
        {"ambition.5", shared_ambition, "Het is onduidelijk waarvoor we eigenlijk samenwerken.",
         "It is unclear what we are actually cooperating for.", true},

        {"interests.1", recognition_of_interests,
         "De belangen van mijn organisatie worden door de andere partners gezien en "
         "gerespecteerd.",
         "The interests of my organisation are seen and respected by the other partners.", false},
        {"interests.2", recognition_of_interests,
         "Partners zeggen openlijk wat de samenwerking hun moet opleveren.",
         "Partners say openly what they need the cooperation to give them.", false},
        {"interests.3", recognition_of_interests,
         "Er is ruimte voor de eigen identiteit en werkwijze van iedere partner.",
         "There is room for each partner's own identity and way of working.", false},
        {"interests.4", recognition_of_interests,
         "Wat de samenwerking kost en oplevert, is eerlijk verdeeld over de partners.",
         "What the cooperation costs and yields is fairly shared among the partners.", false},
        {"interests.5", recognition_of_interests, "Ieder werkt vooral voor de eigen organisatie.",
         "Each mainly works for its own organisation.", true},

        {"process.1", meaningful_process, "We zetten de juiste stappen in de juiste volgorde.",
         "We take the right steps in the right order.", false},
        {"process.2", meaningful_process,
         "Afspraken over doorverwijzen en warme overdracht zijn helder en worden nagekomen.",
         "Agreements on referral and warm handover are clear and kept.", false},
        {"process.3", meaningful_process, "Overleg in de keten leidt tot concrete afspraken.",
         "Meetings of the chain lead to concrete agreements.", false},
        {"process.4", meaningful_process,
         "We kijken regelmatig samen terug op wat goed ging en wat beter kan.",
         "We regularly look back together on what went well and what could be better.", false},
        {"process.5", meaningful_process,
         "Het samenwerken kost veel tijd zonder dat het iets oplevert.",
         "Cooperating takes a lot of time without yielding anything.", true},

        {"relationships.1", building_relationships,
         "Ik vertrouw erop dat de andere partners doen wat ze toezeggen.",
         "I trust the other partners to do what they promise.", false},
        {"relationships.2", building_relationships,
         "Ik ken de mensen bij de andere partners en weet hen te vinden.",
         "I know the people at the other partners and know how to reach them.", false},
        {"relationships.3", building_relationships,
         "Problemen tussen partners bespreken we open en op tijd.",
         "We discuss problems between partners openly and in time.", false},
        {"relationships.4", building_relationships,
         "De kartrekkers van de keten worden door alle partners gesteund.",
         "The chain's initiators are supported by all partners.", false},
        {"relationships.5", building_relationships, "Partners beschermen vooral hun eigen terrein.",
         "Partners mainly protect their own turf.", true},

        {"organisation.1", professional_organisation,
         "Rollen, taken en verantwoordelijkheden in de keten zijn duidelijk belegd.",
         "Roles, tasks and responsibilities in the chain are clearly assigned.", false},
        {"organisation.2", professional_organisation,
         "De vorm van de samenwerking (netwerk, convenant, loket) past bij wat we willen "
         "bereiken.",
         "The form of the cooperation (network, covenant, desk) fits what we want to achieve.",
         false},
        {"organisation.3", professional_organisation,
         "Er is genoeg tijd en geld om de samenwerking te onderhouden.",
         "There is enough time and money to maintain the cooperation.", false},
        {"organisation.4", professional_organisation,
         "Gegevens over hulpvragen delen we veilig en volgens de afspraken (AVG).",
         "We share data about requests for help safely and as agreed (GDPR).", false},
        {"organisation.5", professional_organisation,
         "Of de samenwerking blijft bestaan, hangt af van een paar mensen.",
         "Whether the cooperation lasts depends on a few people.", true},
    };
    questionnaire out;
    for (const row& r : rows)
      out.add({r.id, r.about, r.nl, r.en, r.reversed});
    return out;
  }();
  return q;
}

void questionnaire::add(scan_statement s) {
  const auto fail = [&](error_code code, std::string field, std::string message) {
    throw validation_error(code, std::move(message),
                           {.field = std::move(field), .object_id = s.id});
  };
  const bool id_ok =
      !s.id.empty() && s.id.size() <= 64 && std::all_of(s.id.begin(), s.id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
  if (!id_ok)
    fail(error_code::invalid_value, "id", "a statement id is [a-z0-9_.-]+, at most 64 characters");
  if (static_cast<std::size_t>(s.about) >= condition_count)
    fail(error_code::invalid_value, "condition", "not one of the five conditions");
  if (s.text_nl.empty() && s.text_en.empty())
    fail(error_code::empty_value, "text_nl", "a statement needs a text (text_nl or text_en)");
  if (by_id_.contains(s.id)) fail(error_code::duplicate_id, "id", "statement id used twice");
  by_id_.emplace(s.id, static_cast<std::uint32_t>(items_.size()));
  items_.push_back(std::move(s));
}

std::optional<std::size_t> questionnaire::find(std::string_view id) const {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::size_t questionnaire::count(condition c) const noexcept {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [c](const scan_statement& s) { return s.about == c; }));
}

// --- scans -----------------------------------------------------------------------------------

bool is_respondent_code(std::string_view code) noexcept {
  if (code.empty() || code.size() > 32) return false;
  bool digit = false;
  for (char c : code) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (!((c >= 'a' && c <= 'z') || c == '_' || c == '-'))
      return false;
  }
  return digit;
}

cooperation_scan::cooperation_scan(landscape l, questionnaire q)
    : landscape_(std::move(l)), questions_(std::move(q)) {}

namespace {
std::int32_t day_number(const date& d) {
  return static_cast<std::int32_t>(std::chrono::sys_days{d}.time_since_epoch().count());
}
}  // namespace

void cooperation_scan::add(std::span<const scan_answer> answers,
                           std::span<const source_position> where) {
  if (!where.empty() && where.size() != answers.size())
    throw validation_error(error_code::invalid_value,
                           fmt::format("{} positions for {} answers", where.size(), answers.size()),
                           {.field = "where"});
  // Checked against what is stored and what this batch adds so far; stored only when all pass.
  detail::string_map<respondent_entry> new_respondents;
  detail::string_map<std::uint8_t> new_rated;
  std::vector<resolved> batch;
  batch.reserve(answers.size());
  std::uint32_t next_respondent = static_cast<std::uint32_t>(respondents_.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const scan_answer& a = answers[i];
    const auto fail = [&](error_code code, std::string_view field, std::string message) {
      source_position p = where.empty() ? source_position{} : where[i];
      p.field = std::string(field);
      p.object_id = a.chain;
      throw validation_error(code, fmt::format("answer {}: {}", i, message), std::move(p));
    };
    const auto chain = landscape_.find_chain(a.chain);
    if (!chain) fail(error_code::unknown_reference, "chain", fmt::format("no chain '{}'", a.chain));
    const auto partner = landscape_.find_partner(a.partner);
    if (!partner)
      fail(error_code::unknown_reference, "partner", fmt::format("no partner '{}'", a.partner));
    const auto members = landscape_.chain_members(*chain);
    if (!std::binary_search(members.begin(), members.end(), *partner))
      fail(error_code::unknown_reference, "partner",
           fmt::format("partner '{}' is not a member of chain '{}'", a.partner, a.chain));
    const auto statement = questions_.find(a.statement);
    if (!statement)
      fail(error_code::unknown_reference, "statement",
           fmt::format("no statement '{}' in the questionnaire", a.statement));
    if (a.value < min_answer || a.value > max_answer)
      fail(error_code::invalid_value, "value",
           fmt::format("{} is not an answer on the scale {}–{}", a.value, min_answer, max_answer));
    const int year = static_cast<int>(a.when.year());
    if (!a.when.ok() || year < min_date_year || year > max_date_year)
      fail(error_code::invalid_value, "date",
           fmt::format("not a day in the years {}–{}", min_date_year, max_date_year));
    if (!is_respondent_code(a.respondent))
      fail(error_code::invalid_value, "respondent",
           "not an opaque respondent code (1–32 of a–z, 0–9, - and _, with a digit); a "
           "respondent is never named, so the value is not repeated here");
    const std::int32_t day = day_number(a.when);
    const std::string key = fmt::format("{}\x1f{}\x1f{}", *chain, day, a.respondent);
    respondent_entry who{};
    if (const auto old = respondents_.find(key); old != respondents_.end())
      who = old->second;
    else if (const auto fresh = new_respondents.find(key); fresh != new_respondents.end())
      who = fresh->second;
    else
      who =
          new_respondents.emplace(key, respondent_entry{next_respondent++, *partner}).first->second;
    if (who.partner != *partner)
      fail(error_code::invalid_value, "partner",
           fmt::format("respondent '{}' answers for '{}' and for '{}' in one scan", a.respondent,
                       landscape_.partners()[who.partner].id, a.partner));
    const std::string rated_key = fmt::format("{}\x1f{}", who.number, *statement);
    if (rated_.contains(rated_key) || !new_rated.emplace(rated_key, 1).second)
      fail(error_code::duplicate_id, "statement",
           fmt::format("respondent '{}' rates statement '{}' twice in the scan of {}", a.respondent,
                       a.statement, to_string(a.when)));
    batch.push_back({*chain, *partner, static_cast<std::uint32_t>(*statement), who.number, day,
                     static_cast<std::uint8_t>(a.value)});
  }
  // Everything passed: store (nothing below throws but bad_alloc).
  answers_.insert(answers_.end(), answers.begin(), answers.end());
  resolved_.insert(resolved_.end(), batch.begin(), batch.end());
  for (const auto& [key, value] : new_respondents)
    respondents_.emplace(key, value);
  for (const auto& [key, value] : new_rated)
    rated_.emplace(key, value);
}

std::vector<date> cooperation_scan::dates(chain_index k) const {
  std::vector<std::int32_t> days;
  for (const resolved& r : resolved_)
    if (r.chain == k) days.push_back(r.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::vector<date> out;
  out.reserve(days.size());
  for (std::int32_t d : days)
    out.emplace_back(std::chrono::sys_days{std::chrono::days{d}});
  return out;
}

}  // namespace keten
