#include "server/domain/cmdb/document_vault.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "server/domain/cmdb/media_types.hpp"
#include "server/domain/crypto.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {

namespace {

constexpr std::string_view kMediaTypeTrailer = "Media-Type: ";

// Splits Tollgate's trailer paragraph off a commit message: `text` is what precedes it.
void split_message(std::string_view message, std::string* text, std::string* media_type) {
  *text = std::string(message);
  *media_type = kDefaultMediaType;
  const auto gap = message.rfind("\n\n");
  if (gap == std::string_view::npos) return;
  std::string_view rest = message.substr(gap + 2);
  std::optional<std::string_view> found;
  while (!rest.empty()) {
    const auto end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos || !is_http_token(line.substr(0, colon))) return;
    if (line.starts_with(kMediaTypeTrailer)) found = line.substr(kMediaTypeTrailer.size());
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  if (!found) return;
  auto type = normalise_media_type(*found);
  if (type) *media_type = std::move(type).value();
  *text = std::string(message.substr(0, gap));
}

}  // namespace

std::string document_vault_path(std::string_view ci, std::string_view name) {
  return fmt::format("cis/{}/{}", ci, name);
}

std::string document_commit_subject(bool first, std::string_view ci, std::string_view name) {
  return fmt::format("{} document {} of CI {}", first ? "Add" : "Update", name, ci);
}

std::string document_commit_message(std::string_view message, std::string_view media_type) {
  return fmt::format("{}\n\n{}{}", message, kMediaTypeTrailer, media_type);
}

DocumentRevision document_revision_of(const storage::VaultRevision& r) {
  DocumentRevision out{r.commit, r.object, r.author.name, r.author.email, r.time, {}, {}};
  split_message(r.message, &out.message, &out.media_type);
  return out;
}

DocumentVersion document_version_of(std::string_view ci, std::string_view name,
                                    DocumentRevision revision, std::string_view content) {
  return DocumentVersion{std::string(ci), std::string(name), std::move(revision),
                         sha256_hex(content), content.size()};
}

Result<std::string> vault_head(const storage::GitVault& vault) {
  auto head = vault.head();
  if (!head && head.status().code() == Code::not_found) return std::string();
  return head;
}

Result<std::optional<DocumentRevision>> latest_at(const storage::GitVault& vault,
                                                  const std::string& path, const std::string& at) {
  auto blob = vault.blob_id(path, at);
  if (!blob && blob.status().code() == Code::not_found) return std::optional<DocumentRevision>();
  if (!blob) return blob.status();
  TG_ASSIGN_OR_RETURN(const auto revisions, vault.history(path, 1, at));
  if (revisions.empty()) return std::optional<DocumentRevision>();
  return std::optional<DocumentRevision>(document_revision_of(revisions.front()));
}

Result<std::uint64_t> count_versions(const storage::GitVault& vault, const std::string& path,
                                     const std::string& at) {
  TG_ASSIGN_OR_RETURN(const auto revisions, vault.history(path, 0, at));
  return static_cast<std::uint64_t>(std::count_if(revisions.begin(), revisions.end(),
                                                  [](const auto& r) { return !r.object.empty(); }));
}

}  // namespace tollgate::server
