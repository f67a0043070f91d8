// Parsers of the RFC request bodies: documented bodies are accepted, and wrong types, missing
// and unknown fields are refused with the messages the API has always given.
#include "server/http/commands/change.hpp"

#include <doctest/doctest.h>

#include "tests/server/http/commands/parse_test_support.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::body;
using tollgate::testing::refusal;
using Items = std::vector<std::string>;

TEST_CASE("RFC creation: defaults, sorted CIs, the impact, and every problem") {
  auto rfc = commands::parse_create_rfc(body(R"({"title":"Upgrade","cis":["web","api","web"],
      "impact":{"risk":"low","cycle_time":"2 days"}})"));
  REQUIRE(rfc.ok());
  CHECK(rfc->title == "Upgrade");
  CHECK(rfc->description.empty());
  CHECK(rfc->category == "normal");
  CHECK(rfc->cis == std::vector<std::string>{"api", "web"});
  CHECK(rfc->impact == boost::json::object{{"risk", "low"}, {"cycle_time", "2 days"}});

  CHECK(refusal(commands::parse_create_rfc(
            body(R"({"title":"","cis":[],"category":"urgent","impact":{"risk":"extreme"}})"))) ==
        Items{"cis: an RFC names at least one CI",
              "impact.risk: 'extreme' is not one of low, medium, high", "title: must not be empty",
              "category: 'urgent' is not one of standard, normal, emergency"});
  CHECK(refusal(commands::parse_create_rfc(body(R"({"description":3,"cis":["Web"],"x":1})"))) ==
        Items{"title: required", "description: must be a string", "cis: 'Web' is not a CI id",
              "impact: required", "x: unknown field"});
  CHECK(refusal(commands::parse_create_rfc(
            body(R"({"title":"t","cis":["web"],"impact":{"risk":"low","cost":3}})"))) ==
        Items{"impact.cost: unknown field"});
}

TEST_CASE("RFC patch: only what is given; cis present even when refused") {
  auto none = commands::parse_rfc_patch(body("{}"));
  REQUIRE(none.ok());
  CHECK_FALSE(none->title);
  CHECK_FALSE(none->cis);
  CHECK_FALSE(none->impact);
  CHECK_FALSE(none->note);

  auto patch = commands::parse_rfc_patch(
      body(R"({"title":"New","cis":["b","a"],"impact":{"risk":"high"},"note":"why"})"));
  REQUIRE(patch.ok());
  CHECK(patch->title == "New");
  CHECK(patch->cis == std::vector<std::string>{"a", "b"});
  CHECK(patch->impact == boost::json::object{{"risk", "high"}});
  CHECK(patch->note == "why");

  CHECK(refusal(commands::parse_rfc_patch(body(R"({"title":"","cis":"web","state":"x"})"))) ==
        Items{"cis: must be an array", "title: must not be empty", "state: unknown field"});
}

TEST_CASE("RFC step: an optional note, nothing else") {
  CHECK_FALSE(commands::parse_rfc_step(body("{}"))->note);
  CHECK(commands::parse_rfc_step(body(R"({"note":"ok"})"))->note == "ok");
  CHECK(refusal(commands::parse_rfc_step(body(R"({"comment":"x"})"))) ==
        Items{"comment: unknown field"});
  CHECK(refusal(commands::parse_rfc_step(body(R"({"note":1})"))) ==
        Items{"note: must be a string"});
}
