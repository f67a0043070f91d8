// `tollgate baseline`: the command line, the request body, WHEN and the readable views.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/baseline.hpp"

using namespace tollgate;
using namespace tollgate::cli;
namespace json = boost::json;

namespace {

struct Parsed {
  CLI::App app{"test"};
  BaselineCommands commands;
  bool ok = true;

  explicit Parsed(std::vector<std::string> args) {
    app.require_subcommand(1);
    add_baseline_commands(app, commands);
    std::vector<const char*> argv = {"tollgate"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError&) {
      ok = false;
    }
  }
};

}  // namespace

TEST_CASE("baseline cli: the command line and the create body") {
  Parsed create({"baseline", "create", "q4", "--ci", "a", "--ci", "b", "--description", "end"});
  REQUIRE(create.ok);
  CHECK(create.commands.parsed());
  CHECK(create.commands.options.action == "create");
  auto body = create_baseline_body(create.commands.options);
  REQUIRE(body.ok());
  CHECK(json::serialize(*body) == R"({"name":"q4","scope":{"cis":["a","b"]},"description":"end"})");

  Parsed envs({"baseline", "create", "prod", "--env", "production"});
  REQUIRE(envs.ok);
  CHECK(json::serialize(*create_baseline_body(envs.commands.options)) ==
        R"({"name":"prod","scope":{"environments":["production"]}})");
  Parsed all({"baseline", "create", "all"});
  CHECK(json::serialize(*create_baseline_body(all.commands.options)) ==
        R"({"name":"all","scope":{"all":true}})");
  Parsed both({"baseline", "create", "x", "--ci", "a", "--env", "SIT"});
  CHECK(create_baseline_body(both.commands.options).status().code() == Code::invalid);

  Parsed at({"baseline", "at", "--env", "production", "2026-12-01"});
  REQUIRE(at.ok);
  CHECK(at.commands.options.action == "at");
  CHECK(at.commands.options.environment == "production");
  CHECK(at.commands.options.when == "2026-12-01");
  CHECK_FALSE(Parsed({"baseline", "at", "2026-12-01"}).ok);  // --env is required
  Parsed diff({"baseline", "diff", "a", "current"});
  CHECK(diff.commands.options.name == "a");
  CHECK(diff.commands.options.other == "current");
  CHECK_FALSE(Parsed({"baseline"}).ok);
}

TEST_CASE("baseline cli: WHEN is a date (the end of that day) or an RFC 3339 time") {
  CHECK(*baseline_instant("2026-12-01") == "2026-12-01T23:59:59.999999Z");
  CHECK(*baseline_instant("2026-12-01T10:00:00+02:00") == "2026-12-01T08:00:00.000000Z");
  CHECK(baseline_instant("2026-13-01").status().code() == Code::invalid);
  CHECK(baseline_instant("tomorrow").status().code() == Code::invalid);
}

TEST_CASE("baseline cli: the views name what ran, its digests and its approvers") {
  const json::object document = json::parse(R"({
    "kind":"baseline","name":"production-v1","created_at":"2026-12-01T10:00:00.000000Z",
    "created_by":"rm","scope":{"environments":["production"]},"cis":[],
    "environments":[{"environment":"production","version":1,"action":"promote",
      "release":"rel-1","created_at":"2026-12-01T10:00:00.000000Z",
      "entries":[{"ci":"payments","version":"2.3","release":"rel-1",
        "artifacts":[{"file":"app.tar","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":3,"install_path":"/opt/app.tar"}]}]}],
    "releases":[{"id":"rel-1","name":"payments","version":"2.3","category":"scheduled",
      "gates":[{"gate":"uat","verdict":"pass","by":"tess","at":"2026-12-01T09:00:00.000000Z"}],
      "rfcs":[{"id":"rfc-1","title":"Pay","state":"approved","approved_by":"cm",
               "approved_at":"2026-11-30T09:00:00.000000Z"}]}]})")
                                    .as_object();
  const auto baseline = parse_baseline(document);
  REQUIRE(baseline.ok());
  const std::string view = format_baseline_in_force(*baseline, "ed25519:0011");
  CHECK(view.find("signature verified (ed25519:0011)") != std::string::npos);
  CHECK(view.find("payments 2.3  release rel-1") != std::string::npos);
  CHECK(
      view.find("app.tar  sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  "
                "3 bytes  -> /opt/app.tar") != std::string::npos);
  CHECK(view.find("gate uat pass by tess at 2026-12-01T09:00:00.000000Z") != std::string::npos);
  CHECK(view.find("rfc rfc-1 \"Pay\" approved approved by cm") != std::string::npos);

  const json::object diff = json::parse(R"({"from":"a","to":"current",
    "cis":{"added":["cache"],"removed":[],"changed":[{"id":"payments","from_revision":1,
      "to_revision":2,"fields":[{"field":"attributes.port","from":8080,"to":9090}]}]},
    "environments":[{"environment":"SIT","from_version":1,"to_version":2,"artifacts":{
      "added":[],"removed":[],"changed":[{"ci":"payments","file":"app.tar","from_version":"2.3",
      "to_version":"2.4","from_sha256":"aa","to_sha256":"bb"}]}}]})")
                                .as_object();
  const std::string text = format_baseline_diff(diff);
  CHECK(text.find("CIs added: cache") != std::string::npos);
  CHECK(text.find("  attributes.port: 8080 -> 9090") != std::string::npos);
  CHECK(text.find("SIT manifest 1 -> 2") != std::string::npos);
  CHECK(text.find("~ payments/app.tar 2.3 -> 2.4 sha256:aa -> sha256:bb") != std::string::npos);
}
