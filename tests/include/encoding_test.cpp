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

}  // namespace tollgate
