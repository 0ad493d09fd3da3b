// The thin RAII layer over the SQLite C API (src/ledger/sqlite.hpp): connections, statements and
// the mapping of SQLite result codes to keten's typed errors.
#include "sqlite.hpp"

#include <fmt/format.h>

namespace keten::ledger_detail {

void fail(sqlite3* db, int rc, std::string_view what, const std::string& file) {
  const int primary = rc & 0xff;
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const source_position where{file, 0, 0, {}, {}, {}};
  const std::string message = fmt::format("{}: {} (SQLite {})", what, detail, rc);
  switch (primary) {
    case SQLITE_CORRUPT:
      throw parse_error(error_code::ledger_damaged, "the ledger is damaged: " + message, where);
    case SQLITE_NOTADB:
      throw parse_error(error_code::ledger_foreign,
                        "not a keten ledger (not a SQLite database): " + message, where);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw io_error(error_code::ledger_busy, "the ledger is busy: " + message, where);
    case SQLITE_CANTOPEN:
      throw io_error(error_code::cannot_open, "cannot open the ledger: " + message, where);
    default:
      throw io_error(error_code::ledger_storage, message, where);
  }
}

statement::statement(sqlite3* db, std::string_view sql, const std::string& file)
    : db_(db), file_(file) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, "preparing a statement", file_);
}

statement::~statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

statement& statement::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_, rc, "binding a value", file_);
  return *this;
}

statement& statement::bind(int i, std::string_view v) {
  const int rc = sqlite3_bind_text(stmt_, i, v.data() != nullptr ? v.data() : "",
                                   static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "binding a value", file_);
  return *this;
}

statement& statement::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) fail(db_, rc, "binding a value", file_);
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  reset();
  fail(db_, rc, "running a statement", file_);
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() noexcept {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

void exec(sqlite3* db, const char* sql, const std::string& file) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(db, rc, "running SQL", file);
}

}  // namespace keten::ledger_detail
