#include "storage/file_system.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using namespace tollgate::testing;
using Op = FaultyFileSystem::Op;
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

std::size_t entries(const TempDir& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("write_file_atomically replaces a file whole, with its mode, leaving no temporary") {
  TempDir dir;
  std::ofstream(dir.file("index.json")) << "old";
  std::ofstream(dir.file(".index.json.tmp")) << "stale, from a crash";
  REQUIRE(write_file_atomically(real_file_system(), dir.str(), "index.json", "new\n", 0640).ok());
  CHECK(read_all(dir.file("index.json")) == "new\n");
  CHECK(mode_of(dir.file("index.json")) == 0640);
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: a failure at any step keeps the old file and no temporary") {
  TempDir dir;
  std::ofstream(dir.file("key.pem")) << "old";
  FaultyFileSystem files;
  SUBCASE("short writes are completed") {
    files.limit_writes(3);
    REQUIRE(write_file_atomically(files, dir.str(), "key.pem", "0123456789", 0600).ok());
    CHECK(read_all(dir.file("key.pem")) == "0123456789");
    return;
  }
  SUBCASE("ENOSPC at write") { files.fail(Op::write, ENOSPC); }
  SUBCASE("EIO at fsync") { files.fail(Op::fsync, EIO); }
  SUBCASE("EIO at fchmod") { files.fail(Op::fchmod, EIO); }
  SUBCASE("EIO at rename") { files.fail(Op::rename, EIO); }
  const Status st = write_file_atomically(files, dir.str(), "key.pem", "new", 0600);
  REQUIRE_FALSE(st.ok());
  CHECK((st.code() == Code::io || st.code() == Code::storage_full));
  CHECK(st.message().find("key.pem") != std::string::npos);
  CHECK(read_all(dir.file("key.pem")) == "old");
  CHECK(entries(dir) == 1);
}

TEST_CASE("make_directories creates missing parents with the mode, and refuses a file") {
  TempDir dir;
  const std::string nested = dir.file("a/b/c");
  REQUIRE(make_directories(real_file_system(), nested, 0700).ok());
  CHECK(fs::is_directory(nested));
  CHECK(mode_of(nested) == 0700);
  CHECK(mode_of(dir.file("a")) == 0700);
  CHECK(make_directories(real_file_system(), nested, 0755).ok());  // existing: left alone
  CHECK(mode_of(nested) == 0700);

  std::ofstream(dir.file("file")) << "x";
  CHECK(make_directories(real_file_system(), dir.file("file/sub"), 0700).code() == Code::io);
  FaultyFileSystem files;
  files.fail(Op::mkdir, ENOSPC);
  CHECK(make_directories(files, dir.file("new"), 0700).code() == Code::storage_full);
}
