// `tollgate user`, `tollgate token` and `tollgate whoami`: the command line, the request bodies
// and the readable views.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/identity.hpp"

using namespace tollgate;
using namespace tollgate::cli;
namespace json = boost::json;

namespace {

// Parses `args` (after the program name) with the identity commands registered.
struct Parsed {
  CLI::App app{"test"};  // owns the subcommands `commands` points into
  IdentityCommands commands;
  bool ok = true;
  std::string error;

  explicit Parsed(std::vector<std::string> args) {
    app.require_subcommand(1);
    add_identity_commands(app, commands);
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

TEST_CASE("user create: flags become the request body") {
  Parsed p({"user", "create", "alice", "--name", "Alice Example", "--email", "alice@example.org",
            "--role", "release_manager", "--role", "viewer", "--env", "SIT", "--env", "SAT"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.user.action == "create");
  CHECK(p.commands.parsed());
  auto body = create_user_body(p.commands.user);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"id":"alice","name":"Alice Example",
      "email":"alice@example.org","roles":["release_manager","viewer"],
      "environments":["SIT","SAT"]})"));

  Parsed minimal({"user", "create", "bob", "--name", "Bob", "--role", "tester", "--disable"});
  REQUIRE(minimal.ok);
  CHECK(*create_user_body(minimal.commands.user) ==
        parse_object(R"({"id":"bob","name":"Bob","roles":["tester"],"disabled":true})"));

  Parsed after({"user", "create", "--role", "viewer", "carol", "--name", "Carol"});
  REQUIRE_MESSAGE(after.ok, after.error);
  CHECK(after.commands.user.id == "carol");
  CHECK(after.commands.user.roles == std::vector<std::string>{"viewer"});

  CHECK_FALSE(Parsed({"user", "create", "bob", "--name", "Bob"}).ok);  // no --role
  CHECK_FALSE(Parsed({"user", "create", "--name", "Bob", "--role", "tester"}).ok);
  CHECK_FALSE(Parsed({"user"}).ok);
}

TEST_CASE("user set: only what is given; roles and environments replace") {
  Parsed p({"user", "set", "alice", "--role", "auditor", "--env", "production", "--disable"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.user.action == "set");
  CHECK(*patch_user_body(p.commands.user) ==
        parse_object(R"({"roles":["auditor"],"environments":["production"],"disabled":true})"));

  Parsed enable({"user", "set", "alice", "--enable", "--all-envs", "--name", "Alice B"});
  REQUIRE(enable.ok);
  CHECK(*patch_user_body(enable.commands.user) ==
        parse_object(R"({"name":"Alice B","environments":[],"disabled":false})"));

  Parsed email({"user", "set", "alice", "--email", "a@example.org"});
  REQUIRE(email.ok);
  CHECK(*patch_user_body(email.commands.user) == parse_object(R"({"email":"a@example.org"})"));

  CHECK_FALSE(Parsed({"user", "set", "alice", "--disable", "--enable"}).ok);
  CHECK_FALSE(Parsed({"user", "set", "alice", "--env", "SIT", "--all-envs"}).ok);
  Parsed nothing({"user", "set", "alice"});
  REQUIRE(nothing.ok);
  auto refused = patch_user_body(nothing.commands.user);
  REQUIRE_FALSE(refused.ok());
  CHECK(contains(refused.status().message(), "nothing to change"));

  UserOptions both;
  both.disable = both.enable = true;
  CHECK_FALSE(patch_user_body(both).ok());
}

TEST_CASE("user ls and show, whoami") {
  CHECK(Parsed({"user", "ls"}).commands.user.action == "ls");
  Parsed show({"user", "show", "alice"});
  REQUIRE(show.ok);
  CHECK(show.commands.user.action == "show");
  CHECK(show.commands.user.id == "alice");
  Parsed whoami({"whoami"});
  REQUIRE(whoami.ok);
  CHECK(whoami.commands.parsed());
  CHECK(whoami.commands.whoami_command->parsed());
}

TEST_CASE("token create: a user, and roles, environments and expiry that narrow it") {
  Parsed p({"token", "create", "--user", "alice", "--name", "laptop", "--role", "viewer", "--env",
            "SIT", "--expires", "2027-01-31"});
  REQUIRE_MESSAGE(p.ok, p.error);
  CHECK(p.commands.token.action == "create");
  CHECK(*create_token_body(p.commands.token) ==
        parse_object(R"({"user":"alice","name":"laptop","roles":["viewer"],
            "environments":["SIT"],"expires_at":"2027-01-31"})"));

  Parsed plain({"token", "create", "--user", "alice"});
  REQUIRE(plain.ok);
  CHECK(*create_token_body(plain.commands.token) == parse_object(R"({"user":"alice"})"));
  CHECK_FALSE(Parsed({"token", "create", "--name", "x"}).ok);
  CHECK_FALSE(create_token_body(TokenOptions{}).ok());

  Parsed ls({"token", "ls", "--user", "alice"});
  REQUIRE(ls.ok);
  CHECK(ls.commands.token.action == "ls");
  CHECK(ls.commands.token.user == "alice");
  Parsed revoke({"token", "revoke", "4f2a"});
  REQUIRE(revoke.ok);
  CHECK(revoke.commands.token.action == "revoke");
  CHECK(revoke.commands.token.id == "4f2a");
  CHECK_FALSE(Parsed({"token", "revoke"}).ok);
}

TEST_CASE("readable views of users, tokens and whoami") {
  const auto alice = parse_object(R"({"id":"alice","name":"Alice","email":"a@example.org",
      "roles":["release_manager","viewer"],"environments":[],"disabled":false,"source":"local",
      "created_at":"T1","created_by":"admin","updated_at":"T2","updated_by":"admin"})");
  const std::string shown = format_user(alice);
  CHECK(contains(shown, "alice  Alice  [active]"));
  CHECK(contains(shown, "roles: release_manager,viewer"));
  CHECK(contains(shown, "environments: all"));
  json::object bob = alice;
  bob["id"] = "bob";
  bob["disabled"] = true;
  bob["environments"] = json::array{"SIT"};
  const std::string list = format_user_list(json::array{alice, bob});
  CHECK(contains(list, "alice  active    local   release_manager,viewer  all"));
  CHECK(contains(list, "bob    disabled  local   release_manager,viewer  SIT"));

  const auto minted = parse_object(R"({"id":"4f2a","user":"alice","name":"laptop",
      "roles":["viewer"],"environments":[],"created_at":"T","created_by":"admin",
      "expires_at":null,"token":"tg_0123abcd"})");
  const std::string secret = format_minted_token(minted);
  CHECK(contains(secret, "token 4f2a for alice (name: laptop)"));
  CHECK(contains(secret, "roles: viewer  environments: the user's  expires: never"));
  CHECK(contains(secret, "\n    tg_0123abcd\n"));
  CHECK(contains(secret, "shown once"));

  json::object listed = minted;
  listed.erase("token");
  listed["revoked_at"] = "T9";
  listed["revoked_by"] = "admin";
  listed["last_used_at"] = nullptr;
  const std::string tokens = format_token_list(json::array{listed});
  CHECK(contains(tokens, "4f2a  alice  laptop  viewer  the user's    never    -          T9"));
  CHECK_FALSE(contains(tokens, "tg_"));
  CHECK(format_revoked_token(listed) ==
        "revoked token 4f2a of alice (name: laptop) at T9 by admin\n");

  const auto whoami = parse_object(R"({"user":"alice","name":"Alice","roles":["viewer"],
      "environments":["SIT"],"token":{"id":"4f2a","expires_at":"2027-01-31T23:59:59Z"}})");
  CHECK(format_whoami(whoami) ==
        "alice (Alice)\nroles: viewer\nenvironments: SIT\n"
        "token: 4f2a, expires 2027-01-31T23:59:59Z\n");
}
