// Synthetic data (keten/synthetic.hpp): the reproducible national landscape from the
// municipalities and documented rates, and synthetic cases for tests and benchmarks.
#include "keten/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "keten/error.hpp"
#include "keten/taxonomy.hpp"
#include "random.hpp"
#include "synthetic_cases.hpp"
#include "synthetic_chains.hpp"

// Every figure used below is listed with its source in docs/data.md; keep the two in step.
//
// Cross-platform determinism: decisions are taken with integer arithmetic only (weights, shares,
// per-mille noise, squared distances in 1e-4 degree units). The only doubles produced are
// coordinates (an integer number of 1e-4 degrees divided by 10,000), radii (tenths of a km) and
// need weights (quarters), all exactly the same everywhere.

namespace keten {

namespace {

using detail::fnv1a;
using detail::random_stream;

// ---------------------------------------------------------------------------------------------
// Coordinates in whole 1e-4 degrees, so that they print and compare the same everywhere.
// ---------------------------------------------------------------------------------------------

struct grid_point {
  std::int64_t lat{};  ///< 1e-4 degrees
  std::int64_t lon{};
};

grid_point to_grid(geo_point p) {
  return {std::llround(p.lat * 10000.0), std::llround(p.lon * 10000.0)};
}
geo_point to_geo(grid_point p) {
  return {static_cast<double>(p.lat) / 10000.0, static_cast<double>(p.lon) / 10000.0};
}

/// 1 km is about 90 units of latitude and, at 52.2° N (the middle of the Netherlands), about 147
/// units of longitude; 1 unit of longitude is about 0.613 units of latitude.
constexpr std::int64_t lat_units_per_km = 90;
constexpr std::int64_t lon_units_per_km = 147;

/// Squared distance in latitude units (equirectangular at 52.2° N): good enough to rank neighbours.
std::int64_t squared_distance(grid_point a, grid_point b) {
  const std::int64_t dlat = a.lat - b.lat;
  const std::int64_t dlon = (a.lon - b.lon) * 613 / 1000;
  return dlat * dlat + dlon * dlon;
}

// ---------------------------------------------------------------------------------------------
// The members and what the landscape generator needs to know about each.
// ---------------------------------------------------------------------------------------------

struct member_plan {
  help_form form;
  std::string_view prefix;        ///< partner id prefix
  std::size_t national_branches;  ///< municipalities with a branch, out of 342
};

constexpr std::size_t national_municipalities = 342;
constexpr std::array<member_plan, help_form_count> members{{
    {help_form::money, "shm", 155},      // SchuldHulpMaatje: ~155 municipalities
    {help_form::neighbour, "hip", 70},   // HipHelpt: assumption, see docs/data.md
    {help_form::work, "jhm", 50},        // JobHulpMaatje: assumption
    {help_form::group, "present", 105},  // Stichting Present: assumption ("100+")
    {help_form::youth, "tva", 22},       // TijdVoorActie: "20+ networks"
}};

/// Municipalities this large get a branch of every member (as far as the member's count allows).
constexpr std::uint32_t anchor_population = 200'000;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// round(value × numerator / denominator) for non-negative integers.
std::int64_t scale(std::int64_t value, std::int64_t numerator, std::int64_t denominator) {
  return (value * numerator + denominator / 2) / denominator;
}

/// Municipalities with a branch of one member: the anchors, then draws without replacement in
/// proportion to population.
std::vector<bool> choose_branches(const geography& places, std::size_t count, random_stream& rng) {
  const std::size_t n = places.size();
  std::vector<bool> chosen(n, false);
  std::vector<municipality_index> by_size(n);
  std::iota(by_size.begin(), by_size.end(), municipality_index{0});
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&places](municipality_index a, municipality_index b) {
                     return places[a].population > places[b].population;
                   });
  std::size_t taken = 0;
  for (municipality_index m : by_size) {
    if (taken == count || places[m].population < anchor_population) break;
    chosen[m] = true;
    ++taken;
  }
  std::vector<std::uint64_t> weights(n);
  for (std::size_t m = 0; m < n; ++m)
    weights[m] =
        chosen[m] ? 0 : std::uint64_t{places[static_cast<municipality_index>(m)].population} + 1;
  for (; taken < count; ++taken) {
    const std::size_t m = rng.weighted(std::span<const std::uint64_t>(weights));
    chosen[m] = true;
    weights[m] = 0;
  }
  return chosen;
}

/// A branch's share of a national figure: in proportion to its population among the member's
/// branches, times a noise factor of 0.75–1.25, at least `minimum`.
std::int32_t share(std::int64_t national, std::uint32_t population, std::uint64_t population_sum,
                   std::int32_t minimum, random_stream& rng) {
  const std::int64_t noise = rng.between(750, 1250);
  const auto sum = static_cast<std::int64_t>(std::max<std::uint64_t>(population_sum, 1));
  const std::int64_t value = (national * population * noise + sum * 500) / (sum * 1000);
  return static_cast<std::int32_t>(std::max<std::int64_t>(value, minimum));
}

/// Free units now: none (15%) or 5–40% of the units.
std::int32_t free_now(std::int32_t units, random_stream& rng) {
  if (rng.chance(150)) return 0;
  return static_cast<std::int32_t>(scale(units, rng.between(5, 40), 100));
}

/// The languages a branch's volunteers speak: Dutch, and in larger places one to three more.
std::vector<std::string> branch_languages(std::uint32_t population, random_stream& rng) {
  static constexpr std::array<std::string_view, 5> extra{"en", "ar", "tr", "pl", "uk"};
  std::vector<std::string> languages{"nl"};
  std::size_t wanted = 0;
  if (population >= 150'000)
    wanted = static_cast<std::size_t>(rng.between(1, 3));
  else if (population >= 50'000 && rng.chance(300))
    wanted = 1;
  while (languages.size() < wanted + 1) {
    const std::string_view pick = extra[rng.below(extra.size())];
    if (std::find(languages.begin(), languages.end(), pick) == languages.end())
      languages.emplace_back(pick);
  }
  std::sort(languages.begin() + 1, languages.end());
  return languages;
}

/// Everything one member's branch needs to describe its offerings.
struct branch {
  const municipality* home;
  std::string partner_id;
  std::uint64_t population_sum;  ///< over all branches of the member
  std::vector<std::string> languages;
  random_stream* rng;
};

capacity make_capacity(std::int32_t units, std::int32_t duration_days, std::int32_t wait_days,
                       random_stream& rng) {
  return {.units_per_period = units,
          .period_days = 365,
          .free_units = free_now(units, rng),
          .typical_duration_days = duration_days,
          .intake_wait_days = wait_days};
}

offering make_offering(const branch& b, std::string_view suffix, std::string name,
                       std::vector<std::string> categories, service_area area, eligibility rules,
                       capacity units) {
  return {.id = fmt::format("{}-{}", b.partner_id, suffix),
          .partner = b.partner_id,
          .name = std::move(name),
          .categories = std::move(categories),
          .area = std::move(area),
          .rules = std::move(rules),
          .units = units};
}

service_area home_area(const branch& b) {
  return {.municipalities = {b.home->code}};
}

service_area home_and_radius(const branch& b, std::int32_t tenths_km) {
  return {.municipalities = {b.home->code},
          .radius = radius_area{to_geo(to_grid(b.home->point)), tenths_km / 10.0}};
}

eligibility rules_for(const branch& b, age_band ages = {}, bool professional = false) {
  return {.ages = ages, .languages = b.languages, .requires_professional_referrer = professional};
}

// SchuldHulpMaatje: ~3,300 volunteers, 3–3.5 households per volunteer a year (~11,300 households),
// trajectories of 3 months to 3 years; in larger places also crisis help and a budgeting course.
void add_money_offerings(landscape_builder& out, const branch& b) {
  random_stream& rng = *b.rng;
  const std::uint32_t population = b.home->population;
  const std::int32_t volunteers = share(3300, population, b.population_sum, 2, rng);
  const std::int32_t households = std::max(1, volunteers * rng.between(30, 38) / 10);
  const std::int32_t trajectory = (rng.between(0, 600) + rng.between(0, 600)) / 2 + 90;
  out.add_offering(make_offering(b, "maatje", "Schuldhulpmaatje (1-op-1 traject)",
                                 {"money.debts", "money.admin", "money.budgeting"}, home_area(b),
                                 rules_for(b, {18, 130}),
                                 make_capacity(households, trajectory, rng.between(14, 42), rng)));
  if (rng.chance(population >= 100'000 ? 900 : 350)) {
    const std::int32_t crises = std::max(4, households * rng.between(8, 15) / 100);
    out.add_offering(
        make_offering(b, "crisis", "Acute geldzorgen (crisisbegeleiding)",
                      {"money.crisis", "money.admin"}, home_area(b), rules_for(b, {18, 130}),
                      make_capacity(crises, rng.between(14, 42), rng.between(1, 3), rng)));
  }
  if (rng.chance(population >= 100'000 ? 600 : 300)) {
    const std::int32_t courses =
        std::clamp(static_cast<std::int32_t>(population / 100'000) + 1, 1, 6);
    out.add_offering(make_offering(b, "moneywise", "MoneyWise-training (groep)",
                                   {"money.budgeting"}, home_area(b), rules_for(b, {18, 130}),
                                   make_capacity(courses * rng.between(8, 12), rng.between(42, 56),
                                                 rng.between(14, 60), rng)));
  }
}

// HipHelpt: ~10,000 people a year, 80% of help within 3 km: the municipality plus a 3–5 km circle.
void add_neighbour_offerings(landscape_builder& out, const branch& b) {
  random_stream& rng = *b.rng;
  const service_area area = home_and_radius(b, rng.between(30, 50));
  out.add_offering(make_offering(
      b, "burenhulp", "Burenhulp: klusjes, vervoer en boodschappen",
      {"neighbour.chores", "neighbour.transport", "neighbour.shopping"}, area, rules_for(b),
      make_capacity(share(7000, b.home->population, b.population_sum, 5, rng), rng.between(1, 14),
                    rng.between(2, 10), rng)));
  out.add_offering(make_offering(
      b, "bezoek", "Bezoek en een luisterend oor", {"neighbour.company"}, area, rules_for(b),
      make_capacity(share(3000, b.home->population, b.population_sum, 2, rng),
                    rng.between(180, 365), rng.between(7, 21), rng)));
}

// JobHulpMaatje: JobGroups of 10–12 job seekers over about three months, plus 1-on-1 coaching;
// job seekers of 18–67. Volumes are assumptions (docs/data.md).
void add_work_offerings(landscape_builder& out, const branch& b) {
  random_stream& rng = *b.rng;
  const std::int32_t places = share(1650, b.home->population, b.population_sum, 10, rng);
  const std::int32_t groups = std::max(1, (places + 5) / 11);
  out.add_offering(make_offering(
      b, "jobgroup", "JobGroup (10–12 werkzoekenden, 2 begeleiders)",
      {"work.job_search", "work.application"}, home_area(b), rules_for(b, {18, 67}),
      make_capacity(groups * rng.between(10, 12), rng.between(84, 98), rng.between(14, 70), rng)));
  out.add_offering(
      make_offering(b, "coaching", "Jobcoaching (1-op-1)", {"work.coaching", "work.application"},
                    home_area(b), rules_for(b, {18, 67}),
                    make_capacity(share(800, b.home->population, b.population_sum, 2, rng),
                                  rng.between(120, 240), rng.between(7, 28), rng)));
}

// Stichting Present: 11,000 one-day group projects a year, always through a professional; small
// branches often also serve nearby municipalities without a branch of their own.
void add_group_offerings(landscape_builder& out, const branch& b,
                         const std::vector<std::string>& also_serves) {
  random_stream& rng = *b.rng;
  service_area area = home_area(b);
  area.municipalities.insert(area.municipalities.end(), also_serves.begin(), also_serves.end());
  const std::int32_t projects = share(11000, b.home->population, b.population_sum, 4, rng);
  const bool moving = rng.chance(b.home->population >= 100'000 ? 800 : 350);
  const std::int32_t moves = moving ? std::max(1, projects / 10) : 0;
  out.add_offering(make_offering(
      b, "klus", "Klus met een groep (opruimen, schoonmaken, schilderen, tuin)",
      {"group.home_cleanup", "group.painting", "group.garden"}, area, rules_for(b, {}, true),
      make_capacity(projects - moves, 1, rng.between(14, 56), rng)));
  if (moving)
    out.add_offering(make_offering(b, "verhuizen", "Verhuishulp met een groep", {"group.moving"},
                                   area, rules_for(b, {}, true),
                                   make_capacity(moves, 1, rng.between(14, 42), rng)));
}

// TijdVoorActie: 20+ youth networks, one-off jobs, longer social contact (here: for people of 65
// and over), group events; half of the networks also reach around their home (8–15 km).
void add_youth_offerings(landscape_builder& out, const branch& b) {
  random_stream& rng = *b.rng;
  const service_area area =
      rng.chance(500) ? home_and_radius(b, rng.between(80, 150)) : home_area(b);
  out.add_offering(
      make_offering(b, "klussen", "Klussen door jongeren", {"youth.chores"}, area, rules_for(b),
                    make_capacity(share(1690, b.home->population, b.population_sum, 5, rng), 1,
                                  rng.between(7, 30), rng)));
  out.add_offering(
      make_offering(b, "activiteiten", "Activiteiten en uitjes met jongeren", {"youth.activities"},
                    area, rules_for(b),
                    make_capacity(share(1125, b.home->population, b.population_sum, 3, rng), 1,
                                  rng.between(7, 30), rng)));
  out.add_offering(
      make_offering(b, "jong-oud", "Jong & oud: vast bezoek door een jongere", {"youth.company"},
                    area, rules_for(b, {65, 130}),
                    make_capacity(share(935, b.home->population, b.population_sum, 2, rng),
                                  rng.between(180, 365), rng.between(14, 30), rng)));
}

/// Up to two nearest municipalities within ~15 km that have no Present branch: a small branch
/// (under 50,000 inhabitants) serves them too with probability 30%.
std::vector<std::vector<std::string>> present_regions(const geography& places,
                                                      const std::vector<bool>& has_branch,
                                                      random_stream& rng) {
  constexpr std::int64_t reach = 15 * lat_units_per_km;
  const std::size_t n = places.size();
  std::vector<std::vector<std::string>> regions(n);
  std::vector<bool> taken = has_branch;
  for (std::size_t m = 0; m < n; ++m) {
    const municipality& home = places[static_cast<municipality_index>(m)];
    if (!has_branch[m] || home.population >= 50'000 || !rng.chance(300)) continue;
    std::vector<std::pair<std::int64_t, std::size_t>> nearby;
    for (std::size_t other = 0; other < n; ++other) {
      if (taken[other]) continue;
      const std::int64_t d2 = squared_distance(
          to_grid(home.point), to_grid(places[static_cast<municipality_index>(other)].point));
      if (d2 <= reach * reach) nearby.emplace_back(d2, other);
    }
    std::sort(nearby.begin(), nearby.end());
    const auto wanted = static_cast<std::size_t>(rng.between(1, 2));
    for (std::size_t i = 0; i < nearby.size() && i < wanted; ++i) {
      regions[m].push_back(places[static_cast<municipality_index>(nearby[i].second)].code);
      taken[nearby[i].second] = true;
    }
  }
  return regions;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Standard relations
// ---------------------------------------------------------------------------------------------

std::span<const complementarity> standard_complementarities() {
  static const std::vector<complementarity> relations{
      // money worries come with practical needs, work and loneliness
      {"money.debts", "work.job_search", 0.8},
      {"money.debts", "work.coaching", 0.6},
      {"money.budgeting", "work.job_search", 0.5},
      {"money.debts", "neighbour.chores", 0.5},
      {"money.debts", "neighbour.company", 0.4},
      {"money.debts", "group.home_cleanup", 0.7},
      {"money.crisis", "neighbour.shopping", 0.5},
      {"money.admin", "money.budgeting", 0.6},
      {"money.admin", "group.moving", 0.5},
      // a cleared home needs upkeep and company afterwards
      {"group.home_cleanup", "neighbour.company", 0.7},
      {"group.home_cleanup", "neighbour.chores", 0.5},
      {"group.home_cleanup", "group.painting", 0.6},
      {"group.home_cleanup", "group.moving", 0.8},
      {"group.garden", "neighbour.chores", 0.5},
      {"group.garden", "youth.chores", 0.4},
      // neighbour help and young people
      {"neighbour.transport", "neighbour.shopping", 0.7},
      {"neighbour.company", "youth.company", 0.6},
      {"neighbour.company", "youth.activities", 0.5},
      {"neighbour.transport", "youth.activities", 0.4},
      // work
      {"work.job_search", "work.application", 0.9},
      {"work.job_search", "work.coaching", 0.7},
      {"work.coaching", "work.application", 0.8},
  };
  return relations;
}

std::span<const precedence> standard_precedences() {
  static const std::vector<precedence> relations{
      // crisis help before long-term coaching
      {"money.crisis", "money.debts"},
      {"money.crisis", "money.budgeting"},
      {"money.crisis", "work.job_search"},
      {"money.crisis", "work.coaching"},
      // the debt buddy first: a home that must be emptied and cleaned waits for the money plan
      {"money.debts", "group.home_cleanup"},
      // clear and clean a home before painting it
      {"group.home_cleanup", "group.painting"},
  };
  return relations;
}

void add_standard_relations(landscape_builder& builder) {
  for (const complementarity& c : standard_complementarities())
    builder.add_complementarity(c);
  for (const precedence& p : standard_precedences())
    builder.add_precedence(p);
}

// ---------------------------------------------------------------------------------------------
// The national landscape
// ---------------------------------------------------------------------------------------------

landscape generate_national_landscape(std::shared_ptr<const geography> places, std::uint64_t seed) {
  if (!places) throw validation_error(error_code::empty_value, "a landscape needs a geography");
  const geography& where = *places;
  const std::size_t n = where.size();
  landscape_builder out(places);
  out.set_name(fmt::format("Keten van Hoop — Nederland (synthetic, seed {})", seed));

  // Which municipalities have a branch of which member.
  std::array<std::vector<bool>, help_form_count> present;
  for (const member_plan& plan : members) {
    random_stream rng(seed, fmt::format("{}.presence", plan.prefix));
    const std::size_t count =
        n == 0
            ? 0
            : std::clamp<std::size_t>((plan.national_branches * n + national_municipalities / 2) /
                                          national_municipalities,
                                      1, n);
    present[static_cast<std::size_t>(plan.form)] = choose_branches(where, count, rng);
  }
  // The chain as a whole in 200+ municipalities: should the draws fall short, Present opens
  // branches in the largest municipalities without any branch until it is.
  {
    const std::size_t minimum =
        std::min(n, (chain_minimum_municipalities * n + national_municipalities - 1) /
                        national_municipalities);
    std::vector<bool> covered(n, false);
    for (const auto& member : present)
      for (std::size_t m = 0; m < n; ++m)
        covered[m] = covered[m] || member[m];
    std::vector<municipality_index> uncovered;
    for (std::size_t m = 0; m < n; ++m)
      if (!covered[m]) uncovered.push_back(static_cast<municipality_index>(m));
    std::stable_sort(uncovered.begin(), uncovered.end(),
                     [&where](municipality_index a, municipality_index b) {
                       return where[a].population > where[b].population;
                     });
    std::size_t count = n - uncovered.size();
    for (std::size_t i = 0; count < minimum && i < uncovered.size(); ++i, ++count)
      present[static_cast<std::size_t>(help_form::group)][uncovered[i]] = true;
  }

  // Partners and offerings, member by member, in geography order.
  std::vector<std::vector<std::string>> partners_at(n);  // per municipality, in member order
  for (const member_plan& plan : members) {
    const auto form_index = static_cast<std::size_t>(plan.form);
    const std::vector<bool>& has_branch = present[form_index];
    random_stream rng(seed, fmt::format("{}.offerings", plan.prefix));
    std::uint64_t population_sum = 0;
    for (std::size_t m = 0; m < n; ++m)
      if (has_branch[m]) population_sum += where[static_cast<municipality_index>(m)].population;
    std::vector<std::vector<std::string>> regions;
    if (plan.form == help_form::group) {
      random_stream region_rng(seed, "present.regions");
      regions = present_regions(where, has_branch, region_rng);
    }
    for (std::size_t m = 0; m < n; ++m) {
      if (!has_branch[m]) continue;
      const municipality& home = where[static_cast<municipality_index>(m)];
      const std::string member(member_organisation(plan.form));
      branch b{.home = &home,
               .partner_id = fmt::format("{}-{}", plan.prefix, lower(home.code)),
               .population_sum = population_sum,
               .languages = {},
               .rng = &rng};
      // TijdVoorActie's young volunteers speak English more often than not.
      b.languages = plan.form == help_form::youth && rng.chance(500)
                        ? std::vector<std::string>{"nl", "en"}
                        : branch_languages(home.population, rng);
      partners_at[m].push_back(b.partner_id);
      out.add_partner({.id = b.partner_id,
                       .member = member,
                       .branch = fmt::format("{} {}", member, home.name),
                       .municipality = home.code});
      switch (plan.form) {
        case help_form::money:
          add_money_offerings(out, b);
          break;
        case help_form::neighbour:
          add_neighbour_offerings(out, b);
          break;
        case help_form::work:
          add_work_offerings(out, b);
          break;
        case help_form::group:
          add_group_offerings(out, b, regions[m]);
          break;
        case help_form::youth:
          add_youth_offerings(out, b);
          break;
      }
    }
  }

  add_standard_relations(out);
  detail::add_synthetic_chains(out, where, partners_at, seed);
  return out.build();
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

namespace {

/// Share of first needs per help form, in percent (docs/data.md: the members' yearly volumes).
constexpr std::array<std::uint32_t, help_form_count> form_shares{29, 26, 8, 28, 9};

struct category_weight {
  std::string_view id;
  std::uint32_t weight;
};
/// Which category within each help form, relative weights.
constexpr std::array<std::array<category_weight, 4>, help_form_count> category_weights{{
    {{{"money.crisis", 15}, {"money.debts", 45}, {"money.admin", 25}, {"money.budgeting", 15}}},
    {{{"neighbour.chores", 35},
      {"neighbour.transport", 20},
      {"neighbour.shopping", 15},
      {"neighbour.company", 30}}},
    {{{"work.job_search", 45}, {"work.coaching", 30}, {"work.application", 25}, {"", 0}}},
    {{{"group.home_cleanup", 40},
      {"group.painting", 25},
      {"group.garden", 25},
      {"group.moving", 10}}},
    {{{"youth.company", 40}, {"youth.chores", 35}, {"youth.activities", 25}, {"", 0}}},
}};

/// Number of needs 1–6, percent: most cases have one to three.
constexpr std::array<std::uint32_t, 6> need_count_shares{35, 30, 18, 10, 5, 2};
constexpr std::array<std::uint32_t, 5> urgency_shares{15, 30, 35, 15, 5};

constexpr std::array<age_band, 8> age_bands{
    {{18, 29}, {30, 39}, {40, 49}, {50, 59}, {60, 69}, {70, 79}, {80, 89}, {90, 130}}};
/// Age band of the person, by the help form of the first need (percent).
constexpr std::array<std::array<std::uint32_t, 8>, help_form_count> age_shares{{
    {14, 22, 24, 20, 12, 5, 2, 1},   // money
    {5, 8, 10, 12, 15, 20, 20, 10},  // neighbour
    {25, 25, 22, 20, 8, 0, 0, 0},    // work
    {8, 12, 15, 15, 17, 18, 12, 3},  // group: 33% aged 70+ (Present: older people 33%)
    {5, 5, 8, 8, 14, 25, 25, 10},    // youth
}};
/// single, couple, single_parent, family, other (percent).
constexpr std::array<std::array<std::uint32_t, household_type_count>, help_form_count>
    household_shares{{
        {45, 10, 22, 18, 5},  // money
        {55, 20, 10, 8, 7},   // neighbour
        {45, 12, 18, 20, 5},  // work
        {45, 15, 20, 12, 8},  // group: single-parent families 20%
        {55, 25, 8, 7, 5},    // youth
    }};
/// self, professional, partner, church, other (percent).
constexpr std::array<std::array<std::uint32_t, 5>, help_form_count> referrer_shares{{
    {35, 35, 10, 15, 5},  // money
    {10, 75, 5, 7, 3},    // neighbour: ~75% via care and welfare organisations
    {40, 35, 15, 5, 5},   // work
    {3, 85, 7, 3, 2},     // group: Present needs a professional
    {25, 45, 10, 15, 5},  // youth
}};
constexpr std::array<std::string_view, 7> other_languages{"en", "ar", "tr", "pl", "uk", "fa", "ti"};

/// PC4 ranges by province (roughly where each province's postcodes lie; not a postcode table).
struct pc4_range {
  std::string_view province;
  int first;
  int last;
};
constexpr std::array<pc4_range, 12> province_postcodes{{
    {"Noord-Holland", 1000, 1999},
    {"Flevoland", 8200, 8399},
    {"Zuid-Holland", 2200, 3399},
    {"Utrecht", 3400, 3999},
    {"Zeeland", 4300, 4599},
    {"Noord-Brabant", 4600, 5799},
    {"Limburg", 5800, 6499},
    {"Gelderland", 6500, 7399},
    {"Overijssel", 7400, 7799},
    {"Drenthe", 7800, 7999},
    {"Friesland", 8400, 9299},
    {"Groningen", 9300, 9999},
}};

/// A block of ten PC4 areas for the municipality, inside its province's range, fixed by its code.
int pc4_block(const municipality& m) {
  int first = 1000;
  int last = 9999;
  for (const pc4_range& range : province_postcodes)
    if (range.province == m.province) {
      first = range.first;
      last = range.last;
    }
  const auto blocks = static_cast<std::uint64_t>((last - first + 1) / 10);
  return first + static_cast<int>(fnv1a(m.code) % blocks) * 10;
}

class case_maker {
 public:
  case_maker(const landscape& context, const case_generation& options)
      : context_(context), places_(context.places()), rng_(options.seed, "cases") {
    if (options.municipalities.empty()) {
      for (std::size_t m = 0; m < places_.size(); ++m)
        pool_.push_back(static_cast<municipality_index>(m));
    } else {
      for (const std::string& code : options.municipalities)
        pool_.push_back(places_.index_of(code));
    }
    if (pool_.empty())
      throw validation_error(error_code::empty_value, "no municipality to draw cases from",
                             {.field = "municipalities"});
    for (municipality_index m : pool_)
      pool_weights_.push_back(std::uint64_t{places_[m].population} + 1);
    for (std::size_t f = 0; f < help_form_count; ++f)
      for (const category_weight& c : category_weights[f])
        if (!c.id.empty()) {
          if (const auto index = context.categories().find(c.id)) {
            forms_[f].push_back(*index);
            form_weights_[f].push_back(c.weight);
          }
        }
    partners_in_.resize(places_.size());
    for (std::size_t p = 0; p < context.partners().size(); ++p)
      for (municipality_index m : context.municipalities_of(static_cast<partner_index>(p)))
        partners_in_[m].push_back(static_cast<partner_index>(p));
  }

  help_case make(std::string id) {
    help_case c;
    c.id = std::move(id);
    const std::size_t first_form = add_needs(c, std::nullopt);
    const municipality_index m =
        pool_[rng_.weighted(std::span<const std::uint64_t>(pool_weights_))];
    c.location = locate(places_[m]);
    c.profile = profile(first_form);
    c.consent = rng_.chance(950);
    if (rng_.chance(30) && !partners_in_[m].empty())
      c.excluded_partners.push_back(
          context_.partners()[partners_in_[m][rng_.below(partners_in_[m].size())]].id);
    return c;
  }

  /// A case in municipality `m` whose first need is of help form `first`, drawn from `rng` (the
  /// maker's own stream is left as it was). As make() otherwise.
  help_case make_in(random_stream& rng, std::string id, municipality_index m, help_form first) {
    std::swap(rng, rng_);
    help_case c;
    c.id = std::move(id);
    const std::size_t first_form = add_needs(c, static_cast<std::size_t>(first));
    c.location = locate(places_[m]);
    c.profile = profile(first_form);
    c.consent = rng_.chance(950);
    if (rng_.chance(30) && !partners_in_[m].empty())
      c.excluded_partners.push_back(
          context_.partners()[partners_in_[m][rng_.below(partners_in_[m].size())]].id);
    std::swap(rng, rng_);
    return c;
  }

 private:
  /// Adds 1–6 needs; returns the help form of the first (`first_form`, if given and the taxonomy
  /// has a standard category of that form).
  std::size_t add_needs(help_case& c, std::optional<std::size_t> forced_first) {
    std::vector<category_index> chosen;
    std::size_t first_form = 0;
    const std::size_t wanted = rng_.weighted(need_count_shares) + 1;
    for (std::size_t attempt = 0; chosen.size() < wanted && attempt < 64; ++attempt) {
      std::optional<category_index> next;
      if (!chosen.empty() && rng_.chance(650)) next = complement_of(chosen);
      if (!next && chosen.empty() && forced_first && !forms_[*forced_first].empty()) {
        const std::size_t form = *forced_first;
        next = forms_[form][rng_.weighted(std::span<const std::uint32_t>(form_weights_[form]))];
      }
      if (!next) {
        const std::size_t form = rng_.weighted(form_shares);
        if (forms_[form].empty()) continue;
        next = forms_[form][rng_.weighted(std::span<const std::uint32_t>(form_weights_[form]))];
      }
      if (std::find(chosen.begin(), chosen.end(), *next) != chosen.end()) continue;
      if (chosen.empty()) first_form = static_cast<std::size_t>(context_.categories()[*next].form);
      chosen.push_back(*next);
    }
    if (chosen.empty()) chosen.push_back(0);  // a taxonomy without any standard category
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      const std::string& id = context_.categories()[chosen[i]].id;
      const int urgency = id == "money.crisis"
                              ? (rng_.chance(600) ? 5 : 4)
                              : static_cast<int>(rng_.weighted(urgency_shares)) + 1;
      // Quarters, so that every weight is exact: the first need 1–2, later ones 0.5–1.25.
      const double weight = i == 0 ? rng_.between(4, 8) / 4.0 : rng_.between(2, 5) / 4.0;
      c.needs.push_back({.category = id, .urgency = urgency, .weight = weight});
    }
    return first_form;
  }

  /// A category complementary to those chosen, in proportion to the summed weights; none if no
  /// unchosen category complements them.
  std::optional<category_index> complement_of(const std::vector<category_index>& chosen) {
    const std::size_t n = context_.categories().size();
    std::vector<std::uint32_t> weights(n, 0);
    bool any = false;
    for (std::size_t c = 0; c < n; ++c) {
      const auto index = static_cast<category_index>(c);
      if (std::find(chosen.begin(), chosen.end(), index) != chosen.end()) continue;
      for (category_index other : chosen)
        weights[c] += static_cast<std::uint32_t>(
            std::lround(context_.complement_weight(index, other) * 100.0));
      any = any || weights[c] > 0;
    }
    if (!any) return std::nullopt;
    return static_cast<category_index>(rng_.weighted(std::span<const std::uint32_t>(weights)));
  }

  /// Always the municipality; PC4 in 40% of cases, a point within 3 km in 30%.
  case_location locate(const municipality& m) {
    case_location where{.municipality = m.code};
    if (rng_.chance(400)) where.postcode = static_cast<pc4>(pc4_block(m) + rng_.between(0, 9));
    if (rng_.chance(300)) {
      constexpr std::int32_t reach_m = 3000;
      std::int64_t east = 0;
      std::int64_t north = 0;
      do {
        east = rng_.between(-reach_m, reach_m);
        north = rng_.between(-reach_m, reach_m);
      } while (east * east + north * north > std::int64_t{reach_m} * reach_m);
      grid_point p = to_grid(m.point);
      p.lat = std::clamp<std::int64_t>(p.lat + north * lat_units_per_km / 1000, -900'000, 900'000);
      p.lon =
          std::clamp<std::int64_t>(p.lon + east * lon_units_per_km / 1000, -1'800'000, 1'800'000);
      where.point = to_geo(p);
    }
    return where;
  }

  case_profile profile(std::size_t form) {
    case_profile p;
    if (!rng_.chance(100)) p.age = age_bands[rng_.weighted(age_shares[form])];
    if (!rng_.chance(50))
      p.household = static_cast<household_type>(rng_.weighted(household_shares[form]));
    const std::uint64_t language = rng_.below(100);
    const auto other = [this] {
      return std::string(other_languages[rng_.below(other_languages.size())]);
    };
    if (language < 78) {
      p.languages = {"nl"};
    } else if (language < 88) {
      p.languages = {"nl", other()};
    } else if (language < 96) {
      p.languages = {other()};
    }  // else unknown: empty
    p.referrer = static_cast<referrer_kind>(rng_.weighted(referrer_shares[form]));
    return p;
  }

  const landscape& context_;
  const geography& places_;
  random_stream rng_;
  std::vector<municipality_index> pool_;
  std::vector<std::uint64_t> pool_weights_;
  std::array<std::vector<category_index>, help_form_count> forms_;
  std::array<std::vector<std::uint32_t>, help_form_count> form_weights_;
  std::vector<std::vector<partner_index>> partners_in_;
};

}  // namespace

namespace detail {

struct case_source::impl {
  explicit impl(const landscape& l) : maker(l, case_generation{.count = 0}) {}
  case_maker maker;
};

case_source::case_source(const landscape& context) : impl_(std::make_unique<impl>(context)) {}
case_source::~case_source() = default;

help_case case_source::draw(random_stream& rng, std::string id, municipality_index m,
                            help_form first) {
  return impl_->maker.make_in(rng, std::move(id), m, first);
}

double mean_needs_per_case() {
  double sum = 0;
  double weight = 0;
  for (std::size_t k = 0; k < need_count_shares.size(); ++k) {
    sum += static_cast<double>((k + 1) * need_count_shares[k]);
    weight += need_count_shares[k];
  }
  return sum / weight;
}

}  // namespace detail

std::vector<help_case> generate_cases(const landscape& context, const case_generation& options) {
  std::vector<help_case> cases;
  if (options.count == 0) return cases;
  case_maker maker(context, options);
  cases.reserve(options.count);
  for (std::size_t i = 1; i <= options.count; ++i)
    cases.push_back(maker.make(fmt::format("{}{:06}", options.id_prefix, i)));
  return cases;
}

}  // namespace keten
