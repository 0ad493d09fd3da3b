// A thin RAII layer over the SQLite C API for the ledger: a connection, prepared statements that
// reset themselves, and the mapping of SQLite's result codes to keten's typed errors.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "keten/error.hpp"

namespace keten::ledger_detail {

/// Throws the keten error for a failed SQLite call: corruption → parse_error ledger_damaged, not a
/// database → ledger_foreign, busy/locked → io_error ledger_busy, else io_error ledger_storage.
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what, const std::string& file);

/// A prepared statement, reset and unbound when the cursor goes.
class statement {
 public:
  statement() = default;
  statement(sqlite3* db, std::string_view sql, const std::string& file);
  ~statement();
  statement(statement&& o) noexcept
      : db_(std::exchange(o.db_, nullptr)),
        stmt_(std::exchange(o.stmt_, nullptr)),
        file_(std::move(o.file_)) {}
  statement& operator=(statement&& o) noexcept {
    std::swap(db_, o.db_);
    std::swap(stmt_, o.stmt_);
    std::swap(file_, o.file_);
    return *this;
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, std::int64_t v);
  statement& bind(int i, std::string_view v);
  statement& bind_null(int i);
  /// Steps once: true while there is a row.
  bool step();
  /// Steps to the end (a statement without rows).
  void run();
  void reset() noexcept;

  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] bool is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  [[nodiscard]] std::string text(int col) const;

 private:
  sqlite3* db_{nullptr};
  sqlite3_stmt* stmt_{nullptr};
  std::string file_;
};

/// Runs SQL without results (several statements allowed).
void exec(sqlite3* db, const char* sql, const std::string& file);

}  // namespace keten::ledger_detail
