// src/core/chain_checks.hpp — the checks of local chains and their vocabularies that
// landscape_builder runs as they are added (src/core/chain.cpp). Private to the library.
#pragma once

#include <string_view>

#include "keten/chain.hpp"
#include "keten/geography.hpp"

namespace keten::detail {

/// Throws validation_error (field "id", object `term.id`) unless the id is [a-z][a-z0-9_]* of at
/// most 64 characters. `what` names the vocabulary in the message ("form of cooperation").
void check_chain_term(const chain_term& term, std::string_view what);

/// The checks of landscape_builder::add_chain that need nothing but the chain and the geography.
void check_chain(const local_chain& chain, const geography& places);

}  // namespace keten::detail
