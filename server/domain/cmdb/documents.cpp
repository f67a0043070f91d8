#include "server/domain/cmdb/documents.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/cmdb/document_index.hpp"
#include "server/domain/cmdb/document_text.hpp"
#include "server/domain/cmdb/document_vault.hpp"
#include "server/domain/cmdb/documents_detail.hpp"
#include "server/domain/crypto.hpp"
#include "server/domain/tables/cmdb_tables.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using documents_detail::describe;
using storage::Table;

namespace {

// ASCII only, whatever the locale.
bool is_hex(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}

bool is_commit_id(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), is_hex);
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
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
  });
  if (!allowed) return bad("only letters, digits, '.', '_' and '-' (no '/', no spaces)");
  if (name.find("..") != std::string_view::npos) return bad("must not contain '..'");
  if (!is_ascii_alnum(name.front())) return bad("must start with a letter or digit");
  if (name.back() == '.') return bad("must not end with '.'");
  return {};
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

std::optional<Document> DocumentService::record(const std::string& ci,
                                                const std::string& name) const {
  std::optional<Document> out;
  const Status read = store_.read([&](storage::ReadTxn& txn) {
    if (auto stored = tables::kDocuments.get(txn, {ci, name}))
      out = document_record_from_json(*stored);
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
    TG_ASSIGN_OR_RETURN(*versions,
                        count_versions(vault_, document_vault_path(version.ci, version.name),
                                       version.revision.commit));
  }
  const std::string value = document_record_json(Document{version, *versions}, clock_.now());
  const tables::DocumentKey key{version.ci, version.name};
  return store_.write([&](storage::WriteTxn& txn) {
    tables::kDocuments.put(txn, key, value);
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
    revision = ascii_lower(*at);
  } else {
    TG_ASSIGN_OR_RETURN(revision, vault_head(vault_));
  }
  const std::string path = document_vault_path(ci, name);
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
  out.version = document_version_of(ci, name, std::move(*latest), out.content);
  return out;
}

Result<Document> DocumentService::derive(const std::string& ci, const std::string& name,
                                         const std::string& head) const {
  const std::string path = document_vault_path(ci, name);
  TG_ASSIGN_OR_RETURN(auto latest, latest_at(vault_, path, head));
  if (!latest) return not_found(fmt::format("no {}", describe(ci, name)));
  TG_ASSIGN_OR_RETURN(const std::string content, vault_.read(path, head));
  TG_ASSIGN_OR_RETURN(const std::uint64_t versions, count_versions(vault_, path, head));
  return Document{document_version_of(ci, name, std::move(*latest), content), versions};
}

Result<std::map<std::string, Document>> DocumentService::records_of(const std::string& ci) const {
  std::map<std::string, Document> records;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    tables::kDocuments.scan(txn, tables::DocumentKey::prefix(ci),
                            [&](const tables::DocumentKey& key, std::string_view value) {
                              if (auto d = document_record_from_json(value))
                                records.emplace(key.name, *d);
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
  const std::string path = document_vault_path(ci, name);
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
    out.items.push_back(document_revision_of(r));
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
    rows.emplace_back(tables::DocumentKey{d.latest.ci, d.latest.name}.encode(),
                      document_record_json(d, now));
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
