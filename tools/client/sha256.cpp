#include "client/sha256.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "tollgate/digest.hpp"

namespace tollgate::client {
namespace {

constexpr std::size_t kReadSize = std::size_t{1024} * 1024;

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

// Closes a file descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<FileDigest> sha256_fd(int fd, const ProgressCallback& progress) {
  struct stat info {};
  if (fstat(fd, &info) != 0) return io_error("cannot stat the file: " + errno_text());
  const auto total = static_cast<std::uint64_t>(info.st_size);
  Sha256Hasher hasher;
  std::vector<char> buffer(kReadSize);
  FileDigest result;
  if (progress) progress(0, total);
  for (;;) {
    const ssize_t n = pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(result.size));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read the file: " + errno_text());
    if (n == 0) break;
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    result.size += static_cast<std::uint64_t>(n);
    if (progress) progress(result.size, total);
  }
  TG_ASSIGN_OR_RETURN(result.sha256, hasher.hex_digest());
  return result;
}

Result<FileDigest> sha256_file(const std::string& path, const ProgressCallback& progress) {
  const ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const Code code = errno == ENOENT ? Code::not_found : Code::io;
    return Status(code, "cannot open " + path + ": " + errno_text());
  }
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return io_error("cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(info.st_mode)) return invalid(path + " is not a regular file");
  (void)posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto digest = sha256_fd(fd.get(), progress);
  if (!digest.ok()) return Status(digest.status().code(), path + ": " + digest.status().message());
  return digest;
}

}  // namespace tollgate::client
