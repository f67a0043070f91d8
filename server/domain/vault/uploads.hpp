// UploadService: resumable uploads of large artifacts, in the shape of the Docker registry's
// blob upload protocol (POST to start, PATCH chunks, PUT with the digest to finish).
//
// A session's bytes are a named upload of the BlobStore (a file that survives restarts); its
// record (owner, times) is a row of Table::uploads. Each PATCH is synced before it is
// acknowledged, so what the client was told it sent survives a crash; after a dropped
// connection the client asks how far the session got and continues from there. A session is
// gone once idle for longer than the configured expiry, or once its lifetime from its start is
// over however busy it is (a PATCH renews the idle expiry only); expire() then removes its
// bytes. Sessions and the bytes they hold are capped per user and in all (UploadLedger).
//
// An active session's upload object stays open in memory between requests, so that resuming
// the hash costs nothing; after a restart the first request reopens it (one read of the bytes
// so far). One request works on a session at a time; a concurrent one gets conflict.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/body_reader.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/metrics.hpp"
#include "server/domain/vault/artifacts.hpp"
#include "server/domain/vault/upload_ledger.hpp"
#include "storage/blob_store.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Status reason of a chunk that does not start where the session ends (416 with the Range).
inline constexpr const char* kRangeMismatchReason = "upload-range-mismatch";

// Upload files kept open between requests, at most (the least recently used is closed).
inline constexpr std::size_t kMaxOpenUploadFiles = 256;

struct UploadState {
  std::string id;
  std::uint64_t offset = 0;  // bytes received so far
  Micros expires_at = 0;     // the earlier of the idle expiry and the end of the lifetime
  std::string created_by;
  Micros created_at = 0;

  boost::json::object to_json() const;
};

class UploadService {
 public:
  // None owned; all must outlive the service. `metrics` counts refusals at the caps.
  UploadService(storage::KvStore& store, storage::BlobStore& blobs, ArtifactService& artifacts,
                const Clock& clock, const UploadLimits& limits, Metrics& metrics);

  // Starts a session owned by `actor`. Errors: too_many_requests "upload-sessions-per-user" or
  // "upload-sessions-full" (UploadLedger::open), those of the store.
  Result<UploadState> create(const Principal& actor);

  // How far a session got. Errors: not_found (unknown or expired), forbidden (someone else's).
  Result<UploadState> status(std::string_view id, const Principal& actor);

  // Appends `body` to the session. `first`, when given (from Content-Range), must equal the
  // session's current size. Errors: not_found, forbidden, conflict (another request is using
  // the session), invalid with reason upload-range-mismatch (the answer is 416 with the
  // session's state; members() holds {"offset": the session's size}), too_large (over the
  // artifact size), storage_full "upload-bytes-per-user" or unavailable "upload-bytes-full"
  // (UploadLedger::grow), and those of the body and the store. Bytes of a body cut off midway
  // are kept (synced) so that the client can continue after them.
  Result<UploadState> append(std::string_view id, std::optional<std::uint64_t> first,
                             BodyReader& body, const Principal& actor);

  // Appends `body` (possibly empty) and finishes the session as the artifact at `at` with the
  // declared digest, under the same checks as a plain upload. The session is over whatever the
  // outcome of the digest check (a mismatch discards it, as nothing of it can be kept).
  Result<PutResult> complete(std::string_view id, const Coordinate& at, std::string_view digest,
                             BodyReader& body, const ArtifactMeta& meta, const Principal& actor);

  // Cancels a session and removes its bytes.
  Status cancel(std::string_view id, const Principal& actor);

  // Removes expired sessions (idle since before now - expiry, or started before now -
  // lifetime), and session files without a record (left by a crash between the two). Returns
  // how many were removed.
  Result<std::size_t> expire();

  // What the live sessions hold in all. Errors: those of the store (loading the ledger).
  Result<UploadLedger::Usage> usage();

 private:
  struct Record;
  // The session's record, if it is live and `actor` may use it.
  Result<Record> load(const std::string& id, const Principal& actor);
  // Takes the session out for the length of one request.
  Result<std::unique_ptr<storage::BlobUpload>> checkout(std::string_view id, const Principal& actor,
                                                        UploadState& state);
  void checkin(const std::string& id, std::unique_ptr<storage::BlobUpload> upload);
  Status touch(const std::string& id, Micros now);
  // Removes the session's record and stops counting it.
  Status forget(const std::string& id);
  // Counts the live sessions in the ledger from their records, once.
  Status load_ledger();
  // `st`, counted in the metrics when it is a refusal at a cap.
  Status counted(Status st);

  storage::KvStore& store_;
  storage::BlobStore& blobs_;
  ArtifactService& artifacts_;
  const Clock& clock_;
  const UploadLimits limits_;
  Metrics& metrics_;
  std::mutex load_mu_;  // held while the ledger loads
  std::atomic<bool> ledger_loaded_{false};
  std::mutex mu_;  // guards the ledger, open_ and busy_
  UploadLedger ledger_;
  std::map<std::string, std::unique_ptr<storage::BlobUpload>, std::less<>> open_;  // idle, open
  std::map<std::string, bool, std::less<>> busy_;  // sessions a request is using now
};

}  // namespace tollgate::server
