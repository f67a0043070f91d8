// The CMDB over real HTTPS against a real tollgated: the happy path, every kind of bad input
// a user sends (each answered with a problem and changing nothing), restarts, concurrency,
// and the offline admin commands.
#include <doctest/doctest.h>

#include <cstdio>
#include <thread>

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
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
namespace json = boost::json;

namespace {

const char* kServiceType = R"({"name":"service","attributes":[
  {"name":"port","type":"int","required":true},
  {"name":"tier","type":"enum","values":["gold","silver"]},
  {"name":"host","type":"ref"}]})";

struct Fixture {
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  Fixture() : server({"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}) {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    REQUIRE(must(admin.request("POST", "/api/v1/ci-types", kServiceType)).status == 201);
    REQUIRE(must(admin.request("POST", "/api/v1/cis",
                               R"({"id":"payments-api","type":"service","name":"Payments API",
                                   "status":"live","attributes":{"port":8443,"tier":"gold"}})"))
                .status == 201);
  }
  std::string ci_body() { return must(admin.request("GET", "/api/v1/cis/payments-api")).body; }
  std::string token(const std::string& name, const std::string& role) {
    return mint_token(admin, name, role);
  }
};

}  // namespace

TEST_CASE("a CI's life over HTTPS: create, read with ETag, patch with If-Match, history, as_of") {
  Fixture f;
  auto got = must(f.admin.request("GET", "/api/v1/cis/payments-api"));
  CHECK(got.status == 200);
  CHECK(got.header("etag") == "\"1\"");
  CHECK(must(f.admin.request("GET", "/api/v1/cis/payments-api", "", {{"If-None-Match", "\"1\""}}))
            .status == 304);
  const std::string created_at(body_of(got).at("created_at").as_string());

  auto patched = must(f.admin.request("PATCH", "/api/v1/cis/payments-api",
                                      R"({"attributes":{"port":9443},"status":"under_repair"})",
                                      {{"If-Match", "\"1\""}}));
  REQUIRE_MESSAGE(patched.status == 200, patched.body);
  CHECK(patched.header("etag") == "\"2\"");
  CHECK(body_of(patched).at("attributes").at("port").as_int64() == 9443);

  auto history = body_of(must(f.admin.request("GET", "/api/v1/cis/payments-api/history")));
  REQUIRE(history.at("items").as_array().size() == 2);
  auto change = history.at("items").as_array()[1].at("changes").as_object();
  CHECK(change.at("status").at("old").as_string() == "live");
  CHECK(change.at("status").at("new").as_string() == "under_repair");

  auto then = must(f.admin.request("GET", "/api/v1/cis/payments-api?as_of=" + created_at));
  CHECK(then.status == 200);
  CHECK(body_of(then).at("attributes").at("port").as_int64() == 8443);
  check_problem(must(f.admin.request("GET", "/api/v1/cis/payments-api?as_of=2000-01-01T00:00:00Z")),
                404, "not-found");

  auto list = body_of(must(f.admin.request("GET", "/api/v1/cis?type=service&status=under_repair")));
  CHECK(list.at("items").as_array().size() == 1);
  CHECK(list.at("next_cursor").is_null());
}

TEST_CASE("bad input is refused with a problem and changes nothing") {
  Fixture f;
  const std::string before = f.ci_body();
  const std::string viewer = f.token("viewer-1", "viewer");

  SUBCASE("malformed JSON") {
    check_problem(must(f.admin.request("POST", "/api/v1/cis", R"({"id":"x",)")), 400,
                  "malformed-json");
    check_problem(
        must(f.admin.request("PATCH", "/api/v1/cis/payments-api", "{{", {{"If-Match", "\"1\""}})),
        400, "malformed-json");
  }
  SUBCASE("unknown fields") {
    auto r = must(f.admin.request("PATCH", "/api/v1/cis/payments-api", R"({"colour":"blue"})",
                                  {{"If-Match", "\"1\""}}));
    check_problem(r, 400, "validation");
    CHECK(body_of(r).at("errors").as_array().at(0).as_string() == "colour: unknown field");
  }
  SUBCASE("wrong attribute types") {
    auto r = must(f.admin.request("PATCH", "/api/v1/cis/payments-api",
                                  R"({"attributes":{"port":"443","tier":"bronze"}})",
                                  {{"If-Match", "\"1\""}}));
    check_problem(r, 400, "validation");
    CHECK(body_of(r).at("errors").as_array().size() == 2);
  }
  SUBCASE("missing required attributes") {
    auto r = must(
        f.admin.request("POST", "/api/v1/cis",
                        R"({"id":"orders","type":"service","name":"Orders","attributes":{}})"));
    check_problem(r, 400, "validation");
    CHECK(body_of(r).at("errors").as_array().at(0).as_string() ==
          "attributes.port: required by type 'service'");
    check_problem(must(f.admin.request("GET", "/api/v1/cis/orders")), 404, "not-found");
  }
  SUBCASE("unknown type") {
    check_problem(must(f.admin.request("POST", "/api/v1/cis",
                                       R"({"id":"rocket","type":"spaceship","name":"R"})")),
                  400, "validation");
    check_problem(must(f.admin.request("GET", "/api/v1/cis/rocket")), 404, "not-found");
  }
  SUBCASE("oversize body") {
    std::string huge =
        R"({"id":"big","type":"service","name":")" + std::string(2 << 20, 'x') + R"("})";
    check_problem(must(f.admin.request("POST", "/api/v1/cis", huge)), 413, "too-large");
    check_problem(must(f.admin.request("GET", "/api/v1/cis/big")), 404, "not-found");
  }
  SUBCASE("unknown route") {
    check_problem(must(f.admin.request("GET", "/api/v1/spaceships")), 404, "not-found");
    check_problem(must(f.admin.request("DELETE", "/api/v1/cis/payments-api")), 405,
                  "method-not-allowed");
  }
  SUBCASE("stale If-Match, and none at all") {
    auto stale = must(f.admin.request("PATCH", "/api/v1/cis/payments-api", R"({"name":"Renamed"})",
                                      {{"If-Match", "\"7\""}}));
    check_problem(stale, 412, "stale-revision");
    check_problem(
        must(f.admin.request("PATCH", "/api/v1/cis/payments-api", R"({"name":"Renamed"})")), 428,
        "precondition-required");
  }
  SUBCASE("illegal status transition") {
    check_problem(must(f.admin.request("PATCH", "/api/v1/cis/payments-api",
                                       R"({"status":"ordered"})", {{"If-Match", "\"1\""}})),
                  409, "illegal-transition");
  }
  SUBCASE("no token, a weak token, an unknown token") {
    HttpClient anonymous = f.server.client();
    check_problem(must(anonymous.request("PATCH", "/api/v1/cis/payments-api", R"({"name":"R"})",
                                         {{"If-Match", "\"1\""}})),
                  401, "unauthorized");
    HttpClient weak = f.server.client("letmein");
    check_problem(must(weak.request("GET", "/api/v1/cis")), 401, "unauthorized");
    HttpClient unknown = f.server.client("tg_" + std::string(64, 'a'));
    check_problem(must(unknown.request("GET", "/api/v1/cis")), 401, "unauthorized");
  }
  SUBCASE("wrong role") {
    HttpClient reader = f.server.client(viewer);
    CHECK(must(reader.request("GET", "/api/v1/cis/payments-api")).status == 200);
    check_problem(must(reader.request("PATCH", "/api/v1/cis/payments-api", R"({"name":"R"})",
                                      {{"If-Match", "\"1\""}})),
                  403, "forbidden-role");
    check_problem(
        must(reader.request("POST", "/api/v1/cis",
                            R"({"id":"r2","type":"service","name":"R","attributes":{"port":1}})")),
        403, "forbidden-role");
    // A viewer mints no token for someone else, nor one wider than their own roles.
    check_problem(
        must(reader.request("POST", "/api/v1/tokens", R"({"user":"admin","roles":["admin"]})")),
        403, "token-other-user");
    check_problem(
        must(reader.request("POST", "/api/v1/tokens", R"({"user":"viewer-1","roles":["admin"]})")),
        400, "token-widens-user");
  }
  SUBCASE("a body that is not JSON by its media type") {
    check_problem(must(f.admin.request("POST", "/api/v1/cis", "id=x",
                                       {{"Content-Type", "application/x-www-form-urlencoded"}})),
                  415, "unsupported-media");
  }
  SUBCASE("a malformed HTTP request") {
    auto r = must(f.admin.raw("GET /api/v1/cis HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"));
    check_problem(r, 400, "invalid");
  }
  CHECK(f.ci_body() == before);  // nothing changed, whatever was tried
  auto history = body_of(must(f.admin.request("GET", "/api/v1/cis/payments-api/history")));
  CHECK(history.at("items").as_array().size() == 1);
}

TEST_CASE("relationships and impact analysis over HTTP") {
  Fixture f;
  for (const char* id : {"db-1", "cache-1"}) {
    REQUIRE(must(f.admin.request(
                     "POST", "/api/v1/cis",
                     fmt::format(
                         R"({{"id":"{}","type":"service","name":"{}","attributes":{{"port":1}}}})",
                         id, id)))
                .status == 201);
  }
  CHECK(must(f.admin.request("POST", "/api/v1/relationships",
                             R"({"from":"payments-api","type":"depends_on","to":"db-1"})"))
            .status == 201);
  CHECK(must(f.admin.request("POST", "/api/v1/relationships",
                             R"({"from":"db-1","type":"depends_on","to":"cache-1"})"))
            .status == 201);
  CHECK(must(f.admin.request("POST", "/api/v1/relationships",
                             R"({"from":"cache-1","type":"depends_on","to":"payments-api"})"))
            .status == 201);
  check_problem(must(f.admin.request("POST", "/api/v1/relationships",
                                     R"({"from":"payments-api","type":"likes","to":"db-1"})")),
                400, "validation");
  check_problem(
      must(f.admin.request("POST", "/api/v1/relationships",
                           R"({"from":"payments-api","type":"depends_on","to":"ghost"})")),
      404, "not-found");
  auto up =
      body_of(must(f.admin.request("GET", "/api/v1/cis/cache-1/impact?direction=up&depth=10")));
  auto items = up.at("items").as_array();
  REQUIRE(items.size() == 2);  // db-1 (1), payments-api (2), and the cycle ends there
  CHECK(items[0].at("id").as_string() == "db-1");
  CHECK(items[1].at("distance").as_int64() == 2);
  CHECK(items[1].at("path").as_array().size() == 3);
  CHECK(must(f.admin.request("DELETE", "/api/v1/relationships",
                             R"({"from":"db-1","type":"depends_on","to":"cache-1"})"))
            .status == 204);
  auto rels = body_of(must(f.admin.request("GET", "/api/v1/cis/db-1/relationships")));
  CHECK(rels.at("items").as_array().size() == 1);
}

TEST_CASE("every acknowledged write survives a restart, including concurrent ones and kill -9") {
  Fixture f;
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> acknowledged{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c = f.server.admin_client();
      for (int i = 0; i < kEach; ++i) {
        auto r = c.request(
            "POST", "/api/v1/cis",
            fmt::format(
                R"({{"id":"ci-{}-{}","type":"service","name":"n","attributes":{{"port":{}}}}})", t,
                i, i));
        if (r.ok() && r->status == 201) ++acknowledged;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(acknowledged == kThreads * kEach);
  REQUIRE(f.server.kill9() != 0);
  REQUIRE(f.server.restart().ok());
  HttpClient c = f.server.admin_client();
  std::size_t seen = 0;
  std::string cursor;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = body_of(must(
        c.request("GET", "/api/v1/cis?limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor))));
    seen += page.at("items").as_array().size();
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  CHECK(seen == kThreads * kEach + 1);  // plus payments-api
  CHECK(f.server.log().find("bootstrap admin token") ==
        f.server.log().rfind("bootstrap admin token"));
  auto metrics = must(c.request("GET", "/metrics"));
  CHECK(metrics.body.find(
            "tollgate_http_requests_total{route=\"/api/v1/cis\",method=\"GET\",status=\"200\"}") !=
        std::string::npos);
  CHECK(metrics.body.find("tollgate_open_connections") != std::string::npos);
}

TEST_CASE("offline commands: admin-token mints a working token, check reports a clean store") {
  Fixture f;
  REQUIRE(f.server.stop() == 0);
  const std::string minted = run_command(fmt::format("{} admin-token --data-dir {} --user ops 2>&1",
                                                     TOLLGATED_PATH, f.server.data_dir()));
  REQUIRE_MESSAGE(minted.find("exit=0") != std::string::npos, minted);
  const std::string first_line = minted.substr(0, minted.find('\n'));
  CHECK_MESSAGE(first_line.starts_with("admin token of user 'ops' (shown once; expires "), minted);
  const std::string token = first_line.substr(first_line.rfind(' ') + 1);
  CHECK(token.size() == 67);
  const std::string checked =
      run_command(fmt::format("{} check --data-dir {} 2>&1", TOLLGATED_PATH, f.server.data_dir()));
  CHECK_MESSAGE(checked.find("store: ok") != std::string::npos, checked);
  CHECK(checked.find("exit=0") != std::string::npos);
  REQUIRE(f.server.restart().ok());
  HttpClient ops = f.server.client(token);
  CHECK(must(ops.request("GET", "/api/v1/cis")).status == 200);
  // The new admin administers people: a user and a token for them.
  CHECK_FALSE(mint_token(ops, "ci-bot", "build_agent").empty());
}

TEST_CASE("the access log has one JSON line per request") {
  Fixture f;
  must(f.admin.request("GET", "/api/v1/cis/payments-api", "", {{"X-Request-Id", "trace-123"}}));
  f.server.stop();
  const std::string log = f.server.log();
  const auto at = log.find("\"request_id\":\"trace-123\"");
  REQUIRE(at != std::string::npos);
  const auto start = log.rfind('\n', at) + 1;
  const std::string line = log.substr(start, log.find('\n', at) - start);
  auto entry = json::parse(line).as_object();
  CHECK(entry.at("route").as_string() == "/api/v1/cis/{id}");
  CHECK(entry.at("status").as_int64() == 200);
  CHECK(entry.at("actor").as_string() == "admin");
  CHECK(entry.at("method").as_string() == "GET");
}
