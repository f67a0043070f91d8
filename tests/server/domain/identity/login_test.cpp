// Directory logins without a directory: the [ldap] section's checks, the filter and DN escapes,
// and LoginService over a fake Directory (group maps, lockout with a settable clock, the route).
// The real OpenLDAP is exercised in tests/e2e/ldap_login_e2e_test.cpp.
#include "server/domain/identity/login.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include <boost/json.hpp>

#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;

namespace {

Status load(const std::string& text, Config& config) {
  tollgate::testing::TempDir dir;
  const std::string path = dir.str() + "/t.toml";
  std::ofstream(path) << text;
  TG_RETURN_IF_ERROR(load_config_file(path, config));
  return validate(config);
}

constexpr const char* kLdap = R"([ldap]
url = "ldaps://ldap.example.org"
bind_dn_template = "uid={username},ou=people,dc=example,dc=org"
failed_login_delay_ms = 0
max_failures = 2
lockout_minutes = 10
[ldap.groups_to_roles]
ops = ["release_manager", "tester"]
"cn=Auditors,ou=groups,dc=example,dc=org" = ["auditor"]
[ldap.groups_to_environments]
ops = ["SIT", "CINTE"]
)";

// A directory of fixed people: username -> (password, groups).
class FakeDirectory final : public Directory {
 public:
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> people;
  bool down = false;
  mutable int calls = 0;

  Result<DirectoryUser> authenticate(std::string_view username,
                                     std::string_view password) const override {
    ++calls;
    if (down) return Status(Code::unavailable, "down").with_reason("directory-unavailable");
    auto it = people.find(std::string(username));
    if (it == people.end() || it->second.first != password)
      return Status(Code::unauthorized, "wrong").with_reason("login-failed");
    return DirectoryUser{"uid=" + it->first, "Name of " + it->first, it->first + "@example.org",
                         it->second.second};
  }
};

struct LoginFixture {
  AppFixture f;
  Config config;
  FakeDirectory* directory = nullptr;
  std::unique_ptr<LoginService> service;

  LoginFixture() {
    REQUIRE(load(kLdap, config).ok());
    auto fake = std::make_unique<FakeDirectory>();
    directory = fake.get();
    fake->people["ann"] = {"pw-ann", {"cn=ops,ou=groups,dc=example,dc=org", "ops"}};
    fake->people["aud"] = {"pw-aud", {"cn=auditors,ou=groups,dc=example,dc=org", "auditors"}};
    fake->people["nog"] = {"pw-nog", {"other"}};
    service =
        std::make_unique<LoginService>(*f.audited, f.app->tokens, config, f.clock, std::move(fake));
  }

  Result<LoginResult> login(const std::string& user, const std::string& password,
                            const std::string& remote = "192.0.2.1:4000") {
    unsigned retry = 0;
    return service->login({user, password, remote}, retry);
  }
};

}  // namespace

TEST_CASE("[ldap] is checked at load: transport, DN lookup, roles and environments") {
  Config ok;
  REQUIRE(load(kLdap, ok).ok());
  REQUIRE(ok.ldap);
  CHECK(ok.ldap->session_hours == 8);
  CHECK(ok.ldap->max_failures == 2);
  CHECK(ok.ldap->groups_to_roles.at("ops").size() == 2);

  auto refused = [](const std::string& text) {
    Config c;
    return !load(text, c).ok();
  };
  const std::string roles = "[ldap.groups_to_roles]\nops = [\"tester\"]\n";
  const std::string dn = "bind_dn_template = \"uid={username},dc=x\"\n";
  CHECK(refused("[ldap]\nurl = \"ldap://h\"\n" + dn + roles));  // plaintext, not allowed
  CHECK_FALSE(refused("[ldap]\nurl = \"ldap://h\"\nstarttls = true\n" + dn + roles));
  CHECK_FALSE(refused("[ldap]\nurl = \"ldap://h\"\nallow_plaintext = true\n" + dn + roles));
  CHECK(refused("[ldap]\nurl = \"http://h\"\n" + dn + roles));
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\n" + roles));  // no way to find the DN
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\nbind_dn_template = \"dc=x\"\n" + roles));
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\n" + dn));  // no group maps a role
  CHECK(
      refused("[ldap]\nurl = \"ldaps://h\"\n" + dn + "[ldap.groups_to_roles]\nops = [\"root\"]\n"));
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\n" + dn + roles +
                "[ldap.groups_to_environments]\nops = [\"QA\"]\n"));
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\nsearch_base = \"dc=x\"\nbind_dn = \"cn=svc\"\n" +
                roles));  // bind_dn without its password file
  CHECK(refused("[ldap]\nurl = \"ldaps://h\"\nbogus = 1\n" + dn + roles));
}

TEST_CASE("search filter and DN values are escaped (RFC 4515, RFC 4514)") {
  CHECK(escape_filter_value("a*b(c)d\\e") == "a\\2ab\\28c\\29d\\5ce");
  CHECK(escape_filter_value(std::string("x\0y", 3)) == "x\\00y");
  CHECK(escape_dn_value("a,b+c=d") == "a\\,b\\+c\\=d");
  CHECK(escape_dn_value("#x ") == "\\#x\\ ");
}

TEST_CASE("a login creates the user from the directory and replaces roles at each login") {
  LoginFixture t;
  auto first = t.login("ann", "pw-ann");
  REQUIRE_MESSAGE(first.ok(), first.status().to_string());
  CHECK(first->user.source == "ldap");
  CHECK(first->user.email == "ann@example.org");
  CHECK(first->user.roles == std::vector<Role>{Role::release_manager, Role::tester});
  CHECK(first->user.environments == std::vector<std::string>{"CINTE", "SIT"});
  CHECK(first->token.record.name == "session");
  CHECK(first->token.record.expires_at == testing::kStart + 8LL * 3'600'000'000);

  // Group DNs match without regard to case.
  auto aud = t.login("aud", "pw-aud");
  REQUIRE(aud.ok());
  CHECK(aud->user.roles == std::vector<Role>{Role::auditor});

  t.directory->people["ann"].second = {"auditors", "cn=Auditors,ou=groups,dc=example,dc=org"};
  auto second = t.login("ann", "pw-ann");
  REQUIRE(second.ok());
  CHECK(second->user.roles == std::vector<Role>{Role::auditor});
  CHECK(second->user.environments.empty());
  // The first session token now holds no role its user has.
  CHECK(t.f.app->tokens.authenticate("Bearer " + first->token.token).status().reason() ==
        "token-outgrown");

  CHECK(t.login("nog", "pw-nog").status().reason() == "login-no-role");
  CHECK(t.login("Ann", "pw-ann").status().code() == Code::invalid);
  CHECK(t.login("ann", "").status().code() == Code::invalid);
}

TEST_CASE("local users are not taken over, and disabled ones stay disabled") {
  LoginFixture t;
  t.directory->people["admin"] = {"pw", {"ops"}};
  CHECK(t.login("admin", "pw").status().reason() == "user-not-from-directory");
  REQUIRE(t.login("ann", "pw-ann").ok());
  UserPatch disable;
  disable.disabled = true;
  REQUIRE(t.f.app->users.patch("ann", disable, "admin").ok());
  CHECK(t.login("ann", "pw-ann").status().reason() == "user-disabled");
}

TEST_CASE("failures lock a username out for lockout_minutes, without asking the directory") {
  LoginFixture t;
  CHECK(t.login("ann", "wrong").status().reason() == "login-failed");
  CHECK(t.login("ann", "wrong").status().reason() == "login-failed");
  const int calls = t.directory->calls;
  unsigned retry = 0;
  auto locked = t.service->login({"ann", "pw-ann", "192.0.2.9:1"}, retry);
  CHECK(locked.status().reason() == "login-locked");
  CHECK(retry == 600);
  CHECK(t.directory->calls == calls);
  t.f.clock.advance(10LL * 60'000'000);
  CHECK(t.login("ann", "pw-ann").ok());
}

TEST_CASE("failures from one address lock that address out") {
  LoginFixture t;
  t.config.ldap->max_address_failures = 3;
  // A fresh service: the throttle reads its limits at construction.
  auto fake = std::make_unique<FakeDirectory>();
  fake->people["ann"] = {"pw-ann", {"ops"}};
  LoginService service(*t.f.audited, t.f.app->tokens, t.config, t.f.clock, std::move(fake));
  unsigned retry = 0;
  for (const char* user : {"u1", "u2", "u3"})
    CHECK(service.login({user, "x", "198.51.100.7:1"}, retry).status().reason() == "login-failed");
  CHECK(service.login({"ann", "pw-ann", "198.51.100.7:2"}, retry).status().reason() ==
        "login-locked");
  CHECK(service.login({"ann", "pw-ann", "198.51.100.8:2"}, retry).ok());
}

TEST_CASE("the throttle stays bounded") {
  LoginThrottle throttle(2, 1'000'000, 3);
  for (int i = 0; i < 10; ++i) throttle.failed("k" + std::to_string(i), i);
  throttle.failed("k9", 10);
  CHECK(throttle.locked_until("k9", 11));
  CHECK_FALSE(throttle.locked_until("k0", 11));
}

TEST_CASE("POST /api/v1/sessions without [ldap] answers 404 login-not-configured") {
  AppFixture f;
  auto r = f.call("POST", "/api/v1/sessions", R"({"username":"ann","password":"x"})", "");
  CHECK(r.status == 404);
  CHECK(r.body.find("urn:tollgate:problem:login-not-configured") != std::string::npos);
  auto unknown = f.call("POST", "/api/v1/sessions", R"({"username":"ann","pw":"x"})", "");
  CHECK(unknown.status == 400);
  auto big = f.call("POST", "/api/v1/sessions", std::string(5000, ' '), "");
  CHECK(big.status == 413);
}
