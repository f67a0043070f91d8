// `tollgate ci-type` and `tollgate ci` against a real tollgated over HTTPS: types from flags and
// from a file, CIs created with coerced attributes, listed with filters, changed with and without
// --if-match, read back as of an earlier time, their history; and the refusals (a stale
// revision's 412, the server's 400 for an unknown attribute, a 404) as non-zero exits.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::e2e::contains;
using tollgate::e2e::read_file;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::write_file;
namespace json = boost::json;

namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;

  // Standard output as JSON (a --json run).
  json::value document() const {
    boost::system::error_code ec;
    json::value v = json::parse(out, ec);
    REQUIRE_MESSAGE(!ec, out);
    return v;
  }
};

// 'text' for the shell.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Fixture {
  ServerProcess server{{"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}};

  Fixture() {
    const Status started = server.start();
    REQUIRE_MESSAGE(started.ok(), started.to_string());
  }

  // `tollgate ARGS` as the bootstrap admin.
  CliRun cli(const std::vector<std::string>& args) const {
    static int run_number = 0;
    const std::string err_path = fmt::format("{}/cli{}.err", server.temp_dir(), ++run_number);
    std::string command = fmt::format("HOME={} {} --server https://127.0.0.1:{} --ca {} --token {}",
                                      server.temp_dir(), TOLLGATE_CLI_PATH, server.port(),
                                      server.ca_file(), server.bootstrap_token());
    for (const auto& arg : args) command += " " + quoted(arg);
    const std::string run = run_command(command + " 2>" + err_path);
    const auto end = run.rfind("\nexit=");
    REQUIRE(end != std::string::npos);
    return {std::stoi(run.substr(end + 6)), run.substr(0, end), read_file(err_path)};
  }

  // A run that must succeed.
  CliRun ok(const std::vector<std::string>& args) const {
    CliRun run = cli(args);
    REQUIRE_MESSAGE(run.exit_code == 0, run.out << run.err);
    return run;
  }

  void define_service() const {
    ok({"ci-type", "create", "service", "--description", "a deployable service", "--attr",
        "port:int:required", "--attr", "tier:enum:gold|silver", "--attr", "host:ref"});
  }
};

}  // namespace

TEST_CASE("tollgate ci-type: create from flags and from a file, show, ls, refusals") {
  Fixture f;
  const CliRun created =
      f.ok({"ci-type", "create", "service", "--description", "a deployable service", "--attr",
            "port:int:required", "--attr", "tier:enum:gold|silver", "--attr", "host:ref"});
  CHECK(contains(created.out, "service  a deployable service"));
  CHECK(contains(created.out, "tier       enum  no        gold,silver"));

  const json::value shown = f.ok({"--json", "ci-type", "show", "service"}).document();
  CHECK(shown.at("attributes") == json::parse(R"([
      {"name":"port","type":"int","required":true},
      {"name":"tier","type":"enum","required":false,"values":["gold","silver"]},
      {"name":"host","type":"ref","required":false}])"));

  const std::string file = f.server.temp_dir() + "/host.json";
  write_file(file, R"({"attributes":[{"name":"os","type":"string","required":true}]})");
  f.ok({"ci-type", "create", "host", "--file", file});
  CHECK(f.ok({"--json", "ci-type", "show", "host"}).document().at("attributes").at(0).at("name") ==
        "os");

  const CliRun listed = f.ok({"ci-type", "ls"});
  CHECK(contains(listed.out, "host     os"));
  CHECK(contains(listed.out, "service  port,tier,host"));
  CHECK(f.ok({"--json", "ci-type", "ls"}).document().at("items").as_array().size() == 2);

  const CliRun bad_kind = f.cli({"ci-type", "create", "bad", "--attr", "size:float"});
  CHECK(bad_kind.exit_code == 1);
  CHECK(contains(bad_kind.err, "'float' is not one of string, int, bool, enum, ref"));
  const CliRun again = f.cli({"ci-type", "create", "host", "--attr", "os:string"});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "CI type 'host' already exists"));
  const CliRun missing = f.cli({"ci-type", "show", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "no CI type 'nope'"));
  const CliRun malformed = f.cli({"ci-type", "create", "x", "--attr", "tier:enum:a||b"});
  CHECK(malformed.exit_code == 1);
  CHECK(contains(malformed.err, "an empty value"));
}

TEST_CASE("tollgate ci: create with coerced attributes, show, ls with filters") {
  Fixture f;
  f.define_service();
  const CliRun web = f.ok({"ci", "create", "web-1", "--type", "service", "--name", "Web one",
                           "--owner", "team-web", "--attr", "port=8080", "--attr", "tier=gold"});
  CHECK(contains(web.out, "web-1  Web one  [ordered]"));
  CHECK(contains(web.out, "port       8080"));
  f.ok({"ci", "create", "db-1", "--type", "service", "--name", "Database", "--status", "received",
        "--controlled", "--attr", "port=5432", "--attr-json", "tier=\"silver\"", "--attr",
        "host=web-1"});

  const json::value db = f.ok({"--json", "ci", "show", "db-1"}).document();
  CHECK(db.at("attributes") == json::parse(R"({"port":5432,"tier":"silver","host":"web-1"})"));
  CHECK(db.at("status") == "received");
  CHECK(db.at("controlled") == true);
  CHECK(db.at("revision") == 1);

  const CliRun all = f.ok({"ci", "ls"});
  CHECK(contains(all.out, "db-1   service  received  1    -         Database"));
  CHECK(contains(all.out, "web-1  service  ordered   1    team-web  Web one"));
  const auto received = f.ok({"--json", "ci", "ls", "--status", "received"}).document();
  REQUIRE(received.at("items").as_array().size() == 1);
  CHECK(received.at("items").at(0).at("id") == "db-1");
  const auto found = f.ok({"--json", "ci", "ls", "--type", "service", "--q", "WEB"}).document();
  REQUIRE(found.at("items").as_array().size() == 1);
  CHECK(found.at("items").at(0).at("id") == "web-1");
  CHECK(f.ok({"--json", "ci", "ls", "--type", "host"}).document().at("items").as_array().empty());

  const CliRun unknown = f.cli({"ci", "create", "web-2", "--type", "service", "--name", "Web two",
                                "--attr", "port=1", "--attr", "colour=red"});
  CHECK(unknown.exit_code == 1);
  CHECK(contains(unknown.err,
                 "Invalid request: attributes.colour: type 'service' has no such attribute"));
  const CliRun wrong_type = f.cli(
      {"ci", "create", "web-3", "--type", "service", "--name", "Web three", "--attr", "port=80a"});
  CHECK(wrong_type.exit_code == 1);
  CHECK(contains(wrong_type.err, "attributes.port: must be an integer"));
  const CliRun bad_ref = f.cli({"--json", "ci", "create", "web-4", "--type", "service", "--name",
                                "W", "--attr", "port=1", "--attr", "host=nowhere"});
  CHECK(bad_ref.exit_code == 1);
  CHECK(bad_ref.document().at("status") == 400);
  CHECK(contains(bad_ref.err, "no CI 'nowhere' exists"));
  const CliRun missing = f.cli({"ci", "show", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "no CI 'nope'"));
  CHECK(f.cli({"ci", "create", "web-5", "--name", "no type"}).exit_code == 2);
}

TEST_CASE("tollgate ci set: If-Match from the CI or the flag, a stale one refused; history") {
  Fixture f;
  f.define_service();
  f.ok({"ci", "create", "web-1", "--type", "service", "--name", "Web one", "--attr", "port=8080",
        "--attr", "tier=gold"});

  const CliRun moved = f.ok({"ci", "set", "web-1", "--status", "received", "--attr", "port=9090"});
  CHECK(contains(moved.out, "web-1  Web one  [received]"));
  CHECK(contains(moved.out, "revision: 2"));
  const json::value renamed = f.ok({"--json", "ci", "set", "web-1", "--name", "Web One", "--attr",
                                    "tier=null", "--if-match", "2"})
                                  .document();
  CHECK(renamed.at("revision") == 3);
  CHECK(renamed.at("name") == "Web One");
  CHECK(renamed.at("attributes") == json::parse(R"({"port":9090})"));

  const CliRun stale = f.cli({"ci", "set", "web-1", "--owner", "someone", "--if-match", "1"});
  CHECK(stale.exit_code == 1);
  CHECK(contains(stale.err, "Precondition failed: CI 'web-1' is at revision 3, not 1"));
  const CliRun stale_json =
      f.cli({"--json", "ci", "set", "web-1", "--owner", "someone", "--if-match", "\"2\""});
  CHECK(stale_json.exit_code == 1);
  CHECK(stale_json.document().at("type") == "urn:tollgate:problem:stale-revision");
  CHECK(stale_json.document().at("status") == 412);
  const CliRun illegal = f.cli({"ci", "set", "web-1", "--status", "disposed"});
  CHECK(illegal.exit_code == 1);
  CHECK(contains(illegal.err, "cannot go from received to disposed"));
  CHECK(f.cli({"ci", "set", "web-1"}).exit_code == 1);  // nothing to change
  CHECK(f.ok({"--json", "ci", "show", "web-1"}).document().at("revision") == 3);

  const CliRun history = f.ok({"ci", "history", "web-1"});
  CHECK(contains(history.out, "REV  TIME"));
  CHECK(contains(history.out, "status: ordered -> received; attributes.port: 8080 -> 9090"));
  CHECK(contains(history.out, "name: Web one -> Web One; attributes.tier: gold -> -"));
  const json::value entries = f.ok({"--json", "ci", "history", "web-1"}).document();
  REQUIRE(entries.at("items").as_array().size() == 3);
  CHECK(entries.at("items").at(0).at("action") == "create");
  CHECK(entries.at("items").at(2).at("revision") == 3);

  const std::string first_time(entries.at("items").at(0).at("time").as_string());
  const json::value then =
      f.ok({"--json", "ci", "show", "web-1", "--as-of", first_time}).document();
  CHECK(then.at("revision") == 1);
  CHECK(then.at("name") == "Web one");
  const CliRun before = f.cli({"ci", "show", "web-1", "--as-of", "2000-01-01"});
  CHECK(before.exit_code == 1);
  CHECK(contains(before.err, "did not exist at 2000-01-01T23:59:59"));
  CHECK(f.cli({"ci", "show", "web-1", "--as-of", "yesterday"}).exit_code == 1);
}
