// restrict_to_owner, and the modes storage gives what it creates.
#include "storage/owner_only.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "storage/lmdb_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using tollgate::testing::TempDir;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

void make_file(const fs::path& path, fs::perms mode) {
  std::ofstream(path) << "x";
  fs::permissions(path, mode);
}

}  // namespace

TEST_CASE("restrict_to_owner removes group and other bits everywhere and keeps the owner's") {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  fs::create_directories(data / "blobs" / "ab");
  fs::permissions(data, fs::perms(0755));
  fs::permissions(data / "blobs", fs::perms(0775));
  fs::permissions(data / "blobs" / "ab", fs::perms(0755));
  make_file(data / "blobs" / "ab" / "blob", fs::perms(0444));
  make_file(data / "key.pem", fs::perms(0644));
  make_file(data / "private", fs::perms(0600));  // already the owner's: unchanged, not counted
  make_file(dir.path() / "outside", fs::perms(0644));
  fs::create_symlink(dir.path() / "outside", data / "link");

  auto changed = restrict_to_owner(data.string());
  REQUIRE_MESSAGE(changed.ok(), changed.status().to_string());
  CHECK(*changed == 5);
  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(data / "blobs") == 0700);
  CHECK(mode_of(data / "blobs" / "ab") == 0700);
  CHECK(mode_of(data / "blobs" / "ab" / "blob") == 0400);
  CHECK(mode_of(data / "key.pem") == 0600);
  CHECK(mode_of(data / "private") == 0600);
  CHECK(mode_of(dir.path() / "outside") == 0644);  // a link's target is not followed

  auto again = restrict_to_owner(data.string());
  REQUIRE(again.ok());
  CHECK(*again == 0);  // an owner-only tree is only walked
  CHECK(*restrict_to_owner((dir.path() / "missing").string()) == 0);
}

TEST_CASE("an LMDB environment's directory and files are the owner's alone") {
  TempDir dir;
  const fs::path db = dir.path() / "db";
  LmdbOptions options;
  options.path = db.string();
  auto store = LmdbStore::open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  CHECK(mode_of(db) == 0700);
  CHECK(mode_of(db / "data.mdb") == 0600);
  CHECK(mode_of(db / "lock.mdb") == 0600);
}
