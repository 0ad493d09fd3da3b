// keten/analysis.hpp — what a landscape holds, in numbers a coordinator can read.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "keten/cooperation.hpp"
#include "keten/landscape.hpp"
#include "keten/taxonomy.hpp"

namespace keten {

/// The headline figures of a landscape.
struct landscape_summary {
  std::string name;
  std::size_t partners{};
  std::size_t offerings{};
  std::size_t categories{};
  std::size_t member_organisations{};   ///< distinct national members
  std::size_t municipalities_served{};  ///< municipalities with at least one offering serving them
  std::size_t municipalities_with_all_forms{};  ///< ... with every one of the five help forms
  std::size_t complementarities{};
  std::size_t precedences{};
  /// Per help form (indexed by help_form): offerings, capacity units per year and free units now.
  /// An offering that covers several help forms counts in each, its units split evenly over them.
  std::array<std::size_t, help_form_count> offerings_per_form{};
  std::array<double, help_form_count> units_per_year_per_form{};
  std::array<double, help_form_count> free_units_per_form{};
};

/// Capacity units per year that serve each municipality, per help form: a municipalities × 5
/// matrix (rows in geography order). An offering that serves several municipalities has its
/// capacity spread over them in proportion to population, so that rows add up to the national
/// total. An offering that covers several help forms has its units split evenly over them. An
/// offering that serves no municipality as a whole (PC4 areas only) counts in its partner's home
/// municipality. O(offerings × municipalities served + municipalities × categories).
[[nodiscard]] Eigen::MatrixXd capacity_by_municipality(const landscape& l);

/// Computes the summary. O(offerings × municipalities served).
[[nodiscard]] landscape_summary summarize(const landscape& l);

/// A readable multi-line text of the summary (English, with Dutch help-form names).
[[nodiscard]] std::string to_text(const landscape_summary& s);

/// The partner network of a landscape: the partners are its nodes, and two partners are linked when
/// they can complement each other somewhere — in at least one municipality an offering of each
/// serves, with a category of one complementary to a category of the other (complement weight > 0).
/// The link's weight is the number of such municipalities. It shows coordinators who could work
/// together where, and who stands alone.
struct partner_network {
  std::size_t partners{};                                      ///< nodes, in landscape order
  std::vector<std::pair<partner_index, partner_index>> links;  ///< first < second, sorted
  std::vector<std::uint32_t> shared_municipalities;            ///< per link
};

/// Builds the partner network. O(municipalities × offerings serving each × categories²) time,
/// O(links) memory.
[[nodiscard]] partner_network build_partner_network(const landscape& l);

/// Network metrics per partner (vectors indexed by partner):
/// - degree: partners it is linked to;
/// - betweenness: Brandes' betweenness centrality on the unweighted links (Boost.Graph), the share
/// of
///   shortest paths between two other partners that pass through it, normalised by the number of
///   pairs of other partners, (n − 1)(n − 2) / 2 — the convention of networkx's
///   betweenness_centrality(normalized=True) on an undirected graph. A partner with high
///   betweenness is a bridge: the chain around it depends on it;
/// - component: its connected component (numbered from 0 in order of the lowest partner), and
///   components, their number: partners in small components cannot be referred onward.
/// O(partners × links) time for betweenness.
struct partner_metrics {
  std::vector<std::uint32_t> degree;
  std::vector<double> betweenness;
  std::vector<std::uint32_t> component;
  std::size_t components{};
};
[[nodiscard]] partner_metrics network_metrics(const partner_network& network);

/// Writes the partner network of local chain `k` as a Graphviz DOT graph, through Boost.Graph's
/// write_graphviz. Nodes are the chain's members (label: branch, help form; filled in the help
/// form's colour; a double border for an initiator), edges join two members who can complement
/// each other in one of the chain's municipalities (an offering of each serves it, with
/// complementary categories). With a cooperation report, an edge between two members the scan
/// rated carries their pair strength (label, width, colour: < 0.4 red, < 0.6 orange, else green)
/// and pairs rated but not complementary are drawn dashed; the graph's label names the chain, its
/// form, start, initiator roles and weakest condition. Throws not_found_error for a chain index
/// outside the landscape. O(members² × offerings per member² × categories²).
void write_chain_dot(std::ostream& out, const landscape& l, chain_index k,
                     const cooperation_report* cooperation = nullptr);

}  // namespace keten
