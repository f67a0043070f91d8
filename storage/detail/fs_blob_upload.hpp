// FsBlobUpload: BlobUpload on a temporary file of the filesystem blob store. Private to storage/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fs_blob_core.hpp"
#include "storage/blob_store.hpp"
#include "storage/file_system.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::storage {

class FsBlobUpload final : public BlobUpload {
 public:
  // Creates the temporary file of a new upload: anonymous when session_id is empty, else the
  // session's file (conflict when it exists or is open). The id must be valid.
  static Result<std::unique_ptr<FsBlobUpload>> create(FsBlobCore& core, std::string session_id);

  // Reopens a session's file and re-hashes the bytes it holds. The id must be valid.
  // Errors: not_found, conflict while it is open elsewhere in this process.
  static Result<std::unique_ptr<FsBlobUpload>> resume(FsBlobCore& core, std::string session_id);

  ~FsBlobUpload() override;
  FsBlobUpload(const FsBlobUpload&) = delete;
  FsBlobUpload& operator=(const FsBlobUpload&) = delete;

  Status write(std::string_view chunk) override;
  Status sync() override;
  Result<BlobInfo> finish(std::string_view expected_digest) override;
  Result<BlobInfo> finish_unverified() override;
  Status abort() override;
  std::uint64_t size() const override { return size_; }
  const std::string& session_id() const override { return session_id_; }

 private:
  FsBlobUpload(FsBlobCore& core, std::string session_id, std::string path);

  Status rehash_existing();
  Result<BlobInfo> complete(std::optional<std::string_view> expected_digest);
  // Ends the upload with an error: the file goes, and every later call answers `error`.
  Status fail(Status error);
  void end(Status later);

  FsBlobCore& core_;
  const std::string session_id_;
  const std::string path_;
  UniqueFd fd_;
  Sha256Hasher hasher_;
  std::uint64_t size_ = 0;
  std::uint64_t written_back_ = 0;  // bytes whose writeback has been started
  bool open_ = true;                // false once finished, aborted or failed
  bool claimed_ = false;            // holds the session's claim in core_
  Status ended_;                    // what calls after the end answer
};

}  // namespace tollgate::storage
