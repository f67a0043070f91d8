#include "server/domain/vault/artifacts.hpp"

#include "server/domain/audit/audit_log.hpp"

#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/tables/vault_tables.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

constexpr std::size_t kCopyChunk = 1024 * 1024;

std::string string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Drains the body through a hasher without storing it: for a re-upload of bytes the
// coordinate already holds, which must still be the declared bytes.
Result<std::string> hash_body(BodyReader& body) {
  Sha256Hasher hasher;
  BodyBuffer buffer(body, kCopyChunk);
  for (;;) {
    TG_ASSIGN_OR_RETURN(std::size_t n, body.read(buffer.span()));
    if (n == 0) break;
    hasher.update(std::string_view(buffer.data(), n));
  }
  return hasher.hex_digest();
}

}  // namespace

json::object Artifact::to_json() const {
  json::object o;
  o["ci"] = coordinate.ci;
  o["version"] = coordinate.version;
  o["file"] = coordinate.file;
  o["sha256"] = sha256;
  o["size"] = size;
  o["media_type"] = media_type;
  json::object b;
  if (!build.source_commit.empty()) b["source_commit"] = build.source_commit;
  if (!build.builder.empty()) b["builder"] = build.builder;
  if (!build.build_url.empty()) b["build_url"] = build.build_url;
  o["build"] = std::move(b);
  o["created_by"] = created_by;
  o["created_at"] = format_rfc3339(created_at);
  return o;
}

Result<Artifact> Artifact::from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "an artifact record is not a JSON object");
  const auto& o = v.as_object();
  Artifact a;
  a.coordinate = {string_field(o, "ci"), string_field(o, "version"), string_field(o, "file")};
  a.sha256 = string_field(o, "sha256");
  const json::value* size = o.if_contains("size");
  if (!size || !size->is_number() || !is_sha256_hex(a.sha256))
    return Status(Code::corrupt, "an artifact record lacks its digest or size");
  a.size = size->to_number<std::uint64_t>();
  a.media_type = string_field(o, "media_type");
  if (const json::value* b = o.if_contains("build"); b && b->is_object()) {
    a.build.source_commit = string_field(b->as_object(), "source_commit");
    a.build.builder = string_field(b->as_object(), "builder");
    a.build.build_url = string_field(b->as_object(), "build_url");
  }
  a.created_by = string_field(o, "created_by");
  auto created = parse_rfc3339(string_field(o, "created_at"));
  a.created_at = created ? *created : 0;
  return a;
}

json::object VersionSummary::to_json() const {
  json::object o;
  o["version"] = version;
  o["files"] = files;
  o["size"] = size;
  o["created_at"] = format_rfc3339(created_at);
  return o;
}

Status copy_body(BodyReader& body, storage::BlobUpload& upload) {
  BodyBuffer buffer(body, kCopyChunk);
  for (;;) {
    TG_ASSIGN_OR_RETURN(std::size_t n, body.read(buffer.span()));
    if (n == 0) return {};
    TG_RETURN_IF_ERROR(upload.write(std::string_view(buffer.data(), n)));
  }
}

ArtifactService::ArtifactService(storage::KvStore& store, storage::BlobStore& blobs,
                                 const Clock& clock)
    : store_(store), blobs_(blobs), clock_(clock) {}

namespace {

// What a coordinate holds, inside a transaction: the CI must exist; the coordinate may be free
// or hold `digest`.
Result<Existing> check_in(storage::ReadTxn& txn, const Coordinate& at, std::string_view digest) {
  if (!txn.get(Table::cis, at.ci)) return not_found(fmt::format("CI '{}' does not exist", at.ci));
  auto record = tables::kArtifacts.get(txn, {at});
  if (!record) return Existing::none;
  TG_ASSIGN_OR_RETURN(Artifact existing, Artifact::from_json(*record));
  if (existing.sha256 == digest) return Existing::same;
  return conflict(fmt::format("{} already holds sha256:{}; refusing sha256:{} (artifacts are "
                              "immutable: publish a new version)",
                              at.to_string(), existing.sha256, digest))
      .with_members({{"existing", "sha256:" + existing.sha256},
                     {"declared", fmt::format("sha256:{}", digest)}});
}

}  // namespace

Result<Existing> ArtifactService::precheck(const Coordinate& at, std::string_view declared) {
  TG_RETURN_IF_ERROR(validate_artifact_coordinate(at.ci, at.version, at.file));
  Existing existing = Existing::none;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(existing, check_in(txn, at, declared));
    return {};
  }));
  return existing;
}

Result<PutResult> ArtifactService::put(const Coordinate& at, std::string_view declared,
                                       BodyReader& body, const ArtifactMeta& meta,
                                       const Principal& actor) {
  TG_ASSIGN_OR_RETURN(Existing existing, precheck(at, declared));
  TG_ASSIGN_OR_RETURN(bool stored, blobs_.contains(declared));
  if (existing == Existing::same && stored) {
    // Idempotent re-upload: the bytes must still be the declared ones, but need not be kept.
    // (When the stored blob was quarantined, the upload below brings good bytes back.)
    TG_ASSIGN_OR_RETURN(std::string actual, hash_body(body));
    if (actual != declared) return storage::digest_mismatch_error(declared, actual);
    TG_ASSIGN_OR_RETURN(Artifact artifact, get(at));
    return PutResult{std::move(artifact), false};
  }
  TG_ASSIGN_OR_RETURN(auto upload, blobs_.begin());
  TG_RETURN_IF_ERROR(copy_body(body, *upload));
  TG_ASSIGN_OR_RETURN(storage::BlobInfo blob, upload->finish(declared));
  return commit(at, blob, meta, actor);
}

Result<PutResult> ArtifactService::deploy(const Coordinate& at, std::string_view digest,
                                          const ArtifactMeta& meta, const Principal& actor) {
  TG_ASSIGN_OR_RETURN(Existing existing, precheck(at, digest));
  if (existing == Existing::same) {
    TG_ASSIGN_OR_RETURN(Artifact artifact, get(at));
    return PutResult{std::move(artifact), false};
  }
  auto size = blobs_.size(digest);
  if (!size && size.status().code() == Code::not_found)
    return not_found(fmt::format("no blob sha256:{} is stored: send the bytes", digest))
        .with_reason(kBlobUnknownReason);
  if (!size) return size.status();
  return commit(at, storage::BlobInfo{std::string(digest), *size, false}, meta, actor);
}

Result<PutResult> ArtifactService::record(const Coordinate& at, const storage::BlobInfo& blob,
                                          const ArtifactMeta& meta, const Principal& actor) {
  TG_RETURN_IF_ERROR(validate_artifact_coordinate(at.ci, at.version, at.file));
  return commit(at, blob, meta, actor);
}

Result<PutResult> ArtifactService::commit(const Coordinate& at, const storage::BlobInfo& blob,
                                          const ArtifactMeta& meta, const Principal& actor) {
  Artifact artifact;
  artifact.coordinate = at;
  artifact.sha256 = blob.digest;
  artifact.size = blob.size;
  artifact.media_type = meta.media_type;
  artifact.build = meta.build;
  artifact.created_by = actor.name;
  artifact.created_at = clock_.now();
  const std::string record = json::serialize(artifact.to_json());
  const tables::ArtifactKey key{at};
  const tables::ArtifactBlobKey index_key{blob.digest, at};

  bool created = false;
  std::string stored;
  audit_note(fmt::format("/api/v1/artifacts/{}/{}/{}", at.ci, at.version, at.file),
             fmt::format("stored artifact {} {} {}: {} bytes, sha256 {}", at.ci, at.version,
                         at.file, blob.size, blob.digest));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    created = false;
    TG_ASSIGN_OR_RETURN(Existing existing, check_in(txn, at, blob.digest));
    if (existing == Existing::same) {  // a concurrent upload of the same bytes won
      stored = std::string(*tables::kArtifacts.get(txn, key));
      return {};
    }
    tables::kArtifacts.put(txn, key, record);
    tables::kArtifactBlobs.put(txn, index_key, "");
    created = true;
    return {};
  }));
  if (!created) {
    TG_ASSIGN_OR_RETURN(Artifact existing, Artifact::from_json(stored));
    return PutResult{std::move(existing), false};
  }
  return PutResult{std::move(artifact), true};
}

Result<Artifact> ArtifactService::get(const Coordinate& at) {
  TG_RETURN_IF_ERROR(validate_artifact_coordinate(at.ci, at.version, at.file));
  std::string record;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    auto value = tables::kArtifacts.get(txn, {at});
    if (!value) return not_found(fmt::format("no artifact {}", at.to_string()));
    record = std::string(*value);
    return {};
  }));
  return Artifact::from_json(record);
}

Result<Page<VersionSummary>> ArtifactService::versions(const std::string& ci,
                                                       const PageRequest& page) {
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, ci));
  Page<VersionSummary> out;
  const std::string prefix = tables::ArtifactKey::prefix(ci);
  // Continue after every file of the last version seen.
  std::string from;
  if (!page.after.empty()) from = tables::ArtifactKey::after_version(ci, page.after);
  Status error;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    if (!txn.get(Table::cis, ci)) return not_found(fmt::format("CI '{}' does not exist", ci));
    tables::kArtifacts.scan(
        txn, prefix, from, [&](const tables::ArtifactKey& key, std::string_view value) {
          const std::string& version = key.at.version;
          auto artifact = Artifact::from_json(value);
          if (!artifact) {
            error = artifact.status();
            return false;
          }
          if (out.items.empty() || out.items.back().version != version) {
            if (out.items.size() == page.limit) {
              out.next_after = out.items.back().version;
              return false;
            }
            out.items.push_back({std::string(version), 0, 0, artifact->created_at});
          }
          auto& summary = out.items.back();
          ++summary.files;
          summary.size += artifact->size;
          summary.created_at = std::min(summary.created_at, artifact->created_at);
          return true;
        });
    return {};
  }));
  TG_RETURN_IF_ERROR(error);
  return out;
}

Result<Page<Artifact>> ArtifactService::files(const std::string& ci, const std::string& version,
                                              const PageRequest& page) {
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, ci));
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::version, version));
  Page<Artifact> out;
  const std::string prefix = tables::ArtifactKey::prefix(ci, version);
  std::string from;
  if (!page.after.empty())
    from = tables::key_after(tables::ArtifactKey{{ci, version, page.after}}.encode());
  Status error;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    if (!txn.get(Table::cis, ci)) return not_found(fmt::format("CI '{}' does not exist", ci));
    tables::kArtifacts.scan(txn, prefix, from,
                            [&](const tables::ArtifactKey&, std::string_view value) {
                              if (out.items.size() == page.limit) {
                                out.next_after = out.items.back().coordinate.file;
                                return false;
                              }
                              auto artifact = Artifact::from_json(value);
                              if (!artifact) {
                                error = artifact.status();
                                return false;
                              }
                              out.items.push_back(std::move(artifact).value());
                              return true;
                            });
    if (out.items.empty() && page.after.empty())
      return not_found(fmt::format("CI '{}' has no artifacts at version '{}'", ci, version));
    return {};
  }));
  TG_RETURN_IF_ERROR(error);
  return out;
}

Result<std::unique_ptr<storage::BlobReader>> ArtifactService::open_blob(std::string_view digest) {
  return blobs_.open(digest);
}

}  // namespace tollgate::server
