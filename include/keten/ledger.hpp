// keten/ledger.hpp — the referral ledger: closed-loop referrals with capacity holds, on SQLite.
//
// A referral sends one need of one case to one offering. Its states follow the FHIR SDOH Clinical
// Care referral Task (Task.status), so that an embedder can map them one to one:
//
//   draft → requested → accepted → in-progress ⇄ on-hold → completed
//                    ↘ rejected            ↘ failed
//   cancelled from any open state; entered-in-error from any state but itself
//
// Expiry (no answer within a time) is recorded as cancelled with reason `expired`. Which role may
// make which transition, and which need a reason, is in transition_allowed() and docs/ledger.md.
//
// Capacity: each offering known to the ledger has a total (the landscape's free units when it
// was registered); a referral in requested, accepted, in-progress or on-hold holds one unit of
// it. Requesting takes a unit and is refused when none is free; rejected, cancelled (expired
// included), failed, completed and entered-in-error give it back. Every change is one SQLite
// transaction begun with BEGIN IMMEDIATE, so transitions are serializable across the threads and
// processes that use one file, and a refused transition changes nothing.
//
// Durability: the database is in WAL mode. With synchronous = full (the default) a transition
// whose call has returned survives an application crash and a power loss; with normal it
// survives an application crash (the process killed at any point), but the last transitions
// before a power loss or OS crash may be rolled back (never a corrupted file). docs/ledger.md.
//
// A ledger object holds one connection and may be shared by threads (calls are serialized by a
// mutex); threads may as well each open their own. Every transition is kept with its time and
// the actor's role, never a person's name; the note is free text the caller must keep free of
// personal data.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keten/allocation.hpp"
#include "keten/case.hpp"
#include "keten/landscape.hpp"

namespace keten {

/// FHIR Task.status values used by a referral (the numbers are stored in the file: never change).
enum class referral_state : std::uint8_t {
  draft = 0,
  requested = 1,
  accepted = 2,
  rejected = 3,
  in_progress = 4,
  on_hold = 5,
  failed = 6,
  completed = 7,
  cancelled = 8,
  entered_in_error = 9,
};
inline constexpr int referral_state_count = 10;
/// The FHIR code: "draft", "in-progress", "entered-in-error", …
[[nodiscard]] std::string_view to_string(referral_state s) noexcept;
/// Parses a FHIR code (also with '_' for '-'); throws validation_error for an unknown one.
[[nodiscard]] referral_state parse_referral_state(std::string_view code);
/// Does a referral in this state hold a unit of its offering's capacity?
[[nodiscard]] constexpr bool holds_capacity(referral_state s) noexcept {
  return s == referral_state::requested || s == referral_state::accepted ||
         s == referral_state::in_progress || s == referral_state::on_hold;
}
/// rejected, failed, completed, cancelled, entered-in-error: no transition leaves it (except to
/// entered-in-error).
[[nodiscard]] constexpr bool is_final(referral_state s) noexcept {
  return s == referral_state::rejected || s == referral_state::failed ||
         s == referral_state::completed || s == referral_state::cancelled ||
         s == referral_state::entered_in_error;
}

/// Who makes a transition: the referring organisation, the partner that offers the help, or the
/// ledger itself (expiry). Roles only, never a person.
enum class actor_role : std::uint8_t { referrer = 0, partner = 1, system = 2 };
[[nodiscard]] std::string_view to_string(actor_role r) noexcept;
[[nodiscard]] actor_role parse_actor_role(std::string_view code);

/// Why a referral was rejected, cancelled, put on hold or failed: the fixed list, plus `expired`
/// (set only by ledger::expire) and `none` (no reason given).
enum class referral_reason : std::uint8_t {
  none = 0,
  no_capacity = 1,
  not_eligible = 2,
  out_of_area = 3,
  could_not_contact = 4,
  no_longer_interested = 5,
  referred_elsewhere = 6,
  other = 7,
  expired = 8,
};
[[nodiscard]] std::string_view to_string(referral_reason r) noexcept;
[[nodiscard]] referral_reason parse_referral_reason(std::string_view code);

/// Whether `actor` may move a referral from `from` to `to` (no reason check). nullopt `from`: the
/// creation of a referral, allowed into draft or requested by the referrer.
[[nodiscard]] bool transition_allowed(std::optional<referral_state> from, referral_state to,
                                      actor_role actor) noexcept;
/// Does a transition into `to` need a reason (rejected, cancelled, on-hold, failed)?
[[nodiscard]] constexpr bool reason_required(referral_state to) noexcept {
  return to == referral_state::rejected || to == referral_state::cancelled ||
         to == referral_state::on_hold || to == referral_state::failed;
}

/// Milliseconds since 1970-01-01 UTC, as stored.
using ledger_time = std::chrono::sys_time<std::chrono::milliseconds>;
[[nodiscard]] ledger_time ledger_now() noexcept;

/// What SQLite's `synchronous` promises in WAL mode (docs/ledger.md):
///   full   — a committed transition survives an application crash and a power loss / OS crash.
///   normal — it survives an application crash; a power loss may roll back the last commits
///            (the file stays consistent). Faster: no fsync per commit, only at checkpoints.
enum class ledger_sync : std::uint8_t { full = 0, normal = 1 };

struct ledger_options {
  ledger_sync synchronous{ledger_sync::full};
  /// How long a call waits for another connection's write lock before io_error ledger_busy.
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(30)};
  /// Create the file (and the schema) when it does not exist; else cannot_open.
  bool create{true};
};

struct referral {
  std::int64_t id{};
  std::string case_id;   ///< the case's opaque id (keten::help_case::id)
  std::string need;      ///< need category id, e.g. "money.debts"
  std::string offering;  ///< offering id
  std::string partner;   ///< the offering's partner id
  referral_state state{};
  ledger_time created{};
  ledger_time updated{};  ///< time of the last transition
};

/// One row of a referral's history. The first transition of a referral has no `from`.
struct referral_transition {
  std::int64_t id{};  ///< increasing in commit order over the whole ledger
  std::int64_t referral{};
  std::optional<referral_state> from;
  referral_state to{};
  actor_role actor{};
  referral_reason reason{};
  std::string note;
  ledger_time at{};
};

/// An offering's capacity as the ledger counts it: held + free = total, held ≤ total.
struct offering_capacity {
  std::string offering;
  std::string partner;
  std::string categories;  ///< the offering's need categories, comma-separated
  std::int32_t total{};
  std::int32_t held{};
  [[nodiscard]] std::int32_t free() const noexcept { return total - held; }
};

/// How often a partner declined (rejected, failed, cancelled by the partner) one help form, and
/// why.
struct decline_count {
  std::string partner;
  std::string need;  ///< need category (the help form asked for)
  referral_state state{};
  referral_reason reason{};
  std::int64_t count{};
};

struct referral_request {
  std::string case_id;
  std::string need;
  std::string offering;
  bool draft{false};  ///< create in draft (no hold) rather than requested
};

struct transition_request {
  std::int64_t referral{};
  referral_state to{};
  actor_role actor{};
  referral_reason reason{referral_reason::none};
  std::string note;
};

/// Which referrals list(): by state (any when empty), partner and offering (any when empty).
struct referral_filter {
  std::vector<referral_state> states;
  std::string partner;
  std::string offering;
  bool open_only{false};  ///< only those that are not final (draft included)
  std::size_t limit{0};   ///< 0 = all; else the most recently updated first
};

/// The result of ledger::check(): every invariant, with what broke it.
struct ledger_report {
  std::int64_t referrals{};
  std::int64_t transitions{};
  std::int64_t offerings{};
  std::int64_t held{};
  std::vector<std::string> problems;  ///< empty when every invariant holds
  [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
};

class ledger {
 public:
  /// Opens (or creates, with options.create) the ledger at `path`. Throws parse_error
  /// ledger_foreign for a SQLite file that is not a keten ledger or not a database at all,
  /// ledger_damaged for a ledger whose schema or pages are broken, ledger_version for a newer
  /// format; io_error cannot_open when it cannot be opened or created.
  explicit ledger(const std::filesystem::path& path, ledger_options options = {});
  ~ledger();
  ledger(ledger&&) noexcept;
  ledger& operator=(ledger&&) noexcept;
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept;

  /// Registers every offering of the landscape with its free units as the total; an offering
  /// already known gets the new total unless that is below what it holds (validation_error,
  /// nothing changed). Returns the number of offerings added.
  std::size_t add_offerings(const landscape& l);
  /// Sets one offering's total (≥ its held units; validation_error otherwise).
  void set_capacity(std::string_view offering, std::int32_t total);

  /// Creates a referral in requested (taking a unit: validation_error ledger_no_capacity when
  /// none is free) or in draft. not_found_error for an unknown offering. Returns its id.
  std::int64_t refer(const referral_request& r, ledger_time at = ledger_now());
  /// Creates all in one transaction: all or none.
  std::vector<std::int64_t> refer_all(std::span<const referral_request> rs,
                                      ledger_time at = ledger_now());
  /// A requested referral for every assigned need of an allocation of `cases` on `l`, in one
  /// transaction (all or none). The offerings must be known to the ledger (add_offerings).
  std::vector<std::int64_t> seed(const landscape& l, std::span<const help_case> cases,
                                 const allocation& a, ledger_time at = ledger_now());

  /// Moves a referral. Throws transition_error (illegal_transition) when `actor` may not make
  /// it from the referral's state, validation_error reason_required / invalid_value for a
  /// missing or wrong reason, not_found_error for an unknown referral; nothing changes then.
  /// Returns the transition as stored.
  referral_transition update(const transition_request& t, ledger_time at = ledger_now());
  /// Applies all in one transaction, in order: all or none.
  std::vector<referral_transition> update_all(std::span<const transition_request> ts,
                                              ledger_time at = ledger_now());

  /// Cancels (reason expired, actor system) every requested referral whose last transition is at
  /// or before `cutoff` (unanswered for at least now - cutoff). Returns how many.
  std::size_t expire(ledger_time cutoff, ledger_time at = ledger_now());

  [[nodiscard]] referral get(std::int64_t id) const;
  [[nodiscard]] std::vector<referral> list(const referral_filter& f = {}) const;
  [[nodiscard]] std::vector<referral_transition> history(std::int64_t referral) const;
  /// Every transition with id > after, in id order (at most `limit`, 0 = all).
  [[nodiscard]] std::vector<referral_transition> transitions(std::int64_t after = 0,
                                                             std::size_t limit = 0) const;
  [[nodiscard]] std::vector<offering_capacity> capacities() const;
  [[nodiscard]] offering_capacity capacity_of(std::string_view offering) const;
  /// Declines per partner, help form, final state and reason, most frequent first.
  [[nodiscard]] std::vector<decline_count> declines() const;
  /// Checks every invariant: held = number of holding referrals ≤ total for each offering; each
  /// referral's history starts with a creation, chains from → to, follows the transition rules
  /// (roles and reasons) and ends in the referral's state; SQLite's own integrity check.
  [[nodiscard]] ledger_report check() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace keten
