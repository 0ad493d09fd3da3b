// Binary snapshots (keten/snapshot.hpp): round trips, the envelope's checks, damaged bytes, the
// committed first-version file, and atomic saving under SIGKILL.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "keten/io.hpp"
#include "keten/snapshot.hpp"
#include "keten/synthetic.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::catch_error;

const std::filesystem::path example_json = KETEN_DATA_DIR "/example/landscape.json";
const std::filesystem::path national_json = KETEN_DATA_DIR "/national_landscape.json";
const std::filesystem::path committed_v1 = KETEN_TEST_DATA_DIR "/snapshot_v1.ktn";

const landscape& example() {
  static const landscape l = load_landscape_json(example_json);
  return l;
}

/// A temporary directory for one test, removed afterwards.
class SnapshotFiles : public keten_test::TempDir {};

void put_u32(std::string& bytes, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i)
    bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xffU);
}
void put_u64(std::string& bytes, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i)
    bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xffU);
}

/// The bytes with the checksum field set to the payload's XXH64, taken from the loader's own
/// mismatch message (the tests do not link xxHash themselves).
std::string with_valid_checksum(std::string bytes) {
  put_u64(bytes, 24, 0);
  try {
    (void)from_snapshot(bytes);
  } catch (const parse_error& e) {
    const std::string& m = e.message();
    const auto at = m.rfind("hashes to ");
    if (at != std::string::npos)
      put_u64(bytes, 24, std::stoull(m.substr(at + 10, 16), nullptr, 16));
  }
  return bytes;
}

/// Loading either throws a keten::error or returns a landscape; anything else fails the test.
void load_or_error(std::string_view bytes) {
  try {
    const landscape l = from_snapshot(bytes, "<damaged>");
    (void)l.offerings().size();
  } catch (const keten::error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a keten::error: " << typeid(e).name() << ": " << e.what();
  }
}

TEST(SnapshotRoundTrip, Example) {
  const std::string bytes = to_snapshot(example());
  EXPECT_TRUE(is_snapshot(bytes));
  EXPECT_TRUE(from_snapshot(bytes) == example());
  EXPECT_EQ(to_snapshot(from_snapshot(bytes)), bytes);  // deterministic
}

TEST(SnapshotRoundTrip, National) {
  const landscape national = load_landscape_json(national_json);
  const std::string bytes = to_snapshot(national);
  EXPECT_TRUE(from_snapshot(bytes) == national);
  EXPECT_LT(bytes.size(), read_file(national_json).size());
}

TEST(SnapshotRoundTrip, EmptyLandscape) {
  const landscape empty;
  EXPECT_TRUE(from_snapshot(to_snapshot(empty)) == empty);
}

TEST(SnapshotRoundTrip, RandomLandscapes) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const auto places =
        seed % 4 == 0 ? geography::netherlands() : keten_test::random_geography(rng, 30);
    const landscape original = keten_test::build(keten_test::random_landscape_parts(rng, places));
    const std::string bytes = to_snapshot(original);
    ASSERT_TRUE(from_snapshot(bytes, "<round trip>", places) == original);
  }
}

TEST(SnapshotEnvelope, HeaderLayout) {
  const std::string bytes = to_snapshot(example());
  ASSERT_GE(bytes.size(), snapshot_header_size);
  EXPECT_EQ(bytes.substr(0, 8), "KETENSNP");
  EXPECT_EQ(bytes.substr(8, 8), std::string("\x02\0\0\0\0\0\0\0", 8));  // version 2, reserved 0
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < 8; ++i)
    length |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[16 + i])) << (8 * i);
  EXPECT_EQ(length, bytes.size() - snapshot_header_size);
}

TEST(SnapshotEnvelope, TruncatedAtEveryLength) {
  const std::string bytes = to_snapshot(example());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("length " + std::to_string(n));
    const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes.substr(0, n), "t"); });
    if (e) {
      EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
      EXPECT_EQ(e->where().file, "t");
    }
  }
}

TEST(SnapshotEnvelope, TruncatedMessageNamesTheProblem) {
  const std::string bytes = to_snapshot(example());
  const auto shorter = catch_error<parse_error>([&] { (void)from_snapshot(bytes.substr(0, 10)); });
  ASSERT_TRUE(shorter);
  EXPECT_NE(shorter->message().find("shorter than the 32-byte header"), std::string::npos);
  const auto cut = catch_error<parse_error>([&] { (void)from_snapshot(bytes.substr(0, 100)); });
  ASSERT_TRUE(cut);
  EXPECT_NE(cut->message().find("payload length at byte offset 16"), std::string::npos)
      << cut->what();
}

TEST(SnapshotEnvelope, EveryByteFlipInHeaderAndPayload) {
  const std::string bytes = to_snapshot(example());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const unsigned mask : {0x01U, 0x80U, 0xffU}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ mask);
      SCOPED_TRACE("byte " + std::to_string(i) + " mask " + std::to_string(mask));
      // The checksum catches every change to the payload; every header field is checked.
      const auto e = catch_error<parse_error>([&] { (void)from_snapshot(damaged); });
      if (e) {
        EXPECT_TRUE(e->code() == error_code::snapshot_corrupt ||
                    e->code() == error_code::unsupported_format);
      }
    }
  }
}

/// A payload with a valid envelope but damaged content: re-checksummed after the flip, so the
/// deserializer and the builder see the damage. Any outcome but a crash or a foreign exception.
TEST(SnapshotEnvelope, EveryByteFlipBehindAValidChecksum) {
  const std::string bytes = to_snapshot(example());
  for (std::size_t i = snapshot_header_size; i < bytes.size(); ++i) {
    for (const unsigned mask : {0x01U, 0xffU}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ mask);
      damaged = with_valid_checksum(std::move(damaged));
      SCOPED_TRACE("byte " + std::to_string(i) + " mask " + std::to_string(mask));
      load_or_error(damaged);
    }
  }
}

TEST(SnapshotEnvelope, WrongMagic) {
  std::string bytes = to_snapshot(example());
  bytes[0] = 'X';
  const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes, "m.ktn"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
  EXPECT_EQ(e->where().file, "m.ktn");
  EXPECT_NE(e->message().find("not a keten snapshot"), std::string::npos);
  const auto json = catch_error<parse_error>([&] { (void)from_snapshot(read_file(example_json)); });
  ASSERT_TRUE(json);
  EXPECT_EQ(json->code(), error_code::snapshot_corrupt);
}

TEST(SnapshotEnvelope, NewerVersion) {
  std::string bytes = to_snapshot(example());
  put_u32(bytes, 8, 3);
  const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes, "new.ktn"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::unsupported_format);
  EXPECT_NE(e->message().find("version 3 is newer"), std::string::npos) << e->what();
  EXPECT_NE(e->message().find("versions 1 to 2"), std::string::npos) << e->what();
  put_u32(bytes, 8, 0);
  const auto zero = catch_error<parse_error>([&] { (void)from_snapshot(bytes); });
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->code(), error_code::snapshot_corrupt);
}

TEST(SnapshotEnvelope, ReservedMustBeZero) {
  std::string bytes = to_snapshot(example());
  put_u32(bytes, 12, 1);
  const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
}

TEST(SnapshotEnvelope, LengthMismatch) {
  const std::string good = to_snapshot(example());
  for (const std::uint64_t length : {std::uint64_t{0}, good.size() - snapshot_header_size - 1,
                                     good.size() - snapshot_header_size + 1, ~std::uint64_t{0}}) {
    std::string bytes = good;
    put_u64(bytes, 16, length);
    const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
    EXPECT_NE(e->message().find("payload length"), std::string::npos) << e->what();
  }
  const auto longer = catch_error<parse_error>([&] { (void)from_snapshot(good + "x"); });
  ASSERT_TRUE(longer);
  EXPECT_EQ(longer->code(), error_code::snapshot_corrupt);
}

TEST(SnapshotEnvelope, ChecksumMismatch) {
  std::string bytes = to_snapshot(example());
  bytes.back() = static_cast<char>(bytes.back() ^ 1);
  const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
  EXPECT_NE(e->message().find("checksum mismatch"), std::string::npos);
}

/// A count in the payload that claims more elements than bytes remain is refused before
/// anything is allocated for it.
TEST(SnapshotEnvelope, HugeCountIsRefusedBeforeAllocating) {
  std::string bytes = to_snapshot(landscape{});
  // Empty landscape: name length (4 bytes) then the category count at payload offset 4.
  put_u32(bytes, snapshot_header_size + 4, 0xffffffffU);
  bytes = with_valid_checksum(std::move(bytes));
  const auto e = catch_error<parse_error>([&] { (void)from_snapshot(bytes, "huge.ktn"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::snapshot_corrupt);
  EXPECT_NE(e->message().find("byte offset 36"), std::string::npos) << e->what();
  EXPECT_NE(e->message().find("4294967295 elements"), std::string::npos) << e->what();
}

TEST(SnapshotVersions, CommittedVersion1StillLoads) {
  ASSERT_TRUE(std::filesystem::exists(committed_v1))
      << "tests/data/snapshot_v1.ktn is missing (written once from data/example/landscape.json)";
  // Written from data/example/landscape.json before it had a chain: tests/data/formats/ keeps
  // that version-1 JSON document.
  const landscape v1 = load_landscape_json(KETEN_TEST_DATA_DIR "/formats/landscape_v1.json");
  const landscape l = load_snapshot(committed_v1);
  EXPECT_TRUE(l == v1);
  EXPECT_TRUE(load_landscape(committed_v1) == v1);
  EXPECT_TRUE(v1 == keten_test::without_chains(example()));
}

TEST(SnapshotVersions, Version1PayloadIsVersion2WithoutTheChainCounts) {
  // A version-2 snapshot of a landscape without chains is version 1's payload plus three empty
  // counts (forms, roles, chains): dropping them and writing version 1 gives the old format.
  const landscape v1 = load_landscape_json(KETEN_TEST_DATA_DIR "/formats/landscape_v1.json");
  std::string bytes = to_snapshot(v1);
  bytes.resize(bytes.size() - 12);
  put_u32(bytes, 8, 1);
  put_u64(bytes, 16, bytes.size() - snapshot_header_size);
  bytes = with_valid_checksum(bytes);
  EXPECT_TRUE(from_snapshot(bytes) == v1);
  EXPECT_EQ(bytes, read_file(committed_v1));  // byte for byte what version 1 wrote
}

TEST_F(SnapshotFiles, SaveLoadAndSniff) {
  const auto path = dir / "example.ktn";
  save_snapshot(example(), path);
  EXPECT_TRUE(load_snapshot(path) == example());
  EXPECT_TRUE(load_landscape(path) == example());
  EXPECT_TRUE(load_landscape(example_json) == example());
  // Saving again replaces the file; no temporary file is left behind.
  save_snapshot(landscape{}, path);
  EXPECT_TRUE(load_snapshot(path) == landscape{});
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir))
    ++files;
  EXPECT_EQ(files, 1U);
}

TEST_F(SnapshotFiles, SaveIntoMissingDirectoryIsAnIoError) {
  const auto path = dir / "no" / "such" / "dir" / "x.ktn";
  const auto e = catch_error<io_error>([&] { save_snapshot(example(), path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::cannot_write);
  EXPECT_EQ(e->where().file, path.string());
}

TEST_F(SnapshotFiles, LoadMissingFileIsAnIoError) {
  const auto e = catch_error<io_error>([&] { (void)load_snapshot(dir / "missing.ktn"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::cannot_open);
}

/// A child saves two landscapes alternately to one path; it is killed at a random moment. The
/// file must then be one of the two, whole.
TEST_F(SnapshotFiles, KilledWhileSavingLeavesOldOrNew) {
  const landscape a = example();
  const landscape b = generate_national_landscape(geography::netherlands(), 11);
  const auto path = dir / "landscape.ktn";
  save_snapshot(a, path);
  std::mt19937 rng(20261127);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        for (unsigned i = 0;; ++i)
          save_snapshot(i % 2 == 0 ? b : a, path);
      } catch (...) {
        ::_exit(3);
      }
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(500, 30000)(rng)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the saving child ended by itself (status " << status << ")";
    const landscape loaded = load_snapshot(path);
    EXPECT_TRUE(loaded == a || loaded == b);
  }
}

}  // namespace
