// Local chains: the standard vocabularies and the checks made as a chain is added
// (keten/chain.hpp).
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "chain_checks.hpp"
#include "keten/error.hpp"

namespace keten {

std::span<const chain_term> standard_cooperation_forms() noexcept {
  static const std::array<chain_term, 5> forms{{
      {"loose_network", "Los netwerk", "loose network"},
      {"shared_intake", "Gezamenlijk loket en intake", "shared intake desk"},
      {"covenant", "Convenant", "covenant"},
      {"joint_project", "Gezamenlijk project", "joint project"},
      {"legal_entity", "Gezamenlijke rechtspersoon (stichting)", "joint legal entity (foundation)"},
  }};
  return forms;
}

std::span<const chain_term> standard_initiator_roles() noexcept {
  static const std::array<chain_term, 7> roles{{
      {"diaconie", "Diaconie of Caritas", "church diaconate or Caritas"},
      {"church", "Lokale kerk", "local church"},
      {"council_of_churches", "Raad van Kerken", "council of churches"},
      {"municipality", "Gemeente", "municipality"},
      {"social_team", "Sociaal wijkteam", "municipal social team"},
      {"welfare_organisation", "Welzijnsorganisatie", "welfare organisation"},
      {"volunteer_coordinator", "Vrijwillige coördinator", "volunteer coordinator"},
  }};
  return roles;
}

namespace detail {

namespace {
[[noreturn]] void reject(error_code code, std::string field, std::string_view id,
                         std::string message) {
  throw validation_error(code, std::move(message),
                         {.field = std::move(field), .object_id = std::string(id)});
}

bool is_term_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

template <class T>
bool repeats_before(const std::vector<T>& list, std::size_t i) {
  return std::find(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(i), list[i]) !=
         list.begin() + static_cast<std::ptrdiff_t>(i);
}
}  // namespace

void check_chain_term(const chain_term& term, std::string_view what) {
  if (!is_term_id(term.id))
    reject(error_code::invalid_value, "id", term.id,
           fmt::format("the id of a {} is [a-z][a-z0-9_]*, at most 64 characters", what));
}

void check_chain(const local_chain& c, const geography& places) {
  const std::string& id = c.id;
  if (id.empty()) reject(error_code::empty_value, "id", "", "a chain needs an id");
  if (c.name.empty()) reject(error_code::empty_value, "name", id, "a chain needs a name");
  if (c.municipalities.empty())
    reject(error_code::empty_value, "municipalities", id,
           "a chain covers at least one municipality");
  for (std::size_t i = 0; i < c.municipalities.size(); ++i) {
    const std::string field = fmt::format("municipalities[{}]", i);
    if (!places.find(c.municipalities[i]))
      reject(error_code::unknown_municipality, field, id,
             fmt::format("unknown municipality code '{}'", c.municipalities[i]));
    if (repeats_before(c.municipalities, i))
      reject(error_code::duplicate_id, field, id,
             fmt::format("municipality '{}' listed twice", c.municipalities[i]));
  }
  if (c.partners.size() < 2)
    reject(error_code::empty_value, "partners", id,
           "a chain has at least two partners: cooperation takes two");
  for (std::size_t i = 0; i < c.partners.size(); ++i) {
    const std::string field = fmt::format("partners[{}]", i);
    if (c.partners[i].empty()) reject(error_code::empty_value, field, id, "an empty partner id");
    if (repeats_before(c.partners, i))
      reject(error_code::duplicate_id, field, id,
             fmt::format("partner '{}' listed twice", c.partners[i]));
  }
  if (c.initiators.empty())
    reject(error_code::empty_value, "initiators", id,
           "a chain has at least one initiator (a partner or a role)");
  for (std::size_t i = 0; i < c.initiators.size(); ++i) {
    const chain_initiator& who = c.initiators[i];
    const std::string field = fmt::format("initiators[{}]", i);
    if (who.partner.empty() == who.role.empty())
      reject(error_code::invalid_value, field, id,
             "an initiator is either a partner or a role, exactly one of the two");
    if (!who.partner.empty() &&
        std::find(c.partners.begin(), c.partners.end(), who.partner) == c.partners.end())
      reject(error_code::unknown_reference, field + ".partner", id,
             fmt::format("initiator '{}' is not one of the chain's partners", who.partner));
    if (!who.role.empty() && !is_term_id(who.role))
      reject(error_code::invalid_value, field + ".role", id,
             fmt::format("'{}' is not a role id ([a-z][a-z0-9_]*): a role names a function, "
                         "never a person",
                         who.role));
    if (repeats_before(c.initiators, i))
      reject(error_code::duplicate_id, field, id, "initiator listed twice");
  }
  const int year = static_cast<int>(c.started.year());
  if (!c.started.ok() || year < min_date_year || year > max_date_year)
    reject(
        error_code::invalid_value, "started", id,
        fmt::format("a start date is a real day in the years {}–{}", min_date_year, max_date_year));
  if (c.form.empty())
    reject(error_code::empty_value, "form", id, "a chain needs a form of cooperation");
}

}  // namespace detail

}  // namespace keten
