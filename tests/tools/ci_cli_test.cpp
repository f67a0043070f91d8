// `tollgate ci` and `tollgate ci-type`: the command line, the request bodies and the readable
// views.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/ci.hpp"

using namespace tollgate;
using namespace tollgate::cli;
namespace json = boost::json;

namespace {

// Parses `args` (after the program name) with the ci commands registered.
struct Parsed {
  CLI::App app{"test"};  // owns the subcommands `commands` points into
  CiCommands commands;
  bool ok = true;
  std::string error;

  explicit Parsed(std::vector<std::string> args) {
    app.require_subcommand(1);
    add_ci_commands(app, commands);
    std::vector<const char*> argv = {"tollgate"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      ok = false;
      error = e.what();
    }
  }
};

json::object parse_object(const std::string& text) { return json::parse(text).as_object(); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("--attr values: integers, booleans and null are JSON, the rest strings") {
  const std::vector<std::pair<std::string, json::value>> cases = {
      {"8080", json::value(8080)},
      {"-3", json::value(-3)},
      {"0", json::value(0)},
      {"9223372036854775807", json::value(INT64_MAX)},
      {"true", json::value(true)},
      {"false", json::value(false)},
      {"null", json::value(nullptr)},
      {"007", json::value("007")},
      {"+5", json::value("+5")},
      {"1.5", json::value("1.5")},
      {"-", json::value("-")},
      {"True", json::value("True")},
      {"gold tier", json::value("gold tier")},
      {"12ab", json::value("12ab")},
  };
  for (const auto& c : cases) {
    const auto& text = c.first;
    const auto& expected = c.second;
    CAPTURE(text);
    auto value = attribute_value(text);
    REQUIRE(value.ok());
    CHECK(*value == expected);
  }
  auto huge = attribute_value("99999999999999999999");
  REQUIRE_FALSE(huge.ok());
  CHECK(contains(huge.status().message(), "--attr-json"));
}

TEST_CASE("ci create: flags become the request body") {
  Parsed p({"ci",           "create",
            "payments-api", "--type",
            "service",      "--name",
            "Payments API", "--owner",
            "team-pay",     "--status",
            "live",         "--controlled",
            "--attr",       "port=8080",
            "--attr",       "tier=gold",
            "--attr",       "public=false",
            "--attr-json",  "code=\"42\"",
            "--attr-json",  "tags=[\"a\",\"b\"]"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.ci.action == "create");
  CHECK(p.commands.parsed());
  auto body = create_ci_body(p.commands.ci);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"id":"payments-api","type":"service","name":"Payments API",
      "owner":"team-pay","status":"live","controlled":true,
      "attributes":{"port":8080,"tier":"gold","public":false,"code":"42","tags":["a","b"]}})"));

  Parsed minimal({"ci", "create", "web", "--type", "service", "--name", "Web"});
  REQUIRE(minimal.ok);
  auto plain = create_ci_body(minimal.commands.ci);
  REQUIRE(plain.ok());
  CHECK(*plain == parse_object(R"({"id":"web","type":"service","name":"Web","attributes":{}})"));
}

TEST_CASE("--attr takes one value each time, so the id may follow it") {
  Parsed p({"ci", "create", "--attr", "port=1", "web", "--type", "service", "--name", "W",
            "--attr-json", "tags=[]", "--controlled"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.ci.id == "web");
  CHECK(p.commands.ci.attributes == std::vector<std::string>{"port=1"});
  Parsed type({"ci-type", "create", "--attr", "port:int", "service"});
  REQUIRE_MESSAGE(type.ok, type.error);
  CHECK(type.commands.ci_type.name == "service");
}

TEST_CASE("ci create: usage errors are caught before any request") {
  CHECK_FALSE(Parsed({"ci", "create", "web", "--name", "Web"}).ok);
  CHECK_FALSE(Parsed({"ci", "create", "--type", "service", "--name", "Web"}).ok);
  CHECK_FALSE(Parsed({"ci"}).ok);
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"--attr", "port"},
                                             {"--attr", "=1"},
                                             {"--attr", "port=1", "--attr", "port=2"},
                                             {"--attr", "port=1", "--attr-json", "port=2"},
                                             {"--attr-json", "port={"}}) {
    std::vector<std::string> args = {"ci", "create", "web", "--type", "service", "--name", "W"};
    args.insert(args.end(), bad.begin(), bad.end());
    Parsed p(args);
    REQUIRE_MESSAGE(p.ok, p.error);
    auto body = create_ci_body(p.commands.ci);
    CAPTURE(bad.back());
    REQUIRE_FALSE(body.ok());
    CHECK(body.status().code() == Code::invalid);
  }
}

TEST_CASE("ci set: only the fields given, null removes an attribute, If-Match quoted") {
  Parsed p({"ci", "set", "web", "--status", "live", "--attr", "port=9090", "--attr", "old=null",
            "--rfc", "rfc-3", "--if-match", "4"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.ci.action == "set");
  auto body = patch_ci_body(p.commands.ci);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"status":"live","attributes":{"port":9090,"old":null},
      "rfc":"rfc-3"})"));
  CHECK(*if_match_value(p.commands.ci.if_match) == "\"4\"");
  CHECK(*if_match_value("\"12\"") == "\"12\"");
  CHECK_FALSE(if_match_value("abc").ok());
  CHECK_FALSE(if_match_value("").ok());
  CHECK_FALSE(if_match_value("\"\"").ok());

  Parsed owner({"ci", "set", "web", "--owner", ""});
  REQUIRE(owner.ok);
  CHECK(*patch_ci_body(owner.commands.ci) == parse_object(R"({"owner":""})"));

  Parsed nothing({"ci", "set", "web", "--rfc", "rfc-1"});
  REQUIRE(nothing.ok);
  auto refused = patch_ci_body(nothing.commands.ci);
  REQUIRE_FALSE(refused.ok());
  CHECK(contains(refused.status().message(), "nothing to change"));
}

TEST_CASE("ci show, ls and history parse their options") {
  Parsed show({"ci", "show", "web", "--as-of", "2026-12-01"});
  REQUIRE(show.ok);
  CHECK(show.commands.ci.action == "show");
  CHECK(show.commands.ci.as_of == "2026-12-01");
  Parsed ls({"ci", "ls", "--type", "service", "--status", "live", "--q", "pay"});
  REQUIRE(ls.ok);
  CHECK(ls.commands.ci.action == "ls");
  CHECK(ls.commands.ci.type_filter == "service");
  CHECK(ls.commands.ci.status_filter == "live");
  CHECK(ls.commands.ci.query == "pay");
  Parsed history({"ci", "history", "web"});
  REQUIRE(history.ok);
  CHECK(history.commands.ci.action == "history");
  CHECK_FALSE(Parsed({"ci", "history"}).ok);
}

TEST_CASE("ci-type --attr: NAME:TYPE[:required][:V1|V2|...]") {
  CHECK(*attribute_definition("port:int") ==
        parse_object(R"({"name":"port","type":"int","required":false})"));
  CHECK(*attribute_definition("port:int:required") ==
        parse_object(R"({"name":"port","type":"int","required":true})"));
  CHECK(*attribute_definition("tier:enum:required:gold|silver|bronze") ==
        parse_object(R"({"name":"tier","type":"enum","required":true,
                         "values":["gold","silver","bronze"]})"));
  CHECK(*attribute_definition("tier:enum:gold|silver:required") ==
        parse_object(R"({"name":"tier","type":"enum","required":true,
                         "values":["gold","silver"]})"));
  CHECK(*attribute_definition("tier:enum:gold") ==
        parse_object(R"({"name":"tier","type":"enum","required":false,"values":["gold"]})"));
  for (const char* bad : {"", "port", "port:", ":int", "port:int:required:required",
                          "tier:enum:a|b:c|d", "tier:enum:a||b", "tier:enum:a|", "a:b:c:d:e"}) {
    CAPTURE(bad);
    auto parsed = attribute_definition(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid);
  }
}

TEST_CASE("ci-type create: from flags or from a file") {
  Parsed p({"ci-type", "create", "service", "--description", "a deployable service", "--attr",
            "port:int:required", "--attr", "tier:enum:gold|silver", "--attr", "host:ref"});
  REQUIRE_MESSAGE(p.ok, p.error);
  const CiTypeOptions& o = p.commands.ci_type;
  CHECK(o.action == "create");
  auto body = create_ci_type_body(o);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"name":"service","description":"a deployable service",
      "attributes":[{"name":"port","type":"int","required":true},
                    {"name":"tier","type":"enum","required":false,"values":["gold","silver"]},
                    {"name":"host","type":"ref","required":false}]})"));
  CHECK(create_ci_type_body(Parsed({"ci-type", "create", "bare"}).commands.ci_type)
            ->at("attributes") == json::array{});
  CHECK_FALSE(create_ci_type_body(Parsed({"ci-type", "create"}).commands.ci_type).ok());

  const std::string file = R"({"name":"host","attributes":[{"name":"os","type":"string"}]})";
  CiTypeOptions from_file;
  from_file.file = "host.json";
  CHECK(*ci_type_body_from_file(from_file, file) == parse_object(file));
  from_file.name = "host";
  CHECK(*ci_type_body_from_file(from_file, file) == parse_object(file));
  CHECK(ci_type_body_from_file(from_file, R"({"attributes":[]})")->at("name") == "host");
  from_file.name = "other";
  CHECK_FALSE(ci_type_body_from_file(from_file, file).ok());
  from_file.name.clear();
  CHECK_FALSE(ci_type_body_from_file(from_file, R"({"attributes":[]})").ok());
  CHECK_FALSE(ci_type_body_from_file(from_file, "[1]").ok());
  from_file.attributes = {"os:string"};
  CHECK_FALSE(ci_type_body_from_file(from_file, file).ok());
  CHECK_FALSE(create_ci_type_body(from_file).ok());

  CHECK(Parsed({"ci-type", "ls"}).commands.ci_type.action == "ls");
  CHECK(Parsed({"ci-type", "show", "service"}).commands.ci_type.name == "service");
}

TEST_CASE("readable views of CIs, history and CI types") {
  const auto ci = parse_object(R"({"id":"web","type":"service","name":"Web","owner":"",
      "status":"live","controlled":true,"attributes":{"port":8080,"tier":"gold"},"revision":3,
      "created_at":"2026-01-01T00:00:00.000000Z","updated_at":"2026-01-02T00:00:00.000000Z"})");
  const std::string shown = format_ci(ci);
  CHECK(contains(shown, "web  Web  [live]"));
  CHECK(contains(shown, "controlled: yes  revision: 3"));
  CHECK(contains(shown, "port       8080"));
  CHECK(contains(shown, "tier       gold"));
  CHECK(contains(format_ci_list(json::array{ci}), "web  service  live    3"));

  const auto entries = json::parse(R"([
      {"revision":1,"action":"create","actor":"admin","time":"T1","rfc":null,
       "changes":{"name":{"old":null,"new":"Web"}}},
      {"revision":2,"action":"update","actor":"cm","time":"T2","rfc":"rfc-1",
       "changes":{"status":{"old":"ordered","new":"live"},
                  "attributes.port":{"old":8080,"new":null}}}])")
                           .as_array();
  const std::string history = format_ci_history(entries);
  CHECK(contains(history, "name=Web"));
  CHECK(contains(history, "status: ordered -> live; attributes.port: 8080 -> -"));
  CHECK(contains(history, "rfc-1"));

  const auto type = parse_object(R"({"name":"service","description":"","attributes":[
      {"name":"port","type":"int","required":true},
      {"name":"tier","type":"enum","required":false,"values":["gold","silver"]}],
      "created_at":"T","created_by":"admin"})");
  const std::string type_view = format_ci_type(type);
  CHECK(contains(type_view, "service  -\n"));
  CHECK(contains(type_view, "port       int   yes       -"));
  CHECK(contains(type_view, "tier       enum  no        gold,silver"));
  CHECK(contains(format_ci_type_list(json::array{type}), "service  port,tier"));
}
