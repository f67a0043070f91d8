// FaultyFileSystem: the real file system, except where a test tells it to fail.
//
//   FaultyFileSystem fs;
//   fs.fail(FaultyFileSystem::Op::write, ENOSPC, /*skip=*/2);  // the 3rd write fails
//   fs.limit_writes(7);                                         // every write is short
#pragma once

#include <array>
#include <cstddef>
#include <mutex>

#include "storage/file_system.hpp"

namespace tollgate::testing {

class FaultyFileSystem final : public storage::FileSystem {
 public:
  enum class Op { open, write, pread, fsync, fchmod, fstat, stat, rename, unlink, mkdir, list_dir };
  static constexpr std::size_t kOps = 11;

  // Lets `skip` further calls of op through, then fails the next `times` with errno err
  // (times < 0: every one after). Replaces an earlier rule for op.
  void fail(Op op, int err, int skip = 0, int times = 1) {
    std::lock_guard lock(mu_);
    rules_[index(op)] = Rule{err, skip, times};
  }
  // Every write writes at most n bytes (0: no limit), as a full pipe or a signal would.
  void limit_writes(std::size_t n) {
    std::lock_guard lock(mu_);
    max_write_ = n;
  }
  void clear() {
    std::lock_guard lock(mu_);
    rules_ = {};
    max_write_ = 0;
  }
  // Calls of op so far, failed ones included.
  int calls(Op op) const {
    std::lock_guard lock(mu_);
    return calls_[index(op)];
  }

  int open(const std::string& path, storage::OpenMode mode, storage::UniqueFd* out) override {
    if (const int err = check(Op::open)) return err;
    return real().open(path, mode, out);
  }
  int write(int fd, const char* data, std::size_t size, std::size_t* written) override {
    *written = 0;
    if (const int err = check(Op::write)) return err;
    std::size_t limit = 0;
    {
      std::lock_guard lock(mu_);
      limit = max_write_;
    }
    return real().write(fd, data, limit != 0 && size > limit ? limit : size, written);
  }
  int pread(int fd, char* data, std::size_t size, std::uint64_t offset, std::size_t* got) override {
    *got = 0;
    if (const int err = check(Op::pread)) return err;
    return real().pread(fd, data, size, offset, got);
  }
  int fsync(int fd) override {
    if (const int err = check(Op::fsync)) return err;
    return real().fsync(fd);
  }
  int fchmod(int fd, unsigned mode) override {
    if (const int err = check(Op::fchmod)) return err;
    return real().fchmod(fd, mode);
  }
  int fstat(int fd, storage::FileInfo* out) override {
    if (const int err = check(Op::fstat)) return err;
    return real().fstat(fd, out);
  }
  int stat(const std::string& path, storage::FileInfo* out) override {
    if (const int err = check(Op::stat)) return err;
    return real().stat(path, out);
  }
  int rename(const std::string& from, const std::string& to) override {
    if (const int err = check(Op::rename)) return err;
    return real().rename(from, to);
  }
  int unlink(const std::string& path) override {
    if (const int err = check(Op::unlink)) return err;
    return real().unlink(path);
  }
  int mkdir(const std::string& path) override {
    if (const int err = check(Op::mkdir)) return err;
    return real().mkdir(path);
  }
  int list_dir(const std::string& path, std::vector<std::string>* names) override {
    if (const int err = check(Op::list_dir)) return err;
    return real().list_dir(path, names);
  }

 private:
  struct Rule {
    int err = 0;
    int skip = 0;
    int times = 0;
  };
  static std::size_t index(Op op) { return static_cast<std::size_t>(op); }
  static storage::FileSystem& real() { return storage::real_file_system(); }

  // Counts the call; returns the errno to fail it with, or 0.
  int check(Op op) {
    std::lock_guard lock(mu_);
    ++calls_[index(op)];
    Rule& rule = rules_[index(op)];
    if (rule.err == 0 || rule.times == 0) return 0;
    if (rule.skip > 0) {
      --rule.skip;
      return 0;
    }
    if (rule.times > 0) --rule.times;
    return rule.err;
  }

  mutable std::mutex mu_;
  std::array<Rule, kOps> rules_{};
  std::array<int, kOps> calls_{};
  std::size_t max_write_ = 0;
};

}  // namespace tollgate::testing
