// The audit log: one entry per mutating request, hash-chained, in Table::audit_log.
//
// Entry (stored as JSON under tables::AuditLogKey{sequence}, tables/audit_tables.hpp):
//   {"sequence": N, "time": RFC 3339, "actor": token name ("-" before authentication),
//    "action": "POST /api/v1/releases/{id}/promote", "target": "/api/v1/releases/rel-3/promote",
//    "resource": the object acted on ("/api/v1/cis/delta" for a created CI; the target if no
//    service named one), "summary": one line saying what changed (optional),
//    "request_id": "...", "outcome": "committed" | "ok" | "refused" | "failed",
//    "status": HTTP status (absent for "committed"), "problem": reason of a refusal (optional),
//    "prev": SHA-256 of entry N-1 (64 zeros for the first), "hash": SHA-256 of this entry}
// `hash` is the SHA-256 of canonical_json of the entry without "hash", so an entry edited in place
// no longer matches its own hash, and one rewritten with a recomputed hash no longer matches the
// "prev" of the entry after it. Either way verification names the rewritten entry.
//
// How entries get written: the router opens an AuditScope for every mutating request; the
// AuditingStore that the App's services write through appends the entry inside the first write
// transaction the request commits ("committed": the change and its entry land together or not at
// all). A request that commits nothing (refused, failed, or a no-op) gets an entry of its own
// after the handler returns, with the HTTP status.
//
// Checkpoints: the head of the chain (sequence and hash) is committed to the git vault as
// audit/checkpoint.json from time to time, so that a log rewritten consistently in LMDB (every
// hash recomputed) still disagrees with git.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/pagination.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

inline constexpr const char* kAuditCheckpointPath = "audit/checkpoint.json";

// What the router knows about the request being served.
struct AuditRequest {
  std::string actor = "-";
  std::string action;  // method and route pattern, or method and "unmatched"
  std::string target;  // the request path, without the query
  std::string request_id;
  std::string resource;  // the object acted on, once a service has named it
  std::string summary;   // one line: what the request changed
};

// The request the calling thread is serving, while the router handles a mutating request.
class AuditScope {
 public:
  explicit AuditScope(AuditRequest request);
  ~AuditScope();
  AuditScope(const AuditScope&) = delete;
  AuditScope& operator=(const AuditScope&) = delete;

  // The scope of the calling thread; null outside a mutating request. Inside a write that the
  // AuditingStore runs for a request, on whichever thread runs it, that request's scope.
  static AuditScope* current();

  // Makes `scope` the current one of the calling thread for its lifetime.
  class Bind {
   public:
    explicit Bind(AuditScope* scope);
    ~Bind();
    Bind(const Bind&) = delete;
    Bind& operator=(const Bind&) = delete;

   private:
    AuditScope* previous_;
  };

  AuditRequest& request() { return request_; }
  // Whether an entry for this request has been committed.
  bool recorded() const { return recorded_; }
  void set_recorded() { recorded_ = true; }

 private:
  AuditRequest request_;
  bool recorded_ = false;
  AuditScope* previous_;
};

// Names the object the current request acts on and what it changes, for its audit entry.
// Services call it where they know the object (inside their write, for ids they allocate);
// an empty summary keeps the one named before. No-op outside a mutating request.
// A summary longer than kMaxAuditSummary bytes is cut short.
void audit_note(std::string resource, std::string summary = {});
inline constexpr std::size_t kMaxAuditSummary = 240;

// "name, status, attributes.port": the keys of a change record, for a summary.
std::string audit_field_list(const boost::json::object& changes);

struct AuditOutcome {
  std::string outcome;  // "committed", "ok", "refused", "failed"
  unsigned status = 0;  // 0: not known when written (committed with the change)
  std::string problem;  // the problem reason of a refusal, if any
};

// Appends the next entry to the chain inside `txn`.
Status append_audit_entry(storage::WriteTxn& txn, const AuditRequest& request,
                          const AuditOutcome& outcome, Micros time);

// A KvStore that adds the audit entry of the thread's current request to the first write the
// request commits. Everything else passes through to `inner`.
class AuditingStore : public storage::KvStore {
 public:
  AuditingStore(storage::KvStore& inner, const Clock& clock) : inner_(inner), clock_(clock) {}

  Status read(const std::function<Status(storage::ReadTxn&)>& fn) override;
  Status write(const std::function<Status(storage::WriteTxn&)>& fn) override;
  storage::StoreStats stats() override { return inner_.stats(); }
  // The store itself, for writes that belong to no request's audit entry.
  storage::KvStore& inner() { return inner_; }

  // Writes the entry of a request that committed nothing (after its handler returned).
  Status record_uncommitted(const AuditRequest& request, const AuditOutcome& outcome);

 private:
  storage::KvStore& inner_;
  const Clock& clock_;
};

struct AuditFilterQuery {
  std::optional<std::string> actor;    // exact
  std::optional<std::string> target;   // the path, or a prefix of it ending at a '/'
  std::optional<std::string> action;   // a substring of the action
  std::optional<std::string> outcome;  // exact
  std::optional<Micros> from;          // time >= from
  std::optional<Micros> to;            // time <= to
};

// Entries matching `filter`, in sequence order, one page at a time.
Result<Page<boost::json::object>> list_audit_entries(storage::ReadTxn& txn,
                                                     const AuditFilterQuery& filter,
                                                     const PageRequest& page);

struct AuditBreak {
  std::uint64_t sequence = 0;  // the first entry that is not what the chain says it was
  std::string reason;
};

struct AuditVerification {
  std::uint64_t entries = 0;
  std::uint64_t head_sequence = 0;
  std::string head_hash;
  std::uint64_t checkpoints = 0;  // checkpoints in the vault compared with the log
  std::optional<AuditBreak> broken;

  boost::json::object to_json() const;
};

// Walks the whole chain: sequences 1..N without gaps, every entry readable and equal to its own
// hash, every "prev" equal to the hash of the entry before. With a vault, also compares every
// checkpoint committed there (the file's whole git history) with the entry it names.
Result<AuditVerification> verify_audit_log(storage::KvStore& store, const storage::GitVault* vault);

// Commits the chain head to the vault unless the last checkpoint there already names it.
// Returns whether a commit was made.
Result<bool> checkpoint_audit_log(storage::KvStore& store, storage::GitVault& vault, Micros now);

// `tollgated check`: verify_audit_log, one line per fault. Returns the number of faults.
std::size_t check_audit_log(storage::KvStore& store, const storage::GitVault* vault,
                            std::ostream& out);

}  // namespace tollgate::server
