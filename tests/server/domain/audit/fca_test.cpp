// The functional configuration audit: a release that passes, each kind of failure on its own,
// the stored results, and refusals that store nothing.
#include "server/domain/audit/fca.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/server/domain/reports_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::body_of;
using testing::problem_type;
using testing::text_of;

struct Fca : testing::ReportFixture {
  std::string auditor = token_with(Role::auditor, "audrey");

  Fca() {
    ci("api");
    ci("db");
    artifact("api/1.0/api.jar", "api bytes");
    artifact("db/1.0/schema.sql", "create table t;");
  }
  // An RFC naming `cis`, taken to `state`: draft, submitted or approved.
  std::string rfc(const std::string& cis, const std::string& state = "approved") {
    auto r =
        call("POST", "/api/v1/rfcs",
             fmt::format(R"({{"title":"change","cis":[{}],"impact":{{"risk":"low"}}}})", cis), rm);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id = text_of(body_of(r).at("id"));
    if (state == "draft") return id;
    REQUIRE(call("POST", "/api/v1/rfcs/" + id + "/submit", "", rm).status == 200);
    if (state == "submitted") return id;
    REQUIRE(call("POST", "/api/v1/rfcs/" + id + "/approve", "", cm).status == 200);
    return id;
  }
  std::string release_with(const std::string& rfc_id) {
    return release("R", "scheduled", rfc_id.empty() ? "" : fmt::format(R"("rfcs":["{}"])", rfc_id));
  }
  server::Response fca(const std::string& id, const std::string& token = "") {
    return call("POST", "/api/v1/audits/fca", fmt::format(R"({{"release":"{}"}})", id),
                token.empty() ? auditor : token);
  }
  json::object audit(const std::string& id) {
    auto r = fca(id);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return body_of(r);
  }
  static std::vector<std::string> checks(const json::object& result) {
    std::vector<std::string> out;
    for (const auto& f : result.at("findings").as_array()) out.push_back(text_of(f.at("check")));
    return out;
  }
  std::size_t stored_count() {
    auto r = call("GET", "/api/v1/audits");
    REQUIRE(r.status == 200);
    return body_of(r).at("items").as_array().size();
  }
  // A release that passes: approved RFC naming both items, promoted into CINTE with passing
  // tests there, RRR passed (its VDD committed).
  std::string passing_release() {
    const std::string id = release_with(rfc(R"("api","db")"));
    item(id, "api", "1.0");
    item(id, "db", "1.0");
    event(id, "CINTE", "promote", clock.now());
    gate(id, "tests:CINTE", "pass", tester);
    gate(id, "rrr", "pass", cm);
    return id;
  }
};

using V = std::vector<std::string>;

TEST_CASE_FIXTURE(Fca, "fca: a release whose records hold passes, and the result is stored") {
  const std::string id = passing_release();
  auto r = fca(id);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  auto result = body_of(r);
  CHECK(result.at("passed") == true);
  CHECK(checks(result).empty());
  CHECK(text_of(result.at("kind")) == "fca");
  CHECK(text_of(result.at("release")) == id);
  CHECK(text_of(result.at("digest")) == load(id).digest());
  CHECK(result.at("environments") == json::parse(R"(["CINTE"])"));
  CHECK(result.at("summary") ==
        json::parse(R"({"checks":4,"findings":0,"by_check":{"vdd":0,"rfc":0,"tests":0}})"));
  CHECK(text_of(result.at("id")) == "audit-1");
  CHECK(text_of(result.at("created_by")) == "audrey");
  CHECK(std::find(r.headers.begin(), r.headers.end(),
                  std::pair<std::string, std::string>("Location", "/api/v1/audits/audit-1")) !=
        r.headers.end());

  auto listed = call("GET", "/api/v1/audits?kind=fca&release=" + id);
  REQUIRE(listed.status == 200);
  REQUIRE(body_of(listed).at("items").as_array().size() == 1);
  CHECK(body_of(listed).at("items").as_array()[0] == json::value(result));
  auto got = call("GET", "/api/v1/audits/audit-1");
  REQUIRE(got.status == 200);
  CHECK(body_of(got) == result);
  CHECK(body_of(call("GET", "/api/v1/audits?environment=CINTE")).at("items").as_array().size() ==
        1);
  CHECK(body_of(call("GET", "/api/v1/audits?environment=SIT")).at("items").as_array().empty());
}

TEST_CASE_FIXTURE(Fca, "fca: admin and change_manager may audit too") {
  const std::string id = passing_release();
  CHECK(fca(id, admin).status == 201);
  CHECK(fca(id, cm).status == 201);
  CHECK(stored_count() == 2);
}

TEST_CASE_FIXTURE(Fca, "fca: no committed VDD is vdd-missing") {
  const std::string id = release_with(rfc(R"("api")"));
  item(id, "api", "1.0");
  auto result = audit(id);
  CHECK(result.at("passed") == false);
  CHECK(checks(result) == V{"vdd-missing"});
  const auto& finding = result.at("findings").as_array()[0].as_object();
  CHECK(text_of(finding.at("severity")) == "error");
  CHECK(text_of(finding.at("detail")).find(id) != std::string::npos);
  CHECK(result.at("summary").at("by_check").at("vdd") == 1);
  CHECK(stored_count() == 1);
}

TEST_CASE_FIXTURE(Fca, "fca: contents changed after the RRR is vdd-mismatch") {
  const std::string id = release_with(rfc(R"("api","db")"));
  item(id, "api", "1.0");
  gate(id, "rrr", "pass", cm);
  CHECK(audit(id).at("passed") == true);
  item(id, "db", "1.0");
  auto result = audit(id);
  CHECK(checks(result) == V{"vdd-mismatch"});
  CHECK(text_of(result.at("findings").as_array()[0].at("detail")).find(load(id).digest()) !=
        std::string::npos);
}

TEST_CASE_FIXTURE(Fca, "fca: a release linking no RFC is rfc-missing for each item") {
  const std::string id = release_with("");
  item(id, "api", "1.0");
  item(id, "db", "1.0");
  gate(id, "rrr", "pass", cm);
  auto result = audit(id);
  CHECK(checks(result) == V{"rfc-missing", "rfc-missing"});
  CHECK(text_of(result.at("findings").as_array()[0].at("ci")) == "api");
  CHECK(text_of(result.at("findings").as_array()[1].at("ci")) == "db");
  CHECK(result.at("summary").at("by_check").at("rfc") == 2);
}

TEST_CASE_FIXTURE(Fca, "fca: an RFC not approved yet is rfc-not-approved") {
  const std::string id = release_with(rfc(R"("api")", "submitted"));
  item(id, "api", "1.0");
  gate(id, "rrr", "pass", cm);
  auto result = audit(id);
  CHECK(checks(result) == V{"rfc-not-approved"});
  CHECK(text_of(result.at("findings").as_array()[0].at("ci")) == "api");
}

TEST_CASE_FIXTURE(Fca, "fca: an item no linked RFC names is rfc-does-not-name-ci") {
  const std::string id = release_with(rfc(R"("api")"));
  item(id, "api", "1.0");
  item(id, "db", "1.0");
  gate(id, "rrr", "pass", cm);
  auto result = audit(id);
  CHECK(checks(result) == V{"rfc-does-not-name-ci"});
  CHECK(text_of(result.at("findings").as_array()[0].at("ci")) == "db");
}

TEST_CASE_FIXTURE(Fca, "fca: a reached environment without test evidence is tests-missing") {
  const std::string id = passing_release();
  event(id, "SIT", "promote", clock.now());
  auto result = audit(id);
  CHECK(checks(result) == V{"tests-missing"});
  CHECK(text_of(result.at("findings").as_array()[0].at("environment")) == "SIT");
  CHECK(result.at("environments") == json::parse(R"(["CINTE","SIT"])"));
  CHECK(result.at("summary").at("checks") == 5);
}

TEST_CASE_FIXTURE(Fca, "fca: failed tests in a reached environment are tests-failed") {
  const std::string id = passing_release();
  gate(id, "tests:CINTE", "fail", tester);
  auto result = audit(id);
  CHECK(checks(result) == V{"tests-failed"});
  CHECK(text_of(result.at("findings").as_array()[0].at("environment")) == "CINTE");
}

TEST_CASE_FIXTURE(Fca, "fca: tests given for other contents are tests-stale") {
  const std::string id = release_with(rfc(R"("api","db")"));
  item(id, "api", "1.0");
  event(id, "CINTE", "promote", clock.now());
  gate(id, "tests:CINTE", "pass", tester);
  item(id, "db", "1.0");        // the digest moves on: the test record is stale
  gate(id, "rrr", "pass", cm);  // the VDD describes the new contents
  auto result = audit(id);
  CHECK(checks(result) == V{"tests-stale"});
  CHECK(text_of(result.at("findings").as_array()[0].at("environment")) == "CINTE");
}

TEST_CASE_FIXTURE(Fca, "fca: a backed-out environment still needs its evidence") {
  const std::string id = passing_release();
  event(id, "SIT", "promote", clock.now());
  event(id, "SIT", "backout", clock.now());
  CHECK(checks(audit(id)) == V{"tests-missing"});
}

TEST_CASE_FIXTURE(Fca, "fca: refusals are problems and store nothing") {
  const std::string id = passing_release();
  auto r = fca(id, tester);
  CHECK(r.status == 403);
  CHECK(problem_type(r) == "urn:tollgate:problem:forbidden-role");
  r = fca(id, token_with(Role::viewer, "vic"));
  CHECK(r.status == 403);
  r = fca("rel-99");
  CHECK(r.status == 404);
  CHECK(problem_type(r) == "urn:tollgate:problem:not-found");
  r = call("POST", "/api/v1/audits/fca", R"({"release":"rel-1","extra":1})", auditor);
  CHECK(r.status == 400);
  CHECK(problem_type(r) == "urn:tollgate:problem:validation");
  CHECK(call("POST", "/api/v1/audits/fca", R"({})", auditor).status == 400);
  CHECK(call("POST", "/api/v1/audits/fca", R"({"release":""})", auditor).status == 400);
  CHECK(call("POST", "/api/v1/audits/fca", R"({"release":7})", auditor).status == 400);
  CHECK(call("POST", "/api/v1/audits/fca", "not json", auditor).status == 400);
  CHECK(call("POST", "/api/v1/audits/fca", R"({"release":"rel-1"})", "").status == 401);
  CHECK(stored_count() == 0);
  // no id was used up by the refusals
  CHECK(text_of(audit(id).at("id")) == "audit-1");
}

}  // namespace
}  // namespace tollgate::server
