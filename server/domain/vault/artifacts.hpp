// ArtifactService: the release artifacts of CI versions, as immutable records that point at
// verified blobs.
//
// An artifact is (ci, version, file) -> sha256, size, media type, build info, who and when.
// Its bytes live in the BlobStore; its record and the blob's reverse index live in LMDB
// (Table::artifacts, Table::artifact_blobs), committed in one transaction only after the blob
// is durable. The same coordinate with the same digest is idempotent; with another digest it
// is refused. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/body_reader.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "storage/blob_store.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/coordinate.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Status reason of a deploy-by-checksum whose bytes the server does not have (not_found).
inline constexpr const char* kBlobUnknownReason = "blob-unknown";

// What the uploader tells about a build, from the X-Tollgate-* headers.
struct BuildInfo {
  std::string source_commit;
  std::string builder;
  std::string build_url;
};

struct ArtifactMeta {
  std::string media_type = "application/octet-stream";
  BuildInfo build;
};

struct Artifact {
  Coordinate coordinate;
  std::string sha256;  // hex
  std::uint64_t size = 0;
  std::string media_type;
  BuildInfo build;
  std::string created_by;
  Micros created_at = 0;

  boost::json::object to_json() const;
  static Result<Artifact> from_json(std::string_view text);
};

struct PutResult {
  Artifact artifact;
  bool created = false;  // false: the coordinate held these bytes already
};

// A version of a CI that has artifacts.
struct VersionSummary {
  std::string version;
  std::uint64_t files = 0;
  std::uint64_t size = 0;  // bytes over all files
  Micros created_at = 0;   // of its first artifact

  boost::json::object to_json() const;
};

// Checks of a new artifact against what is recorded, before any byte is read: the coordinate
// is valid, the CI exists, and the coordinate is free or holds the declared digest.
enum class Existing { none, same };

class ArtifactService {
 public:
  ArtifactService(storage::KvStore& store, storage::BlobStore& blobs, const Clock& clock);

  // Validates the coordinate and the CI; tells whether the coordinate already holds
  // `declared` (hex). Errors: invalid (name), not_found (no such CI), conflict (another digest
  // is stored there; the message names both, members() holds {"existing": "sha256:<hex>",
  // "declared": "sha256:<hex>"}).
  Result<Existing> precheck(const Coordinate& at, std::string_view declared);

  // Streams `body` into the blob store, verifies it against `declared` and records it.
  // Errors: those of precheck; invalid with reason digest-mismatch (nothing kept);
  // too_large / unavailable from the body; storage_full; io.
  Result<PutResult> put(const Coordinate& at, std::string_view declared, BodyReader& body,
                        const ArtifactMeta& meta, const Principal& actor);

  // Deploy by checksum: records `digest` at the coordinate when the blob is stored already.
  // Errors: not_found with reason blob-unknown when the bytes must be sent.
  Result<PutResult> deploy(const Coordinate& at, std::string_view digest, const ArtifactMeta& meta,
                           const Principal& actor);

  // Records a blob that was stored and verified by another path (a finished resumable upload).
  Result<PutResult> record(const Coordinate& at, const storage::BlobInfo& blob,
                           const ArtifactMeta& meta, const Principal& actor);

  Result<Artifact> get(const Coordinate& at);

  // The versions of a CI that have artifacts, in version order (byte order of the names).
  Result<Page<VersionSummary>> versions(const std::string& ci, const PageRequest& page);
  // The artifacts of one CI version, by file name.
  Result<Page<Artifact>> files(const std::string& ci, const std::string& version,
                               const PageRequest& page);

  // Opens the blob of a digest for serving. Errors: not_found; corrupt (reason corrupt-blob)
  // for a quarantined blob.
  Result<std::unique_ptr<storage::BlobReader>> open_blob(std::string_view digest);

 private:
  Result<PutResult> commit(const Coordinate& at, const storage::BlobInfo& blob,
                           const ArtifactMeta& meta, const Principal& actor);

  storage::KvStore& store_;
  storage::BlobStore& blobs_;
  const Clock& clock_;
};

// Reads the whole body into `upload`, in large chunks. Errors: those of the body and of the
// upload's write.
Status copy_body(BodyReader& body, storage::BlobUpload& upload);

}  // namespace tollgate::server
