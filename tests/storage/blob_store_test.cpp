#include "storage/blob_store.hpp"

#include <doctest/doctest.h>

#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill() is POSIX, not <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/fs_blob_store.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using namespace tollgate::testing;
namespace fs = std::filesystem;

namespace {
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fs::path blob_file(const TempDir& dir, std::string_view digest) {
  return dir.path() / "sha256" / digest.substr(0, 2) / digest.substr(2, 2) / digest;
}
}  // namespace

TEST_CASE("a blob round-trips and lands read-only for its owner under two levels of fan-out") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(10'000);
  auto info = put_blob(*store, data, 333);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  CHECK(info->digest == sha256_of(data));
  CHECK(info->size == data.size());
  CHECK(info->created);
  CHECK(*store->contains(info->digest));
  CHECK(*store->size(info->digest) == data.size());
  CHECK(read_blob(*store, info->digest) == data);
  const auto perms = fs::status(blob_file(dir, info->digest)).permissions();
  CHECK(perms == fs::perms::owner_read);  // 0400: no other local user reads a blob
  for (const fs::path& fan_out : {blob_file(dir, info->digest).parent_path(),
                                  blob_file(dir, info->digest).parent_path().parent_path()})
    CHECK(fs::status(fan_out).permissions() == fs::perms::owner_all);
  CHECK(files_under(dir.path() / "tmp").empty());
}

TEST_CASE("finish_unverified returns the computed digest; the empty blob is a blob") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  auto upload = store->begin();
  REQUIRE(upload.ok());
  REQUIRE((*upload)->write("ab").ok());
  REQUIRE((*upload)->write("").ok());
  REQUIRE((*upload)->write("c").ok());
  CHECK((*upload)->size() == 3);
  auto info = (*upload)->finish_unverified();
  REQUIRE(info.ok());
  CHECK(info->digest == kAbc);
  CHECK((*upload)->write("more").code() == Code::internal);  // the upload is over

  auto empty = put_blob(*store, "");
  REQUIRE(empty.ok());
  CHECK(empty->digest == kEmpty);
  CHECK(read_blob(*store, kEmpty).empty());
}

TEST_CASE("a digest mismatch names both digests and keeps nothing") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  auto upload = store->begin();
  REQUIRE(upload.ok());
  REQUIRE((*upload)->write("abd").ok());
  auto info = (*upload)->finish(kAbc);
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().code() == Code::invalid);
  CHECK(info.status().reason() == kDigestMismatchReason);
  CHECK(info.status().message().find(kAbc) != std::string::npos);
  CHECK(info.status().message().find(sha256_of("abd")) != std::string::npos);
  CHECK_FALSE(*store->contains(kAbc));
  CHECK_FALSE(*store->contains(sha256_of("abd")));
  CHECK(files_under(dir.path()).empty());

  auto bad = store->begin();  // a malformed expected digest ends the upload the same way
  REQUIRE((*bad)->write("abc").ok());
  CHECK((*bad)->finish("sha256:abc").status().code() == Code::invalid);
  CHECK(files_under(dir.path()).empty());
}

TEST_CASE("identical bytes are stored once") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  auto first = put_blob(*store, "same bytes");
  auto second = put_blob(*store, "same bytes", 3);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->created);
  CHECK_FALSE(second->created);
  CHECK(first->digest == second->digest);
  CHECK(files_under(dir.path()).size() == 1);
}

TEST_CASE("concurrent identical uploads all succeed and leave one blob") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(256 * 1024, 7);
  std::vector<Status> results(8);
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&] { result = put_blob(*store, data, 4096).status(); });
  for (auto& t : threads) t.join();
  for (const auto& result : results) CHECK_MESSAGE(result.ok(), result.to_string());
  CHECK(files_under(dir.path()) ==
        std::vector<std::string>{
            fs::path(blob_file(dir, sha256_of(data))).lexically_relative(dir.path()).string()});
  CHECK(read_blob(*store, sha256_of(data)) == data);
}

TEST_CASE("abort and destruction of an anonymous upload remove its temporary file") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  {
    auto upload = store->begin();
    REQUIRE((*upload)->write("half").ok());
    CHECK(files_under(dir.path() / "tmp").size() == 1);
    CHECK((*upload)->abort().ok());
    CHECK(files_under(dir.path() / "tmp").empty());
    CHECK((*upload)->abort().ok());  // idempotent
  }
  {
    auto upload = store->begin();
    REQUIRE((*upload)->write("half").ok());
  }
  CHECK(files_under(dir.path()).empty());
}

TEST_CASE("a crash mid-upload leaves a temporary file that the next open removes") {
  TempDir dir;
  { open_blob_store(dir.str())->begin_upload("kept-session").value()->write("x").ok(); }
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // write half an upload, then die as kill -9 would
    auto store = FsBlobStore::open({.root = dir.str()});
    if (store.ok()) {
      auto upload = (*store)->begin();
      if (upload.ok() && (*upload)->write(pattern(100'000)).ok()) kill(getpid(), SIGKILL);
    }
    _exit(1);
  }
  int wstatus = 0;
  REQUIRE(waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFSIGNALED(wstatus));
  std::ofstream(dir.path() / "tmp" / "session.bad id") << "not a valid session";
  CHECK(files_under(dir.path() / "tmp").size() == 3);

  auto store = open_blob_store(dir.str());
  CHECK(store->removed_temporaries() == 2);
  CHECK(files_under(dir.path() / "tmp") == std::vector<std::string>{"session.kept-session"});
  CHECK(store->list_uploads()->size() == 1);
}

TEST_CASE("verify detects a flipped byte, quarantines the blob and never serves it again") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(5000, 3);
  const std::string digest = put_blob(*store, data).value().digest;
  CHECK(store->verify(digest).ok());

  const fs::path file = blob_file(dir, digest);
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    f.put(static_cast<char>(data[1234] ^ 0x01));
  }
  Status st = store->verify(digest);
  CHECK(st.code() == Code::corrupt);
  CHECK(st.reason() == kCorruptBlobReason);
  CHECK_FALSE(fs::exists(file));
  CHECK(fs::exists(dir.path() / "quarantine" / digest));
  CHECK(store->quarantined().value() == std::vector<std::string>{digest});

  CHECK_FALSE(*store->contains(digest));
  CHECK(store->open(digest).status().reason() == kCorruptBlobReason);
  CHECK(store->open(digest).status().code() == Code::corrupt);
  CHECK(store->size(digest).status().code() == Code::corrupt);
  CHECK(store->verify(digest).code() == Code::corrupt);
  int seen = 0;
  CHECK(store->for_each([&](const BlobInfo&) { return ++seen, true; }).ok());
  CHECK(seen == 0);

  auto again = put_blob(*store, data);  // good bytes uploaded again restore the blob
  REQUIRE(again.ok());
  CHECK(again->created);
  CHECK(read_blob(*store, digest) == data);
  CHECK(store->verify(digest).ok());
}

TEST_CASE("readers serve ranges, sequential reads and a native handle") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(1000, 5);
  const std::string digest = put_blob(*store, data).value().digest;
  auto reader = std::move(store->open(digest)).value();
  CHECK(reader->size() == 1000);
  CHECK(reader->digest() == digest);
  std::string buffer(50, '\0');
  CHECK(*reader->read_at(100, buffer) == 50);
  CHECK(buffer == data.substr(100, 50));
  CHECK(*reader->read_at(990, buffer) == 10);
  CHECK(buffer.substr(0, 10) == data.substr(990));
  CHECK(*reader->read_at(1000, buffer) == 0);
  CHECK(*reader->read_at(5000, buffer) == 0);
  CHECK(*reader->read_at(0, std::span<char>()) == 0);
  CHECK(read_blob(*store, digest) == data);

  const int fd = reader->native_handle();
  REQUIRE(fd >= 0);
  char byte = 0;
  CHECK(pread(fd, &byte, 1, 999) == 1);
  CHECK(byte == data[999]);
}

TEST_CASE("readers of one blob share its descriptor but each keeps its own position") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(3000, 9);
  const std::string digest = put_blob(*store, data).value().digest;
  auto first = std::move(store->open(digest)).value();
  auto second = std::move(store->open(digest)).value();
  CHECK(first->native_handle() == second->native_handle());  // opened once, then cached
  std::string a(1000, '\0'), b(1000, '\0');
  CHECK(*first->read(a) == 1000);
  CHECK(*first->read(a) == 1000);
  CHECK(a == data.substr(1000, 1000));
  CHECK(*second->read(b) == 1000);
  CHECK(b == data.substr(0, 1000));
  first.reset();  // the descriptor outlives the reader that opened it
  CHECK(*second->read_at(2500, b) == 500);
  CHECK(b.substr(0, 500) == data.substr(2500));
}

TEST_CASE("a quarantined blob leaves the open cache: it is never served from a kept descriptor") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  const std::string data = pattern(5000, 4);
  const std::string digest = put_blob(*store, data).value().digest;
  REQUIRE(store->open(digest).ok());  // now cached
  const fs::path file = blob_file(dir, digest);
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put(static_cast<char>(data[10] ^ 0x01));
  }
  CHECK(store->verify(digest).code() == Code::corrupt);
  CHECK(store->open(digest).status().code() == Code::corrupt);
  auto again = put_blob(*store, data);  // the good bytes come back under a new descriptor
  REQUIRE(again.ok());
  CHECK(read_blob(*store, digest) == data);
}

TEST_CASE("a named upload is appended to across a reopen of the store") {
  TempDir dir;
  const std::string part1 = pattern(3 << 20, 11), part2 = pattern(12345, 12);
  {
    auto store = open_blob_store(dir.str());
    auto upload = std::move(store->begin_upload("sess_1-A")).value();
    CHECK(upload->session_id() == "sess_1-A");
    REQUIRE(upload->write(part1).ok());
    REQUIRE(upload->sync().ok());
    CHECK(store->begin_upload("sess_1-A").status().code() == Code::conflict);
    CHECK(store->open_upload("sess_1-A").status().code() == Code::conflict);
    CHECK(store->remove_upload("sess_1-A").code() == Code::conflict);
  }
  auto store = open_blob_store(dir.str());  // as after a restart
  auto sessions = store->list_uploads();
  REQUIRE(sessions.ok());
  REQUIRE(sessions->size() == 1);
  CHECK((*sessions)[0].id == "sess_1-A");
  CHECK((*sessions)[0].size == part1.size());
  CHECK((*sessions)[0].modified > 0);
  CHECK(store->stat_upload("sess_1-A")->size == part1.size());

  auto upload = std::move(store->open_upload("sess_1-A")).value();
  CHECK(upload->size() == part1.size());
  REQUIRE(upload->write(part2).ok());
  auto info = upload->finish(sha256_of(part1 + part2));
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  CHECK(info->size == part1.size() + part2.size());
  CHECK(read_blob(*store, info->digest) == part1 + part2);
  CHECK(store->list_uploads()->empty());
  CHECK(store->open_upload("sess_1-A").status().code() == Code::not_found);
  CHECK(files_under(dir.path() / "tmp").empty());
}

TEST_CASE("named uploads: removal, unknown and malformed ids, mismatch discards the session") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  CHECK(store->begin_upload("").status().code() == Code::invalid);
  CHECK(store->begin_upload("../etc").status().code() == Code::invalid);
  CHECK(store->open_upload("a.b").status().code() == Code::invalid);
  CHECK(store->open_upload("nope").status().code() == Code::not_found);
  CHECK(store->stat_upload("nope").status().code() == Code::not_found);
  CHECK(store->remove_upload("nope").code() == Code::not_found);

  { REQUIRE(store->begin_upload("gone").value()->write("abc").ok()); }
  CHECK(store->remove_upload("gone").ok());
  CHECK(store->stat_upload("gone").status().code() == Code::not_found);

  auto upload = std::move(store->begin_upload("bad")).value();
  REQUIRE(upload->write("abd").ok());
  CHECK(upload->finish(kAbc).status().code() == Code::invalid);
  CHECK(store->stat_upload("bad").status().code() == Code::not_found);
  CHECK(store->begin_upload("bad").ok());  // the id is free again
}

TEST_CASE("for_each walks the stored digests in order") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  std::vector<std::string> expected;
  for (unsigned i = 0; i < 20; ++i) expected.push_back(put_blob(*store, pattern(i, i))->digest);
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> seen;
  REQUIRE(store
              ->for_each([&](const BlobInfo& b) {
                CHECK(b.size == *store->size(b.digest));
                seen.push_back(b.digest);
                return true;
              })
              .ok());
  CHECK(seen == expected);
  seen.clear();
  REQUIRE(store->for_each([&](const BlobInfo& b) { return seen.push_back(b.digest), false; }).ok());
  CHECK(seen.size() == 1);
}

TEST_CASE("malformed digests are refused before touching storage") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  for (const char* bad : {"", "abc", "sha256:ba7816bf", "../../../../etc/passwd",
                          "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}) {
    CHECK(store->contains(bad).status().code() == Code::invalid);
    CHECK(store->size(bad).status().code() == Code::invalid);
    CHECK(store->open(bad).status().code() == Code::invalid);
    CHECK(store->verify(bad).code() == Code::invalid);
  }
  CHECK(store->open(kAbc).status().code() == Code::not_found);
  CHECK(store->verify(kAbc).code() == Code::not_found);
}

TEST_CASE("a 64 MiB blob streams through with its size and digest") {
  TempDir dir;
  auto store = open_blob_store(dir.str());
  constexpr std::size_t kChunk = 1 << 20, kChunks = 64;
  Sha256Hasher expected;
  auto upload = std::move(store->begin()).value();
  for (std::size_t i = 0; i < kChunks; ++i) {  // only one chunk is ever in memory
    const std::string chunk = pattern(kChunk, static_cast<unsigned>(i));
    expected.update(chunk);
    REQUIRE(upload->write(chunk).ok());
  }
  const std::string digest = expected.hex_digest().value();
  auto info = upload->finish(digest);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  CHECK(info->size == kChunk * kChunks);
  CHECK(*store->size(digest) == kChunk * kChunks);
  CHECK(store->verify(digest).ok());
}
