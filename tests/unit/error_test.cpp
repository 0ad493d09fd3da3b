// Tests of keten/error.hpp: the what() format, source_position::to_string, rethrow_with_position.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "keten/error.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::catch_error;
using keten_test::expect_where;

TEST(SourcePosition, EmptyIsEmpty) {
  const source_position p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.to_string(), "");
}

TEST(SourcePosition, FullPosition) {
  const source_position p{.file = "data/x.json",
                          .line = 12,
                          .column = 7,
                          .pointer = "/offerings/3/capacity",
                          .field = "free_units",
                          .object_id = "shm-gm0363-debts"};
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.to_string(),
            "data/x.json:12:7 /offerings/3/capacity (field 'free_units' of id 'shm-gm0363-debts')");
}

TEST(SourcePosition, PartsAreLeftOut) {
  EXPECT_EQ((source_position{.file = "a.csv"}).to_string(), "a.csv");
  EXPECT_EQ((source_position{.file = "a.csv", .line = 4}).to_string(), "a.csv:4");
  // A column without a line is not printed.
  EXPECT_EQ((source_position{.file = "a.csv", .column = 9}).to_string(), "a.csv");
  EXPECT_EQ((source_position{.pointer = "/a/0"}).to_string(), "/a/0");
  EXPECT_EQ((source_position{.field = "id"}).to_string(), "(field 'id')");
  EXPECT_EQ((source_position{.object_id = "x"}).to_string(), "(id 'x')");
  EXPECT_EQ((source_position{.field = "id", .object_id = "x"}).to_string(),
            "(field 'id' of id 'x')");
  EXPECT_EQ((source_position{.file = "f", .field = "id"}).to_string(), "f (field 'id')");
  EXPECT_EQ((source_position{.pointer = "/p", .object_id = "x"}).to_string(), "/p (id 'x')");
}

TEST(SourcePosition, EmptyIgnoresNothingThatMatters) {
  EXPECT_FALSE((source_position{.file = "f"}).empty());
  EXPECT_FALSE((source_position{.line = 1}).empty());
  EXPECT_FALSE((source_position{.pointer = "/"}).empty());
  EXPECT_FALSE((source_position{.field = "f"}).empty());
  EXPECT_FALSE((source_position{.object_id = "x"}).empty());
}

TEST(Error, WhatWithPosition) {
  const validation_error e(error_code::duplicate_id, "partner id used twice",
                           {.file = "l.json",
                            .line = 3,
                            .column = 5,
                            .pointer = "/partners/1",
                            .field = "id",
                            .object_id = "p1"});
  EXPECT_STREQ(e.what(),
               "[keten.validation_error.201] l.json:3:5 /partners/1 (field 'id' of id 'p1'): "
               "partner id used twice");
  EXPECT_EQ(e.message(), "partner id used twice");
  EXPECT_EQ(e.code(), error_code::duplicate_id);
  EXPECT_EQ(e.id(), 201);
  EXPECT_EQ(e.where().pointer, "/partners/1");
}

TEST(Error, WhatWithoutPosition) {
  EXPECT_STREQ(parse_error(error_code::json_syntax, "bad").what(), "[keten.parse_error.101] bad");
  EXPECT_STREQ(not_found_error("no such thing").what(),
               "[keten.not_found_error.301] no such thing");
  EXPECT_STREQ(io_error(error_code::cannot_write, "disk full", {.file = "/tmp/x"}).what(),
               "[keten.io_error.402] /tmp/x: disk full");
  EXPECT_STREQ(error(error_code::invalid_value, "custom", "m").what(), "[keten.custom.208] m");
}

TEST(Error, KindsAndIds) {
  EXPECT_EQ(not_found_error("x").code(), error_code::not_found);
  EXPECT_EQ(static_cast<int>(error_code::json_syntax), 101);
  EXPECT_EQ(static_cast<int>(error_code::csv_syntax), 102);
  EXPECT_EQ(static_cast<int>(error_code::dimacs_syntax), 103);
  EXPECT_EQ(static_cast<int>(error_code::wrong_type), 110);
  EXPECT_EQ(static_cast<int>(error_code::missing_field), 111);
  EXPECT_EQ(static_cast<int>(error_code::unknown_field), 112);
  EXPECT_EQ(static_cast<int>(error_code::unsupported_format), 113);
  EXPECT_EQ(static_cast<int>(error_code::duplicate_id), 201);
  EXPECT_EQ(static_cast<int>(error_code::unknown_category), 202);
  EXPECT_EQ(static_cast<int>(error_code::unknown_municipality), 203);
  EXPECT_EQ(static_cast<int>(error_code::unknown_reference), 204);
  EXPECT_EQ(static_cast<int>(error_code::negative_value), 205);
  EXPECT_EQ(static_cast<int>(error_code::inverted_range), 206);
  EXPECT_EQ(static_cast<int>(error_code::precedence_cycle), 207);
  EXPECT_EQ(static_cast<int>(error_code::invalid_value), 208);
  EXPECT_EQ(static_cast<int>(error_code::empty_value), 209);
  EXPECT_EQ(static_cast<int>(error_code::not_found), 301);
  EXPECT_EQ(static_cast<int>(error_code::cannot_open), 401);
  EXPECT_EQ(static_cast<int>(error_code::cannot_write), 402);
}

TEST(Error, IsARuntimeError) {
  try {
    throw validation_error(error_code::empty_value, "m");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "[keten.validation_error.209] m");
    return;
  }
  FAIL() << "not caught as std::runtime_error";
}

const source_position outer{.file = "outer.json",
                            .line = 9,
                            .column = 4,
                            .pointer = "/outer/0",
                            .field = "outer_field",
                            .object_id = "outer-id"};

TEST(RethrowWithPosition, FillsEveryMissingPart) {
  const validation_error inner(error_code::negative_value, "-1 must not be negative");
  const auto e = catch_error<validation_error>([&] { rethrow_with_position(inner, outer); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::negative_value);
  EXPECT_EQ(e->message(), "-1 must not be negative");
  expect_where(*e, outer);
  EXPECT_STREQ(e->what(),
               "[keten.validation_error.205] outer.json:9:4 /outer/0 (field 'outer_field' of id "
               "'outer-id'): -1 must not be negative");
}

TEST(RethrowWithPosition, KeepsWhatIsKnown) {
  const validation_error inner(error_code::invalid_value, "m",
                               {.field = "capacity.free_units", .object_id = "o1"});
  const auto e = catch_error<validation_error>([&] { rethrow_with_position(inner, outer); });
  ASSERT_TRUE(e);
  expect_where(*e, {.file = "outer.json",
                    .line = 9,
                    .column = 4,
                    .pointer = "/outer/0",
                    .field = "capacity.free_units",
                    .object_id = "o1"});

  const parse_error located(error_code::json_syntax, "m",
                            {.file = "inner.json", .line = 2, .column = 3, .pointer = "/in"});
  const auto p = catch_error<parse_error>([&] { rethrow_with_position(located, outer); });
  ASSERT_TRUE(p);
  expect_where(*p, {.file = "inner.json",
                    .line = 2,
                    .column = 3,
                    .pointer = "/in",
                    .field = "outer_field",
                    .object_id = "outer-id"});
}

TEST(RethrowWithPosition, LineAndColumnTravelTogether) {
  // The inner error knows a line but no column: the outer column must not be glued to it.
  const parse_error inner(error_code::csv_syntax, "m", {.line = 5});
  const auto e = catch_error<parse_error>([&] { rethrow_with_position(inner, outer); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->where().line, 5u);
  EXPECT_EQ(e->where().column, 0u);
}

TEST(RethrowWithPosition, KeepsTheDynamicType) {
  {
    const auto e = catch_error<parse_error>(
        [&] { rethrow_with_position(parse_error(error_code::wrong_type, "w"), outer); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::wrong_type);
    EXPECT_EQ(std::string(e->what()).rfind("[keten.parse_error.110] ", 0), 0u);
  }
  {
    const auto e = catch_error<not_found_error>(
        [&] { rethrow_with_position(not_found_error("gone", {.object_id = "x"}), outer); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::not_found);
    EXPECT_EQ(e->where().object_id, "x");
    EXPECT_EQ(e->where().file, "outer.json");
  }
  {
    const auto e = catch_error<io_error>(
        [&] { rethrow_with_position(io_error(error_code::cannot_open, "nope"), outer); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::cannot_open);
    EXPECT_EQ(e->message(), "nope");
  }
  {
    const auto e = catch_error<validation_error>(
        [&] { rethrow_with_position(validation_error(error_code::precedence_cycle, "c"), outer); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::precedence_cycle);
  }
  {
    // A plain keten::error stays a plain keten::error.
    const auto e = catch_error<error>(
        [&] { rethrow_with_position(error(error_code::invalid_value, "error", "plain"), outer); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->message(), "plain");
    EXPECT_EQ(e->where().file, "outer.json");
  }
}

}  // namespace
