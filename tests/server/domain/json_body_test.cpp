#include "server/domain/json_body.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

using namespace tollgate;
using namespace tollgate::server;

TEST_CASE("parse_object accepts objects only") {
  CHECK(parse_object(R"({"a":1})").ok());
  auto malformed = parse_object(R"({"a":)");
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().code() == Code::invalid);
  CHECK(malformed.status().reason() == "malformed-json");
  CHECK(parse_object("[1,2]").status().code() == Code::invalid);
  CHECK(parse_object("").status().code() == Code::invalid);
  CHECK(parse_object("{} trailing").status().code() == Code::invalid);
  std::string deep(100, '[');
  CHECK_FALSE(parse_object("{\"a\":" + deep).ok());
}

TEST_CASE("Fields reads typed values and reports every problem at once") {
  auto obj = parse_object(R"({"s":"x","b":true,"i":7,"o":{},"a":["p","q"],"bad":1,"n":null})");
  REQUIRE(obj.ok());
  Fields f(*obj);
  CHECK(f.string("s") == "x");
  CHECK(f.boolean("b") == true);
  CHECK(f.integer("i") == 7);
  CHECK(f.object("o") != nullptr);
  CHECK(f.strings("a") == std::vector<std::string>{"p", "q"});
  CHECK(f.value("n") != nullptr);
  CHECK_FALSE(f.string("i").has_value());  // wrong type
  CHECK_FALSE(f.string("missing", true).has_value());
  Status st = f.finish();
  REQUIRE_FALSE(st.ok());
  CHECK(st.reason() == "validation");
  REQUIRE(st.items().size() == 3);
  CHECK(st.items()[0] == "i: must be a string");
  CHECK(st.items()[1] == "missing: required");
  CHECK(st.items()[2] == "bad: unknown field");
}

TEST_CASE("nested Fields prefix their paths") {
  auto obj = parse_object(R"({"inner":{"x":1}})");
  REQUIRE(obj.ok());
  Fields outer(*obj);
  const auto* inner_obj = outer.object("inner");
  REQUIRE(inner_obj);
  Fields inner(*inner_obj, "inner");
  CHECK_FALSE(inner.boolean("x").has_value());
  outer.merge(inner.finish());
  Status st = outer.finish();
  REQUIRE(st.items().size() == 1);
  CHECK(st.items()[0] == "inner.x: must be true or false");
}
