// The synthetic local chains of the national landscape and the synthetic cooperation scans
// (keten/synthetic.hpp; docs/data.md, "Local chains" and "Cooperation scans").
#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include "keten/error.hpp"
#include "keten/synthetic.hpp"
#include "random.hpp"
#include "synthetic_chains.hpp"

namespace keten {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::int32_t day_number(const date& d) {
  return static_cast<std::int32_t>(std::chrono::sys_days{d}.time_since_epoch().count());
}
date date_of(std::int32_t day) {
  return date{std::chrono::sys_days{std::chrono::days{day}}};
}

/// Forms of cooperation and their weights (assumption, docs/data.md).
constexpr std::array<std::pair<std::string_view, std::uint32_t>, 5> form_weights{{
    {"loose_network", 35},
    {"covenant", 25},
    {"shared_intake", 20},
    {"joint_project", 15},
    {"legal_entity", 5},
}};
/// Initiator roles and their weights (assumption: churches carry most local chains).
constexpr std::array<std::pair<std::string_view, std::uint32_t>, 7> role_weights{{
    {"diaconie", 35},
    {"council_of_churches", 20},
    {"church", 15},
    {"social_team", 10},
    {"municipality", 8},
    {"welfare_organisation", 7},
    {"volunteer_coordinator", 5},
}};

template <std::size_t N>
std::string_view draw(const std::array<std::pair<std::string_view, std::uint32_t>, N>& table,
                      detail::random_stream& rng) {
  std::array<std::uint32_t, N> weights{};
  for (std::size_t i = 0; i < N; ++i)
    weights[i] = table[i].second;
  return table[rng.weighted(weights)].first;
}

}  // namespace

void detail::add_synthetic_chains(landscape_builder& out, const geography& places,
                                  const std::vector<std::vector<std::string>>& partners_at,
                                  std::uint64_t seed) {
  random_stream rng(seed, "chains");
  const std::int32_t earliest =
      day_number(date{std::chrono::year{2019}, std::chrono::January, std::chrono::day{1}});
  const std::int32_t latest =
      day_number(date{std::chrono::year{2024}, std::chrono::June, std::chrono::day{30}});
  for (std::size_t m = 0; m < partners_at.size(); ++m) {
    const std::vector<std::string>& here = partners_at[m];
    if (here.size() < 2) continue;
    // 85 %: some places where several members work have no chain (yet): gaps to find.
    if (!rng.chance(850)) continue;
    const municipality& home = places[static_cast<municipality_index>(m)];
    local_chain c;
    c.id = fmt::format("keten-{}", lower(home.code));
    c.name = fmt::format("Keten van Hoop {}", home.name);
    c.municipalities = {home.code};
    c.partners = here;
    // The first initiator: in 60 % a partner (the debt buddies when they are there, they often
    // start it), else a role; in 35 % a second initiator of the other kind.
    const bool partner_first = rng.chance(600);
    const auto some_partner = [&] {
      const auto shm = std::find_if(here.begin(), here.end(),
                                    [](const std::string& id) { return id.starts_with("shm-"); });
      if (shm != here.end() && rng.chance(700)) return *shm;
      return here[rng.below(here.size())];
    };
    if (partner_first)
      c.initiators.push_back({.partner = some_partner(), .role = {}});
    else
      c.initiators.push_back({.partner = {}, .role = std::string(draw(role_weights, rng))});
    if (rng.chance(350)) {
      if (partner_first)
        c.initiators.push_back({.partner = {}, .role = std::string(draw(role_weights, rng))});
      else
        c.initiators.push_back({.partner = some_partner(), .role = {}});
    }
    c.started = date_of(rng.between(earliest, latest));
    c.form = std::string(draw(form_weights, rng));
    out.add_chain(std::move(c));
  }
}

std::vector<scan_answer> generate_scans(const landscape& l, const scan_generation& options) {
  std::vector<std::uint8_t> wanted(l.chains().size(), options.chains.empty() ? 1 : 0);
  for (const std::string& id : options.chains) {
    const auto k = l.find_chain(id);
    if (!k)
      throw not_found_error(fmt::format("no chain with id '{}'", id),
                            {.field = "chains", .object_id = id});
    wanted[*k] = 1;
  }
  const questionnaire& q = questionnaire::standard();
  const std::int32_t around = day_number(options.first);
  std::vector<scan_answer> out;
  for (chain_index k = 0; k < l.chains().size(); ++k) {
    if (!wanted[k]) continue;
    const local_chain& chain = l.chains()[k];
    // One stream per chain: a chain's answers do not depend on which other chains are generated.
    detail::random_stream rng(options.seed, fmt::format("scan.{}", chain.id));
    // Levels in tenths of a point: per condition the chain's level and its change.
    std::array<std::int32_t, condition_count> level{}, change{};
    for (std::size_t c = 0; c < condition_count; ++c) {
      level[c] = rng.between(24, 44);
      change[c] = rng.between(-6, 8);
    }
    const std::size_t partners = chain.partners.size();
    std::vector<std::array<std::int32_t, condition_count>> offset(partners);
    for (auto& row : offset)
      for (std::int32_t& o : row)
        o = rng.between(-7, 7);
    const std::int32_t first =
        std::max(around + rng.between(-45, 45), day_number(chain.started) + 60);
    const std::int32_t days[2] = {first, first + rng.between(300, 430)};
    for (int round = 0; round < 2; ++round) {
      const date when = date_of(days[round]);
      int respondent = 0;
      // Most partners answer each time; at least two always do, so that every scan has a spread.
      std::vector<std::uint8_t> answers(partners);
      std::size_t answering = 0;
      for (std::uint8_t& a : answers)
        answering += (a = rng.chance(850) ? 1 : 0);
      for (std::size_t p = 0; p < partners && answering < 2; ++p)
        if (!answers[p]) answers[p] = 1, ++answering;
      for (std::size_t p = 0; p < partners; ++p) {
        if (!answers[p]) continue;  // this partner did not answer this time
        const int people = rng.between(1, 3);
        for (int r = 0; r < people; ++r) {
          const std::string code = fmt::format("r{:02}", ++respondent);
          const std::int32_t personal = rng.between(-5, 5);
          for (const scan_statement& s : q.statements()) {
            const auto c = static_cast<std::size_t>(s.about);
            std::int32_t tenths = level[c] + (round == 1 ? change[c] : 0) + offset[p][c] +
                                  personal + rng.between(-8, 8);
            tenths = std::clamp<std::int32_t>(tenths, 10, 50);
            int value = (tenths + 5) / 10;  // to the nearest point, halves up
            if (s.reversed) value = min_answer + max_answer - value;
            out.push_back({chain.id, when, chain.partners[p], code, s.id, value});
          }
        }
      }
    }
  }
  return out;
}

}  // namespace keten
