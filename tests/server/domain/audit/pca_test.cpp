// The physical configuration audit through the router: ok, missing, modified and unexpected
// files, every refusal (storing nothing), and an inventory of 100,000 lines streamed in one
// request; the same for the JSON form {environment, host, files} read as it streams.
#include "server/domain/audit/pca.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/support/app_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::kStart;

const std::string kAppSha(64, 'a');
const std::string kConfSha(64, 'c');
const std::string kJarSha(64, 'e');

std::string line(const std::string& path, const std::string& sha256, std::uint64_t size) {
  return json::serialize(json::object{{"path", path}, {"sha256", sha256}, {"size", size}}) + "\n";
}

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

std::string type_of(const Response& r) {
  return std::string(body_of(r).at("type").as_string()).substr(sizeof "urn:tollgate:problem:" - 1);
}

// Line i of a generated inventory: "gen/NNNNNNN" with the digest i in hex and size i (snprintf:
// fast enough to produce 100,000 lines in a debug build).
std::string generated_line(std::size_t i) {
  char buffer[160];
  const int n =
      std::snprintf(buffer, sizeof buffer,
                    "{\"path\":\"gen/%07zu\",\"sha256\":\"%064zx\",\"size\":%zu}\n", i, i, i);
  return std::string(buffer, static_cast<std::size_t>(n));
}

// The text of a manifest of `environment` deploying `count` generated files (as above) of one CI.
std::string generated_manifest(const std::string& environment, std::size_t count) {
  std::string text = R"({"environment":")" + environment +
                     R"(","version":1,"previous_version":0,"action":"promote","release":"rel-9",)"
                     R"("expires_at":"2099-01-01T00:00:00Z",)"
                     R"("entries":[{"ci":"bulk","version":"1","release":"rel-9","artifacts":[)";
  char buffer[200];
  for (std::size_t i = 0; i < count; ++i) {
    const int n = std::snprintf(buffer, sizeof buffer,
                                "%s{\"file\":\"f%07zu\",\"sha256\":\"%064zx\",\"size\":%zu,"
                                "\"install_path\":\"/gen/%07zu\"}",
                                i == 0 ? "" : ",", i, i, i, i);
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text + "]}]}";
}

// A body produced part by part as it is read, never held whole: parts 0..count-1.
class GeneratedBody : public BodyReader {
 public:
  explicit GeneratedBody(std::size_t count) : count_(count) {}

  Result<std::size_t> read(std::span<char> buffer) override {
    std::size_t n = 0;
    while (n < buffer.size()) {
      if (pending_.empty()) {
        if (next_ == count_) break;
        pending_ = part(next_++);
      }
      const std::size_t take = std::min(buffer.size() - n, pending_.size());
      std::copy_n(pending_.begin(), take, buffer.begin() + static_cast<std::ptrdiff_t>(n));
      pending_.erase(0, take);
      n += take;
    }
    return n;
  }

 protected:
  virtual std::string part(std::size_t i) const = 0;

 private:
  std::size_t count_;
  std::size_t next_ = 0;
  std::string pending_;
};

// An NDJSON inventory of `count` lines, all generated_line(i) except that line i (0-based) is
// extra[i] when given.
class GeneratedInventory final : public GeneratedBody {
 public:
  GeneratedInventory(std::size_t count, std::vector<std::pair<std::size_t, std::string>> extra)
      : GeneratedBody(count), extra_(std::move(extra)) {}

  std::string part(std::size_t i) const override {
    for (const auto& [at, text] : extra_)
      if (at == i) return text;
    return generated_line(i);
  }

 private:
  std::vector<std::pair<std::size_t, std::string>> extra_;
};

// The same inventory in the JSON form: `head` (e.g. R"({"environment":"SAT","host":"h",)"),
// then "files":[ with the `count` entries, then ]}.
class GeneratedJsonInventory final : public GeneratedBody {
 public:
  GeneratedJsonInventory(std::string head, std::size_t count,
                         std::vector<std::pair<std::size_t, std::string>> extra)
      : GeneratedBody(count + 2), head_(std::move(head)), count_(count), extra_(count, extra) {}

 protected:
  std::string part(std::size_t i) const override {
    if (i == 0) return head_ + "\"files\":[";
    if (i == count_ + 1) return "]}";
    return (i == 1 ? "" : ",") + extra_.part(i - 1);
  }

 private:
  std::string head_;
  std::size_t count_;
  GeneratedInventory extra_;  // only its part(): the entries, as NDJSON lines are
};

struct Pca : testing::AppFixture {
  std::string auditor = token_with(Role::auditor, "aud");

  Pca() {
    Manifest m;
    m.environment = "SIT";
    m.version = 1;
    m.action = "promote";
    m.release = "rel-1";
    m.created_by = "rm";
    m.created_at = kStart;
    m.entries = {
        {"ledger", "1.0", "rel-1", {{"ledger.jar", kJarSha, 30, "lib/ledger.jar"}}},
        {"payments",
         "2.3",
         "rel-1",
         {{"app", kAppSha, 10, "app"}, {"app.conf", kConfSha, 20, "/etc/app.conf"}}},
    };
    store_manifest_of(m);
  }

  void store_manifest_of(const Manifest& m) {
    const std::string text = json::serialize(app->environments.sign(m));
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  store_manifest(txn, m, text);
                  return Status();
                })
                .ok());
  }

  Response pca(const std::string& query, const std::string& body,
               const std::string& token = "use-auditor",
               const std::string& content_type = "application/x-ndjson",
               BodyReader* stream = nullptr) {
    Request r;
    r.method = "POST";
    r.target = "/api/v1/audits/pca" + query;
    r.body = body;
    r.body_stream = stream;
    r.headers.emplace_back("authorization", "Bearer " + (token == "use-auditor" ? auditor : token));
    if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
    return handle(r, *app);
  }

  std::uint64_t stored_results() { return count(storage::Table::audits); }

  // A refusal: the status, the problem type, a detail containing `detail`, nothing stored.
  void refused(const Response& r, unsigned status, const std::string& type,
               const std::string& detail = "", std::uint64_t stored = 0) {
    CHECK_MESSAGE(r.status == status, r.body);
    CHECK(r.content_type == "application/problem+json");
    CHECK(type_of(r) == type);
    if (!detail.empty())
      CHECK_MESSAGE(
          std::string(body_of(r).at("detail").as_string()).find(detail) != std::string::npos,
          r.body);
    CHECK(stored_results() == stored);
  }
};

const std::string kSit = "?environment=SIT&host=web-1";

// The JSON form's entry and body (members in the given order).
json::object entry(const std::string& path, const std::string& sha256, std::uint64_t size) {
  return {{"path", path}, {"sha256", sha256}, {"size", size}};
}

std::string inventory_json(const std::string& environment, const std::string& host,
                           json::array files) {
  json::object body;
  if (!environment.empty()) body["environment"] = environment;
  if (!host.empty()) body["host"] = host;
  body["files"] = std::move(files);
  return json::serialize(body);
}

// A stored record without what differs between two runs.
json::object comparable(json::object record) {
  record.erase("id");
  record.erase("created_at");
  return record;
}

}  // namespace

TEST_CASE("pca: a host that matches its manifest passes; the result is stored and listed") {
  Pca f;
  const auto r = f.pca(kSit, line("app", kAppSha, 10) + line("lib/ledger.jar", kJarSha, 30) +
                                 line("etc/app.conf", kConfSha, 20));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  const json::object record = body_of(r);
  CHECK(record.at("kind").as_string() == "pca");
  CHECK(record.at("environment").as_string() == "SIT");
  CHECK(record.at("host").as_string() == "web-1");
  CHECK(record.at("manifest_version").as_int64() == 1);
  CHECK(record.at("passed").as_bool());
  CHECK(record.at("created_by").as_string() == "aud");
  CHECK(record.at("findings").as_array().empty());
  CHECK_FALSE(record.contains("ok_files"));
  CHECK(json::serialize(record.at("summary")) ==
        R"({"files":3,"ok":3,"missing":0,"modified":0,"unexpected":0})");
  CHECK(f.stored_results() == 1);

  const std::string id(record.at("id").as_string());
  const auto listed = f.call("GET", "/api/v1/audits?kind=pca&host=web-1");
  REQUIRE_MESSAGE(listed.status == 200, listed.body);
  REQUIRE(body_of(listed).at("items").as_array().size() == 1);
  CHECK(body_of(listed).at("items").at(0).at("id").as_string() == id);
  CHECK(
      body_of(f.call("GET", "/api/v1/audits?kind=pca&host=web-2")).at("items").as_array().empty());
}

TEST_CASE("pca: ok, missing, modified and unexpected files, findings by path") {
  Pca f;
  for (const char* role : {"admin", "release_manager", "build_agent"}) {
    CAPTURE(role);
    const std::string token = f.token_with(*parse_role(role), std::string("t-") + role);
    const auto r = f.pca(kSit + "&list_ok=true",
                         line("zz/extra", std::string(64, 'f'), 1) + line("app", kAppSha, 11) +
                             line("etc/app.conf", kConfSha, 20),
                         token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const json::object record = body_of(r);
    CHECK_FALSE(record.at("passed").as_bool());
    CHECK(json::serialize(record.at("summary")) ==
          R"({"files":3,"ok":1,"missing":1,"modified":1,"unexpected":1})");
    const json::array& findings = record.at("findings").as_array();
    REQUIRE(findings.size() == 3);
    CHECK(json::serialize(findings.at(0)) ==
          R"({"status":"modified","path":"app","ci":"payments","version":"2.3","file":"app",)"
          R"("expected":{"sha256":")" +
              kAppSha + R"(","size":10},"actual":{"sha256":")" + kAppSha + R"(","size":11}})");
    CHECK(json::serialize(findings.at(1)) ==
          R"({"status":"missing","path":"lib/ledger.jar","ci":"ledger","version":"1.0",)"
          R"("file":"ledger.jar","expected":{"sha256":")" +
              kJarSha + R"(","size":30}})");
    CHECK(json::serialize(findings.at(2)) == R"({"status":"unexpected","path":"zz/extra",)"
                                             R"("actual":{"sha256":")" +
                                                 std::string(64, 'f') + R"(","size":1}})");
    CHECK(json::serialize(record.at("ok_files")) == R"(["etc/app.conf"])");
  }
  CHECK(f.stored_results() == 3);
}

TEST_CASE("pca: a modified digest, upper-case hex, CRLF lines, a last line without newline") {
  Pca f;
  std::string upper = kConfSha;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  const auto r =
      f.pca(kSit, "{\"path\":\"app\",\"sha256\":\"" + std::string(64, 'b') + "\",\"size\":10}\r\n" +
                      line("lib/ledger.jar", kJarSha, 30) + R"({"size":20,"sha256":"sha256:)" +
                      upper + R"(","path":"etc/app.conf"})");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(json::serialize(body_of(r).at("summary")) ==
        R"({"files":3,"ok":2,"missing":0,"modified":1,"unexpected":0})");
  CHECK(body_of(r).at("findings").at(0).at("actual").at("sha256").as_string() ==
        std::string(64, 'b'));
}

TEST_CASE("pca: an empty inventory finds every expected file missing") {
  Pca f;
  const auto r = f.pca(kSit, "");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(json::serialize(body_of(r).at("summary")) ==
        R"({"files":0,"ok":0,"missing":3,"modified":0,"unexpected":0})");
}

TEST_CASE("pca: malformed inventories are refused naming the line, storing nothing") {
  Pca f;
  const std::string good = line("app", kAppSha, 10);
  struct Case {
    std::string body;
    std::string type;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {good + "{\"path\":\"x\",\n", "invalid-inventory", "inventory line 2: malformed JSON"},
      {good + "[1,2]\n", "invalid-inventory", "line 2"},
      {good + good.substr(0, good.size() - 2) + ",\"mode\":1}\n", "invalid-inventory",
       "line 2: mode: unknown field"},
      {good + R"({"path":"x","sha256":")" + kAppSha + "\"}\n", "invalid-inventory",
       "line 2: size: required"},
      {R"({"path":"x","sha256":")" + kAppSha + R"(","size":-1})", "invalid-inventory",
       "line 1: size: must not be negative"},
      {R"({"path":"x","sha256":")" + kAppSha + R"(","size":"1"})", "invalid-inventory",
       "line 1: size: must be an integer"},
      {good + line("x", std::string(63, 'a'), 1), "invalid-digest", "line 2"},
      {good + line("x", std::string(63, 'a') + "g", 1), "invalid-digest", "line 2"},
      {good + good, "duplicate-path", "line 2: 'app' is listed twice"},
      {line("new", kAppSha, 1) + good + line("new", kAppSha, 1), "duplicate-path", "line 3"},
      {good + line("../etc/passwd", kAppSha, 1), "invalid-path",
       "line 2: path: must not have a '..'"},
      {good + line("a/../../b", kAppSha, 1), "invalid-path", "line 2"},
      {good + line("/etc/passwd", kAppSha, 1), "invalid-path", "line 2: path: must be relative"},
      {good + line(std::string("a\0b", 3), kAppSha, 1), "invalid-path", "must not contain NUL"},
      {good + line("a//b", kAppSha, 1), "invalid-path", "empty component"},
      {good + line("a/./b", kAppSha, 1), "invalid-path", "'.'"},
      {good + line("", kAppSha, 1), "invalid-path", "must not be empty"},
      {good + "\n" + good, "invalid-inventory", "line 2: is blank"},
      {good + line(std::string(kMaxInventoryLine, 'x'), kAppSha, 1), "invalid-inventory",
       "line 2: is longer than"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    CAPTURE(cases[i].body.substr(0, 200));
    f.refused(f.pca(kSit, cases[i].body), 400, cases[i].type, cases[i].detail);
  }
}

TEST_CASE("pca: refusals before the body: parameters, host, role, environment, media type") {
  Pca f;
  const std::string body = line("app", kAppSha, 10);
  f.refused(f.pca("", body), 400, "invalid", "?environment=ENV&host=HOST");
  f.refused(f.pca("?environment=SIT", body), 400, "invalid");
  f.refused(f.pca(kSit + "&list_ok=yes", body), 400, "invalid", "list_ok");
  f.refused(f.pca("?environment=SIT&host=", body), 400, "invalid-host");
  f.refused(f.pca("?environment=SIT&host=web%201", body), 400, "invalid-host");
  f.refused(f.pca("?environment=SIT&host=" + std::string(254, 'h'), body), 400, "invalid-host");
  CHECK(f.pca("?environment=SIT&host=" + std::string(253, 'h'), body).status == 201);
  CHECK(f.pca("?environment=SIT&host=Web-1.example_net", body).status == 201);
  CHECK(f.stored_results() == 2);
}

TEST_CASE("pca: refusals by role, environment, manifest and media type store nothing") {
  Pca f;
  const std::string body = line("app", kAppSha, 10);
  for (Role role : {Role::viewer, Role::tester, Role::business}) {
    CAPTURE(role_name(role));
    f.refused(f.pca(kSit, body, f.token_with(role, std::string("t-") + role_name(role))), 403,
              "forbidden-role");
  }
  auto limited = f.mint("sat-agent", {Role::build_agent}, {"SAT"});
  f.refused(f.pca(kSit, body, limited.token), 403, "environment-forbidden");
  f.refused(f.pca("?environment=QA&host=web-1", body), 404, "unknown-environment");
  f.refused(f.pca("?environment=CINTE&host=web-1", body), 409, "no-manifest");
  f.refused(f.pca(kSit, body, "use-auditor", "text/plain"), 415, "unsupported-media");
  f.refused(f.pca("", body, "use-auditor", "text/plain"), 415, "unsupported-media");
  f.refused(f.pca(kSit, body, "use-auditor", ""), 415, "unsupported-media");
  f.refused(f.pca(kSit, body, "no-such-token"), 401, "unauthorized");
  CHECK(f.pca(kSit, body, "use-auditor", "Application/X-NDJSON; charset=utf-8").status == 201);
}

TEST_CASE("pca: install paths are relative to the audited directory; the first of two wins") {
  Pca f;
  Manifest m;
  m.environment = "SAT";
  m.version = 4;
  m.action = "promote";
  m.entries = {{"a", "1", "rel-1", {{"x", kAppSha, 1, "/opt/./x"}, {"y", kConfSha, 2, "./y"}}},
               {"b", "1", "rel-1", {{"y2", kJarSha, 3, "y"}}}};
  f.store_manifest_of(m);
  const auto r =
      f.pca("?environment=SAT&host=h", line("opt/x", kAppSha, 1) + line("y", kConfSha, 2));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(body_of(r).at("manifest_version").as_int64() == 4);
  CHECK(json::serialize(body_of(r).at("summary")) ==
        R"({"files":2,"ok":2,"missing":0,"modified":0,"unexpected":0})");
}

TEST_CASE("pca: an inventory of 100,000 lines streamed in one request") {
  Pca f;
  constexpr std::size_t kLines = 100'000;
  const std::string manifest = generated_manifest("SAT", kLines);
  f.put_record(storage::Table::manifests, std::string("SAT") + '\0' + storage::be64(1), manifest);
  // Line 17 changed size, line 50,000 is another file (so gen/0050000 is missing).
  std::string modified = generated_line(17);
  modified.replace(modified.rfind(":17}"), 4, ":18}");
  GeneratedInventory inventory(
      kLines, {{17, modified}, {50'000, line("extra/file", std::string(64, '0'), 1)}});
  const auto r =
      f.pca("?environment=SAT&host=big-1", "", "use-auditor", "application/x-ndjson", &inventory);
  REQUIRE_MESSAGE(r.status == 201, r.body.substr(0, 500));
  CHECK(r.body.size() < 2048);  // ok files are counted, not listed
  const json::object record = body_of(r);
  CHECK(json::serialize(record.at("summary")) ==
        R"({"files":100000,"ok":99998,"missing":1,"modified":1,"unexpected":1})");
  const json::array& findings = record.at("findings").as_array();
  REQUIRE(findings.size() == 3);
  CHECK(findings.at(0).at("path").as_string() == "extra/file");
  CHECK(findings.at(0).at("status").as_string() == "unexpected");
  CHECK(findings.at(1).at("path").as_string() == "gen/0000017");
  CHECK(findings.at(1).at("status").as_string() == "modified");
  CHECK(findings.at(1).at("actual").at("size").as_int64() == 18);
  CHECK(findings.at(2).at("path").as_string() == "gen/0050000");
  CHECK(findings.at(2).at("status").as_string() == "missing");
  CHECK(f.stored_results() == 1);

  // A bad line deep inside a long stream is named by its number, and nothing is stored.
  GeneratedInventory broken(20'000, {{17'776, "{\"path\":\"oops\"}\n"}});
  f.refused(
      f.pca("?environment=SIT&host=big-2", "", "use-auditor", "application/x-ndjson", &broken), 400,
      "invalid-inventory", "inventory line 17777: sha256: required", 1);
}

TEST_CASE(
    "pca: an inventory beyond [audits] pca_max_entries is refused with 413, storing "
    "nothing") {
  Pca f;
  f.config.pca_max_entries = 1'000;
  f.put_record(storage::Table::manifests, std::string("SAT") + '\0' + storage::be64(1),
               generated_manifest("SAT", 10));
  GeneratedInventory at_limit(1'000, {});
  CHECK(f.pca("?environment=SAT&host=big-1", "", "use-auditor", "application/x-ndjson", &at_limit)
            .status == 201);
  GeneratedInventory beyond(1'001, {});
  f.refused(
      f.pca("?environment=SAT&host=big-2", "", "use-auditor", "application/x-ndjson", &beyond), 413,
      "inventory-too-large", "more than 1000 entries", 1);
}

TEST_CASE("pca: findings beyond [audits] pca_max_findings are counted, not listed") {
  Pca f;
  f.config.pca_max_findings = 5;
  f.put_record(storage::Table::manifests, std::string("SAT") + '\0' + storage::be64(1),
               generated_manifest("SAT", 10));
  // Lines 0..9 are expected (line 3 modified); 10..1999 are unexpected.
  std::string modified = generated_line(3);
  modified.replace(modified.rfind(":3}"), 3, ":4}");
  GeneratedInventory inventory(2'000, {{3, modified}});
  const auto r =
      f.pca("?environment=SAT&host=big-1", "", "use-auditor", "application/x-ndjson", &inventory);
  REQUIRE_MESSAGE(r.status == 201, r.body.substr(0, 500));
  const json::object record = body_of(r);
  CHECK(json::serialize(record.at("summary")) ==
        R"({"files":2000,"ok":9,"missing":0,"modified":1,"unexpected":1990})");
  CHECK(record.at("passed").as_bool() == false);
  // The modified file and the first unexpected ones by arrival, sorted by path.
  const json::array& findings = record.at("findings").as_array();
  REQUIRE(findings.size() == 5);
  CHECK(findings.at(0).at("status").as_string() == "modified");
  CHECK(record.at("findings_unlisted").as_int64() == 1990 - 4);
  CHECK(r.body.size() < 4096);

  // A repeated path among those not listed is still found.
  GeneratedInventory twice(2'000, {{1'500, generated_line(1'200)}});
  f.refused(f.pca("?environment=SAT&host=big-2", "", "use-auditor", "application/x-ndjson", &twice),
            400, "duplicate-path", "twice", 1);
}

TEST_CASE("pca json: the JSON form gives the record NDJSON gives for the same inventory") {
  Pca f;
  const auto ndjson = f.pca(kSit + "&list_ok=true", line("zz/extra", std::string(64, 'f'), 1) +
                                                        line("app", kAppSha, 11) +
                                                        line("etc/app.conf", kConfSha, 20));
  REQUIRE_MESSAGE(ndjson.status == 201, ndjson.body);
  const std::string files_text = R"({"environment":"SIT","host":"web-1","files":[)"
                                 R"({"path":"zz/extra","sha256":")" +
                                 std::string(64, 'f') + R"(","size":1},)" + "\n  " +
                                 json::serialize(entry("app", kAppSha, 11)) + ",\r\n" +
                                 R"({"size":20,"sha256":"sha256:)" + kConfSha +
                                 R"(","path":"etc/app.conf"}]} )";
  for (const char* type : {"application/json", "Application/JSON; charset=utf-8",
                           "application/vnd.tollgate.inventory+json"}) {
    CAPTURE(type);
    const auto r = f.pca("?list_ok=true", files_text, "use-auditor", type);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(comparable(body_of(r)) == comparable(body_of(ndjson)));
    const std::string location = "/api/v1/audits/" + std::string(body_of(r).at("id").as_string());
    CHECK(std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) {
      return h.first == "Location" && h.second == location;
    }));
  }
  CHECK(json::serialize(body_of(ndjson).at("summary")) ==
        R"({"files":3,"ok":1,"missing":1,"modified":1,"unexpected":1})");
  CHECK(f.stored_results() == 4);

  // An empty files: everything missing, as with an empty NDJSON body.
  const auto empty =
      f.pca("", inventory_json("SIT", "web-1", {}), "use-auditor", "application/json");
  REQUIRE_MESSAGE(empty.status == 201, empty.body);
  CHECK(json::serialize(body_of(empty).at("summary")) ==
        R"({"files":0,"ok":0,"missing":3,"modified":0,"unexpected":0})");
}

TEST_CASE("pca json: environment and host from the body, the query or both when they agree") {
  Pca f;
  const json::array files = {entry("app", kAppSha, 10), entry("lib/ledger.jar", kJarSha, 30),
                             entry("etc/app.conf", kConfSha, 20)};
  struct Case {
    std::string query;
    std::string environment;  // in the body; empty: not there
    std::string host;
  };
  const std::vector<Case> cases = {{"", "SIT", "web-1"},
                                   {kSit, "", ""},
                                   {kSit, "SIT", "web-1"},
                                   {"?environment=SIT", "", "web-1"},
                                   {"?host=web-1", "SIT", ""}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const auto r = f.pca(cases[i].query, inventory_json(cases[i].environment, cases[i].host, files),
                         "use-auditor", "application/json");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(body_of(r).at("environment").as_string() == "SIT");
    CHECK(body_of(r).at("host").as_string() == "web-1");
    CHECK(body_of(r).at("passed").as_bool());
  }
  CHECK(f.stored_results() == cases.size());
}

TEST_CASE("pca json: conflicts, missing names and request refusals store nothing") {
  Pca f;
  const json::array files = {entry("app", kAppSha, 10)};
  auto post = [&](const std::string& query, const std::string& body,
                  const std::string& token = "use-auditor") {
    return f.pca(query, body, token, "application/json");
  };
  f.refused(post("?environment=SAT", inventory_json("SIT", "web-1", files)), 400, "invalid",
            "environment: the query names 'SAT' and the body 'SIT'");
  f.refused(post(kSit, inventory_json("SIT", "web-2", files)), 400, "invalid",
            "host: the query names 'web-1' and the body 'web-2'");
  f.refused(post("", inventory_json("", "web-1", files)), 400, "invalid",
            "needs environment and host");
  f.refused(post("", inventory_json("SIT", "", files)), 400, "invalid",
            "needs environment and host");
  f.refused(post("?environment=", inventory_json("SIT", "web-1", files)), 400, "invalid",
            "must not be empty");
  f.refused(post("?environment=SIT&host=", inventory_json("", "web-1", files)), 400,
            "invalid-host");
  f.refused(post("?host=a%20b", inventory_json("SIT", "", files)), 400, "invalid-host");
  f.refused(post("", inventory_json("SIT", "web 1", files)), 400, "invalid-host");
  f.refused(post("", inventory_json("QA", "web-1", files)), 404, "unknown-environment");
  f.refused(post("", inventory_json("CINTE", "web-1", files)), 409, "no-manifest");
  f.refused(post("", inventory_json("SIT", "web-1", files), f.token_with(Role::viewer, "viewer-1")),
            403, "forbidden-role");
  auto limited = f.mint("sat-agent", {Role::build_agent}, {"SAT"});
  f.refused(post("", inventory_json("SIT", "web-1", files), limited.token), 403,
            "environment-forbidden");
  // With both in the query, the role is refused before the body is looked at.
  f.refused(post(kSit, "not json", f.token_with(Role::tester, "tester-1")), 403, "forbidden-role");
}

TEST_CASE("pca json: malformed bodies and entries are refused, storing nothing") {
  Pca f;
  const std::string head = R"({"environment":"SIT","host":"web-1",)";
  const std::string good = json::serialize(entry("app", kAppSha, 10));
  auto files = [&](const std::string& entries) { return head + R"("files":[)" + entries + "]}"; };
  struct Case {
    std::string body;
    std::string type;
    std::string detail;
  };
  const std::vector<Case> cases = {
      // The body and its members.
      {"[]", "invalid-inventory", "inventory: must be a JSON object"},
      {R"("SIT")", "invalid-inventory", "must be a JSON object"},
      {"17", "invalid-inventory", "must be a JSON object"},
      {"", "invalid-inventory", "not valid JSON at byte 0"},
      {head + R"("files":[)" + good, "invalid-inventory", "not valid JSON"},
      {head + R"("files":[)" + good + "}", "invalid-inventory", "not valid JSON"},
      {files(good) + " {}", "invalid-inventory", "data after the JSON document"},
      {files(good) + "x", "invalid-inventory", "data after the JSON document"},
      {head + R"("files":[],"mode":1})", "invalid-inventory", "inventory: mode: unknown field"},
      {R"({"mode":1,"environment":"SIT","host":"web-1","files":[]})", "invalid-inventory",
       "mode: unknown field"},
      {head + R"("files":{}})", "invalid-inventory", "files: must be an array"},
      {head + R"("files":"app"})", "invalid-inventory", "files: must be an array"},
      {head + R"("files":null})", "invalid-inventory", "files: must be an array"},
      {R"({"environment":"SIT","host":"web-1"})", "invalid-inventory", "files: required"},
      {head + "}", "invalid-inventory", "not valid JSON at byte 36: syntax error"},
      {R"({"environment":1,"host":"web-1","files":[]})", "invalid-inventory",
       "environment: must be a string"},
      {R"({"environment":"SIT","host":["web-1"],"files":[]})", "invalid-inventory",
       "host: must be a string"},
      {R"({"environment":"","host":"web-1","files":[]})", "invalid-inventory",
       "environment: must not be empty"},
      {R"({"environment":"SIT","environment":"SIT","host":"web-1","files":[]})",
       "invalid-inventory", "environment: given twice"},
      {files("") + R"(,"files":[])", "invalid-inventory",
       "data after the JSON document at byte 47"},
      // environment and host after files: refused when files begins (without the query's).
      {R"({"environment":"SIT","files":[],"host":"web-1"})", "invalid",
       "needs environment and host before files"},
      {R"({"host":"web-1","files":[)" + good + R"(],"environment":"SIT"})", "invalid",
       "needs environment and host before files"},
      {head + R"("files":[],"files":[]})", "invalid-inventory", "files: given twice"},
      // Entries, named by their index in files.
      {files(good + ",[1,2]"), "invalid-inventory", "files[1]: must be an object"},
      {files(good + R"(,"app")"), "invalid-inventory", "files[1]: must be an object"},
      {files(good + ",null"), "invalid-inventory", "files[1]: must be an object"},
      {files(good + R"(,{"path":"x","sha256":")" + kAppSha + R"(","size":1,"mode":1})"),
       "invalid-inventory", "files[1]: mode: unknown field"},
      {files(good + R"(,{"path":"x","sha256":")" + kAppSha + R"("})"), "invalid-inventory",
       "files[1]: size: required"},
      {files(R"({"sha256":")" + kAppSha + R"(","size":1})"), "invalid-inventory",
       "files[0]: path: required"},
      {files(R"({})"), "invalid-inventory", "files[0]: path: required"},
      {files(R"({"path":"x","path":"y","sha256":")" + kAppSha + R"(","size":1})"),
       "invalid-inventory", "files[0]: path: given twice"},
      {files(R"({"path":"x","sha256":")" + kAppSha + R"(","size":-1})"), "invalid-inventory",
       "files[0]: size: must not be negative"},
      {files(R"({"path":"x","sha256":")" + kAppSha + R"(","size":18446744073709551615})"),
       "invalid-inventory", "files[0]: size: too large"},
      {files(R"({"path":"x","sha256":")" + kAppSha + R"(","size":1.5})"), "invalid-inventory",
       "files[0]: size: must be an integer"},
      {files(R"({"path":"x","sha256":")" + kAppSha + R"(","size":"1"})"), "invalid-inventory",
       "files[0]: size: must be an integer"},
      {files(R"({"path":7,"sha256":")" + kAppSha + R"(","size":1})"), "invalid-inventory",
       "files[0]: path: must be a string"},
      {files(R"({"path":"x","sha256":{"hex":"00"},"size":1})"), "invalid-inventory",
       "files[0]: sha256: must be a string"},
      {files(good + "," + json::serialize(entry("x", std::string(63, 'a'), 1))), "invalid-digest",
       "files[1]"},
      {files(good + "," + good), "duplicate-path", "files[1]: 'app' is listed twice"},
      {files(good + "," + json::serialize(entry("../etc/passwd", kAppSha, 1))), "invalid-path",
       "files[1]: path: must not have a '..'"},
      {files(json::serialize(entry("/etc/passwd", kAppSha, 1))), "invalid-path",
       "files[0]: path: must be relative"},
      {files(json::serialize(entry("", kAppSha, 1))), "invalid-path",
       "files[0]: path: must not be empty"},
      // Limits: strings and member names over 4096 bytes, nesting deeper than 4.
      {files(good + "," +
             json::serialize(entry(std::string(kMaxInventoryString + 1, 'x'), kAppSha, 1))),
       "invalid-path", "files[1]: path: is longer than 4096 bytes"},
      {files(json::serialize(entry("x", std::string(kMaxInventoryString + 1, 'a'), 1))),
       "invalid-inventory", "files[0]: sha256: is longer than 4096 bytes"},
      {R"({"environment":"SIT","host":")" + std::string(kMaxInventoryString + 1, 'h') +
           R"(","files":[]})",
       "invalid-inventory", "inventory: host: is longer than 4096 bytes"},
      {"{\"" + std::string(kMaxInventoryString + 1, 'k') + "\":1}", "invalid-inventory",
       "a member name: is longer than 4096 bytes"},
      {files(R"({"path":"x","sha256":")" + kAppSha + R"(","size":1,")" +
             std::string(kMaxInventoryString + 1, 'k') + R"(":1})"),
       "invalid-inventory", "files[0]: a member name: is longer than 4096 bytes"},
      {files(R"({"path":[[["x"]]]})"), "invalid-inventory", "files[0]: path: must be a string"},
      {std::string(64, '[') + std::string(64, ']'), "invalid-inventory", "must be a JSON object"},
      {R"({"environment":{"a":{"b":{"c":{}}}}})", "invalid-inventory",
       "environment: must be a string"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    CAPTURE(cases[i].body.substr(0, 200));
    f.refused(f.pca("", cases[i].body, "use-auditor", "application/json"), 400, cases[i].type,
              cases[i].detail);
  }
  // Named by the query, a body's environment or host after files is still refused.
  f.refused(f.pca(kSit, R"({"files":[],"host":"web-1"})", "use-auditor", "application/json"), 400,
            "invalid-inventory", "inventory: host must come before files");
  f.refused(f.pca(kSit, R"({"files":[)" + good + R"(],"environment":"SIT"})", "use-auditor",
                  "application/json"),
            400, "invalid-inventory", "inventory: environment must come before files");
}

TEST_CASE("pca json: an inventory of 100,000 entries streamed in one JSON request") {
  Pca f;
  constexpr std::size_t kEntries = 100'000;
  const std::string manifest = generated_manifest("SAT", kEntries);
  f.put_record(storage::Table::manifests, std::string("SAT") + '\0' + storage::be64(1), manifest);
  // Entry 17 changed size, entry 50,000 is another file (so gen/0050000 is missing).
  std::string modified = generated_line(17);
  modified.replace(modified.rfind(":17}"), 4, ":18}");
  GeneratedJsonInventory inventory(
      R"({"environment":"SAT","host":"big-1",)", kEntries,
      {{17, modified}, {50'000, line("extra/file", std::string(64, '0'), 1)}});
  const auto r = f.pca("", "", "use-auditor", "application/json", &inventory);
  REQUIRE_MESSAGE(r.status == 201, r.body.substr(0, 500));
  CHECK(r.body.size() < 2048);
  const json::object record = body_of(r);
  CHECK(record.at("environment").as_string() == "SAT");
  CHECK(record.at("host").as_string() == "big-1");
  CHECK(json::serialize(record.at("summary")) ==
        R"({"files":100000,"ok":99998,"missing":1,"modified":1,"unexpected":1})");
  const json::array& findings = record.at("findings").as_array();
  REQUIRE(findings.size() == 3);
  CHECK(findings.at(0).at("path").as_string() == "extra/file");
  CHECK(findings.at(0).at("status").as_string() == "unexpected");
  CHECK(findings.at(1).at("path").as_string() == "gen/0000017");
  CHECK(findings.at(1).at("status").as_string() == "modified");
  CHECK(findings.at(1).at("actual").at("size").as_int64() == 18);
  CHECK(findings.at(2).at("path").as_string() == "gen/0050000");
  CHECK(findings.at(2).at("status").as_string() == "missing");
  CHECK(f.stored_results() == 1);

  // A bad entry deep inside a long stream is named by its index, and nothing is stored.
  GeneratedJsonInventory broken(R"({"environment":"SIT","host":"big-2",)", 20'000,
                                {{17'776, R"({"path":"oops"})"}});
  f.refused(f.pca("", "", "use-auditor", "application/json", &broken), 400, "invalid-inventory",
            "files[17776]: sha256: required", 1);
}

}  // namespace tollgate::server
