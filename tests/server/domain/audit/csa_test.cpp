// Configuration status accounting: counts by type and status, status histories with their
// dates, the filters, the CSV rendering and content negotiation.
#include "server/domain/audit/csa.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/release/environments.hpp"
#include "server/http/commands/cmdb.hpp"
#include "tests/server/domain/reports_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::body_of;
using testing::day;
using testing::problem_type;
using testing::text_of;

constexpr const char* kOwner = "Ops, \"Core\"";
constexpr const char* kOwnerQuery = "Ops%2C%20%22Core%22";

struct Csa : testing::ReportFixture {
  Csa() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})").status ==
            201);
    clock.set(day("2026-12-01"));
    create("api", "component", kOwner, "ordered");
    create("db", "service", "dba", "live");
    create("web", "component", "dba", "received");
    clock.set(day("2026-12-02"));
    patch("api", R"({"status":"received"})");
    clock.set(day("2026-12-03"));
    patch("api", R"({"name":"API gateway"})");  // revision 3, no status change
    clock.set(day("2026-12-04", 6));
    patch("api", R"({"status":"under_test"})");
    clock.set(day("2026-12-05"));
  }
  void create(const std::string& id, const std::string& type, const std::string& owner,
              const std::string& status) {
    json::object body{{"id", id},       {"type", type},     {"name", id},
                      {"owner", owner}, {"status", status}, {"attributes", json::object{}}};
    auto r = call("POST", "/api/v1/cis", json::serialize(body));
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  void patch(const std::string& id, const std::string& body) {
    auto patch = commands::parse_ci_patch(json::parse(body).as_object());
    REQUIRE_MESSAGE(patch.ok(), patch.status().to_string());
    auto r = app->cis.patch(id, *patch, {}, admin_principal);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  }
  // Deploys `cis` in `env` as a promotion's manifest would.
  void deploy(const std::string& env, const std::vector<std::string>& cis) {
    Manifest m;
    m.environment = env;
    m.version = 1;
    m.action = "promote";
    m.release = "rel-1";
    for (const auto& ci : cis) m.entries.push_back({ci, "1.0", "rel-1", {}});
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  store_manifest(txn, m, json::serialize(m.to_json()));
                  return Status();
                })
                .ok());
  }
  json::object report(const std::string& query = "") {
    auto r = call("GET", "/api/v1/reports/csa" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.content_type.starts_with("application/json"));
    return body_of(r);
  }
  static std::vector<std::string> ids(const json::object& report) {
    std::vector<std::string> out;
    for (const auto& item : report.at("items").as_array()) out.push_back(text_of(item.at("id")));
    return out;
  }
};

TEST_CASE_FIXTURE(Csa, "csa: counts by type, by status and by type and status") {
  auto body = report();
  CHECK(body.at("total") == 3);
  const auto& counts = body.at("counts").as_object();
  CHECK(counts.at("by_type") == json::parse(R"({"component":2,"service":1})"));
  CHECK(counts.at("by_status") ==
        json::parse(R"({"ordered":0,"received":1,"under_test":1,"live":1,"under_repair":0,
                        "withdrawn":0,"disposed":0})"));
  const auto& by_both = counts.at("by_type_status").as_object();
  CHECK(by_both.at("component").at("received") == 1);
  CHECK(by_both.at("component").at("under_test") == 1);
  CHECK(by_both.at("component").at("live") == 0);
  CHECK(by_both.at("service").at("live") == 1);
  CHECK(ids(body) == std::vector<std::string>{"api", "db", "web"});
  CHECK(body.at("filters") ==
        json::parse(R"({"type":null,"status":null,"owner":null,"environment":null})"));
  CHECK(text_of(body.at("generated_at")) == format_rfc3339(day("2026-12-05")));
}

TEST_CASE_FIXTURE(Csa, "csa: items come in pages; the total and counts cover every match") {
  auto first = report("?limit=2");
  CHECK(first.at("total") == 3);
  CHECK(first.at("counts").at("by_type") == json::parse(R"({"component":2,"service":1})"));
  CHECK(ids(first) == std::vector<std::string>{"api", "db"});
  REQUIRE(first.at("next_cursor").is_string());
  auto second = report("?limit=2&cursor=" + text_of(first.at("next_cursor")));
  CHECK(second.at("total") == 3);
  CHECK(ids(second) == std::vector<std::string>{"web"});
  CHECK(second.at("next_cursor").is_null());
  CHECK(report().at("next_cursor").is_null());  // 3 fit the default page

  // CSV pages name the next one in a Link header that keeps the filters.
  auto csv = call("GET", "/api/v1/reports/csa?type=component&limit=1", "", "use-admin",
                  {{"accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  std::string link;
  for (const auto& [name, value] : csv.headers)
    if (name == "Link") link = value;
  CHECK(link.starts_with("</api/v1/reports/csa?type=component&limit=1&cursor="));
  CHECK(link.ends_with(">; rel=\"next\""));
  const std::string next = link.substr(1, link.find('>') - 1);
  auto last = call("GET", next, "", "use-admin", {{"accept", "text/csv"}});
  REQUIRE(last.status == 200);
  CHECK(last.body.find("\r\nweb,component,") != std::string::npos);
  for (const auto& [name, value] : last.headers) CHECK(name != "Link");
  CHECK(call("GET", "/api/v1/reports/csa?limit=0").status == 400);
}

TEST_CASE_FIXTURE(Csa, "csa: each CI's status history has the date and revision of each status") {
  auto body = report();
  const auto& api = body.at("items").as_array()[0].as_object();
  CHECK(text_of(api.at("status")) == "under_test");
  CHECK(text_of(api.at("owner")) == kOwner);
  CHECK(text_of(api.at("name")) == "API gateway");
  CHECK(api.at("revision") == 4);
  const auto& history = api.at("status_history").as_array();
  REQUIRE(history.size() == 3);
  auto period = [&](std::size_t i) { return history[i].as_object(); };
  CHECK(text_of(period(0).at("status")) == "ordered");
  CHECK(text_of(period(0).at("from")) == format_rfc3339(day("2026-12-01")));
  CHECK(text_of(period(0).at("to")) == format_rfc3339(day("2026-12-02")));
  CHECK(period(0).at("revision") == 1);
  CHECK(text_of(period(1).at("status")) == "received");
  CHECK(text_of(period(1).at("from")) == format_rfc3339(day("2026-12-02")));
  // the rename on 12-03 did not start a new period
  CHECK(text_of(period(1).at("to")) == format_rfc3339(day("2026-12-04", 6)));
  CHECK(period(1).at("revision") == 2);
  CHECK(text_of(period(2).at("status")) == "under_test");
  CHECK(text_of(period(2).at("from")) == format_rfc3339(day("2026-12-04", 6)));
  CHECK(period(2).at("to").is_null());
  CHECK(period(2).at("revision") == 4);
  CHECK(text_of(period(2).at("actor")) == "admin");

  const auto& db = body.at("items").as_array()[1].as_object();
  REQUIRE(db.at("status_history").as_array().size() == 1);
  CHECK(text_of(db.at("status_history").as_array()[0].at("status")) == "live");
}

TEST_CASE_FIXTURE(Csa, "csa: filters by type, status, owner and environment") {
  using V = std::vector<std::string>;
  CHECK(ids(report("?type=component")) == V{"api", "web"});
  CHECK(ids(report("?status=live")) == V{"db"});
  CHECK(ids(report("?owner=dba")) == V{"db", "web"});
  CHECK(ids(report(std::string("?owner=") + kOwnerQuery)) == V{"api"});
  CHECK(ids(report("?type=component&owner=dba")) == V{"web"});
  CHECK(ids(report("?status=ordered")).empty());
  auto filtered = report("?type=service");
  CHECK(filtered.at("total") == 1);
  CHECK(filtered.at("counts").at("by_type") == json::parse(R"({"service":1})"));
  CHECK(text_of(filtered.at("filters").at("type")) == "service");
  // nothing deployed yet: no CI is in SIT
  CHECK(ids(report("?environment=SIT")).empty());
  deploy("SIT", {"db", "web"});
  CHECK(ids(report("?environment=SIT")) == V{"db", "web"});
  CHECK(ids(report("?environment=SIT&type=component")) == V{"web"});
  CHECK(ids(report("?environment=CINTE")).empty());
}

TEST_CASE_FIXTURE(Csa, "csa: bad filters are refused") {
  auto r = call("GET", "/api/v1/reports/csa?status=broken");
  CHECK(r.status == 400);
  CHECK(problem_type(r) == "urn:tollgate:problem:invalid");
  r = call("GET", "/api/v1/reports/csa?environment=moon");
  CHECK(r.status == 404);
  CHECK(problem_type(r) == "urn:tollgate:problem:unknown-environment");
  CHECK(call("GET", "/api/v1/reports/csa", "", "").status == 401);
}

TEST_CASE_FIXTURE(Csa, "csa: CSV has a header and one row per status period, RFC 4180 quoted") {
  auto r = call("GET", std::string("/api/v1/reports/csa?owner=") + kOwnerQuery, "", "use-admin",
                {{"accept", "text/csv"}});
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("text/csv"));
  const std::string d1 = format_rfc3339(day("2026-12-01"));
  const std::string d2 = format_rfc3339(day("2026-12-02"));
  const std::string d4 = format_rfc3339(day("2026-12-04", 6));
  CHECK(r.body == fmt::format("ci,type,owner,current_status,status,from,to,revision\r\n"
                              "api,component,\"Ops, \"\"Core\"\"\",under_test,ordered,{},{},1\r\n"
                              "api,component,\"Ops, \"\"Core\"\"\",under_test,received,{},{},2\r\n"
                              "api,component,\"Ops, \"\"Core\"\"\",under_test,under_test,{},,4\r\n",
                              d1, d2, d2, d4, d4));
  r = call("GET", "/api/v1/reports/csa?status=ordered", "", "use-admin", {{"accept", "text/csv"}});
  REQUIRE(r.status == 200);
  CHECK(r.body == "ci,type,owner,current_status,status,from,to,revision\r\n");
}

TEST_CASE("csa: csv_field quotes only what needs it") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("a-b") == "a-b");  // only a leading formula character counts
}

TEST_CASE("csa: csv_field neutralises cells a spreadsheet would run as formulas") {
  CHECK(csv_field("=1+2") == "\"'=1+2\"");
  CHECK(csv_field("+1") == "\"'+1\"");
  CHECK(csv_field("-2+3") == "\"'-2+3\"");
  CHECK(csv_field("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(csv_field("\tx") == "\"'\tx\"");
  CHECK(csv_field("\rx") == "\"'\rx\"");
  CHECK(csv_field("=HYPERLINK(\"http://x\",\"y\")") ==
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  CHECK(csv_field("'=1") == "'=1");  // already text
}

TEST_CASE_FIXTURE(Csa, "csa: content negotiation like the VDD's") {
  auto r = call("GET", "/api/v1/reports/csa", "", "use-admin", {{"accept", "application/xml"}});
  CHECK(r.status == 406);
  CHECK(problem_type(r) == "urn:tollgate:problem:not-acceptable");
  r = call("GET", "/api/v1/reports/csa", "", "use-admin",
           {{"accept", "text/csv;q=0, application/json"}});
  CHECK(r.status == 200);
  CHECK(r.content_type.starts_with("application/json"));
  r = call("GET", "/api/v1/reports/csa", "", "use-admin", {{"accept", "text/*"}});
  CHECK(r.status == 200);
  CHECK(r.content_type.starts_with("text/csv"));
  CHECK(std::find(r.headers.begin(), r.headers.end(),
                  std::pair<std::string, std::string>("Vary", "Accept")) != r.headers.end());
}

}  // namespace
}  // namespace tollgate::server
