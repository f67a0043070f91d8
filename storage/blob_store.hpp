// BlobStore: content-addressed storage of artifact bytes, named by their SHA-256.
//
// Blobs are written once, verified while they stream in, and never change afterwards. The
// filesystem is today's backend (storage/fs_blob_store.hpp); an S3 backend comes later, so
// nothing here names paths or file descriptors.
//
// Digests are 64 lower-case hex characters without the "sha256:" prefix (is_sha256_hex in
// tollgate/digest.hpp; the HTTP layer strips and adds the prefix). Every call that takes a digest
// or an upload session id answers invalid for a malformed one, before touching storage.
//
// Durability contract: once BlobUpload::finish returns ok, the blob is complete and durable, and
// stays so however the process dies afterwards. Callers commit their metadata record (LMDB) only
// after that, so no record ever points at a missing or partial blob.
//
// Errors common to every call: storage_full when the disk or quota is full (ENOSPC, EDQUOT; the
// HTTP layer answers 507) and io for any other failure of the operating system, with the errno
// text in the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::storage {

// Status reasons (Status::reason) that the HTTP layer turns into problem types.
inline constexpr const char* kDigestMismatchReason = "digest-mismatch";  // with Code::invalid
inline constexpr const char* kCorruptBlobReason = "corrupt-blob";        // with Code::corrupt

// An upload session id chosen by the server: 1..128 characters of [A-Za-z0-9_-].
bool is_upload_session_id(std::string_view id);

// invalid (reason digest-mismatch), naming both digests; members() holds
// {"declared": "sha256:<hex>", "actual": "sha256:<hex>"}.
Status digest_mismatch_error(std::string_view declared, std::string_view actual);
// corrupt (reason corrupt-blob), naming the digest and what was found.
Status corrupt_blob_error(std::string_view digest, std::string_view detail);

struct BlobInfo {
  std::string digest;      // hex
  std::uint64_t size = 0;  // bytes
  bool created = false;    // from finish: false when identical bytes were stored already
};

// A named, resumable upload that has not been finished yet.
struct UploadSession {
  std::string id;
  std::uint64_t size = 0;  // bytes received so far
  Micros modified = 0;     // last append; the server expires sessions idle for too long
};

// One blob being stored. Not thread-safe: one caller at a time. The store that made it must
// outlive it.
//
// Any failure of write, sync or finish ends the upload and discards its bytes (a session too:
// its id is then unknown), so "storage_full" or "invalid" always mean nothing was kept.
// Destroying an unfinished anonymous upload discards it; destroying an unfinished session
// upload keeps its bytes for BlobStore::open_upload (only what sync() covered survives a crash).
class BlobUpload {
 public:
  virtual ~BlobUpload() = default;

  // Appends bytes and feeds them to the hash. Nothing is buffered beyond the call: memory
  // stays bounded whatever the blob's size. Short writes are retried until all is written.
  virtual Status write(std::string_view chunk) = 0;

  // Makes the bytes written so far durable (fsync) without finishing. For sessions, so that
  // what a request acknowledged survives a crash.
  virtual Status sync() = 0;

  // Finishes the upload: the digest of all bytes must equal expected_digest, otherwise invalid
  // (reason digest-mismatch, both digests in the message) and nothing is kept. On success the
  // blob is durable, read-only and visible to open(). If identical bytes were stored already
  // they are kept and this upload's copy is dropped (created = false). An error after the blob
  // reached its place (e.g. the directory fsync) can leave the blob present; its bytes are then
  // correct but the caller must not record it. The upload is over whatever the outcome.
  virtual Result<BlobInfo> finish(std::string_view expected_digest) = 0;

  // Like finish but stores whatever arrived and returns its digest, for callers that verify
  // the digest another way.
  virtual Result<BlobInfo> finish_unverified() = 0;

  // Discards the bytes (a session's too). Idempotent; a no-op on a finished upload.
  virtual Status abort() = 0;

  // Bytes written so far, including those of earlier requests of a session.
  virtual std::uint64_t size() const = 0;

  // The session id; empty for an anonymous upload.
  virtual const std::string& session_id() const = 0;
};

// Reads one stored blob. The bytes are those that were verified at ingest; a reader stays valid
// even if the blob is quarantined meanwhile. read_at may be called from several threads at once;
// read may not.
class BlobReader {
 public:
  virtual ~BlobReader() = default;

  virtual const std::string& digest() const = 0;
  virtual std::uint64_t size() const = 0;

  // Copies up to buffer.size() bytes from offset into buffer and returns how many; fewer only
  // at the end of the blob, 0 at or past it.
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) = 0;

  // Sequential read_at from the position after the previous read (starting at 0).
  virtual Result<std::size_t> read(std::span<char> buffer) = 0;

  // For zero-copy sending (sendfile): a read-only file descriptor of the blob, owned by the
  // reader and valid while it lives; -1 when the backend has none. Use it only with calls that
  // take an offset (pread, sendfile with an offset pointer): its file position is not defined.
  virtual int native_handle() const { return -1; }
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Starts an anonymous upload; it lives only as long as the returned object.
  virtual Result<std::unique_ptr<BlobUpload>> begin() = 0;

  // Starts a named upload that survives the returned object and restarts of the server.
  // Errors: conflict when a session with that id exists.
  virtual Result<std::unique_ptr<BlobUpload>> begin_upload(std::string_view session_id) = 0;

  // Reopens a named upload to append to it. Costs one read of the bytes so far (to resume the
  // hash), so keep an active session's upload object rather than reopening it per request.
  // Errors: not_found for an unknown session; conflict while another object has it open.
  virtual Result<std::unique_ptr<BlobUpload>> open_upload(std::string_view session_id) = 0;

  // How far a named upload got, without opening it. Errors: not_found.
  virtual Result<UploadSession> stat_upload(std::string_view session_id) = 0;

  // Every unfinished named upload, in id order.
  virtual Result<std::vector<UploadSession>> list_uploads() = 0;

  // Discards a named upload (an expired or cancelled one).
  // Errors: not_found; conflict while it is open.
  virtual Status remove_upload(std::string_view session_id) = 0;

  // Whether the blob is stored and servable (a quarantined blob is not).
  virtual Result<bool> contains(std::string_view digest) = 0;

  // The blob's size. Errors: not_found; corrupt (reason corrupt-blob) when it was quarantined.
  virtual Result<std::uint64_t> size(std::string_view digest) = 0;

  // Opens the blob for reading. Errors: not_found; corrupt (reason corrupt-blob) when it was
  // quarantined: such bytes are never served.
  virtual Result<std::unique_ptr<BlobReader>> open(std::string_view digest) = 0;

  // Re-hashes the stored bytes. On a mismatch the blob is moved to quarantine (it is then
  // neither contained nor served, until identical good bytes are uploaded again) and the call
  // answers corrupt with reason corrupt-blob. Errors: not_found; corrupt for a blob already in
  // quarantine.
  virtual Status verify(std::string_view digest) = 0;

  // Calls fn for every stored blob (not the quarantined ones) in digest order, until fn
  // returns false. Blobs stored during the walk may or may not be seen.
  virtual Status for_each(const std::function<bool(const BlobInfo&)>& fn) = 0;

  // Digests of the quarantined blobs, in order.
  virtual Result<std::vector<std::string>> quarantined() = 0;
};

}  // namespace tollgate::storage
