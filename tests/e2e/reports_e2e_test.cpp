// The reports over real HTTPS against a real tollgated: a release's VDD as JSON and, by Accept,
// as Markdown; the master schedule with a conflict by depends_on; the KPIs; refusals as
// problem+json.
#include <doctest/doctest.h>

#include <string>

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

namespace {

struct Fixture {
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  HttpClient rm{client::ClientOptions{}};

  Fixture() : server({"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}) {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    rm = server.client(mint_token(admin, "rm", "release_manager"));
    REQUIRE(must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})"))
                .status == 201);
    for (const char* id : {"payments", "ledger"}) {
      REQUIRE(
          must(admin.request("POST", "/api/v1/cis",
                             fmt::format(R"({{"id":"{}","type":"service","name":"{}"}})", id, id)))
              .status == 201);
      const std::string bytes = fmt::format("{} build 1.0\n", id);
      auto put = must(admin.request(
          "PUT", fmt::format("/api/v1/artifacts/{}/1.0/{}.tar", id, id), bytes,
          {{"X-Checksum-Sha256", sha256_of(bytes)}, {"Content-Type", "application/octet-stream"}}));
      REQUIRE_MESSAGE(put.status == 201, put.body);
    }
    REQUIRE(must(admin.request("POST", "/api/v1/relationships",
                               R"({"from":"payments","type":"depends_on","to":"ledger"})"))
                .status == 201);
  }

  std::string release(const std::string& name, const std::string& ci) {
    auto r = must(rm.request("POST", "/api/v1/releases",
                             fmt::format(R"({{"name":"{}","version":"1.0","type":"delta",
                                 "category":"scheduled","planned":{{"production":"2026-12-10"}}}})",
                                         name)));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(body_of(r).at("id").as_string());
    auto item = must(rm.request("POST", "/api/v1/releases/" + id + "/items",
                                fmt::format(R"({{"ci":"{}","version":"1.0"}})", ci)));
    REQUIRE_MESSAGE(item.status == 200, item.body);
    return id;
  }
};

}  // namespace

TEST_CASE("reports e2e: VDD by Accept, the schedule's conflicts and the KPIs") {
  Fixture f;
  const std::string a = f.release("Payments", "payments");
  const std::string b = f.release("Ledger", "ledger");

  auto vdd = must(f.rm.request("GET", "/api/v1/releases/" + a + "/vdd"));
  REQUIRE_MESSAGE(vdd.status == 200, vdd.body);
  CHECK(vdd.header("content-type").starts_with("application/json"));
  auto v = body_of(vdd);
  CHECK(v.at("items").at(0).at("artifacts").at(0).at("sha256").as_string() ==
        sha256_of("payments build 1.0\n"));
  auto md = must(
      f.rm.request("GET", "/api/v1/releases/" + a + "/vdd", {}, {{"Accept", "text/markdown"}}));
  REQUIRE(md.status == 200);
  CHECK(md.header("content-type").starts_with("text/markdown"));
  CHECK(md.body.starts_with("# Version Description Document: Payments 1.0\n"));
  CHECK(md.body.find("| payments | 1.0 | payments.tar |") != std::string::npos);
  check_problem(
      must(f.rm.request("GET", "/api/v1/releases/" + a + "/vdd", {}, {{"Accept", "image/png"}})),
      406, "not-acceptable");

  auto schedule = must(f.rm.request("GET", "/api/v1/schedule?from=2026-12-01&to=2026-12-31"));
  REQUIRE_MESSAGE(schedule.status == 200, schedule.body);
  auto s = body_of(schedule);
  CHECK(s.at("items").as_array().size() == 2);
  REQUIRE(s.at("conflicts").as_array().size() == 1);
  const auto& conflict = s.at("conflicts").at(0);
  CHECK(conflict.at("releases").at(0).as_string() == a);
  CHECK(conflict.at("releases").at(1).as_string() == b);
  CHECK(conflict.at("reason").as_string() == "payments depends_on ledger");
  CHECK(conflict.at("date").as_string() == "2026-12-10");
  check_problem(must(f.rm.request("GET", "/api/v1/schedule?from=12/01/2026")), 400, "invalid");

  auto kpis = must(f.rm.request("GET", "/api/v1/reports/kpis"));
  REQUIRE_MESSAGE(kpis.status == 200, kpis.body);
  auto k = body_of(kpis);
  CHECK(k.at("releases").as_int64() == 2);
  CHECK(k.at("by_category").at("scheduled").as_int64() == 2);
  CHECK(k.at("counted_by").as_string() == "created_at");
  check_problem(must(f.rm.request("GET", "/api/v1/reports/kpis?to=2026-02-30")), 400, "invalid");
}
