// A local chain's partner network as Graphviz DOT (keten/analysis.hpp, write_chain_dot), written by
// Boost.Graph's write_graphviz with property writers for the nodes, edges and the graph.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>

#include "keten/analysis.hpp"
#include "keten/error.hpp"

namespace keten {

namespace {

struct member_node {
  std::string id, label, fill;
  bool initiator{};
};
struct member_link {
  bool complementary{};
  double strength{-1.0};  ///< < 0: not rated
};
using chain_graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, member_node, member_link>;

/// Colours of the five help forms (ColorBrewer Set2, readable on white and in grey).
std::string_view form_colour(help_form f) {
  switch (f) {
    case help_form::money:
      return "#66c2a5";
    case help_form::neighbour:
      return "#fc8d62";
    case help_form::work:
      return "#8da0cb";
    case help_form::group:
      return "#e78ac3";
    case help_form::youth:
      return "#a6d854";
  }
  return "#dddddd";
}

/// DOT's quoted string: backslashes and quotes escaped, line breaks as \n.
std::string dot_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

}  // namespace

void write_chain_dot(std::ostream& out, const landscape& l, chain_index k,
                     const cooperation_report* cooperation) {
  if (k >= l.chains().size())
    throw not_found_error(
        fmt::format("chain index {} is outside the landscape's {} chains", k, l.chains().size()));
  const local_chain& chain = l.chains()[k];
  const std::span<const partner_index> members = l.chain_members(k);
  chain_graph g(members.size());

  // The help forms each member offers, and which of its offerings serve the chain's places.
  std::vector<std::vector<offering_index>> serving(members.size());
  for (offering_index o = 0; o < l.offerings().size(); ++o) {
    const auto it = std::lower_bound(members.begin(), members.end(), l.partner_of(o));
    if (it == members.end() || *it != l.partner_of(o)) continue;
    for (const std::string& code : chain.municipalities)
      if (l.serves(o, case_location{.municipality = code})) {
        serving[static_cast<std::size_t>(it - members.begin())].push_back(o);
        break;
      }
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const partner& p = l.partners()[members[i]];
    member_node& node = g[i];
    node.id = p.id;
    std::vector<help_form> forms;
    for (offering_index o : serving[i])
      for (category_index c : l.categories_of(o))
        forms.push_back(l.categories()[c].form);
    std::sort(forms.begin(), forms.end());
    forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
    std::string form_names;
    for (help_form f : forms)
      form_names += (form_names.empty() ? "" : ", ") + std::string(label_en(f));
    node.label = p.branch.empty() ? p.id : p.branch;
    if (!form_names.empty()) node.label += "\n" + form_names;
    node.fill = forms.empty() ? "#eeeeee" : std::string(form_colour(forms.front()));
    node.initiator = std::any_of(chain.initiators.begin(), chain.initiators.end(),
                                 [&](const chain_initiator& who) { return who.partner == p.id; });
  }

  // Edges: complementary somewhere in the chain's places, and/or rated by the scan.
  const chain_cooperation* scanned = nullptr;
  std::vector<const partner_pair_strength*> rated;
  if (cooperation) {
    for (const chain_cooperation& c : cooperation->chains)
      if (c.chain == k) scanned = &c;
    for (const partner_pair_strength& s : cooperation->pairs)
      if (s.chain == k) rated.push_back(&s);
  }
  for (std::size_t a = 0; a < members.size(); ++a)
    for (std::size_t b = a + 1; b < members.size(); ++b) {
      member_link link;
      for (offering_index x : serving[a])
        for (offering_index y : serving[b])
          link.complementary = link.complementary || l.offering_complement_weight(x, y) > 0;
      for (const partner_pair_strength* s : rated)
        if (s->a == members[a] && s->b == members[b]) link.strength = s->strength;
      if (link.complementary || link.strength >= 0) boost::add_edge(a, b, link, g);
    }

  std::string graph_label = chain.name + "\n" + chain.form + " since " + to_string(chain.started);
  std::string roles;
  for (const chain_initiator& who : chain.initiators)
    if (!who.role.empty()) roles += (roles.empty() ? "" : ", ") + who.role;
  if (!roles.empty()) graph_label += "\ninitiators: " + roles;
  if (scanned)
    graph_label += fmt::format("\nscan {}: weakest condition {}", to_string(scanned->scanned),
                               label_en(scanned->weakest));

  const auto node_writer = [&g](std::ostream& o, chain_graph::vertex_descriptor v) {
    const member_node& n = g[v];
    o << "[label=" << dot_string(n.label) << ", tooltip=" << dot_string(n.id)
      << ", shape=box, style=\"rounded,filled\", fillcolor=" << dot_string(n.fill)
      << (n.initiator ? ", peripheries=2, penwidth=2" : "") << "]";
  };
  const auto edge_writer = [&g](std::ostream& o, chain_graph::edge_descriptor e) {
    const member_link& link = g[e];
    if (link.strength < 0) {
      o << "[color=\"#999999\"]";
      return;
    }
    const char* colour =
        link.strength < 0.4 ? "#d73027" : (link.strength < 0.6 ? "#fc8d59" : "#1a9850");
    o << fmt::format("[label=\"{:.2f}\", penwidth={:.2f}, color=\"{}\"{}]", link.strength,
                     1.0 + 4.0 * link.strength, colour, link.complementary ? "" : ", style=dashed");
  };
  const auto graph_writer = [&graph_label](std::ostream& o) {
    o << "label=" << dot_string(graph_label) << ";\nlabelloc=t;\nfontname=\"Helvetica\";\n"
      << "node [fontname=\"Helvetica\", fontsize=10];\nedge [fontname=\"Helvetica\", "
         "fontsize=9];\n";
  };
  boost::write_graphviz(out, g, node_writer, edge_writer, graph_writer);
}

}  // namespace keten
