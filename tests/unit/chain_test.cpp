// Local chains: validation in the builder, the indexes of the landscape, the JSON and snapshot
// formats (versions 1 and 2), and the chains of the generated national landscape.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "keten/keten.hpp"
#include "support.hpp"

using namespace keten;
using keten_test::catch_error;
using keten_test::expect_error;

namespace {

const std::filesystem::path example_json = KETEN_DATA_DIR "/example/landscape.json";
const std::filesystem::path v1_json = KETEN_TEST_DATA_DIR "/formats/landscape_v1.json";

/// Three partners in Zwolle and Kampen; no chain yet.
landscape_builder base() {
  landscape_builder b;
  b.add_partner({"a", "SchuldHulpMaatje", "A", "GM0193"});
  b.add_partner({"b", "HipHelpt", "B", "GM0193"});
  b.add_partner({"c", "Stichting Present", "C", "GM0166"});
  return b;
}

local_chain good() {
  return {.id = "k1",
          .name = "Keten van Hoop Zwolle",
          .municipalities = {"GM0193", "GM0166"},
          .partners = {"b", "a", "c"},
          .initiators = {{.partner = "a", .role = {}}, {.partner = {}, .role = "diaconie"}},
          .started = *parse_date("2023-05-01"),
          .form = "covenant"};
}

}  // namespace

TEST(Date, ParsesAndWritesIsoDays) {
  const auto d = parse_date("2024-02-29");
  ASSERT_TRUE(d);
  EXPECT_EQ(to_string(*d), "2024-02-29");
  EXPECT_EQ(days_between(*parse_date("2024-02-28"), *parse_date("2024-03-01")), 2);
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "20240101",
                          "1899-12-31", "2201-01-01", "2024-01-0x", " 2024-01-01", ""})
    EXPECT_FALSE(parse_date(bad)) << bad;
}

TEST(Chains, BuiltAndIndexed) {
  landscape_builder b = base();
  b.add_chain(good());
  local_chain second = good();
  second.id = "k2";
  second.municipalities = {"GM0166"};
  second.partners = {"c", "b"};
  second.initiators = {{.partner = {}, .role = "social_team"}};
  b.add_chain(second);
  const landscape l = b.build();
  ASSERT_EQ(l.chains().size(), 2U);
  EXPECT_EQ(l.chain_by_id("k1"), good());
  EXPECT_EQ(l.find_chain("k2"), 1U);
  EXPECT_FALSE(l.find_chain("nope"));
  expect_error<not_found_error>([&] { (void)l.chain_by_id("nope"); }, error_code::not_found,
                                {.field = "chain", .object_id = "nope"});
  // Members ascending by partner index (a = 0, b = 1, c = 2), whatever the order given.
  EXPECT_EQ(std::vector<partner_index>(l.chain_members(0).begin(), l.chain_members(0).end()),
            (std::vector<partner_index>{0, 1, 2}));
  EXPECT_EQ(std::vector<chain_index>(l.chains_of(2).begin(), l.chains_of(2).end()),
            (std::vector<chain_index>{0, 1}));
  EXPECT_EQ(l.chains_of(0).size(), 1U);
  const auto zwolle = l.places().index_of("GM0193");
  const auto kampen = l.places().index_of("GM0166");
  EXPECT_EQ(l.chains_in(zwolle).size(), 1U);
  EXPECT_EQ(l.chains_in(kampen).size(), 2U);
  EXPECT_TRUE(l.chains_in(l.places().index_of("GM0363")).empty());
  EXPECT_TRUE(l.share_a_chain(0, 2));
  EXPECT_TRUE(l.share_a_chain(1, 2));
  EXPECT_EQ(l.cooperation_forms().size(), standard_cooperation_forms().size());
  EXPECT_EQ(l.initiator_roles().size(), standard_initiator_roles().size());
}

TEST(Chains, ShareAChainAgreesWithBruteForce) {
  std::mt19937 rng(3);
  for (int round = 0; round < 40; ++round) {
    const auto places = keten_test::random_geography(rng, 10);
    const auto parts = keten_test::random_landscape_parts(rng, places, true);
    const landscape l = keten_test::build(parts);
    for (partner_index p = 0; p < l.partners().size(); ++p)
      for (partner_index q = 0; q < l.partners().size(); ++q) {
        bool expected = false;
        for (const local_chain& c : parts.chains)
          expected |= std::count(c.partners.begin(), c.partners.end(), l.partners()[p].id) &&
                      std::count(c.partners.begin(), c.partners.end(), l.partners()[q].id);
        EXPECT_EQ(l.share_a_chain(p, q), expected) << round << " " << p << " " << q;
      }
  }
}

TEST(Chains, EveryRuleIsCheckedWithFieldAndId) {
  struct bad_case {
    const char* what;
    void (*change)(local_chain&);
    error_code code;
    const char* field;
  };
  const bad_case cases[] = {
      {"no id", [](local_chain& c) { c.id.clear(); }, error_code::empty_value, "id"},
      {"no name", [](local_chain& c) { c.name.clear(); }, error_code::empty_value, "name"},
      {"no place", [](local_chain& c) { c.municipalities.clear(); }, error_code::empty_value,
       "municipalities"},
      {"unknown place", [](local_chain& c) { c.municipalities[1] = "GM9999"; },
       error_code::unknown_municipality, "municipalities[1]"},
      {"place twice", [](local_chain& c) { c.municipalities[1] = "GM0193"; },
       error_code::duplicate_id, "municipalities[1]"},
      {"one partner", [](local_chain& c) { c.partners = {"a"}; }, error_code::empty_value,
       "partners"},
      {"partner twice", [](local_chain& c) { c.partners[2] = "b"; }, error_code::duplicate_id,
       "partners[2]"},
      {"no initiator", [](local_chain& c) { c.initiators.clear(); }, error_code::empty_value,
       "initiators"},
      {"both kinds", [](local_chain& c) { c.initiators[0].role = "diaconie"; },
       error_code::invalid_value, "initiators[0]"},
      {"neither kind", [](local_chain& c) { c.initiators[1].role.clear(); },
       error_code::invalid_value, "initiators[1]"},
      {"initiator not a member",
       [](local_chain& c) {
         c.partners = {"a", "b"};
         c.initiators[0].partner = "c";
       },
       error_code::unknown_reference, "initiators[0].partner"},
      {"a name as role", [](local_chain& c) { c.initiators[1].role = "Jan de Vries"; },
       error_code::invalid_value, "initiators[1].role"},
      {"initiator twice", [](local_chain& c) { c.initiators[1] = c.initiators[0]; },
       error_code::duplicate_id, "initiators[1]"},
      {"bad date",
       [](local_chain& c) {
         c.started = date{std::chrono::year{2023}, std::chrono::February, std::chrono::day{30}};
       },
       error_code::invalid_value, "started"},
      {"no form", [](local_chain& c) { c.form.clear(); }, error_code::empty_value, "form"},
  };
  for (const bad_case& bad : cases) {
    SCOPED_TRACE(bad.what);
    landscape_builder b = base();
    local_chain c = good();
    bad.change(c);
    expect_error<validation_error>([&] { b.add_chain(c); }, bad.code,
                                   {.field = bad.field, .object_id = c.id});
    // Nothing already added is lost: the builder still builds, without the failed chain.
    EXPECT_EQ(b.build().partners().size(), 3U);
  }
  // Duplicate id.
  landscape_builder b = base();
  b.add_chain(good());
  expect_error<validation_error>([&] { b.add_chain(good()); }, error_code::duplicate_id,
                                 {.field = "id", .object_id = "k1"});
  EXPECT_EQ(b.build().chains().size(), 1U);
}

TEST(Chains, ReferencesAreCheckedWhenBuilt) {
  const auto fails = [](void (*change)(local_chain&), const char* field) {
    SCOPED_TRACE(field);
    landscape_builder b = base();
    local_chain c = good();
    change(c);
    b.add_chain(c);
    expect_error<validation_error>([&] { (void)b.build(); }, error_code::unknown_reference,
                                   {.field = field, .object_id = "k1"});
  };
  fails([](local_chain& c) { c.partners[2] = "zz"; }, "partners[2]");
  fails([](local_chain& c) { c.initiators[1].role = "mayor"; }, "initiators[1].role");
  fails([](local_chain& c) { c.form = "alliance"; }, "form");
  // Added terms are known.
  landscape_builder b = base();
  b.add_cooperation_form({"alliance", "Alliantie", "alliance"});
  b.add_initiator_role({"mayor", "Burgemeester", "mayor"});
  local_chain c = good();
  c.form = "alliance";
  c.initiators[1].role = "mayor";
  b.add_chain(c);
  const landscape l = b.build();
  EXPECT_EQ(l.cooperation_forms().back().id, "alliance");
  EXPECT_EQ(l.initiator_roles().back().id, "mayor");
  // A bad or repeated term.
  landscape_builder t = base();
  expect_error<validation_error>(
      [&] {
        t.add_cooperation_form({"covenant", "", ""});
      },
      error_code::duplicate_id, {.field = "id", .object_id = "covenant"});
  expect_error<validation_error>(
      [&] {
        t.add_initiator_role({"Mayor", "", ""});
      },
      error_code::invalid_value, {.field = "id", .object_id = "Mayor"});
}

TEST(Chains, JsonRoundTripAndVersions) {
  const landscape example = load_landscape_json(example_json);
  ASSERT_EQ(example.chains().size(), 1U);
  EXPECT_EQ(example.chains()[0].form, "shared_intake");
  EXPECT_TRUE(parse_landscape_json(to_json(example)) == example);
  EXPECT_NE(to_json(example).find("\"version\": 2"), std::string::npos);
  // A version-1 document still loads; it equals the example without its chain.
  const landscape v1 = load_landscape_json(v1_json);
  EXPECT_TRUE(v1 == keten_test::without_chains(example));
  EXPECT_FALSE(v1 == example);
  // Chains in a version-1 document are refused, naming the field.
  expect_error<parse_error>(
      [] {
        (void)parse_landscape_json(R"({"format": "keten.landscape", "version": 1, "chains": []})",
                                   "x.json");
      },
      error_code::unsupported_format, {.file = "x.json", .pointer = "/chains", .field = "chains"});
  // Random landscapes with chains and extra terms round-trip through JSON and snapshots.
  std::mt19937 rng(17);
  for (int round = 0; round < 60; ++round) {
    const auto places = keten_test::random_geography(rng, 12);
    const landscape l = keten_test::build(keten_test::random_landscape_parts(rng, places, true));
    EXPECT_TRUE(parse_landscape_json(to_json(l), "<json>", places) == l) << round;
    EXPECT_TRUE(from_snapshot(to_snapshot(l), "<snapshot>", places) == l) << round;
  }
}

TEST(Chains, JsonErrorsNamePointerFieldAndId) {
  const std::string head =
      R"({"format": "keten.landscape", "version": 2, "partners": [
      {"id": "a", "member": "SchuldHulpMaatje", "municipality": "GM0193"},
      {"id": "b", "member": "HipHelpt", "municipality": "GM0193"}], "chains": [)";
  const auto parse = [&](const std::string& chain) {
    return [text = head + chain + "]}"] { (void)parse_landscape_json(text, "c.json"); };
  };
  expect_error<validation_error>(
      parse(R"({"id": "k", "name": "K", "municipalities": ["GM0193"], "partners": ["a", "x"],
               "initiators": [{"role": "diaconie"}], "started": "2023-01-01", "form": "covenant"})"),
      error_code::unknown_reference,
      {.file = "c.json",
       .pointer = "/chains/0/partners/1",
       .field = "partners[1]",
       .object_id = "k"});
  expect_error<validation_error>(
      parse(R"({"id": "k", "name": "K", "municipalities": ["GM0193"], "partners": ["a", "b"],
               "initiators": [{"role": "diaconie"}], "started": "2023-02-30", "form": "covenant"})"),
      error_code::invalid_value,
      {.file = "c.json", .pointer = "/chains/0/started", .field = "started", .object_id = "k"});
  expect_error<parse_error>(
      parse(R"({"id": "k", "name": "K", "municipalities": ["GM0193"], "partners": ["a", "b"],
               "initiators": [{"person": "Jan"}], "started": "2023-01-01", "form": "covenant"})"),
      error_code::unknown_field,
      {.file = "c.json",
       .pointer = "/chains/0/initiators/0/person",
       .field = "initiators[0].person",
       .object_id = "k"});
  expect_error<validation_error>(
      parse(R"({"id": "k", "name": "K", "municipalities": ["GM0193"], "partners": ["a", "b"],
               "initiators": [{"role": "diaconie"}], "started": "2023-01-01", "form": "club"})"),
      error_code::unknown_reference,
      {.file = "c.json", .pointer = "/chains/0/form", .field = "form", .object_id = "k"});
}

TEST(Chains, NationalLandscapeHasChainsWhereSeveralMembersAreAtHome) {
  const landscape l = load_landscape_json(KETEN_DATA_DIR "/national_landscape.json");
  ASSERT_GE(l.chains().size(), 50U);
  std::set<std::string> with_chain;
  for (const local_chain& c : l.chains()) {
    ASSERT_EQ(c.municipalities.size(), 1U);
    with_chain.insert(c.municipalities[0]);
    std::set<std::string> members;
    for (const std::string& p : c.partners) {
      const partner& x = l.partner_by_id(p);
      EXPECT_EQ(x.municipality, c.municipalities[0]) << c.id;
      members.insert(x.member);
    }
    EXPECT_GE(members.size(), 2U) << c.id;
  }
  // Every municipality with a chain has several members; most such municipalities have a chain.
  std::map<std::string, std::set<std::string>> members_at;
  for (const partner& p : l.partners())
    members_at[p.municipality].insert(p.member);
  std::size_t several = 0;
  for (const auto& [code, members] : members_at)
    several += members.size() >= 2 ? 1 : 0;
  EXPECT_GE(with_chain.size() * 100, several * 70);
  EXPECT_LT(with_chain.size(), several);  // and some have none: gaps to find
}
