// src/io/hsds_tables.hpp — the HSDS tables keten reads and writes, shared by the importer and the
// exporter (docs/hsds.md). Private to the compiled library.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace keten::detail::hsds {

/// One HSDS table: its entity name (attribute link_entity, datapackage resource name), its file
/// name in a data package (and its key in a tabular JSON document), and its scalar columns in the
/// order of the HSDS schema; columns of type number are marked.
struct column {
  std::string_view name;
  bool number{false};
};

struct table_spec {
  std::string_view entity;
  std::string_view file;
  std::vector<column> columns;
};

enum table_id : std::size_t {
  organizations,
  organization_identifiers,
  services,
  locations,
  service_at_location,
  service_areas,
  addresses,
  languages,
  schedules,
  taxonomies,
  taxonomy_terms,
  attributes,
  service_capacity,
  units,
  table_count
};

inline const std::array<table_spec, table_count> tables{{
    {"organization",
     "organizations.csv",
     {{"id"},
      {"name"},
      {"alternate_name"},
      {"description"},
      {"email"},
      {"website"},
      {"tax_status"},
      {"tax_id"},
      {"year_incorporated", true},
      {"legal_status"},
      {"logo"},
      {"uri"},
      {"parent_organization_id"}}},
    {"organization_identifier",
     "organization_identifiers.csv",
     {{"id"}, {"organization_id"}, {"identifier_scheme"}, {"identifier_type"}, {"identifier"}}},
    {"service",
     "services.csv",
     {{"id"},
      {"organization_id"},
      {"program_id"},
      {"name"},
      {"alternate_name"},
      {"description"},
      {"url"},
      {"email"},
      {"status"},
      {"interpretation_services"},
      {"application_process"},
      {"fees_description"},
      {"wait_time"},
      {"fees"},
      {"accreditations"},
      {"eligibility_description"},
      {"minimum_age", true},
      {"maximum_age", true},
      {"assured_date"},
      {"assurer_email"},
      {"licenses"},
      {"alert"},
      {"last_modified"}}},
    {"location",
     "locations.csv",
     {{"id"},
      {"location_type"},
      {"url"},
      {"organization_id"},
      {"name"},
      {"alternate_name"},
      {"description"},
      {"transportation"},
      {"latitude", true},
      {"longitude", true},
      {"external_identifier"},
      {"external_identifier_type"}}},
    {"service_at_location",
     "service_at_location.csv",
     {{"id"}, {"service_id"}, {"location_id"}, {"description"}}},
    {"service_area",
     "service_areas.csv",
     {{"id"}, {"service_id"}, {"name"}, {"description"}, {"extent"}, {"extent_type"}, {"uri"}}},
    {"address",
     "addresses.csv",
     {{"id"},
      {"location_id"},
      {"attention"},
      {"address_1"},
      {"address_2"},
      {"city"},
      {"region"},
      {"state_province"},
      {"postal_code"},
      {"country"},
      {"address_type"}}},
    {"language",
     "languages.csv",
     {{"id"}, {"service_id"}, {"location_id"}, {"phone_id"}, {"name"}, {"code"}, {"note"}}},
    {"schedule",
     "schedules.csv",
     {{"id"},
      {"service_id"},
      {"location_id"},
      {"service_at_location_id"},
      {"valid_from"},
      {"valid_to"},
      {"dtstart"},
      {"timezone", true},
      {"until"},
      {"count", true},
      {"wkst"},
      {"freq"},
      {"interval", true},
      {"byday"},
      {"byweekno"},
      {"bymonthday"},
      {"byyearday"},
      {"description"},
      {"opens_at"},
      {"closes_at"},
      {"schedule_link"},
      {"attending_type"},
      {"notes"}}},
    {"taxonomy", "taxonomies.csv", {{"id"}, {"name"}, {"description"}, {"uri"}, {"version"}}},
    {"taxonomy_term",
     "taxonomy_terms.csv",
     {{"id"},
      {"code"},
      {"name"},
      {"description"},
      {"parent_id"},
      {"taxonomy"},
      {"language"},
      {"taxonomy_id"},
      {"term_uri"}}},
    {"attribute",
     "attributes.csv",
     {{"id"}, {"link_id"}, {"taxonomy_term_id"}, {"link_type"}, {"link_entity"}, {"value"}}},
    // HSDS 3.1
    {"service_capacity",
     "service_capacity.csv",
     {{"id"},
      {"service_id"},
      {"unit_id"},
      {"available", true},
      {"maximum", true},
      {"description"},
      {"updated"}}},
    {"unit", "units.csv", {{"id"}, {"name"}, {"scheme"}, {"identifier"}, {"uri"}}},
}};

// --- the terms of the keten.fields taxonomy: keten facts carried as attribute values ---------
inline constexpr std::string_view term_landscape_name = "landscape.name";
inline constexpr std::string_view term_partner_member = "partner.member";
inline constexpr std::string_view term_partner_branch = "partner.branch";
inline constexpr std::string_view term_offering_id = "offering.id";
inline constexpr std::string_view term_offering_name = "offering.name";
inline constexpr std::string_view term_household = "eligibility.household";
inline constexpr std::string_view term_professional_referrer = "eligibility.professional_referrer";
inline constexpr std::string_view term_typical_duration = "capacity.typical_duration_days";
inline constexpr std::string_view term_radius_km = "area.radius_km";
inline constexpr std::string_view term_complementarity = "relation.complementarity";
inline constexpr std::string_view term_precedence = "relation.precedence";
inline constexpr std::string_view term_chain_started = "chain.started";
inline constexpr std::string_view term_chain_initiator = "chain.initiator_partner";

struct field_term {
  std::string_view code;
  std::string_view description;
};
inline constexpr std::array<field_term, 13> field_terms{{
    {term_landscape_name, "Name of the keten landscape (on the keten.fields taxonomy)"},
    {term_partner_member, "National member organisation of a partner (on an organization)"},
    {term_partner_branch, "Local branch name of a partner, may be empty (on an organization)"},
    {term_offering_id, "keten id of an offering (on a service)"},
    {term_offering_name, "keten name of an offering, may be empty (on a service)"},
    {term_household, "A household type the service is for (on a service)"},
    {term_professional_referrer,
     "true if a professional must refer and stay responsible (on a service)"},
    {term_typical_duration, "Typical duration of the help in days (on a service)"},
    {term_radius_km,
     "Radius in km of the circle around the location that the service covers (on a "
     "service_at_location)"},
    {term_complementarity,
     "\"<category> <weight>\": the linked category and this one strengthen each other (on a "
     "taxonomy_term)"},
    {term_precedence,
     "\"<category>\": help in the linked category comes before this one (on a "
     "taxonomy_term)"},
    {term_chain_started,
     "\"YYYY-MM-DD\": the day the local chain started (on a keten.chains term)"},
    {term_chain_initiator,
     "\"<partner id>\": a member partner that initiated the local chain (on a keten.chains term)"},
}};

/// The scheme of organization_identifiers rows that hold a keten partner id, and of units.
inline constexpr std::string_view keten_scheme = "keten";
inline constexpr std::string_view partner_identifier_type = "partner_id";

}  // namespace keten::detail::hsds
