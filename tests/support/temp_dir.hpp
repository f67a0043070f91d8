// A temporary directory removed with everything in it when the object goes (kept when the
// environment variable TOLLGATE_TEST_KEEP is set, for looking at what a failed test left).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tollgate::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "tollgate-test-") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!mkdtemp(pattern.data())) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    if (std::getenv("TOLLGATE_TEST_KEEP")) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tollgate::testing
