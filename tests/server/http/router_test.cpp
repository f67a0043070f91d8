// The router as a plain function: routes, authentication, roles, media types, problems.
#include "server/http/router.hpp"
#include "server/http/route_table.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <tuple>

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/http/exchange.hpp"
#include "server/http/problem.hpp"
#include "tests/support/app_fixture.hpp"
#include "tollgate/digest.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {
json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

void check_problem(const Response& r, unsigned status, const std::string& type_slug) {
  CHECK(r.status == status);
  CHECK(r.content_type == "application/problem+json");
  auto body = body_of(r);
  CHECK(body.at("type").as_string() == "urn:tollgate:problem:" + type_slug);
  CHECK(body.at("status").as_int64() == status);
  CHECK_FALSE(body.at("detail").as_string().empty());
}
}  // namespace

TEST_CASE("health and metrics need no token; the API does") {
  AppFixture f;
  CHECK(f.call("GET", "/healthz", "", "").status == 200);
  auto metrics = f.call("GET", "/metrics", "", "");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("tollgate_lmdb_map_size_bytes") != std::string::npos);
  check_problem(f.call("GET", "/api/v1/cis", "", ""), 401, "unauthorized");
  check_problem(f.call("GET", "/api/v1/cis", "", "tg_" + std::string(64, '0')), 401,
                "unauthorized");
  check_problem(f.call("GET", "/api/v1/cis", "", "not-a-token"), 401, "unauthorized");
  CHECK(f.call("GET", "/api/v1/cis", "", "", {{"authorization", "Basic abc"}}).status == 401);
  CHECK(f.call("GET", "/api/v1/cis").status == 200);
}

TEST_CASE("unknown routes are 404 and known routes with other methods 405 with Allow") {
  AppFixture f;
  check_problem(f.call("GET", "/api/v1/nothing"), 404, "not-found");
  auto r = f.call("PUT", "/api/v1/cis");
  check_problem(r, 405, "method-not-allowed");
  bool has_allow = false;
  for (const auto& [k, v] : r.headers)
    if (k == "Allow") has_allow = v == "GET, POST";
  CHECK(has_allow);
  CHECK(f.call("HEAD", "/api/v1/cis").status == 200);
}

TEST_CASE("roles: readers read, writers write, only admins mint tokens") {
  AppFixture f;
  const std::string viewer = f.token_with(Role::viewer, "v");
  const std::string auditor = f.token_with(Role::auditor, "a");
  const std::string manager = f.token_with(Role::cm_manager, "cm");
  const std::string type = R"({"name":"app","attributes":[]})";
  check_problem(f.call("POST", "/api/v1/ci-types", type, viewer), 403, "forbidden-role");
  CHECK(f.call("GET", "/api/v1/ci-types", "", auditor).status == 200);
  CHECK(f.call("POST", "/api/v1/ci-types", type, manager).status == 201);
  f.ensure_user("x", {Role::viewer, Role::tester});
  check_problem(f.call("POST", "/api/v1/tokens", R"({"user":"x","roles":["viewer"]})", manager),
                403, "token-other-user");
  auto minted = f.call("POST", "/api/v1/tokens", R"({"user":"x","roles":["viewer","tester"]})");
  REQUIRE(minted.status == 201);
  auto token = body_of(minted);
  CHECK(token.at("roles").as_array().size() == 2);
  const std::string secret(token.at("token").as_string());
  CHECK(secret.size() == 67);
  CHECK(f.call("GET", "/api/v1/cis", "", secret).status == 200);
  check_problem(f.call("POST", "/api/v1/tokens", R"({"user":"x","roles":["wizard"]})"), 400,
                "validation");
}

TEST_CASE("bodies must be JSON objects with known fields") {
  AppFixture f;
  auto r = f.call("POST", "/api/v1/ci-types", "{not json");
  check_problem(r, 400, "malformed-json");
  r = f.call("POST", "/api/v1/ci-types", R"({"name":"app","attributes":[],"colour":"red"})");
  check_problem(r, 400, "validation");
  CHECK(body_of(r).at("errors").as_array().at(0).as_string() == "colour: unknown field");
  Request plain;
  plain.method = "POST";
  plain.target = "/api/v1/ci-types";
  plain.body = R"({"name":"app","attributes":[]})";
  plain.headers = {{"authorization", "Bearer " + f.admin}, {"content-type", "text/plain"}};
  check_problem(handle(plain, *f.app), 415, "unsupported-media");
  CHECK(f.call("GET", "/api/v1/ci-types").body.find("\"app\"") == std::string::npos);
}

TEST_CASE("query parameters and percent-encoded paths are decoded") {
  AppFixture f;
  REQUIRE(f.call("POST", "/api/v1/ci-types", R"({"name":"app","attributes":[]})").status == 201);
  REQUIRE(f.call("POST", "/api/v1/cis", R"({"id":"web-1","type":"app","name":"Web One"})").status ==
          201);
  CHECK(f.call("GET", "/api/v1/cis/web%2D1").status == 200);
  auto listed = body_of(f.call("GET", "/api/v1/cis?q=web%20one"));
  CHECK(listed.at("items").as_array().size() == 1);
  check_problem(f.call("GET", "/api/v1/cis?limit=0"), 400, "invalid");
  check_problem(f.call("GET", "/api/v1/cis?cursor=%%%"), 400, "invalid");
  check_problem(f.call("GET", "/api/v1/cis/web-1?as_of=yesterday"), 400, "invalid");
  check_problem(f.call("GET", "/api/v1/cis/..%2F..%2Fetc"), 404, "not-found");
}

TEST_CASE("find_route: the first route of the method, its placeholders, or the methods allowed") {
  const RouteMatch document = find_route("PUT", {"api", "v1", "cis", "web-1", "documents", "a b"});
  REQUIRE(document.route != nullptr);
  CHECK(std::string_view(document.route->pattern) == "/api/v1/cis/{id}/documents/{name}");
  CHECK(document.params == std::vector<std::string>{"web-1", "a b"});
  const RouteMatch head = find_route("HEAD", {"api", "v1", "cis"});
  REQUIRE(head.route != nullptr);
  CHECK(std::string_view(head.route->method) == "GET");
  const RouteMatch refused = find_route("DELETE", {"api", "v1", "cis"});
  CHECK(refused.route == nullptr);
  CHECK(refused.params.empty());
  CHECK(refused.allowed == std::vector<std::string>{"GET", "POST"});
  CHECK(find_route("GET", {"api", "v1", "cis", ""}).route == nullptr);  // an empty placeholder
  CHECK(find_route("GET", {"nothing"}).allowed.empty());
}

TEST_CASE("body_kind reads the target as the router does") {
  // Found by tests/fuzz/router_fuzz.cpp: a plain split of the target named a streaming route
  // for a target the router refuses, and missed one whose literal segment is percent-encoded.
  CHECK(body_kind("PUT", "/api/v1/artifacts/web/1.0/app.jar") == BodyKind::stream);
  CHECK(body_kind("PUT", "/api/v1/%61rtifacts/web/1.0/app.jar") == BodyKind::stream);
  CHECK(body_kind("POST",
                  "\xd0"
                  "api/v1/audits/pca") == BodyKind::json);
  CHECK(body_kind("POST", "/api/v1/audits/pca#x") == BodyKind::json);
  CHECK(body_kind("POST", "/api/v1/audits/pca?environment=SIT") == BodyKind::stream);
  CHECK(body_kind("PUT", "/api/v1/cis/web/documents/a.md") == BodyKind::raw);
  CHECK(body_kind("GET", "/api/v1/artifacts/web/1.0/app.jar") == BodyKind::json);
}

TEST_CASE("the route label is the pattern, not the path") {
  AppFixture f;
  CHECK(f.call("GET", "/api/v1/cis/whatever").route == "/api/v1/cis/{id}");
  CHECK(f.call("GET", "/nope").route == "unmatched");
}

TEST_CASE("openapi lists every route") {
  AppFixture f;
  auto doc = body_of(f.call("GET", "/api/v1/openapi.json", "", ""));
  const auto& paths = doc.at("paths").as_object();
  for (const Route& route : routes()) CHECK(paths.contains(route.pattern));
}

TEST_CASE("a request that commits nothing gets an entry naming the problem it was refused with") {
  AppFixture f;
  auto started = f.call("POST", "/api/v1/uploads");
  REQUIRE(started.status == 202);
  std::string location;
  for (const auto& [name, value] : started.headers)
    if (name == "Location") location = value;
  REQUIRE_FALSE(location.empty());
  // A 416 is rendered apart from the codes' problems; it still names its problem.
  auto refused = f.call("PATCH", location, "abc", "use-admin", {{"content-range", "5-7"}});
  check_problem(refused, 416, "upload-range-mismatch");
  CHECK(refused.problem == "upload-range-mismatch");
  CHECK(body_of(refused).at("offset").to_number<std::uint64_t>() == 0);

  json::object last;
  REQUIRE(f.store
              ->read([&](storage::ReadTxn& txn) {
                txn.scan(storage::Table::audit_log, "", [&](auto, std::string_view value) {
                  last = json::parse(value).as_object();
                  return true;
                });
                return Status();
              })
              .ok());
  CHECK(last.at("target").as_string() == location);
  CHECK(last.at("outcome").as_string() == "refused");
  CHECK(last.at("status").as_int64() == 416);
  CHECK(last.at("problem").as_string() == "upload-range-mismatch");
}

namespace {

// The headers of `r` as written to the socket (lower-case names; a repeated name is a failure).
std::map<std::string, std::string> written_headers(Response r, bool head = false) {
  connection::Exchange exchange;
  exchange.head = head;
  connection::prepare_response(exchange, r, false);
  std::map<std::string, std::string> out;
  for (const auto& field : exchange.response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    CHECK_MESSAGE(out.emplace(name, std::string(field.value())).second, ("repeated " + name));
  }
  return out;
}

void check_security_headers(const std::map<std::string, std::string>& h,
                            const std::string& cache = "no-store",
                            const std::string& csp = "default-src 'none'; frame-ancestors 'none'") {
  CHECK(h.at("strict-transport-security") == "max-age=31536000");
  CHECK(h.at("x-content-type-options") == "nosniff");
  CHECK(h.at("x-frame-options") == "DENY");
  CHECK(h.at("referrer-policy") == "no-referrer");
  CHECK(h.at("cache-control") == cache);
  CHECK(h.at("content-security-policy") == csp);
}

}  // namespace

TEST_CASE("every response carries the security headers: answers, problems, 404s and 405s") {
  AppFixture f;
  for (const auto& row : {std::tuple{"GET", "/api/v1/cis", std::string("use-admin")},
                          {"GET", "/api/v1/cis", ""},      // 401 problem+json
                          {"GET", "/api/v1/nothing", ""},  // 404 before any token is looked at
                          {"PUT", "/api/v1/cis", ""},      // 405
                          {"GET", "/healthz", ""},
                          {"HEAD", "/api/v1/cis", std::string("use-admin")}}) {
    const char* method = std::get<0>(row);
    const char* target = std::get<1>(row);
    const std::string& token = std::get<2>(row);
    CAPTURE(method);
    CAPTURE(target);
    const Response r = f.call(method, target, "", token);
    check_security_headers(written_headers(r, std::string_view(method) == "HEAD"));
  }
  // A problem rendered by the connection itself (no route) goes the same way.
  check_security_headers(written_headers(problem(invalid("the request is malformed"))));
}

TEST_CASE("a route's own cache policy and content security policy stand") {
  Response download;
  download.header("cache-control", "private, max-age=31536000, immutable");
  download.header("Content-Security-Policy", "sandbox");
  check_security_headers(written_headers(download), "private, max-age=31536000, immutable",
                         "sandbox");
}

TEST_CASE(
    "a store at its maximum size answers 507 storage-full, half-writes nothing, still reads") {
  storage::LmdbOptions options;
  options.map_size = 1 << 20;
  options.max_map_size = 1 << 20;
  AppFixture f(options);
  REQUIRE(f.call("POST", "/api/v1/ci-types",
                 R"({"name":"host","attributes":[{"name":"note","type":"string"}]})")
              .status == 201);
  REQUIRE(f.call("POST", "/api/v1/cis", R"({"id":"h0","type":"host","name":"h0"})").status == 201);
  // Each kind of write until the store refuses one: it is the one looked at.
  const auto until_refused = [](const std::function<Response(int)>& write) {
    Response last;
    for (int i = 1; i <= 2000; ++i) {
      last = write(i);
      if (last.status != 201) return std::make_pair(i, last);
    }
    FAIL("the store never filled up");
    return std::make_pair(0, last);
  };

  const auto cis = until_refused([&](int i) {
    const json::object ci{{"id", "h" + std::to_string(i)},
                          {"type", "host"},
                          {"name", "h"},
                          {"attributes", {{"note", std::string(4000, 'n')}}}};
    return f.call("POST", "/api/v1/cis", json::serialize(ci));
  });
  check_problem(cis.second, 507, "storage-full");
  CHECK(f.call("GET", "/api/v1/cis/h" + std::to_string(cis.first)).status == 404);

  // An artifact: its bytes are verified and kept, its record refused; nothing points at them.
  const auto bytes = [](int i) { return "the bytes of artifact " + std::to_string(i); };
  const auto artifacts = until_refused([&](int i) {
    return f.call("PUT", fmt::format("/api/v1/artifacts/h0/1.{}/x.bin", i), bytes(i), "use-admin",
                  {{"x-checksum-sha256", sha256_hex(bytes(i))}});
  });
  check_problem(artifacts.second, 507, "storage-full");
  CHECK(f.call("GET", fmt::format("/api/v1/artifacts/h0/1.{}/x.bin", artifacts.first)).status ==
        404);
  CHECK(f.blobs->contains(sha256_hex(bytes(artifacts.first))).value());

  // A baseline, which writes the vault first: refused, and the vault holds neither it nor its
  // tag (its commit, when it got that far, is reverted).
  const auto baselines = until_refused([&](int i) {
    return f.call("POST", "/api/v1/baselines",
                  fmt::format(R"({{"name":"b{}","scope":{{"cis":["h0"]}}}})", i));
  });
  check_problem(baselines.second, 507, "storage-full");
  const std::string name = "b" + std::to_string(baselines.first);
  CHECK(f.call("GET", "/api/v1/baselines/" + name).status == 404);
  CHECK_FALSE(f.vault->read("baselines/" + name + ".json").ok());
  CHECK_FALSE(f.vault->tag_target(name).ok());
  CHECK(f.vault->read("baselines/b1.json").ok() == (baselines.first > 1));

  // Reads are served all along.
  CHECK(f.call("GET", "/healthz", "", "").status == 200);
  CHECK(f.call("GET", "/api/v1/cis/h0").status == 200);
  CHECK(f.call("GET", "/api/v1/cis?limit=5").status == 200);
  CHECK(f.call("GET", "/api/v1/artifacts/h0").status == 200);
}

TEST_CASE("a body is read only when its headers admit it: route, credential, role, media type") {
  AppFixture f;
  const std::string viewer = f.token_with(Role::viewer, "v");
  const std::string manager = f.token_with(Role::cm_manager, "cm");
  auto headers_only = [](const std::string& method, const std::string& target,
                         const std::string& token, const std::string& media = "application/json") {
    Request r;
    r.method = method;
    r.target = target;
    r.body_unread = true;
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    r.headers.emplace_back("content-type", media);
    r.headers.emplace_back("content-length", "1048576");
    return r;
  };
  CHECK(headers_admit(headers_only("POST", "/api/v1/ci-types", manager), *f.app));
  CHECK(headers_admit(headers_only("POST", "/api/v1/sessions", ""), *f.app));  // anyone
  CHECK_FALSE(headers_admit(headers_only("POST", "/api/v1/ci-types", viewer), *f.app));
  CHECK_FALSE(headers_admit(headers_only("POST", "/api/v1/ci-types", ""), *f.app));
  CHECK_FALSE(headers_admit(headers_only("POST", "/api/v1/ci-types", "tg_nope"), *f.app));
  CHECK_FALSE(
      headers_admit(headers_only("POST", "/api/v1/ci-types", manager, "text/plain"), *f.app));
  CHECK_FALSE(headers_admit(headers_only("POST", "/api/v1/nothing", manager), *f.app));
  CHECK_FALSE(headers_admit(headers_only("PUT", "/api/v1/cis", manager), *f.app));
  CHECK_FALSE(headers_admit(headers_only("POST", "/api/v1/%zz", manager), *f.app));

  // What the headers refused is answered on them alone.
  check_problem(handle(headers_only("POST", "/api/v1/ci-types", viewer), *f.app), 403,
                "forbidden-role");
  check_problem(handle(headers_only("POST", "/api/v1/ci-types", ""), *f.app), 401, "unauthorized");
  check_problem(handle(headers_only("POST", "/api/v1/ci-types", manager, "text/plain"), *f.app),
                415, "unsupported-media");
  // Headers that pass by the time the handler runs (a token changed meanwhile) get no handler:
  // there is no body to give it.
  check_problem(handle(headers_only("POST", "/api/v1/ci-types", manager), *f.app), 503,
                "unavailable");
}
