// Promotion over real HTTPS with distinct role tokens: a release driven from RFC through CINTE,
// SIT, SAT and production, the signed manifest and the environment artifact route, and a
// back-out.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tollgate/time.hpp"

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::client::HttpResponse;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
namespace json = boost::json;

namespace {

const std::string kPayload = "payments 2.3 release bytes\n";

struct Fixture {
  ServerProcess server{{"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}};
  HttpClient admin{client::ClientOptions{}};
  HttpClient rm{client::ClientOptions{}};
  HttpClient cm{client::ClientOptions{}};
  HttpClient cm2{client::ClientOptions{}};
  HttpClient tester{client::ClientOptions{}};
  HttpClient biz{client::ClientOptions{}};
  HttpClient boss{client::ClientOptions{}};
  HttpClient agent{client::ClientOptions{}};
  std::string digest = sha256_of(kPayload);

  Fixture() {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    rm = server.client(mint_token(admin, "rm", "release_manager"));
    cm = server.client(mint_token(admin, "cm", "change_manager"));
    cm2 = server.client(mint_token(admin, "cm2", "change_manager"));
    tester = server.client(mint_token(admin, "tess", "tester"));
    biz = server.client(mint_token(admin, "biz", "business"));
    boss = server.client(mint_token(admin, "boss", "management"));
    agent = server.client(mint_token(admin, "agent", "build_agent"));
    ok(admin, "POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})", 201);
    ok(admin, "POST", "/api/v1/cis",
       R"({"id":"payments","type":"service","name":"Payments","attributes":{}})", 201);
    auto put = must(agent.request(
        "PUT", "/api/v1/artifacts/payments/2.3/app.tar", kPayload,
        {{"X-Checksum-Sha256", digest}, {"Content-Type", "application/octet-stream"}}));
    REQUIRE_MESSAGE(put.status == 201, put.body);
  }

  json::object ok(HttpClient& client, const std::string& method, const std::string& target,
                  const std::string& body, unsigned status = 200) {
    auto r = must(client.request(method, target, body));
    const std::string what = method + " " + target + ": " + r.body;
    REQUIRE_MESSAGE(r.status == status, what);
    return r.body.empty() ? json::object() : body_of(r);
  }

  std::string approved_rfc() {
    auto rfc = ok(rm, "POST", "/api/v1/rfcs",
                  R"({"title":"Payments 2.3","description":"fixes","cis":["payments"],
                      "category":"normal","impact":{"risk":"low"}})",
                  201);
    const std::string id(rfc.at("id").as_string());
    ok(rm, "POST", "/api/v1/rfcs/" + id + "/submit", "{}");
    ok(cm, "POST", "/api/v1/rfcs/" + id + "/approve", "{}");
    return id;
  }

  std::string release(const std::string& rfc) {
    auto created = ok(rm, "POST", "/api/v1/releases",
                      fmt::format(R"({{"name":"payments","version":"2.3","type":"delta",
                                      "category":"scheduled","rfcs":["{}"]}})",
                                  rfc),
                      201);
    const std::string id(created.at("id").as_string());
    ok(rm, "POST", "/api/v1/releases/" + id + "/items", R"({"ci":"payments","version":"2.3"})");
    for (const char* kind : {"build_instructions", "test_plan", "backout_procedure"})
      ok(rm, "POST", "/api/v1/releases/" + id + "/documents",
         fmt::format(R"({{"kind":"{}","name":"{}.md","content":"# {}\n"}})", kind, kind, kind),
         201);
    return id;
  }

  void gate(HttpClient& client, const std::string& id, const std::string& gate,
            const std::string& extra = "") {
    ok(client, "POST", "/api/v1/releases/" + id + "/gates/" + gate,
       R"({"verdict":"pass")" + extra + "}", 201);
  }

  HttpResponse promote(HttpClient& client, const std::string& id, const std::string& env) {
    return must(client.request("POST", "/api/v1/releases/" + id + "/promote",
                               R"({"environment":")" + env + R"("})"));
  }
};

}  // namespace

TEST_CASE("promotion over HTTPS: RFC to production through four environments, then a back-out") {
  Fixture f;
  const std::string id = f.release(f.approved_rfc());

  // Nothing passed yet: every unmet CINTE gate is listed.
  auto refused = f.promote(f.rm, id, "CINTE");
  check_problem(refused, 409, "gates-unmet");
  CHECK(body_of(refused).at("unmet").as_array().size() == 1);  // trr; the documents are there
  check_problem(f.promote(f.tester, id, "CINTE"), 403, "forbidden-role");

  f.gate(f.cm, id, "trr");
  auto cinte = f.promote(f.rm, id, "CINTE");
  REQUIRE_MESSAGE(cinte.status == 200, cinte.body);
  CHECK(body_of(cinte).at("manifest_version").as_int64() == 1);

  check_problem(f.promote(f.rm, id, "SAT"), 409, "skipped-environment");
  f.gate(f.tester, id, "tests:CINTE");
  REQUIRE(f.promote(f.rm, id, "SIT").status == 200);
  f.gate(f.tester, id, "tests:SIT");
  REQUIRE(f.promote(f.rm, id, "SAT").status == 200);

  f.gate(f.tester, id, "tests:SAT");
  f.gate(f.biz, id, "uat");
  f.gate(f.cm, id, "rrr", R"(,"date":")" + format_date(SystemClock().now()) + "\"");
  auto early = f.promote(f.rm, id, "production");
  check_problem(early, 409, "gates-unmet");
  CHECK(body_of(early).at("unmet").at(0).at("gate").as_string() == "implementation_approval");
  // Admin approves nothing: implementation approval is management's.
  const std::string approval = "/api/v1/releases/" + id + "/gates/implementation_approval";
  check_problem(must(f.admin.request("POST", approval, R"({"verdict":"pass"})")), 403,
                "forbidden-role");
  f.gate(f.boss, id, "implementation_approval");
  auto prod = f.promote(f.rm, id, "production");
  REQUIRE_MESSAGE(prod.status == 200, prod.body);

  auto envs = f.ok(f.tester, "GET", "/api/v1/environments", "");
  for (const auto& env : envs.at("items").as_array()) {
    CHECK(env.at("version").as_int64() == 1);
    CHECK(env.at("release").as_string() == id);
  }

  auto manifest = f.ok(f.agent, "GET", "/api/v1/environments/production/manifest", "");
  CHECK(manifest.at("environment").as_string() == "production");
  CHECK(manifest.at("version").as_int64() == 1);
  CHECK(manifest.at("entries").at(0).at("artifacts").at(0).at("sha256").as_string() == f.digest);
  CHECK(manifest.at("signature").at("algorithm").as_string() == "ed25519");
  CHECK_FALSE(manifest.at("expires_at").as_string().empty());

  auto bytes =
      must(f.agent.request("GET", "/api/v1/environments/production/artifacts/payments/app.tar"));
  REQUIRE_MESSAGE(bytes.status == 200, bytes.body);
  CHECK(bytes.body == kPayload);
  CHECK(bytes.header("x-checksum-sha256") == f.digest);
  auto ranged =
      must(f.agent.request("GET", "/api/v1/environments/production/artifacts/payments/app.tar", "",
                           {{"Range", "bytes=0-7"}}));
  CHECK(ranged.status == 206);
  CHECK(ranged.body == kPayload.substr(0, 8));

  // Back-out of production: version 2 with the entries of version 0 (none).
  check_problem(must(f.cm.request("POST", "/api/v1/releases/" + id + "/backout",
                                  R"({"environment":"production"})")),
                403, "forbidden-role");
  auto back = must(f.rm.request("POST", "/api/v1/releases/" + id + "/backout",
                                R"({"environment":"production"})"));
  REQUIRE_MESSAGE(back.status == 200, back.body);
  auto after = f.ok(f.agent, "GET", "/api/v1/environments/production/manifest", "");
  CHECK(after.at("version").as_int64() == 2);
  CHECK(after.at("action").as_string() == "backout");
  CHECK(after.at("entries").as_array().empty());
  CHECK(must(f.agent.request("GET", "/api/v1/environments/production/artifacts/payments/app.tar"))
            .status == 404);
  auto first = f.ok(f.agent, "GET", "/api/v1/environments/production/manifest?version=1", "");
  CHECK(first.at("entries").as_array().size() == 1);
  check_problem(must(f.rm.request("POST", "/api/v1/releases/" + id + "/backout",
                                  R"({"environment":"production"})")),
                409, "not-current-release");
}
