// The landscape (keten/landscape.hpp): its immutable store and lookups (reach, circles, graphs,
// chains), and landscape_builder with its checks and build(). 890 lines: the store is this file's
// private struct, filled by build() and read by every lookup; one file keeps it out of any header.
#include "keten/landscape.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <numeric>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>
#include <boost/graph/depth_first_search.hpp>

#include "chain_checks.hpp"
#include "keten/detail/string_hash.hpp"
#include "keten/error.hpp"

namespace keten {

namespace {

/// Compressed rows: row r is values[start[r] .. start[r+1]).
template <class T>
struct compressed_rows {
  std::vector<std::uint32_t> start{0};
  std::vector<T> values;

  void push_row(std::span<const T> row) {
    values.insert(values.end(), row.begin(), row.end());
    start.push_back(static_cast<std::uint32_t>(values.size()));
  }
  [[nodiscard]] std::span<const T> row(std::size_t r) const noexcept {
    if (r + 1 >= start.size()) return {};
    return {values.data() + start[r], values.data() + start[r + 1]};
  }
  friend bool operator==(const compressed_rows&, const compressed_rows&) = default;
};

/// Builds rows from (row, value) pairs; rows come out with values ascending and unique.
template <class T>
compressed_rows<T> group_by_row(std::size_t row_count,
                                std::vector<std::pair<std::size_t, T>> pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  compressed_rows<T> rows;
  rows.start.assign(row_count + 1, 0);
  rows.values.reserve(pairs.size());
  for (const auto& [row, value] : pairs) {
    ++rows.start[row + 1];
    rows.values.push_back(value);
  }
  std::partial_sum(rows.start.begin(), rows.start.end(), rows.start.begin());
  return rows;
}

/// Grid cell of about 11 × 7–11 km used to find the circles that may contain a point.
using grid_key = std::uint64_t;
constexpr double grid_lat_step = 0.1;
constexpr double grid_lon_step = 0.1;
grid_key cell_row(double lat) {
  return static_cast<grid_key>(std::floor((lat + 90.0) / grid_lat_step));
}
grid_key cell_col(double lon) {
  return static_cast<grid_key>(std::floor((lon + 180.0) / grid_lon_step));
}
grid_key cell_of(double lat, double lon) {
  return (cell_row(lat) << 32) | cell_col(lon);
}
constexpr double earth_radius_km = 6371.0088;  // as in distance_km()

bool contains(const radius_area& circle, geo_point p) {
  return distance_km(circle.center, p) <= circle.km;
}

}  // namespace

struct landscape::store {
  std::string name;
  std::shared_ptr<const geography> places;
  taxonomy categories;
  std::vector<partner> partners;
  std::vector<offering> offerings;
  std::vector<complementarity> complementarities;
  std::vector<precedence> precedences;

  detail::string_map<partner_index> partner_by_id;
  detail::string_map<offering_index> offering_by_id;
  std::vector<partner_index> partner_of;
  std::vector<municipality_index> partner_home;                // per partner
  compressed_rows<category_index> categories_of;               // per offering
  compressed_rows<offering_index> offerings_of_category;       // per category
  compressed_rows<municipality_index> listed_municipalities;   // per offering, sorted
  compressed_rows<pc4> listed_postcodes;                       // per offering, sorted
  compressed_rows<offering_index> cells;                       // per municipality × category
  compressed_rows<municipality_index> partner_municipalities;  // per partner
  std::vector<pc4> postcode_keys;  // sorted, parallel to postcode_values
  std::vector<offering_index> postcode_values;
  // Per grid cell and category (key cell · circle_categories + category): the circles of offerings
  // of that category that may contain a point of the cell.
  std::unordered_map<grid_key, std::vector<offering_index>> circle_grid;
  std::size_t circle_categories = 0;
  std::vector<offering_index> wide_circles;        // circles too wide for the grid, checked always
  std::vector<detail::rule_bits> rule_bits;        // per offering
  detail::string_map<std::uint32_t> language_bit;  // the languages rules name, numbered

  ::keten::complementarity_graph complement_graph;
  Eigen::MatrixXd complement_matrix;
  ::keten::precedence_graph precedence_graph;
  std::vector<category_index> precedence_order;
  std::vector<std::uint8_t> precedes;  // categories × categories, transitive closure

  std::vector<local_chain> chains;
  std::vector<chain_term> forms;  // standard first
  std::vector<chain_term> roles;  // standard first
  detail::string_map<chain_index> chain_by_id;
  compressed_rows<partner_index> chain_members;      // per chain, ascending
  compressed_rows<chain_index> partner_chains;       // per partner
  compressed_rows<chain_index> municipality_chains;  // per municipality
};

// ---------------------------------------------------------------------------------------------
// landscape: accessors
// ---------------------------------------------------------------------------------------------

landscape::landscape() : landscape(landscape_builder().build()) {}

const std::string& landscape::name() const noexcept {
  return data_->name;
}
const geography& landscape::places() const noexcept {
  return *data_->places;
}
const taxonomy& landscape::categories() const noexcept {
  return data_->categories;
}
std::span<const partner> landscape::partners() const noexcept {
  return data_->partners;
}
std::span<const offering> landscape::offerings() const noexcept {
  return data_->offerings;
}
std::span<const complementarity> landscape::complementarities() const noexcept {
  return data_->complementarities;
}
std::span<const precedence> landscape::precedences() const noexcept {
  return data_->precedences;
}

std::optional<partner_index> landscape::find_partner(std::string_view id) const {
  const auto it = data_->partner_by_id.find(id);
  if (it == data_->partner_by_id.end()) return std::nullopt;
  return it->second;
}
std::optional<offering_index> landscape::find_offering(std::string_view id) const {
  const auto it = data_->offering_by_id.find(id);
  if (it == data_->offering_by_id.end()) return std::nullopt;
  return it->second;
}
const partner& landscape::partner_by_id(std::string_view id) const {
  if (auto p = find_partner(id)) return data_->partners[*p];
  throw not_found_error(fmt::format("unknown partner '{}'", id), {.object_id = std::string(id)});
}
const offering& landscape::offering_by_id(std::string_view id) const {
  if (auto o = find_offering(id)) return data_->offerings[*o];
  throw not_found_error(fmt::format("unknown offering '{}'", id), {.object_id = std::string(id)});
}

std::span<const detail::rule_bits> landscape::eligibility_bits() const noexcept {
  return data_->rule_bits;
}

std::optional<detail::profile_bits> landscape::profile_bits(const case_profile& p) const {
  if (data_->language_bit.size() > 64) return std::nullopt;
  detail::profile_bits b{p.age, p.household, p.referrer, !p.languages.empty()};
  for (const std::string& language : p.languages)
    if (const auto it = data_->language_bit.find(language); it != data_->language_bit.end())
      b.languages |= std::uint64_t{1} << it->second;
  return b;
}

partner_index landscape::partner_of(offering_index o) const noexcept {
  return data_->partner_of[o];
}
std::span<const category_index> landscape::categories_of(offering_index o) const noexcept {
  return data_->categories_of.row(o);
}
std::span<const offering_index> landscape::offerings_for(category_index c) const noexcept {
  return data_->offerings_of_category.row(c);
}
std::span<const offering_index> landscape::candidates(municipality_index m,
                                                      category_index c) const noexcept {
  return data_->cells.row(static_cast<std::size_t>(m) * data_->categories.size() + c);
}
std::span<const offering_index> landscape::offerings_in_postcode(pc4 postcode) const {
  const auto [first, last] =
      std::equal_range(data_->postcode_keys.begin(), data_->postcode_keys.end(), postcode);
  return {data_->postcode_values.data() + (first - data_->postcode_keys.begin()),
          static_cast<std::size_t>(last - first)};
}
std::span<const municipality_index> landscape::municipalities_of(partner_index p) const noexcept {
  return data_->partner_municipalities.row(p);
}

namespace {

/// where.municipality resolved: nullopt if none, else its index (not_found_error if unknown).
std::optional<municipality_index> municipality_of(const case_location& where, const geography& g) {
  if (where.municipality.empty()) return std::nullopt;
  return g.index_of(where.municipality);
}

void check_resolved(std::optional<municipality_index> m, const geography& g) {
  if (m && *m >= g.size())
    throw not_found_error(fmt::format("municipality index {} does not exist", *m),
                          {.field = "municipality"});
}

}  // namespace

bool landscape::serves(offering_index o, const case_location& where) const {
  const std::optional<municipality_index> m = municipality_of(where, *data_->places);
  if (m) {
    const auto listed = data_->listed_municipalities.row(o);
    if (std::binary_search(listed.begin(), listed.end(), *m)) return true;
  }
  if (where.postcode) {
    const auto listed = data_->listed_postcodes.row(o);
    if (std::binary_search(listed.begin(), listed.end(), *where.postcode)) return true;
  }
  if (const auto& circle = data_->offerings[o].area.radius) {
    if (where.point) return contains(*circle, *where.point);
    if (m) return contains(*circle, (*data_->places)[*m].point);
  }
  return false;
}

double landscape::service_distance_km(offering_index o, const case_location& where) const {
  return service_distance_km(o, where, municipality_of(where, *data_->places));
}

double landscape::service_distance_km(offering_index o, const case_location& where,
                                      std::optional<municipality_index> m) const {
  check_resolved(m, *data_->places);
  if (m) {
    const auto listed = data_->listed_municipalities.row(o);
    if (std::binary_search(listed.begin(), listed.end(), *m)) return 0.0;
  }
  if (where.postcode) {
    const auto listed = data_->listed_postcodes.row(o);
    if (std::binary_search(listed.begin(), listed.end(), *where.postcode)) return 0.0;
  }
  std::optional<geo_point> from = where.point;
  if (!from && m) from = (*data_->places)[*m].point;
  if (!from) return 0.0;
  if (const auto& circle = data_->offerings[o].area.radius)
    return distance_km(*from, circle->center);
  return distance_km(*from, (*data_->places)[data_->partner_home[data_->partner_of[o]]].point);
}

std::vector<offering_index> landscape::offerings_reaching(const case_location& where,
                                                          category_index c) const {
  return offerings_reaching(where, municipality_of(where, *data_->places), c);
}

std::vector<offering_index> landscape::offerings_reaching(const case_location& where,
                                                          std::optional<municipality_index> m,
                                                          category_index c) const {
  std::vector<offering_index> found;
  offerings_reaching(where, m, c, found);
  return found;
}

void landscape::offerings_reaching(const case_location& where, std::optional<municipality_index> m,
                                   category_index c, std::vector<offering_index>& found) const {
  check_resolved(m, *data_->places);
  found.clear();
  if (where.point) {
    // What lists the municipality or PC4, and the circles that contain the point.
    append_listing(m, where.postcode, c, found);
    each_circle_containing(*where.point, c,
                           [&found](offering_index o, double) { found.push_back(o); });
  } else {
    if (m) {
      // The cell holds exactly the offerings that serve the municipality as a whole.
      const auto cell = candidates(*m, c);
      found.assign(cell.begin(), cell.end());
    }
    if (where.postcode) append_listing(std::nullopt, where.postcode, c, found);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
}

void landscape::offerings_listing(std::optional<municipality_index> m, std::optional<pc4> postcode,
                                  category_index c, std::vector<offering_index>& found) const {
  check_resolved(m, *data_->places);
  found.clear();
  append_listing(m, postcode, c, found);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
}

void landscape::append_listing(std::optional<municipality_index> m, std::optional<pc4> postcode,
                               category_index c, std::vector<offering_index>& found) const {
  if (m)
    for (offering_index o : candidates(*m, c)) {
      const auto listed = data_->listed_municipalities.row(o);
      if (std::binary_search(listed.begin(), listed.end(), *m)) found.push_back(o);
    }
  if (postcode)
    for (offering_index o : offerings_in_postcode(*postcode)) {
      const auto cats = categories_of(o);
      if (std::find(cats.begin(), cats.end(), c) != cats.end()) found.push_back(o);
    }
}

template <class Visit>
void landscape::each_circle_containing(geo_point p, category_index c, Visit&& visit) const {
  const auto test = [&](offering_index o) {
    const radius_area& circle = *data_->offerings[o].area.radius;
    const double km = distance_km(p, circle.center);
    if (km <= circle.km) visit(o, km);
  };
  const auto it = data_->circle_grid.find(cell_of(p.lat, p.lon) * data_->circle_categories + c);
  if (it != data_->circle_grid.end())
    for (offering_index o : it->second)  // ascending
      test(o);
  for (offering_index o : data_->wide_circles) {  // ascending, apart from the grid's
    const auto cats = categories_of(o);
    if (std::find(cats.begin(), cats.end(), c) != cats.end()) test(o);
  }
}

void landscape::offerings_circling(geo_point p, category_index c,
                                   std::vector<circle_hit>& found) const {
  found.clear();
  each_circle_containing(p, c, [&found](offering_index o, double km) { found.push_back({o, km}); });
  // The grid's circles and the wide ones are each ascending; the wide ones are rare.
  std::sort(found.begin(), found.end(),
            [](const circle_hit& a, const circle_hit& b) { return a.offering < b.offering; });
}

const complementarity_graph& landscape::complements() const noexcept {
  return data_->complement_graph;
}
const Eigen::MatrixXd& landscape::complementarity_matrix() const noexcept {
  return data_->complement_matrix;
}
double landscape::complement_weight(category_index a, category_index b) const noexcept {
  return data_->complement_matrix(a, b);
}
double landscape::offering_complement_weight(offering_index a, offering_index b) const noexcept {
  double best = 0.0;
  for (category_index x : categories_of(a))
    for (category_index y : categories_of(b))
      best = std::max(best, data_->complement_matrix(x, y));
  return best;
}
const precedence_graph& landscape::precedence_dag() const noexcept {
  return data_->precedence_graph;
}
std::span<const category_index> landscape::precedence_order() const noexcept {
  return data_->precedence_order;
}
bool landscape::precedes(category_index a, category_index b) const noexcept {
  return data_->precedes[static_cast<std::size_t>(a) * data_->categories.size() + b] != 0;
}

bool operator==(const landscape& a, const landscape& b) {
  if (a.data_ == b.data_) return true;
  const auto& x = *a.data_;
  const auto& y = *b.data_;
  return x.name == y.name && *x.places == *y.places && x.categories == y.categories &&
         x.partners == y.partners && x.offerings == y.offerings &&
         x.complementarities == y.complementarities && x.precedences == y.precedences &&
         x.chains == y.chains && x.forms == y.forms && x.roles == y.roles;
}

std::span<const local_chain> landscape::chains() const noexcept {
  return data_->chains;
}
std::optional<chain_index> landscape::find_chain(std::string_view id) const {
  const auto it = data_->chain_by_id.find(id);
  if (it == data_->chain_by_id.end()) return std::nullopt;
  return it->second;
}
const local_chain& landscape::chain_by_id(std::string_view id) const {
  const auto k = find_chain(id);
  if (!k)
    throw not_found_error(fmt::format("no chain with id '{}'", id),
                          {.field = "chain", .object_id = std::string(id)});
  return data_->chains[*k];
}
std::span<const partner_index> landscape::chain_members(chain_index k) const noexcept {
  return data_->chain_members.row(k);
}
std::span<const chain_index> landscape::chains_of(partner_index p) const noexcept {
  return data_->partner_chains.row(p);
}
std::span<const chain_index> landscape::chains_in(municipality_index m) const noexcept {
  return data_->municipality_chains.row(m);
}
bool landscape::share_a_chain(partner_index p, partner_index q) const noexcept {
  const auto a = chains_of(p);
  const auto b = chains_of(q);
  // Both ascending: a merge walk.
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) return true;
    if (a[i] < b[j])
      ++i;
    else
      ++j;
  }
  return false;
}
std::span<const chain_term> landscape::cooperation_forms() const noexcept {
  return data_->forms;
}
std::span<const chain_term> landscape::initiator_roles() const noexcept {
  return data_->roles;
}

// ---------------------------------------------------------------------------------------------
// landscape_builder
// ---------------------------------------------------------------------------------------------

struct landscape_builder::parts {
  std::shared_ptr<const geography> places;
  std::string name;
  taxonomy categories = taxonomy::standard();
  std::vector<partner> partners;
  std::vector<offering> offerings;
  std::vector<complementarity> complementarities;
  std::vector<precedence> precedences;
  detail::string_map<partner_index> partner_ids;
  detail::string_map<offering_index> offering_ids;
  std::vector<local_chain> chains;
  std::vector<chain_term> forms{standard_cooperation_forms().begin(),
                                standard_cooperation_forms().end()};
  std::vector<chain_term> roles{standard_initiator_roles().begin(),
                                standard_initiator_roles().end()};
  detail::string_map<chain_index> chain_ids;
};

landscape_builder::landscape_builder(std::shared_ptr<const geography> places)
    : parts_(std::make_unique<parts>()) {
  if (!places) throw validation_error(error_code::empty_value, "a landscape needs a geography");
  parts_->places = std::move(places);
}
landscape_builder::~landscape_builder() = default;
landscape_builder::landscape_builder(landscape_builder&&) noexcept = default;
landscape_builder& landscape_builder::operator=(landscape_builder&&) noexcept = default;

const taxonomy& landscape_builder::categories() const noexcept {
  return parts_->categories;
}
const geography& landscape_builder::places() const noexcept {
  return *parts_->places;
}

landscape_builder& landscape_builder::set_name(std::string name) {
  parts_->name = std::move(name);
  return *this;
}

category_index landscape_builder::add_category(need_category category) {
  return parts_->categories.add(std::move(category));
}

namespace {
[[noreturn]] void reject(error_code code, std::string_view field, std::string_view id,
                         std::string message) {
  throw validation_error(code, std::move(message),
                         {.field = std::string(field), .object_id = std::string(id)});
}

void require_id(const std::string& id, std::string_view what) {
  if (id.empty()) reject(error_code::empty_value, "id", "", fmt::format("a {} needs an id", what));
}

void require_category(const taxonomy& categories, const std::string& category,
                      std::string_view field, std::string_view id) {
  if (!categories.find(category))
    reject(error_code::unknown_category, field, id,
           fmt::format("unknown need category '{}'", category));
}

void require_non_negative(std::int64_t value, std::string_view field, std::string_view id) {
  if (value < 0)
    reject(error_code::negative_value, field, id, fmt::format("{} must not be negative", value));
}
}  // namespace

landscape_builder& landscape_builder::add_partner(partner p) {
  require_id(p.id, "partner");
  if (parts_->partner_ids.contains(p.id))
    reject(error_code::duplicate_id, "id", p.id, "partner id used twice");
  if (p.member.empty())
    reject(error_code::empty_value, "member", p.id, "a partner needs a member organisation");
  if (!parts_->places->find(p.municipality))
    reject(error_code::unknown_municipality, "municipality", p.id,
           fmt::format("unknown municipality code '{}'", p.municipality));
  parts_->partner_ids.emplace(p.id, static_cast<partner_index>(parts_->partners.size()));
  parts_->partners.push_back(std::move(p));
  return *this;
}

landscape_builder& landscape_builder::add_offering(offering o) {
  require_id(o.id, "offering");
  const std::string& id = o.id;
  if (parts_->offering_ids.contains(id))
    reject(error_code::duplicate_id, "id", id, "offering id used twice");
  if (o.partner.empty())
    reject(error_code::empty_value, "partner", id, "an offering needs a partner");
  if (o.categories.empty())
    reject(error_code::empty_value, "categories", id,
           "an offering covers at least one need category");
  for (std::size_t i = 0; i < o.categories.size(); ++i) {
    const std::string field = fmt::format("categories[{}]", i);
    require_category(parts_->categories, o.categories[i], field, id);
    if (std::find(o.categories.begin(), o.categories.begin() + static_cast<std::ptrdiff_t>(i),
                  o.categories[i]) != o.categories.begin() + static_cast<std::ptrdiff_t>(i))
      reject(error_code::duplicate_id, field, id,
             fmt::format("need category '{}' listed twice", o.categories[i]));
  }
  const service_area& area = o.area;
  if (area.municipalities.empty() && area.postcodes.empty() && !area.radius)
    reject(error_code::empty_value, "area", id,
           "a service area needs municipalities, postcodes or a radius");
  for (std::size_t i = 0; i < area.municipalities.size(); ++i)
    if (!parts_->places->find(area.municipalities[i]))
      reject(error_code::unknown_municipality, fmt::format("area.municipalities[{}]", i), id,
             fmt::format("unknown municipality code '{}'", area.municipalities[i]));
  for (std::size_t i = 0; i < area.postcodes.size(); ++i)
    if (!is_valid_pc4(area.postcodes[i]))
      reject(error_code::invalid_value, fmt::format("area.postcodes[{}]", i), id,
             fmt::format("{} is not a PC4 postcode (1000–9999)", area.postcodes[i]));
  if (area.radius) {
    if (!is_valid(area.radius->center))
      reject(error_code::invalid_value, "area.radius", id, "latitude or longitude out of range");
    if (!std::isfinite(area.radius->km) || area.radius->km <= 0.0 || area.radius->km > 1000.0)
      reject(error_code::invalid_value, "area.radius.km", id,
             "a radius is more than 0 and at most 1000 km");
  }
  const eligibility& rules = o.rules;
  if (rules.ages.min > rules.ages.max)
    reject(error_code::inverted_range, "eligibility.age", id,
           fmt::format("age band upside down: min {} > max {}", rules.ages.min, rules.ages.max));
  if (rules.ages.max > max_age)
    reject(error_code::invalid_value, "eligibility.age.max", id,
           fmt::format("age above {}", max_age));
  for (const std::string& language : rules.languages)
    if (!is_language_code(language))
      reject(error_code::invalid_value, "eligibility.languages", id,
             fmt::format("'{}' is not an ISO 639 language code", language));
  const capacity& units = o.units;
  require_non_negative(units.units_per_period, "capacity.units_per_period", id);
  require_non_negative(units.free_units, "capacity.free_units", id);
  require_non_negative(units.typical_duration_days, "capacity.typical_duration_days", id);
  require_non_negative(units.intake_wait_days, "capacity.intake_wait_days", id);
  if (units.period_days <= 0)
    reject(error_code::invalid_value, "capacity.period_days", id,
           "a period lasts at least one day");
  if (units.free_units > units.units_per_period)
    reject(error_code::invalid_value, "capacity.free_units", id,
           fmt::format("{} free units is more than the {} units per period", units.free_units,
                       units.units_per_period));
  parts_->offering_ids.emplace(id, static_cast<offering_index>(parts_->offerings.size()));
  parts_->offerings.push_back(std::move(o));
  return *this;
}

landscape_builder& landscape_builder::add_complementarity(complementarity c) {
  const std::string id = fmt::format("{}~{}", c.a, c.b);
  require_category(parts_->categories, c.a, "a", id);
  require_category(parts_->categories, c.b, "b", id);
  if (c.a == c.b)
    reject(error_code::invalid_value, "b", id, "a category does not complement itself");
  if (!std::isfinite(c.weight) || c.weight <= 0.0 || c.weight > 1.0)
    reject(error_code::invalid_value, "weight", id, "a complementarity weight lies in (0, 1]");
  for (const complementarity& other : parts_->complementarities)
    if ((other.a == c.a && other.b == c.b) || (other.a == c.b && other.b == c.a))
      reject(error_code::duplicate_id, "b", id,
             "complementarity between these categories given twice");
  parts_->complementarities.push_back(std::move(c));
  return *this;
}

landscape_builder& landscape_builder::add_precedence(precedence p) {
  const std::string id = fmt::format("{}->{}", p.before, p.after);
  require_category(parts_->categories, p.before, "before", id);
  require_category(parts_->categories, p.after, "after", id);
  if (p.before == p.after)
    reject(error_code::precedence_cycle, "after", id, "a category cannot precede itself");
  for (const precedence& other : parts_->precedences)
    if (other.before == p.before && other.after == p.after)
      reject(error_code::duplicate_id, "after", id, "precedence given twice");
  parts_->precedences.push_back(std::move(p));
  return *this;
}

namespace {
void add_term(std::vector<chain_term>& terms, chain_term term, std::string_view what) {
  detail::check_chain_term(term, what);
  if (std::any_of(terms.begin(), terms.end(), [&](const chain_term& t) { return t.id == term.id; }))
    reject(error_code::duplicate_id, "id", term.id,
           fmt::format("{} '{}' given twice", what, term.id));
  terms.push_back(std::move(term));
}
}  // namespace

landscape_builder& landscape_builder::add_cooperation_form(chain_term form) {
  add_term(parts_->forms, std::move(form), "form of cooperation");
  return *this;
}

landscape_builder& landscape_builder::add_initiator_role(chain_term role) {
  add_term(parts_->roles, std::move(role), "initiator role");
  return *this;
}

landscape_builder& landscape_builder::add_chain(local_chain chain) {
  detail::check_chain(chain, *parts_->places);
  if (parts_->chain_ids.contains(chain.id))
    reject(error_code::duplicate_id, "id", chain.id, "chain id used twice");
  parts_->chain_ids.emplace(chain.id, static_cast<chain_index>(parts_->chains.size()));
  parts_->chains.push_back(std::move(chain));
  return *this;
}

namespace {

/// Stops the depth-first search at the first back edge, which closes a cycle.
struct cycle_finder : boost::default_dfs_visitor {
  struct found {
    std::size_t from, to;
  };
  std::vector<std::size_t>* parent;
  template <class Edge, class Graph>
  void tree_edge(Edge e, const Graph& g) const {
    (*parent)[boost::target(e, g)] = boost::source(e, g);
  }
  template <class Edge, class Graph>
  void back_edge(Edge e, const Graph& g) const {
    throw found{boost::source(e, g), boost::target(e, g)};
  }
};

/// Throws validation_error naming the categories of a cycle, if the graph has one.
void require_acyclic(const precedence_graph& graph, const taxonomy& categories) {
  const std::size_t n = boost::num_vertices(graph);
  std::vector<std::size_t> parent(n, n);
  std::vector<boost::default_color_type> colour(n);
  try {
    boost::depth_first_search(graph,
                              boost::visitor(cycle_finder{{}, &parent})
                                  .color_map(boost::make_iterator_property_map(
                                      colour.begin(), boost::get(boost::vertex_index, graph))));
  } catch (const cycle_finder::found& edge) {
    // The tree path to→…→from plus the back edge from→to is the cycle.
    std::vector<std::string> names;
    for (std::size_t v = edge.from; v != edge.to && v != n; v = parent[v])
      names.push_back(categories[static_cast<category_index>(v)].id);
    names.push_back(categories[static_cast<category_index>(edge.to)].id);
    std::reverse(names.begin(), names.end());
    names.push_back(names.front());
    throw validation_error(error_code::precedence_cycle,
                           fmt::format("precedence has a cycle: {}", fmt::join(names, " -> ")),
                           {.field = "precedence", .object_id = names.front()});
  }
}

}  // namespace

landscape landscape_builder::build() {
  parts& in = *parts_;
  const std::size_t category_count = in.categories.size();
  const geography& places = *in.places;

  auto out = std::make_shared<landscape::store>();
  out->circle_categories = category_count;
  for (const partner& p : in.partners)
    out->partner_home.push_back(places.index_of(p.municipality));
  for (const offering& o : in.offerings) {  // eligibility as bits
    detail::rule_bits r{o.rules.ages, o.rules.requires_professional_referrer};
    for (const household_type h : o.rules.households)
      r.households |= static_cast<std::uint8_t>(1U << static_cast<unsigned>(h));
    for (const std::string& language : o.rules.languages) {
      const auto number = static_cast<std::uint32_t>(out->language_bit.size());
      const std::uint32_t bit = out->language_bit.emplace(language, number).first->second;
      if (bit < 64) r.languages |= std::uint64_t{1} << bit;
    }
    out->rule_bits.push_back(r);
  }
  out->partner_of.reserve(in.offerings.size());
  for (const offering& o : in.offerings) {
    const auto it = in.partner_ids.find(o.partner);
    if (it == in.partner_ids.end())
      reject(error_code::unknown_reference, "partner", o.id,
             fmt::format("unknown partner '{}'", o.partner));
    out->partner_of.push_back(it->second);
  }

  // Local chains: references to partners, roles and forms, then the indexes.
  {
    const auto known = [](const std::vector<chain_term>& terms, const std::string& id) {
      return std::any_of(terms.begin(), terms.end(),
                         [&](const chain_term& t) { return t.id == id; });
    };
    std::vector<std::pair<std::size_t, partner_index>> members;
    std::vector<std::pair<std::size_t, chain_index>> by_partner;
    std::vector<std::pair<std::size_t, chain_index>> by_municipality;
    for (std::size_t k = 0; k < in.chains.size(); ++k) {
      const local_chain& c = in.chains[k];
      const auto ci = static_cast<chain_index>(k);
      for (std::size_t i = 0; i < c.partners.size(); ++i) {
        const auto it = in.partner_ids.find(c.partners[i]);
        if (it == in.partner_ids.end())
          reject(error_code::unknown_reference, fmt::format("partners[{}]", i), c.id,
                 fmt::format("unknown partner '{}'", c.partners[i]));
        members.emplace_back(k, it->second);
        by_partner.emplace_back(it->second, ci);
      }
      for (std::size_t i = 0; i < c.initiators.size(); ++i)
        if (!c.initiators[i].role.empty() && !known(in.roles, c.initiators[i].role))
          reject(error_code::unknown_reference, fmt::format("initiators[{}].role", i), c.id,
                 fmt::format("unknown initiator role '{}'", c.initiators[i].role));
      if (!known(in.forms, c.form))
        reject(error_code::unknown_reference, "form", c.id,
               fmt::format("unknown form of cooperation '{}'", c.form));
      for (const std::string& code : c.municipalities)
        by_municipality.emplace_back(places.index_of(code), ci);
    }
    out->chain_members = group_by_row(in.chains.size(), std::move(members));
    out->partner_chains = group_by_row(in.partners.size(), std::move(by_partner));
    out->municipality_chains = group_by_row(places.size(), std::move(by_municipality));
  }

  // Category relations.
  out->complement_graph = complementarity_graph(category_count);
  out->complement_matrix = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(category_count),
                                                 static_cast<Eigen::Index>(category_count));
  for (const complementarity& c : in.complementarities) {
    const auto a = in.categories.index_of(c.a);
    const auto b = in.categories.index_of(c.b);
    boost::add_edge(a, b, c.weight, out->complement_graph);
    out->complement_matrix(a, b) = out->complement_matrix(b, a) = c.weight;
  }
  out->precedence_graph = precedence_graph(category_count);
  for (const precedence& p : in.precedences)
    boost::add_edge(in.categories.index_of(p.before), in.categories.index_of(p.after),
                    out->precedence_graph);
  require_acyclic(out->precedence_graph, in.categories);
  {
    // Kahn's algorithm with the smallest index first, for a deterministic order.
    std::vector<std::size_t> in_degree(category_count, 0);
    for (auto [e, end] = boost::edges(out->precedence_graph); e != end; ++e)
      ++in_degree[boost::target(*e, out->precedence_graph)];
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t v = 0; v < category_count; ++v)
      if (in_degree[v] == 0) ready.push(v);
    while (!ready.empty()) {
      const std::size_t v = ready.top();
      ready.pop();
      out->precedence_order.push_back(static_cast<category_index>(v));
      for (auto [e, end] = boost::out_edges(v, out->precedence_graph); e != end; ++e)
        if (--in_degree[boost::target(*e, out->precedence_graph)] == 0)
          ready.push(boost::target(*e, out->precedence_graph));
    }
    // Transitive closure: walk the order backwards, each category reaches what its successors
    // reach.
    out->precedes.assign(category_count * category_count, 0);
    for (auto it = out->precedence_order.rbegin(); it != out->precedence_order.rend(); ++it) {
      const std::size_t u = *it;
      for (auto [e, end] = boost::out_edges(u, out->precedence_graph); e != end; ++e) {
        const std::size_t v = boost::target(*e, out->precedence_graph);
        out->precedes[u * category_count + v] = 1;
        for (std::size_t w = 0; w < category_count; ++w)
          out->precedes[u * category_count + w] |= out->precedes[v * category_count + w];
      }
    }
  }

  // Per-offering resolved data and the indexes.
  std::vector<std::pair<std::size_t, offering_index>> by_category;
  std::vector<std::pair<std::size_t, offering_index>> by_cell;
  std::vector<std::pair<std::size_t, municipality_index>> by_partner;
  std::vector<std::pair<pc4, offering_index>> by_postcode;
  std::vector<category_index> cats;
  std::vector<municipality_index> listed;
  std::vector<pc4> postcodes;
  std::vector<municipality_index> served;
  for (std::size_t i = 0; i < in.offerings.size(); ++i) {
    const offering& o = in.offerings[i];
    const auto oi = static_cast<offering_index>(i);
    cats.clear();
    for (const std::string& c : o.categories)
      cats.push_back(in.categories.index_of(c));
    std::sort(cats.begin(), cats.end());
    out->categories_of.push_row(cats);
    for (category_index c : cats)
      by_category.emplace_back(c, oi);

    listed.clear();
    for (const std::string& code : o.area.municipalities)
      listed.push_back(places.index_of(code));
    std::sort(listed.begin(), listed.end());
    listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    out->listed_municipalities.push_row(listed);

    postcodes.assign(o.area.postcodes.begin(), o.area.postcodes.end());
    std::sort(postcodes.begin(), postcodes.end());
    postcodes.erase(std::unique(postcodes.begin(), postcodes.end()), postcodes.end());
    out->listed_postcodes.push_row(postcodes);
    for (pc4 p : postcodes)
      by_postcode.emplace_back(p, oi);

    served = listed;
    if (const auto& circle = o.area.radius) {
      // A great-circle distance is at least the difference in latitude times the Earth's radius,
      // so most municipalities are ruled out before the haversine.
      const double lat_reach = circle->km / earth_radius_km * 180.0 / std::numbers::pi * (1 + 1e-9);
      for (std::size_t m = 0; m < places.size(); ++m) {
        const geo_point point = places[static_cast<municipality_index>(m)].point;
        if (std::abs(point.lat - circle->center.lat) > lat_reach) continue;
        if (contains(*circle, point)) served.push_back(static_cast<municipality_index>(m));
      }
      // Every grid cell that the circle's bounding box touches. A point at latitude ψ within
      // angular radius r of the centre (latitude φ) has hav(Δλ) ≤ hav(r) / (cos φ cos ψ), so the
      // box's half-width uses the smallest cosine over the latitudes the circle spans. A circle
      // that reaches a pole or the antimeridian is kept in a list that every lookup checks.
      constexpr double to_deg = 180.0 / std::numbers::pi;
      const double r = circle->km / earth_radius_km;  // radians
      const double dlat = r * to_deg * 1.000001;
      const double lat_low = circle->center.lat - dlat;
      const double lat_high = circle->center.lat + dlat;
      const double cos_min = std::cos(std::max(std::abs(lat_low), std::abs(lat_high)) / to_deg);
      const double sin_half = std::sin(r / 2.0) / std::max(cos_min, 1e-12);
      const double dlon = sin_half >= 1.0 ? 360.0 : 2.0 * std::asin(sin_half) * to_deg * 1.000001;
      if (lat_low <= -90.0 || lat_high >= 90.0 || circle->center.lon - dlon <= -180.0 ||
          circle->center.lon + dlon >= 180.0) {
        out->wide_circles.push_back(oi);
      } else {
        const grid_key row_low = cell_row(lat_low), row_high = cell_row(lat_high);
        const grid_key col_low = cell_col(circle->center.lon - dlon);
        const grid_key col_high = cell_col(circle->center.lon + dlon);
        for (grid_key row = row_low; row <= row_high; ++row)
          for (grid_key col = col_low; col <= col_high; ++col)
            for (category_index c : cats)
              out->circle_grid[((row << 32) | col) * category_count + c].push_back(oi);
      }
    }
    std::sort(served.begin(), served.end());
    served.erase(std::unique(served.begin(), served.end()), served.end());
    for (municipality_index m : served) {
      by_partner.emplace_back(out->partner_of[i], m);
      for (category_index c : cats)
        by_cell.emplace_back(static_cast<std::size_t>(m) * category_count + c, oi);
    }
  }
  for (auto& [cell, members] : out->circle_grid) {
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
  }
  out->offerings_of_category = group_by_row(category_count, std::move(by_category));
  out->cells = group_by_row(places.size() * category_count, std::move(by_cell));
  out->partner_municipalities = group_by_row(in.partners.size(), std::move(by_partner));
  std::sort(by_postcode.begin(), by_postcode.end());
  by_postcode.erase(std::unique(by_postcode.begin(), by_postcode.end()), by_postcode.end());
  for (const auto& [p, o] : by_postcode) {
    out->postcode_keys.push_back(p);
    out->postcode_values.push_back(o);
  }

  out->name = std::move(in.name);
  out->places = in.places;
  out->categories = std::move(in.categories);
  out->partners = std::move(in.partners);
  out->offerings = std::move(in.offerings);
  out->complementarities = std::move(in.complementarities);
  out->precedences = std::move(in.precedences);
  out->partner_by_id = std::move(in.partner_ids);
  out->offering_by_id = std::move(in.offering_ids);
  out->chains = std::move(in.chains);
  out->forms = std::move(in.forms);
  out->roles = std::move(in.roles);
  out->chain_by_id = std::move(in.chain_ids);
  parts_ = std::make_unique<parts>();
  parts_->places = out->places;
  return landscape(std::move(out));
}

}  // namespace keten
