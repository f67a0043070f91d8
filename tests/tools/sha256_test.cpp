#include "client/sha256.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"
#include "tollgate/digest.hpp"

using namespace tollgate;
using tollgate::client::sha256_fd;
using tollgate::client::sha256_file;

namespace {

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
// SHA-256 of one million 'a' (FIPS 180-2, appendix B.3).
constexpr const char* kMillionA =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

std::string digest_of(std::string_view bytes) { return sha256_hex(bytes); }

}  // namespace

TEST_CASE("sha256_file hashes files larger than its buffer and reports progress") {
  tollgate::testing::TempDir dir;
  const std::string path = dir.file("million");
  std::ofstream(path, std::ios::binary) << std::string(1'000'000, 'a');
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  auto digest = sha256_file(
      path, [&](std::uint64_t done, std::uint64_t total) { seen.emplace_back(done, total); });
  REQUIRE_MESSAGE(digest.ok(), digest.status().to_string());
  CHECK(digest->sha256 == kMillionA);
  CHECK(digest->size == 1'000'000);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front() == std::make_pair(std::uint64_t{0}, std::uint64_t{1'000'000}));
  CHECK(seen.back() == std::make_pair(std::uint64_t{1'000'000}, std::uint64_t{1'000'000}));

  // Over several 1 MiB reads: 3 MiB + 1 byte of a repeating pattern, against a one-shot hash.
  std::string big(3 * 1024 * 1024 + 1, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  std::ofstream(dir.file("big"), std::ios::binary) << big;
  auto big_digest = sha256_file(dir.file("big"));
  REQUIRE(big_digest.ok());
  CHECK(big_digest->sha256 == digest_of(big));
  CHECK(big_digest->size == big.size());
}

TEST_CASE("sha256_file: empty, missing and non-regular files") {
  tollgate::testing::TempDir dir;
  std::ofstream(dir.file("empty")).flush();
  auto empty = sha256_file(dir.file("empty"));
  REQUIRE(empty.ok());
  CHECK(empty->sha256 == kEmpty);
  CHECK(empty->size == 0);

  auto missing = sha256_file(dir.file("nope"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::not_found);
  CHECK(missing.status().message().find("nope") != std::string::npos);

  auto directory = sha256_file(dir.str());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.status().code() == Code::invalid);
}

TEST_CASE("sha256_fd reads from offset 0 whatever the file position") {
  tollgate::testing::TempDir dir;
  std::ofstream(dir.file("abc")) << "abc";
  const int fd = open(dir.file("abc").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(lseek(fd, 2, SEEK_SET) == 2);
  auto digest = sha256_fd(fd);
  close(fd);
  REQUIRE(digest.ok());
  CHECK(digest->sha256 == kAbc);
}
