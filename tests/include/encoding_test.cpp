#include "tollgate/encoding.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::string_view_literals;

namespace tollgate {

TEST_CASE("to_hex is lower-case, two digits per byte") {
  CHECK(to_hex("") == "");
  CHECK(to_hex("\x00\x01\x0f\x10\xab\xff"sv) == "00010f10abff");
  CHECK(to_hex("Az") == "417a");
}

TEST_CASE("base64url_encode matches RFC 4648 without padding") {
  CHECK(encode_base64url("") == "");
  CHECK(encode_base64url("f") == "Zg");
  CHECK(encode_base64url("fo") == "Zm8");
  CHECK(encode_base64url("foo") == "Zm9v");
  CHECK(encode_base64url("foob") == "Zm9vYg");
  CHECK(encode_base64url("fooba") == "Zm9vYmE");
  CHECK(encode_base64url("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64url uses '-' and '_' instead of '+' and '/'") {
  CHECK(encode_base64url("\xfb\xff"sv) == "-_8");
  CHECK(encode_base64url("\xff\xfe\xfd"sv) == "__79");
  CHECK(decode_base64url("-_8") == std::string("\xfb\xff"));
  CHECK(decode_base64url("__79") == std::string("\xff\xfe\xfd"));
}

TEST_CASE("base64url round trips every byte value and length") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= all.size(); ++length) {
    const std::string bytes = all.substr(all.size() - length);
    const std::string text = encode_base64url(bytes);
    CHECK(text.find('=') == std::string::npos);
    CHECK(decode_base64url(text) == bytes);
  }
}

TEST_CASE("base64url_decode rejects invalid input") {
  SUBCASE("padding") {
    CHECK_FALSE(decode_base64url("Zg=="));
    CHECK_FALSE(decode_base64url("Zg="));
    CHECK_FALSE(decode_base64url("Zm9v===="));
    CHECK_FALSE(decode_base64url("="));
  }
  SUBCASE("impossible lengths") {
    CHECK_FALSE(decode_base64url("Z"));
    CHECK_FALSE(decode_base64url("Zm9vY"));
  }
  SUBCASE("characters outside the alphabet") {
    CHECK_FALSE(decode_base64url("Zm9+"));
    CHECK_FALSE(decode_base64url("Zm9/"));
    CHECK_FALSE(decode_base64url("Zm 9v"));
    CHECK_FALSE(decode_base64url("Zm9v\n"));
    CHECK_FALSE(decode_base64url("Zm9.v"));
    CHECK_FALSE(decode_base64url("Zm\0v"sv));
    CHECK_FALSE(decode_base64url("Zm\xc3\xa9"sv));
  }
  SUBCASE("non-zero trailing bits (non-canonical encodings)") {
    CHECK(decode_base64url("Zg") == std::string("f"));
    CHECK_FALSE(decode_base64url("Zh"));
    CHECK(decode_base64url("Zm8") == std::string("fo"));
    CHECK_FALSE(decode_base64url("Zm9"));
  }
}

TEST_CASE("base64url_decode accepts the empty string") {
  const auto decoded = decode_base64url("");
  REQUIRE(decoded);
  CHECK(decoded->empty());
}

}  // namespace tollgate
