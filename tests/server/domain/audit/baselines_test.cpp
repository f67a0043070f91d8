// Baselines through the router: scopes, immutability, names, signatures, diffs, the baseline in
// force at an instant, and the production baseline library written by promotions and back-outs.
#include "server/domain/audit/baselines.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/app_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::kStart;

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

std::string type_of(const Response& r) { return std::string(body_of(r).at("type").as_string()); }

std::string header_of(const Response& r, const std::string& name) {
  for (const auto& [key, value] : r.headers)
    if (key == name) return value;
  return "<none>";
}

std::vector<std::string> strings_of(const json::value& list) {
  std::vector<std::string> out;
  for (const auto& v : list.as_array()) out.emplace_back(v.as_string());
  return out;
}

std::vector<std::string> ids_of(const json::value& list, const char* key = "id") {
  std::vector<std::string> out;
  for (const auto& v : list.as_array()) out.emplace_back(v.at(key).as_string());
  return out;
}

struct Baselines : testing::AppFixture {
  std::string rm = token_with(Role::release_manager, "rm");

  Baselines() {
    REQUIRE(call("POST", "/api/v1/ci-types",
                 R"({"name":"service","attributes":[{"name":"port","type":"int"},
                     {"name":"tier","type":"string"}]})")
                .status == 201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"payments","type":"service","name":"Payments",
                     "attributes":{"port":8080,"tier":"gold"}})")
                .status == 201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"ledger","type":"service","name":"Ledger","attributes":{}})")
                .status == 201);
    put_artifact("payments", "2.3", "app.tar", "payments build 2.3\n");
    put_artifact("payments", "2.4", "app.tar", "payments build 2.4\n");
    put_artifact("ledger", "1.0", "ledger.jar", "ledger 1.0\n");
    store_rfc("rfc-1");
  }

  void put_artifact(const std::string& ci, const std::string& version, const std::string& file,
                    const std::string& content) {
    auto r = call("PUT", "/api/v1/artifacts/" + ci + "/" + version + "/" + file, content,
                  "use-admin", {{"x-checksum-sha256", testing::sha256_of(content)}});
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }

  void store_rfc(const std::string& id) {
    Rfc rfc;
    rfc.id = id;
    rfc.title = "change " + id;
    rfc.category = "normal";
    rfc.cis = {"ledger", "payments"};
    rfc.state = RfcState::approved;
    rfc.created_by = "rm";
    rfc.created_at = kStart;
    rfc.decided_by = "cm";
    rfc.events.push_back({"approve", "cm", kStart + 5, ""});
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  txn.put(storage::Table::rfcs, id, json::serialize(rfc.to_record()));
                  return Status();
                })
                .ok());
  }

  // A release of `ci` at `version` with the build documents and rfc-1.
  void make_release(const std::string& id, const std::string& ci, const std::string& version) {
    Release r;
    r.id = id;
    r.name = ci;
    r.version = version;
    r.rfcs = {"rfc-1"};
    ReleaseItem item{ci, version, {}, "rm", kStart};
    auto files = app->artifacts.files(ci, version, PageRequest{});
    REQUIRE(files.ok());
    for (const auto& a : files->items)
      item.artifacts.push_back({a.coordinate.file, a.sha256, a.size, a.coordinate.file});
    r.items.push_back(std::move(item));
    for (const char* kind : {"build_instructions", "test_plan", "backout_procedure"})
      r.documents.push_back({kind, std::string(kind) + ".md", "releases/" + id + "/" + kind,
                             std::string(40, 'a'), std::string(40, 'b'), "rm", kStart, ""});
    r.created_by = "rm";
    r.created_at = kStart;
    save(r);
  }

  void gate(const std::string& id, const std::string& name, const std::string& actor,
            std::optional<std::string> date = std::nullopt) {
    Release r = load(id);
    r.gates.push_back(
        {name, "pass", "", std::nullopt, std::move(date), r.digest(), actor, clock.now()});
    save(r);
  }

  void promote(const std::string& id, const std::string& env) {
    if (env == "CINTE") gate(id, "trr", "cm");
    if (env == "SIT") gate(id, "tests:CINTE", "tester");
    if (env == "SAT") gate(id, "tests:SIT", "tester");
    if (env == "production") {
      gate(id, "tests:SAT", "tester");
      gate(id, "uat", "tester");
      gate(id, "rrr", "cm", format_date(clock.now()));
      gate(id, "implementation_approval", "admin");
    }
    auto r = call("POST", "/api/v1/releases/" + id + "/promote",
                  R"({"environment":")" + env + R"("})", rm);
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }

  void to_production(const std::string& id) {
    for (const char* env : {"CINTE", "SIT", "SAT", "production"}) promote(id, env);
  }

  Response create(const std::string& body, const std::string& token = "use-admin") {
    return call("POST", "/api/v1/baselines", body, token);
  }

  json::object created(const std::string& body) {
    auto r = create(body);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return body_of(r);
  }

  json::object document(const std::string& name) {
    auto r = call("GET", "/api/v1/baselines/" + name);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }

  std::uint64_t baseline_count() { return count(storage::Table::baselines); }

  std::string head() {
    auto h = vault->head();
    return h.ok() ? *h : std::string("<none>");
  }
};

std::string tag_of(Baselines& f, const std::string& name) {
  auto target = f.vault->tag_target(name);
  return target.ok() ? *target : std::string("<no tag>");
}

TEST_CASE("baselines: scope all is signed, committed, tagged and indexed; immutable after") {
  Baselines f;
  f.clock.advance(kMicrosPerSecond);
  auto record = f.created(R"({"name":"rel-2026.12","scope":{"all":true},"description":"Q4"})");
  CHECK(record.at("name") == "rel-2026.12");
  CHECK(record.at("tag") == "rel-2026.12");
  const std::string commit(record.at("commit").as_string());
  const json::object doc = f.document("rel-2026.12");
  CHECK(doc.at("kind") == "baseline");
  CHECK(doc.at("description") == "Q4");
  CHECK(doc.at("created_by") == "admin");
  CHECK(doc.at("scope") == json::value(json::object{{"all", true}}));
  CHECK(ids_of(doc.at("cis")) == std::vector<std::string>{"ledger", "payments"});
  CHECK(doc.at("cis").at(1).at("attributes").at("port") == 8080);
  CHECK(doc.at("cis").at(1).at("revision") == 1);
  CHECK(doc.at("environments").as_array().empty());  // nothing deployed yet

  // The vault holds the canonical document at that commit, tagged with the name.
  auto file = f.vault->read("baselines/rel-2026.12.json", commit);
  REQUIRE(file.ok());
  CHECK(*file == canonical_json(doc) + "\n");
  auto tag = f.vault->tag_info("rel-2026.12");
  REQUIRE(tag.ok());
  CHECK(tag->target == commit);
  CHECK(tag->message == "Q4");
  CHECK(tag->tagger.name == "admin");

  // The signature verifies, and fails after a one-byte change.
  CHECK(f.signer->verify(doc).ok());
  CHECK(verify_signed_document(doc, f.signer->active_key().public_key).ok());
  json::object changed = doc;
  changed["name"] = "rel-2026.13";
  CHECK(verify_signed_document(changed, f.signer->active_key().public_key).reason() ==
        "bad-signature");

  // A name is used once: nothing changes on the second try, whatever the scope.
  const std::string head = f.head();
  f.clock.advance(kMicrosPerSecond);
  auto again = f.create(R"({"name":"rel-2026.12","scope":{"cis":["ledger"]}})");
  CHECK(again.status == 409);
  CHECK(type_of(again) == "urn:tollgate:problem:baseline-exists");
  CHECK(f.head() == head);
  CHECK(f.vault->tag_info("rel-2026.12")->target == commit);
  CHECK(f.document("rel-2026.12") == doc);
  CHECK(f.baseline_count() == 1);

  // A tag of that name in the vault (made outside Tollgate) takes the name too.
  REQUIRE(f.vault->tag("outside", commit, "made by hand", {"ops", ""}).ok());
  auto taken = f.create(R"({"name":"outside","scope":{"all":true}})");
  CHECK(taken.status == 409);
  CHECK(type_of(taken) == "urn:tollgate:problem:baseline-exists");
  CHECK(f.head() == head);
  CHECK(f.baseline_count() == 1);
}

TEST_CASE("baselines: refusals write nothing") {
  Baselines f;
  const std::string head = f.head();
  auto refused = [&](const std::string& body, unsigned status, const std::string& slug,
                     const std::string& token = "use-admin") {
    auto r = f.create(body, token);
    CHECK_MESSAGE(r.status == status, std::string(body + " -> " + r.body));
    CHECK(r.content_type == "application/problem+json");
    CHECK_MESSAGE(type_of(r) == "urn:tollgate:problem:" + slug, r.body);
    CHECK(f.baseline_count() == 0);
    CHECK(f.head() == head);
  };
  for (const char* name : {"", ".hidden", "-dash", "a..b", "x.lock", "trailing.", "sp ace",
                           "sl/ash", "caret^", "ümlaut"})
    refused(fmt::format(R"({{"name":"{}","scope":{{"all":true}}}})", name), 400,
            "invalid-baseline-name");
  refused(fmt::format(R"({{"name":"{}","scope":{{"all":true}}}})", std::string(101, 'a')), 400,
          "invalid-baseline-name");
  refused(R"({"name":"production-v7","scope":{"all":true}})", 400, "reserved-baseline-name");
  refused(R"({"name":"b","scope":{"all":true},"colour":"red"})", 400, "validation");
  refused(R"({"name":"b"})", 400, "validation");
  refused(R"({"name":"b","scope":{}})", 400, "validation");
  refused(R"({"name":"b","scope":{"all":false}})", 400, "validation");
  refused(R"({"name":"b","scope":{"all":true,"cis":["ledger"]}})", 400, "validation");
  refused(R"({"name":"b","scope":{"cis":[]}})", 400, "validation");
  refused(R"({"name":"b","scope":{"hosts":["h"]}})", 400, "validation");
  refused(R"({"name":"b","scope":{"cis":["ledger","nope"]}})", 404, "unknown-ci");
  refused(R"({"name":"b","scope":{"environments":["moon"]}})", 404, "unknown-environment");
  refused(R"({"name":"b","scope":{"all":true}})", 403, "forbidden-role",
          f.token_with(Role::viewer, "viewer"));
  refused(R"({"name":"b","scope":{"all":true}})", 403, "forbidden-role",
          f.token_with(Role::tester, "tester"));
  // An auditor may record one; the longest name is fine.
  CHECK(f.create(R"({"name":"audit_1.0-x","scope":{"cis":["ledger"]}})",
                 f.token_with(Role::auditor, "aud"))
            .status == 201);
  CHECK(f.create(fmt::format(R"({{"name":"{}","scope":{{"all":true}}}})", std::string(100, 'a')))
            .status == 201);
  CHECK(f.call("GET", "/api/v1/baselines/nope").status == 404);
}

TEST_CASE("baselines: scopes of CIs and of environments record entries and approvals") {
  Baselines f;
  f.make_release("rel-1", "payments", "2.3");
  f.make_release("rel-2", "ledger", "1.0");
  f.promote("rel-1", "CINTE");
  f.promote("rel-2", "CINTE");
  f.promote("rel-1", "SIT");

  const json::object by_ci = f.created(R"({"name":"pay","scope":{"cis":["payments"]}})");
  const json::object doc = by_ci.at("document").as_object();
  CHECK(ids_of(doc.at("cis")) == std::vector<std::string>{"payments"});
  CHECK(ids_of(doc.at("environments"), "environment") == std::vector<std::string>{"CINTE", "SIT"});
  const auto& cinte = doc.at("environments").at(0);
  CHECK(cinte.at("version") == 2);
  CHECK(ids_of(cinte.at("entries"), "ci") == std::vector<std::string>{"payments"});
  const auto& artifact = cinte.at("entries").at(0).at("artifacts").at(0);
  CHECK(artifact.at("file") == "app.tar");
  CHECK(artifact.at("sha256") == json::value(testing::sha256_of("payments build 2.3\n")));
  CHECK(artifact.at("install_path") == "app.tar");
  CHECK(ids_of(doc.at("releases")) == std::vector<std::string>{"rel-1"});
  const auto& approvals = doc.at("releases").at(0);
  CHECK(ids_of(approvals.at("gates"), "gate") == std::vector<std::string>{"trr", "tests:CINTE"});
  CHECK(approvals.at("gates").at(1).at("by") == "tester");
  CHECK(approvals.at("gates").at(1).at("environment") == "CINTE");
  CHECK(approvals.at("rfcs").at(0).at("approved_by") == "cm");

  const json::object by_env =
      f.created(R"({"name":"cinte","scope":{"environments":["CINTE","SAT"]}})");
  const json::object env_doc = by_env.at("document").as_object();
  CHECK(strings_of(by_env.at("environments")) == std::vector<std::string>{"CINTE", "SAT"});
  CHECK(ids_of(env_doc.at("cis")) == std::vector<std::string>{"ledger", "payments"});
  CHECK(env_doc.at("environments").at(1).at("version") == 0);  // SAT: nothing deployed
  CHECK(env_doc.at("environments").at(1).at("entries").as_array().empty());
  CHECK(ids_of(env_doc.at("releases")) == std::vector<std::string>{"rel-1", "rel-2"});
  CHECK(env_doc.at("scope") ==
        json::value(json::object{{"environments", json::array{"CINTE", "SAT"}}}));
}

TEST_CASE("baselines: diff field by field, artifacts per environment, and against current") {
  Baselines f;
  f.make_release("rel-1", "payments", "2.3");
  f.promote("rel-1", "CINTE");
  f.created(R"({"name":"before","scope":{"all":true}})");

  f.clock.advance(kMicrosPerSecond);
  REQUIRE(f.call("PATCH", "/api/v1/cis/payments",
                 R"({"owner":"team-pay","attributes":{"port":9090,"tier":null}})", "use-admin",
                 {{"if-match", "\"1\""}})
              .status == 200);
  REQUIRE(f.call("POST", "/api/v1/ci-types", R"({"name":"db","attributes":[]})").status == 201);
  REQUIRE(f.call("POST", "/api/v1/cis", R"({"id":"cache","type":"db","name":"Cache"})").status ==
          201);
  f.make_release("rel-3", "payments", "2.4");
  f.promote("rel-3", "CINTE");
  f.created(R"({"name":"after","scope":{"all":true}})");

  auto r = f.call("GET", "/api/v1/baselines/before/diff/after");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const json::object diff = body_of(r);
  CHECK(diff.at("from") == "before");
  CHECK(diff.at("to") == "after");
  CHECK(strings_of(diff.at("cis").at("added")) == std::vector<std::string>{"cache"});
  CHECK(diff.at("cis").at("removed").as_array().empty());
  REQUIRE(diff.at("cis").at("changed").as_array().size() == 1);
  const auto& changed = diff.at("cis").at("changed").at(0);
  CHECK(changed.at("id") == "payments");
  CHECK(changed.at("from_revision") == 1);
  CHECK(changed.at("to_revision") == 2);
  std::vector<std::string> fields = ids_of(changed.at("fields"), "field");
  CHECK(fields == std::vector<std::string>{"attributes.port", "attributes.tier", "owner",
                                           "revision", "updated_at"});
  CHECK(changed.at("fields").at(0).at("from") == 8080);
  CHECK(changed.at("fields").at(0).at("to") == 9090);
  CHECK(changed.at("fields").at(1).at("from") == "gold");
  CHECK(changed.at("fields").at(1).at("to").is_null());

  REQUIRE(diff.at("environments").as_array().size() == 1);
  const auto& cinte = diff.at("environments").at(0);
  CHECK(cinte.at("environment") == "CINTE");
  CHECK(cinte.at("from_version") == 1);
  CHECK(cinte.at("to_version") == 2);
  CHECK(cinte.at("artifacts").at("added").as_array().empty());
  CHECK(cinte.at("artifacts").at("removed").as_array().empty());
  REQUIRE(cinte.at("artifacts").at("changed").as_array().size() == 1);
  const auto& file = cinte.at("artifacts").at("changed").at(0);
  CHECK(file.at("ci") == "payments");
  CHECK(file.at("file") == "app.tar");
  CHECK(file.at("from_version") == "2.3");
  CHECK(file.at("to_version") == "2.4");
  CHECK(file.at("from_sha256") == json::value(testing::sha256_of("payments build 2.3\n")));
  CHECK(file.at("to_sha256") == json::value(testing::sha256_of("payments build 2.4\n")));
  CHECK(file.at("from_release") == "rel-1");
  CHECK(file.at("to_release") == "rel-3");

  // The reverse direction, and a baseline against itself.
  const json::object back = body_of(f.call("GET", "/api/v1/baselines/after/diff/before"));
  CHECK(strings_of(back.at("cis").at("removed")) == std::vector<std::string>{"cache"});
  const json::object same = body_of(f.call("GET", "/api/v1/baselines/after/diff/after"));
  CHECK(same.at("cis").at("changed").as_array().empty());
  CHECK(same.at("environments").at(0).at("artifacts").at("changed").as_array().empty());

  // Against now: ledger's new release shows as an added artifact; cache as an added CI.
  f.make_release("rel-2", "ledger", "1.0");
  f.promote("rel-2", "CINTE");
  const json::object now = body_of(f.call("GET", "/api/v1/baselines/before/diff/current"));
  CHECK(now.at("to") == "current");
  CHECK(strings_of(now.at("cis").at("added")) == std::vector<std::string>{"cache"});
  const auto& now_env = now.at("environments").at(0);
  CHECK(now_env.at("to_version") == 3);
  CHECK(ids_of(now_env.at("artifacts").at("added"), "ci") == std::vector<std::string>{"ledger"});
  CHECK(now_env.at("artifacts").at("changed").as_array().size() == 1);
  CHECK(f.call("GET", "/api/v1/baselines/before/diff/nope").status == 404);
  CHECK(f.call("GET", "/api/v1/baselines/nope/diff/current").status == 404);
}

TEST_CASE("baselines: list with filters and pages, and the baseline in force at an instant") {
  Baselines f;
  auto at = [&](const std::string& query) {
    return f.call("GET", "/api/v1/baselines?environment=CINTE&at=" + query);
  };
  CHECK(type_of(at("2026-12-01")) == "urn:tollgate:problem:no-baseline");
  f.make_release("rel-1", "payments", "2.3");
  f.promote("rel-1", "CINTE");
  f.clock.set(kStart + 3600 * kMicrosPerSecond);
  f.created(R"({"name":"one","scope":{"environments":["CINTE"]}})");
  f.clock.set(kStart + kMicrosPerDay + 60 * kMicrosPerSecond);  // the next day
  f.created(R"({"name":"two","scope":{"all":true}})");
  f.created(R"({"name":"three","scope":{"cis":["ledger"]}})");  // records no environment

  CHECK(at("2026-12-01T00:59:59Z").status == 404);
  auto exact = at("2026-12-01T01:00:00Z");
  REQUIRE_MESSAGE(exact.status == 200, exact.body);
  CHECK(body_of(exact).at("name") == "one");
  CHECK(header_of(exact, "X-Tollgate-Baseline") == "one");
  CHECK(f.signer->verify(body_of(exact)).ok());
  CHECK(body_of(at("2026-12-01")).at("name") == "one");  // the end of that day
  CHECK(body_of(at("2026-12-02T00:01:00Z")).at("name") == "two");
  CHECK(body_of(at("2026-12-02T00:00:59.999999Z")).at("name") == "one");
  CHECK(body_of(at("2027-01-01")).at("name") == "two");
  CHECK(f.call("GET", "/api/v1/baselines?environment=moon&at=2027-01-01").status == 404);
  CHECK(f.call("GET", "/api/v1/baselines?at=2027-01-01").status == 400);
  CHECK(at("yesterday").status == 400);

  auto list = body_of(f.call("GET", "/api/v1/baselines"));
  CHECK(ids_of(list.at("items"), "name") == std::vector<std::string>{"one", "three", "two"});
  CHECK(list.at("items").at(0).at("environments").at(0).at("version") == 1);
  auto cinte = body_of(f.call("GET", "/api/v1/baselines?environment=CINTE"));
  CHECK(ids_of(cinte.at("items"), "name") == std::vector<std::string>{"one", "two"});
  auto day2 = body_of(f.call("GET", "/api/v1/baselines?from=2026-12-02"));
  CHECK(ids_of(day2.at("items"), "name") == std::vector<std::string>{"three", "two"});
  auto day1 = body_of(f.call("GET", "/api/v1/baselines?from=2026-12-01&to=2026-12-01"));
  CHECK(ids_of(day1.at("items"), "name") == std::vector<std::string>{"one"});
  CHECK(f.call("GET", "/api/v1/baselines?from=soon").status == 400);
  auto first = body_of(f.call("GET", "/api/v1/baselines?limit=2"));
  CHECK(first.at("items").as_array().size() == 2);
  REQUIRE(first.at("next_cursor").is_string());
  auto rest = body_of(f.call("GET", "/api/v1/baselines?limit=2&cursor=" +
                                        std::string(first.at("next_cursor").as_string())));
  CHECK(ids_of(rest.at("items"), "name") == std::vector<std::string>{"two"});
  CHECK(rest.at("next_cursor").is_null());
}

TEST_CASE("baselines: promotions and back-outs into production build the production library") {
  Baselines f;
  f.make_release("rel-1", "payments", "2.3");
  f.to_production("rel-1");

  auto record = f.call("GET", "/api/v1/baselines/production-v1");
  REQUIRE_MESSAGE(record.status == 200, record.body);
  const json::object doc = body_of(record);
  CHECK(doc.at("created_by") == "rm");
  CHECK(doc.at("scope") == json::value(json::object{{"environments", json::array{"production"}}}));
  CHECK(f.signer->verify(doc).ok());
  const auto& env = doc.at("environments").at(0);
  CHECK(env.at("environment") == "production");
  CHECK(env.at("version") == 1);
  CHECK(ids_of(env.at("entries"), "ci") == std::vector<std::string>{"payments"});
  CHECK(ids_of(doc.at("cis")) == std::vector<std::string>{"payments"});
  const auto& approvals = doc.at("releases").at(0);
  std::vector<std::string> gates = ids_of(approvals.at("gates"), "gate");
  CHECK(std::find(gates.begin(), gates.end(), "implementation_approval") != gates.end());
  CHECK(approvals.at("rfcs").at(0).at("approved_by") == "cm");

  // Atomic with the promotion: the manifest and the baseline are in one commit, tagged; the
  // LMDB record names that commit.
  const std::string commit = header_of(record, "X-Tollgate-Commit");
  CHECK(commit == f.head());
  CHECK(f.vault->read("environments/production/manifest.json", commit).ok());
  CHECK(*f.vault->read("baselines/production-v1.json", commit) == canonical_json(doc) + "\n");
  CHECK(tag_of(f, "production-v1") == commit);
  CHECK(f.baseline_count() == 1);  // no baselines for CINTE, SIT, SAT

  f.clock.advance(kMicrosPerSecond);
  auto back =
      f.call("POST", "/api/v1/releases/rel-1/backout", R"({"environment":"production"})", f.rm);
  REQUIRE_MESSAGE(back.status == 200, back.body);
  const json::object v2 = f.document("production-v2");
  CHECK(v2.at("environments").at(0).at("version") == 2);
  CHECK(v2.at("environments").at(0).at("action") == "backout");
  CHECK(v2.at("environments").at(0).at("entries").as_array().empty());
  CHECK(tag_of(f, "production-v2") == f.head());
  auto diff = body_of(f.call("GET", "/api/v1/baselines/production-v1/diff/production-v2"));
  CHECK(ids_of(diff.at("environments").at(0).at("artifacts").at("removed"), "ci") ==
        std::vector<std::string>{"payments"});
  auto in_force = f.call("GET", "/api/v1/baselines?environment=production&at=" +
                                    std::string(doc.at("created_at").as_string()));
  CHECK(body_of(in_force).at("name") == "production-v1");
}

}  // namespace
}  // namespace tollgate::server
