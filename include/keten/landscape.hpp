// keten/landscape.hpp — the local help landscape: partners, offerings and how categories relate.
//
// A landscape is built once by a landscape_builder, which validates every value, and is immutable
// afterwards: copies share one indexed store, and any number of threads may read one landscape at
// the same time. Besides the partners and offerings it holds two graphs over the need categories
// (Boost.Graph): the complementarity graph (which categories strengthen each other, weight in (0,
// 1]) and the precedence graph (which category's help must come before which; always acyclic).
//
// Indexes (built in O(offerings × (categories + municipalities)) at most, usually far less):
//   by id               partner and offering ids → index, O(1)
//   by category         category → offerings that cover it
//   by municipality     (municipality, category) → candidate offerings: every offering that lists
//   the
//                       municipality, plus radius offerings whose circle may reach into it
//   by PC4              postcode → offerings that list it
//   chains              partner → its chains, municipality → the chains that cover it
// serves() is the exact test; candidates() is a superset that serves() filters.
//
// It also holds the local chains (keten/chain.hpp): which partners cooperate where, with their
// initiators and form of cooperation, and the vocabularies of forms and initiator roles.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <boost/graph/adjacency_list.hpp>

#include "keten/case.hpp"
#include "keten/chain.hpp"
#include "keten/detail/eligibility_bits.hpp"
#include "keten/geography.hpp"
#include "keten/offering.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

using partner_index = std::uint32_t;
using offering_index = std::uint32_t;

/// Two need categories whose help strengthens each other, e.g. money.debts ↔ work.job_search.
struct complementarity {
  std::string a;
  std::string b;
  double weight{};  ///< (0, 1]
  friend bool operator==(const complementarity&, const complementarity&) = default;
};

/// Help in `before` should start before help in `after`, e.g. money.crisis before work.job_search.
struct precedence {
  std::string before;
  std::string after;
  friend bool operator==(const precedence&, const precedence&) = default;
};

/// Vertices are category indexes; each edge carries its weight.
using complementarity_graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                          boost::property<boost::edge_weight_t, double>>;
/// Vertices are category indexes; an edge u → v means u comes before v.
using precedence_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

class landscape {
 public:
  /// An empty landscape over the Dutch municipalities with the standard taxonomy.
  landscape();

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const geography& places() const noexcept;
  [[nodiscard]] const taxonomy& categories() const noexcept;

  [[nodiscard]] std::span<const partner> partners() const noexcept;
  [[nodiscard]] std::span<const offering> offerings() const noexcept;
  [[nodiscard]] std::span<const complementarity> complementarities() const noexcept;
  [[nodiscard]] std::span<const precedence> precedences() const noexcept;

  [[nodiscard]] std::optional<partner_index> find_partner(std::string_view id) const;
  [[nodiscard]] std::optional<offering_index> find_offering(std::string_view id) const;
  /// Throws not_found_error.
  [[nodiscard]] const partner& partner_by_id(std::string_view id) const;
  /// Throws not_found_error.
  [[nodiscard]] const offering& offering_by_id(std::string_view id) const;

  // --- resolved views (dense indexes) -------------------------------------------------------
  [[nodiscard]] partner_index partner_of(offering_index o) const noexcept;
  [[nodiscard]] std::span<const category_index> categories_of(offering_index o) const noexcept;
  /// Offerings that cover category `c`, ascending.
  [[nodiscard]] std::span<const offering_index> offerings_for(category_index c) const noexcept;
  /// A superset of the offerings of category `c` that serve someone in municipality `m`, ascending.
  [[nodiscard]] std::span<const offering_index> candidates(municipality_index m,
                                                           category_index c) const noexcept;
  /// Offerings that list PC4 area `postcode`, ascending.
  [[nodiscard]] std::span<const offering_index> offerings_in_postcode(pc4 postcode) const;
  /// Exact: does offering `o`'s service area contain the location? A listed municipality or PC4
  /// counts; the circle is tested against the point, or the municipality's point if none is given.
  /// Throws not_found_error for an unknown municipality code. O(|area|).
  [[nodiscard]] bool serves(offering_index o, const case_location& where) const;
  /// The offerings of category `c` that serve the location, ascending and without repeats.
  /// O(candidates + PC4 entries).
  [[nodiscard]] std::vector<offering_index> offerings_reaching(const case_location& where,
                                                               category_index c) const;
  /// The same, `m` being where.municipality already resolved (validate's case_references give it;
  /// nullopt if the location has none): no lookup by code. Throws not_found_error for an `m`
  /// outside the geography.
  [[nodiscard]] std::vector<offering_index> offerings_reaching(const case_location& where,
                                                               std::optional<municipality_index> m,
                                                               category_index c) const;
  /// The same into `out` (cleared first), so that a caller in a loop reuses one buffer.
  void offerings_reaching(const case_location& where, std::optional<municipality_index> m,
                          category_index c, std::vector<offering_index>& out) const;
  /// The offerings of category `c` that list municipality `m` or PC4 area `postcode` (either may
  /// be absent), ascending and without repeats, into `out` (cleared first): what serves a location
  /// with a point besides the circles that contain the point (offerings_circling). Throws
  /// not_found_error for an `m` outside the geography. O(candidates(m, c) · log + PC4 entries).
  void offerings_listing(std::optional<municipality_index> m, std::optional<pc4> postcode,
                         category_index c, std::vector<offering_index>& out) const;
  /// An offering whose circle contains a point, and the point's distance to the centre.
  struct circle_hit {
    offering_index offering;
    double km;  ///< distance_km(point, centre): what service_distance_km gives unless it lists
                ///< the location's municipality or PC4
  };
  /// The offerings of category `c` whose circle contains `p`, ascending, into `out` (cleared
  /// first). O(circles in p's grid cell + circles too wide for the grid).
  void offerings_circling(geo_point p, category_index c, std::vector<circle_hit>& out) const;
  /// How far the location is from offering `o`, for the fit of a match: 0 if `o` lists the
  /// location's municipality or PC4; else from the location's point (or its municipality's point)
  /// to `o`'s circle centre, or to the home municipality of `o`'s partner; 0 if the location has
  /// neither a point nor a municipality. Throws not_found_error for an unknown municipality code.
  [[nodiscard]] double service_distance_km(offering_index o, const case_location& where) const;
  /// The same, `m` being where.municipality already resolved, as for offerings_reaching.
  [[nodiscard]] double service_distance_km(offering_index o, const case_location& where,
                                           std::optional<municipality_index> m) const;
  /// Every offering's eligibility rules as bits (computed once, when built), for checks in hot
  /// loops: detail::eligible(eligibility_bits()[o], *profile_bits(p)) equals check(o's rules, p)
  /// == ineligibility::none.
  [[nodiscard]] std::span<const detail::rule_bits> eligibility_bits() const noexcept;
  /// A profile in the terms of eligibility_bits(); nullopt when the rules name more than 64
  /// languages (then only check() can tell). O(languages of the profile).
  [[nodiscard]] std::optional<detail::profile_bits> profile_bits(const case_profile& p) const;
  /// The municipalities in which the partner has at least one offering that serves there.
  [[nodiscard]] std::span<const municipality_index> municipalities_of(
      partner_index p) const noexcept;

  // --- local chains (keten/chain.hpp) -----------------------------------------------------
  /// The chains in the order they were added.
  [[nodiscard]] std::span<const local_chain> chains() const noexcept;
  [[nodiscard]] std::optional<chain_index> find_chain(std::string_view id) const;
  /// Throws not_found_error.
  [[nodiscard]] const local_chain& chain_by_id(std::string_view id) const;
  /// The members of chain `k` as partner indexes, ascending. O(1).
  [[nodiscard]] std::span<const partner_index> chain_members(chain_index k) const noexcept;
  /// The chains partner `p` is a member of, ascending. O(1).
  [[nodiscard]] std::span<const chain_index> chains_of(partner_index p) const noexcept;
  /// The chains that cover municipality `m`, ascending. O(1).
  [[nodiscard]] std::span<const chain_index> chains_in(municipality_index m) const noexcept;
  /// True if partners `p` and `q` are members of one chain. O(chains of p + chains of q).
  [[nodiscard]] bool share_a_chain(partner_index p, partner_index q) const noexcept;
  /// The forms of cooperation: standard_cooperation_forms() first, then those added.
  [[nodiscard]] std::span<const chain_term> cooperation_forms() const noexcept;
  /// The initiator roles: standard_initiator_roles() first, then those added.
  [[nodiscard]] std::span<const chain_term> initiator_roles() const noexcept;

  // --- category relations -------------------------------------------------------------------
  [[nodiscard]] const complementarity_graph& complements() const noexcept;
  /// Symmetric categories × categories matrix of complementarity weights (0 = none).
  [[nodiscard]] const Eigen::MatrixXd& complementarity_matrix() const noexcept;
  [[nodiscard]] double complement_weight(category_index a, category_index b) const noexcept;
  /// How much two offerings strengthen each other: the largest complementarity between a category
  /// of one and a category of the other (0 if none). O(|categories of a| × |categories of b|).
  [[nodiscard]] double offering_complement_weight(offering_index a,
                                                  offering_index b) const noexcept;
  [[nodiscard]] const precedence_graph& precedence_dag() const noexcept;
  /// The categories in a topological order of the precedence graph (ties by index).
  [[nodiscard]] std::span<const category_index> precedence_order() const noexcept;
  /// True if `a` must come before `b`, directly or through other categories. O(1).
  [[nodiscard]] bool precedes(category_index a, category_index b) const noexcept;

  /// Same name, geography, taxonomy, partners, offerings, relations, chains and chain
  /// vocabularies in the same order.
  friend bool operator==(const landscape& a, const landscape& b);

 private:
  friend class landscape_builder;
  struct store;
  explicit landscape(std::shared_ptr<const store> data) : data_(std::move(data)) {}
  /// Appends the offerings of category c that list municipality m or the PC4 area (unsorted).
  void append_listing(std::optional<municipality_index> m, std::optional<pc4> postcode,
                      category_index c, std::vector<offering_index>& found) const;
  /// Calls visit(o, km) for each offering o of category c whose circle contains p, km away from
  /// its centre: the grid cell's circles in ascending order, then those too wide for the grid.
  template <class Visit>
  void each_circle_containing(geo_point p, category_index c, Visit&& visit) const;
  std::shared_ptr<const store> data_;
};

/// Collects and validates the parts of a landscape, then builds it.
///
/// Each add_* validates what it can see alone (ids, codes, ranges, known categories) and throws
/// validation_error naming the field and the object id; build() checks the references between
/// objects (an offering's partner; a chain's partners, initiators and form) and that precedence is
/// acyclic. On a throw, nothing that was already added is lost: the builder stays usable and the
/// failing object is not added.
class landscape_builder {
 public:
  /// Starts from the standard taxonomy over `places` (by default, the Dutch municipalities).
  explicit landscape_builder(std::shared_ptr<const geography> places = geography::netherlands());
  ~landscape_builder();
  landscape_builder(landscape_builder&&) noexcept;
  landscape_builder& operator=(landscape_builder&&) noexcept;

  landscape_builder& set_name(std::string name);
  /// Adds a category beyond the standard ones. Throws validation_error (bad or duplicate id).
  category_index add_category(need_category category);
  landscape_builder& add_partner(partner p);
  landscape_builder& add_offering(offering o);
  landscape_builder& add_complementarity(complementarity c);
  landscape_builder& add_precedence(precedence p);
  /// Adds a form of cooperation beyond the standard ones. Throws validation_error (an id not of
  /// the form [a-z][a-z0-9_]* up to 64 characters, or one already known).
  landscape_builder& add_cooperation_form(chain_term form);
  /// Adds an initiator role beyond the standard ones; throws as add_cooperation_form.
  landscape_builder& add_initiator_role(chain_term role);
  /// Adds a local chain. Checks here: a non-empty, unused id and name; at least one municipality,
  /// each known and listed once; at least two partners, none listed twice; at least one
  /// initiator, each with exactly one of partner and role set, an initiator partner among the
  /// chain's partners, none listed twice; a valid start date. build() checks that the partners,
  /// the roles and the form exist. Throws validation_error naming the field and the chain id.
  landscape_builder& add_chain(local_chain chain);

  [[nodiscard]] const taxonomy& categories() const noexcept;
  [[nodiscard]] const geography& places() const noexcept;

  /// Validates references and acyclicity, builds every index and returns the landscape. The
  /// builder is left empty. O(offerings × municipalities reached + categories² + Σ chain sizes).
  [[nodiscard]] landscape build();

 private:
  struct parts;
  std::unique_ptr<parts> parts_;
};

}  // namespace keten
