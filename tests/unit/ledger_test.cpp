// The referral ledger (keten/ledger.hpp): lifecycle, refused transitions that change nothing,
// reasons, capacity holds, seeding from an allocation, foreign and damaged files, many threads at
// once, and a child process killed at random moments.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "keten/allocation.hpp"
#include "keten/ledger.hpp"
#include "support.hpp"

namespace {

using namespace keten;
using keten_test::catch_error;
using keten_test::make_offering;
using keten_test::make_partner;
using s = referral_state;
using a = actor_role;
using r = referral_reason;

/// A fresh file path in the temporary directory, removed (with its WAL files) at the end.
struct temp_ledger_path {
  std::filesystem::path path;
  explicit temp_ledger_path(const std::string& name) {
    path = std::filesystem::temp_directory_path() /
           fmt_name(name + "-" + std::to_string(::getpid()) + ".ktl");
    remove();
  }
  static std::string fmt_name(std::string n) { return "keten-ledger-test-" + n; }
  void remove() const {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::filesystem::remove(path.string() + "-wal", ec);
    std::filesystem::remove(path.string() + "-shm", ec);
  }
  ~temp_ledger_path() { remove(); }
};

/// Two partners, three offerings with 2, 1 and 3 free units.
landscape small_landscape() {
  landscape_builder b(keten_test::small_geography({"GM0363"}));
  b.add_partner(make_partner("p1")).add_partner(make_partner("p2"));
  b.add_offering(make_offering("o1", "p1"));
  auto o2 = make_offering("o2", "p2", {"work.job_search"});
  o2.units.free_units = 1;
  b.add_offering(o2);
  auto o3 = make_offering("o3", "p2", {"money.debts"});
  o3.units.free_units = 3;
  b.add_offering(o3);
  return b.build();
}

ledger_time t0() {
  return ledger_time(std::chrono::milliseconds(1'700'000'000'000));
}

TEST(Ledger, FullLifecycleKeepsEveryTransition) {
  temp_ledger_path tmp("lifecycle");
  ledger l(tmp.path);
  EXPECT_EQ(l.add_offerings(small_landscape()), 3u);
  const auto id = l.refer({"case-1", "money.debts", "o1", false}, t0());
  EXPECT_EQ(l.get(id).state, s::requested);
  EXPECT_EQ(l.get(id).partner, "p1");
  EXPECT_EQ(l.capacity_of("o1").held, 1);
  l.update({id, s::accepted, a::partner}, t0() + std::chrono::hours(1));
  l.update({id, s::in_progress, a::partner}, t0() + std::chrono::hours(2));
  l.update({id, s::on_hold, a::partner, r::could_not_contact, "tried twice"},
           t0() + std::chrono::hours(3));
  l.update({id, s::in_progress, a::partner}, t0() + std::chrono::hours(4));
  EXPECT_EQ(l.capacity_of("o1").held, 1);
  const auto last = l.update({id, s::completed, a::partner}, t0() + std::chrono::hours(5));
  EXPECT_EQ(last.from, s::in_progress);
  EXPECT_EQ(l.capacity_of("o1").held, 0);
  const auto h = l.history(id);
  ASSERT_EQ(h.size(), 6u);
  EXPECT_FALSE(h[0].from.has_value());
  EXPECT_EQ(h[0].to, s::requested);
  EXPECT_EQ(h[0].actor, a::referrer);
  EXPECT_EQ(h[3].reason, r::could_not_contact);
  EXPECT_EQ(h[3].note, "tried twice");
  EXPECT_EQ(h[5].to, s::completed);
  EXPECT_EQ(h[5].at, t0() + std::chrono::hours(5));
  for (std::size_t i = 1; i < h.size(); ++i)
    EXPECT_LT(h[i - 1].id, h[i].id);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, StateCodesRoundTrip) {
  for (int i = 0; i < referral_state_count; ++i) {
    const auto st = static_cast<referral_state>(i);
    EXPECT_EQ(parse_referral_state(to_string(st)), st);
  }
  EXPECT_EQ(to_string(s::in_progress), "in-progress");
  EXPECT_EQ(parse_referral_state("entered_in_error"), s::entered_in_error);
  EXPECT_EQ(parse_referral_reason("no-capacity"), r::no_capacity);
  EXPECT_THROW((void)parse_referral_state("open"), validation_error);
}

TEST(Ledger, IllegalTransitionIsRefusedAndChangesNothing) {
  temp_ledger_path tmp("illegal");
  ledger l(tmp.path);
  l.add_offerings(small_landscape());
  const auto id = l.refer({"case-1", "money.debts", "o1", false}, t0());
  const auto before_h = l.history(id);
  const auto before_c = l.capacities();
  // the referrer may not accept; nobody may complete a requested referral
  const auto e = catch_error<transition_error>([&] { l.update({id, s::accepted, a::referrer}); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::illegal_transition);
  EXPECT_EQ(e->referral(), std::to_string(id));
  EXPECT_EQ(e->state(), "requested");
  EXPECT_EQ(e->transition(), "requested → accepted by referrer");
  EXPECT_NE(std::string(e->what()).find("referral " + std::to_string(id)), std::string::npos);
  EXPECT_THROW(l.update({id, s::completed, a::partner}), transition_error);
  EXPECT_THROW(l.update({id, s::draft, a::referrer}), transition_error);
  l.update({id, s::rejected, a::partner, r::out_of_area});
  const auto after_reject = l.history(id);
  // nothing leaves a final state but entered-in-error
  for (int to = 0; to < referral_state_count; ++to)
    for (int actor = 0; actor < 3; ++actor) {
      const auto st = static_cast<referral_state>(to);
      if (st == s::entered_in_error && actor == 0) continue;
      EXPECT_THROW(l.update({id, st, static_cast<actor_role>(actor), r::other}), error);
    }
  EXPECT_EQ(l.history(id).size(), after_reject.size());
  EXPECT_EQ(before_h.size() + 1, after_reject.size());
  EXPECT_EQ(l.capacity_of("o1").held, 0);
  EXPECT_EQ(before_c[0].held, 1);
  EXPECT_THROW(l.update({999, s::accepted, a::partner}), not_found_error);
  // a failing batch changes nothing, even its valid first part
  const auto id2 = l.refer({"case-2", "money.debts", "o1", false}, t0());
  const std::vector<transition_request> batch{{id2, s::accepted, a::partner},
                                              {id2, s::completed, a::partner}};
  EXPECT_THROW(l.update_all(batch), transition_error);
  EXPECT_EQ(l.get(id2).state, s::requested);
  EXPECT_EQ(l.history(id2).size(), 1u);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, ReasonsAreRequiredFromTheFixedList) {
  temp_ledger_path tmp("reasons");
  ledger l(tmp.path);
  l.add_offerings(small_landscape());
  const auto id = l.refer({"case-1", "money.debts", "o3", false}, t0());
  const auto e = catch_error<validation_error>([&] { l.update({id, s::rejected, a::partner}); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::reason_required);
  EXPECT_EQ(e->where().field, "reason");
  // expired is the ledger's own reason; accepted takes none
  EXPECT_THROW(l.update({id, s::cancelled, a::referrer, r::expired}), validation_error);
  EXPECT_THROW(l.update({id, s::accepted, a::partner, r::other}), validation_error);
  EXPECT_THROW(l.update({id, s::cancelled, a::system, r::other}), validation_error);
  l.update({id, s::accepted, a::partner});
  EXPECT_THROW(l.update({id, s::on_hold, a::partner}), validation_error);
  EXPECT_THROW(l.update({id, s::failed, a::partner}), validation_error);
  l.update({id, s::failed, a::partner, r::no_longer_interested});
  const auto id2 = l.refer({"case-2", "money.debts", "o3", false}, t0());
  EXPECT_THROW(l.update({id2, s::cancelled, a::referrer}), validation_error);
  l.update({id2, s::cancelled, a::referrer, r::referred_elsewhere});
  EXPECT_EQ(l.capacity_of("o3").held, 0);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, CapacityIsNeverOverCommitted) {
  temp_ledger_path tmp("capacity");
  ledger l(tmp.path);
  l.add_offerings(small_landscape());
  const auto a1 = l.refer({"c1", "work.job_search", "o2", false}, t0());
  const auto e = catch_error<validation_error>([&] {
    (void)l.refer({"c2", "work.job_search", "o2", false}, t0());
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::ledger_no_capacity);
  EXPECT_EQ(e->where().object_id, "o2");
  EXPECT_EQ(l.list().size(), 1u);
  // a draft holds nothing; requesting it needs a free unit
  const auto d = l.refer({"c2", "work.job_search", "o2", true}, t0());
  EXPECT_EQ(l.capacity_of("o2").held, 1);
  EXPECT_THROW(l.update({d, s::requested, a::referrer}), validation_error);
  EXPECT_EQ(l.get(d).state, s::draft);
  // the total cannot drop below what is held
  EXPECT_THROW(l.set_capacity("o2", 0), validation_error);
  l.update({a1, s::rejected, a::partner, r::no_capacity});
  EXPECT_EQ(l.capacity_of("o2").held, 0);
  l.update({d, s::requested, a::referrer});
  EXPECT_EQ(l.capacity_of("o2").held, 1);
  l.update({d, s::entered_in_error, a::referrer});
  EXPECT_EQ(l.capacity_of("o2").held, 0);
  l.set_capacity("o2", 0);
  EXPECT_THROW((void)l.refer({"c3", "work.job_search", "o2", false}, t0()), validation_error);
  EXPECT_THROW((void)l.refer({"c3", "work.job_search", "nope", false}, t0()), not_found_error);
  // refer_all: all or none
  const std::vector<referral_request> rs{{"c4", "money.debts", "o1", false},
                                         {"c5", "money.debts", "o1", false},
                                         {"c6", "money.debts", "o1", false}};
  EXPECT_THROW(l.refer_all(rs, t0()), validation_error);
  EXPECT_EQ(l.capacity_of("o1").held, 0);
  EXPECT_EQ(l.list().size(), 2u);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, ExpireCancelsUnansweredRequests) {
  temp_ledger_path tmp("expire");
  ledger l(tmp.path);
  l.add_offerings(small_landscape());
  const auto old1 = l.refer({"c1", "money.debts", "o3", false}, t0());
  const auto answered = l.refer({"c2", "money.debts", "o3", false}, t0());
  l.update({answered, s::accepted, a::partner}, t0() + std::chrono::hours(1));
  const auto fresh = l.refer({"c3", "money.debts", "o3", false}, t0() + std::chrono::days(20));
  EXPECT_EQ(l.capacity_of("o3").held, 3);
  EXPECT_EQ(l.expire(t0() - std::chrono::milliseconds(1), t0() + std::chrono::days(21)), 0u);
  EXPECT_EQ(l.expire(t0() + std::chrono::days(14), t0() + std::chrono::days(21)), 1u);
  EXPECT_EQ(l.get(old1).state, s::cancelled);
  EXPECT_EQ(l.history(old1).back().reason, r::expired);
  EXPECT_EQ(l.history(old1).back().actor, a::system);
  EXPECT_EQ(l.get(answered).state, s::accepted);
  EXPECT_EQ(l.get(fresh).state, s::requested);
  EXPECT_EQ(l.capacity_of("o3").held, 2);
  const auto d = l.declines();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].partner, "p2");
  EXPECT_EQ(d[0].reason, r::expired);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, DeclinesPerPartnerAndHelpForm) {
  temp_ledger_path tmp("declines");
  ledger l(tmp.path);
  l.add_offerings(small_landscape());
  for (int i = 0; i < 3; ++i) {
    const auto id = l.refer({"c" + std::to_string(i), "money.debts", "o1", false}, t0());
    l.update({id, s::rejected, a::partner, i == 0 ? r::not_eligible : r::no_capacity});
  }
  const auto id = l.refer({"c9", "work.job_search", "o2", false}, t0());
  l.update({id, s::cancelled, a::referrer, r::no_longer_interested});  // not a decline
  const auto d = l.declines();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].partner, "p1");
  EXPECT_EQ(d[0].need, "money.debts");
  EXPECT_EQ(d[0].reason, r::no_capacity);
  EXPECT_EQ(d[0].count, 2);
  EXPECT_EQ(d[1].reason, r::not_eligible);
  EXPECT_EQ(l.list({.states = {s::rejected}, .partner = "p1"}).size(), 3u);
  EXPECT_EQ(l.list({.open_only = true}).size(), 0u);
}

TEST(Ledger, SeededFromAnAllocation) {
  temp_ledger_path tmp("seed");
  const landscape& land = keten_test::example_landscape();
  const auto& cases = keten_test::example_cases();
  const allocation al = allocate(land, cases);
  ASSERT_FALSE(al.assigned.empty());
  ledger l(tmp.path);
  l.add_offerings(land);
  const auto ids = l.seed(land, cases, al, t0());
  ASSERT_EQ(ids.size(), al.assigned.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const referral ref = l.get(ids[i]);
    const auto& n = al.assigned[i];
    EXPECT_EQ(ref.state, s::requested);
    EXPECT_EQ(ref.case_id, cases[n.need.case_index].id);
    EXPECT_EQ(ref.need, cases[n.need.case_index].needs[n.need.need_index].category);
    EXPECT_EQ(ref.offering, land.offerings()[n.offering].id);
  }
  for (const auto& c : l.capacities()) {
    const auto o = *land.find_offering(c.offering);
    EXPECT_EQ(c.held, al.used_units[o]) << c.offering;
    EXPECT_EQ(c.total, land.offerings()[o].units.free_units);
  }
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, ReopensWithItsContents) {
  temp_ledger_path tmp("reopen");
  std::int64_t id{};
  {
    ledger l(tmp.path, {.synchronous = ledger_sync::normal});
    l.add_offerings(small_landscape());
    id = l.refer({"c1", "money.debts", "o1", false}, t0());
  }
  ledger l(tmp.path, {.create = false});
  EXPECT_EQ(l.get(id).case_id, "c1");
  EXPECT_EQ(l.capacity_of("o1").held, 1);
  temp_ledger_path missing("missing");
  const auto e = catch_error<io_error>([&] { ledger m(missing.path, {.create = false}); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::cannot_open);
}

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

void sql(const std::filesystem::path& p, const char* text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, text, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(Ledger, ForeignFilesAreRefused) {
  temp_ledger_path tmp("foreign");
  write_bytes(tmp.path, std::string(4096, 'x'));
  auto e = catch_error<parse_error>([&] { ledger l(tmp.path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::ledger_foreign);
  EXPECT_EQ(e->where().file, tmp.path.string());
  tmp.remove();
  sql(tmp.path, "CREATE TABLE notes(x); INSERT INTO notes VALUES (1)");
  e = catch_error<parse_error>([&] { ledger l(tmp.path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::ledger_foreign);
  tmp.remove();
  { ledger l(tmp.path); }
  sql(tmp.path, "PRAGMA user_version = 99");
  e = catch_error<parse_error>([&] { ledger l(tmp.path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::ledger_version);
  tmp.remove();
  { ledger l(tmp.path); }
  sql(tmp.path, "DROP TABLE transition");
  e = catch_error<parse_error>([&] { ledger l(tmp.path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), error_code::ledger_damaged);
}

TEST(Ledger, DamagedPagesGiveATypedErrorNeverACrash) {
  temp_ledger_path tmp("damaged");
  {
    ledger l(tmp.path);
    l.add_offerings(keten_test::example_landscape());
    for (int i = 0; i < 200; ++i) {
      const auto offerings = l.capacities();
      for (const auto& c : offerings)
        if (c.free() > 0) {
          const auto id = l.refer({"c" + std::to_string(i), "x", c.offering, false}, t0());
          l.update({id, s::rejected, a::partner, r::other, std::string(200, 'n')});
          break;
        }
    }
  }
  const auto size = std::filesystem::file_size(tmp.path);
  ASSERT_GT(size, 8192u);
  std::mt19937 rng(7);
  const std::string original = [&] {
    std::ifstream in(tmp.path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  int typed = 0;
  for (int round = 0; round < 30; ++round) {
    std::string bytes = original;
    // garble a run of bytes past the header page, or truncate the file
    if (round % 5 == 4) {
      bytes.resize(std::uniform_int_distribution<std::size_t>(100, bytes.size() - 1)(rng));
    } else {
      const std::size_t at =
          std::uniform_int_distribution<std::size_t>(4096, bytes.size() - 64)(rng);
      for (std::size_t k = 0; k < 64; ++k)
        bytes[at + k] = static_cast<char>(rng());
    }
    tmp.remove();
    write_bytes(tmp.path, bytes);
    try {
      ledger l(tmp.path);
      const auto rep = l.check();
      (void)l.list();
      (void)l.declines();
      if (!rep.ok()) ++typed;
    } catch (const parse_error& e) {
      EXPECT_TRUE(e.code() == error_code::ledger_damaged || e.code() == error_code::ledger_foreign)
          << e.what();
      ++typed;
    } catch (const io_error& e) {
      EXPECT_EQ(e.code(), error_code::ledger_storage) << e.what();
      ++typed;
    }
  }
  EXPECT_GT(typed, 10);  // most damage is seen; the rest hit unused bytes
}

/// Random operations on a ledger: refer, a random transition (legal or not), expire.
void random_operations(ledger& l, std::mt19937& rng, std::size_t n,
                       const std::vector<std::string>& offerings,
                       const std::function<void(std::int64_t)>& acknowledged = {}) {
  std::vector<std::int64_t> mine;
  const std::array reasons{r::no_capacity, r::not_eligible, r::other, r::could_not_contact};
  for (std::size_t i = 0; i < n; ++i) {
    const int op = std::uniform_int_distribution<int>(0, 9)(rng);
    try {
      if (op < 3 || mine.empty()) {
        const auto& o =
            offerings[std::uniform_int_distribution<std::size_t>(0, offerings.size() - 1)(rng)];
        const auto id = l.refer({"c" + std::to_string(i), "money.debts", o, op == 0});
        mine.push_back(id);
        if (acknowledged) acknowledged(l.history(id).back().id);
      } else {
        const auto id = mine[std::uniform_int_distribution<std::size_t>(0, mine.size() - 1)(rng)];
        const auto to = static_cast<referral_state>(std::uniform_int_distribution<int>(0, 9)(rng));
        const auto actor = static_cast<actor_role>(std::uniform_int_distribution<int>(0, 1)(rng));
        const auto reason = reason_required(to) ? reasons[i % reasons.size()] : r::none;
        const auto t = l.update({id, to, actor, reason});
        if (acknowledged) acknowledged(t.id);
      }
    } catch (const validation_error&) {
      // refused: illegal, or no capacity — nothing changed
    }
  }
}

std::vector<std::string> offering_ids(const ledger& l) {
  std::vector<std::string> ids;
  for (const auto& c : l.capacities())
    ids.push_back(c.offering);
  return ids;
}

void expect_invariants(const ledger& l) {
  const auto rep = l.check();
  EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
  std::int64_t held = 0;
  for (const auto& c : l.capacities()) {
    EXPECT_GE(c.free(), 0);
    EXPECT_LE(c.held, c.total);
    held += c.held;
  }
  std::int64_t holding = 0;
  for (const auto& ref : l.list())
    if (holds_capacity(ref.state)) ++holding;
  EXPECT_EQ(held, holding);
}

TEST(Ledger, EightThreadsAtOnceKeepTheInvariants) {
  temp_ledger_path tmp("stress");
  const std::size_t per_thread = keten_test::sanitized ? 2'000 : 100'000;
  {
    ledger l(tmp.path, {.synchronous = ledger_sync::normal});
    landscape_builder b(keten_test::small_geography({"GM0363"}));
    b.add_partner(make_partner("p1"));
    for (int i = 0; i < 20; ++i) {
      auto o = make_offering("o" + std::to_string(i), "p1");
      o.units.free_units = 1 + i % 5;
      b.add_offering(o);
    }
    l.add_offerings(b.build());
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      try {
        ledger l(tmp.path, {.synchronous = ledger_sync::normal});
        std::mt19937 rng(static_cast<unsigned>(100 + t));
        random_operations(l, rng, per_thread, offering_ids(l));
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  ledger l(tmp.path);
  expect_invariants(l);
  EXPECT_GT(l.check().transitions, static_cast<std::int64_t>(per_thread));
}

TEST(Ledger, NothingAcknowledgedIsLostWhenTheProcessIsKilled) {
  temp_ledger_path tmp("crash");
  {
    ledger l(tmp.path);
    landscape_builder b(keten_test::small_geography({"GM0363"}));
    b.add_partner(make_partner("p1"));
    for (int i = 0; i < 10; ++i) {
      auto o = make_offering("o" + std::to_string(i), "p1");
      o.units.free_units = 3;
      b.add_offering(o);
    }
    l.add_offerings(b.build());
  }
  std::mt19937 rng(11);
  const int rounds = keten_test::sanitized ? 5 : 25;
  std::set<std::int64_t> acknowledged;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      try {
        ledger l(tmp.path);  // synchronous = full: the default that is promised
        std::mt19937 crng(static_cast<unsigned>(round));
        random_operations(l, crng, 1'000'000, offering_ids(l), [&](std::int64_t id) {
          if (::write(fds[1], &id, sizeof id) != sizeof id) ::_exit(3);
        });
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "round " << round << " status " << status;
    std::int64_t id{};
    while (::read(fds[0], &id, sizeof id) == sizeof id)
      acknowledged.insert(id);
    ::close(fds[0]);
    ledger l(tmp.path);
    std::set<std::int64_t> present;
    for (const auto& t : l.transitions())
      present.insert(t.id);
    for (const auto a_id : acknowledged)
      ASSERT_TRUE(present.contains(a_id)) << "lost transition " << a_id;
    expect_invariants(l);
  }
  EXPECT_GT(acknowledged.size(), 100u);
}

}  // namespace
