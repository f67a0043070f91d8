// Promotion and back-out: moving releases through the environments under the configured policy.
//
// A promotion of release R into environment E succeeds only when, at once:
// - E is on R's path (Config::environments, or the emergency path for emergency releases) and R
//   is in the environment before E on that path now (promoted there, not backed out since);
// - every gate Config::promotion.gates (or emergency.gates) names for E holds: release gates
//   passed for R's current digest, documents of the named kinds, approved RFCs; an `rrr` also
//   needs today within [its implementation date, + production_window_days]; an
//   `emergency_approval` needs two distinct approvers;
// - E is not production inside a freeze window, unless R is an emergency release;
// - every artifact blob of R re-hashes to its digest (a mismatch quarantines the blob).
// It then writes the environment's next manifest version (the current entries with R's items
// replacing those CIs), committed to the git vault first, then stored in LMDB together with R's
// new EnvironmentEvent in one write that re-checks R's digest and E's manifest version.
//
// A back-out of R from E writes the next manifest version with the entries of the version before
// the current one; only the release whose promotion wrote E's current manifest can be backed out.
//
// Refusals (Status code, reason):
//   forbidden "forbidden-role" (not release_manager or admin), "environment-forbidden" (the
//   token is limited to other environments); not_found (release, "unknown-environment");
//   conflict "gates-unmet" or "skipped-environment" with members() {"unmet": [UnmetGate::to_json()
//   of every unmet requirement]}; conflict "not-on-path", "already-promoted", "corrupt-blob",
//   "not-current-release", "concurrent-change". Each refusal changes nothing (a corrupt blob is
//   quarantined).
//
// Emergency releases owe a passed `pir` within [emergency] pir_due_days of first reaching
// production; overdue_pirs() lists those that do not have one in time.
//
// Threads: every method may be called from any thread; promotions and back-outs run one at a
// time within the process.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/metrics.hpp"
#include "server/domain/pagination.hpp"
#include "server/domain/release/environments.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "storage/blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

class BaselineService;

inline constexpr const char* kGatesUnmetReason = "gates-unmet";
inline constexpr const char* kSkippedEnvironmentReason = "skipped-environment";

// One requirement a promotion does not meet. `gate` is the policy's name ("uat", "tests:SIT",
// "document:test_plan", "rfc") or "environment:<env>" / "freeze"; `reason` a stable slug
// (missing, failed, stale, one-approver, missing-document, no-rfc, rfc-unknown, rfc-not-approved,
// before-implementation-date, implementation-window-passed, skipped-environment, freeze-window).
struct UnmetGate {
  std::string gate;
  std::string reason;
  std::string detail;

  // {"gate", "reason", "detail"}: how it travels in Status::members() and to clients.
  boost::json::object to_json() const;
};

struct PromotionResult {
  Release release;
  Manifest manifest;
  boost::json::object signed_manifest;
};

// An emergency release whose pir is overdue.
struct OverduePir {
  std::string release;
  std::string name;
  std::string version;
  Micros production_at = 0;  // first promotion to production
  Micros due_at = 0;

  boost::json::object to_json() const;
};

class PromotionService {
 public:
  // None owned; all must outlive the service.
  PromotionService(storage::KvStore& store, storage::BlobStore& blobs, storage::GitVault& vault,
                   VaultIntents& intents, const EnvironmentService& environments, Metrics& metrics,
                   const Config& config, const Clock& clock)
      : store_(store),
        blobs_(blobs),
        vault_(vault),
        intents_(intents),
        environments_(environments),
        metrics_(metrics),
        config_(config),
        clock_(clock) {}

  Result<PromotionResult> promote(const std::string& release_id, const std::string& environment,
                                  const Principal& actor);
  Result<PromotionResult> backout(const std::string& release_id, const std::string& environment,
                                  const Principal& actor);

  // Emergency releases past their pir due date without a passed pir, by release id.
  Result<Page<OverduePir>> overdue_pirs(const PageRequest& page) const;
  Result<std::uint64_t> count_overdue_pirs() const;

  // From now on, every promotion or back-out into production also records the production
  // baseline (server/domain/audit/baselines.hpp) in its vault commit and its write. `baselines`
  // must outlive this service.
  void record_production_baselines(const BaselineService& baselines) { baselines_ = &baselines; }

  // The path a release follows: the environment order, or the emergency path.
  const std::vector<std::string>& path_of(const Release& release) const;

 private:
  Status check_actor(const std::string& environment, const Principal& actor) const;
  // Every unmet requirement of `release` entering path[index] now.
  std::vector<UnmetGate> unmet(storage::ReadTxn& txn, const Release& release,
                               const std::vector<std::string>& path, std::size_t index,
                               Micros now) const;
  Status verify_blobs(const Release& release);
  // The version the next manifest after `previous` gets: above every one given out before.
  std::uint64_t next_version(const Manifest& previous) const;
  // Commits the manifest (and in production the baseline) to the vault, then stores it with the
  // release's event in one write, through a vault intent (vault/vault_intents.hpp).
  Result<PromotionResult> record(Release release, const Manifest& previous, Manifest next,
                                 const std::string& digest, const Principal& actor,
                                 const std::string& message);
  // Calls fn for each overdue pir after release id `after`, in id order, while it returns true.
  Status for_each_overdue(const std::string& after,
                          const std::function<bool(OverduePir)>& fn) const;

  storage::KvStore& store_;
  storage::BlobStore& blobs_;
  storage::GitVault& vault_;
  VaultIntents& intents_;
  const EnvironmentService& environments_;
  Metrics& metrics_;
  const Config& config_;
  const Clock& clock_;
  std::mutex mutex_;  // one promotion or back-out at a time
  const BaselineService* baselines_ = nullptr;
};

}  // namespace tollgate::server
