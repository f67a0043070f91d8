// Parsers of the user and token request bodies: documented bodies are accepted, and wrong
// types, missing and unknown fields are refused with the messages the API has always given.
#include "server/http/commands/identity.hpp"

#include <doctest/doctest.h>

#include "tests/server/http/commands/parse_test_support.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::body;
using tollgate::testing::refusal;
using Items = std::vector<std::string>;

TEST_CASE("user creation: roles read and sorted, defaults, every problem") {
  auto user = commands::parse_create_user(
      body(R"({"id":"ann","name":"Ann","roles":["tester","admin","tester"]})"));
  REQUIRE(user.ok());
  CHECK(user->id == "ann");
  CHECK(user->name == "Ann");
  CHECK(user->email.empty());
  CHECK(user->roles == std::vector<Role>{Role::admin, Role::tester});
  CHECK(user->environments.empty());
  CHECK_FALSE(user->disabled);

  CHECK(refusal(commands::parse_create_user(
            body(R"({"name":1,"roles":["admin","wizard"],"disabled":"no","x":0})"))) ==
        Items{"id: required", "name: must be a string", "disabled: must be true or false",
              "roles: unknown role 'wizard'", "x: unknown field"});
}

TEST_CASE("user patch: only what is given") {
  auto none = commands::parse_user_patch(body("{}"));
  REQUIRE(none.ok());
  CHECK_FALSE(none->name);
  CHECK_FALSE(none->roles);
  CHECK_FALSE(none->disabled);

  auto patch = commands::parse_user_patch(
      body(R"({"email":"a@b.c","roles":["viewer"],"environments":["SIT"],"disabled":true})"));
  REQUIRE(patch.ok());
  CHECK(patch->email == "a@b.c");
  CHECK(patch->roles == std::vector<Role>{Role::viewer});
  CHECK(patch->environments == std::vector<std::string>{"SIT"});
  CHECK(patch->disabled == true);

  CHECK(refusal(commands::parse_user_patch(body(R"({"roles":"admin","id":"x"})"))) ==
        Items{"roles: must be an array", "id: unknown field"});
}

TEST_CASE("token request: roles, expiry as RFC 3339 or a date, every problem") {
  auto request = commands::parse_token_request(
      body(R"({"user":"ann","name":"ci","roles":["viewer"],"expires_at":"2027-01-02"})"));
  REQUIRE(request.ok());
  CHECK(request->user == "ann");
  CHECK(request->name == "ci");
  CHECK(request->roles == std::vector<Role>{Role::viewer});
  CHECK(request->expires_at == parse_date("2027-01-02"));
  auto minimal = commands::parse_token_request(body(R"({"user":"ann"})"));
  REQUIRE(minimal.ok());
  CHECK(minimal->roles.empty());
  CHECK_FALSE(minimal->expires_at);

  CHECK(refusal(commands::parse_token_request(
            body(R"({"roles":["wizard"],"expires_at":"soon","scope":1})"))) ==
        Items{"user: required", "roles: unknown role 'wizard'",
              "expires_at: 'soon' is not RFC 3339 or YYYY-MM-DD", "scope: unknown field"});
  CHECK(refusal(commands::parse_token_request(body(R"({"user":"ann","roles":[]})"))) ==
        Items{"roles: leave it out for all the user's roles"});
}

TEST_CASE("login: username and password as strings, the address left to the handler") {
  auto login = commands::parse_login(body(R"({"username":"ann","password":"s3cret"})"));
  REQUIRE(login.ok());
  CHECK(login->username == "ann");
  CHECK(login->password == "s3cret");
  CHECK(login->remote.empty());
  CHECK(refusal(commands::parse_login(body(R"({"username":1,"otp":"1234"})"))) ==
        Items{"username: must be a string", "password: required", "otp: unknown field"});
}
