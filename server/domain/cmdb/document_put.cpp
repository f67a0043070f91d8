// DocumentService::put: writing a document version to the vault under its preconditions, checked
// and committed under the vault's write lock, then indexed.
#include <algorithm>

#include <fmt/format.h>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/cmdb/document_text.hpp"
#include "server/domain/cmdb/document_vault.hpp"
#include "server/domain/cmdb/documents.hpp"
#include "server/domain/cmdb/documents_detail.hpp"
#include "server/domain/vault/vault_busy.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

using documents_detail::describe;

namespace {

Status stale(std::string message) {
  return Status(Code::precondition_failed, std::move(message)).with_reason("stale-document");
}

bool names(const std::vector<std::string>& commits, const std::string& commit) {
  return std::any_of(commits.begin(), commits.end(),
                     [&](const std::string& c) { return c == "*" || ascii_lower(c) == commit; });
}

Status check_precondition(const DocumentPrecondition& p,
                          const std::optional<DocumentRevision>& latest, const std::string& what) {
  if (latest && names(p.if_none_match, latest->commit))
    return stale(fmt::format("{} exists and its version is {}: If-None-Match refuses to replace it",
                             what, latest->commit));
  if (p.if_match.empty()) return {};
  if (!latest) return stale(fmt::format("{} does not exist, so If-Match cannot hold", what));
  if (names(p.if_match, latest->commit)) return {};
  return stale(fmt::format("{} changed: its version is now {}; read it again and retry", what,
                           latest->commit));
}

Status check_same_media_type(const DocumentRevision& latest, const std::string& media_type,
                             const std::string& what) {
  if (media_type == latest.media_type) return {};
  return Status(Code::conflict,
                fmt::format("{} already has this content as {}; a new media type needs new content",
                            what, latest.media_type))
      .with_reason("media-type-mismatch");
}

}  // namespace

struct DocumentService::PutRequest {
  const std::string& ci;
  const std::string& name;
  const std::string& content;
  const std::optional<std::string>& media_type;
  const std::string& note;
  const DocumentPrecondition& precondition;
  const storage::VaultAuthor& author;
  const std::optional<std::string>& rfc;
};

Result<PutOutcome> DocumentService::put(const std::string& ci, const std::string& name,
                                        const DocumentWrite& write,
                                        const DocumentPrecondition& precondition,
                                        const Principal& actor) {
  TG_RETURN_IF_ERROR(check_document_name(name));
  if (write.content.empty()) return invalid("the document is empty: send its content");
  TG_ASSIGN_OR_RETURN(const std::string note, normalise_note(write.note));
  std::optional<std::string> media_type;
  if (write.media_type) {
    TG_ASSIGN_OR_RETURN(media_type, normalise_media_type(*write.media_type));
  }
  if (write.rfc && !is_slug(*write.rfc))
    return invalid(fmt::format("rfc: '{}' is not the id of an RFC", printable(*write.rfc)));
  TG_RETURN_IF_ERROR(check_ci(ci, true, write.rfc));
  const storage::VaultAuthor author{actor.name, actor.name + "@tollgate"};
  const PutRequest request{ci,   name,         write.content, media_type,
                           note, precondition, author,        write.rfc};

  std::lock_guard lock(put_mutex_);
  Result<PutOutcome> outcome = put_once(request);
  if (!outcome.ok()) return vault_busy(outcome.status());
  return outcome;
}

Result<PutOutcome> DocumentService::put_once(const PutRequest& r) {
  const std::string path = document_vault_path(r.ci, r.name);
  const std::string what = describe(r.ci, r.name);
  std::optional<DocumentRevision> latest;
  std::string type;
  std::string message;
  PutOutcome out;
  const auto plan =
      [&](const std::string& head) -> Result<std::optional<storage::GitVault::PlannedCommit>> {
    TG_ASSIGN_OR_RETURN(latest, latest_at(vault_, path, head));
    TG_RETURN_IF_ERROR(check_precondition(r.precondition, latest, what));
    type = r.media_type ? *r.media_type : latest ? latest->media_type : guess_media_type(r.name);
    if (latest) {
      TG_ASSIGN_OR_RETURN(const std::string current, vault_.read(path, head));
      if (current == r.content) {  // nothing to commit: the same version again
        TG_RETURN_IF_ERROR(check_same_media_type(*latest, type, what));
        out.version = document_version_of(r.ci, r.name, *latest, current);
        return std::optional<storage::GitVault::PlannedCommit>();
      }
    } else {
      TG_RETURN_IF_ERROR(check_collision(r.ci, r.name, head));
    }
    message = document_commit_subject(!latest, r.ci, r.name);
    if (r.rfc) message += " under " + *r.rfc;
    audit_note(fmt::format("/api/v1/cis/{}/documents/{}", r.ci, r.name), message);
    if (!r.note.empty()) message += "\n\n" + r.note;
    storage::GitVault::PlannedCommit commit;
    commit.changes.writes[path] = r.content;
    commit.message = document_commit_message(message, type);
    return std::optional<storage::GitVault::PlannedCommit>(std::move(commit));
  };
  TG_ASSIGN_OR_RETURN(storage::CommitInfo commit, vault_.commit_planned(plan, r.author));
  if (!commit.created) {
    out.indexed = index(out.version, std::nullopt, &out.versions).ok();
    return out;
  }
  DocumentRevision revision{commit.id,   commit.blobs[path], r.author.name, r.author.email,
                            commit.time, std::move(message), type};
  out.version = document_version_of(r.ci, r.name, std::move(revision), r.content);
  out.first = !latest;
  out.committed = true;
  out.indexed = index(out.version, latest ? latest->commit : std::string(), &out.versions).ok();
  return out;
}

// Names that differ only in case would overwrite each other in a clone on a case-insensitive
// file system (macOS, Windows): refuse the second one.
Status DocumentService::check_collision(const std::string& ci, const std::string& name,
                                        const std::string& head) const {
  if (head.empty()) return {};
  auto entries = vault_.list(fmt::format("cis/{}", ci), head);
  if (!entries && entries.status().code() == Code::not_found) return {};
  if (!entries) return entries.status();
  const std::string folded = ascii_lower(name);
  for (const auto& e : *entries)
    if (e.name != name && ascii_lower(e.name) == folded)
      return Status(Code::conflict, fmt::format("CI '{}' has a document '{}' already; names that "
                                                "differ only in case are refused",
                                                ci, e.name))
          .with_reason("document-name-collision");
  return {};
}

}  // namespace tollgate::server
