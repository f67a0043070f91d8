#include "storage/file_system.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace tollgate::storage {
namespace {

// Runs a call that returns -1 and sets errno on failure, retrying EINTR; returns 0 or errno.
template <typename Call>
int retry(Call&& call) {
  for (;;) {
    if (call() != -1) return 0;
    if (errno != EINTR) return errno;
  }
}

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::read:
      return O_RDONLY | O_CLOEXEC;
    case OpenMode::create:
      return O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC;
    case OpenMode::append:
      return O_RDWR | O_APPEND | O_CLOEXEC;
    case OpenMode::directory:
      return O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  }
  return O_RDONLY | O_CLOEXEC;
}

FileInfo to_info(const struct stat& st) {
  FileInfo info;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.modified = static_cast<Micros>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
  info.mode = st.st_mode & 07777;
  info.regular = S_ISREG(st.st_mode);
  info.directory = S_ISDIR(st.st_mode);
  return info;
}

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

class PosixFileSystem final : public FileSystem {
 public:
  int open(const std::string& path, OpenMode mode, UniqueFd* out) override {
    int fd = -1;
    const int err = retry([&] { return fd = ::open(path.c_str(), open_flags(mode), 0600); });
    if (err == 0) out->reset(fd);
    return err;
  }

  int write(int fd, const char* data, std::size_t size, std::size_t* written) override {
    ssize_t n = 0;
    const int err = retry([&] { return n = ::write(fd, data, size); });
    *written = err == 0 ? static_cast<std::size_t>(n) : 0;
    return err;
  }

  int pread(int fd, char* data, std::size_t size, std::uint64_t offset, std::size_t* got) override {
    ssize_t n = 0;
    const int err = retry([&] { return n = ::pread(fd, data, size, static_cast<off_t>(offset)); });
    *got = err == 0 ? static_cast<std::size_t>(n) : 0;
    return err;
  }

  int fsync(int fd) override {
    return retry([&] { return ::fsync(fd); });
  }
  int start_writeback(int fd, std::uint64_t offset, std::uint64_t length) override {
    return retry([&] {
      return ::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                               SYNC_FILE_RANGE_WRITE);
    });
  }
  int fchmod(int fd, unsigned mode) override {
    return retry([&] { return ::fchmod(fd, static_cast<mode_t>(mode)); });
  }

  int fstat(int fd, FileInfo* out) override {
    struct stat st {};
    const int err = retry([&] { return ::fstat(fd, &st); });
    if (err == 0) *out = to_info(st);
    return err;
  }

  int stat(const std::string& path, FileInfo* out) override {
    struct stat st {};
    const int err = retry([&] { return ::stat(path.c_str(), &st); });
    if (err == 0) *out = to_info(st);
    return err;
  }

  int rename(const std::string& from, const std::string& to) override {
    return retry([&] { return ::rename(from.c_str(), to.c_str()); });
  }
  int unlink(const std::string& path) override {
    return retry([&] { return ::unlink(path.c_str()); });
  }
  int mkdir(const std::string& path) override {
    return retry([&] { return ::mkdir(path.c_str(), 0700); });
  }

  int list_dir(const std::string& path, std::vector<std::string>* names) override {
    std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
    if (!dir) return errno;
    names->clear();
    for (;;) {
      errno = 0;
      // readdir is safe on a stream no other thread uses (glibc); readdir_r is deprecated.
      const dirent* entry = ::readdir(dir.get());  // NOLINT(concurrency-mt-unsafe)
      if (entry == nullptr) return errno;
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names->emplace_back(name);
    }
  }
};

}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

FileSystem& real_file_system() {
  static PosixFileSystem fs;
  return fs;
}

bool is_space_error(int err) { return err == ENOSPC || err == EDQUOT; }

Status os_error(int err, std::string_view op, std::string_view path) {
  char buffer[256];
  const char* text = strerror_r(err, buffer, sizeof buffer);  // the GNU variant
  std::string message = fmt::format("{} {}: {}", op, path, text);
  if (is_space_error(err)) return {Code::storage_full, std::move(message)};
  return io_error(std::move(message));
}

Status sync_directory(FileSystem& fs, const std::string& dir) {
  UniqueFd fd;
  int err = fs.open(dir, OpenMode::directory, &fd);
  if (err == 0) err = fs.fsync(fd.get());
  return err == 0 ? Status() : os_error(err, "fsync directory", dir);
}

Status make_directories(FileSystem& fs, const std::string& dir, unsigned mode) {
  std::vector<std::string> dirs;  // missing parents first
  for (std::size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1))
    dirs.push_back(dir.substr(0, slash));
  dirs.push_back(dir);
  for (const std::string& path : dirs) {
    FileInfo info;
    if (fs.stat(path, &info) == 0) {
      if (!info.directory) return io_error(fmt::format("{} is not a directory", path));
      continue;
    }
    if (const int err = fs.mkdir(path); err != 0 && err != EEXIST)
      return os_error(err, "mkdir", path);
    UniqueFd fd;
    int err = fs.open(path, OpenMode::directory, &fd);
    if (err == 0) err = fs.fchmod(fd.get(), mode);
    if (err != 0) return os_error(err, "chmod", path);
  }
  return {};
}

namespace {

Status write_all(FileSystem& fs, int fd, std::string_view contents, const std::string& path) {
  while (!contents.empty()) {
    std::size_t written = 0;
    if (const int err = fs.write(fd, contents.data(), contents.size(), &written); err != 0)
      return os_error(err, "write", path);
    contents.remove_prefix(written);
  }
  return {};
}

}  // namespace

Status write_file_atomically(FileSystem& fs, const std::string& dir, const std::string& name,
                             std::string_view contents, unsigned mode) {
  const std::string temporary = fmt::format("{}/.{}.tmp", dir, name);
  const std::string target = fmt::format("{}/{}", dir, name);
  if (const int err = fs.unlink(temporary); err != 0 && err != ENOENT)
    return os_error(err, "unlink", temporary);
  UniqueFd fd;
  if (const int err = fs.open(temporary, OpenMode::create, &fd); err != 0)
    return os_error(err, "create", temporary);
  Status st;
  if (const int err = fs.fchmod(fd.get(), mode); err != 0) st = os_error(err, "chmod", temporary);
  if (st.ok()) st = write_all(fs, fd.get(), contents, temporary);
  if (const int err = st.ok() ? fs.fsync(fd.get()) : 0; err != 0)
    st = os_error(err, "fsync", temporary);
  fd.reset();
  if (const int err = st.ok() ? fs.rename(temporary, target) : 0; err != 0)
    st = os_error(err, fmt::format("rename {} to", temporary), target);
  if (!st.ok()) {
    fs.unlink(temporary);
    return st;
  }
  return sync_directory(fs, dir);
}

}  // namespace tollgate::storage
