// VaultIntents: one truth across the git vault and the metadata store.
//
// A change that writes both stores (a promotion's signed manifest and production baseline, a
// back-out, a baseline, a release document, the VDD an RRR commits) goes through four steps:
//
//   1. An intent record lands in Table::intents, a durable write of its own made before anything
//      else. It names the vault paths the change writes with the SHA-256 of each new content,
//      and the tag the change makes once recorded. `reserve` runs in the same write, so what it
//      takes (a manifest version number) is taken for good, whatever happens next.
//   2. The vault commit, whose message ends with the trailer "Tollgate-Intent: N".
//   3. The service's own write, which records the change and settles the intent in the same
//      transaction: from then on the change counts, and only its tag may be missing.
//   4. The tag, then the intent is deleted.
//
// When step 3 refuses or fails, the vault commit is reverted at once: each path whose content at
// the head is still what the change wrote gets back its content from before (a path a later
// change rewrote is left alone), so the vault tells what the metadata tells. Whatever a crash,
// a failed write or a failed revert leaves behind, reconcile() completes (it runs at start-up,
// before the server listens, and periodically): an intent that was recorded gets its tag; one
// that was not has its commit found by the trailer and reverted, or, when the commit never
// landed, is simply dropped. A manifest version reserved in step 1 is never handed out again,
// so no version number is ever signed twice.
//
// The intent writes go to `store` directly (the raw store, not the AuditingStore): the request's
// audit entry belongs with the write of step 3, the one that makes the change.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// The trailer that ties a vault commit to its intent.
inline constexpr const char* kIntentTrailer = "Tollgate-Intent: ";

struct IntentTag {
  std::string name;
  std::string message;
  storage::VaultAuthor tagger;
};

struct VaultIntent {
  std::uint64_t id = 0;
  std::string action;                        // the first line of the commit message
  storage::VaultAuthor author;               // who made the change (and so its revert)
  std::map<std::string, std::string> paths;  // vault path -> sha256 hex of the content written
  std::optional<IntentTag> tag;
  bool recorded = false;  // step 3 committed; only the tag is left to make
  std::string commit;     // the vault commit, once recorded
  Micros created_at = 0;

  boost::json::object to_json() const;
  static Result<VaultIntent> from_json(std::string_view text);
};

// What one change writes to the vault, and how.
struct VaultPlan {
  storage::VaultChanges changes;  // writes only: a change through intents deletes nothing
  storage::VaultAuthor author;
  std::string message;           // the trailer is appended
  std::optional<IntentTag> tag;  // made on the commit once the change is recorded
  // Runs in the intent's write (step 1); a Status refuses the change before anything else.
  std::function<Status(storage::WriteTxn&)> reserve;
};

// Step 3: the service's write, handed the vault commit it records. A Status refuses it.
using RecordFn = std::function<Status(storage::WriteTxn&, const storage::CommitInfo&)>;

struct ReconcileReport {
  std::size_t tagged = 0;          // recorded intents whose tag was made
  std::size_t reverted = 0;        // unrecorded intents whose commit was taken out of the vault
  std::size_t dropped = 0;         // unrecorded intents whose commit never landed
  std::size_t left = 0;            // intents still pending (a step failed again; see the log)
  std::vector<std::string> lines;  // one per intent handled, for the log
};

class VaultIntents {
 public:
  VaultIntents(storage::KvStore& store, storage::GitVault& vault, const Clock& clock);

  // The four steps. `service_store` is the store the service writes through (its audited
  // store); `record` runs in its write together with the intent's settlement. Returns the vault
  // commit. A failure of step 1 or 2 changes nothing (a vault that a writer outside Tollgate
  // keeps locked or moving is unavailable with reason vault-busy); a refusal or failure of step 3
  // is returned after the vault commit was reverted (or left to reconcile() when even that
  // fails); a failure of step 4 leaves the tag to reconcile() and is not an error: the change
  // counts.
  Result<storage::CommitInfo> apply(storage::KvStore& service_store, const VaultPlan& plan,
                                    const RecordFn& record);

  // Completes or rolls back every intent this process does not have in flight.
  Result<ReconcileReport> reconcile();

  // Every intent in the store, oldest first (for `tollgated check`).
  static Result<std::vector<VaultIntent>> pending(storage::KvStore& store);

 private:
  Status revert(const VaultIntent& intent, const std::string& commit, const std::string& parent,
                const std::string& why);
  Status make_tag(const VaultIntent& intent, const std::string& commit);
  Status forget(std::uint64_t id);
  Result<ReconcileReport> reconcile_locked();

  storage::KvStore& store_;
  storage::GitVault& vault_;
  const Clock& clock_;
  std::mutex mutex_;  // guards in_flight_; held by reconcile() throughout
  std::set<std::uint64_t> in_flight_;
};

}  // namespace tollgate::server
