#include "cli/local_file.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::cli;
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t entries(const tollgate::testing::TempDir& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("PendingFile: hidden while written, in place after commit") {
  tollgate::testing::TempDir dir;
  const std::string final_path = dir.file("app.tar.gz");
  auto file = PendingFile::create(final_path);
  REQUIRE_MESSAGE(file.ok(), file.status().to_string());
  CHECK(fs::path(file->temp_path()).parent_path() == dir.path());
  CHECK(fs::path(file->temp_path()).filename().string().starts_with(".app.tar.gz.tollgate-"));
  REQUIRE(file->write("hello ").ok());
  REQUIRE(file->write("world").ok());
  CHECK_FALSE(fs::exists(final_path));
  REQUIRE(file->commit().ok());
  CHECK(read_all(final_path) == "hello world");
  CHECK(entries(dir) == 1);
  struct stat info {};
  REQUIRE(stat(final_path.c_str(), &info) == 0);
  const mode_t mask = umask(0);
  umask(mask);
  CHECK((info.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("PendingFile: replaces an existing file only on commit") {
  tollgate::testing::TempDir dir;
  const std::string final_path = dir.file("f");
  std::ofstream(final_path) << "old";
  {
    auto file = PendingFile::create(final_path);
    REQUIRE(file.ok());
    REQUIRE(file->write("new").ok());
    // Destroyed without a commit: the old file stays, the temporary goes.
  }
  CHECK(read_all(final_path) == "old");
  CHECK(entries(dir) == 1);
  auto file = PendingFile::create(final_path);
  REQUIRE(file.ok());
  REQUIRE(file->write("new").ok());
  REQUIRE(file->commit().ok());
  CHECK(read_all(final_path) == "new");
}

TEST_CASE("PendingFile: discard removes the temporary; a missing directory is an error") {
  tollgate::testing::TempDir dir;
  auto file = PendingFile::create(dir.file("x"));
  REQUIRE(file.ok());
  const std::string temp = file->temp_path();
  CHECK(fs::exists(temp));
  file->discard();
  file->discard();
  CHECK_FALSE(fs::exists(temp));
  CHECK_FALSE(file->write("x").ok());
  CHECK_FALSE(file->commit().ok());

  auto nowhere = PendingFile::create(dir.file("no/such/dir/x"));
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.status().code() == Code::not_found);
}

TEST_CASE("InputFile: size, and what it refuses") {
  tollgate::testing::TempDir dir;
  std::ofstream(dir.file("five")) << "12345";
  auto five = InputFile::open(dir.file("five"));
  REQUIRE(five.ok());
  CHECK(five->size() == 5);
  CHECK(five->fd() >= 0);
  InputFile moved = std::move(five).value();
  CHECK(moved.size() == 5);
  CHECK(InputFile::open(dir.file("none")).status().code() == Code::not_found);
  CHECK(InputFile::open(dir.str()).status().code() == Code::invalid);
}

TEST_CASE("write_file_atomically replaces a file whole, with the mode asked for") {
  tollgate::testing::TempDir dir;
  const std::string path = dir.file("config.toml");
  std::ofstream(path) << "old";
  REQUIRE(write_file_atomically(path, "token = \"x\"\n", 0600).ok());
  CHECK(read_all(path) == "token = \"x\"\n");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(entries(dir) == 1);  // no temporary left behind

  REQUIRE(write_file_atomically(path, "").ok());
  CHECK(read_all(path).empty());
  CHECK(write_file_atomically(dir.file("missing/x.json"), "{}").code() == Code::not_found);
  CHECK(entries(dir) == 1);
}
