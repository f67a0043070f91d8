#include "tollgate/digest.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::string_literals;
using namespace std::string_view_literals;

namespace tollgate {
namespace {

constexpr std::string_view kEmpty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kHex =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // SHA-256 of "abc"
constexpr std::string_view kUpper =
    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
// SHA-256 of one million 'a' (FIPS 180-2, appendix B.3).
constexpr std::string_view kMillionA =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

void check_bad_digest(std::string_view text) {
  CAPTURE(text);
  const auto digest = parse_sha256_digest(text);
  REQUIRE_FALSE(digest.ok());
  CHECK(digest.status().code() == Code::invalid);
  CHECK(digest.status().reason() == kInvalidDigestReason);
}

}  // namespace

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors") {
  CHECK(sha256_hex("") == kEmpty);
  CHECK(sha256_hex("abc") == kHex);
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == kMillionA);
}

TEST_CASE("sha256_hex hashes embedded NUL bytes") {
  CHECK(sha256_hex("\0"sv) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_CASE("Sha256Hasher matches the standard test vectors, fed whole or in pieces") {
  Sha256Hasher whole;
  whole.update("abc");
  CHECK(whole.hex_digest().value() == kHex);

  Sha256Hasher pieces;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) pieces.update(thousand);
  CHECK(pieces.hex_digest().value() == kMillionA);
  // Spent after hex_digest.
  pieces.update("x");
  CHECK(pieces.hex_digest().status().code() == Code::internal);

  Sha256Hasher nothing;
  CHECK(nothing.hex_digest().value() == kEmpty);
}

TEST_CASE("Sha256Hasher moves with its state") {
  Sha256Hasher first;
  first.update("a");
  Sha256Hasher second = std::move(first);
  second.update("bc");
  CHECK(second.hex_digest().value() == kHex);
}

TEST_CASE("is_sha256_hex: 64 lower-case hex digits and nothing else") {
  CHECK(is_sha256_hex(kHex));
  CHECK(is_sha256_hex(kEmpty));
  CHECK_FALSE(is_sha256_hex(kUpper));
  CHECK_FALSE(is_sha256_hex(""));
  CHECK_FALSE(is_sha256_hex(kHex.substr(1)));
  CHECK_FALSE(is_sha256_hex(std::string(kHex) + "0"));
  CHECK_FALSE(is_sha256_hex("sha256:" + std::string(kHex)));
  CHECK_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
}

TEST_CASE("parse_sha256_digest accepts bare and prefixed hex") {
  CHECK(parse_sha256_digest(kHex).value() == kHex);
  CHECK(parse_sha256_digest("sha256:" + std::string(kHex)).value() == kHex);
}

TEST_CASE("parse_sha256_digest lower-cases upper-case hex") {
  CHECK(parse_sha256_digest(kUpper).value() == kHex);
  CHECK(parse_sha256_digest("sha256:" + std::string(kUpper)).value() == kHex);
  std::string mixed(kHex);
  mixed[0] = 'B';
  mixed[63] = 'D';
  CHECK(parse_sha256_digest(mixed).value() == kHex);
}

TEST_CASE("parse_sha256_digest refuses anything else") {
  const std::string hex(kHex);
  check_bad_digest("");
  check_bad_digest("sha256:");
  check_bad_digest(hex.substr(1));
  check_bad_digest(hex + "0");
  check_bad_digest("sha256:" + hex.substr(1));
  check_bad_digest("SHA256:" + hex);
  check_bad_digest("SHA256:" + std::string(kUpper));  // the client once accepted this
  check_bad_digest("sha512:" + hex);
  check_bad_digest("sha256:sha256:" + hex);
  check_bad_digest("sha256:abc");
  check_bad_digest(" " + hex);
  check_bad_digest(hex + " ");
  check_bad_digest(hex + "\n");
  check_bad_digest("g" + hex.substr(1));
  check_bad_digest(std::string(63, 'a') + "g");
  check_bad_digest(hex.substr(0, 63) + "\0"s);
  check_bad_digest("0x" + hex.substr(2));
  check_bad_digest(std::string(64, '-'));
  const auto long_text = parse_sha256_digest(std::string(10000, 'a'));
  REQUIRE_FALSE(long_text.ok());
  CHECK(long_text.status().message().size() < 200);
}

}  // namespace tollgate
