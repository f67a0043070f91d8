// Baselines over real HTTPS and through the `tollgate` CLI: a release promoted to production and
// backed out (two production baselines at different instants), a baseline created, shown,
// saved and verified offline, a diff, and "what ran in production then, who approved it".
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tollgate/time.hpp"

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
using tollgate::e2e::read_file;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
using tollgate::e2e::write_file;
namespace json = boost::json;

namespace {

const std::string kPayload = "payments 2.3 release bytes\n";

struct Fixture {
  ServerProcess server{{"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}};
  HttpClient admin{client::ClientOptions{}};
  HttpClient rm{client::ClientOptions{}};
  HttpClient cm{client::ClientOptions{}};
  HttpClient tester{client::ClientOptions{}};
  HttpClient biz{client::ClientOptions{}};
  HttpClient boss{client::ClientOptions{}};
  std::string auditor_token;

  Fixture() {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    rm = server.client(mint_token(admin, "rm", "release_manager"));
    cm = server.client(mint_token(admin, "cm", "change_manager"));
    tester = server.client(mint_token(admin, "tess", "tester"));
    biz = server.client(mint_token(admin, "biz", "business"));
    boss = server.client(mint_token(admin, "boss", "management"));
    auditor_token = mint_token(admin, "aud", "auditor");
    ok(admin, "POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})", 201);
    ok(admin, "POST", "/api/v1/cis",
       R"({"id":"payments","type":"service","name":"Payments","attributes":{}})", 201);
    auto put = must(admin.request("PUT", "/api/v1/artifacts/payments/2.3/app.tar", kPayload,
                                  {{"X-Checksum-Sha256", sha256_of(kPayload)},
                                   {"Content-Type", "application/octet-stream"}}));
    REQUIRE_MESSAGE(put.status == 201, put.body);
  }

  json::object ok(HttpClient& client, const std::string& method, const std::string& target,
                  const std::string& body, unsigned status = 200) {
    auto r = must(client.request(method, target, body));
    REQUIRE_MESSAGE(r.status == status, std::string(method + " " + target + ": " + r.body));
    return r.body.empty() ? json::object() : body_of(r);
  }

  // A release of payments 2.3 taken from an approved RFC into production.
  std::string to_production() {
    auto rfc = ok(rm, "POST", "/api/v1/rfcs",
                  R"({"title":"Payments 2.3","description":"fixes","cis":["payments"],
                      "category":"normal","impact":{"risk":"low"}})",
                  201);
    const std::string rfc_id(rfc.at("id").as_string());
    ok(rm, "POST", "/api/v1/rfcs/" + rfc_id + "/submit", "{}");
    ok(cm, "POST", "/api/v1/rfcs/" + rfc_id + "/approve", "{}");
    auto created = ok(rm, "POST", "/api/v1/releases",
                      fmt::format(R"({{"name":"payments","version":"2.3","type":"delta",
                                      "category":"scheduled","rfcs":["{}"]}})",
                                  rfc_id),
                      201);
    const std::string id(created.at("id").as_string());
    ok(rm, "POST", "/api/v1/releases/" + id + "/items", R"({"ci":"payments","version":"2.3"})");
    for (const char* kind : {"build_instructions", "test_plan", "backout_procedure"})
      ok(rm, "POST", "/api/v1/releases/" + id + "/documents",
         fmt::format(R"({{"kind":"{}","name":"{}.md","content":"# {}\n"}})", kind, kind, kind),
         201);
    gate(cm, id, "trr");
    promote(id, "CINTE");
    gate(tester, id, "tests:CINTE");
    promote(id, "SIT");
    gate(tester, id, "tests:SIT");
    promote(id, "SAT");
    gate(tester, id, "tests:SAT");
    gate(biz, id, "uat");
    gate(cm, id, "rrr", R"(,"date":")" + format_date(SystemClock().now()) + "\"");
    gate(boss, id, "implementation_approval");
    promote(id, "production");
    return id;
  }

  void gate(HttpClient& client, const std::string& id, const std::string& gate,
            const std::string& extra = "") {
    ok(client, "POST", "/api/v1/releases/" + id + "/gates/" + gate,
       R"({"verdict":"pass")" + extra + "}", 201);
  }

  void promote(const std::string& id, const std::string& env) {
    ok(rm, "POST", "/api/v1/releases/" + id + "/promote", R"({"environment":")" + env + R"("})");
  }

  // `tollgate ARGS` as the auditor; standard output then "\nexit=N".
  std::string cli(const std::string& args) const {
    return run_command(
        fmt::format("HOME={} {} --server https://127.0.0.1:{} --ca {} --token {} {} 2>/dev/null",
                    server.temp_dir(), TOLLGATE_CLI_PATH, server.port(), server.ca_file(),
                    auditor_token, args));
  }
};

json::object printed(const std::string& run) {
  const auto end = run.rfind("\nexit=");
  REQUIRE(end != std::string::npos);
  boost::system::error_code ec;
  json::value v = json::parse(run.substr(0, end), ec);
  REQUIRE_MESSAGE(!ec, run);
  REQUIRE(v.is_object());
  return v.as_object();
}

}  // namespace

TEST_CASE("baselines over HTTPS and the CLI: create, save, verify offline, diff, baseline at") {
  Fixture f;
  const std::string release = f.to_production();
  auto first = f.ok(f.tester, "GET", "/api/v1/baselines/production-v1", "");
  const std::string when(first.at("created_at").as_string());
  f.ok(f.rm, "POST", "/api/v1/releases/" + release + "/backout", R"({"environment":"production"})");
  auto second = f.ok(f.tester, "GET", "/api/v1/baselines/production-v2", "");
  CHECK(second.at("environments").at(0).at("entries").as_array().empty());

  // Create through the CLI as an auditor; the name is then taken.
  auto created = printed(f.cli("--json baseline create q4 --env production --description 'Q4'"));
  CHECK(created.at("name") == "q4");
  CHECK(created.at("tag") == "q4");
  CHECK(contains(f.cli("baseline create q4"), "\nexit=1"));
  check_problem(
      must(f.admin.request("POST", "/api/v1/baselines", R"({"name":"q4","scope":{"all":true}})")),
      409, "baseline-exists");
  auto ls = printed(f.cli("--json baseline ls --env production"));
  CHECK(ls.at("items").as_array().size() == 3);

  // Show and save; the saved document verifies offline and fails after a one-byte change.
  const std::string keys = f.server.temp_dir() + "/keys.json";
  const std::string saved = f.server.temp_dir() + "/prod-v1.json";
  REQUIRE(f.cli("keys --save " + keys).ends_with("\nexit=0"));
  const std::string shown = f.cli("baseline show production-v1 --save " + saved);
  CHECK(shown.ends_with("\nexit=0"));
  CHECK(contains(shown, "baseline production-v1"));
  const std::string verified = f.cli("verify " + saved + " --keys " + keys);
  CHECK_MESSAGE(verified.ends_with("\nexit=0"), verified);
  CHECK(contains(verified, "OK signed by ed25519:"));
  std::string bytes = read_file(saved);
  const auto at = bytes.find("\"payments\"");
  REQUIRE(at != std::string::npos);
  bytes[at + 1] = 'P';
  write_file(saved, bytes);
  CHECK(f.cli("verify " + saved + " --keys " + keys).ends_with("\nexit=3"));

  // Diff: the back-out removed payments from production.
  auto diff = printed(f.cli("--json baseline diff production-v1 production-v2"));
  const auto& removed = diff.at("environments").at(0).at("artifacts").at("removed");
  REQUIRE(removed.as_array().size() == 1);
  CHECK(removed.at(0).at("sha256") == json::value(sha256_of(kPayload)));
  CHECK(contains(f.cli("baseline diff production-v1 current"), "production manifest 1 -> 2"));

  // What ran in production at `when`, verified offline, and who approved it.
  auto in_force = printed(f.cli("--json --keys " + keys + " baseline at --env production " + when));
  CHECK(in_force.at("verified") == true);
  CHECK(in_force.at("baseline").at("name") == "production-v1");
  const std::string text = f.cli("--keys " + keys + " baseline at --env production " + when);
  CHECK_MESSAGE(text.ends_with("\nexit=0"), text);
  CHECK(contains(text, "signature verified"));
  CHECK(contains(text, "payments 2.3  release " + release));
  CHECK(contains(text, "app.tar  sha256:" + sha256_of(kPayload)));
  CHECK(contains(text, "gate implementation_approval pass by boss"));
  CHECK(contains(text, "gate uat pass by biz"));
  CHECK(contains(text, "approved by cm"));
  // Later, q4 (recording production-v2) is in force; before any, there is none.
  auto now = printed(f.cli("--json --keys " + keys + " baseline at --env production " +
                           format_rfc3339(SystemClock().now())));
  CHECK(now.at("baseline").at("name") == "q4");  // created after the back-out
  CHECK(f.cli("--keys " + keys + " baseline at --env production 2000-01-01").ends_with("\nexit=1"));

  // Offline, the whole data directory checks out: every manifest and baseline verifies and is
  // what the vault holds, tags included, and the audit log's chain is intact.
  REQUIRE(f.server.stop() == 0);
  const std::string report =
      run_command(fmt::format("{} check --data-dir {} 2>&1", TOLLGATED_PATH, f.server.data_dir()));
  CHECK_MESSAGE(report.ends_with("\nexit=0"), report);
  // CINTE, SIT, SAT, production v1 and v2 (the back-out); q4 and the two production-vN.
  CHECK_MESSAGE(contains(report, "checked 5 signed manifests"), report);
  CHECK(contains(report, "checked 3 signed baselines"));
  CHECK(contains(report, "signed documents: ok"));
  CHECK(contains(report, "chain intact"));
}
