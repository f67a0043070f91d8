// The version description document (VDD): what a release is, in the seed plan's vocabulary.
//
// A VDD lists the release (id, name, version, type, category, digest), every item with each of
// its artifacts (file, sha256, size, install_path), the linked RFCs with their title and state,
// the release documents (kind, name, vault path, commit, blob), the known errors, the
// installation references (build_instructions documents), the back-out references
// (backout_procedure documents) and a summary of the gates. It holds no time of its own, so the
// same contents always give the same VDD (and committing it again commits nothing).
//
// JSON shape (build_vdd):
//   {"id", "name", "version", "type", "category", "digest", "packages": [ids],
//    "items": [{"ci", "version", "artifacts": [{"file", "sha256", "size", "install_path"}]}],
//    "rfcs": [{"id", "title", "state"}],                      (state "missing" when unknown)
//    "documents": [{"kind", "name", "path", "commit", "blob"}],
//    "known_errors": [{"id", "summary", "workaround"}],
//    "installation": [{"name", "path", "commit"}], "backout": [{"name", "path", "commit"}],
//    "gates": {gate: {"status": passed | failed | stale, "verdict", "actor", "time"}}}
//
// Committed VDDs live in the git vault at releases/<id>/VDD.md and releases/<id>/VDD.json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/identity/auth.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

inline constexpr const char* kVddMismatchReason = "vdd-mismatch";

// releases/<id>/VDD.json and releases/<id>/VDD.md.
std::string vdd_json_path(std::string_view release_id);
std::string vdd_markdown_path(std::string_view release_id);

// The VDD of `release` as it is now (RFC titles and states read in `txn`). Never fails today;
// Result so that a future source of the VDD (a missing RFC made fatal) needs no API change.
Result<boost::json::object> build_vdd(storage::ReadTxn& txn, const Release& release);

// The VDD of release `id` as stored now. Errors: not_found.
Result<boost::json::object> vdd_of(storage::KvStore& store, const std::string& id);

// Markdown: a heading, a table of the release's fields, then one section per part of the VDD
// (tables for items, RFCs, documents, known errors and gates; lists for installation and
// back-out references). Stable: the same JSON gives the same bytes. Cells escape '|' and fold
// line breaks.
std::string render_vdd_markdown(const boost::json::object& vdd);

// Whether a VDD (typically the committed one) still describes `release`: same digest and same
// items (CIs, versions, artifacts).
bool vdd_matches(const boost::json::object& committed_vdd, const Release& release);

// The VDD committed for release `id` at the vault's head; nullopt when none was committed.
// Errors: corrupt (the committed JSON does not parse), io.
Result<std::optional<boost::json::object>> committed_vdd(const storage::GitVault& vault,
                                                         std::string_view id);

// The vault change that commits `vdd` (the VDD of `release`): releases/<id>/VDD.json and VDD.md,
// authored by `actor`. Errors: conflict (reason "vdd-name-taken": a release document is named
// VDD.md or VDD.json).
Result<VaultPlan> vdd_plan(const Release& release, const boost::json::object& vdd,
                           const Principal& actor);

// Commits `vdd` to the vault alone (nothing is recorded in the store) and returns the commit id
// (the unchanged head when the same VDD was committed before). Errors: those of vdd_plan; the
// vault's conflicts, io.
Result<std::string> commit_vdd(storage::GitVault& vault, const Release& release,
                               const boost::json::object& vdd, const Principal& actor);
// The same, building the VDD first from the store.
Result<std::string> commit_vdd(storage::KvStore& store, storage::GitVault& vault,
                               const Release& release, const Principal& actor);

// What an RRR pass commits: the VDD and the vault change that holds it.
struct RrrVdd {
  boost::json::object vdd;
  VaultPlan plan;
};

// For ReleaseService::record_gate, gate "rrr" with verdict "pass", before its write, with
// `reviewed` the release as record_gate read it: re-reads the release and refuses with conflict
// "vdd-mismatch" when its contents differ from `reviewed` (the RRR would pass on content nobody
// reviewed); otherwise returns the VDD and its vault change, which record_gate commits through a
// vault intent with its write. Inside the write, check_vdd_current(result.vdd, r) closes the
// window between this call and the write. Errors: not_found, conflict.
Result<RrrVdd> vdd_for_rrr(storage::KvStore& store, const Release& reviewed,
                           const Principal& actor);

// conflict "vdd-mismatch" when `vdd` no longer describes `current`; ok otherwise.
Status check_vdd_current(const boost::json::object& vdd, const Release& current);

}  // namespace tollgate::server
