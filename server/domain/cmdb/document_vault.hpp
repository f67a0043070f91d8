// How controlled documents are kept in the git vault (documents.hpp tells the whole story):
// document NAME of CI ID is the file `cis/ID/NAME`; each version is a commit whose message is a
// subject, the author's note, and a trailer paragraph "Media-Type: TYPE". These functions spell
// that format and ask the vault about a document's versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/domain/cmdb/documents.hpp"
#include "storage/git_vault.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// `cis/CI/NAME`.
std::string document_vault_path(std::string_view ci, std::string_view name);

// The subject of the commit that writes a version: "Add document NAME of CI ID" for the first,
// "Update document ..." after.
std::string document_commit_subject(bool first, std::string_view ci, std::string_view name);

// The commit message of a version: `message` (subject and note), then the trailer paragraph
// naming `media_type`.
std::string document_commit_message(std::string_view message, std::string_view media_type);

// A vault commit as a document revision: message without the trailer paragraph, media type from
// it (application/octet-stream when it names none or one that does not parse).
DocumentRevision document_revision_of(const storage::VaultRevision& revision);

// The version `revision` made, with the digest and size of its `content`.
DocumentVersion document_version_of(std::string_view ci, std::string_view name,
                                    DocumentRevision revision, std::string_view content);

// The main branch's head, or "" while the vault has no commit. Errors: those of the vault.
Result<std::string> vault_head(const storage::GitVault& vault);

// The revision that made the version of `path` current at commit `at`; nullopt when there is
// none (also when `at` does not exist). Errors: those of the vault.
Result<std::optional<DocumentRevision>> latest_at(const storage::GitVault& vault,
                                                  const std::string& path, const std::string& at);

// How many versions `path` had at `at` (commits that wrote it; removals do not count).
// Errors: those of the vault.
Result<std::uint64_t> count_versions(const storage::GitVault& vault, const std::string& path,
                                     const std::string& at);

}  // namespace tollgate::server
