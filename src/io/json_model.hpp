// src/io/json_model.hpp — readers of the landscape document's partner and offering objects, shared
// with other documents that embed them. Private to the library (src/io).
#pragma once

#include "json_cursor.hpp"
#include "keten/offering.hpp"

namespace keten::detail {

/// A partner object as in a keten.landscape document; errors name the file, pointer, field, id.
[[nodiscard]] partner read_partner_json(const cursor& c);
/// An offering object as in a keten.landscape document (its values are checked by
/// landscape_builder::add_offering, not here).
[[nodiscard]] offering read_offering_json(const cursor& c);

}  // namespace keten::detail
