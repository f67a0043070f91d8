#include "server/documents.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/audit_log.hpp"
#include "server/cis.hpp"
#include "server/cmdb_model.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

constexpr std::string_view kMediaTypeTrailer = "Media-Type: ";
constexpr const char* kDefaultMediaType = "application/octet-stream";
// Reasons GitVault::commit gives for contention (see storage/git_vault.hpp).
constexpr const char* kHeadMoved = "vault-head-moved";
constexpr const char* kBranchLocked = "vault-branch-locked";
// Attempts of one put when unrelated commits keep moving the vault head under it.
constexpr int kMaxPutAttempts = 8;

// ASCII only, whatever the locale.
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_hex(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return is_alnum(c) || kSpecials.find(c) != kSpecials.npos;
  });
}

bool is_commit_id(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), is_hex);
}

// A name as error messages may echo it: printable ASCII only, at most 64 characters.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 64));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return s.size() > 64 ? out + "..." : out;
}

std::string vault_path(std::string_view ci, std::string_view name) {
  return fmt::format("cis/{}/{}", ci, name);
}

std::string record_key(std::string_view ci, std::string_view name) {
  std::string key(ci);
  key.push_back('\0');
  key += name;
  return key;
}

std::string describe(std::string_view ci, std::string_view name) {
  return fmt::format("document '{}' of CI '{}'", name, ci);
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80   ? 1
                          : c < 0xc2 ? 0
                          : c < 0xe0 ? 2
                          : c < 0xf0 ? 3
                          : c < 0xf5 ? 4
                                     : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    const auto next = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xe0 && next < 0xa0) || (c == 0xed && next > 0x9f) || (c == 0xf0 && next < 0x90) ||
        (c == 0xf4 && next > 0x8f))
      return false;
    i += n;
  }
  return true;
}

// The author's note: UTF-8, CR dropped, no other control characters but newline and tab, trimmed.
Result<std::string> normalise_note(std::string_view note) {
  if (note.size() > kMaxDocumentNote)
    return invalid(fmt::format("message: at most {} bytes", kMaxDocumentNote));
  if (!is_utf8(note)) return invalid("message: must be UTF-8");
  std::string out;
  for (const char c : note) {
    if (c == '\r') continue;
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return invalid("message: must not contain control characters");
    out.push_back(c);
  }
  const auto first = out.find_first_not_of(" \t\n");
  if (first == std::string::npos) return std::string();
  return out.substr(first, out.find_last_not_of(" \t\n") - first + 1);
}

std::string commit_subject(bool first, std::string_view ci, std::string_view name) {
  return fmt::format("{} document {} of CI {}", first ? "Add" : "Update", name, ci);
}

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
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return;
    if (line.starts_with(kMediaTypeTrailer)) found = line.substr(kMediaTypeTrailer.size());
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  if (!found) return;
  auto type = normalise_media_type(*found);
  if (type) *media_type = std::move(type).value();
  *text = std::string(message.substr(0, gap));
}

DocumentRevision revision_of(const storage::VaultRevision& r) {
  DocumentRevision out{r.commit, r.object, r.author.name, r.author.email, r.time, {}, {}};
  split_message(r.message, &out.message, &out.media_type);
  return out;
}

DocumentVersion version_of(std::string_view ci, std::string_view name, DocumentRevision revision,
                           std::string_view content) {
  return DocumentVersion{std::string(ci), std::string(name), std::move(revision),
                         sha256_hex(content), content.size()};
}

// The main branch's head, or "" while the vault has no commit.
Result<std::string> vault_head(const storage::GitVault& vault) {
  auto head = vault.head();
  if (!head && head.status().code() == Code::not_found) return std::string();
  return head;
}

// The revision that made the version of `path` current at commit `at`; nullopt when there is
// none (also when `at` does not exist).
Result<std::optional<DocumentRevision>> latest_at(const storage::GitVault& vault,
                                                  const std::string& path, const std::string& at) {
  auto blob = vault.blob_id(path, at);
  if (!blob && blob.status().code() == Code::not_found) return std::optional<DocumentRevision>();
  if (!blob) return blob.status();
  TG_ASSIGN_OR_RETURN(const auto revisions, vault.history(path, 1, at));
  if (revisions.empty()) return std::optional<DocumentRevision>();
  return std::optional<DocumentRevision>(revision_of(revisions.front()));
}

// How many versions `path` had at `at` (commits that wrote it; removals do not count).
Result<std::uint64_t> count_versions(const storage::GitVault& vault, const std::string& path,
                                     const std::string& at) {
  TG_ASSIGN_OR_RETURN(const auto revisions, vault.history(path, 0, at));
  return static_cast<std::uint64_t>(std::count_if(revisions.begin(), revisions.end(),
                                                  [](const auto& r) { return !r.object.empty(); }));
}

Status stale(std::string message) {
  return Status(Code::precondition_failed, std::move(message)).with_reason("stale-document");
}

bool names(const std::vector<std::string>& commits, const std::string& commit) {
  return std::any_of(commits.begin(), commits.end(),
                     [&](const std::string& c) { return c == "*" || lower(c) == commit; });
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

// Contention on the vault is transient: ask the client to retry instead of reporting a conflict.
Status vault_busy(Status status) {
  if (status.reason() != kHeadMoved && status.reason() != kBranchLocked) return status;
  return Status(Code::unavailable,
                fmt::format("the vault is busy, retry the request ({})", status.message()))
      .with_reason("vault-busy");
}

std::string record_json(const Document& d, Micros indexed_at) {
  json::object o = d.to_json();
  o["indexed_at"] = format_rfc3339(indexed_at);
  return json::serialize(o);
}

std::optional<Document> record_from_json(std::string_view stored) {
  boost::system::error_code ec;
  const json::value v = json::parse(stored, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) return std::nullopt;
  auto text = [&](std::string_view key) {
    const json::value* f = o->if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  auto number = [&](std::string_view key) -> std::uint64_t {
    const json::value* f = o->if_contains(key);
    if (f && f->is_uint64()) return f->get_uint64();
    if (f && f->is_int64() && f->get_int64() >= 0)
      return static_cast<std::uint64_t>(f->get_int64());
    return 0;
  };
  Document d;
  d.latest = DocumentVersion{text("ci"), text("name"),
                             DocumentRevision{text("commit"),
                                              text("blob"),
                                              text("updated_by"),
                                              {},
                                              parse_rfc3339(text("updated_at")).value_or(0),
                                              {},
                                              text("media_type")},
                             text("sha256"), number("size")};
  d.versions = number("versions");
  if (d.latest.revision.commit.empty() || d.latest.revision.blob.empty()) return std::nullopt;
  return d;
}

}  // namespace

Status check_document_name(std::string_view name) {
  auto bad = [&](std::string_view rule) {
    return invalid(fmt::format("document name '{}': {}", printable(name), rule));
  };
  if (name.empty()) return invalid("document name: must not be empty");
  if (name.size() > kMaxDocumentName)
    return bad(fmt::format("at most {} characters", kMaxDocumentName));
  const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '-';
  });
  if (!allowed) return bad("only letters, digits, '.', '_' and '-' (no '/', no spaces)");
  if (name.find("..") != std::string_view::npos) return bad("must not contain '..'");
  if (!is_alnum(name.front())) return bad("must start with a letter or digit");
  if (name.back() == '.') return bad("must not end with '.'");
  return {};
}

Result<std::string> normalise_media_type(std::string_view media_type) {
  const auto bad = [&] {
    return invalid(
        fmt::format("media type '{}': expected type/subtype[; name=value]", printable(media_type)));
  };
  if (media_type.size() > kMaxMediaType)
    return invalid(fmt::format("media type: at most {} characters", kMaxMediaType));
  if (std::any_of(media_type.begin(), media_type.end(),
                  [](char c) { return c < 0x20 || c > 0x7e; }))
    return bad();
  std::string_view rest = media_type;
  const auto semi = std::min(rest.find(';'), rest.size());
  const std::string_view essence = trim(rest.substr(0, semi));
  const auto slash = essence.find('/');
  if (slash == std::string_view::npos || !is_token(essence.substr(0, slash)) ||
      !is_token(essence.substr(slash + 1)))
    return bad();
  std::string out = lower(essence);
  rest.remove_prefix(semi);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // ';'
    const auto end = std::min(rest.find(';'), rest.size());
    const std::string_view param = trim(rest.substr(0, end));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !is_token(param.substr(0, eq)) || eq + 1 == param.size())
      return bad();
    out += fmt::format("; {}={}", lower(param.substr(0, eq)), param.substr(eq + 1));
    rest.remove_prefix(end);
  }
  return out;
}

std::string guess_media_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"md", "text/markdown; charset=utf-8"},
      {"markdown", "text/markdown; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"adoc", "text/asciidoc; charset=utf-8"},
      {"json", "application/json"},
      {"yaml", "application/yaml"},
      {"yml", "application/yaml"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"png", "image/png"},
      {"svg", "image/svg+xml"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
  }};
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return kDefaultMediaType;
  const std::string extension = lower(name.substr(dot + 1));
  for (const auto& [ext, type] : kTypes)
    if (ext == extension) return std::string(type);
  return kDefaultMediaType;
}

json::object DocumentRevision::to_json() const {
  json::object o;
  o["commit"] = commit;
  o["blob"] = blob.empty() ? json::value(nullptr) : json::value(blob);
  o["author"] = author;
  o["email"] = email;
  o["time"] = format_rfc3339(time);
  o["message"] = message;
  o["media_type"] = media_type;
  return o;
}

json::object DocumentVersion::to_json() const {
  json::object o;
  o["ci"] = ci;
  o["name"] = name;
  for (auto& kv : revision.to_json()) o[kv.key()] = kv.value();
  o["sha256"] = sha256;
  o["size"] = size;
  return o;
}

json::object Document::to_json() const {
  const DocumentRevision& r = latest.revision;
  json::object o;
  o["ci"] = latest.ci;
  o["name"] = latest.name;
  o["commit"] = r.commit;
  o["blob"] = r.blob;
  o["sha256"] = latest.sha256;
  o["size"] = latest.size;
  o["media_type"] = r.media_type;
  o["updated_by"] = r.author;
  o["updated_at"] = format_rfc3339(r.time);
  o["versions"] = versions ? json::value(versions) : json::value(nullptr);
  return o;
}

// --- the service -------------------------------------------------------------------------------

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
  for (int attempt = 1;; ++attempt) {
    Result<PutOutcome> outcome = put_once(request);
    if (outcome.ok()) return outcome;
    const Status status = outcome.status();
    if (status.reason() != kHeadMoved || attempt == kMaxPutAttempts) return vault_busy(status);
  }
}

Result<PutOutcome> DocumentService::put_once(const PutRequest& r) {
  const std::string path = vault_path(r.ci, r.name);
  TG_ASSIGN_OR_RETURN(const std::string head, vault_head(vault_));
  TG_ASSIGN_OR_RETURN(const auto latest, latest_at(vault_, path, head));
  TG_RETURN_IF_ERROR(check_precondition(r.precondition, latest, describe(r.ci, r.name)));
  const std::string type = r.media_type ? *r.media_type
                           : latest     ? latest->media_type
                                        : guess_media_type(r.name);
  PutOutcome out;
  if (latest) {
    TG_ASSIGN_OR_RETURN(const std::string current, vault_.read(path, head));
    if (current == r.content) {
      TG_RETURN_IF_ERROR(check_same_media_type(*latest, type, describe(r.ci, r.name)));
      out.version = version_of(r.ci, r.name, *latest, current);
      out.indexed = index(out.version, std::nullopt, &out.versions).ok();
      return out;
    }
  } else {
    TG_RETURN_IF_ERROR(check_collision(r.ci, r.name, head));
  }
  TG_ASSIGN_OR_RETURN(DocumentRevision revision, commit_version(r, head, !latest, type));
  out.version = version_of(r.ci, r.name, std::move(revision), r.content);
  out.first = !latest;
  out.committed = true;
  out.indexed = index(out.version, latest ? latest->commit : std::string(), &out.versions).ok();
  return out;
}

Result<DocumentRevision> DocumentService::commit_version(const PutRequest& r,
                                                         const std::string& head, bool first,
                                                         const std::string& media_type) {
  const std::string path = vault_path(r.ci, r.name);
  std::string message = commit_subject(first, r.ci, r.name);
  if (r.rfc) message += " under " + *r.rfc;
  audit_note(fmt::format("/api/v1/cis/{}/documents/{}", r.ci, r.name), message);
  if (!r.note.empty()) message += "\n\n" + r.note;
  storage::VaultChanges changes;
  changes.writes[path] = r.content;
  storage::CommitOptions options;
  options.expected_head = head;  // the version checked above must still be the current one
  TG_ASSIGN_OR_RETURN(
      storage::CommitInfo commit,
      vault_.commit(changes, r.author,
                    fmt::format("{}\n\n{}{}", message, kMediaTypeTrailer, media_type), options));
  if (!commit.created)  // cannot be, as the content differs; plan again rather than guess
    return conflict("the vault did not change").with_reason(kHeadMoved);
  return DocumentRevision{commit.id,   commit.blobs[path], r.author.name,          r.author.email,
                          commit.time, std::move(message), std::string(media_type)};
}

Status DocumentService::check_ci(const std::string& ci, bool for_write,
                                 const std::optional<std::string>& rfc) const {
  if (!is_slug(ci)) return not_found(fmt::format("no CI '{}'", printable(ci)));
  return store_.read([&](storage::ReadTxn& txn) {
    auto stored = txn.get(Table::cis, ci);
    if (!stored) return not_found(fmt::format("no CI '{}'", ci));
    if (!for_write) return Status();
    TG_ASSIGN_OR_RETURN(const Ci found, Ci::from_json(*stored));
    if (found.status == CiStatus::disposed)
      return Status(Code::conflict,
                    fmt::format("CI '{}' is disposed: its documents can no longer change", ci))
          .with_reason("ci-disposed");
    // Configuration control, read before the vault commit: an RFC that stops authorising the
    // change between the two is the same race as one closed just after the change.
    if (found.controlled) return check_change_control(txn, ci, rfc);
    return Status();
  });
}

// Names that differ only in case would overwrite each other in a clone on a case-insensitive
// file system (macOS, Windows): refuse the second one.
Status DocumentService::check_collision(const std::string& ci, const std::string& name,
                                        const std::string& head) const {
  if (head.empty()) return {};
  auto entries = vault_.list(fmt::format("cis/{}", ci), head);
  if (!entries && entries.status().code() == Code::not_found) return {};
  if (!entries) return entries.status();
  const std::string folded = lower(name);
  for (const auto& e : *entries)
    if (e.name != name && lower(e.name) == folded)
      return Status(Code::conflict, fmt::format("CI '{}' has a document '{}' already; names that "
                                                "differ only in case are refused",
                                                ci, e.name))
          .with_reason("document-name-collision");
  return {};
}

std::optional<Document> DocumentService::record(const std::string& ci,
                                                const std::string& name) const {
  std::optional<Document> out;
  const Status read = store_.read([&](storage::ReadTxn& txn) {
    if (auto stored = txn.get(Table::documents, record_key(ci, name)))
      out = record_from_json(*stored);
    return Status();
  });
  return read.ok() ? out : std::nullopt;
}

Status DocumentService::index(const DocumentVersion& version,
                              const std::optional<std::string>& replaced, std::uint64_t* versions) {
  const std::optional<Document> stored = record(version.ci, version.name);
  const DocumentRevision* known = stored ? &stored->latest.revision : nullptr;
  if (known && known->commit == version.revision.commit && known->blob == version.revision.blob &&
      stored->versions > 0) {
    *versions = stored->versions;
    return {};
  }
  if (known && replaced && known->commit == *replaced && stored->versions > 0) {
    *versions = stored->versions + 1;
  } else if (!stored && replaced && replaced->empty()) {
    *versions = 1;
  } else {
    TG_ASSIGN_OR_RETURN(*versions, count_versions(vault_, vault_path(version.ci, version.name),
                                                  version.revision.commit));
  }
  const std::string value = record_json(Document{version, *versions}, clock_.now());
  const std::string key = record_key(version.ci, version.name);
  return store_.write([&](storage::WriteTxn& txn) {
    txn.put(Table::documents, key, value);
    return Status();
  });
}

Result<DocumentContent> DocumentService::get(const std::string& ci, const std::string& name,
                                             const std::optional<std::string>& at) const {
  TG_RETURN_IF_ERROR(check_document_name(name));
  if (at && !is_commit_id(*at))
    return invalid(fmt::format("commit '{}' is not a full 40-hex commit id", printable(*at)));
  TG_RETURN_IF_ERROR(check_ci(ci, false));
  std::string revision;
  if (at) {
    revision = lower(*at);
  } else {
    TG_ASSIGN_OR_RETURN(revision, vault_head(vault_));
  }
  const std::string path = vault_path(ci, name);
  std::optional<DocumentRevision> latest;
  if (!revision.empty()) {
    TG_ASSIGN_OR_RETURN(latest, latest_at(vault_, path, revision));
  }
  if (!latest && at && !vault_.list("", revision).ok())
    return not_found(fmt::format("no commit {} in the vault", revision));
  if (!latest && at)
    return not_found(fmt::format("{} did not exist at commit {}", describe(ci, name), revision));
  if (!latest) return not_found(fmt::format("no {}", describe(ci, name)));
  DocumentContent out;
  TG_ASSIGN_OR_RETURN(out.content, vault_.read(path, revision));
  out.version = version_of(ci, name, std::move(*latest), out.content);
  return out;
}

Result<Document> DocumentService::derive(const std::string& ci, const std::string& name,
                                         const std::string& head) const {
  const std::string path = vault_path(ci, name);
  TG_ASSIGN_OR_RETURN(auto latest, latest_at(vault_, path, head));
  if (!latest) return not_found(fmt::format("no {}", describe(ci, name)));
  TG_ASSIGN_OR_RETURN(const std::string content, vault_.read(path, head));
  TG_ASSIGN_OR_RETURN(const std::uint64_t versions, count_versions(vault_, path, head));
  return Document{version_of(ci, name, std::move(*latest), content), versions};
}

Result<std::map<std::string, Document>> DocumentService::records_of(const std::string& ci) const {
  std::map<std::string, Document> records;
  const std::string prefix = record_key(ci, "");
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::documents, prefix, [&](std::string_view key, std::string_view value) {
      if (!key.starts_with(prefix)) return false;
      if (auto d = record_from_json(value)) records.emplace(key.substr(prefix.size()), *d);
      return true;
    });
    return Status();
  }));
  return records;
}

Result<Page<Document>> DocumentService::list(const std::string& ci, const PageRequest& page) const {
  TG_RETURN_IF_ERROR(check_ci(ci, false));
  TG_ASSIGN_OR_RETURN(const std::string head, vault_head(vault_));
  Page<Document> out;
  if (head.empty()) return out;
  auto entries = vault_.list(fmt::format("cis/{}", ci), head);
  if (!entries && entries.status().code() == Code::not_found) return out;
  if (!entries) return entries.status();
  TG_ASSIGN_OR_RETURN(const auto records, records_of(ci));
  for (const auto& e : *entries) {
    if (e.directory || !check_document_name(e.name).ok() || e.name <= page.after) continue;
    if (out.items.size() == page.limit) {
      out.next_after = out.items.back().latest.name;
      break;
    }
    const auto found = records.find(e.name);
    if (found != records.end() && found->second.latest.revision.blob == e.id) {
      out.items.push_back(found->second);  // the index is current for this document
      continue;
    }
    TG_ASSIGN_OR_RETURN(Document d, derive(ci, e.name, head));
    out.items.push_back(std::move(d));
  }
  return out;
}

Result<Page<DocumentRevision>> DocumentService::history(const std::string& ci,
                                                        const std::string& name,
                                                        const PageRequest& page) const {
  TG_RETURN_IF_ERROR(check_document_name(name));
  if (!page.after.empty() && !is_commit_id(page.after))
    return invalid("cursor is not one this server handed out");
  TG_RETURN_IF_ERROR(check_ci(ci, false));
  const std::string path = vault_path(ci, name);
  std::string start = page.after;
  if (start.empty()) {
    TG_ASSIGN_OR_RETURN(start, vault_head(vault_));
    if (start.empty() || !vault_.blob_id(path, start).ok())
      return not_found(fmt::format("no {}", describe(ci, name)));
  }
  // From a cursor the walk starts at the commit already shown: fetch one more and skip it.
  const std::size_t skip = page.after.empty() ? 0 : 1;
  auto revisions = vault_.history(path, page.limit + 1 + skip, start);
  if (!revisions && skip && revisions.status().code() == Code::not_found)
    return invalid("cursor is not one this server handed out");
  if (!revisions) return revisions.status();
  Page<DocumentRevision> out;
  for (std::size_t i = 0; i < revisions->size(); ++i) {
    const storage::VaultRevision& r = (*revisions)[i];
    if (i == 0 && skip && r.commit == page.after) continue;
    if (out.items.size() == page.limit) {
      out.next_after = out.items.back().commit;
      break;
    }
    out.items.push_back(revision_of(r));
  }
  return out;
}

Result<std::vector<Document>> DocumentService::all_documents(const std::string& head) const {
  std::vector<Document> docs;
  if (head.empty()) return docs;
  auto cis = vault_.list("cis", head);
  if (!cis && cis.status().code() == Code::not_found) return docs;
  if (!cis) return cis.status();
  for (const auto& dir : *cis) {
    if (!dir.directory || !is_slug(dir.name)) continue;
    TG_ASSIGN_OR_RETURN(const auto files, vault_.list(fmt::format("cis/{}", dir.name), head));
    for (const auto& file : files) {
      if (file.directory || !check_document_name(file.name).ok()) continue;
      TG_ASSIGN_OR_RETURN(Document d, derive(dir.name, file.name, head));
      docs.push_back(std::move(d));
    }
  }
  return docs;
}

Result<std::size_t> DocumentService::rebuild_index() {
  std::lock_guard lock(put_mutex_);  // no put may index meanwhile
  TG_ASSIGN_OR_RETURN(const std::string head, vault_head(vault_));
  TG_ASSIGN_OR_RETURN(const std::vector<Document> docs, all_documents(head));
  const Micros now = clock_.now();
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(docs.size());
  for (const Document& d : docs)
    rows.emplace_back(record_key(d.latest.ci, d.latest.name), record_json(d, now));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    std::vector<std::string> old;
    txn.scan(Table::documents, "", [&](std::string_view key, std::string_view) {
      old.emplace_back(key);
      return true;
    });
    for (const auto& key : old) txn.erase(Table::documents, key);
    for (const auto& [key, value] : rows) txn.put(Table::documents, key, value);
    return Status();
  }));
  return docs.size();
}

}  // namespace tollgate::server
