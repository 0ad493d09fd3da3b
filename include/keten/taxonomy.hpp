// keten/taxonomy.hpp — the five help forms of the Keten van Hoop and the need categories under
// them.
//
// A help form ("hulpvorm") is one of the five fixed ways the chain helps; a need category is a
// finer kind of need under exactly one help form (`money.debts`, `neighbour.chores`, ...). The
// default taxonomy holds the categories documented in docs/formats.md; a landscape file may add
// more. Categories are addressed by a dense index (category_index) once a taxonomy is built, so
// that the landscape's indexes and the matching code work on small integers, not strings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keten/detail/string_hash.hpp"

namespace keten {

/// The five complementary help forms ("aanvullend samenwerken").
enum class help_form : std::uint8_t {
  money = 0,      ///< Hulp bij geldzorgen — SchuldHulpMaatje
  neighbour = 1,  ///< Laagdrempelige burenhulp — HipHelpt
  work = 2,       ///< Hulp voor werkzoekenden — JobHulpMaatje
  group = 3,      ///< Helpen als groep — Stichting Present
  youth = 4,      ///< Helpen als jongeren — TijdVoorActie
};

inline constexpr std::size_t help_form_count = 5;
inline constexpr std::array<help_form, help_form_count> all_help_forms{
    help_form::money, help_form::neighbour, help_form::work, help_form::group, help_form::youth};

/// "money", "neighbour", "work", "group", "youth".
[[nodiscard]] std::string_view to_string(help_form form) noexcept;
/// Dutch label, e.g. "Hulp bij geldzorgen".
[[nodiscard]] std::string_view label_nl(help_form form) noexcept;
/// English label, e.g. "help with money worries".
[[nodiscard]] std::string_view label_en(help_form form) noexcept;
/// The national member organisation that carries the help form, e.g. "SchuldHulpMaatje".
[[nodiscard]] std::string_view member_organisation(help_form form) noexcept;
/// Parses the identifier from to_string(); nullopt for anything else.
[[nodiscard]] std::optional<help_form> parse_help_form(std::string_view text) noexcept;

using category_index = std::uint32_t;

/// One need category. `id` is "<help form>.<name>" in lower case, e.g. "money.debts".
struct need_category {
  std::string id;
  help_form form{};
  std::string label_nl;
  std::string label_en;

  friend bool operator==(const need_category&, const need_category&) = default;
};

/// An ordered set of need categories with an index by id. Categories keep the index they were
/// added with; adding never reorders. Not thread-safe while being extended; const use is.
class taxonomy {
 public:
  /// An empty taxonomy.
  taxonomy() = default;

  /// The default taxonomy of keten (see docs/formats.md for the list).
  [[nodiscard]] static const taxonomy& standard();

  /// Adds a category and returns its index. Throws validation_error (invalid_value) if the id is
  /// not of the form "<help form>.<name>" with name in [a-z0-9_]+ and the prefix equal to
  /// `category.form`, and (duplicate_id) if the id is already present. O(1) amortised.
  category_index add(need_category category);

  /// The index of the category with this id, or nullopt. O(1).
  [[nodiscard]] std::optional<category_index> find(std::string_view id) const;
  /// The index of the category with this id; throws not_found_error if there is none. O(1).
  [[nodiscard]] category_index index_of(std::string_view id) const;

  [[nodiscard]] const need_category& operator[](category_index index) const {
    return categories_[index];
  }
  [[nodiscard]] std::size_t size() const noexcept { return categories_.size(); }
  [[nodiscard]] std::span<const need_category> categories() const noexcept { return categories_; }

  friend bool operator==(const taxonomy& a, const taxonomy& b) {
    return a.categories_ == b.categories_;
  }

 private:
  std::vector<need_category> categories_;
  detail::string_map<category_index> by_id_;
};

}  // namespace keten
