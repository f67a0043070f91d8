// Parser of the baseline request body: the documented bodies are accepted; the fields, the name
// and the scope are refused with the messages the API has always given.
#include "server/http/commands/audit.hpp"

#include <doctest/doctest.h>

#include "tests/server/http/commands/parse_test_support.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::body;
using tollgate::testing::refusal;
using Items = std::vector<std::string>;

TEST_CASE("baseline: name, description and one scope") {
  auto all = commands::parse_create_baseline(body(R"({"name":"R1.0","scope":{"all":true}})"));
  REQUIRE(all.ok());
  CHECK(all->name == "R1.0");
  CHECK(all->description.empty());
  CHECK(all->scope.kind == BaselineScope::Kind::all);
  auto cis = commands::parse_create_baseline(
      body(R"({"name":"b","description":"why","scope":{"cis":["web","api","web"]}})"));
  REQUIRE(cis.ok());
  CHECK(cis->description == "why");
  CHECK(cis->scope.kind == BaselineScope::Kind::cis);
  CHECK(cis->scope.names == std::vector<std::string>{"api", "web"});

  CHECK(refusal(commands::parse_create_baseline(body(R"({"description":2,"tag":"x"})"))) ==
        Items{"name: required", "description: must be a string", "scope: required",
              "tag: unknown field"});
  auto bad_name = commands::parse_create_baseline(body(R"({"name":"-x","scope":{"all":true}})"));
  REQUIRE_FALSE(bad_name.ok());
  CHECK(bad_name.status().reason() == "invalid-baseline-name");
  CHECK(bad_name.status().message() == "baseline name '-x' must not start with '.' or '-'");
  auto bad_scope = commands::parse_create_baseline(body(R"({"name":"b","scope":{"all":false}})"));
  REQUIRE_FALSE(bad_scope.ok());
  CHECK(bad_scope.status().code() == Code::invalid);
  CHECK(bad_scope.status().message() == "scope.all: must be true");
}

TEST_CASE("FCA run: the release to audit, nothing else") {
  auto request = commands::parse_fca_request(body(R"({"release":"rel-1"})"));
  REQUIRE(request.ok());
  CHECK(request->release == "rel-1");
  CHECK(refusal(commands::parse_fca_request(body(R"({"release":"","all":true})"))) ==
        Items{"release: must not be empty", "all: unknown field"});
  CHECK(refusal(commands::parse_fca_request(body("{}"))) == Items{"release: required"});
}
