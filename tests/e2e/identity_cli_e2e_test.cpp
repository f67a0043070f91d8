// `tollgate user`, `tollgate token` and `tollgate whoami` against a real tollgated over HTTPS: an
// admin creates a person, mints a token for them narrowed to one role, the token speaks for
// them with that role only, is listed (never with its secret), revoked, and then refused.
//
// Built only with -DTOLLGATE_IDENTITY_E2E=ON: it needs the server's /api/v1/users, the
// user-bound /api/v1/tokens and /api/v1/whoami.
#include <doctest/doctest.h>

#include <chrono>
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

  // `tollgate ARGS` with `token` (default: the bootstrap admin's).
  CliRun cli(const std::vector<std::string>& args, std::string token = {}) const {
    static int run_number = 0;
    if (token.empty()) token = server.bootstrap_token();
    const std::string err_path = fmt::format("{}/cli{}.err", server.temp_dir(), ++run_number);
    std::string command =
        fmt::format("HOME={} {} --server https://127.0.0.1:{} --ca {} --token {}",
                    server.temp_dir(), TOLLGATE_CLI_PATH, server.port(), server.ca_file(), token);
    for (const auto& arg : args) command += " " + quoted(arg);
    const std::string run = run_command(command + " 2>" + err_path);
    const auto end = run.rfind("\nexit=");
    REQUIRE(end != std::string::npos);
    return {std::stoi(run.substr(end + 6)), run.substr(0, end), read_file(err_path)};
  }

  // A run that must succeed.
  CliRun ok(const std::vector<std::string>& args, const std::string& token = {}) const {
    CliRun run = cli(args, token);
    REQUIRE_MESSAGE(run.exit_code == 0, run.out << run.err);
    return run;
  }
};

// The calendar date (UTC, YYYY-MM-DD) `days` from now.
std::string days_from_now(int days) {
  const auto when = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
                    std::chrono::days(days);
  const std::chrono::year_month_day date(when);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

// The item of a --json list with this id.
json::value item_with_id(const json::value& list, const std::string& id) {
  for (const auto& item : list.at("items").as_array())
    if (item.at("id") == json::value(id)) return item;
  FAIL("no item '" << id << "' in " << json::serialize(list));
  return nullptr;
}

}  // namespace

TEST_CASE("tollgate user: create, show, ls, set") {
  Fixture f;
  const json::value alice = f.ok({"--json", "user", "create", "alice", "--name", "Alice Example",
                                  "--email", "alice@example.org", "--role", "release_manager",
                                  "--role", "viewer", "--env", "SIT", "--env", "SAT"})
                                .document();
  CHECK(alice.at("id") == "alice");
  CHECK(alice.at("roles") == json::parse(R"(["release_manager","viewer"])"));
  CHECK(alice.at("environments") == json::parse(R"(["SIT","SAT"])"));
  CHECK(alice.at("disabled") == false);
  CHECK(alice.at("source") == "local");

  const CliRun shown = f.ok({"user", "show", "alice"});
  CHECK(contains(shown.out, "alice  Alice Example  [active]"));
  CHECK(contains(shown.out, "roles: release_manager,viewer"));
  CHECK(contains(shown.out, "environments: SIT,SAT"));
  CHECK(item_with_id(f.ok({"--json", "user", "ls"}).document(), "alice").at("email") ==
        "alice@example.org");
  CHECK(contains(f.ok({"user", "ls"}).out, "alice"));

  const json::value changed = f.ok({"--json", "user", "set", "alice", "--role", "tester",
                                    "--all-envs", "--email", "a@example.org"})
                                  .document();
  CHECK(changed.at("roles") == json::parse(R"(["tester"])"));
  CHECK(changed.at("environments").as_array().empty());
  CHECK(changed.at("email") == "a@example.org");
  CHECK(f.ok({"--json", "user", "set", "alice", "--disable"}).document().at("disabled") == true);
  CHECK(contains(f.ok({"user", "set", "alice", "--enable"}).out, "[active]"));

  const CliRun twice = f.cli({"user", "create", "alice", "--name", "A", "--role", "viewer"});
  CHECK(twice.exit_code == 1);
  const CliRun no_role = f.cli({"user", "create", "bob", "--name", "Bob", "--role", "wizard"});
  CHECK(no_role.exit_code == 1);
  CHECK(contains(no_role.err, "wizard"));
  CHECK(f.cli({"user", "show", "nobody"}).exit_code == 1);
}

TEST_CASE("tollgate token: a narrowed token speaks for its user until it is revoked") {
  Fixture f;
  f.ok({"user", "create", "alice", "--name", "Alice Example", "--role", "release_manager", "--role",
        "viewer"});

  const json::value minted = f.ok({"--json", "token", "create", "--user", "alice", "--name",
                                   "laptop", "--role", "viewer", "--expires", days_from_now(30)})
                                 .document();
  const std::string id(minted.at("id").as_string());
  const std::string secret(minted.at("token").as_string());
  CHECK_FALSE(secret.empty());
  CHECK(minted.at("user") == "alice");
  CHECK(minted.at("roles") == json::parse(R"(["viewer"])"));

  const CliRun spare = f.ok({"token", "create", "--user", "alice", "--name", "spare"});
  CHECK(contains(spare.out, "token "));
  CHECK(contains(spare.out, "for alice (name: spare)"));
  CHECK(contains(spare.out, "shown once"));

  const json::value me = f.ok({"--json", "whoami"}, secret).document();
  CHECK(me.at("user") == "alice");
  CHECK(me.at("roles") == json::parse(R"(["viewer"])"));
  CHECK(me.at("token").at("id") == json::value(id));
  const CliRun me_text = f.ok({"whoami"}, secret);
  CHECK(contains(me_text.out, "alice (Alice Example)"));
  CHECK(contains(me_text.out, "roles: viewer\n"));
  const CliRun not_admin =
      f.cli({"user", "create", "mallory", "--name", "M", "--role", "admin"}, secret);
  CHECK(not_admin.exit_code == 1);

  const json::value listed = f.ok({"--json", "token", "ls", "--user", "alice"}).document();
  CHECK(listed.at("items").as_array().size() == 2);
  const json::value laptop = item_with_id(listed, id);
  CHECK(laptop.at("name") == "laptop");
  CHECK(laptop.at("revoked_at").is_null());
  CHECK_FALSE(laptop.as_object().contains("token"));
  const CliRun table = f.ok({"token", "ls", "--user", "alice"});
  CHECK(contains(table.out, id));
  CHECK_FALSE(contains(table.out, secret));

  const CliRun revoked = f.ok({"token", "revoke", id});
  CHECK(contains(revoked.out, "revoked token " + id + " of alice"));
  CHECK_FALSE(item_with_id(f.ok({"--json", "token", "ls", "--user", "alice"}).document(), id)
                  .at("revoked_at")
                  .is_null());

  const CliRun refused = f.cli({"whoami"}, secret);
  CHECK(refused.exit_code == 1);
  CHECK_FALSE(refused.err.empty());
  const CliRun refused_json = f.cli({"--json", "whoami"}, secret);
  CHECK(refused_json.exit_code == 1);
  CHECK(refused_json.document().at("status") == 401);
  CHECK(f.cli({"token", "revoke", "no-such-token"}).exit_code == 1);
}
