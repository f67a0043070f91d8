// Baselines: named, immutable, signed snapshots of CIs and environment manifests, and the
// production baseline library (one baseline per production manifest version).
//
// A baseline document is canonical JSON, signed like manifests (server/domain/vault/signing.hpp);
// its shape, reader and writer are the shared model's: tollgate/baseline.hpp.
// What a scope records, in one consistent read:
//   all           every CI, and every environment that has a manifest;
//   cis           those CIs, and each environment's entries of those CIs (environments without
//                 any are left out);
//   environments  those environments' current manifests (version 0, no entries, when nothing
//                 was deployed) and the CIs they deploy.
// `releases` lists, for every release a recorded entry names, its gate records and its RFCs with
// their approvers: who approved what ran there.
//
// Storage: the document is committed to the git vault at baselines/<name>.json (author = the
// actor) and tagged with the annotated tag <name>; then indexed in Table::baselines (key = name,
// value = BaselineRecord's JSON). Git first, then LMDB.
//
// Production baseline library: every promotion or back-out into the last environment of the
// order writes the baseline "<env>-v<manifest version>" (scope {"environments": [env]}) in the
// same vault commit and the same LMDB write as the manifest (PromotionService calls
// prepare_production / store_production / tag_production). Names of that form are reserved.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "server/domain/release/environments.hpp"
#include "server/domain/vault/signing.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/baseline.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

inline constexpr const char* kBaselineExistsReason = "baseline-exists";
inline constexpr std::size_t kMaxBaselineNameLength = 100;

// 1..100 of [A-Za-z0-9._-], not starting with '.' or '-', no "..", not ending with '.' or
// ".lock" (what git accepts as a tag name). Errors: invalid, reason "invalid-baseline-name".
Status validate_baseline_name(std::string_view name);

// baselines/<name>.json
std::string baseline_vault_path(std::string_view name);

struct BaselineScope {
  enum class Kind { all, cis, environments };
  Kind kind = Kind::all;
  std::vector<std::string> names;  // sorted, distinct; empty for all

  boost::json::object to_json() const;
  // Strict: exactly one of "all" (true), "cis" or "environments" (non-empty string arrays).
  // Errors: invalid.
  static Result<BaselineScope> parse(const boost::json::value& value);
};

// POST /api/v1/baselines {name, scope, description?}, parsed; the name is valid
// (validate_baseline_name).
struct CreateBaseline {
  std::string name;
  std::string description;
  BaselineScope scope;
};

// The recorded parts of a baseline: its scope, CIs, environments and releases (name, description
// and creation are the caller's). `pending`
// stands in for the current manifest of its environment (a promotion's manifest not yet stored).
// Errors: not_found with reason "unknown-ci" or "unknown-environment" for a name in the scope
// that does not exist; corrupt.
Result<BaselineDocument> take_snapshot(storage::ReadTxn& txn, const Config& config,
                                       const BaselineScope& scope,
                                       const Manifest* pending = nullptr);

// The LMDB index entry of a baseline.
struct BaselineRecord {
  std::string name;
  Micros created_at = 0;
  std::string created_by;
  BaselineScope scope;
  std::string commit;                     // the vault commit holding baselines/<name>.json
  std::string tag;                        // the annotated tag (= name)
  std::vector<std::string> environments;  // the environments the document records
  boost::json::object document;           // the signed document

  boost::json::object to_json() const;  // everything
  boost::json::object summary() const;  // everything but the document's body
  static Result<BaselineRecord> from_json(std::string_view stored);
};

// Filters of GET /api/v1/baselines.
struct BaselineFilter {
  std::optional<std::string> environment;  // baselines that record this environment
  std::optional<Micros> from;              // created_at on or after (midnight UTC)
  std::optional<Micros> to;                // created_at before the end of that day
};

// The field-by-field difference of two baseline documents (or a document and a fresh snapshot):
// {"from", "to", "cis": {"added", "removed", "changed": [{"id", "from_revision", "to_revision",
//  "fields": [{"field" (dotted path), "from", "to"}]}]}, "environments": [{"environment",
//  "from_version", "to_version", "artifacts": {"added", "removed", "changed": [{"ci", "file",
//  "from_sha256", "to_sha256", "from_version", "to_version", "from_install_path",
//  "to_install_path", "from_release", "to_release"}]}}]}
boost::json::object diff_baselines(std::string_view from_name, const BaselineDocument& from,
                                   std::string_view to_name, const BaselineDocument& to);

// A production baseline prepared for a promotion's commit and write.
struct ProductionBaseline {
  std::string name;
  std::string path;  // in the vault
  std::string text;  // the file's content
  BaselineRecord record;
};

// Thread-safe. Creation runs one at a time (a mutex), so two creates of one name cannot both
// commit.
class BaselineService {
 public:
  // None owned; all must outlive the service.
  BaselineService(storage::KvStore& store, storage::GitVault& vault, VaultIntents& intents,
                  const Signer& signer, const Config& config, const Clock& clock)
      : store_(store),
        vault_(vault),
        intents_(intents),
        signer_(signer),
        config_(config),
        clock_(clock) {}

  // POST /api/v1/baselines. Errors: forbidden (reason "forbidden-role": not admin,
  // change_manager, release_manager or auditor); invalid (a reserved production library name:
  // reason "reserved-baseline-name"); not_found
  // ("unknown-ci", "unknown-environment"); conflict ("baseline-exists": the name is in LMDB or
  // tagged in the vault); the vault's errors. A refusal writes nothing.
  Result<BaselineRecord> create(const CreateBaseline& command, const Principal& actor);

  // By name (byte order); the cursor is the last name of the previous page.
  Result<Page<BaselineRecord>> list(const BaselineFilter& filter, const PageRequest& page) const;

  // Errors: not_found (reason "unknown-baseline").
  Result<BaselineRecord> get(std::string_view name) const;

  // The newest baseline recording `environment` created at or before `at`. Errors: not_found
  // (unknown environment; reason "no-baseline" when none).
  Result<BaselineRecord> at(std::string_view environment, Micros at) const;

  // Baseline `from` against baseline `to`, or against a fresh snapshot of from's scope when `to`
  // is "current". Errors: not_found.
  Result<boost::json::object> diff(std::string_view from, std::string_view to) const;

  // The production library, for PromotionService (under its lock): whether `environment` is
  // the last of the order; the signed baseline of `manifest` (read in its own snapshot);
  // its record, stored in the promotion's write; its tag, made after that write by the
  // promotion's vault intent (vault/vault_intents.hpp), or by reconciliation when that fails.
  bool is_production(std::string_view environment) const;
  Result<ProductionBaseline> prepare_production(const Manifest& manifest, const Principal& actor,
                                                const std::string& description) const;
  static void store_production(storage::WriteTxn& txn, const ProductionBaseline& baseline,
                               const std::string& commit);
  IntentTag production_tag(const ProductionBaseline& baseline, const Principal& actor) const;

 private:
  Result<boost::json::object> signed_document(storage::ReadTxn& txn, const std::string& name,
                                              const std::string& description,
                                              const BaselineScope& scope, const Principal& actor,
                                              Micros now, const Manifest* pending) const;
  Status check_name_free(const std::string& name) const;

  storage::KvStore& store_;
  storage::GitVault& vault_;
  VaultIntents& intents_;
  const Signer& signer_;
  const Config& config_;
  const Clock& clock_;
  std::mutex create_mutex_;
};

}  // namespace tollgate::server
