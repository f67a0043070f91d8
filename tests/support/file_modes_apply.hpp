// FileModesApply: file permissions bind the calling thread, even when the tests run as root.
//
// Root ignores modes (CAP_DAC_OVERRIDE and friends), so a test that makes a directory read-only
// with chmod proves nothing there. For its lifetime this object drops CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH and CAP_FOWNER from the calling thread's effective capabilities (they stay
// permitted and are raised again at the end). Capabilities are per thread: work the code under
// test does on the calling thread (libgit2, blob reads) obeys the modes, while other threads
// (the LMDB writer) keep their rights. Not root: nothing to drop, modes apply already.
//
//   testing::FileModesApply modes;
//   if (!modes.ok()) return;  // the capabilities could not be dropped: MESSAGE says why
//   testing::ReadOnlyDirectories frozen(vault_dir / "objects");
#pragma once

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include <doctest/doctest.h>

namespace tollgate::testing {

class FileModesApply {
 public:
  FileModesApply() {
    if (geteuid() != 0) {
      ok_ = true;
      return;
    }
    if (!get(saved_)) return;
    Caps dropped = saved_;
    for (int cap : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER})
      dropped.data[0].effective &= ~(1U << static_cast<unsigned>(cap));
    ok_ = set(dropped);
    dropped_ = ok_;
  }
  ~FileModesApply() {
    if (dropped_) (void)set(saved_);
  }
  FileModesApply(const FileModesApply&) = delete;
  FileModesApply& operator=(const FileModesApply&) = delete;

  bool ok() const { return ok_; }

 private:
  struct Caps {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  };
  static bool get(Caps& caps) {
    if (syscall(SYS_capget, &caps.header, caps.data) == 0) return true;
    MESSAGE("skipped: capget: " << std::strerror(errno));
    return false;
  }
  static bool set(Caps& caps) {
    if (syscall(SYS_capset, &caps.header, caps.data) == 0) return true;
    MESSAGE("skipped: capset (file modes do not bind root here): " << std::strerror(errno));
    return false;
  }

  Caps saved_;
  bool ok_ = false;
  bool dropped_ = false;
};

// Every directory from `root` down is read-only for its owner (r-x: nothing can be created,
// renamed or removed in it) for the object's lifetime, and rwx again after.
class ReadOnlyDirectories {
 public:
  explicit ReadOnlyDirectories(std::filesystem::path root) : root_(std::move(root)) {
    set(std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  }
  ~ReadOnlyDirectories() { set(std::filesystem::perms::owner_all); }
  ReadOnlyDirectories(const ReadOnlyDirectories&) = delete;
  ReadOnlyDirectories& operator=(const ReadOnlyDirectories&) = delete;

 private:
  void set(std::filesystem::perms mode) {
    std::error_code ec;
    std::filesystem::permissions(root_, mode, ec);
    for (std::filesystem::recursive_directory_iterator it(root_, ec), end; !ec && it != end;
         it.increment(ec))
      if (it->is_directory(ec)) std::filesystem::permissions(it->path(), mode, ec);
  }

  std::filesystem::path root_;
};

}  // namespace tollgate::testing
