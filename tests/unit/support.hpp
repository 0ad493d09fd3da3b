// tests/unit/support.hpp — helpers shared by the unit tests: exact checks of keten errors, small
// geographies and valid partners/offerings to mutate, and a generator of random landscapes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <source_location>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "keten/error.hpp"
#include "keten/geography.hpp"
#include "keten/io.hpp"
#include "keten/landscape.hpp"
#include "keten/offering.hpp"
#include "keten/taxonomy.hpp"

namespace keten {
/// Lets GoogleTest print an error_code as its number instead of its bytes.
inline void PrintTo(error_code code, std::ostream* os) {
  *os << static_cast<int>(code);
}
}  // namespace keten

namespace keten_test {

using namespace keten;

/// True in the sanitizer build (ASan + UBSan run the suite about ten times slower).
inline constexpr bool sanitized = KETEN_TEST_SANITIZED != 0;

/// The number of random instances a randomized oracle test runs: all of `n` in the release build,
/// a quarter under the sanitizers, which look for memory and undefined-behaviour errors that a
/// quarter of the instances exercise as well. Expected counts in such a test scale the same way.
constexpr std::size_t scaled(std::size_t n) {
  return sanitized ? (n + 3) / 4 : n;
}

/// Runs `body` and returns the exception of exactly type E it throws (not a subclass, not a base).
/// Records a failure (at the caller's line) and returns nullopt if it throws nothing or anything
/// else.
template <class E, class F>
std::optional<E> catch_error(F&& body, std::source_location loc = std::source_location::current()) {
  const testing::ScopedTrace trace(loc.file_name(), static_cast<int>(loc.line()), "catch_error");
  try {
    body();
  } catch (const E& e) {
    if (typeid(e) != typeid(E)) {
      ADD_FAILURE() << "expected exactly " << typeid(E).name() << ", got " << typeid(e).name()
                    << ": " << e.what();
      return std::nullopt;
    }
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                  << e.what();
    return std::nullopt;
  } catch (...) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got a non-std exception";
    return std::nullopt;
  }
  ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
  return std::nullopt;
}

/// Checks every member of the error's position (all of them, so unknown parts must be empty).
inline void expect_where(const error& e, const source_position& expected,
                         std::source_location loc = std::source_location::current()) {
  const testing::ScopedTrace trace(loc.file_name(), static_cast<int>(loc.line()), e.what());
  EXPECT_EQ(e.where().file, expected.file);
  EXPECT_EQ(e.where().line, expected.line);
  EXPECT_EQ(e.where().column, expected.column);
  EXPECT_EQ(e.where().pointer, expected.pointer);
  EXPECT_EQ(e.where().field, expected.field);
  EXPECT_EQ(e.where().object_id, expected.object_id);
}

/// Runs `body`, expects exactly E with `code` and exactly the position `where`. Returns the error.
template <class E, class F>
std::optional<E> expect_error(F&& body, error_code code, const source_position& where,
                              std::source_location loc = std::source_location::current()) {
  std::optional<E> e = catch_error<E>(std::forward<F>(body), loc);
  if (e) {
    const testing::ScopedTrace trace(loc.file_name(), static_cast<int>(loc.line()), e->what());
    EXPECT_EQ(e->code(), code);
    expect_where(*e, where, loc);
  }
  return e;
}

/// A few real municipalities (in this order), as their own geography.
inline std::shared_ptr<const geography> small_geography(const std::vector<std::string>& codes) {
  const auto nl = geography::netherlands();
  std::vector<municipality> list;
  for (const std::string& code : codes)
    list.push_back((*nl)[nl->index_of(code)]);
  return std::make_shared<const geography>(std::move(list));
}

inline partner make_partner(std::string id, std::string municipality = "GM0363",
                            std::string member = "SchuldHulpMaatje") {
  return {std::move(id), std::move(member), "branch of " + member, std::move(municipality)};
}

/// A valid offering of `partner_id` in one municipality.
inline offering make_offering(std::string id, std::string partner_id,
                              std::vector<std::string> categories = {"money.debts"},
                              std::vector<std::string> municipalities = {"GM0363"}) {
  offering o;
  o.id = std::move(id);
  o.partner = std::move(partner_id);
  o.name = "offering " + o.id;
  o.categories = std::move(categories);
  o.area.municipalities = std::move(municipalities);
  o.units = {.units_per_period = 10,
             .period_days = 365,
             .free_units = 2,
             .typical_duration_days = 180,
             .intake_wait_days = 14};
  return o;
}

// ---------------------------------------------------------------------------------------------
// Random landscapes
// ---------------------------------------------------------------------------------------------

template <class T>
T pick(std::mt19937& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}
inline int uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}
inline double uniform_real(std::mt19937& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline bool chance(std::mt19937& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

/// The parts that went into a random landscape, so that tests can compare against them.
struct random_parts {
  std::shared_ptr<const geography> places;
  std::string name;
  std::vector<need_category> extra_categories;
  std::vector<partner> partners;
  std::vector<offering> offerings;
  std::vector<complementarity> complementarities;
  std::vector<precedence> precedences;
  std::vector<pc4> postcode_pool;  ///< the PC4 areas offerings draw from
  std::vector<chain_term> extra_forms;
  std::vector<chain_term> extra_roles;
  std::vector<local_chain> chains;
};

/// A random subset of the Dutch municipalities (keeps brute-force checks fast).
inline std::shared_ptr<const geography> random_geography(std::mt19937& rng, std::size_t count) {
  const auto nl = geography::netherlands();
  std::vector<municipality> all(nl->municipalities().begin(), nl->municipalities().end());
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(count);
  return std::make_shared<const geography>(std::move(all));
}

/// Random valid parts: extra categories, partners, offerings over listed municipalities, PC4s and
/// circles, complementarities, and an acyclic precedence (edges follow a random rank); with
/// `with_chains`, also extra cooperation forms and initiator roles and local chains (drawn last, so
/// that the rest is the same either way).
inline random_parts random_landscape_parts(std::mt19937& rng,
                                           std::shared_ptr<const geography> places,
                                           bool with_chains = false) {
  static const std::vector<std::string> members{"SchuldHulpMaatje", "HipHelpt", "JobHulpMaatje",
                                                "Stichting Present", "TijdVoorActie"};
  random_parts out;
  out.places = std::move(places);
  const geography& g = *out.places;
  out.name = chance(rng, 0.8) ? "random landscape " + std::to_string(uniform(rng, 0, 999)) : "";

  taxonomy categories = taxonomy::standard();
  const int extras = uniform(rng, 0, 3);
  for (int i = 0; i < extras; ++i) {
    const help_form form = all_help_forms[static_cast<std::size_t>(uniform(rng, 0, 4))];
    need_category c{std::string(to_string(form)) + ".extra_" + std::to_string(i), form,
                    "Extra " + std::to_string(i), "extra " + std::to_string(i)};
    categories.add(c);
    out.extra_categories.push_back(std::move(c));
  }
  std::vector<std::string> category_ids;
  for (const need_category& c : categories.categories())
    category_ids.push_back(c.id);

  const int pool_size = uniform(rng, 1, 8);
  for (int i = 0; i < pool_size; ++i)
    out.postcode_pool.push_back(static_cast<pc4>(uniform(rng, 1000, 9999)));

  std::vector<std::string> codes;
  for (const municipality& m : g.municipalities())
    codes.push_back(m.code);

  const int partner_count = uniform(rng, 1, 5);
  for (int i = 0; i < partner_count; ++i) {
    const std::string member = pick(rng, members);
    out.partners.push_back({"p" + std::to_string(i), member,
                            chance(rng, 0.7) ? member + " " + std::to_string(i) : "",
                            pick(rng, codes)});
  }

  const int offering_count = uniform(rng, 1, 12);
  for (int i = 0; i < offering_count; ++i) {
    offering o;
    o.id = "o" + std::to_string(i);
    o.partner = out.partners[static_cast<std::size_t>(uniform(rng, 0, partner_count - 1))].id;
    if (chance(rng, 0.7)) o.name = "offering " + std::to_string(i);
    std::vector<std::string> shuffled = category_ids;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    shuffled.resize(static_cast<std::size_t>(uniform(rng, 1, 3)));
    o.categories = shuffled;
    // At least one of the three parts of the area.
    const int parts = uniform(rng, 1, 7);
    if (parts & 1) {
      const int n = uniform(rng, 1, 4);
      for (int k = 0; k < n; ++k)
        o.area.municipalities.push_back(pick(rng, codes));
    }
    if (parts & 2) {
      const int n = uniform(rng, 1, 3);
      for (int k = 0; k < n; ++k)
        o.area.postcodes.push_back(pick(rng, out.postcode_pool));
    }
    if (parts & 4) {
      const geo_point base =
          pick(rng, std::vector<municipality>(g.municipalities().begin(), g.municipalities().end()))
              .point;
      o.area.radius = radius_area{
          {base.lat + uniform_real(rng, -0.2, 0.2), base.lon + uniform_real(rng, -0.2, 0.2)},
          uniform_real(rng, 0.5, 60.0)};
    }
    if (chance(rng, 0.3)) {
      const int lo = uniform(rng, 0, 60);
      o.rules.ages = {static_cast<std::uint8_t>(lo),
                      static_cast<std::uint8_t>(uniform(rng, lo, 130))};
    }
    if (chance(rng, 0.3)) o.rules.households = {household_type::single, household_type::family};
    if (chance(rng, 0.3)) o.rules.languages = {"nl", "en"};
    o.rules.requires_professional_referrer = chance(rng, 0.2);
    const int units = uniform(rng, 0, 200);
    o.units = {.units_per_period = units,
               .period_days = uniform(rng, 1, 730),
               .free_units = uniform(rng, 0, units),
               .typical_duration_days = uniform(rng, 0, 400),
               .intake_wait_days = uniform(rng, 0, 90)};
    out.offerings.push_back(std::move(o));
  }

  const int relations = uniform(rng, 0, 8);
  for (int i = 0; i < relations; ++i) {
    const std::string a = pick(rng, category_ids);
    const std::string b = pick(rng, category_ids);
    if (a == b) continue;
    const bool taken = std::any_of(
        out.complementarities.begin(), out.complementarities.end(),
        [&](const complementarity& c) { return (c.a == a && c.b == b) || (c.a == b && c.b == a); });
    if (taken) continue;
    out.complementarities.push_back({a, b, uniform_real(rng, 0.01, 1.0)});
  }

  // Acyclic: an edge goes from a lower to a higher rank of a random permutation.
  std::vector<std::size_t> rank(category_ids.size());
  for (std::size_t i = 0; i < rank.size(); ++i)
    rank[i] = i;
  std::shuffle(rank.begin(), rank.end(), rng);
  const int edges = uniform(rng, 0, 12);
  for (int i = 0; i < edges; ++i) {
    const auto u = static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(rank.size()) - 1));
    const auto v = static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(rank.size()) - 1));
    if (rank[u] >= rank[v]) continue;
    precedence p{category_ids[u], category_ids[v]};
    if (std::find(out.precedences.begin(), out.precedences.end(), p) != out.precedences.end())
      continue;
    out.precedences.push_back(std::move(p));
  }
  if (!with_chains) return out;
  const int forms = uniform(rng, 0, 2);
  for (int i = 0; i < forms; ++i)
    out.extra_forms.push_back({"form_" + std::to_string(i), "Vorm " + std::to_string(i),
                               chance(rng, 0.5) ? "form " + std::to_string(i) : ""});
  const int roles = uniform(rng, 0, 2);
  for (int i = 0; i < roles; ++i)
    out.extra_roles.push_back({"role_" + std::to_string(i), "Rol " + std::to_string(i), ""});
  std::vector<std::string> form_ids, role_ids;
  for (const chain_term& t : standard_cooperation_forms())
    form_ids.push_back(t.id);
  for (const chain_term& t : out.extra_forms)
    form_ids.push_back(t.id);
  for (const chain_term& t : standard_initiator_roles())
    role_ids.push_back(t.id);
  for (const chain_term& t : out.extra_roles)
    role_ids.push_back(t.id);
  const int chain_count = partner_count < 2 ? 0 : uniform(rng, 0, 3);
  for (int i = 0; i < chain_count; ++i) {
    local_chain c;
    c.id = "chain-" + std::to_string(i);
    c.name = "Chain " + std::to_string(i);
    std::vector<std::string> places_here = codes;
    std::shuffle(places_here.begin(), places_here.end(), rng);
    places_here.resize(static_cast<std::size_t>(
        uniform(rng, 1, std::min<int>(3, static_cast<int>(codes.size())))));
    c.municipalities = places_here;
    std::vector<std::string> members_here;
    for (const partner& p : out.partners)
      members_here.push_back(p.id);
    std::shuffle(members_here.begin(), members_here.end(), rng);
    members_here.resize(static_cast<std::size_t>(uniform(rng, 2, partner_count)));
    c.partners = members_here;
    if (chance(rng, 0.6)) c.initiators.push_back({pick(rng, c.partners), ""});
    if (c.initiators.empty() || chance(rng, 0.4)) c.initiators.push_back({"", pick(rng, role_ids)});
    c.started = date{std::chrono::year{uniform(rng, 2000, 2026)},
                     std::chrono::month{static_cast<unsigned>(uniform(rng, 1, 12))},
                     std::chrono::day{static_cast<unsigned>(uniform(rng, 1, 28))}};
    c.form = pick(rng, form_ids);
    out.chains.push_back(std::move(c));
  }
  return out;
}

/// The same landscape without its chains and chain vocabularies.
inline landscape without_chains(const landscape& l) {
  landscape_builder b(std::make_shared<const geography>(l.places()));
  b.set_name(l.name());
  const taxonomy& standard = taxonomy::standard();
  for (const need_category& c : l.categories().categories())
    if (!standard.find(c.id)) b.add_category(c);
  for (const partner& p : l.partners())
    b.add_partner(p);
  for (const offering& o : l.offerings())
    b.add_offering(o);
  for (const complementarity& c : l.complementarities())
    b.add_complementarity(c);
  for (const precedence& p : l.precedences())
    b.add_precedence(p);
  return b.build();
}

inline landscape build(const random_parts& parts) {
  landscape_builder b(parts.places);
  b.set_name(parts.name);
  for (const need_category& c : parts.extra_categories)
    b.add_category(c);
  for (const partner& p : parts.partners)
    b.add_partner(p);
  for (const offering& o : parts.offerings)
    b.add_offering(o);
  for (const complementarity& c : parts.complementarities)
    b.add_complementarity(c);
  for (const precedence& p : parts.precedences)
    b.add_precedence(p);
  for (const chain_term& t : parts.extra_forms)
    b.add_cooperation_form(t);
  for (const chain_term& t : parts.extra_roles)
    b.add_initiator_role(t);
  for (const local_chain& c : parts.chains)
    b.add_chain(c);
  return b.build();
}

/// A temporary directory for one test, removed afterwards.
class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() /
          (std::string("keten_test_") + info->test_suite_name() + "_" + info->name() + "_" +
           std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
};

#ifdef KETEN_DATA_DIR
/// The example municipality's landscape and day (data/example/), loaded once.
inline const keten::landscape& example_landscape() {
  static const keten::landscape l =
      keten::load_landscape_json(std::string(KETEN_DATA_DIR) + "/example/landscape.json");
  return l;
}
inline const std::vector<keten::help_case>& example_cases() {
  static const std::vector<keten::help_case> c = keten::load_cases_json(
      std::string(KETEN_DATA_DIR) + "/example/cases.json", example_landscape());
  return c;
}
#endif

}  // namespace keten_test
