#include "server/http/client_cert.hpp"

#include <doctest/doctest.h>

#include <openssl/x509_vfy.h>

#include "server/domain/identity/certificate_auth.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/test_certs.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::CertSpec;
using tollgate::testing::TestCa;

namespace {

struct Issued {
  tollgate::testing::TempDir dir;
  TestCa ca{"Test Agents CA"};

  tollgate::testing::TestX509 issue(const CertSpec& spec) {
    return tollgate::testing::read_test_cert(ca.issue(spec, dir.file("c")).cert);
  }
  ClientCertificate describe(const CertSpec& spec, ClientIdentity identity,
                             long verify_result = X509_V_OK) {
    auto cert = issue(spec);
    return describe_client_certificate(cert.get(), verify_result, identity);
  }
};

}  // namespace

TEST_CASE("the configured field of a client certificate names its user") {
  Issued t;
  SUBCASE("cn") {
    const auto c = t.describe(CertSpec("agent1"), ClientIdentity::cn);
    CHECK(c.trusted());
    CHECK(c.user == "agent1");
    CHECK(c.subject == "CN=agent1");
    CHECK(c.fingerprint.size() == 64);
    CHECK(c.not_after > 0);
    CHECK(t.describe(CertSpec("Agent One"), ClientIdentity::cn).user.empty());  // not a user id
    CHECK(t.describe(CertSpec("", "DNS:agent1"), ClientIdentity::cn).user.empty());
  }
  SUBCASE("san-dns: exactly one dNSName") {
    CHECK(t.describe(CertSpec("x", "DNS:agent1"), ClientIdentity::san_dns).user == "agent1");
    CHECK(t.describe(CertSpec("x", "DNS:agent1,DNS:agent2"), ClientIdentity::san_dns).user.empty());
    CHECK(t.describe(CertSpec("agent1"), ClientIdentity::san_dns).user.empty());  // CN not used
  }
  SUBCASE("san-email: the local part, with the address kept for the user's e-mail") {
    const auto c = t.describe(CertSpec("x", "email:agent1@example.org"), ClientIdentity::san_email);
    CHECK(c.user == "agent1");
    CHECK(c.email == "agent1@example.org");
    CHECK(t.describe(CertSpec("", "email:a@b@c"), ClientIdentity::san_email).user.empty());
  }
  SUBCASE("san-uri: urn:tollgate:user:<id>") {
    CHECK(t.describe(CertSpec("", "URI:urn:tollgate:user:agent1"), ClientIdentity::san_uri).user ==
          "agent1");
    CHECK(t.describe(CertSpec("", "URI:https://agent1.example.org/"), ClientIdentity::san_uri)
              .user.empty());
  }
}

TEST_CASE("a verification result becomes the certificate's verdict") {
  Issued t;
  using Verdict = ClientCertificate::Verdict;
  CHECK(t.describe(CertSpec("a"), ClientIdentity::cn, X509_V_ERR_CERT_HAS_EXPIRED).verdict ==
        Verdict::expired);
  CHECK(t.describe(CertSpec("a"), ClientIdentity::cn, X509_V_ERR_CERT_NOT_YET_VALID).verdict ==
        Verdict::not_yet_valid);
  CHECK(t.describe(CertSpec("a"), ClientIdentity::cn, X509_V_ERR_INVALID_PURPOSE).verdict ==
        Verdict::wrong_purpose);
  const auto other =
      t.describe(CertSpec("a"), ClientIdentity::cn, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CHECK(other.verdict == Verdict::untrusted);
  CHECK_FALSE(other.verify_error.empty());
}

TEST_CASE("a trusted certificate authenticates as its enabled user, with all of their roles") {
  tollgate::testing::AppFixture f;
  f.ensure_user("agent1", {Role::build_agent, Role::viewer});
  ClientCertificate cert;
  cert.verdict = ClientCertificate::Verdict::trusted;
  cert.user = "agent1";
  cert.subject = "CN=agent1";
  cert.fingerprint = std::string(64, 'a');

  auto p = authenticate_certificate(cert, f.app->store);
  REQUIRE(p.ok());
  CHECK(p->name == "agent1");
  CHECK(p->roles.size() == 2);
  CHECK(p->has(Role::build_agent));
  CHECK(p->has(Role::viewer));
  CHECK(p->authenticated_by == "certificate");
  CHECK(p->token_id == "cert:aaaaaaaaaaaaaaaa");

  auto reason = [&](const ClientCertificate& c) {
    auto r = authenticate_certificate(c, f.app->store);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == Code::unauthorized);
    return r.ok() ? std::string() : std::string(r.status().reason());
  };
  ClientCertificate c = cert;
  c.verdict = ClientCertificate::Verdict::untrusted;
  CHECK(reason(c) == "certificate-untrusted");
  c.verdict = ClientCertificate::Verdict::expired;
  CHECK(reason(c) == "certificate-expired");
  c = cert;
  c.user = "nobody";
  CHECK(reason(c) == "certificate-unknown-user");
  c.user.clear();
  CHECK(reason(c) == "certificate-no-user");
  c = cert;
  c.email = "agent1@example.org";  // a san-email identity: agent1 has no such address
  CHECK(reason(c) == "certificate-unknown-user");
  server::UserPatch email;
  email.email = "Agent1@example.org";
  REQUIRE(f.app->users.patch("agent1", email, "t").ok());
  CHECK(authenticate_certificate(c, f.app->store).ok());
  server::UserPatch disable;
  disable.disabled = true;
  REQUIRE(f.app->users.patch("agent1", disable, "t").ok());
  CHECK(reason(cert) == "user-disabled");
}

TEST_CASE("the router: a certificate counts only with client_ca and without Authorization") {
  tollgate::testing::AppFixture f;
  f.ensure_user("agent1", {Role::build_agent});
  auto cert = std::make_shared<ClientCertificate>();
  cert->verdict = ClientCertificate::Verdict::trusted;
  cert->user = "agent1";
  cert->subject = "CN=agent1";
  cert->fingerprint = std::string(64, 'b');
  auto whoami = [&](std::shared_ptr<const ClientCertificate> presented,
                    const std::string& authorization) {
    Request r;
    r.method = "GET";
    r.target = "/api/v1/whoami";
    if (!authorization.empty()) r.headers.emplace_back("authorization", authorization);
    r.client_certificate = std::move(presented);
    return handle(r, *f.app);
  };
  auto user_of = [](const Response& r) {
    return std::string(boost::json::parse(r.body).at("user").as_string());
  };

  // Without [tls] client_ca the certificate is ignored.
  CHECK(whoami(cert, "").status == 401);

  f.config.tls_client_ca = "/etc/tollgate/agents-ca.pem";
  auto by_cert = whoami(cert, "");
  REQUIRE(by_cert.status == 200);
  CHECK(user_of(by_cert) == "agent1");
  CHECK(by_cert.actor == "agent1");
  // An Authorization header decides alone, and a refused token does not fall back.
  auto by_token = whoami(cert, "Bearer " + f.admin);
  REQUIRE(by_token.status == 200);
  CHECK(user_of(by_token) == "admin");
  CHECK(whoami(cert, "Bearer tg_" + std::string(64, '0')).status == 401);
  // Neither: 401 naming both ways in.
  auto neither = whoami(nullptr, "");
  CHECK(neither.status == 401);
  CHECK(neither.body.find("or a client certificate") != std::string::npos);
  auto untrusted = std::make_shared<ClientCertificate>(*cert);
  untrusted->verdict = ClientCertificate::Verdict::untrusted;
  auto refused = whoami(untrusted, "");
  CHECK(refused.status == 401);
  CHECK(refused.body.find("urn:tollgate:problem:certificate-untrusted") != std::string::npos);
}
