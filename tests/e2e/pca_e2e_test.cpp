// The physical configuration audit end to end: a release with three artifacts promoted into
// CINTE over HTTPS, then `tollgate pca` run against a deployed directory with an ok, a
// modified, a missing, an unexpected and an ignored file (report, --json, exit 5), and against
// the repaired directory (exit 0); the results listed by GET /api/v1/audits.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

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
using tollgate::e2e::write_file;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string kApp = "payments binary 2.3\n";
const std::string kConf = "port = 8080\n";
const std::string kLib = "libpayments 2.3\n";

// The config of this test: CINTE without gates, so that one promotion deploys the release.
std::string config_file(const testing::TempDir& dir) {
  const std::string path = dir.file("tollgate.toml");
  write_file(path, "[promotion.gates]\nCINTE = []\n");
  return path;
}

struct Fixture {
  testing::TempDir work{"tollgate-pca-e2e-"};
  ServerProcess server{{"--config", config_file(work)}};
  HttpClient admin{client::ClientOptions{}};
  std::string auditor;
  std::string host_dir = work.file("host");

  Fixture() {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    auditor = mint_token(admin, "aud", "auditor");
    HttpClient rm = server.client(mint_token(admin, "rm", "release_manager"));
    HttpClient agent = server.client(mint_token(admin, "agent", "build_agent"));
    ok(admin, "POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})", 201);
    ok(admin, "POST", "/api/v1/cis",
       R"({"id":"payments","type":"service","name":"Payments","attributes":{}})", 201);
    const std::vector<std::pair<std::string, std::string>> artifacts = {
        {"app", kApp}, {"app.conf", kConf}, {"lib.so", kLib}};
    for (const auto& [file, bytes] : artifacts) {
      auto put = must(agent.request(
          "PUT", fmt::format("/api/v1/artifacts/payments/2.3/{}", file), bytes,
          {{"X-Checksum-Sha256", sha256_of(bytes)}, {"Content-Type", "application/octet-stream"}}));
      REQUIRE_MESSAGE(put.status == 201, put.body);
    }
    auto created = ok(rm, "POST", "/api/v1/releases",
                      R"({"name":"payments","version":"2.3","type":"delta",
                          "category":"scheduled"})",
                      201);
    const std::string id(created.at("id").as_string());
    ok(rm, "POST", "/api/v1/releases/" + id + "/items",
       R"({"ci":"payments","version":"2.3",
           "install_paths":{"app.conf":"etc/app.conf","lib.so":"lib/lib.so"}})");
    ok(rm, "POST", "/api/v1/releases/" + id + "/promote", R"({"environment":"CINTE"})");
  }

  json::object ok(HttpClient& client, const std::string& method, const std::string& target,
                  const std::string& body, unsigned status = 200) {
    auto r = must(client.request(method, target, body));
    const std::string what = method + " " + target + ": " + r.body;
    REQUIRE_MESSAGE(r.status == status, what);
    return r.body.empty() ? json::object() : body_of(r);
  }

  void lay_out(const std::string& path, const std::string& bytes) const {
    fs::create_directories(fs::path(host_dir + "/" + path).parent_path());
    write_file(host_dir + "/" + path, bytes);
  }

  // Runs `tollgate [--json] pca ... host_dir`; its standard output then "\nexit=N".
  std::string pca(const std::string& extra, bool json_output = false) const {
    return run_command(fmt::format(
        "{} --server https://127.0.0.1:{} --ca {} --token {} {} pca --env CINTE --host web-1 {} {} "
        "2>{}",
        TOLLGATE_CLI_PATH, server.port(), server.ca_file(), auditor, json_output ? "--json" : "",
        extra, host_dir, work.file("pca.err")));
  }

  std::string errors() const { return e2e::read_file(work.file("pca.err")); }
};

}  // namespace

TEST_CASE("pca e2e: tollgate pca reports drift (exit 5), then passes on a repaired host") {
  Fixture f;
  f.lay_out("app", kApp);                                          // ok
  f.lay_out("etc/app.conf", "port = 9090\n");                      // modified
  f.lay_out("extra.txt", "left behind\n");                         // unexpected
  f.lay_out("run/app.pid", "4242\n");                              // ignored by --ignore
  write_file(f.work.file("pca.ignore"), "# host-local\n*.pid\n");  // lib/lib.so is missing

  const std::string report = f.pca("--ignore " + f.work.file("pca.ignore"));
  INFO(report);
  INFO(f.errors());
  CHECK(report.ends_with("\nexit=5"));
  CHECK(contains(report, "of host web-1 in CINTE (manifest version 1): DRIFT"));
  CHECK(contains(report, "modified    etc/app.conf  expected sha256:" + sha256_of(kConf) +
                             " (12 B)  actual sha256:" + sha256_of("port = 9090\n") + " (12 B)\n"));
  CHECK(
      contains(report, "missing     lib/lib.so  (payments 2.3 lib.so, sha256:" + sha256_of(kLib)));
  CHECK(contains(report, "unexpected  extra.txt  (sha256:" + sha256_of("left behind\n")));
  CHECK_FALSE(contains(report, "app.pid"));
  CHECK(contains(report,
                 "summary: 3 files sent: 1 ok, 1 modified, 1 unexpected; 1 missing; "
                 "1 ignored, 0 skipped"));
  CHECK(contains(f.errors(), "tollgate: host web-1 has drifted from the manifest of CINTE"));

  const std::string printed = f.pca("--ignore " + f.work.file("pca.ignore"), true);
  INFO(printed);
  CHECK(printed.ends_with("\nexit=5"));
  const json::object record = json::parse(printed.substr(0, printed.rfind("\nexit="))).as_object();
  CHECK(record.at("kind").as_string() == "pca");
  CHECK_FALSE(record.at("passed").as_bool());
  CHECK(json::serialize(record.at("summary")) ==
        R"({"files":3,"ok":1,"missing":1,"modified":1,"unexpected":1})");
  CHECK(json::serialize(record.at("ignored")) == R"(["run/app.pid"])");
  CHECK(record.at("findings").as_array().size() == 3);
  CHECK(record.at("created_by").as_string() == "aud");

  // Repaired: the right configuration, the library in place, the stray file gone. A
  // .tollgateignore written into the host's directory is not obeyed: it is itself unexpected,
  // the pid file it names is sent, and a warning says to use --ignore.
  f.lay_out("etc/app.conf", kConf);
  f.lay_out("lib/lib.so", kLib);
  fs::remove(f.host_dir + "/extra.txt");
  f.lay_out(".tollgateignore", "run/\n");
  const std::string planted = f.pca("");
  INFO(planted);
  CHECK(planted.ends_with("\nexit=5"));
  CHECK(contains(planted, "unexpected  .tollgateignore  (sha256:" + sha256_of("run/\n")));
  CHECK(contains(planted, "unexpected  run/app.pid"));
  CHECK(contains(planted,
                 "summary: 5 files sent: 3 ok, 0 modified, 2 unexpected; 0 missing; "
                 "0 ignored, 0 skipped"));
  CHECK(contains(f.errors(), "tollgate: warning: " + f.host_dir +
                                 "/.tollgateignore is not obeyed: the audited directory is "
                                 "untrusted"));

  fs::remove(f.host_dir + "/.tollgateignore");
  write_file(f.work.file("run.ignore"), "run/\n");
  const std::string clean = f.pca("--ignore " + f.work.file("run.ignore"));
  INFO(clean);
  CHECK(clean.ends_with("\nexit=0"));
  CHECK(contains(clean, "(manifest version 1): PASSED"));
  CHECK(contains(clean,
                 "summary: 3 files sent: 3 ok, 0 modified, 0 unexpected; 0 missing; "
                 "1 ignored, 0 skipped"));
  CHECK_FALSE(contains(f.errors(), "warning"));

  const json::object listed = f.ok(f.admin, "GET", "/api/v1/audits?kind=pca&host=web-1", "");
  const json::array& items = listed.at("items").as_array();
  REQUIRE(items.size() == 4);
  CHECK_FALSE(items.at(0).at("passed").as_bool());
  CHECK_FALSE(items.at(2).at("passed").as_bool());
  CHECK(items.at(3).at("passed").as_bool());
  CHECK(items.at(2).at("environment").as_string() == "CINTE");
}

TEST_CASE("pca e2e: refusals over HTTPS, and a viewer cannot run one") {
  Fixture f;
  HttpClient auditor = f.server.client(f.auditor);
  HttpClient viewer = f.server.client(mint_token(f.admin, "viewer", "viewer"));
  const client::Headers ndjson = {{"Content-Type", "application/x-ndjson"}};
  const std::string good = R"({"path":"app","sha256":")" + sha256_of(kApp) + R"(","size":20})";
  check_problem(must(auditor.request("POST", "/api/v1/audits/pca?environment=CINTE&host=web-1",
                                     good + "\n" + good + "\n", ndjson)),
                400, "duplicate-path");
  check_problem(
      must(viewer.request("POST", "/api/v1/audits/pca?environment=CINTE&host=web-1", good, ndjson)),
      403, "forbidden-role");
  check_problem(
      must(auditor.request("POST", "/api/v1/audits/pca?environment=SIT&host=web-1", good, ndjson)),
      409, "no-manifest");
  auto stored = must(
      auditor.request("POST", "/api/v1/audits/pca?environment=CINTE&host=web-1", good, ndjson));
  REQUIRE_MESSAGE(stored.status == 201, stored.body);
  CHECK(body_of(stored).at("summary").at("ok").as_int64() == 1);
  CHECK(stored.header("location") ==
        "/api/v1/audits/" + std::string(body_of(stored).at("id").as_string()));
  const json::object listed = f.ok(f.admin, "GET", "/api/v1/audits?kind=pca", "");
  CHECK(listed.at("items").as_array().size() == 1);

  // The CLI on a missing directory fails before sending anything.
  const std::string missing = f.pca("");
  CHECK(missing.ends_with("\nexit=1"));
  CHECK(contains(f.errors(), "no directory"));
}
