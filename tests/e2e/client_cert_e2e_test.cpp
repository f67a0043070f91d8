// Build agents with client certificates ([tls] client_ca) against a real tollgated: a
// certificate from the configured CA authenticates as the user its CN names, with that user's
// roles; one from another CA, expired, not for client authentication, of an unknown or a
// disabled user is 401 naming why; bearer tokens work as before, and win over a certificate;
// without client_ca a certificate is ignored. The `tollgate` CLI presents one with --cert/--key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/test_certs.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::contains;
using tollgate::e2e::must;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::testing::CertFiles;
using tollgate::testing::CertSpec;
using tollgate::testing::TestCa;
namespace json = boost::json;

namespace {

constexpr long kDay = 86'400;

// The agents' CA, an unrelated CA, and the certificates the tests present.
struct Certificates {
  tollgate::testing::TempDir dir{"tollgate-certs-"};
  TestCa agents{"Tollgate Build Agents CA"};
  TestCa other{"Somebody Else's CA"};
  std::string ca_file = dir.file("agents-ca.pem");
  CertFiles agent1 = agents.issue(CertSpec("agent1"), dir.file("agent1"));
  CertFiles agent2 = agents.issue(CertSpec("agent2"), dir.file("agent2"));
  CertFiles expired =
      agents.issue(CertSpec("agent1").valid(-30 * kDay, -kDay), dir.file("expired"));
  CertFiles ghost = agents.issue(CertSpec("ghost"), dir.file("ghost"));
  CertFiles server_only =
      agents.issue(CertSpec("agent1").usage("serverAuth"), dir.file("server-only"));
  CertFiles foreign = other.issue(CertSpec("agent1"), dir.file("foreign"));

  Certificates() { agents.write_cert(ca_file); }
};

HttpClient client_with(const ServerProcess& server, const CertFiles& cert, std::string token = {}) {
  client::ClientOptions options = server.client_options(std::move(token));
  options.client_cert = cert.cert;
  options.client_key = cert.key;
  return HttpClient(std::move(options));
}

void create_user(HttpClient& admin, const std::string& id, bool disabled = false) {
  auto r = must(admin.request(
      "POST", "/api/v1/users",
      fmt::format(R"({{"id":"{}","name":"Build agent {}","roles":["build_agent"],"disabled":{}}})",
                  id, id, disabled ? "true" : "false")));
  REQUIRE_MESSAGE(r.status == 201, r.body);
}

struct Fixture {
  Certificates certs;
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};

  Fixture() {
    server.use_config(fmt::format("[tls]\nclient_ca = \"{}\"\n", certs.ca_file));
    const Status started = server.start();
    REQUIRE_MESSAGE(started.ok(), started.to_string());
    admin = server.admin_client();
    create_user(admin, "agent1");
    create_user(admin, "agent2", true);
  }
};

}  // namespace

TEST_CASE("client certificates: a build agent's certificate authenticates it as its user") {
  Fixture f;
  HttpClient agent = client_with(f.server, f.certs.agent1);

  auto who = must(agent.request("GET", "/api/v1/whoami"));
  REQUIRE_MESSAGE(who.status == 200, who.body);
  auto me = body_of(who);
  CHECK(me.at("user") == "agent1");
  CHECK(me.at("name") == "Build agent agent1");
  CHECK(me.at("roles") == json::array{"build_agent"});
  CHECK(me.at("authenticated_by") == "certificate");
  CHECK(me.at("token").is_null());
  const auto& cert = me.at("certificate").as_object();
  CHECK(cert.at("subject") == "CN=agent1");
  CHECK(cert.at("fingerprint").as_string().size() == 64);
  CHECK(cert.at("id").as_string().starts_with("cert:"));

  // The build agent pushes an artifact; the record and the audit log name the user.
  REQUIRE(
      must(f.admin.request("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})"))
          .status == 201);
  REQUIRE(must(f.admin.request("POST", "/api/v1/cis",
                               R"({"id":"payments-api","type":"component","name":"Payments"})"))
              .status == 201);
  const std::string bytes = "payments build 1.0.0\n";
  auto put = must(agent.request("PUT", "/api/v1/artifacts/payments-api/1.0.0/app.tar.gz", bytes,
                                {{"X-Checksum-Sha256", tollgate::e2e::sha256_of(bytes)},
                                 {"Content-Type", "application/octet-stream"}}));
  REQUIRE_MESSAGE(put.status == 201, put.body);
  CHECK(body_of(put).at("created_by") == "agent1");
  auto log = body_of(must(f.admin.request("GET", "/api/v1/audit-log?actor=agent1")));
  REQUIRE_FALSE(log.at("items").as_array().empty());
  CHECK(contains(json::serialize(log), "/api/v1/artifacts/"));

  // Its roles are the user's: a build agent creates no users.
  auto refused = must(
      agent.request("POST", "/api/v1/users", R"({"id":"mallory","name":"M","roles":["admin"]})"));
  check_problem(refused, 403, "forbidden-role");

  // Nothing is cached: disabling the user stops the certificate on its very next request.
  REQUIRE(must(f.admin.request("PATCH", "/api/v1/users/agent1", R"({"disabled":true})")).status ==
          200);
  check_problem(must(agent.request("GET", "/api/v1/whoami")), 401, "user-disabled");
}

TEST_CASE("client certificates: refusals name the reason") {
  Fixture f;
  auto whoami_with = [&](const CertFiles& cert) {
    HttpClient c = client_with(f.server, cert);
    return must(c.request("GET", "/api/v1/whoami"));
  };
  check_problem(whoami_with(f.certs.foreign), 401, "certificate-untrusted");
  check_problem(whoami_with(f.certs.expired), 401, "certificate-expired");
  check_problem(whoami_with(f.certs.ghost), 401, "certificate-unknown-user");
  check_problem(whoami_with(f.certs.agent2), 401, "user-disabled");
  check_problem(whoami_with(f.certs.server_only), 401, "certificate-purpose");

  // The handshake itself succeeds: routes without a token still answer.
  HttpClient foreign = client_with(f.server, f.certs.foreign);
  CHECK(must(foreign.request("GET", "/healthz")).status == 200);
}

TEST_CASE("client certificates: bearer tokens work as before and win over a certificate") {
  Fixture f;
  // No certificate, a token: as always.
  auto admin_who = body_of(must(f.admin.request("GET", "/api/v1/whoami")));
  CHECK(admin_who.at("user") == "admin");
  CHECK(admin_who.at("authenticated_by") == "token");
  CHECK(admin_who.at("token").is_object());
  CHECK_FALSE(admin_who.contains("certificate"));

  // Neither: 401 as before.
  HttpClient nobody = f.server.client();
  CHECK(must(nobody.request("GET", "/api/v1/whoami")).status == 401);

  // Both: the Authorization header decides alone.
  HttpClient both = client_with(f.server, f.certs.agent1, f.server.bootstrap_token());
  auto who = body_of(must(both.request("GET", "/api/v1/whoami")));
  CHECK(who.at("user") == "admin");
  CHECK(who.at("authenticated_by") == "token");
  // ... and a failing token never falls back to the certificate.
  HttpClient bad_token = client_with(f.server, f.certs.agent1, "tg_" + std::string(64, '0'));
  CHECK(must(bad_token.request("GET", "/api/v1/whoami")).status == 401);
}

TEST_CASE("client certificates: without [tls] client_ca a certificate is ignored") {
  Certificates certs;
  ServerProcess server{{"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}};
  const Status started = server.start();
  REQUIRE_MESSAGE(started.ok(), started.to_string());
  HttpClient admin = server.admin_client();
  create_user(admin, "agent1");

  HttpClient agent = client_with(server, certs.agent1);
  auto r = must(agent.request("GET", "/api/v1/whoami"));
  CHECK(r.status == 401);
  CHECK_FALSE(contains(r.body, "certificate"));
  HttpClient with_token = client_with(server, certs.agent1, server.bootstrap_token());
  CHECK(body_of(must(with_token.request("GET", "/api/v1/whoami"))).at("user") == "admin");
}

TEST_CASE("client certificates: tollgate whoami --cert --key") {
  Fixture f;
  const auto tollgate = [&](const std::string& args, const std::string& env = {}) {
    return run_command(fmt::format("{} HOME={} {} --server https://127.0.0.1:{} --ca {} {} 2>&1",
                                   env, f.server.temp_dir(), TOLLGATE_CLI_PATH, f.server.port(),
                                   f.server.ca_file(), args));
  };
  const std::string out =
      tollgate(fmt::format("--cert {} --key {} whoami", f.certs.agent1.cert, f.certs.agent1.key));
  CHECK_MESSAGE(contains(out, "agent1 (Build agent agent1)"), out);
  CHECK_MESSAGE(contains(out, "roles: build_agent"), out);
  CHECK_MESSAGE(contains(out, "certificate: CN=agent1"), out);
  CHECK_MESSAGE(contains(out, "\nexit=0"), out);

  // TOLLGATE_CERT and TOLLGATE_KEY work as well as the flags.
  const std::string from_env = tollgate(
      "--json whoami",
      fmt::format("TOLLGATE_CERT={} TOLLGATE_KEY={}", f.certs.agent1.cert, f.certs.agent1.key));
  CHECK_MESSAGE(contains(from_env, "\"authenticated_by\":\"certificate\""), from_env);

  const std::string refused =
      tollgate(fmt::format("--cert {} --key {} whoami", f.certs.ghost.cert, f.certs.ghost.key));
  CHECK_MESSAGE(contains(refused, "no known user"), refused);
  CHECK_FALSE(contains(refused, "\nexit=0"));

  const std::string half = tollgate(fmt::format("--cert {} whoami", f.certs.agent1.cert));
  CHECK_MESSAGE(contains(half, "must be given together"), half);
  CHECK_FALSE(contains(half, "\nexit=0"));
}
