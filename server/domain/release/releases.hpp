// Releases: what is promoted through the environments, and the gates that must hold first.
//
// A release bundles component versions (items: a CI at a version, with every artifact of that
// version and its digest), controlled documents committed to the git vault, known errors,
// linked RFCs and planned dates per environment. Its **digest** is a canonical SHA-256 over
// its contents (items with their artifact digests, document blob ids, packaged releases); every
// gate record is bound to the digest it was given for, and stops counting (`stale`) when the
// contents change.
//
// Storage: Table::releases, key = release id (`rel-N`, N from a counter in Table::meta),
// value = Release::to_record(). Environments and manifests: server/domain/release/environments.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/enum_names.hpp"
#include "tollgate/manifest.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class ReleaseType { delta, full, package };
enum class ReleaseCategory { scheduled, unscheduled, emergency };

inline constexpr EnumName<ReleaseType> kReleaseTypeNames[] = {
    {ReleaseType::delta, "delta"},
    {ReleaseType::full, "full"},
    {ReleaseType::package, "package"},
};
constexpr std::span<const EnumName<ReleaseType>> enum_names(ReleaseType) {
  return kReleaseTypeNames;
}
inline constexpr EnumName<ReleaseCategory> kReleaseCategoryNames[] = {
    {ReleaseCategory::scheduled, "scheduled"},
    {ReleaseCategory::unscheduled, "unscheduled"},
    {ReleaseCategory::emergency, "emergency"},
};
constexpr std::span<const EnumName<ReleaseCategory>> enum_names(ReleaseCategory) {
  return kReleaseCategoryNames;
}
inline const char* release_type_name(ReleaseType type) { return name_of(type); }
inline std::optional<ReleaseType> parse_release_type(std::string_view name) {
  return parse_name<ReleaseType>(name);
}
inline const char* release_category_name(ReleaseCategory category) { return name_of(category); }
inline std::optional<ReleaseCategory> parse_release_category(std::string_view name) {
  return parse_name<ReleaseCategory>(name);
}

// A file of a release: exactly what a manifest deploys once the release is promoted.
using ReleaseArtifact = ManifestArtifact;

struct ReleaseItem {
  std::string ci;
  std::string version;
  std::vector<ReleaseArtifact> artifacts;  // sorted by file
  std::string added_by;
  Micros added_at = 0;
};

// Document kinds: build_instructions, test_plan, backout_procedure, release_notes, other.
struct ReleaseDocument {
  std::string kind;
  std::string name;
  std::string path;    // in the vault: releases/<id>/<name>
  std::string commit;  // vault commit that wrote this version
  std::string blob;    // git blob id of the content (what the digest covers)
  std::string added_by;
  Micros added_at = 0;
  std::string media_type;  // what GET .../documents/{name} answers with
};

struct KnownError {
  std::string id;  // ke-N within the release
  std::string summary;
  std::string workaround;
  std::string recorded_by;
  Micros recorded_at = 0;
  std::string resolution;  // how it was resolved, once it was
  std::string resolved_by;
  std::optional<Micros> resolved_at;
};

// A correction of a release's record: reschedule, link-rfcs, remove-item, cancel,
// resolve-known-error. Corrections are kept in order; nothing is erased.
struct ReleaseCorrection {
  std::string action;
  std::string actor;
  Micros time = 0;
  std::string note;
  boost::json::object changes;  // field -> {"old", "new"}
};

// One verdict on one gate. Gate names: trr, tests:<env>, uat, rrr, implementation_approval,
// emergency_approval, pir.
struct GateRecord {
  std::string gate;
  std::string verdict;  // pass | fail
  std::string notes;
  std::optional<std::string> evidence;  // name of a release document
  std::optional<std::string> date;      // rrr: implementation date, YYYY-MM-DD
  std::string digest;                   // the release digest it was given for
  std::string actor;
  Micros time = 0;
};

// Where the release went: one entry per promotion or back-out, in order.
struct EnvironmentEvent {
  std::string environment;
  std::string action;  // promote | backout
  std::string actor;
  Micros time = 0;
  std::uint64_t manifest_version = 0;  // the manifest version this action wrote
};

struct Release {
  std::string id;  // rel-N
  std::string name;
  std::string version;
  ReleaseType type = ReleaseType::delta;
  ReleaseCategory category = ReleaseCategory::scheduled;
  std::vector<std::string> rfcs;
  std::vector<std::string> packages;  // type package: the delta releases it bundles
  std::vector<ReleaseItem> items;     // sorted by ci
  std::vector<ReleaseDocument> documents;
  std::vector<KnownError> known_errors;
  std::map<std::string, std::string> planned;  // environment -> YYYY-MM-DD
  std::vector<GateRecord> gates;               // every record ever given, in order
  std::vector<EnvironmentEvent> environments;  // promotions and back-outs, in order
  std::vector<ReleaseCorrection> corrections;  // in order
  std::string created_by;
  Micros created_at = 0;
  Micros updated_at = 0;

  // Where the release stands, for lists and ?state=: "planned" (never promoted), "in_progress"
  // (in an environment before the last), "deployed" (in the last environment, `production`),
  // "backed_out" (its latest environment event is a back-out), "cancelled" (for good).
  std::string state(const std::vector<std::string>& environment_order) const;
  bool cancelled() const;
  // The item of a CI, if the release carries one.
  const ReleaseItem* item(std::string_view ci) const;
  const ReleaseDocument* document(std::string_view document_name) const;

  // Canonical SHA-256 (hex) over items (ci, version, each artifact's file, sha256, size,
  // install_path), document (kind, name, blob) and packaged release ids; independent of the
  // order things were added in.
  std::string digest() const;

  // The newest record of a gate, if any.
  const GateRecord* latest(std::string_view gate) const;
  // Whether the newest record of the gate passed and was given for the current digest.
  bool passed(std::string_view gate) const;
  // Distinct actors whose newest record of the gate passed for the current digest (two change
  // managers for emergency_approval).
  std::vector<std::string> passing_actors(std::string_view gate) const;

  // The environment the release is in now (its last promote not undone by a back-out), if any.
  std::optional<std::string> current_environment() const;
  // Whether it was ever promoted into `environment` (whatever happened since).
  bool was_in(std::string_view environment) const;
  // Whether it was backed out of `environment` after its last promotion there.
  bool backed_out_of(std::string_view environment) const;

  boost::json::object to_record() const;
  static Result<Release> from_record(std::string_view stored);
};

// Reads a release inside a caller's transaction; nullopt when there is none.
std::optional<Release> load_release(storage::ReadTxn& txn, std::string_view id);
void store_release(storage::WriteTxn& txn, const Release& release);

// Whether `name` is an environment of the configured promotion order (Config::environments).
bool known_environment(const Config& config, std::string_view name);

// Filters of GET /api/v1/releases.
struct ReleaseFilter {
  std::optional<std::string> state;  // planned | in_progress | deployed | backed_out
  std::optional<ReleaseCategory> category;
};

// The commands ReleaseService takes, parsed from the request bodies by
// server/http/commands/release.hpp: well-formed and in range. Whether what they name exists,
// and whether the step is allowed, is the service's to decide.

// POST /api/v1/releases, parsed.
struct CreateRelease {
  std::string name;
  std::string version;
  ReleaseType type = ReleaseType::delta;
  ReleaseCategory category = ReleaseCategory::scheduled;
  std::vector<std::string> rfcs;               // sorted, without duplicates
  std::vector<std::string> packages;           // sorted; non-empty exactly for a package
  std::map<std::string, std::string> planned;  // configured environment -> YYYY-MM-DD
};

// POST .../items, parsed.
struct AddReleaseItem {
  std::string ci;  // a slug
  std::string version;
  std::map<std::string, std::string> install_paths;  // file -> relative path, all distinct
};

// POST .../documents, parsed.
struct AddReleaseDocument {
  std::string kind;  // build_instructions, test_plan, backout_procedure, release_notes, other
  std::string name;
  std::string content;
  std::string media_type;  // normalised, or guessed from the name
};

// POST .../known-errors, parsed.
struct AddKnownError {
  std::string summary;
  std::string workaround;
};

// PATCH /api/v1/releases/{id}, parsed: at least one of planned and rfcs.
struct ReleasePatch {
  // configured environment -> date, or nullopt to unplan it
  std::optional<std::map<std::string, std::optional<std::string>>> planned;
  std::optional<std::vector<std::string>> rfcs;  // sorted, without duplicates, slugs
  std::optional<std::string> note;
};

// DELETE .../items/{ci} {note?} and POST .../cancel {note}, parsed.
struct ReleaseNote {
  std::optional<std::string> note;  // always present for a cancel
};

// POST .../known-errors/{ke}/resolve, parsed.
struct ResolveKnownError {
  std::string resolution;
};

// POST .../gates/{gate}, parsed. Which gate takes a date (rrr) is the service's rule.
struct RecordGate {
  std::string verdict;  // pass | fail
  std::string notes;
  std::optional<std::string> evidence;  // a document of the release
  std::optional<std::string> date;      // YYYY-MM-DD
};

// A release document's content, as committed to the vault.
struct ReleaseDocumentContent {
  ReleaseDocument document;
  std::string content;
};

// The release workflow up to the gates: creation, items, documents, known errors and gate
// records. Promotion and back-out live in server/domain/release/promotion.hpp.
//
// Every mutation is one KvStore::write that reads the release, checks it and stores it again.
// Roles are checked here, not by the router, because they are policy: creating and changing
// contents needs release_manager or admin; known errors also change_manager or tester; who
// records a gate is Config::gate_roles (403 reason "gate-role"), and the release's creator never
// records its uat, rrr, implementation_approval or emergency_approval (403 reason
// "separation-of-duties"). Contents (items, documents) cannot change while the release is in
// the last environment (409 reason "release-deployed"); any change of them changes the digest,
// so gates recorded before show as `stale`.
//
// Documents are committed to the git vault (releases/<id>/<name>, author = the acting token)
// first, then recorded in LMDB, through a vault intent (vault/vault_intents.hpp): a failed
// commit writes nothing, a refused or failed record takes the commit back out. Thread-safe.
class ReleaseService {
 public:
  // None owned; all must outlive the service.
  ReleaseService(storage::KvStore& store, storage::GitVault& vault, VaultIntents& intents,
                 const Clock& clock, const Config& config)
      : store_(store), vault_(vault), intents_(intents), clock_(clock), config_(config) {}

  // POST /api/v1/releases {name, version, type, category, rfcs?, planned?, packages?}. A
  // package bundles delta releases; their items join it. Errors: invalid (unknown RFCs,
  // packages), conflict (reason "package-conflict": two packaged
  // releases carry different versions of one CI).
  Result<Release> create(const CreateRelease& command, const Principal& actor);

  // Errors: not_found.
  Result<Release> get(const std::string& id) const;

  // Releases in id order (byte order); the cursor is the last id of the previous page.
  Result<Page<Release>> list(const ReleaseFilter& filter, const PageRequest& page) const;

  // POST .../items {ci, version, install_paths?: {file: path}}: every artifact of that CI
  // version joins; the same CI again replaces its item. Errors: invalid, not_found
  // (release, CI), conflict (reasons "no-artifacts", "release-deployed").
  Result<Release> add_item(const std::string& id, const AddReleaseItem& command,
                           const Principal& actor);

  // POST .../documents {kind, name, content, media_type?}: committed to the vault, then
  // recorded; the same name again makes a new version. Errors: forbidden, invalid, not_found,
  // conflict ("release-deployed", and the vault's), io.
  Result<Release> add_document(const std::string& id, const AddReleaseDocument& input,
                               const Principal& actor);

  // The document as the release records it. Errors: not_found.
  Result<ReleaseDocumentContent> document(const std::string& id, const std::string& name) const;

  // POST .../known-errors {summary, workaround?}. Errors: forbidden, invalid, not_found.
  Result<Release> add_known_error(const std::string& id, const AddKnownError& command,
                                  const Principal& actor);

  // Corrections: each is kept in `corrections` (action, actor, time, note, changes) and refused
  // once the release reached production ("release-deployed") or was cancelled
  // ("release-cancelled").
  //
  // PATCH /api/v1/releases/{id} {planned?: {env: date | null}, rfcs?: [...], note?}: reschedule
  // (the named environments' dates; null unplans one) and/or replace the linked RFCs. Errors:
  // invalid (an unknown RFC, reason "unknown-rfc"), not_found, conflict.
  Result<Release> correct(const std::string& id, const ReleasePatch& patch, const Principal& actor);
  // DELETE .../items/{ci} {note?}: the item leaves; the digest changes, so earlier gate records
  // go stale. Errors: not_found (release, item), conflict.
  Result<Release> remove_item(const std::string& id, const std::string& ci,
                              const ReleaseNote& command, const Principal& actor);
  // POST .../cancel {note}: for good. Refused while the release is in an environment (reason
  // "release-in-environment": back it out first). Errors: invalid (no note), not_found, conflict.
  Result<Release> cancel(const std::string& id, const ReleaseNote& command, const Principal& actor);
  // POST .../known-errors/{ke}/resolve {resolution}. Errors: invalid, not_found (release, known
  // error), conflict ("known-error-resolved", "release-cancelled").
  Result<Release> resolve_known_error(const std::string& id, const std::string& known_error,
                                      const ResolveKnownError& command, const Principal& actor);

  // POST .../gates/{gate} {verdict, notes?, evidence?, date?}: a record bound to the current
  // digest. Errors: not_found (release; gate, reason "unknown-gate"), invalid (evidence not
  // a document of the release, reason "unknown-evidence"; date other than for rrr), forbidden
  // ("gate-role", "separation-of-duties"), conflict ("duplicate-approval": the same actor again
  // for emergency_approval and the same digest; "not-emergency").
  Result<Release> record_gate(const std::string& id, const std::string& gate,
                              const RecordGate& command, const Principal& actor);

  // The API's view: the record's fields plus digest, state, environment and "gates": for each
  // gate name {status: passed | failed | stale | missing, latest, history}.
  boost::json::object to_json(const Release& release) const;

  // Every gate name that applies under the configuration, in workflow order.
  std::vector<std::string> gate_names() const;

 private:
  using Change = std::function<Status(storage::WriteTxn&, Release&)>;
  // One write: loads release `id`, applies `change`, stamps updated_at and stores it.
  Result<Release> update(const std::string& id, const Change& change);
  using VaultChange =
      std::function<Status(storage::WriteTxn&, Release&, const storage::CommitInfo&)>;
  // update(), with the vault change `plan` committed first through a vault intent; `change`
  // sees the commit.
  Result<Release> update_with_vault(const std::string& id, const VaultPlan& plan,
                                    const VaultChange& change);
  Status update_in(storage::WriteTxn& txn, const std::string& id, const Change& change,
                   Release* out);
  Status check_contents_open(const Release& release) const;

  storage::KvStore& store_;
  storage::GitVault& vault_;
  VaultIntents& intents_;
  const Clock& clock_;
  const Config& config_;
  std::mutex document_mutex_;  // one document commit-and-record at a time
};

}  // namespace tollgate::server
