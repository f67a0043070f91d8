// Controlled documents of CIs (build instructions, test plans, back-out procedures, VDDs, ...),
// each version a commit in the git vault.
//
// Where they live: document NAME of CI ID is the file `cis/ID/NAME` on the vault's main branch.
// Every version is one ordinary commit whose author is the acting token ("NAME <NAME@tollgate>")
// and whose message reads "Add document NAME of CI ID" (first version) or "Update document ...",
// then the author's note, then a trailer paragraph "Media-Type: TYPE" that keeps the version's
// media type in git. A `git clone` of the vault therefore holds everything about every version:
// content, author, time, note and media type; `git log -- cis/ID/NAME` is the document's history.
//
// Git is the truth, LMDB an index. After a commit the service records the document in
// Table::documents (key `ID \0 NAME`; JSON: ci, name, commit, blob, sha256, size, media_type,
// updated_by, updated_at, versions, indexed_at) in one KvStore::write. A failed commit writes
// nothing. When that write fails after the commit, the document is nonetheless committed: get()
// and history() read only the vault, list() trusts a record only while its blob id equals the
// vault's, and the next put() of the document (even an unchanged one) or rebuild_index() writes
// the record again. (One gap: if index writes failed for two versions in a row and the second
// restored the content of the version indexed, list() shows that older commit and author until
// then.) Deleting Table::documents and calling rebuild_index() loses nothing.
//
// Cost: finding a document's newest version walks the main branch's first parents back to the
// commit that wrote it (GitVault::history), one tree lookup per commit; version counts come from
// the index, or from a walk of the document's whole history when the index cannot say.
//
// Threads: every method may be called from any thread. Puts are serialized by a mutex of the
// service, and each commit is conditional on the vault head it was planned on (retried when an
// unrelated commit moved the head), so a put never replaces a version it did not see, also when
// a writer outside Tollgate commits to the vault.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/cmdb/media_types.hpp"  // the media types of versions, for callers
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

constexpr std::size_t kMaxDocumentName = 128;

// A document name is a file name: 1..128 characters of [A-Za-z0-9._-], starting with a letter or
// digit, not ending with '.', and without "..". So it can never leave `cis/ID/`, hide as a dot
// file, or mean something else to a shell or to git. Errors: invalid, naming the rule broken.
Status check_document_name(std::string_view name);

// One commit that made a version of a document, as the history lists it.
struct DocumentRevision {
  std::string commit;      // 40-hex id of the commit
  std::string blob;        // git blob id of the content; empty when this commit removed it
  std::string author;      // the token that wrote it (the commit's author name)
  std::string email;       // the commit's author email
  Micros time = 0;         // commit time; git keeps whole seconds
  std::string message;     // the commit message without Tollgate's trailer paragraph
  std::string media_type;  // from the trailer; application/octet-stream when there is none

  // {commit, blob, author, email, time, message, media_type}
  boost::json::object to_json() const;
};

// A version and the digest of its content.
struct DocumentVersion {
  std::string ci;
  std::string name;
  DocumentRevision revision;
  std::string sha256;  // lower-case hex of the content
  std::uint64_t size = 0;

  // The revision's fields plus ci, name, sha256 and size.
  boost::json::object to_json() const;
};

struct DocumentContent {
  DocumentVersion version;
  std::string content;
};

// A document's newest version and how many versions it has: a list item and the LMDB record.
struct Document {
  DocumentVersion latest;
  std::uint64_t versions = 0;

  // {ci, name, commit, blob, sha256, size, media_type, updated_by, updated_at, versions}
  boost::json::object to_json() const;
};

// What a put writes.
struct DocumentWrite {
  std::string content;                    // the complete new content; must not be empty
  std::optional<std::string> media_type;  // nullopt: the current version's, or a guess
  std::string note;                       // the author's message (may be empty, may be lines)
  std::optional<std::string> rfc;         // authorises a change of a controlled CI's documents
};

// Conditions on the document's current version, from If-Match / If-None-Match: commit ids
// (compared case-insensitively) or "*" for any version.
struct DocumentPrecondition {
  std::vector<std::string> if_match;       // the newest version must be one of these
  std::vector<std::string> if_none_match;  // the newest version must be none of these
};

struct PutOutcome {
  DocumentVersion version;  // the new version, or the current one when nothing changed
  bool first = false;       // this put created the document
  bool committed = false;   // false: the content was already the current version's (no commit)
  std::uint64_t versions = 0;
  bool indexed = true;  // false: committed, but the LMDB record could not be written (see top)
};

class DocumentService {
 public:
  // None owned; all must outlive the service. `clock` stamps index records (indexed_at); commit
  // times come from the vault's own clock.
  DocumentService(storage::KvStore& store, storage::GitVault& vault, const Clock& clock)
      : store_(store), vault_(vault), clock_(clock) {}

  // Writes a new version of document `name` of CI `ci`, committed by `actor`. Writing the current
  // content again commits nothing (committed = false), so a retried request is harmless.
  // Errors: invalid (name, media type, note, empty content); not_found (no CI); conflict (reason
  // "ci-disposed"; "document-name-collision": another document's name differs from `name` only
  // in case; "media-type-mismatch": the current content again with another media type);
  // precondition_failed (reason "stale-document"); unavailable (reason "vault-busy": the vault
  // kept moving or stayed locked); io, corrupt.
  Result<PutOutcome> put(const std::string& ci, const std::string& name, const DocumentWrite& write,
                         const DocumentPrecondition& precondition, const Principal& actor);

  // The newest version, or the one current at `at` (a full 40-hex commit id, or the id of an
  // annotated tag such as a baseline). Errors: invalid (name, malformed `at`); not_found (no CI,
  // no such commit, or no such document there).
  Result<DocumentContent> get(const std::string& ci, const std::string& name,
                              const std::optional<std::string>& at = std::nullopt) const;

  // The CI's documents by name, each as the vault has it now (metadata from the index while it is
  // current). The cursor is the last name of the previous page. Errors: not_found (no CI).
  Result<Page<Document>> list(const std::string& ci, const PageRequest& page) const;

  // The document's versions, newest first. The cursor is the commit of the previous page's last
  // version; pages stay stable while new versions are written. Errors: invalid (name, cursor);
  // not_found (no CI, or no such document now).
  Result<Page<DocumentRevision>> history(const std::string& ci, const std::string& name,
                                         const PageRequest& page) const;

  // Rewrites Table::documents from the vault: a record for every document on the main branch,
  // none for anything else. Returns how many documents were indexed. Errors: io, corrupt,
  // storage_full.
  Result<std::size_t> rebuild_index();

 private:
  struct PutRequest;
  // Checks and commits under the vault's write lock (GitVault::commit_planned), then indexes.
  Result<PutOutcome> put_once(const PutRequest& request);
  // The CI exists; for a write also: not disposed, and if controlled, `rfc` authorises it.
  Status check_ci(const std::string& ci, bool for_write,
                  const std::optional<std::string>& rfc = std::nullopt) const;
  Status check_collision(const std::string& ci, const std::string& name,
                         const std::string& head) const;
  std::optional<Document> record(const std::string& ci, const std::string& name) const;
  // The readable records of the CI's documents by name.
  Result<std::map<std::string, Document>> records_of(const std::string& ci) const;
  // The document as the vault has it at commit `head`, with its version count.
  Result<Document> derive(const std::string& ci, const std::string& name,
                          const std::string& head) const;
  Result<std::vector<Document>> all_documents(const std::string& head) const;
  // Makes the record of `version` current and sets *versions. `replaced` is the commit of the
  // version this one replaced ("" for a first version), nullopt when `version` is not new.
  Status index(const DocumentVersion& version, const std::optional<std::string>& replaced,
               std::uint64_t* versions);

  storage::KvStore& store_;
  storage::GitVault& vault_;
  const Clock& clock_;
  std::mutex put_mutex_;
};

}  // namespace tollgate::server
