// FsBlobStore: BlobStore on a local directory (DATA/blobs).
//
// Layout: ROOT/sha256/ab/cd/<64 hex> holds each blob, read-only, fanned out by its first four
// hex digits; ROOT/tmp/ holds uploads in progress; ROOT/quarantine/ holds blobs that failed
// verification. An upload is hashed while it is written to its temporary file, checked against
// the declared digest, made read-only, fsynced, renamed into place and its directory fsynced:
// a crash at any instant leaves either no blob or a complete one, plus at most a temporary file
// that the next open() removes.
//
// Thread-safe: any number of uploads, readers and calls at once. Each upload object is used by
// one caller at a time (see BlobUpload). Every OS call goes through a FileSystem
// (storage/file_system.hpp), which tests replace with one that fails on demand.
//
// Readers share open descriptors: the newest kOpenBlobCacheSize blobs opened keep theirs (blobs
// never change in place), so that serving a small file costs no open/fstat/close. A blob put in
// quarantine leaves the cache at once.
//
// One store per root: open() assumes no other process writes to ROOT (it removes temporaries
// it does not own). Named upload sessions are exclusive within this process only.
#pragma once

#include <memory>
#include <string>

#include "storage/blob_store.hpp"

namespace tollgate::storage {

class FileSystem;
class FsBlobCore;

struct FsBlobStoreOptions {
  std::string root;                   // DATA/blobs; created (with missing parents) if missing
  FileSystem* file_system = nullptr;  // not owned, must outlive the store; nullptr: the real one
  bool remove_temporaries = true;     // remove anonymous uploads a crash left behind, at open
};

class FsBlobStore final : public BlobStore {
 public:
  // Creates the layout if missing and, unless told otherwise, removes the temporary files of
  // interrupted anonymous uploads (named sessions are kept).
  // Errors: storage_full or io when a directory cannot be created or read.
  static Result<std::unique_ptr<FsBlobStore>> open(const FsBlobStoreOptions& options);

  ~FsBlobStore() override;
  FsBlobStore(const FsBlobStore&) = delete;
  FsBlobStore& operator=(const FsBlobStore&) = delete;

  Result<std::unique_ptr<BlobUpload>> begin() override;
  Result<std::unique_ptr<BlobUpload>> begin_upload(std::string_view session_id) override;
  Result<std::unique_ptr<BlobUpload>> open_upload(std::string_view session_id) override;
  Result<UploadSession> stat_upload(std::string_view session_id) override;
  Result<std::vector<UploadSession>> list_uploads() override;
  Status remove_upload(std::string_view session_id) override;

  Result<bool> contains(std::string_view digest) override;
  Result<std::uint64_t> size(std::string_view digest) override;
  Result<std::unique_ptr<BlobReader>> open(std::string_view digest) override;
  Status verify(std::string_view digest) override;
  Status for_each(const std::function<bool(const BlobInfo&)>& fn) override;
  Result<std::vector<std::string>> quarantined() override;

  // How many temporary files open() removed.
  std::size_t removed_temporaries() const { return removed_temporaries_; }

 private:
  explicit FsBlobStore(std::unique_ptr<FsBlobCore> core);
  Status remove_stale_temporaries();
  // not_found, or corrupt when the digest is in quarantine.
  Status missing(std::string_view digest);
  struct OpenFile;
  Result<OpenFile> open_file(std::string_view digest, bool cache = true);
  Status quarantine(std::string_view digest, std::string_view actual);

  std::unique_ptr<FsBlobCore> core_;
  std::size_t removed_temporaries_ = 0;
  class OpenCache;
  std::unique_ptr<OpenCache> open_cache_;
};

}  // namespace tollgate::storage
