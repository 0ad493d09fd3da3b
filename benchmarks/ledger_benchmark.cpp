// The referral ledger (keten/ledger.hpp) against a plain SQLite insert loop of the same rows, in
// one run: committed transitions per second with synchronous=FULL and NORMAL, one transition per
// commit and batches of 100; reopening a ledger of 1 million transitions. docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "keten/ledger.hpp"

namespace {

std::filesystem::path bench_path(const std::string& name) {
  const auto dir = std::filesystem::path(std::getenv("KETEN_BENCH_DIR") != nullptr
                                             ? std::getenv("KETEN_BENCH_DIR")
                                             : std::filesystem::temp_directory_path().string());
  return dir / ("keten-ledger-bench-" + name + "-" + std::to_string(::getpid()) + ".ktl");
}
void remove_db(const std::filesystem::path& p) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(p.string() + suffix, ec);
}

keten::landscape one_offering() {
  keten::landscape_builder b;
  b.add_partner({"p1", "SchuldHulpMaatje", "SchuldHulpMaatje X", "GM0363"});
  keten::offering o;
  o.id = "o1";
  o.partner = "p1";
  o.name = "maatje";
  o.categories = {"money.debts"};
  o.area.municipalities = {"GM0363"};
  o.units = {.units_per_period = 2'000'000'000, .period_days = 365, .free_units = 2'000'000'000};
  b.add_offering(o);
  return b.build();
}

// state.range(0): synchronous (0 full, 1 normal); range(1): transitions per commit.
void BM_ledger_refer(benchmark::State& state) {
  const auto path = bench_path("refer");
  remove_db(path);
  {
    keten::ledger l(path, {.synchronous = state.range(0) == 0 ? keten::ledger_sync::full
                                                              : keten::ledger_sync::normal});
    l.add_offerings(one_offering());
    const auto batch = static_cast<std::size_t>(state.range(1));
    std::vector<keten::referral_request> rs(batch, {"case", "money.debts", "o1", false});
    for (auto _ : state) {
      if (batch == 1)
        benchmark::DoNotOptimize(l.refer(rs[0]));
      else
        benchmark::DoNotOptimize(l.refer_all(rs));
    }
    state.SetItemsProcessed(state.iterations() * state.range(1));
  }
  remove_db(path);
}

// The peer: the same rows (a referral and its transition) inserted by a plain loop of prepared
// INSERTs on a WAL database with the same synchronous setting and the same schema, no checks.
void BM_sqlite_insert_peer(benchmark::State& state) {
  const auto path = bench_path("peer");
  remove_db(path);
  { keten::ledger l(path); }  // the ledger's schema (tables and indexes)
  sqlite3* db = nullptr;
  sqlite3_open(path.string().c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  sqlite3_exec(db, state.range(0) == 0 ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
               nullptr, nullptr, nullptr);
  sqlite3_exec(db, "INSERT INTO offering VALUES ('o1', 'p1', 'money.debts', 2000000000, 0)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ref = nullptr;
  sqlite3_stmt* tr = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO referral(case_id, need, offering, state, created, updated) "
                     "VALUES ('case', 'money.debts', 'o1', 1, ?1, ?1)",
                     -1, &ref, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO transition(referral, from_state, to_state, actor, reason, note, "
                     "at) VALUES (?1, NULL, 1, 0, 0, '', ?2)",
                     -1, &tr, nullptr);
  const auto batch = state.range(1);
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::int64_t i = 0; i < batch; ++i) {
      const std::int64_t now = keten::ledger_now().time_since_epoch().count();
      sqlite3_bind_int64(ref, 1, now);
      sqlite3_step(ref);
      sqlite3_reset(ref);
      sqlite3_bind_int64(tr, 1, sqlite3_last_insert_rowid(db));
      sqlite3_bind_int64(tr, 2, now);
      sqlite3_step(tr);
      sqlite3_reset(tr);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  state.SetItemsProcessed(state.iterations() * batch);
  sqlite3_finalize(ref);
  sqlite3_finalize(tr);
  sqlite3_close(db);
  remove_db(path);
}

void sync_and_batch(benchmark::internal::Benchmark* b) {
  b->ArgNames({"normal", "batch"});
  for (int sync : {0, 1})
    for (int batch : {1, 100})
      b->Args({sync, batch});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}
BENCHMARK(BM_ledger_refer)->Apply(sync_and_batch);
BENCHMARK(BM_sqlite_insert_peer)->Apply(sync_and_batch);

// Reopening a ledger of 1 million transitions (500,000 referrals requested and then rejected),
// and reading its capacities: what an application pays at start.
void BM_ledger_reopen_1m(benchmark::State& state) {
  const auto path = bench_path("reopen");
  remove_db(path);
  {
    keten::ledger l(path, {.synchronous = keten::ledger_sync::normal});
    l.add_offerings(one_offering());
    std::vector<keten::referral_request> rs(1000, {"case", "money.debts", "o1", false});
    std::vector<keten::transition_request> ts(1000);
    for (int round = 0; round < 500; ++round) {
      const auto ids = l.refer_all(rs);
      for (std::size_t i = 0; i < ids.size(); ++i)
        ts[i] = {ids[i],
                 keten::referral_state::rejected,
                 keten::actor_role::partner,
                 keten::referral_reason::no_capacity,
                 {}};
      l.update_all(ts);
    }
  }
  for (auto _ : state) {
    keten::ledger l(path);
    benchmark::DoNotOptimize(l.capacity_of("o1"));
  }
  state.counters["MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  remove_db(path);
}
BENCHMARK(BM_ledger_reopen_1m)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
