// keten/chain.hpp — local chains ("lokale ketens"): partners who cooperate in a place, who started
// it, and in what form.
//
// A local chain is the Keten van Hoop as it exists in one or a few municipalities: the local
// branches (and other partners, a diaconie or a food bank) that agreed to complement each other,
// the initiators who carry it ("kartrekkers": a partner, or a named role such as the diaconie;
// never a person), the day it started and its form of cooperation (a loose network, a shared
// intake desk, a covenant, ...). Chains are plain values; a landscape_builder validates them
// against the partners and the geography, and a landscape indexes them (landscape::chains,
// chains_of, chains_in). The forms of cooperation and the initiator roles are vocabularies: the
// standard terms below, extensible from data (landscape_builder::add_cooperation_form,
// add_initiator_role).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "keten/date.hpp"

namespace keten {

using chain_index = std::uint32_t;

/// A term of a chain vocabulary: a form of cooperation or an initiator role. `id` is lower case,
/// [a-z][a-z0-9_]*, at most 64 characters.
struct chain_term {
  std::string id;
  std::string label_nl;
  std::string label_en;
  friend bool operator==(const chain_term&, const chain_term&) = default;
};

/// The forms of cooperation every landscape knows: loose_network, shared_intake, covenant,
/// joint_project, legal_entity (docs/formats.md, "Local chains"). The same list for every call.
[[nodiscard]] std::span<const chain_term> standard_cooperation_forms() noexcept;

/// The initiator roles every landscape knows: diaconie, church, council_of_churches,
/// municipality, social_team, welfare_organisation, volunteer_coordinator. A role names a
/// function, never a person.
[[nodiscard]] std::span<const chain_term> standard_initiator_roles() noexcept;

/// One initiator ("kartrekker") of a chain: either a partner of the chain (`partner` set) or a
/// named role (`role` set), never both, never a person's name.
struct chain_initiator {
  std::string partner;  ///< id of a partner that is a member of the chain, or empty
  std::string role;     ///< id of an initiator role, or empty
  friend bool operator==(const chain_initiator&, const chain_initiator&) = default;
};

struct local_chain {
  std::string id;                           ///< unique in a landscape, e.g. "keten-gm0193"
  std::string name;                         ///< e.g. "Keten van Hoop Zwolle"
  std::vector<std::string> municipalities;  ///< CBS codes it covers: at least one, no repeats
  std::vector<std::string> partners;  ///< partner ids of its members: at least two, no repeats
  std::vector<chain_initiator> initiators;  ///< at least one, no repeats
  date started{};                           ///< the day it started
  std::string form;                         ///< id of its form of cooperation
  friend bool operator==(const local_chain&, const local_chain&) = default;
};

}  // namespace keten
