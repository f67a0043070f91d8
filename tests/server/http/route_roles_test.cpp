// Who may call which route: the route table held against this file's own expectations, and the
// router driven for every route x every role, so a route added without a deliberate rule, or
// a rule changed by accident, fails here.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "server/http/route_table.hpp"
#include "server/http/router.hpp"
#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

constexpr const char* kAnyone = "anyone";
constexpr const char* kAnyRole = "any role";

// What this test expects of every route: "anyone", "any role", or the role names that pass.
const std::map<std::string, std::set<std::string>>& expected() {
  static const std::set<std::string> anyone{kAnyone}, any{kAnyRole};
  static const std::set<std::string> admin{"admin"}, audit{"admin", "auditor"};
  static const std::set<std::string> ci_types{"admin", "cm_manager"};
  static const std::set<std::string> cmdb{"admin", "cm_manager", "change_manager",
                                          "release_manager"};
  static const std::set<std::string> artifacts{"admin", "build_agent", "release_manager"};
  static const std::set<std::string> raise{"admin", "cm_manager", "change_manager",
                                           "release_manager", "requester"};
  static const std::set<std::string> eccb{"change_manager"};
  static const std::set<std::string> implement{"change_manager", "release_manager"};
  static const std::set<std::string> release{"admin", "release_manager"};
  static const std::set<std::string> documents{"admin", "change_manager", "release_manager",
                                               "requester"};
  static const std::set<std::string> known_errors{"admin", "change_manager", "release_manager",
                                                  "tester"};
  static const std::set<std::string> gates{"business", "change_manager", "management", "tester"};
  static const std::set<std::string> baselines{"admin", "auditor", "cm_manager", "change_manager",
                                               "release_manager"};
  static const std::set<std::string> fca{"admin", "auditor", "change_manager"};
  static const std::set<std::string> pca{"admin", "auditor", "build_agent", "change_manager",
                                         "release_manager"};
  static const std::map<std::string, std::set<std::string>> table = {
      {"GET /healthz", anyone},
      {"GET /metrics", anyone},
      {"GET /api/v1/openapi.json", anyone},
      {"GET /api/v1/keys", anyone},
      {"GET /api/v1/routes", any},
      {"GET /api/v1/whoami", any},
      {"GET /api/v1/users", audit},
      {"POST /api/v1/users", admin},
      {"GET /api/v1/users/{id}", audit},
      {"PATCH /api/v1/users/{id}", admin},
      {"GET /api/v1/tokens", any},
      {"POST /api/v1/tokens", any},
      {"DELETE /api/v1/tokens/{id}", any},
      {"POST /api/v1/sessions", anyone},  // how a person without a token gets one
      {"GET /api/v1/ci-types", any},
      {"POST /api/v1/ci-types", ci_types},
      {"GET /api/v1/ci-types/{name}", any},
      {"GET /api/v1/cis", any},
      {"POST /api/v1/cis", cmdb},
      {"GET /api/v1/cis/{id}", any},
      {"PATCH /api/v1/cis/{id}", cmdb},
      {"GET /api/v1/cis/{id}/history", any},
      {"GET /api/v1/cis/{id}/impact", any},
      {"GET /api/v1/cis/{id}/relationships", any},
      {"GET /api/v1/cis/{id}/documents", any},
      {"GET /api/v1/cis/{id}/documents/{name}", any},
      {"PUT /api/v1/cis/{id}/documents/{name}", cmdb},
      {"GET /api/v1/cis/{id}/documents/{name}/history", any},
      {"POST /api/v1/relationships", cmdb},
      {"DELETE /api/v1/relationships", cmdb},
      {"GET /api/v1/artifacts/{ci}", any},
      {"GET /api/v1/artifacts/{ci}/{version}", any},
      {"GET /api/v1/artifacts/{ci}/{version}/{file}", any},
      {"PUT /api/v1/artifacts/{ci}/{version}/{file}", artifacts},
      {"GET /api/v1/blobs/{digest}", any},
      {"POST /api/v1/uploads", artifacts},
      {"GET /api/v1/uploads/{id}", artifacts},
      {"PATCH /api/v1/uploads/{id}", artifacts},
      {"PUT /api/v1/uploads/{id}", artifacts},
      {"DELETE /api/v1/uploads/{id}", artifacts},
      {"GET /api/v1/rfcs", any},
      {"POST /api/v1/rfcs", raise},
      {"GET /api/v1/rfcs/{id}", any},
      {"PATCH /api/v1/rfcs/{id}", raise},
      {"POST /api/v1/rfcs/{id}/submit", raise},
      {"POST /api/v1/rfcs/{id}/approve", eccb},
      {"POST /api/v1/rfcs/{id}/reject", eccb},
      {"POST /api/v1/rfcs/{id}/implement", implement},
      {"POST /api/v1/rfcs/{id}/review", eccb},
      {"POST /api/v1/rfcs/{id}/close", eccb},
      {"GET /api/v1/releases", any},
      {"POST /api/v1/releases", release},
      {"GET /api/v1/releases/{id}", any},
      {"PATCH /api/v1/releases/{id}", release},
      {"POST /api/v1/releases/{id}/cancel", release},
      {"POST /api/v1/releases/{id}/items", release},
      {"DELETE /api/v1/releases/{id}/items/{ci}", release},
      {"POST /api/v1/releases/{id}/documents", documents},
      {"GET /api/v1/releases/{id}/documents/{name}", any},
      {"POST /api/v1/releases/{id}/known-errors", known_errors},
      {"POST /api/v1/releases/{id}/known-errors/{ke}/resolve", known_errors},
      {"POST /api/v1/releases/{id}/gates/{gate}", gates},
      {"POST /api/v1/releases/{id}/promote", release},
      {"POST /api/v1/releases/{id}/backout", release},
      {"GET /api/v1/environments", any},
      {"GET /api/v1/environments/{env}/manifest", any},
      {"GET /api/v1/environments/{env}/artifacts/{ci}/{file}", any},
      {"GET /api/v1/reports/overdue-pirs", any},
      {"GET /api/v1/releases/{id}/vdd", any},
      {"GET /api/v1/schedule", any},
      {"GET /api/v1/baselines", any},
      {"POST /api/v1/baselines", baselines},
      {"GET /api/v1/baselines/{name}", any},
      {"GET /api/v1/baselines/{a}/diff/{b}", any},
      {"GET /api/v1/reports/kpis", any},
      {"GET /api/v1/reports/csa", any},
      {"GET /api/v1/audits", any},
      {"POST /api/v1/audits/fca", fca},
      {"GET /api/v1/audits/{id}", any},
      {"POST /api/v1/audits/pca", pca},
      {"GET /api/v1/audit-log", audit},
      {"GET /api/v1/audit-log/verify", audit},
  };
  return table;
}

std::string key_of(const Route& route) { return std::string(route.method) + " " + route.pattern; }

// The route's pattern with every {placeholder} filled in.
std::string target_of(const Route& route) {
  std::string out;
  std::string_view p = route.pattern;
  while (!p.empty()) {
    const auto open = p.find('{');
    out += p.substr(0, open);
    if (open == std::string_view::npos) break;
    out += "x1";
    p.remove_prefix(p.find('}', open) + 1);
  }
  return out;
}

std::string problem_type(const Response& r) {
  if (r.content_type != "application/problem+json") return {};
  return std::string(json::parse(r.body).as_object().at("type").as_string());
}

}  // namespace

TEST_CASE("every route has the rule this test expects, and every expectation a route") {
  AppFixture f;
  std::set<std::string> seen;
  for (const Route& route : routes()) {
    const std::string key = key_of(route);
    seen.insert(key);
    const auto want = expected().find(key);
    REQUIRE_MESSAGE(want != expected().end(),
                    key << " has no expectation here: decide who may call it and add it");
    std::set<std::string> got;
    if (!route.allow.needs_token())
      got = {kAnyone};
    else if (route.allow.roles(f.config) == RoleSet::all())
      got = {kAnyRole};
    else
      for (Role r : route.allow.roles(f.config).roles()) got.insert(role_name(r));
    CHECK_MESSAGE(got == want->second, key);
  }
  for (const auto& expectation : expected())
    CHECK_MESSAGE(seen.contains(expectation.first),
                  expectation.first << " is expected but no longer a route");
}

TEST_CASE("the router enforces each route's rule for every role") {
  AppFixture f;
  std::map<Role, std::string> tokens;
  for (Role r : kAllRoles) tokens[r] = f.mint(std::string("only-") + role_name(r), {r}).token;
  for (const Route& route : routes()) {
    const std::string target = target_of(route);
    if (!route.allow.needs_token()) {
      CHECK_MESSAGE(f.call(route.method, target, "", "").status != 401, key_of(route));
      continue;
    }
    CHECK_MESSAGE(f.call(route.method, target, "", "").status == 401, key_of(route));
    const RoleSet allowed = route.allow.roles(f.config);
    for (Role r : kAllRoles) {
      // A streamed body is read by the handler: only the refusals are driven for those routes.
      if (allowed.contains(r) && route.body == BodyKind::stream) continue;
      const Response response = f.call(route.method, target, "", tokens[r]);
      const bool refused =
          response.status == 403 && problem_type(response) == "urn:tollgate:problem:forbidden-role";
      CHECK_MESSAGE(refused == !allowed.contains(r), key_of(route) << " as " << role_name(r) << ": "
                                                                   << response.status << " "
                                                                   << response.body);
    }
  }
}

TEST_CASE("GET /api/v1/routes and the OpenAPI document serve the same rules") {
  AppFixture f;
  const auto viewer = f.token_with(Role::viewer, "v");
  auto listed = f.call("GET", "/api/v1/routes", "", viewer);
  REQUIRE(listed.status == 200);
  auto items = json::parse(listed.body).as_object().at("items").as_array();
  CHECK(items.size() == routes().size());
  for (const auto& item : items) {
    const auto& o = item.as_object();
    const std::string key =
        std::string(o.at("method").as_string()) + " " + std::string(o.at("pattern").as_string());
    const auto& want = expected().at(key);
    if (want.contains(kAnyone) || want.contains(kAnyRole)) {
      CHECK(o.at("allow").as_string() == *want.begin());
      continue;
    }
    std::set<std::string> got;
    for (const auto& r : o.at("roles").as_array()) got.emplace(r.as_string());
    CHECK_MESSAGE(got == want, key);
  }
  auto api = json::parse(f.call("GET", "/api/v1/openapi.json", "", "").body).as_object();
  const auto& approve = api.at("paths").at("/api/v1/rfcs/{id}/approve").at("post").as_object();
  CHECK(approve.at("x-roles").as_array() == json::array{"change_manager"});
}

TEST_CASE("environment-scoped tokens act only in their environments") {
  AppFixture f;
  const auto sit_rm = f.mint("sit-rm", {Role::release_manager}, {"SIT"}).token;
  const auto sit_tester = f.mint("sit-tester", {Role::tester}, {"SIT"}).token;
  const auto sat_agent = f.mint("sat-agent", {Role::build_agent}, {"SAT"}).token;
  auto forbidden_env = [](const Response& r) {
    return r.status == 403 && problem_type(r) == "urn:tollgate:problem:environment-forbidden";
  };
  CHECK(forbidden_env(
      f.call("POST", "/api/v1/releases/rel-1/promote", R"({"environment":"CINTE"})", sit_rm)));
  CHECK(forbidden_env(
      f.call("POST", "/api/v1/releases/rel-1/backout", R"({"environment":"SAT"})", sit_rm)));
  CHECK(forbidden_env(f.call("POST", "/api/v1/releases/rel-1/gates/tests:production",
                             R"({"verdict":"pass"})", sit_tester)));
  const std::string body = R"({"environment":"SIT","host":"web-1","files":[]})";
  CHECK(forbidden_env(f.call("POST", "/api/v1/audits/pca", body, sat_agent)));
  // Reading an environment is acting in it: its manifest and the bytes deployed there.
  CHECK(forbidden_env(f.call("GET", "/api/v1/environments/SIT/manifest", "", sat_agent)));
  CHECK(forbidden_env(
      f.call("GET", "/api/v1/environments/SIT/artifacts/payments/app.tar", "", sat_agent)));
  CHECK(f.call("GET", "/api/v1/environments/SAT/manifest", "", sat_agent).status == 200);
  // A token can never name an environment the configuration does not have.
  auto unknown = f.call("POST", "/api/v1/tokens", R"({"user":"sit-rm","environments":["QA"]})");
  CHECK(unknown.status == 400);
  CHECK(problem_type(unknown) == "urn:tollgate:problem:unknown-environment");
}
