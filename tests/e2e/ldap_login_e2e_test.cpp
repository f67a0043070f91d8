// Logging in through a real OpenLDAP directory: slapd started by the test (StartTLS with a test
// CA), a real tollgated with an [ldap] section, POST /api/v1/sessions and `tollgate login`.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/slapd_process.hpp"

using namespace tollgate;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::contains;
using tollgate::e2e::must;
using tollgate::e2e::read_file;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::write_file;
using tollgate::testing::SlapdProcess;
namespace json = boost::json;

namespace {

constexpr unsigned kDelayMs = 300;

std::string roles_of(const json::object& o) {
  std::string out;
  for (const auto& r : o.at("roles").as_array()) out += std::string(r.as_string()) + " ";
  return out;
}

// slapd with alice (release-managers, testers), bob (testers, sit-team), carol
// (release-managers, testers) and
// dave (no group); a tollgated whose [ldap] points at it over StartTLS.
struct Fixture {
  SlapdProcess slapd;
  bool ldaps = false;  // ldaps:// instead of ldap:// with StartTLS
  std::string config_path;
  std::optional<ServerProcess> server;

  // `extra`: more [ldap] settings; `lookup`: how the DN is found (default: a DN template).
  explicit Fixture(const std::string& extra = "", bool configure = true, std::string lookup = "",
                   bool use_ldaps = false)
      : ldaps(use_ldaps) {
    if (lookup.empty())
      lookup =
          "bind_dn_template = \"uid={username},ou=people,dc=example,dc=org\"\n"
          "group_base = \"ou=groups,dc=example,dc=org\"\n";
    const Status started = slapd.start();
    REQUIRE_MESSAGE(started.ok(), started.to_string());
    REQUIRE(slapd.add_person("alice", "Alice Liddell", "wonderland").ok());
    REQUIRE(slapd.add_person("bob", "Bob Builder", "can-we-fix-it").ok());
    REQUIRE(slapd.add_person("carol", "Carol Danvers", "marvel").ok());
    REQUIRE(slapd.add_person("dave", "Dave Bowman", "open-the-pod").ok());
    REQUIRE(slapd.add_group("release-managers", {"alice", "carol"}).ok());
    REQUIRE(slapd.add_group("testers", {"alice", "bob", "carol"}).ok());
    REQUIRE(slapd.add_group("sit-team", {"bob"}).ok());
    config_path = slapd.dir() + "/tollgate.toml";
    if (configure)
      write_file(config_path, ldap_config(lookup + extra));
    else
      write_file(config_path, "[log]\naccess = false\n");
    server.emplace(std::vector<std::string>{"--config", config_path});
    const Status up = server->start();
    REQUIRE_MESSAGE(up.ok(), up.to_string());
  }

  std::string ldap_config(const std::string& extra) const {
    const std::string transport = ldaps ? fmt::format("url = \"{}\"", slapd.ldaps_url())
                                        : fmt::format("url = \"{}\"\nstarttls = true", slapd.url());
    return fmt::format(R"([ldap]
{}
ca_file = "{}"
session_hours = 2
timeout_seconds = 3
failed_login_delay_ms = {}
max_failures = 3
lockout_minutes = 1
{}
[ldap.groups_to_roles]
release-managers = ["release_manager"]
"cn=testers,ou=groups,dc=example,dc=org" = ["tester"]

[ldap.groups_to_environments]
sit-team = ["SIT"]
)",
                       transport, slapd.ca_file(), kDelayMs, extra);
  }

  client::HttpResponse login(const std::string& user, const std::string& password) {
    json::object body{{"username", user}, {"password", password}};
    return must(server->client().request("POST", "/api/v1/sessions", json::serialize(body)));
  }

  json::object whoami(const std::string& token) {
    auto r = must(server->client(token).request("GET", "/api/v1/whoami"));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }
};

}  // namespace

TEST_CASE("LDAP login over StartTLS: a session token with the roles of the person's groups") {
  Fixture f;
  auto r = f.login("alice", "wonderland");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(r.header("cache-control") == "no-store");
  auto session = body_of(r);
  CHECK(session.at("user").as_string() == "alice");
  CHECK(roles_of(session) == "release_manager tester ");
  CHECK(session.at("environments").as_array().empty());
  const std::string token(session.at("token").as_string());
  auto me = f.whoami(token);
  CHECK(me.at("user").as_string() == "alice");
  CHECK(me.at("name").as_string() == "Alice Liddell");
  CHECK(roles_of(me) == "release_manager tester ");

  // The user is kept from the directory; the token is a "session" one of about two hours.
  auto admin = f.server->admin_client();
  auto user = body_of(must(admin.request("GET", "/api/v1/users/alice")));
  CHECK(user.at("source").as_string() == "ldap");
  CHECK(user.at("email").as_string() == "alice@example.org");
  auto tokens = body_of(must(admin.request("GET", "/api/v1/tokens?user=alice")));
  REQUIRE(tokens.at("items").as_array().size() == 1);
  const auto& record = tokens.at("items").as_array()[0].as_object();
  CHECK(record.at("name").as_string() == "session");
  CHECK(record.at("expires_at") == session.at("expires_at"));

  // Leaving a group drops its role at the next login, and from every token of hers at once.
  REQUIRE(f.slapd.remove_member("release-managers", "alice").ok());
  auto again = f.login("alice", "wonderland");
  REQUIRE_MESSAGE(again.status == 201, again.body);
  CHECK(roles_of(body_of(again)) == "tester ");
  CHECK(roles_of(f.whoami(token)) == "tester ");

  // Group environments limit the user: bob is in sit-team.
  auto bob = f.login("bob", "can-we-fix-it");
  REQUIRE_MESSAGE(bob.status == 201, bob.body);
  CHECK(body_of(bob).at("environments").as_array() == json::array{"SIT"});

  // Each login is an audit entry under the person's name.
  auto log = body_of(must(admin.request("GET", "/api/v1/audit-log?actor=alice")));
  REQUIRE(log.at("items").as_array().size() == 2);
  CHECK(log.at("items").as_array()[0].at("action").as_string() == "POST /api/v1/sessions");
}

TEST_CASE("LDAP login: a wrong password and an unknown user get the same 401 after the delay") {
  Fixture f;
  const auto start = std::chrono::steady_clock::now();
  auto wrong = f.login("alice", "not-her-password");
  const auto waited = std::chrono::steady_clock::now() - start;
  check_problem(wrong, 401, "login-failed");
  CHECK(waited >= std::chrono::milliseconds(kDelayMs));
  auto unknown = f.login("nobody", "whatever");
  check_problem(unknown, 401, "login-failed");
  CHECK(body_of(unknown).at("detail") == body_of(wrong).at("detail"));

  auto log = body_of(must(
      f.server->admin_client().request("GET", "/api/v1/audit-log?actor=alice&outcome=refused")));
  REQUIRE(log.at("items").as_array().size() == 1);
  CHECK(log.at("items").as_array()[0].at("status").as_int64() == 401);
}

TEST_CASE("LDAP login: max_failures failures lock the username out, even with its password") {
  Fixture f;
  for (int i = 0; i < 3; ++i) check_problem(f.login("bob", "guess"), 401, "login-failed");
  auto locked = f.login("bob", "can-we-fix-it");
  check_problem(locked, 403, "login-locked");
  const std::string retry = locked.header("retry-after");
  REQUIRE_FALSE(retry.empty());
  CHECK(std::stoi(retry) > 0);
  CHECK(std::stoi(retry) <= 60);
  // Another person is not locked by bob's failures.
  CHECK(f.login("alice", "wonderland").status == 201);
}

TEST_CASE("LDAP login: a user disabled in Tollgate stays disabled; no mapped group, no login") {
  Fixture f;
  auto admin = f.server->admin_client();
  auto carol =
      must(admin.request("POST", "/api/v1/users",
                         R"({"id":"carol","name":"Carol","roles":["viewer"],"disabled":true})"));
  REQUIRE_MESSAGE(carol.status == 201, carol.body);
  check_problem(f.login("carol", "marvel"), 403, "user-disabled");

  REQUIRE(f.login("alice", "wonderland").status == 201);
  REQUIRE(must(admin.request("PATCH", "/api/v1/users/alice", R"({"disabled":true})")).status ==
          200);
  check_problem(f.login("alice", "wonderland"), 403, "user-disabled");

  check_problem(f.login("dave", "open-the-pod"), 403, "login-no-role");
  CHECK(must(admin.request("GET", "/api/v1/users/dave")).status == 404);
}

TEST_CASE("LDAP login: the body is checked before the directory is asked") {
  Fixture f;
  auto client = f.server->client();
  check_problem(must(client.request("POST", "/api/v1/sessions",
                                    R"({"username":"alice","password":"x","otp":"1"})")),
                400, "validation");
  check_problem(must(client.request("POST", "/api/v1/sessions", R"({"username":"alice"})")), 400,
                "validation");
  check_problem(f.login("Alice*)(uid=*", "x"), 400, "invalid");
  const std::string big = R"({"username":"alice","password":")" + std::string(5000, 'x') + "\"}";
  check_problem(must(client.request("POST", "/api/v1/sessions", big)), 413, "too-large");
}

TEST_CASE("LDAP login: a directory that is down answers 503; local tokens keep working") {
  Fixture f;
  f.slapd.stop();
  check_problem(f.login("alice", "wonderland"), 503, "directory-unavailable");
  auto me = f.whoami(f.server->bootstrap_token());
  CHECK(me.at("user").as_string() == "admin");
}

TEST_CASE("LDAP login: a directory certificate the CA does not sign is refused (503)") {
  Fixture f;
  f.server->stop();
  // The server's own certificate as the CA: the directory's does not verify against it.
  std::string config = read_file(f.config_path);
  const auto at = config.find(f.slapd.ca_file());
  REQUIRE(at != std::string::npos);
  config.replace(at, f.slapd.ca_file().size(), f.server->ca_file());
  write_file(f.config_path, config);
  REQUIRE(f.server->start().ok());
  check_problem(f.login("alice", "wonderland"), 503, "directory-unavailable");
}

TEST_CASE("without [ldap], POST /api/v1/sessions answers 404 login-not-configured") {
  Fixture f("", false);
  check_problem(f.login("alice", "wonderland"), 404, "login-not-configured");
}

TEST_CASE("tollgate login: the password piped on stdin, the token kept 0600 for later commands") {
  Fixture f;
  const std::string home = f.slapd.dir() + "/home";
  const std::string base =
      fmt::format("XDG_CONFIG_HOME= HOME={} {} --server https://127.0.0.1:{} --ca {}", home,
                  TOLLGATE_CLI_PATH, f.server->port(), f.server->ca_file());
  const std::string out =
      run_command("printf 'wonderland\\n' | " + base + " login --user alice 2>&1");
  REQUIRE_MESSAGE(contains(out, "\nexit=0"), out);
  CHECK(contains(out, "alice"));
  CHECK(contains(out, "until"));
  const std::string config_file = home + "/.config/tollgate/config.toml";
  struct stat st {};
  REQUIRE(::stat(config_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(contains(read_file(config_file), "token = \"tg_"));

  const std::string who = run_command(base + " whoami 2>&1");
  REQUIRE_MESSAGE(contains(who, "\nexit=0"), who);
  CHECK(contains(who, "alice"));

  const std::string wrong = run_command("printf 'nope\\n' | " + base + " login --user alice 2>&1");
  CHECK_FALSE(contains(wrong, "\nexit=0"));
  CHECK(contains(wrong, "password is wrong"));
}

TEST_CASE("LDAP login by search: a service account finds the entry, then the person binds") {
  const std::string password_file =
      std::filesystem::temp_directory_path() / fmt::format("tg-ldap-pw-{}", ::getpid());
  write_file(password_file, std::string(SlapdProcess::kRootPassword) + "\n");
  const std::string lookup = fmt::format(
      "search_base = \"{}\"\nsearch_filter = \"(&(objectClass=inetOrgPerson)(uid={{username}}))\"\n"
      "bind_dn = \"{}\"\nbind_password_file = \"{}\"\ngroup_base = \"{}\"\n",
      SlapdProcess::kPeople, SlapdProcess::kRootDn, password_file, SlapdProcess::kGroups);
  {
    Fixture f("", true, lookup);
    auto r = f.login("bob", "can-we-fix-it");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(roles_of(body_of(r)) == "tester ");
    check_problem(f.login("bob", "wrong"), 401, "login-failed");
    check_problem(f.login("nobody", "x"), 401, "login-failed");
  }
  // A service account the directory refuses is the directory's fault, not the person's.
  write_file(password_file, "not-the-password\n");
  {
    Fixture f("", true, lookup);
    check_problem(f.login("bob", "can-we-fix-it"), 503, "directory-unavailable");
  }
  std::filesystem::remove(password_file);
}

TEST_CASE("LDAP login with groups from the user entry's memberOf (no group_base)") {
  Fixture f("", true, "bind_dn_template = \"uid={username},ou=people,dc=example,dc=org\"\n");
  auto r = f.login("alice", "wonderland");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(roles_of(body_of(r)) == "release_manager tester ");
  REQUIRE(f.slapd.remove_member("release-managers", "alice").ok());
  auto again = f.login("alice", "wonderland");
  REQUIRE_MESSAGE(again.status == 201, again.body);
  CHECK(roles_of(body_of(again)) == "tester ");
}

TEST_CASE("LDAP login over ldaps://") {
  Fixture f("", true, "", true);
  CHECK(contains(read_file(f.config_path), "ldaps://"));
  auto r = f.login("bob", "can-we-fix-it");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(body_of(r).at("environments").as_array() == json::array{"SIT"});
  check_problem(f.login("bob", "wrong"), 401, "login-failed");
}
