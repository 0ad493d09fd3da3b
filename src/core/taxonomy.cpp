// The taxonomy (keten/taxonomy.hpp): the five help forms with their Dutch and English labels, and
// the need categories under them, extensible from data.
#include "keten/taxonomy.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "keten/error.hpp"

namespace keten {

namespace {
struct form_labels {
  std::string_view id, nl, en, member;
};
constexpr std::array<form_labels, help_form_count> forms{{
    {"money", "Hulp bij geldzorgen", "help with money worries", "SchuldHulpMaatje"},
    {"neighbour", "Laagdrempelige burenhulp", "low-threshold neighbour help", "HipHelpt"},
    {"work", "Hulp voor werkzoekenden", "help for job seekers", "JobHulpMaatje"},
    {"group", "Helpen als groep", "helping as a group", "Stichting Present"},
    {"youth", "Helpen als jongeren", "helping as young people", "TijdVoorActie"},
}};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}
}  // namespace

std::string_view to_string(help_form form) noexcept {
  return forms[static_cast<std::size_t>(form)].id;
}
std::string_view label_nl(help_form form) noexcept {
  return forms[static_cast<std::size_t>(form)].nl;
}
std::string_view label_en(help_form form) noexcept {
  return forms[static_cast<std::size_t>(form)].en;
}
std::string_view member_organisation(help_form form) noexcept {
  return forms[static_cast<std::size_t>(form)].member;
}

std::optional<help_form> parse_help_form(std::string_view text) noexcept {
  for (help_form f : all_help_forms)
    if (to_string(f) == text) return f;
  return std::nullopt;
}

category_index taxonomy::add(need_category category) {
  const auto dot = category.id.find('.');
  const std::string_view prefix = std::string_view(category.id).substr(0, dot);
  const bool well_formed = dot != std::string::npos && dot + 1 < category.id.size() &&
                           std::all_of(category.id.begin() + static_cast<std::ptrdiff_t>(dot) + 1,
                                       category.id.end(), is_name_char);
  if (!well_formed || prefix != to_string(category.form)) {
    throw validation_error(error_code::invalid_value,
                           fmt::format("a need category id must be '{}.<name>' with <name> in "
                                       "[a-z0-9_]+",
                                       to_string(category.form)),
                           {.field = "id", .object_id = category.id});
  }
  if (by_id_.contains(category.id)) {
    throw validation_error(error_code::duplicate_id, "need category defined twice",
                           {.field = "id", .object_id = category.id});
  }
  const auto index = static_cast<category_index>(categories_.size());
  by_id_.emplace(category.id, index);
  categories_.push_back(std::move(category));
  return index;
}

std::optional<category_index> taxonomy::find(std::string_view id) const {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

category_index taxonomy::index_of(std::string_view id) const {
  if (auto i = find(id)) return *i;
  throw not_found_error(fmt::format("unknown need category '{}'", id),
                        {.object_id = std::string(id)});
}

const taxonomy& taxonomy::standard() {
  static const taxonomy instance = [] {
    taxonomy t;
    const auto add = [&t](help_form f, std::string_view name, std::string_view nl,
                          std::string_view en) {
      t.add({fmt::format("{}.{}", to_string(f), name), f, std::string(nl), std::string(en)});
    };
    using enum help_form;
    add(money, "crisis", "Acute geldnood", "acute money crisis");
    add(money, "debts", "Schulden op orde brengen", "sorting out debts");
    add(money, "admin", "Thuisadministratie", "household paperwork");
    add(money, "budgeting", "Leren budgetteren", "learning to budget");
    add(neighbour, "chores", "Klusjes in en om het huis", "small jobs in and around the home");
    add(neighbour, "transport", "Vervoer en begeleiding", "transport and accompaniment");
    add(neighbour, "shopping", "Boodschappen", "shopping");
    add(neighbour, "company", "Gezelschap en een luisterend oor", "company and a listening ear");
    add(work, "job_search", "Werk zoeken (JobGroup)", "looking for work (JobGroup)");
    add(work, "coaching", "Persoonlijke jobcoaching", "one-to-one job coaching");
    add(work, "application", "Sollicitatie en cv", "applications and CV");
    add(group, "home_cleanup", "Huis opruimen en schoonmaken", "clearing and cleaning a home");
    add(group, "painting", "Schilderen en behangen", "painting and wallpapering");
    add(group, "garden", "Tuin opknappen", "restoring a garden");
    add(group, "moving", "Verhuizen", "moving house");
    add(youth, "company", "Gezelschap door jongeren", "company from young people");
    add(youth, "chores", "Klussen door jongeren", "odd jobs by young people");
    add(youth, "activities", "Activiteiten en uitjes", "activities and outings");
    return t;
  }();
  return instance;
}

}  // namespace keten
