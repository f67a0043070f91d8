// Status accounting and the functional configuration audit against a real tollgated over HTTPS:
// the CSA as JSON and CSV (HTTP and `tollgate csa`), `tollgate fca` passing (exit 0) and failing
// (exit 5), and the stored results through `tollgate audits`.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::contains;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
namespace json = boost::json;

namespace {

struct Fixture {
  ServerProcess server;
  testing::TempDir work{"tollgate-audits-e2e-"};
  HttpClient admin{client::ClientOptions{}};
  HttpClient rm{client::ClientOptions{}};
  HttpClient cm{client::ClientOptions{}};
  std::string auditor;

  Fixture() : server({"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}) {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    rm = server.client(mint_token(admin, "rm", "release_manager"));
    cm = server.client(mint_token(admin, "cm", "change_manager"));
    auditor = mint_token(admin, "audrey", "auditor");
    REQUIRE(must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})"))
                .status == 201);
    ci("payments", "Payments, \"core\" team");
    ci("ledger", "ledger-team");
  }

  void ci(const std::string& id, const std::string& owner) {
    json::object body{{"id", id}, {"type", "service"}, {"name", id}, {"owner", owner}};
    auto r = must(admin.request("POST", "/api/v1/cis", json::serialize(body)));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string bytes = id + " build 1.0\n";
    auto put = must(admin.request(
        "PUT", fmt::format("/api/v1/artifacts/{}/1.0/{}.tar", id, id), bytes,
        {{"X-Checksum-Sha256", sha256_of(bytes)}, {"Content-Type", "application/octet-stream"}}));
    REQUIRE_MESSAGE(put.status == 201, put.body);
  }

  std::string approved_rfc(const std::string& ci) {
    auto r = must(rm.request(
        "POST", "/api/v1/rfcs",
        fmt::format(R"({{"title":"ship {}","cis":["{}"],"impact":{{"risk":"low"}}}})", ci, ci)));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(body_of(r).at("id").as_string());
    REQUIRE(must(rm.request("POST", "/api/v1/rfcs/" + id + "/submit", "{}")).status == 200);
    REQUIRE(must(cm.request("POST", "/api/v1/rfcs/" + id + "/approve", "{}")).status == 200);
    return id;
  }

  std::string release(const std::string& ci, const std::string& rfc) {
    auto r = must(rm.request(
        "POST", "/api/v1/releases",
        fmt::format(R"({{"name":"{}","version":"1.0","type":"delta","category":"scheduled"{}}})",
                    ci, rfc.empty() ? "" : fmt::format(R"(,"rfcs":["{}"])", rfc))));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(body_of(r).at("id").as_string());
    auto item = must(rm.request("POST", "/api/v1/releases/" + id + "/items",
                                fmt::format(R"({{"ci":"{}","version":"1.0"}})", ci)));
    REQUIRE_MESSAGE(item.status == 200, item.body);
    return id;
  }

  // Runs `tollgate ARGS` as the auditor; its standard output then "\nexit=N".
  std::string cli(const std::string& args) const {
    return run_command(fmt::format("{} --server https://127.0.0.1:{} --ca {} --token {} {} 2>{}",
                                   TOLLGATE_CLI_PATH, server.port(), server.ca_file(), auditor,
                                   args, work.file("cli.err")));
  }
};

}  // namespace

TEST_CASE("audits e2e: status accounting as JSON and CSV, over HTTP and the CLI") {
  Fixture f;
  REQUIRE(must(f.admin.request("PATCH", "/api/v1/cis/ledger", R"({"status":"received"})",
                               {{"If-Match", "\"1\""}}))
              .status == 200);
  auto r = must(f.rm.request("GET", "/api/v1/reports/csa?type=service"));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  auto report = body_of(r);
  CHECK(report.at("total") == 2);
  CHECK(report.at("counts").at("by_status").at("ordered") == 1);
  CHECK(report.at("counts").at("by_status").at("received") == 1);
  const auto& ledger = report.at("items").at(0).as_object();
  CHECK(ledger.at("id") == "ledger");
  CHECK(ledger.at("status_history").as_array().size() == 2);

  r = must(f.rm.request("GET", "/api/v1/reports/csa?status=ordered", "", {{"Accept", "text/csv"}}));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").starts_with("text/csv"));
  const std::string created(
      report.at("items").at(1).at("status_history").at(0).at("from").as_string());
  CHECK(r.body == fmt::format("ci,type,owner,current_status,status,from,to,revision\r\n"
                              "payments,service,\"Payments, \"\"core\"\" team\",ordered,ordered,"
                              "{},,1\r\n",
                              created));
  check_problem(must(f.rm.request("GET", "/api/v1/reports/csa", "", {{"Accept", "image/png"}})),
                406, "not-acceptable");

  const std::string csv = f.cli("csa --status ordered --csv");
  CHECK(csv == r.body + "\nexit=0");
  const std::string table = f.cli("csa");
  CHECK(contains(table, "2 CIs"));
  CHECK(contains(table, "by status: ordered 1, received 1"));
  CHECK(contains(table, "ledger"));
  CHECK(contains(table, "exit=0"));
  const std::string as_json = f.cli("--json csa --owner ledger-team");
  const auto end = as_json.rfind("\nexit=");
  REQUIRE(end != std::string::npos);
  CHECK(json::parse(as_json.substr(0, end)).at("total") == 1);
  CHECK(f.cli("csa --status nope").ends_with("exit=1"));

  // A cell a spreadsheet would run as a formula is exported as text.
  f.ci("macro", "=1+2");
  r = must(f.rm.request("GET", "/api/v1/reports/csa?owner=%3D1%2B2", "", {{"Accept", "text/csv"}}));
  REQUIRE(r.status == 200);
  CHECK(contains(r.body, "\r\nmacro,service,\"'=1+2\",ordered,ordered,"));
  CHECK(f.cli("csa --owner =1+2 --csv") == r.body + "\nexit=0");
}

TEST_CASE("audits e2e: tollgate fca passes (exit 0) and fails (exit 5); results are listed") {
  Fixture f;
  const std::string good = f.release("payments", f.approved_rfc("payments"));
  auto rrr = must(
      f.cm.request("POST", "/api/v1/releases/" + good + "/gates/rrr", R"({"verdict":"pass"})"));
  REQUIRE_MESSAGE(rrr.status == 201, rrr.body);
  const std::string passed = f.cli("fca " + good);
  CHECK(contains(passed, "audit-1 fca of release " + good + ": PASSED"));
  CHECK(passed.ends_with("exit=0"));

  const std::string bad = f.release("ledger", "");
  const std::string failed = f.cli("fca " + bad);
  CHECK(contains(failed, "audit-2 fca of release " + bad + ": FAILED"));
  CHECK(contains(failed, "vdd-missing"));
  CHECK(contains(failed, "rfc-missing"));
  CHECK(failed.ends_with("exit=5"));
  const std::string failed_json = f.cli("--json fca " + bad);
  CHECK(failed_json.ends_with("exit=5"));
  CHECK(json::parse(failed_json.substr(0, failed_json.rfind("\nexit="))).at("passed") == false);

  const std::string listed = f.cli("audits --kind fca");
  CHECK(contains(listed, "audit-1"));
  CHECK(contains(listed, "audit-3"));
  CHECK(listed.ends_with("exit=0"));
  const std::string only_bad = f.cli("--json audits --release " + bad);
  auto items = json::parse(only_bad.substr(0, only_bad.rfind("\nexit="))).at("items").as_array();
  CHECK(items.size() == 2);
  const std::string shown = f.cli("audits show audit-2");
  CHECK(contains(shown, "FAILED"));
  CHECK(contains(shown, "rfc-missing"));
  CHECK(f.cli("audits show audit-9").ends_with("exit=1"));

  // refusals: wrong role, unknown release; nothing stored
  auto forbidden =
      must(f.rm.request("POST", "/api/v1/audits/fca", fmt::format(R"({{"release":"{}"}})", good)));
  check_problem(forbidden, 403, "forbidden-role");
  CHECK(f.cli("fca rel-404").ends_with("exit=1"));
  auto all = must(f.rm.request("GET", "/api/v1/audits"));
  CHECK(body_of(all).at("items").as_array().size() == 3);
}
