// The gap analysis (keten/gaps.hpp, docs/gaps.md): demand, capacity, shortfall and reach per
// municipality and help form, unmet needs as evidence, and the greedy placement of new teams.
#include "keten/gaps.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <queue>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "keten/analysis.hpp"
#include "keten/error.hpp"

namespace keten {

namespace {

constexpr double earth_radius_km = 6371.0088;  // as in distance_km()
constexpr double to_deg = 180.0 / std::numbers::pi;

[[noreturn]] void reject(std::string_view field, std::string message) {
  throw validation_error(error_code::invalid_value, std::move(message),
                         source_position{.field = std::string(field)});
}

/// The municipality a case counts in: its own, else the one nearest its point; nullopt if the
/// case has neither (a PC4 alone does not say which municipality).
std::optional<municipality_index> home_of(const help_case& c, const geography& places) {
  if (!c.location.municipality.empty()) {
    if (auto m = places.find(c.location.municipality)) return m;
    throw validation_error(error_code::unknown_municipality,
                           fmt::format("unknown municipality '{}'", c.location.municipality),
                           source_position{.field = "location.municipality", .object_id = c.id});
  }
  if (!c.location.point || places.size() == 0) return std::nullopt;
  municipality_index best = 0;
  double best_km = distance_km(*c.location.point, places[0].point);
  for (municipality_index m = 1; m < places.size(); ++m) {
    const double km = distance_km(*c.location.point, places[m].point);
    if (km < best_km) best_km = km, best = m;
  }
  return best;
}

/// A uniform grid over latitude and longitude whose cells are at least `km` wide at every
/// latitude the points and the queries span, so that every point within `km` of a query lies in
/// the query's cell or one of its eight neighbours. Dense over the points' bounding box, with the
/// points of each cell contiguous (compressed rows); cells are made larger (which keeps the rule)
/// when the box would need more than about four million of them.
class point_grid {
 public:
  point_grid(std::span<const geo_point> points, double km, double max_abs_lat) {
    // A great-circle distance d between latitudes φ and ψ (both ≤ max_abs_lat in size) has
    // |Δφ| ≤ d / R, and hav(Δλ) ≤ hav(d / R) / (cos φ cos ψ), so sin(Δλ / 2) ≤ sin(d / 2R) / cos.
    const double r = km / earth_radius_km;
    cell_lat_ = r * to_deg * 1.000001;
    const double cos_min = std::cos(std::min(max_abs_lat, 89.0) / to_deg);
    const double s = std::sin(r / 2.0) / cos_min;
    cell_lon_ = s >= 1.0 ? 360.0 : 2.0 * std::asin(s) * to_deg * 1.000001;
    lat0_ = lon0_ = std::numeric_limits<double>::infinity();
    double lat1 = -lat0_, lon1 = -lon0_;
    for (const geo_point& p : points) {
      lat0_ = std::min(lat0_, p.lat), lat1 = std::max(lat1, p.lat);
      lon0_ = std::min(lon0_, p.lon), lon1 = std::max(lon1, p.lon);
    }
    constexpr double max_side = 2048.0;
    cell_lat_ = std::max(cell_lat_, (lat1 - lat0_) / max_side);
    cell_lon_ = std::max(cell_lon_, (lon1 - lon0_) / max_side);
    rows_ = static_cast<std::int64_t>((lat1 - lat0_) / cell_lat_) + 1;
    cols_ = static_cast<std::int64_t>((lon1 - lon0_) / cell_lon_) + 1;
    first_.assign(static_cast<std::size_t>(rows_ * cols_) + 1, 0);
    std::vector<std::size_t> cell(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      cell[i] = static_cast<std::size_t>(row(points[i].lat) * cols_ + col(points[i].lon));
      ++first_[cell[i] + 1];
    }
    for (std::size_t c = 1; c < first_.size(); ++c)
      first_[c] += first_[c - 1];
    points_.resize(points.size());
    std::vector<std::size_t> next(first_.begin(), first_.end() - 1);
    for (std::size_t i = 0; i < points.size(); ++i)
      points_[next[cell[i]]++] = points[i];
  }
  /// True if `within(p)` holds for a point p of a cell next to q's (a superset of those within
  /// km of q is tried).
  template <class Within>
  bool any_near(geo_point q, Within&& within) const {
    const std::int64_t r0 = row(q.lat), c0 = col(q.lon);
    for (std::int64_t r = std::max<std::int64_t>(r0 - 1, 0); r <= std::min(r0 + 1, rows_ - 1); ++r)
      for (std::int64_t c = std::max<std::int64_t>(c0 - 1, 0); c <= std::min(c0 + 1, cols_ - 1);
           ++c) {
        const auto cell = static_cast<std::size_t>(r * cols_ + c);
        for (std::size_t i = first_[cell]; i < first_[cell + 1]; ++i)
          if (within(points_[i])) return true;
      }
    return false;
  }

 private:
  /// The row of a latitude; outside the box it is clamped one beyond (nothing is there).
  [[nodiscard]] std::int64_t row(double lat) const { return index(lat, lat0_, cell_lat_, rows_); }
  [[nodiscard]] std::int64_t col(double lon) const { return index(lon, lon0_, cell_lon_, cols_); }
  static std::int64_t index(double v, double origin, double cell, std::int64_t count) {
    const double x = std::floor((v - origin) / cell);
    return static_cast<std::int64_t>(std::clamp(x, -2.0, static_cast<double>(count + 1)));
  }
  double lat0_{}, lon0_{}, cell_lat_{}, cell_lon_{};
  std::int64_t rows_{}, cols_{};
  std::vector<std::size_t> first_;  // per cell, where its points begin in points_
  std::vector<geo_point> points_;   // grouped by cell
};

/// Vogel's spiral: `samples` points spread evenly over the disc of `area_km2` around `centre`.
void disc_samples(geo_point centre, double area_km2, int samples, std::vector<geo_point>& out) {
  out.clear();
  const double radius = area_km2 > 0 ? std::sqrt(area_km2 / std::numbers::pi) : 0.0;
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  const double km_per_deg = earth_radius_km / to_deg;
  const double cos_lat = std::max(std::cos(centre.lat / to_deg), 1e-6);
  for (int i = 0; i < samples; ++i) {
    const double rho = radius * std::sqrt((i + 0.5) / samples);
    const double theta = golden * i;
    out.push_back({centre.lat + rho * std::sin(theta) / km_per_deg,
                   centre.lon + rho * std::cos(theta) / (km_per_deg * cos_lat)});
  }
}

std::uint8_t forms_of(const landscape& l, offering_index o) {
  std::uint8_t bits = 0;
  for (category_index c : l.categories_of(o))
    bits |= static_cast<std::uint8_t>(1U << static_cast<unsigned>(l.categories()[c].form));
  return bits;
}

}  // namespace

demand_rates demand_rates::standard() noexcept {
  demand_rates r;
  r.per_1000 = {0.98, 1.39, 0.39, 1.13, 0.91};
  return r;
}

std::vector<municipality_index> gap_analysis::with_all_forms() const {
  std::vector<municipality_index> out;
  for (municipality_index m = 0; m < municipalities; ++m)
    if (forms_present[m] == (1U << help_form_count) - 1) out.push_back(m);
  return out;
}

std::vector<municipality_index> gap_analysis::missing(help_form f) const {
  std::vector<municipality_index> out;
  for (municipality_index m = 0; m < municipalities; ++m)
    if (!has(m, f)) out.push_back(m);
  return out;
}

std::vector<geo_point> population_points(const municipality& m, int samples) {
  if (samples < 1 || samples > 4096)
    reject("population_samples", "the population samples number 1 to 4096");
  std::vector<geo_point> out;
  disc_samples(m.point, m.area_km2, samples, out);
  return out;
}

std::vector<geo_point> offering_points(const landscape& l, help_form f) {
  std::vector<geo_point> points;
  const unsigned bit = 1U << static_cast<unsigned>(f);
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    if (!(forms_of(l, o) & bit)) continue;
    const offering& item = l.offerings()[o];
    points.push_back(
        item.area.radius
            ? item.area.radius->center
            : l.places()[l.places().index_of(l.partners()[l.partner_of(o)].municipality)].point);
  }
  const auto less = [](geo_point a, geo_point b) {
    return a.lat != b.lat ? a.lat < b.lat : a.lon < b.lon;
  };
  std::sort(points.begin(), points.end(), less);
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

namespace {

/// Every municipality's population points (population_points), and the largest |latitude| among
/// them.
struct population_discs {
  std::vector<std::vector<geo_point>> points;
  double max_abs_lat{};
};

population_discs discs_of(const geography& places, int samples) {
  population_discs d;
  d.points.resize(places.size());
  for (municipality_index m = 0; m < places.size(); ++m) {
    disc_samples(places[m].point, places[m].area_km2, samples, d.points[m]);
    for (const geo_point& s : d.points[m])
      d.max_abs_lat = std::max(d.max_abs_lat, std::abs(s.lat));
  }
  return d;
}

std::vector<double> reach_of(const population_discs& discs, std::span<const geo_point> offers,
                             double km) {
  std::vector<double> share(discs.points.size(), 0.0);
  if (offers.empty()) return share;
  double max_abs_lat = discs.max_abs_lat;
  for (const geo_point& p : offers)
    max_abs_lat = std::max(max_abs_lat, std::abs(p.lat));
  const point_grid grid(offers, km, max_abs_lat + km / earth_radius_km * to_deg);
  for (std::size_t m = 0; m < discs.points.size(); ++m) {
    std::size_t within = 0;
    for (const geo_point& s : discs.points[m])
      within += grid.any_near(s, [&](geo_point p) { return distance_km(s, p) <= km; });
    if (!discs.points[m].empty())
      share[m] = static_cast<double>(within) / static_cast<double>(discs.points[m].size());
  }
  return share;
}

void check_reach_options(double km, int samples) {
  if (!std::isfinite(km) || km <= 0.0 || km > 1000.0)
    reject("reach_km", "the reach distance is more than 0 and at most 1000 km");
  if (samples < 1 || samples > 4096)
    reject("population_samples", "the population samples number 1 to 4096");
}

}  // namespace

std::vector<double> reach_shares(const geography& places, std::span<const geo_point> points,
                                 double km, int samples) {
  check_reach_options(km, samples);
  return reach_of(discs_of(places, samples), points, km);
}

gap_analysis analyse_gaps(const landscape& l, const gap_options& options) {
  const geography& places = l.places();
  for (double r : options.rates.per_1000)
    if (!std::isfinite(r) || r < 0.0) reject("rates", "a demand rate is finite and not negative");
  if (!std::isfinite(options.cases_period_days) || options.cases_period_days <= 0.0)
    reject("cases_period_days", "the period of the cases is more than 0 days");
  check_reach_options(options.reach_km, options.population_samples);

  gap_analysis g;
  g.municipalities = places.size();
  g.cells.assign(places.size() * help_form_count, gap_cell{});
  g.forms_present.assign(places.size(), 0);
  g.reach_km = options.reach_km;
  g.demand_from_cases = !options.cases.empty();

  // Capacity per year (the one home of that rule: analysis.hpp).
  const Eigen::MatrixXd capacity = capacity_by_municipality(l);
  // Offerings that serve each municipality (the exact relation), per help form.
  std::vector<std::uint8_t> form_bits(l.offerings().size());
  for (offering_index o = 0; o < l.offerings().size(); ++o)
    form_bits[o] = forms_of(l, o);
  std::vector<offering_index> seen;
  for (municipality_index m = 0; m < places.size(); ++m) {
    seen.clear();
    for (category_index c = 0; c < l.categories().size(); ++c)
      for (offering_index o : l.candidates(m, c))
        seen.push_back(o);
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    const case_location where{.municipality = places[m].code};
    for (offering_index o : seen) {
      if (!l.serves(o, where)) continue;
      g.forms_present[m] |= form_bits[o];
      for (help_form f : all_help_forms)
        if ((form_bits[o] >> static_cast<unsigned>(f)) & 1U) ++g.at(m, f).offerings;
    }
    for (help_form f : all_help_forms)
      g.at(m, f).capacity = capacity(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(f));
  }

  // Demand: population × rate, or the cases' needs scaled to a year.
  if (options.cases.empty()) {
    for (municipality_index m = 0; m < places.size(); ++m)
      for (help_form f : all_help_forms)
        g.at(m, f).demand =
            places[m].population / 1000.0 * options.rates.per_1000[static_cast<std::size_t>(f)];
  } else {
    const double per_year = 365.0 / options.cases_period_days;
    for (const help_case& c : options.cases) {
      validate(c, l.categories(), places);
      const std::optional<municipality_index> m = home_of(c, places);
      if (!m) {
        ++g.cases_without_place;
        continue;
      }
      for (const need& n : c.needs)
        g.at(*m, l.categories()[l.categories().index_of(n.category)].form).demand += per_year;
    }
  }
  for (gap_cell& cell : g.cells)
    cell.shortfall = std::max(0.0, cell.demand - cell.capacity);

  // Reach: the share of each municipality's population within reach_km of the help form.
  const population_discs discs = discs_of(places, options.population_samples);
  for (help_form f : all_help_forms) {
    const std::vector<double> share = reach_of(discs, offering_points(l, f), options.reach_km);
    for (municipality_index m = 0; m < places.size(); ++m)
      g.at(m, f).reach = share[m];
  }
  return g;
}

gap_totals total_gaps(const gap_analysis& gaps, const geography& places,
                      std::span<const municipality_index> scope) {
  if (gaps.municipalities != places.size() ||
      gaps.cells.size() != gaps.municipalities * help_form_count ||
      gaps.forms_present.size() != gaps.municipalities)
    reject("gaps", "the gap analysis is not of this geography");
  gap_totals t;
  const auto add = [&](municipality_index m) {
    if (m >= gaps.municipalities)
      reject("scope", fmt::format("municipality index {} is outside the geography", m));
    ++t.municipalities;
    const double population = places[m].population;
    t.population += population;
    t.with_all_forms += gaps.forms_present[m] == (1U << help_form_count) - 1;
    for (help_form f : all_help_forms) {
      const auto i = static_cast<std::size_t>(f);
      const gap_cell& c = gaps.at(m, f);
      t.demand[i] += c.demand;
      t.capacity[i] += c.capacity;
      t.shortfall[i] += c.shortfall;
      t.reach[i] += c.reach * population;
      t.missing[i] += !gaps.has(m, f);
      for (std::uint32_t u : c.unmet)
        t.unmet[i] += u;
    }
  };
  for (municipality_index m : gaps.rows(scope))
    add(m);
  for (double& r : t.reach)
    r = t.population > 0 ? r / t.population : 0.0;
  return t;
}

std::vector<municipality_index> select_municipalities(const geography& places,
                                                      std::span<const std::string> codes,
                                                      std::span<const std::string> provinces) {
  std::vector<municipality_index> out;
  for (const std::string& code : codes) {
    const auto m = places.find(code);
    if (!m)
      throw not_found_error(fmt::format("no municipality has the code '{}'", code),
                            source_position{.field = "municipality", .object_id = code});
    out.push_back(*m);
  }
  for (const std::string& province : provinces) {
    bool any = false;
    for (municipality_index m = 0; m < places.size(); ++m)
      if (places[m].province == province) out.push_back(m), any = true;
    if (!any)
      throw not_found_error(fmt::format("no municipality lies in a province '{}'", province),
                            source_position{.field = "province", .object_id = province});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void add_unmet_evidence(gap_analysis& gaps, const landscape& l, std::span<const help_case> cases,
                        const allocation& result) {
  if (gaps.municipalities != l.places().size() ||
      gaps.cells.size() != gaps.municipalities * help_form_count)
    reject("gaps", "the gap analysis is not of this landscape's geography");
  // Check every reference before anything is counted: nothing half-added.
  for (const unmet_need& u : result.unmet) {
    if (u.need.case_index >= cases.size() ||
        u.need.need_index >= cases[u.need.case_index].needs.size())
      reject("unmet", fmt::format("the allocation names need {} of case {}, which the cases do "
                                  "not have",
                                  u.need.need_index, u.need.case_index));
    if (static_cast<std::size_t>(u.reason) >= 5) reject("unmet.reason", "unknown unmet reason");
  }
  std::vector<std::optional<municipality_index>> home(cases.size());
  std::vector<bool> resolved(cases.size(), false);
  std::set<std::size_t> touched;
  std::vector<std::pair<std::size_t, std::size_t>> counts;  // (cell, reason)
  for (const unmet_need& u : result.unmet) {
    const std::size_t ci = u.need.case_index;
    if (!resolved[ci]) home[ci] = home_of(cases[ci], l.places()), resolved[ci] = true;
    if (!home[ci]) continue;
    const std::string& category = cases[ci].needs[u.need.need_index].category;
    const help_form f = l.categories()[l.categories().index_of(category)].form;
    const std::size_t cell = *home[ci] * help_form_count + static_cast<std::size_t>(f);
    counts.emplace_back(cell, static_cast<std::size_t>(u.reason));
    touched.insert(cell);
  }
  for (auto [cell, reason] : counts)
    ++gaps.cells[cell].unmet[reason];
  for (std::size_t cell : touched)
    ++gaps.cells[cell].rounds_unmet;
  ++gaps.rounds;
}

namespace {

struct coverage_model {
  std::vector<municipality_index> scope;          // candidate sites and counted municipalities
  std::vector<double> weight;                     // per scope entry: its shortfall
  std::vector<std::vector<std::uint32_t>> reach;  // per scope entry: scope entries reached
};

coverage_model build_model(const gap_analysis& gaps, const landscape& l,
                           const team_plan_options& o) {
  const geography& places = l.places();
  if (gaps.municipalities != places.size() ||
      gaps.cells.size() != gaps.municipalities * help_form_count)
    reject("gaps", "the gap analysis is not of this landscape's geography");
  if (!std::isfinite(o.team_radius_km) || o.team_radius_km <= 0.0 || o.team_radius_km > 1000.0)
    reject("team_radius_km", "a team's reach is more than 0 and at most 1000 km");
  if (!std::isfinite(o.team_capacity) || o.team_capacity < 0.0)
    reject("team_capacity", "a team's capacity is finite and not negative");
  if (static_cast<std::size_t>(o.form) >= help_form_count) reject("form", "unknown help form");
  coverage_model model;
  if (o.scope.empty()) {
    model.scope.resize(places.size());
    for (municipality_index m = 0; m < places.size(); ++m)
      model.scope[m] = m;
  } else {
    model.scope = o.scope;
    for (municipality_index m : model.scope)
      if (m >= places.size())
        reject("scope", fmt::format("municipality index {} is outside the geography", m));
    std::sort(model.scope.begin(), model.scope.end());
    model.scope.erase(std::unique(model.scope.begin(), model.scope.end()), model.scope.end());
  }
  const std::size_t n = model.scope.size();
  model.weight.resize(n);
  model.reach.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    model.weight[i] = gaps.at(model.scope[i], o.form).shortfall;
  // Pairs within the radius: in order of latitude, only pairs whose latitudes differ by less
  // than the radius (a great-circle distance is at least the difference in latitude) are
  // measured.
  std::vector<std::uint32_t> by_lat(n);
  for (std::uint32_t i = 0; i < n; ++i)
    by_lat[i] = i;
  const auto lat = [&](std::uint32_t i) { return places[model.scope[i]].point.lat; };
  std::sort(by_lat.begin(), by_lat.end(), [&](std::uint32_t a, std::uint32_t b) {
    return lat(a) < lat(b) || (lat(a) == lat(b) && a < b);
  });
  const double band = o.team_radius_km / earth_radius_km * to_deg * (1 + 1e-9);
  for (std::size_t x = 0; x < n; ++x) {
    const std::uint32_t i = by_lat[x];
    model.reach[i].push_back(i);
    for (std::size_t y = x + 1; y < n && lat(by_lat[y]) - lat(i) <= band; ++y) {
      const std::uint32_t j = by_lat[y];
      if (distance_km(places[model.scope[i]].point, places[model.scope[j]].point) <=
          o.team_radius_km) {
        model.reach[i].push_back(j);
        model.reach[j].push_back(i);
      }
    }
  }
  for (auto& r : model.reach)
    std::sort(r.begin(), r.end());
  return model;
}

double gain_of(const coverage_model& model, std::size_t site, const std::vector<bool>& covered) {
  double gain = 0.0;
  for (std::uint32_t j : model.reach[site])
    if (!covered[j]) gain += model.weight[j];
  return gain;
}

double median_team_capacity(const landscape& l, help_form f) {
  std::unordered_map<partner_index, double> per_partner;
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    const std::uint8_t bits = forms_of(l, o);
    if (!((bits >> static_cast<unsigned>(f)) & 1U)) continue;
    const capacity& u = l.offerings()[o].units;
    per_partner[l.partner_of(o)] +=
        u.units_per_period * 365.0 / u.period_days / std::popcount(static_cast<unsigned>(bits));
  }
  if (per_partner.empty()) return 1.0;
  std::vector<double> values;
  for (const auto& [p, v] : per_partner)
    values.push_back(v);
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

double team_coverage(const gap_analysis& gaps, const landscape& l, const team_plan_options& options,
                     std::span<const municipality_index> sites) {
  const coverage_model model = build_model(gaps, l, options);
  std::vector<bool> covered(model.scope.size(), false);
  for (municipality_index s : sites) {
    const auto it = std::lower_bound(model.scope.begin(), model.scope.end(), s);
    if (it == model.scope.end() || *it != s)
      reject("sites", fmt::format("municipality index {} is not in scope", s));
    for (std::uint32_t j : model.reach[static_cast<std::size_t>(it - model.scope.begin())])
      covered[j] = true;
  }
  double total = 0.0;
  for (std::size_t j = 0; j < covered.size(); ++j)
    if (covered[j]) total += model.weight[j];
  return total;
}

team_plan plan_new_teams(const gap_analysis& gaps, const landscape& l,
                         const team_plan_options& options) {
  if (options.teams == 0) reject("teams", "plan at least one new team");
  const coverage_model model = build_model(gaps, l, options);
  const std::size_t n = model.scope.size();
  team_plan plan;
  plan.form = options.form;
  plan.team_capacity =
      options.team_capacity > 0.0 ? options.team_capacity : median_team_capacity(l, options.form);
  for (double w : model.weight)
    plan.shortfall_before += w;

  // Lazy greedy: a max-heap of (bound on the gain, site), ties to the lower site. A bound is a
  // gain computed in an earlier step; gains only shrink as more is covered (submodularity), so
  // a site whose gain is current and on top beats every other site's true gain.
  struct entry {
    double bound;
    std::uint32_t site;
    std::uint32_t step;  // the step its bound was computed in
  };
  const auto lower = [](const entry& a, const entry& b) {
    return a.bound != b.bound ? a.bound < b.bound : a.site > b.site;
  };
  std::priority_queue<entry, std::vector<entry>, decltype(lower)> heap(lower);
  std::vector<bool> covered(n, false);
  for (std::uint32_t i = 0; i < n; ++i)
    heap.push({gain_of(model, i, covered), i, 0});
  bool exhausted = false;  // no site reaches any shortfall not yet reached
  for (std::uint32_t step = 0; step < options.teams && !heap.empty() && !exhausted; ++step) {
    for (;;) {
      entry top = heap.top();
      heap.pop();
      if (top.step == step) {
        if (top.bound <= 0.0) {
          exhausted = true;
          break;
        }
        plan.sites.push_back(model.scope[top.site]);
        plan.gains.push_back(top.bound);
        std::vector<municipality_index> reached;
        for (std::uint32_t j : model.reach[top.site]) {
          reached.push_back(model.scope[j]);
          covered[j] = true;
        }
        plan.reached.push_back(std::move(reached));
        break;
      }
      heap.push({gain_of(model, top.site, covered), top.site, step});
    }
  }
  for (std::size_t j = 0; j < n; ++j)
    if (covered[j]) plan.covered += model.weight[j];

  // The effect on the shortfall: each team fills what it reaches, its own municipality first,
  // then the nearest.
  std::vector<double> left = model.weight;
  const geography& places = l.places();
  for (std::size_t t = 0; t < plan.sites.size(); ++t) {
    const municipality_index s = plan.sites[t];
    std::vector<std::pair<double, std::uint32_t>> order;
    for (municipality_index m : plan.reached[t]) {
      const auto j = static_cast<std::uint32_t>(
          std::lower_bound(model.scope.begin(), model.scope.end(), m) - model.scope.begin());
      order.emplace_back(m == s ? -1.0 : distance_km(places[s].point, places[m].point), j);
    }
    std::sort(order.begin(), order.end());
    double units = plan.team_capacity;
    for (auto [km, j] : order) {
      const double fill = std::min(units, left[j]);
      left[j] -= fill;
      units -= fill;
    }
  }
  for (double v : left)
    plan.shortfall_after += v;
  return plan;
}

}  // namespace keten
