// Files on the CLI's side: artifacts read for pushing, and fetched artifacts written so that
// only verified bytes ever appear under their final name. Every file the CLI writes (artifacts,
// key files, baselines, its config and manifest cache) goes through PendingFile: the CLI's one
// atomic write (it never links storage/, where the server's is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::cli {

// A regular file open for reading. Move-only; closes its descriptor.
class InputFile {
 public:
  // Errors: not_found, invalid when it is not a regular file, io otherwise.
  static Result<InputFile> open(const std::string& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }

 private:
  InputFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// A file being written beside its final path under a hidden temporary name
// (".NAME.tollgate-XXXXXX" in the same directory), moved into place only by commit() and
// removed otherwise, also when the object goes without a commit. Move-only.
class PendingFile {
 public:
  // Creates the temporary file. Errors: not_found when the directory does not exist, io.
  static Result<PendingFile> create(const std::string& final_path);

  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&& other) noexcept;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();

  // Appends bytes. Errors: storage_full (ENOSPC, EDQUOT), io.
  Status write(std::string_view bytes);

  // Makes the file durable (fsync), gives it `mode` (by default the usual permissions, 0666
  // less the umask; the temporary is 0600 until then), renames it over the final path
  // (replacing a file there) and syncs the directory. Errors: storage_full, io; the temporary is
  // removed on any error.
  Status commit();
  Status commit(unsigned mode);

  // Removes the temporary file. Idempotent; a no-op after commit().
  void discard();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

 private:
  PendingFile(int fd, std::string temp_path, std::string final_path)
      : fd_(fd), temp_path_(std::move(temp_path)), final_path_(std::move(final_path)) {}
  void release();

  int fd_ = -1;
  std::string temp_path_;
  std::string final_path_;
};

// Writes `contents` as the whole of `path` through a PendingFile: readers see the old file or
// the new one, never a part of either. `mode` as PendingFile::commit (0600 for secrets).
// Errors: those of PendingFile::create, write and commit.
Status write_file_atomically(const std::string& path, std::string_view contents);
Status write_file_atomically(const std::string& path, std::string_view contents, unsigned mode);

}  // namespace tollgate::cli
