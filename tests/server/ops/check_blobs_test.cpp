#include "server/ops/check_blobs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/storage/blob_test_support.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"

namespace tollgate::server {
namespace {

using testing::has_line;
using testing::stored;

namespace fs = std::filesystem;
using testing::FaultyFileSystem;
using testing::pattern;
using testing::sha256_of;

fs::path blob_file(const std::string& root, const std::string& digest) {
  return fs::path(root) / "sha256" / digest.substr(0, 2) / digest.substr(2, 2) / digest;
}

// Replaces a stored blob's bytes in place (keeping its name) and returns what they hash to now.
std::string rewrite_blob_file(const std::string& root, const std::string& digest,
                              const std::string& bytes) {
  const fs::path path = blob_file(root, digest);
  REQUIRE(fs::exists(path));
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return sha256_of(bytes);
}

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.starts_with(prefix) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("rehash_blob hashes a blob in chunks") {
  testing::TempDir dir;
  auto store = testing::open_blob_store(dir.file("blobs"));
  const std::string data = pattern(100'000, 7);
  const std::string digest = stored(*store, data);
  auto reader = store->open(digest);
  REQUIRE(reader.ok());

  SUBCASE("the digest and the chunk sizes") {
    std::vector<std::size_t> chunks;
    auto hex = rehash_blob(**reader, 30'000, [&](std::size_t n) {
      chunks.push_back(n);
      return true;
    });
    REQUIRE(hex.ok());
    CHECK(*hex == digest);
    CHECK(chunks == std::vector<std::size_t>{30'000, 30'000, 30'000, 10'000});
  }
  SUBCASE("without a callback and with tiny chunks") {
    CHECK(rehash_blob(**reader, 1).value() == digest);
    CHECK(rehash_blob(**reader, 0).value() == digest);  // 0 is read as 1
  }
  SUBCASE("the callback can stop it") {
    int calls = 0;
    auto hex = rehash_blob(**reader, 30'000, [&](std::size_t) { return ++calls < 2; });
    REQUIRE_FALSE(hex.ok());
    CHECK(hex.status().code() == Code::unavailable);
    CHECK(calls == 2);
  }
}

TEST_CASE("rehash_blob of an empty blob") {
  testing::TempDir dir;
  auto store = testing::open_blob_store(dir.file("blobs"));
  const std::string digest = stored(*store, "");
  auto reader = store->open(digest);
  REQUIRE(reader.ok());
  CHECK(rehash_blob(**reader, 4096).value() == sha256_of(""));
}

TEST_CASE("check_blobs reports corrupt blobs without quarantining them") {
  testing::TempDir dir;
  const std::string root = dir.file("blobs");
  auto store = testing::open_blob_store(root);
  std::vector<std::string> digests;
  std::uint64_t bytes = 0;
  for (unsigned i = 0; i < 5; ++i) {
    const std::string data = pattern(1000 + i * 20'000, i + 1);
    digests.push_back(stored(*store, data));
    bytes += data.size();
  }
  const std::string changed = rewrite_blob_file(root, digests[1], pattern(21'000, 99));
  const std::string truncated = rewrite_blob_file(root, digests[3], "short");
  bytes = bytes - 21'000 - 61'000 + 21'000 + 5;

  std::ostringstream out;
  const BlobCheckReport report = check_blobs(*store, out, {.workers = 3, .chunk_bytes = 4096});
  std::vector<std::string> expected = {digests[1], digests[3]};
  std::sort(expected.begin(), expected.end());

  CHECK(report.blobs_checked == 5);
  CHECK(report.bytes_checked == bytes);
  CHECK(report.corrupt == expected);
  CHECK(report.unreadable.empty());
  CHECK(report.quarantined.empty());
  CHECK(report.errors.empty());
  CHECK(report.faults() == 2);
  const std::string text = out.str();
  CHECK(has_line(text, fmt::format("FAULT blob sha256:{}: corrupt, its bytes hash to sha256:{}",
                                   digests[1], changed)));
  CHECK(has_line(text, fmt::format("FAULT blob sha256:{}: corrupt, its bytes hash to sha256:{}",
                                   digests[3], truncated)));
  CHECK(has_line(text, fmt::format("checked 5 blobs ({} bytes)", bytes)));
  CHECK(has_line(text, "blobs: 2 fault(s)"));
  // Report only: both are still in place, nothing went to quarantine.
  CHECK(store->contains(digests[1]).value());
  CHECK(store->contains(digests[3]).value());
  CHECK(store->quarantined().value().empty());
}

TEST_CASE("check_blobs lists the quarantine, which is not a fault") {
  testing::TempDir dir;
  const std::string root = dir.file("blobs");
  auto store = testing::open_blob_store(root);
  const std::string good = stored(*store, "good bytes");
  const std::string bad = stored(*store, "bad bytes");
  (void)rewrite_blob_file(root, bad, "rotten bytes");
  REQUIRE(store->verify(bad).code() == Code::corrupt);

  std::ostringstream out;
  const BlobCheckReport report = check_blobs(*store, out);
  CHECK(report.blobs_checked == 1);
  CHECK(report.quarantined == std::vector<std::string>{bad});
  CHECK(report.faults() == 0);
  CHECK(has_line(out.str(), "quarantined blob sha256:" + bad));
  CHECK(has_line(out.str(), "blobs: ok"));
  CHECK(count_lines_starting(out.str(), "FAULT") == 0);
}

TEST_CASE("check_blobs of an empty store") {
  testing::TempDir dir;
  auto store = testing::open_blob_store(dir.file("blobs"));
  std::ostringstream out;
  const BlobCheckReport report = check_blobs(*store, out);
  CHECK(report.blobs_checked == 0);
  CHECK(report.faults() == 0);
  CHECK(out.str() == "checked 0 blobs (0 bytes)\nblobs: ok\n");
}

TEST_CASE("check_blobs checks every blob once whatever the number of workers") {
  testing::TempDir dir;
  const std::string root = dir.file("blobs");
  auto store = testing::open_blob_store(root);
  std::vector<std::string> rotten;
  std::uint64_t bytes = 0;
  for (unsigned i = 0; i < 48; ++i) {
    const std::string data = pattern(i * 37, i);
    const std::string digest = stored(*store, data);
    bytes += data.size();
    if (i % 11 == 4) {
      (void)rewrite_blob_file(root, digest, data + "!");
      rotten.push_back(digest);
      ++bytes;
    }
  }
  std::sort(rotten.begin(), rotten.end());
  for (const unsigned workers : {1u, 2u, 7u, 64u, 0u}) {
    CAPTURE(workers);
    std::ostringstream out;
    const BlobCheckReport report =
        check_blobs(*store, out, {.workers = workers, .chunk_bytes = 64});
    CHECK(report.blobs_checked == 48);
    CHECK(report.bytes_checked == bytes);
    CHECK(report.corrupt == rotten);
    CHECK(count_lines_starting(out.str(), "FAULT blob") == rotten.size());
  }
}

TEST_CASE("check_blobs reports a blob it cannot read, and a walk that fails") {
  testing::TempDir dir;
  FaultyFileSystem faulty;
  auto store = testing::open_blob_store(dir.file("blobs"), &faulty);
  const std::string digest = stored(*store, pattern(10'000, 1));

  SUBCASE("unreadable") {
    faulty.fail(FaultyFileSystem::Op::pread, EIO);
    std::ostringstream out;
    const BlobCheckReport report = check_blobs(*store, out, {.workers = 2});
    CHECK(report.blobs_checked == 0);
    CHECK(report.unreadable == std::vector<std::string>{digest});
    CHECK(report.faults() == 1);
    CHECK(out.str().find(fmt::format("FAULT blob sha256:{}: unreadable: io: read ", digest)) !=
          std::string::npos);
    CHECK(has_line(out.str(), "blobs: 1 fault(s)"));
  }
  SUBCASE("the listing fails") {
    faulty.fail(FaultyFileSystem::Op::list_dir, EIO, 0, -1);
    std::ostringstream out;
    const BlobCheckReport report = check_blobs(*store, out);
    CHECK(report.errors.size() == 2);  // the blobs and the quarantine
    CHECK(report.faults() == 2);
    CHECK(count_lines_starting(out.str(), "FAULT blobs: listing") == 2);
  }
}

}  // namespace tollgate::server
