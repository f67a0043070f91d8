#include "server/domain/crypto.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "tollgate/encoding.hpp"

using namespace std::string_view_literals;

namespace tollgate::server {

TEST_CASE("random bytes round trip through base64url") {
  const std::string random = random_bytes(1000);
  CHECK(decode_base64url(encode_base64url(random)) == random);
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
