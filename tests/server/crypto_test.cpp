#include "server/crypto.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::string_view_literals;

namespace tollgate::server {

TEST_CASE("base64url_encode matches RFC 4648 without padding") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64url uses '-' and '_' instead of '+' and '/'") {
  CHECK(base64url_encode("\xfb\xff"sv) == "-_8");
  CHECK(base64url_encode("\xff\xfe\xfd"sv) == "__79");
  CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));
  CHECK(base64url_decode("__79") == std::string("\xff\xfe\xfd"));
}

TEST_CASE("base64url round trips every byte value and length") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= all.size(); ++length) {
    const std::string bytes = all.substr(all.size() - length);
    const std::string text = base64url_encode(bytes);
    CHECK(text.find('=') == std::string::npos);
    CHECK(base64url_decode(text) == bytes);
  }
  const std::string random = random_bytes(1000);
  CHECK(base64url_decode(base64url_encode(random)) == random);
}

TEST_CASE("base64url_decode rejects invalid input") {
  SUBCASE("padding") {
    CHECK_FALSE(base64url_decode("Zg=="));
    CHECK_FALSE(base64url_decode("Zg="));
    CHECK_FALSE(base64url_decode("Zm9v===="));
    CHECK_FALSE(base64url_decode("="));
  }
  SUBCASE("impossible lengths") {
    CHECK_FALSE(base64url_decode("Z"));
    CHECK_FALSE(base64url_decode("Zm9vY"));
  }
  SUBCASE("characters outside the alphabet") {
    CHECK_FALSE(base64url_decode("Zm9+"));
    CHECK_FALSE(base64url_decode("Zm9/"));
    CHECK_FALSE(base64url_decode("Zm 9v"));
    CHECK_FALSE(base64url_decode("Zm9v\n"));
    CHECK_FALSE(base64url_decode("Zm9.v"));
    CHECK_FALSE(base64url_decode("Zm\0v"sv));
    CHECK_FALSE(base64url_decode("Zm\xc3\xa9"sv));
  }
  SUBCASE("non-zero trailing bits (non-canonical encodings)") {
    CHECK(base64url_decode("Zg") == std::string("f"));
    CHECK_FALSE(base64url_decode("Zh"));
    CHECK(base64url_decode("Zm8") == std::string("fo"));
    CHECK_FALSE(base64url_decode("Zm9"));
  }
}

TEST_CASE("base64url_decode accepts the empty string") {
  const auto decoded = base64url_decode("");
  REQUIRE(decoded);
  CHECK(decoded->empty());
}

TEST_CASE("random_bytes returns the requested length") {
  CHECK(random_bytes(0).empty());
  CHECK(random_bytes(1).size() == 1);
  CHECK(random_bytes(32).size() == 32);
  CHECK(random_bytes(4096).size() == 4096);
}

TEST_CASE("random_bytes differs between calls") {
  // 2^-256 chance of a false failure.
  CHECK(random_bytes(32) != random_bytes(32));
}

}  // namespace tollgate::server
