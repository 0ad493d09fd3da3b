// keten::ledger (keten/ledger.hpp): the referral ledger on SQLite — schema and its checks, the
// lifecycle rules, capacity holds, and the read paths. 812 lines: one class over one schema, whose
// write paths share the prepared statements and the transaction helpers of this file.
#include "keten/ledger.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <mutex>

#include "sqlite.hpp"

namespace keten {

using ledger_detail::exec;
using ledger_detail::fail;
using ledger_detail::statement;

namespace {

constexpr std::int64_t application_id = 0x4B54454C;  // "KTEL"
constexpr std::int64_t format_version = 1;

constexpr std::array<std::string_view, referral_state_count> state_names{
    "draft",   "requested", "accepted",  "rejected",  "in-progress",
    "on-hold", "failed",    "completed", "cancelled", "entered-in-error"};
constexpr std::array<std::string_view, 3> role_names{"referrer", "partner", "system"};
constexpr std::array<std::string_view, 9> reason_names{"none",
                                                       "no-capacity",
                                                       "not-eligible",
                                                       "out-of-area",
                                                       "could-not-contact",
                                                       "no-longer-interested",
                                                       "referred-elsewhere",
                                                       "other",
                                                       "expired"};

std::string normalise(std::string_view code) {
  std::string s(code);
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

const char* const schema = R"sql(
CREATE TABLE offering(
  id TEXT PRIMARY KEY NOT NULL,
  partner TEXT NOT NULL,
  categories TEXT NOT NULL,
  total INTEGER NOT NULL CHECK (total >= 0),
  held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= total)
) STRICT;
CREATE TABLE referral(
  id INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL,
  need TEXT NOT NULL,
  offering TEXT NOT NULL REFERENCES offering(id),
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 9),
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
) STRICT;
CREATE INDEX referral_state ON referral(state, updated);
CREATE INDEX referral_offering ON referral(offering, state);
CREATE TABLE transition(
  id INTEGER PRIMARY KEY,
  referral INTEGER NOT NULL REFERENCES referral(id),
  from_state INTEGER CHECK (from_state BETWEEN 0 AND 9),
  to_state INTEGER NOT NULL CHECK (to_state BETWEEN 0 AND 9),
  actor INTEGER NOT NULL CHECK (actor BETWEEN 0 AND 2),
  reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 8),
  note TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX transition_referral ON transition(referral, id);
)sql";

struct table_shape {
  const char* name;
  std::vector<std::string> columns;
};
const std::vector<table_shape>& expected_tables() {
  static const std::vector<table_shape> t{
      {"offering", {"id", "partner", "categories", "total", "held"}},
      {"referral", {"id", "case_id", "need", "offering", "state", "created", "updated"}},
      {"transition", {"id", "referral", "from_state", "to_state", "actor", "reason", "note", "at"}},
  };
  return t;
}

std::int64_t ms(ledger_time t) {
  return t.time_since_epoch().count();
}
ledger_time from_ms(std::int64_t v) {
  return ledger_time(std::chrono::milliseconds(v));
}

referral_state state_of(std::int64_t v, const std::string& file) {
  if (v < 0 || v >= referral_state_count)
    throw parse_error(error_code::ledger_damaged, fmt::format("a state number {} out of range", v),
                      source_position{file, 0, 0, {}, "state", {}});
  return static_cast<referral_state>(v);
}

}  // namespace

std::string_view to_string(referral_state s) noexcept {
  return state_names[static_cast<std::size_t>(s)];
}
std::string_view to_string(actor_role r) noexcept {
  return role_names[static_cast<std::size_t>(r)];
}
std::string_view to_string(referral_reason r) noexcept {
  return reason_names[static_cast<std::size_t>(r)];
}

referral_state parse_referral_state(std::string_view code) {
  const std::string s = normalise(code);
  for (std::size_t i = 0; i < state_names.size(); ++i)
    if (state_names[i] == s) return static_cast<referral_state>(i);
  throw validation_error(error_code::invalid_value,
                         fmt::format("unknown referral state '{}'", code),
                         source_position{{}, 0, 0, {}, "state", {}});
}
actor_role parse_actor_role(std::string_view code) {
  for (std::size_t i = 0; i < role_names.size(); ++i)
    if (role_names[i] == code) return static_cast<actor_role>(i);
  throw validation_error(error_code::invalid_value, fmt::format("unknown actor role '{}'", code),
                         source_position{{}, 0, 0, {}, "actor", {}});
}
referral_reason parse_referral_reason(std::string_view code) {
  const std::string s = normalise(code);
  for (std::size_t i = 0; i < reason_names.size(); ++i)
    if (reason_names[i] == s) return static_cast<referral_reason>(i);
  throw validation_error(error_code::invalid_value, fmt::format("unknown reason '{}'", code),
                         source_position{{}, 0, 0, {}, "reason", {}});
}

bool transition_allowed(std::optional<referral_state> from, referral_state to,
                        actor_role actor) noexcept {
  using s = referral_state;
  const bool referrer = actor == actor_role::referrer;
  const bool partner = actor == actor_role::partner;
  if (!from) return referrer && (to == s::draft || to == s::requested);
  if (to == s::entered_in_error) return referrer && *from != s::entered_in_error;
  switch (*from) {
    case s::draft:
      return referrer && (to == s::requested || to == s::cancelled);
    case s::requested:
      return (partner && (to == s::accepted || to == s::rejected)) ||
             ((referrer || actor == actor_role::system) && to == s::cancelled);
    case s::accepted:
      return (partner && (to == s::in_progress || to == s::on_hold || to == s::failed ||
                          to == s::cancelled)) ||
             (referrer && to == s::cancelled);
    case s::in_progress:
      return (partner &&
              (to == s::on_hold || to == s::completed || to == s::failed || to == s::cancelled)) ||
             (referrer && to == s::cancelled);
    case s::on_hold:
      return (partner && (to == s::in_progress || to == s::failed || to == s::cancelled)) ||
             (referrer && to == s::cancelled);
    default:
      return false;
  }
}

ledger_time ledger_now() noexcept {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

namespace {
/// Why a transition with this reason is not valid, or empty.
std::string reason_problem(std::optional<referral_state> from, referral_state to, actor_role actor,
                           referral_reason reason) {
  if (reason == referral_reason::expired) {
    if (actor == actor_role::system && from == referral_state::requested &&
        to == referral_state::cancelled)
      return {};
    return "reason 'expired' is set only by the ledger's expiry";
  }
  if (actor == actor_role::system) return "the system role only expires requested referrals";
  if (reason_required(to) && reason == referral_reason::none)
    return fmt::format("a transition to {} needs a reason", to_string(to));
  if (!reason_required(to) && reason != referral_reason::none)
    return fmt::format("a transition to {} takes no reason", to_string(to));
  return {};
}
}  // namespace

struct ledger::impl {
  std::filesystem::path path;
  std::string file;
  sqlite3* db{nullptr};
  mutable std::mutex mutex;

  ~impl() {
    cache.clear();
    if (db != nullptr) sqlite3_close_v2(db);
  }

  [[nodiscard]] statement prepare(std::string_view sql) const { return {db, sql, file}; }
  /// The hot statements of the write paths, prepared once per connection (keyed by the literal).
  std::map<const char*, statement> cache;
  statement& cached(const char* sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) it = cache.emplace(sql, prepare(sql)).first;
    it->second.reset();
    return it->second;
  }
  /// Resets the cached statements, so that none keeps a read snapshot open past the commit.
  void reset_cached() noexcept {
    for (auto& [sql, st] : cache)
      st.reset();
  }

  std::int64_t scalar(std::string_view sql) const {
    auto st = prepare(sql);
    return st.step() ? st.int64(0) : 0;
  }

  /// BEGIN IMMEDIATE … COMMIT, rolled back when `body` throws.
  template <class F>
  auto write(F&& body) {
    const std::lock_guard lock(mutex);
    exec(db, "BEGIN IMMEDIATE", file);
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        reset_cached();
        exec(db, "COMMIT", file);
      } else {
        auto result = body();
        reset_cached();
        exec(db, "COMMIT", file);
        return result;
      }
    } catch (...) {
      reset_cached();
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  /// A read transaction: one snapshot for all of `body`.
  template <class F>
  auto read(F&& body) const {
    const std::lock_guard lock(mutex);
    exec(db, "BEGIN", file);
    try {
      auto result = body();
      exec(db, "COMMIT", file);
      return result;
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  [[noreturn]] void damaged(const std::string& why) const {
    throw parse_error(error_code::ledger_damaged, "the ledger is damaged: " + why,
                      source_position{file, 0, 0, {}, {}, {}});
  }

  void open(const ledger_options& options) {
    const bool existed = std::filesystem::exists(path);
    if (!existed && !options.create)
      throw io_error(error_code::cannot_open, "no ledger at this path",
                     source_position{file, 0, 0, {}, {}, {}});
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "opening", file);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));

    const std::int64_t app = scalar("PRAGMA application_id");  // NOTADB for a foreign file
    const std::int64_t version = scalar("PRAGMA user_version");
    const std::int64_t objects = scalar("SELECT count(*) FROM sqlite_schema");
    if (app == 0 && objects == 0 && version == 0) {
      exec(db, "PRAGMA journal_mode = WAL", file);
      write([&] {
        if (scalar("SELECT count(*) FROM sqlite_schema") == 0) {
          exec(db, schema, file);
          exec(db,
               fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", application_id,
                           format_version)
                   .c_str(),
               file);
        }
      });
    } else if (app != application_id) {
      throw parse_error(error_code::ledger_foreign,
                        "not a keten ledger (a SQLite database of another application)",
                        source_position{file, 0, 0, {}, {}, {}});
    } else if (version > format_version) {
      throw parse_error(
          error_code::ledger_version,
          fmt::format("a ledger of format {}; this keten reads up to {}", version, format_version),
          source_position{file, 0, 0, {}, {}, {}});
    } else if (version != format_version) {
      damaged(fmt::format("format version {}", version));
    }
    for (const auto& t : expected_tables()) {
      auto st = prepare(fmt::format("PRAGMA table_info({})", t.name));
      std::vector<std::string> columns;
      while (st.step())
        columns.push_back(st.text(1));
      if (columns != t.columns) damaged(fmt::format("table '{}' is missing or changed", t.name));
    }
    {
      auto st = prepare("PRAGMA journal_mode = WAL");
      if (!st.step() || st.text(0) != "wal") damaged("cannot switch to WAL mode");
    }
    exec(db,
         options.synchronous == ledger_sync::full ? "PRAGMA synchronous = FULL"
                                                  : "PRAGMA synchronous = NORMAL",
         file);
    exec(db, "PRAGMA foreign_keys = ON", file);
  }

  // --- inside a write transaction ----------------------------------------------------------

  std::int64_t insert_transition(std::int64_t referral_id, std::optional<referral_state> from,
                                 referral_state to, actor_role actor, referral_reason reason,
                                 std::string_view note, ledger_time at) {
    auto& st = cached(
        "INSERT INTO transition(referral, from_state, to_state, actor, reason, note, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, referral_id);
    if (from)
      st.bind(2, static_cast<std::int64_t>(*from));
    else
      st.bind_null(2);
    st.bind(3, static_cast<std::int64_t>(to))
        .bind(4, static_cast<std::int64_t>(actor))
        .bind(5, static_cast<std::int64_t>(reason))
        .bind(6, note)
        .bind(7, ms(at));
    st.run();
    return sqlite3_last_insert_rowid(db);
  }

  void take_unit(const std::string& offering, const std::string& what) {
    auto& st = cached("UPDATE offering SET held = held + 1 WHERE id = ? AND held < total");
    st.bind(1, offering).run();
    if (sqlite3_changes(db) != 1)
      throw validation_error(error_code::ledger_no_capacity,
                             fmt::format("{}: offering '{}' has no free unit", what, offering),
                             source_position{file, 0, 0, {}, "offering", offering});
  }

  void release_unit(const std::string& offering) {
    auto& st = cached("UPDATE offering SET held = held - 1 WHERE id = ? AND held > 0");
    st.bind(1, offering).run();
    if (sqlite3_changes(db) != 1)
      damaged(fmt::format("offering '{}' holds no unit to release", offering));
  }

  std::int64_t create(const referral_request& r, ledger_time at) {
    if (r.case_id.empty())
      throw validation_error(error_code::empty_value, "a referral needs a case id",
                             source_position{file, 0, 0, {}, "case_id", {}});
    if (r.need.empty())
      throw validation_error(error_code::empty_value, "a referral needs a need category",
                             source_position{file, 0, 0, {}, "need", r.case_id});
    {
      auto& st = cached("SELECT 1 FROM offering WHERE id = ?");
      st.bind(1, r.offering);
      if (!st.step())
        throw not_found_error(fmt::format("the ledger knows no offering '{}'", r.offering),
                              source_position{file, 0, 0, {}, "offering", r.offering});
    }
    const referral_state state = r.draft ? referral_state::draft : referral_state::requested;
    if (!r.draft) take_unit(r.offering, fmt::format("referral of case '{}'", r.case_id));
    auto& st = cached(
        "INSERT INTO referral(case_id, need, offering, state, created, updated) VALUES (?, ?, ?, "
        "?, ?, ?)");
    st.bind(1, r.case_id)
        .bind(2, r.need)
        .bind(3, r.offering)
        .bind(4, static_cast<std::int64_t>(state))
        .bind(5, ms(at))
        .bind(6, ms(at));
    st.run();
    const std::int64_t id = sqlite3_last_insert_rowid(db);
    insert_transition(id, std::nullopt, state, actor_role::referrer, referral_reason::none, {}, at);
    return id;
  }

  referral_transition move(const transition_request& t, ledger_time at) {
    auto& st = cached("SELECT state, offering FROM referral WHERE id = ?");
    st.bind(1, t.referral);
    const std::string id_text = std::to_string(t.referral);
    if (!st.step())
      throw not_found_error(fmt::format("no referral {}", t.referral),
                            source_position{file, 0, 0, {}, "referral", id_text});
    const referral_state from = state_of(st.int64(0), file);
    const std::string offering = st.text(1);
    st.reset();
    const std::string transition =
        fmt::format("{} → {} by {}", to_string(from), to_string(t.to), to_string(t.actor));
    if (!transition_allowed(from, t.to, t.actor))
      throw transition_error(fmt::format("referral {} is {}: {} is not allowed", t.referral,
                                         to_string(from), transition),
                             id_text, std::string(to_string(from)), transition);
    if (const std::string why = reason_problem(from, t.to, t.actor, t.reason); !why.empty())
      throw validation_error(t.reason == referral_reason::none ? error_code::reason_required
                                                               : error_code::invalid_value,
                             fmt::format("referral {} ({}): {}", t.referral, transition, why),
                             source_position{file, 0, 0, {}, "reason", id_text});
    if (holds_capacity(t.to) && !holds_capacity(from))
      take_unit(offering, fmt::format("referral {}", t.referral));
    if (!holds_capacity(t.to) && holds_capacity(from)) release_unit(offering);
    auto& up = cached("UPDATE referral SET state = ?, updated = ? WHERE id = ?");
    up.bind(1, static_cast<std::int64_t>(t.to)).bind(2, ms(at)).bind(3, t.referral).run();
    const std::int64_t tid =
        insert_transition(t.referral, from, t.to, t.actor, t.reason, t.note, at);
    return referral_transition{tid, t.referral, from, t.to, t.actor, t.reason, t.note, at};
  }

  referral read_referral(statement& st) const {
    referral r;
    r.id = st.int64(0);
    r.case_id = st.text(1);
    r.need = st.text(2);
    r.offering = st.text(3);
    r.partner = st.text(4);
    r.state = state_of(st.int64(5), file);
    r.created = from_ms(st.int64(6));
    r.updated = from_ms(st.int64(7));
    return r;
  }

  std::vector<referral_transition> read_transitions(statement& st) const {
    std::vector<referral_transition> out;
    while (st.step()) {
      referral_transition t;
      t.id = st.int64(0);
      t.referral = st.int64(1);
      if (!st.is_null(2)) t.from = state_of(st.int64(2), file);
      t.to = state_of(st.int64(3), file);
      const std::int64_t actor = st.int64(4);
      const std::int64_t reason = st.int64(5);
      if (actor < 0 || actor > 2 || reason < 0 || reason > 8)
        damaged("a role or reason out of range");
      t.actor = static_cast<actor_role>(actor);
      t.reason = static_cast<referral_reason>(reason);
      t.note = st.text(6);
      t.at = from_ms(st.int64(7));
      out.push_back(std::move(t));
    }
    return out;
  }
};

constexpr const char* referral_columns =
    "SELECT r.id, r.case_id, r.need, r.offering, o.partner, r.state, r.created, r.updated FROM "
    "referral r JOIN offering o ON o.id = r.offering";
constexpr const char* transition_columns =
    "SELECT id, referral, from_state, to_state, actor, reason, note, at FROM transition";

ledger::ledger(const std::filesystem::path& path, ledger_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->path = path;
  impl_->file = path.string();
  impl_->open(options);
}
ledger::~ledger() = default;
ledger::ledger(ledger&&) noexcept = default;
ledger& ledger::operator=(ledger&&) noexcept = default;

const std::filesystem::path& ledger::path() const noexcept {
  return impl_->path;
}

std::size_t ledger::add_offerings(const landscape& l) {
  return impl_->write([&] {
    std::size_t added = 0;
    for (const offering& o : l.offerings()) {
      std::string categories;
      for (const auto& c : o.categories) {
        if (!categories.empty()) categories += ',';
        categories += c;
      }
      auto st = impl_->prepare("SELECT held FROM offering WHERE id = ?");
      st.bind(1, o.id);
      if (st.step()) {
        const std::int64_t held = st.int64(0);
        st.reset();
        if (held > o.units.free_units)
          throw validation_error(
              error_code::invalid_value,
              fmt::format("offering '{}' holds {} units, more than its new total {}", o.id, held,
                          o.units.free_units),
              source_position{impl_->file, 0, 0, {}, "capacity.free_units", o.id});
        auto up = impl_->prepare(
            "UPDATE offering SET total = ?, partner = ?, categories = ? WHERE id = ?");
        up.bind(1, std::int64_t{o.units.free_units})
            .bind(2, o.partner)
            .bind(3, categories)
            .bind(4, o.id)
            .run();
      } else {
        st.reset();
        auto in = impl_->prepare(
            "INSERT INTO offering(id, partner, categories, total, held) VALUES (?, ?, ?, ?, 0)");
        in.bind(1, o.id)
            .bind(2, o.partner)
            .bind(3, categories)
            .bind(4, std::int64_t{o.units.free_units})
            .run();
        ++added;
      }
    }
    return added;
  });
}

void ledger::set_capacity(std::string_view offering, std::int32_t total) {
  impl_->write([&] {
    auto st = impl_->prepare("SELECT held FROM offering WHERE id = ?");
    st.bind(1, offering);
    if (!st.step())
      throw not_found_error(
          fmt::format("the ledger knows no offering '{}'", offering),
          source_position{impl_->file, 0, 0, {}, "offering", std::string(offering)});
    const std::int64_t held = st.int64(0);
    st.reset();
    if (total < held)
      throw validation_error(
          error_code::invalid_value,
          fmt::format("offering '{}' holds {} units, more than {}", offering, held, total),
          source_position{impl_->file, 0, 0, {}, "total", std::string(offering)});
    auto up = impl_->prepare("UPDATE offering SET total = ? WHERE id = ?");
    up.bind(1, std::int64_t{total}).bind(2, offering).run();
  });
}

std::int64_t ledger::refer(const referral_request& r, ledger_time at) {
  return impl_->write([&] { return impl_->create(r, at); });
}

std::vector<std::int64_t> ledger::refer_all(std::span<const referral_request> rs, ledger_time at) {
  return impl_->write([&] {
    std::vector<std::int64_t> ids;
    ids.reserve(rs.size());
    for (const auto& r : rs)
      ids.push_back(impl_->create(r, at));
    return ids;
  });
}

std::vector<std::int64_t> ledger::seed(const landscape& l, std::span<const help_case> cases,
                                       const allocation& a, ledger_time at) {
  std::vector<referral_request> rs;
  rs.reserve(a.assigned.size());
  for (const assigned_need& n : a.assigned) {
    if (n.need.case_index >= cases.size() ||
        n.need.need_index >= cases[n.need.case_index].needs.size() ||
        n.offering >= l.offerings().size())
      throw validation_error(error_code::invalid_value,
                             "the allocation does not belong to these cases and landscape",
                             source_position{{}, 0, 0, {}, "assigned", {}});
    const help_case& c = cases[n.need.case_index];
    rs.push_back({c.id, c.needs[n.need.need_index].category, l.offerings()[n.offering].id, false});
  }
  return refer_all(rs, at);
}

referral_transition ledger::update(const transition_request& t, ledger_time at) {
  return impl_->write([&] { return impl_->move(t, at); });
}

std::vector<referral_transition> ledger::update_all(std::span<const transition_request> ts,
                                                    ledger_time at) {
  return impl_->write([&] {
    std::vector<referral_transition> out;
    out.reserve(ts.size());
    for (const auto& t : ts)
      out.push_back(impl_->move(t, at));
    return out;
  });
}

std::size_t ledger::expire(ledger_time cutoff, ledger_time at) {
  return impl_->write([&] {
    std::vector<std::int64_t> ids;
    {
      auto st =
          impl_->prepare("SELECT id FROM referral WHERE state = ? AND updated <= ? ORDER BY id");
      st.bind(1, static_cast<std::int64_t>(referral_state::requested)).bind(2, ms(cutoff));
      while (st.step())
        ids.push_back(st.int64(0));
    }
    for (const std::int64_t id : ids)
      impl_->move({id, referral_state::cancelled, actor_role::system, referral_reason::expired, {}},
                  at);
    return ids.size();
  });
}

referral ledger::get(std::int64_t id) const {
  return impl_->read([&] {
    auto st = impl_->prepare(std::string(referral_columns) + " WHERE r.id = ?");
    st.bind(1, id);
    if (!st.step())
      throw not_found_error(fmt::format("no referral {}", id),
                            source_position{impl_->file, 0, 0, {}, "referral", std::to_string(id)});
    return impl_->read_referral(st);
  });
}

std::vector<referral> ledger::list(const referral_filter& f) const {
  std::string sql = std::string(referral_columns) + " WHERE 1";
  if (!f.states.empty()) {
    sql += " AND r.state IN (";
    for (std::size_t i = 0; i < f.states.size(); ++i)
      sql += fmt::format("{}{}", i == 0 ? "" : ",", static_cast<int>(f.states[i]));
    sql += ")";
  }
  if (f.open_only) sql += " AND r.state IN (0, 1, 2, 4, 5)";
  if (!f.partner.empty()) sql += " AND o.partner = ?1";
  if (!f.offering.empty()) sql += " AND r.offering = ?2";
  sql += f.limit != 0 ? fmt::format(" ORDER BY r.updated DESC, r.id DESC LIMIT {}", f.limit)
                      : std::string(" ORDER BY r.id");
  return impl_->read([&] {
    auto st = impl_->prepare(sql);
    if (!f.partner.empty()) st.bind(1, f.partner);
    if (!f.offering.empty()) st.bind(2, f.offering);
    std::vector<referral> out;
    while (st.step())
      out.push_back(impl_->read_referral(st));
    return out;
  });
}

std::vector<referral_transition> ledger::history(std::int64_t id) const {
  return impl_->read([&] {
    auto st = impl_->prepare(std::string(transition_columns) + " WHERE referral = ? ORDER BY id");
    st.bind(1, id);
    auto out = impl_->read_transitions(st);
    if (out.empty())
      throw not_found_error(fmt::format("no referral {}", id),
                            source_position{impl_->file, 0, 0, {}, "referral", std::to_string(id)});
    return out;
  });
}

std::vector<referral_transition> ledger::transitions(std::int64_t after, std::size_t limit) const {
  std::string sql = std::string(transition_columns) + " WHERE id > ? ORDER BY id";
  if (limit != 0) sql += fmt::format(" LIMIT {}", limit);
  return impl_->read([&] {
    auto st = impl_->prepare(sql);
    st.bind(1, after);
    return impl_->read_transitions(st);
  });
}

std::vector<offering_capacity> ledger::capacities() const {
  return impl_->read([&] {
    auto st =
        impl_->prepare("SELECT id, partner, categories, total, held FROM offering ORDER BY id");
    std::vector<offering_capacity> out;
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), static_cast<std::int32_t>(st.int64(3)),
                     static_cast<std::int32_t>(st.int64(4))});
    return out;
  });
}

offering_capacity ledger::capacity_of(std::string_view offering) const {
  return impl_->read([&] {
    auto st =
        impl_->prepare("SELECT id, partner, categories, total, held FROM offering WHERE id = ?");
    st.bind(1, offering);
    if (!st.step())
      throw not_found_error(
          fmt::format("the ledger knows no offering '{}'", offering),
          source_position{impl_->file, 0, 0, {}, "offering", std::string(offering)});
    return offering_capacity{st.text(0), st.text(1), st.text(2),
                             static_cast<std::int32_t>(st.int64(3)),
                             static_cast<std::int32_t>(st.int64(4))};
  });
}

std::vector<decline_count> ledger::declines() const {
  return impl_->read([&] {
    auto st = impl_->prepare(
        "SELECT o.partner, r.need, t.to_state, t.reason, count(*) AS n FROM transition t "
        "JOIN referral r ON r.id = t.referral JOIN offering o ON o.id = r.offering "
        "WHERE t.to_state IN (3, 6) OR (t.to_state = 8 AND t.actor IN (1, 2)) "
        "GROUP BY o.partner, r.need, t.to_state, t.reason ORDER BY n DESC, o.partner, r.need");
    std::vector<decline_count> out;
    while (st.step()) {
      const std::int64_t reason = st.int64(3);
      if (reason < 0 || reason > 8) impl_->damaged("a reason out of range");
      out.push_back({st.text(0), st.text(1), state_of(st.int64(2), impl_->file),
                     static_cast<referral_reason>(reason), st.int64(4)});
    }
    return out;
  });
}

ledger_report ledger::check() const {
  return impl_->read([&] {
    ledger_report rep;
    auto& problems = rep.problems;
    auto add = [&](std::string p) {
      if (problems.size() < 100) problems.push_back(std::move(p));
    };
    {
      auto st = impl_->prepare("PRAGMA quick_check");
      while (st.step())
        if (const std::string r = st.text(0); r != "ok") add("SQLite: " + r);
    }
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> offerings;  // total, held
    {
      auto st = impl_->prepare("SELECT id, total, held FROM offering");
      while (st.step())
        offerings[st.text(0)] = {st.int64(1), st.int64(2)};
    }
    std::map<std::string, std::int64_t> holding;
    std::map<std::int64_t, std::pair<referral_state, std::string>> referrals;
    {
      auto st = impl_->prepare("SELECT id, state, offering FROM referral");
      while (st.step()) {
        const std::int64_t state = st.int64(1);
        if (state < 0 || state >= referral_state_count) {
          add(fmt::format("referral {}: state number {}", st.int64(0), state));
          continue;
        }
        const auto s = static_cast<referral_state>(state);
        std::string offering = st.text(2);
        if (!offerings.contains(offering))
          add(fmt::format("referral {}: unknown offering '{}'", st.int64(0), offering));
        if (holds_capacity(s)) ++holding[offering];
        referrals[st.int64(0)] = {s, std::move(offering)};
      }
    }
    rep.referrals = static_cast<std::int64_t>(referrals.size());
    rep.offerings = static_cast<std::int64_t>(offerings.size());
    for (const auto& [id, th] : offerings) {
      const auto [total, held] = th;
      rep.held += held;
      if (held < 0 || held > total)
        add(fmt::format("offering '{}': {} held of {} (over-committed)", id, held, total));
      const std::int64_t counted = holding.contains(id) ? holding[id] : 0;
      if (counted != held)
        add(fmt::format("offering '{}': {} held but {} referrals hold a unit", id, held, counted));
    }
    // Replay each referral's history under the rules.
    auto st = impl_->prepare(
        "SELECT referral, from_state, to_state, actor, reason FROM transition ORDER BY referral, "
        "id");
    std::int64_t current = -1;
    std::optional<referral_state> last;
    auto close = [&](std::int64_t id) {
      if (id < 0) return;
      const auto it = referrals.find(id);
      if (it == referrals.end()) {
        add(fmt::format("transitions of referral {}, which does not exist", id));
        return;
      }
      if (!last || *last != it->second.first)
        add(fmt::format("referral {}: state {} but its history ends in {}", id,
                        to_string(it->second.first), last ? to_string(*last) : "nothing"));
      it->second.second.clear();  // seen
    };
    while (st.step()) {
      ++rep.transitions;
      const std::int64_t id = st.int64(0);
      if (id != current) {
        close(current);
        current = id;
        last.reset();
      }
      const std::int64_t to = st.int64(2);
      const std::int64_t actor = st.int64(3);
      const std::int64_t reason = st.int64(4);
      if (to < 0 || to >= referral_state_count || actor < 0 || actor > 2 || reason < 0 ||
          reason > 8) {
        add(fmt::format("referral {}: a transition with numbers out of range", id));
        continue;
      }
      std::optional<referral_state> from;
      if (!st.is_null(1)) {
        const std::int64_t f = st.int64(1);
        if (f < 0 || f >= referral_state_count) {
          add(fmt::format("referral {}: a from-state out of range", id));
          continue;
        }
        from = static_cast<referral_state>(f);
      }
      if (from != last)
        add(fmt::format("referral {}: a transition from {} after {}", id,
                        from ? to_string(*from) : "creation",
                        last ? to_string(*last) : "creation"));
      const auto t = static_cast<referral_state>(to);
      const auto a = static_cast<actor_role>(actor);
      if (!transition_allowed(from, t, a))
        add(fmt::format("referral {}: {} → {} by {} breaks the rules", id,
                        from ? to_string(*from) : "creation", to_string(t), to_string(a)));
      else if (from && !reason_problem(from, t, a, static_cast<referral_reason>(reason)).empty())
        add(fmt::format("referral {}: a wrong reason for {}", id, to_string(t)));
      last = t;
    }
    close(current);
    for (const auto& [id, so] : referrals)
      if (!so.second.empty()) add(fmt::format("referral {} has no history", id));
    return rep;
  });
}

}  // namespace keten
