// Parsers of the CMDB request bodies: documented bodies are accepted, and wrong types, missing
// and unknown fields are refused with the messages the API has always given.
#include "server/http/commands/cmdb.hpp"

#include <doctest/doctest.h>

#include "tests/server/http/commands/parse_test_support.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::body;
using tollgate::testing::refusal;
using Items = std::vector<std::string>;

TEST_CASE("CI type: a schema is read; every problem is listed") {
  auto type = commands::parse_ci_type(body(R"({"name":"service","description":"d","attributes":[
      {"name":"port","type":"int","required":true},
      {"name":"tier","type":"enum","values":["gold","silver"]}]})"));
  REQUIRE(type.ok());
  CHECK(type->name == "service");
  CHECK(type->description == "d");
  REQUIRE(type->attributes.size() == 2);
  CHECK(type->attributes[0].kind == AttrKind::integer);
  CHECK(type->attributes[0].required);
  CHECK(type->attributes[1].values == std::vector<std::string>{"gold", "silver"});

  CHECK(refusal(commands::parse_ci_type(body(R"({"description":1,"colour":"red"})"))) ==
        Items{"name: required", "description: must be a string", "attributes: required",
              "colour: unknown field"});
  CHECK(refusal(commands::parse_ci_type(body(R"({"name":"x","attributes":[
      {"name":"a","type":"enum"},
      {"name":"a","type":"string"},
      {"name":"b","type":"float"},
      {"name":"c","type":"string","values":["v"],"size":3}, 7]})"))) ==
        Items{"attributes[0].values: an enum needs its values",
              "attributes[1].name: 'a' is defined twice",
              "attributes[2].type: 'float' is not one of string, int, bool, enum, ref",
              "attributes[3].values: only an enum has values", "attributes[3].size: unknown field",
              "attributes[4]: must be an object"});
  CHECK(refusal(commands::parse_ci_type(body(R"({"name":"Bad Name","attributes":[]})"))) ==
        Items{"name: must be a slug of [a-z0-9._-], 1..128 characters"});
}

TEST_CASE("CI creation: defaults, and the envelope's problems") {
  auto minimal = commands::parse_create_ci(body(R"({"id":"svc","type":"service","name":"Svc"})"));
  REQUIRE(minimal.ok());
  CHECK(minimal->owner.empty());
  CHECK(minimal->status == CiStatus::ordered);
  CHECK_FALSE(minimal->controlled);
  CHECK(minimal->attributes.empty());

  auto full = commands::parse_create_ci(body(R"({"id":"svc","type":"service","name":"Svc",
      "owner":"team-a","status":"live","controlled":true,"attributes":{"port":80}})"));
  REQUIRE(full.ok());
  CHECK(full->owner == "team-a");
  CHECK(full->status == CiStatus::live);
  CHECK(full->controlled);
  CHECK(full->attributes.at("port").as_int64() == 80);

  CHECK(refusal(commands::parse_create_ci(body(R"({"name":7,"controlled":"yes","x":1})"))) ==
        Items{"id: required", "type: required", "name: must be a string",
              "controlled: must be true or false", "x: unknown field"});
  CHECK(refusal(commands::parse_create_ci(
            body(R"({"id":"BAD ID","type":"t","name":"","status":"disposed"})"))) ==
        Items{"id: must be a slug of [a-z0-9._-], 1..128 characters", "name: must not be empty",
              "status: a CI cannot be created disposed"});
  CHECK(refusal(commands::parse_create_ci(
            body(R"({"id":"a","type":"t","name":"n","status":"broken","attributes":[]})"))) ==
        Items{"status: 'broken' is not one of ordered, received, under_test, live, under_repair, "
              "withdrawn, disposed",
              "attributes: must be an object"});
}

TEST_CASE("CI patch: absent stays absent, null owner clears, problems are listed") {
  auto empty = commands::parse_ci_patch(body("{}"));
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->name);
  CHECK_FALSE(empty->owner);
  CHECK_FALSE(empty->status);
  CHECK_FALSE(empty->controlled);
  CHECK_FALSE(empty->attributes);
  CHECK_FALSE(empty->rfc);

  auto patch = commands::parse_ci_patch(body(
      R"({"name":"N","owner":null,"status":"live","controlled":false,"attributes":{"tier":null},"rfc":"rfc-1"})"));
  REQUIRE(patch.ok());
  CHECK(patch->name == "N");
  CHECK(patch->owner == "");
  CHECK(patch->status == CiStatus::live);
  CHECK(patch->controlled == false);
  CHECK(patch->attributes->at("tier").is_null());
  CHECK(patch->rfc == "rfc-1");

  CHECK(refusal(commands::parse_ci_patch(body(R"({"owner":5,"status":3,"colour":"red"})"))) ==
        Items{"status: must be a string", "owner: must be a string or null",
              "colour: unknown field"});
  CHECK(refusal(commands::parse_ci_patch(body(R"({"name":"","rfc":"RFC 1"})"))) ==
        Items{"name: must not be empty", "rfc: must be the id of an RFC"});
}

TEST_CASE("relationship: a triple, its type checked, never to itself") {
  auto change =
      commands::parse_relationship_change(body(R"({"from":"a","type":"runs_on","to":"b"})"));
  REQUIRE(change.ok());
  CHECK(change->from == "a");
  CHECK(change->type == RelType::runs_on);
  CHECK(change->to == "b");
  CHECK_FALSE(change->rfc);

  CHECK(refusal(commands::parse_relationship_change(body(R"({"type":"loves","to":"b","z":0})"))) ==
        Items{"from: required",
              "type: 'loves' is not one of depends_on, runs_on, part_of, contains, documented_by, "
              "installed_in",
              "z: unknown field"});
  CHECK(refusal(commands::parse_relationship_change(
            body(R"({"from":"a","type":"runs_on","to":"a","rfc":"No"})"))) ==
        Items{"rfc: must be the id of an RFC", "to: a CI cannot be related to itself"});
}

TEST_CASE("document write, JSON form: content required, the rest only when given") {
  auto bare = commands::parse_document_write(body(R"({"content":"# Design"})"));
  REQUIRE(bare.ok());
  CHECK(bare->content == "# Design");
  CHECK_FALSE(bare->message);
  CHECK_FALSE(bare->media_type);
  CHECK_FALSE(bare->rfc);
  auto full = commands::parse_document_write(
      body(R"({"content":"x","message":"","media_type":"text/plain","rfc":"rfc-1"})"));
  REQUIRE(full.ok());
  CHECK(full->message == "");
  CHECK(full->media_type == "text/plain");
  CHECK(full->rfc == "rfc-1");
  CHECK(refusal(commands::parse_document_write(body(R"({"message":3,"author":"me"})"))) ==
        Items{"content: required", "message: must be a string", "author: unknown field"});
}
