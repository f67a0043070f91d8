// Releases over real HTTPS against a real tollgated, with distinct role tokens: a build agent
// pushes an artifact, a release manager builds the release (item, the three build documents), a
// change manager records the TRR; the digest binds it, and one content change makes it stale.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
namespace json = boost::json;

namespace {

std::string text(const json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("a release over HTTPS: item, build documents, TRR bound to the digest, then stale") {
  ServerProcess server({"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"});
  Status st = server.start();
  REQUIRE_MESSAGE(st.ok(), st.to_string());
  HttpClient admin = server.admin_client();
  REQUIRE(must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})"))
              .status == 201);
  REQUIRE(must(admin.request("POST", "/api/v1/cis",
                             R"({"id":"payments-api","type":"service","name":"Payments API"})"))
              .status == 201);
  HttpClient agent = server.client(mint_token(admin, "ci-bot", "build_agent"));
  HttpClient rm = server.client(mint_token(admin, "rel-mgr", "release_manager"));
  HttpClient cm = server.client(mint_token(admin, "chg-mgr", "change_manager"));
  HttpClient tester = server.client(mint_token(admin, "tess", "tester"));

  const std::string bytes = "the payments service, build 42";
  const std::string digest = sha256_of(bytes);
  REQUIRE(must(agent.request(
                   "PUT", "/api/v1/artifacts/payments-api/1.4.2/payments.tar.gz", bytes,
                   {{"X-Checksum-Sha256", digest}, {"Content-Type", "application/octet-stream"}}))
              .status == 201);

  check_problem(must(tester.request("POST", "/api/v1/releases",
                                    R"({"name":"Payments","version":"2026.12","type":"delta",
                                        "category":"scheduled"})")),
                403, "forbidden-role");
  auto created = must(rm.request("POST", "/api/v1/releases",
                                 R"({"name":"Payments","version":"2026.12","type":"delta",
                                     "category":"scheduled","planned":{"CINTE":"2026-12-03"}})"));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = text(body_of(created).at("id"));
  CHECK(created.header("location") == "/api/v1/releases/" + id);
  const std::string base = "/api/v1/releases/" + id;

  check_problem(
      must(rm.request("POST", base + "/items", R"({"ci":"payments-api","version":"9.9.9"})")), 409,
      "no-artifacts");
  auto item =
      must(rm.request("POST", base + "/items", R"({"ci":"payments-api","version":"1.4.2"})"));
  REQUIRE_MESSAGE(item.status == 200, item.body);
  auto artifact = body_of(item).at("items").as_array()[0].at("artifacts").as_array()[0];
  CHECK(text(artifact.at("sha256")) == digest);
  CHECK(artifact.at("size").to_number<std::uint64_t>() == bytes.size());

  for (const auto& [kind, name] :
       std::vector<std::pair<std::string, std::string>>{{"build_instructions", "build.md"},
                                                        {"test_plan", "test-plan.md"},
                                                        {"backout_procedure", "backout.md"}}) {
    auto doc = must(rm.request(
        "POST", base + "/documents",
        fmt::format(R"({{"kind":"{}","name":"{}","content":"# {}\n"}})", kind, name, kind)));
    REQUIRE_MESSAGE(doc.status == 201, doc.body);
  }
  auto plan = must(tester.request("GET", base + "/documents/test-plan.md"));
  CHECK(plan.status == 200);
  CHECK(plan.body == "# test_plan\n");

  check_problem(must(tester.request("POST", base + "/gates/trr", R"({"verdict":"pass"})")), 403,
                "gate-role");
  auto trr = must(cm.request("POST", base + "/gates/trr",
                             R"({"verdict":"pass","evidence":"test-plan.md","notes":"ready"})"));
  REQUIRE_MESSAGE(trr.status == 201, trr.body);
  auto release = body_of(must(tester.request("GET", base)));
  const std::string release_digest = text(release.at("digest"));
  CHECK(release_digest.size() == 64);
  CHECK(text(release.at("gates").at("trr").at("status")) == "passed");
  CHECK(text(release.at("gates").at("trr").at("latest").at("digest")) == release_digest);
  CHECK(text(release.at("gates").at("trr").at("latest").at("actor")) == "chg-mgr");
  CHECK(text(release.at("gates").at("uat").at("status")) == "missing");
  CHECK(release.at("documents").as_array().size() == 3);

  // One content change: a new version of the build instructions.
  REQUIRE(must(rm.request("POST", base + "/documents",
                          R"({"kind":"build_instructions","name":"build.md","content":"v2"})"))
              .status == 201);
  release = body_of(must(tester.request("GET", base)));
  CHECK(text(release.at("digest")) != release_digest);
  CHECK(text(release.at("gates").at("trr").at("status")) == "stale");
  CHECK(release.at("gates").at("trr").at("history").as_array().size() == 1);

  auto listed = body_of(must(tester.request("GET", "/api/v1/releases?state=planned")));
  CHECK(listed.at("items").as_array().size() == 1);
}
