// FileSystem: the operating-system calls under the files the server writes, behind one seam.
//
// FsBlobStore (storage/fs_blob_store.hpp) makes every OS call through this interface, and so do
// the server's own files (signing keys, TLS key and certificate) through write_file_atomically
// below, so that tests can substitute a double that fails on demand (short writes, fsync
// failure, ENOSPC on the Nth write, rename failure; tests/support/faulty_file_system.hpp).
// Besides those few files, no layer above storage/ sees paths or file descriptors.
//
// Every call mirrors its POSIX namesake, retries EINTR itself and returns 0 on success or the
// errno value of the failure (never -1); results go to out-parameters. Implementations must be
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::storage {

// Owns one file descriptor and closes it when it goes. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the current descriptor (errors ignored: nothing durable depends on close) and owns fd.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// How a file is opened. Every mode sets O_CLOEXEC.
enum class OpenMode {
  read,       // O_RDONLY
  create,     // O_RDWR | O_APPEND | O_CREAT | O_EXCL, permissions 0600; EEXIST if it exists
  append,     // O_RDWR | O_APPEND on an existing file
  directory,  // O_RDONLY | O_DIRECTORY, for fsync of a directory
};

struct FileInfo {
  std::uint64_t size = 0;
  Micros modified = 0;  // st_mtim
  unsigned mode = 0;    // permission bits only
  bool regular = false;
  bool directory = false;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual int open(const std::string& path, OpenMode mode, UniqueFd* out) = 0;
  // One write(2): *written may be less than size (a short write); the caller loops.
  virtual int write(int fd, const char* data, std::size_t size, std::size_t* written) = 0;
  // One pread(2): *got may be less than size; 0 at end of file.
  virtual int pread(int fd, char* data, std::size_t size, std::uint64_t offset,
                    std::size_t* got) = 0;
  virtual int fsync(int fd) = 0;
  // Starts writing back the dirty pages of [offset, offset + length) without waiting
  // (sync_file_range SYNC_FILE_RANGE_WRITE): a later fsync then has less left to wait for.
  // Only a hint; durability still needs fsync. Fakes may ignore it.
  virtual int start_writeback(int /*fd*/, std::uint64_t /*offset*/, std::uint64_t /*length*/) {
    return 0;
  }
  virtual int fchmod(int fd, unsigned mode) = 0;
  virtual int fstat(int fd, FileInfo* out) = 0;
  virtual int stat(const std::string& path, FileInfo* out) = 0;
  virtual int rename(const std::string& from, const std::string& to) = 0;
  virtual int unlink(const std::string& path) = 0;
  // Creates one directory with permissions 0700 (owner only); EEXIST when it exists.
  virtual int mkdir(const std::string& path) = 0;
  // Names in a directory, without "." and "..", in no particular order.
  virtual int list_dir(const std::string& path, std::vector<std::string>* names) = 0;
};

// The process-wide POSIX implementation.
FileSystem& real_file_system();

// True for the errors that mean "the disk (or the quota) is full": ENOSPC, EDQUOT.
bool is_space_error(int err);

// The Status for a failed OS call: storage_full for ENOSPC/EDQUOT, io otherwise; the message
// names the operation, the path and the errno text ("fsync /data/blobs/tmp/x: I/O error").
Status os_error(int err, std::string_view op, std::string_view path);

// fsync of a directory, so that the entries created, renamed or removed in it are durable.
// Errors: as os_error.
Status sync_directory(FileSystem& fs, const std::string& dir);

// Creates `dir` and its missing parents; a directory this call creates gets `mode`, an existing
// one is left as it is. Errors: as os_error; io when a component exists but is no directory.
Status make_directories(FileSystem& fs, const std::string& dir, unsigned mode);

// The one atomic file write of Tollgate's server: `contents` becomes the whole of dir/name
// through the temporary dir/.name.tmp (a stale one from a crash is removed first), created 0600
// and then given `mode`, written, fsynced, renamed over dir/name, and dir fsynced. A crash leaves
// the old file or the new one, never a torn one, and a secret is never readable by others, not
// even briefly. Not for concurrent writers of the same name. Errors: as os_error; the temporary
// is removed on any error.
Status write_file_atomically(FileSystem& fs, const std::string& dir, const std::string& name,
                             std::string_view contents, unsigned mode);

}  // namespace tollgate::storage
