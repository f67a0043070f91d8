#include "cli/local_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

namespace tollgate::cli {
namespace {

Status errno_status(const std::string& what) {
  const int error = errno;
  const Code code = error == ENOSPC || error == EDQUOT ? Code::storage_full
                    : error == ENOENT                  ? Code::not_found
                                                       : Code::io;
  return {code, what + ": " + std::error_code(error, std::generic_category()).message()};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The permissions a newly created file gets: 0666 less the process's umask.
mode_t default_file_mode() {
  // umask can only be read by setting it: set it back at once. The CLI is single-threaded.
  const mode_t mask = umask(0);  // NOLINT(concurrency-mt-unsafe)
  umask(mask);                   // NOLINT(concurrency-mt-unsafe)
  return 0666 & ~mask;
}

Status sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory " + directory);
  const int synced = fsync(fd);
  Status status = synced == 0 ? Status() : errno_status("cannot sync directory " + directory);
  ::close(fd);
  return status;
}

}  // namespace

Result<InputFile> InputFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open " + path);
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    Status status = errno_status("cannot stat " + path);
    close_fd(fd);
    return status;
  }
  if (!S_ISREG(info.st_mode)) {
    close_fd(fd);
    return invalid(path + " is not a regular file");
  }
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return InputFile(fd, static_cast<std::uint64_t>(info.st_size));
}

InputFile::InputFile(InputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    close_fd(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

InputFile::~InputFile() { close_fd(fd_); }

Result<PendingFile> PendingFile::create(const std::string& final_path) {
  const std::filesystem::path target(final_path);
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string name = ".";  // built by appends: g++ 12 at -O3 misreads "." + string as overlap
  name += target.filename().string();
  name += ".tollgate-XXXXXX";
  std::string pattern = (directory / name).string();
  const int fd = mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return errno_status("cannot create a temporary file in " + directory.string());
  return PendingFile(fd, std::move(pattern), final_path);
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      temp_path_(std::exchange(other.temp_path_, {})),
      final_path_(std::move(other.final_path_)) {}

PendingFile& PendingFile::operator=(PendingFile&& other) noexcept {
  if (this != &other) {
    discard();
    fd_ = std::exchange(other.fd_, -1);
    temp_path_ = std::exchange(other.temp_path_, {});
    final_path_ = std::move(other.final_path_);
  }
  return *this;
}

PendingFile::~PendingFile() { discard(); }

Status PendingFile::write(std::string_view bytes) {
  if (fd_ < 0) return internal_error("write to a finished PendingFile");
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("cannot write " + temp_path_);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status PendingFile::commit() { return commit(default_file_mode()); }

Status PendingFile::commit(unsigned mode) {
  if (fd_ < 0) return internal_error("commit of a finished PendingFile");
  Status status;
  if (fchmod(fd_, static_cast<mode_t>(mode)) != 0) {
    status = errno_status("cannot set the permissions of " + temp_path_);
  } else if (fsync(fd_) != 0) {
    status = errno_status("cannot sync " + temp_path_);
  } else if (::close(std::exchange(fd_, -1)) != 0) {
    status = errno_status("cannot close " + temp_path_);
  } else if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    status = errno_status("cannot rename " + temp_path_ + " to " + final_path_);
  }
  if (!status.ok()) {
    discard();
    return status;
  }
  release();
  const std::filesystem::path parent = std::filesystem::path(final_path_).parent_path();
  return sync_directory(parent.empty() ? "." : parent.string());
}

void PendingFile::discard() {
  close_fd(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void PendingFile::release() {
  close_fd(fd_);
  temp_path_.clear();
}

Status write_file_atomically(const std::string& path, std::string_view contents) {
  return write_file_atomically(path, contents, default_file_mode());
}

Status write_file_atomically(const std::string& path, std::string_view contents, unsigned mode) {
  TG_ASSIGN_OR_RETURN(PendingFile file, PendingFile::create(path));
  TG_RETURN_IF_ERROR(file.write(contents));
  return file.commit(mode);
}

}  // namespace tollgate::cli
