// The blob store under a file system that fails on demand: whatever fails, nothing partial is
// ever visible and no temporary file is left behind.
#include <doctest/doctest.h>

#include <cerrno>

#include "storage/fs_blob_store.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using namespace tollgate::testing;
using Op = FaultyFileSystem::Op;

namespace {

// What an upload that failed must leave: no blob, no temporary, nothing in quarantine.
void check_nothing_kept(const TempDir& dir, BlobStore& store, std::string_view digest) {
  CHECK(files_under(dir.path()).empty());
  auto contained = store.contains(digest);
  REQUIRE(contained.ok());
  CHECK_FALSE(*contained);
}

}  // namespace

TEST_CASE("short writes are retried until every byte is written") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  fs.limit_writes(7);
  const std::string data = pattern(1000, 9);
  auto info = put_blob(*store, data, 500);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  CHECK(fs.calls(Op::write) >= 1000 / 7);
  CHECK(read_blob(*store, info->digest) == data);
}

TEST_CASE("an fsync failure fails the upload and leaves nothing visible") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  auto upload = std::move(store->begin()).value();
  REQUIRE(upload->write("abc").ok());
  fs.fail(Op::fsync, EIO);
  auto info = upload->finish(sha256_of("abc"));
  CHECK(info.status().code() == Code::io);
  CHECK(info.status().message().find("fsync") != std::string::npos);
  CHECK(info.status().message().find("Input/output error") != std::string::npos);
  CHECK(upload->write("more").code() == Code::io);  // the upload stays failed
  check_nothing_kept(dir, *store, sha256_of("abc"));
}

TEST_CASE("ENOSPC on the Nth write answers storage_full and keeps nothing") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  fs.fail(Op::write, ENOSPC, /*skip=*/2);
  const std::string data = pattern(10'000);
  auto upload = std::move(store->begin()).value();
  CHECK(upload->write(data.substr(0, 4000)).ok());
  CHECK(upload->write(data.substr(4000, 4000)).ok());
  CHECK(upload->write(data.substr(8000)).code() == Code::storage_full);
  CHECK(upload->finish(sha256_of(data)).status().code() == Code::storage_full);
  check_nothing_kept(dir, *store, sha256_of(data));
}

TEST_CASE("a full disk or quota anywhere answers storage_full") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  const std::string data = "quota";

  SUBCASE("EDQUOT at fsync") { fs.fail(Op::fsync, EDQUOT); }
  SUBCASE("ENOSPC creating the fan-out directory") { fs.fail(Op::mkdir, ENOSPC); }
  SUBCASE("ENOSPC creating the temporary file") { fs.fail(Op::open, ENOSPC); }
  SUBCASE("ENOSPC at the rename") { fs.fail(Op::rename, ENOSPC); }

  auto info = put_blob(*store, data);
  CHECK(info.status().code() == Code::storage_full);
  fs.clear();
  check_nothing_kept(dir, *store, sha256_of(data));
}

TEST_CASE("a rename failure answers io with the path and keeps nothing") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  fs.fail(Op::rename, EIO);
  auto info = put_blob(*store, "abc");
  CHECK(info.status().code() == Code::io);
  CHECK(info.status().message().find(dir.str()) != std::string::npos);
  check_nothing_kept(dir, *store, sha256_of("abc"));
  CHECK(put_blob(*store, "abc").ok());  // the next try works
}

TEST_CASE("ENOSPC while appending to a named upload discards the session") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  auto upload = std::move(store->begin_upload("s")).value();
  REQUIRE(upload->write("first").ok());
  fs.fail(Op::write, ENOSPC);
  CHECK(upload->write("second").code() == Code::storage_full);
  CHECK(store->stat_upload("s").status().code() == Code::not_found);
  CHECK(files_under(dir.path()).empty());
}

TEST_CASE("a failed sync of a named upload discards the session") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  auto upload = std::move(store->begin_upload("s")).value();
  REQUIRE(upload->write("first").ok());
  fs.fail(Op::fsync, EIO);
  CHECK(upload->sync().code() == Code::io);
  CHECK(store->list_uploads()->empty());
}

TEST_CASE("a read error while reopening a session keeps the session for a later try") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  { REQUIRE(store->begin_upload("s").value()->write("first").ok()); }
  fs.fail(Op::pread, EIO);
  CHECK(store->open_upload("s").status().code() == Code::io);
  CHECK(store->stat_upload("s")->size == 5);
  auto upload = store->open_upload("s");  // not left claimed by the failed attempt
  REQUIRE(upload.ok());
  CHECK((*upload)->size() == 5);
}

TEST_CASE("a read error during verify is io and does not quarantine") {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = open_blob_store(dir.str(), &fs);
  const std::string digest = put_blob(*store, "abc").value().digest;
  fs.fail(Op::pread, EIO);
  CHECK(store->verify(digest).code() == Code::io);
  CHECK(*store->contains(digest));
  CHECK(store->quarantined()->empty());
}

TEST_CASE("opening a store whose directories cannot be made fails with the path") {
  TempDir dir;
  FaultyFileSystem fs;
  fs.fail(Op::mkdir, EACCES, 0, -1);
  auto store = FsBlobStore::open({.root = dir.str() + "/blobs", .file_system = &fs});
  CHECK(store.status().code() == Code::io);
  CHECK(store.status().message().find("/blobs") != std::string::npos);
}
