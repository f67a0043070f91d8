// FsBlobCore: the on-disk layout of the filesystem blob store and the durable steps that the
// store, its uploads and its readers share. Private to storage/fs_blob_*.cpp.
//
//   ROOT/sha256/ab/cd/<64 hex>   stored blobs, read-only for the owner only (0400; directories
//   0700); ab, cd = first four hex digits ROOT/tmp/anon.<pid>-<t>-<n>  anonymous uploads in
//   progress; removed at open ROOT/tmp/session.<id>        named (resumable) uploads; kept across
//   restarts ROOT/quarantine/<64 hex>     blobs that failed verification; never served
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "storage/file_system.hpp"
#include "tollgate/status.hpp"

namespace tollgate::storage {

class FsBlobCore {
 public:
  FsBlobCore(FileSystem& fs, std::string root);
  FsBlobCore(const FsBlobCore&) = delete;
  FsBlobCore& operator=(const FsBlobCore&) = delete;

  FileSystem& fs() const { return fs_; }
  const std::string& root() const { return root_; }
  const std::string& blobs_dir() const { return blobs_dir_; }
  const std::string& tmp_dir() const { return tmp_dir_; }
  const std::string& quarantine_dir() const { return quarantine_dir_; }

  // Paths of a (valid) digest or session id.
  std::string blob_path(std::string_view digest) const;
  std::string quarantine_path(std::string_view digest) const;
  std::string session_path(std::string_view id) const;
  // A fresh, unpredictable name for an anonymous upload.
  std::string anonymous_temp_path() const;
  // The session id of a file name in tmp/, or empty when it is not a session file.
  static std::string session_id_of(std::string_view file_name);

  // Creates ROOT (with missing parents), sha256/, tmp/ and quarantine/.
  Status make_layout() const;

  // fsync of a directory, so that entries created or renamed in it are durable.
  Status sync_dir(const std::string& dir) const;

  // Moves a complete, fsynced temporary file to the blob's place, creating the fan-out
  // directories (durably) first. Keeps an existing blob and drops the temporary instead.
  // Returns whether the blob is new. On error the temporary may still exist.
  Result<bool> install(const std::string& temp_path, std::string_view digest);

  // Marks a session open in this process; false when it is open already.
  bool claim_session(const std::string& id);
  void release_session(const std::string& id);

 private:
  Status ensure_blob_dirs(std::string_view digest);

  FileSystem& fs_;
  const std::string root_, blobs_dir_, tmp_dir_, quarantine_dir_;
  std::mutex dirs_mu_;  // creating a fan-out directory and fsyncing its parent is one step
  std::mutex sessions_mu_;
  std::set<std::string> open_sessions_;
};

}  // namespace tollgate::storage
