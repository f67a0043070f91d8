// Releases through the router (so roles are exercised): creation and validation, items from a
// CI version's artifacts, package releases, documents in the vault, the digest, and every gate
// rule (roles, separation of duties, evidence, rrr date, staleness, duplicate approvals).
#include "server/domain/release/releases.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "tests/support/app_fixture.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {
namespace {

using testing::AppFixture;
namespace json = boost::json;

constexpr const char* kReleases = "/api/v1/releases";

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }
std::string text(const json::value& v) { return std::string(v.as_string()); }

std::string problem_type(const Response& r) {
  CHECK(r.content_type == "application/problem+json");
  return text(body_of(r).at("type"));
}

struct Fixture : AppFixture {
  std::string rm = token_with(Role::release_manager, "rm");
  std::string cm1 = token_with(Role::change_manager, "cm1");
  std::string cm2 = token_with(Role::change_manager, "cm2");
  std::string tester = token_with(Role::tester, "tess");
  std::string viewer = token_with(Role::viewer, "vic");
  Principal agent{"ci-bot", {Role::build_agent}, {}};

  Fixture() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})").status ==
            201);
    for (const char* id : {"api", "web"})
      REQUIRE(call("POST", "/api/v1/cis",
                   fmt::format(R"({{"id":"{}","type":"component","name":"{}"}})", id, id))
                  .status == 201);
    artifact("api/1.0/app.jar", "api one");
    artifact("api/1.0/app.conf", "api conf");
    artifact("api/2.0/app.jar", "api two");
    artifact("web/1.0/web.tar", "web one");
  }

  void artifact(const std::string& path, const std::string& bytes) {
    auto at = parse_coordinate(path);
    REQUIRE(at.ok());
    StringBodyReader body(bytes);
    REQUIRE(app->artifacts.put(*at, sha256_hex(bytes), body, {}, agent).ok());
  }

  std::string create(const std::string& body, const std::string& token) {
    Response r = call("POST", kReleases, body, token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return text(body_of(r).at("id"));
  }
  std::string create_delta(const std::string& token, const std::string& category = "scheduled") {
    return create(
        fmt::format(R"({{"name":"R","version":"1","type":"delta","category":"{}"}})", category),
        token);
  }

  json::object get(const std::string& id) {
    Response r = call("GET", std::string(kReleases) + "/" + id);
    REQUIRE(r.status == 200);
    return body_of(r);
  }
  Response post(const std::string& id, const std::string& what, const std::string& body,
                const std::string& token) {
    return call("POST", fmt::format("{}/{}/{}", kReleases, id, what), body, token);
  }
  Response item(const std::string& id, const std::string& ci, const std::string& version,
                const std::string& token) {
    return post(id, "items", fmt::format(R"({{"ci":"{}","version":"{}"}})", ci, version), token);
  }
  Response doc(const std::string& id, const std::string& name, const std::string& content,
               const std::string& token, const std::string& kind = "build_instructions") {
    return post(id, "documents",
                fmt::format(R"({{"kind":"{}","name":"{}","content":"{}"}})", kind, name, content),
                token);
  }
  Response gate(const std::string& id, const std::string& gate, const std::string& body,
                const std::string& token) {
    return post(id, "gates/" + gate, body, token);
  }
  std::string gate_status(const std::string& id, const std::string& gate) {
    return text(get(id).at("gates").at(gate).at("status"));
  }
  std::size_t release_count() { return count(storage::Table::releases); }
  // Puts the release into an environment as a promotion would record it.
  void promoted(const std::string& id, const std::string& env) {
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  auto r = load_release(txn, id);
                  REQUIRE(r);
                  r->environments.push_back({env, "promote", "rm", clock.now(), 1});
                  store_release(txn, *r);
                  return Status();
                })
                .ok());
  }
};

constexpr const char* kPass = R"({"verdict":"pass"})";

}  // namespace

TEST_CASE("releases: create, validation, roles, reads and filters") {
  Fixture f;
  const std::string body = R"({"name":"Payments","version":"2026.12","type":"full",
      "category":"scheduled","planned":{"CINTE":"2026-12-02","production":"2026-12-20"}})";
  for (const std::string* token : {&f.viewer, &f.tester, &f.cm1}) {
    Response r = f.call("POST", kReleases, body, *token);
    CHECK(r.status == 403);
  }
  CHECK(f.release_count() == 0);

  Response bad = f.call("POST", kReleases,
                        R"({"name":"X","version":"1","type":"big","category":"soon",
                            "planned":{"QA":"2026-12-01","SIT":"tomorrow"},"color":"red"})",
                        f.rm);
  CHECK(bad.status == 400);
  const std::string detail = json::serialize(body_of(bad));
  for (const char* part : {"type", "category", "planned.QA", "planned.SIT", "color"})
    CHECK_MESSAGE(detail.find(part) != std::string::npos, detail);
  CHECK(f.call("POST", kReleases, R"({"name":"X","version":"1","type":"delta",
      "category":"scheduled","rfcs":["rfc-99"]})",
               f.rm)
            .status == 400);
  CHECK(f.release_count() == 0);

  Response created = f.call("POST", kReleases, body, f.rm);
  REQUIRE(created.status == 201);
  json::object r = body_of(created);
  CHECK(text(r.at("id")) == "rel-1");
  CHECK(text(r.at("state")) == "planned");
  CHECK(text(r.at("digest")).size() == 64);
  CHECK(text(r.at("created_by")) == "rm");
  CHECK(text(r.at("planned").at("production")) == "2026-12-20");
  for (const char* g : {"trr", "tests:CINTE", "tests:SIT", "tests:SAT", "tests:production", "uat",
                        "rrr", "implementation_approval", "emergency_approval", "pir"})
    CHECK(text(r.at("gates").at(g).at("status")) == "missing");

  // An RFC that exists can be linked.
  REQUIRE(f.call("POST", "/api/v1/rfcs",
                 R"({"title":"T","description":"D","cis":["api"],"category":"normal",
                     "impact":{"risk":"low"}})")
              .status == 201);
  const std::string emergency = f.create(
      R"({"name":"Hotfix","version":"1","type":"delta","category":"emergency","rfcs":["rfc-1"]})",
      f.rm);
  CHECK(f.get(emergency).at("rfcs").as_array().size() == 1);

  auto list = body_of(f.call("GET", "/api/v1/releases?category=emergency"));
  REQUIRE(list.at("items").as_array().size() == 1);
  CHECK(text(list.at("items").as_array()[0].at("id")) == emergency);
  CHECK(body_of(f.call("GET", "/api/v1/releases?state=planned")).at("items").as_array().size() ==
        2);
  CHECK(body_of(f.call("GET", "/api/v1/releases?limit=1")).at("next_cursor").is_string());
  CHECK(f.call("GET", "/api/v1/releases?state=odd").status == 400);
  CHECK(f.call("GET", "/api/v1/releases/rel-77").status == 404);
}

TEST_CASE("releases: items take every artifact of a CI version; one version per CI") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  const json::object before = f.get(id);

  Response none = f.item(id, "web", "9.9", f.rm);
  CHECK(none.status == 409);
  CHECK(problem_type(none) == "urn:tollgate:problem:no-artifacts");
  CHECK(f.item(id, "nosuch", "1.0", f.rm).status == 404);
  CHECK(f.item(id, "api", "1.0", f.tester).status == 403);
  CHECK(f.item("rel-9", "api", "1.0", f.rm).status == 404);
  CHECK(f.post(id, "items", R"({"ci":"api","version":"1.0","extra":1})", f.rm).status == 400);
  CHECK(f.post(id, "items", R"({"ci":"api","version":"1.0","install_paths":{"nope":"x"}})", f.rm)
            .status == 400);
  // Install paths are relative and normalised, each named in the refusal.
  for (const char* bad : {"/etc/passwd", "../../etc/cron.d/x", "opt/./app.jar", "opt//app.jar",
                          "opt/app.jar/", "opt/\\u0001app", ""}) {
    Response r = f.post(
        id, "items",
        fmt::format(R"({{"ci":"api","version":"1.0","install_paths":{{"app.jar":"{}"}}}})", bad),
        f.rm);
    CHECK_MESSAGE(r.status == 400, bad);
    CHECK(r.body.find("install_paths.app.jar") != std::string::npos);
  }
  Response twice = f.post(
      id, "items",
      R"({"ci":"api","version":"1.0","install_paths":{"app.jar":"opt/a","app.conf":"opt/a"}})",
      f.rm);
  CHECK(twice.status == 400);
  Response clash = f.post(
      id, "items", R"({"ci":"api","version":"1.0","install_paths":{"app.jar":"app.conf"}})", f.rm);
  CHECK(problem_type(clash) == "urn:tollgate:problem:duplicate-install-path");
  CHECK(f.get(id) == before);  // refusals change nothing

  Response added =
      f.post(id, "items",
             R"({"ci":"api","version":"1.0","install_paths":{"app.jar":"opt/app.jar"}})", f.rm);
  REQUIRE(added.status == 200);
  json::object r = body_of(added);
  auto& items = r.at("items").as_array();
  REQUIRE(items.size() == 1);
  auto& artifacts = items[0].at("artifacts").as_array();
  REQUIRE(artifacts.size() == 2);
  CHECK(text(artifacts[0].at("file")) == "app.conf");
  CHECK(text(artifacts[0].at("install_path")) == "app.conf");
  CHECK(text(artifacts[1].at("install_path")) == "opt/app.jar");
  CHECK(text(artifacts[1].at("sha256")) == sha256_hex("api one"));
  CHECK(artifacts[1].at("size").to_number<std::uint64_t>() == 7);
  const std::string first_digest = text(r.at("digest"));
  CHECK(first_digest != text(before.at("digest")));

  REQUIRE(f.item(id, "web", "1.0", f.rm).status == 200);
  r = f.get(id);
  REQUIRE(r.at("items").as_array().size() == 2);

  // The same CI again replaces its item.
  REQUIRE(f.item(id, "api", "2.0", f.rm).status == 200);
  r = f.get(id);
  REQUIRE(r.at("items").as_array().size() == 2);
  CHECK(text(r.at("items").as_array()[0].at("version")) == "2.0");
  CHECK(r.at("items").as_array()[0].at("artifacts").as_array().size() == 1);
}

TEST_CASE("releases: a package bundles delta releases and their items join") {
  Fixture f;
  const std::string a = f.create_delta(f.rm);
  const std::string b = f.create_delta(f.rm);
  REQUIRE(f.item(a, "api", "1.0", f.rm).status == 200);
  REQUIRE(f.item(b, "web", "1.0", f.rm).status == 200);
  const std::string full =
      f.create(R"({"name":"F","version":"1","type":"full","category":"scheduled"})", f.rm);
  const std::size_t count = f.release_count();

  auto package = [&](const std::string& packages) {
    return f.call("POST", kReleases,
                  fmt::format(R"({{"name":"P","version":"1","type":"package",
                      "category":"scheduled","packages":{}}})",
                              packages),
                  f.rm);
  };
  CHECK(package("[]").status == 400);
  CHECK(package(fmt::format(R"(["{}"])", full)).status == 400);
  CHECK(package(R"(["rel-99"])").status == 400);
  CHECK(f.call("POST", kReleases,
               fmt::format(R"({{"name":"D","version":"1","type":"delta","category":"scheduled",
                   "packages":["{}"]}})",
                           a),
               f.rm)
            .status == 400);
  CHECK(f.release_count() == count);

  Response created = package(fmt::format(R"(["{}","{}"])", b, a));
  REQUIRE(created.status == 201);
  json::object p = body_of(created);
  REQUIRE(p.at("items").as_array().size() == 2);
  CHECK(text(p.at("items").as_array()[0].at("ci")) == "api");
  CHECK(text(p.at("items").as_array()[1].at("ci")) == "web");
  CHECK(p.at("packages").as_array().size() == 2);

  // Two packaged releases with one CI at different versions do not make one package.
  const std::string c = f.create_delta(f.rm);
  REQUIRE(f.item(c, "api", "2.0", f.rm).status == 200);
  Response clash = package(fmt::format(R"(["{}","{}"])", a, c));
  CHECK(clash.status == 409);
  CHECK(problem_type(clash) == "urn:tollgate:problem:package-conflict");
}

TEST_CASE("releases: documents are committed to the vault by the acting token") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  const std::string digest = text(f.get(id).at("digest"));

  CHECK(f.doc(id, "build.md", "x", f.rm, "poem").status == 400);
  CHECK(f.doc(id, "../escape", "x", f.rm).status == 400);
  CHECK(f.doc(id, "build.md", "", f.rm).status == 400);
  CHECK(f.doc(id, "build.md", "x", f.tester).status == 403);
  CHECK(f.doc("rel-9", "build.md", "x", f.rm).status == 404);
  CHECK_FALSE(f.vault->head().ok());  // nothing was committed

  Response added = f.doc(id, "build.md", "make all", f.rm);
  REQUIRE(added.status == 201);
  json::object r = body_of(added);
  auto& docs = r.at("documents").as_array();
  REQUIRE(docs.size() == 1);
  const std::string path = "releases/" + id + "/build.md";
  CHECK(text(docs[0].at("path")) == path);
  auto content = f.vault->read(path);
  REQUIRE(content.ok());
  CHECK(*content == "make all");
  auto blob = f.vault->blob_id(path);
  REQUIRE(blob.ok());
  CHECK(text(docs[0].at("blob")) == *blob);
  auto history = f.vault->history(path);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK(history->front().author.name == "rm");
  CHECK(text(r.at("digest")) != digest);

  Response read = f.call("GET", fmt::format("{}/{}/documents/build.md", kReleases, id));
  REQUIRE(read.status == 200);
  CHECK(read.body == "make all");
  CHECK(read.content_type.starts_with("text/markdown"));
  CHECK(f.call("GET", fmt::format("{}/{}/documents/none.md", kReleases, id)).status == 404);

  // A new version replaces the document and changes the digest again.
  const std::string second = text(r.at("digest"));
  REQUIRE(f.doc(id, "build.md", "make everything", f.rm).status == 201);
  r = f.get(id);
  CHECK(r.at("documents").as_array().size() == 1);
  CHECK(text(r.at("digest")) != second);
  CHECK(f.call("GET", fmt::format("{}/{}/documents/build.md", kReleases, id)).body ==
        "make everything");
}

TEST_CASE("releases: the digest is canonical and order-independent") {
  Fixture f;
  const std::string a = f.create_delta(f.rm);
  const std::string b = f.create_delta(f.rm);
  REQUIRE(f.item(a, "api", "1.0", f.rm).status == 200);
  REQUIRE(f.item(a, "web", "1.0", f.rm).status == 200);
  REQUIRE(f.doc(a, "one.md", "1", f.rm).status == 201);
  REQUIRE(f.doc(a, "two.md", "2", f.rm).status == 201);
  REQUIRE(f.doc(b, "two.md", "2", f.rm).status == 201);
  REQUIRE(f.item(b, "web", "1.0", f.rm).status == 200);
  REQUIRE(f.doc(b, "one.md", "1", f.rm).status == 201);
  REQUIRE(f.item(b, "api", "1.0", f.rm).status == 200);
  CHECK(f.get(a).at("digest") == f.get(b).at("digest"));

  // The same contents as values, listed in another order.
  Release x;
  x.id = "rel-1";
  x.items = {{"api", "1", {{"a", "aa", 1, "a"}, {"b", "bb", 2, "b"}}, "", 0},
             {"web", "1", {{"w", "ww", 3, "w"}}, "", 0}};
  x.documents = {{"test_plan", "t", "", "", "blob1", "", 0, ""},
                 {"build_instructions", "b", "", "", "blob2", "", 0, ""}};
  Release y = x;
  std::swap(y.items[0], y.items[1]);
  std::swap(y.items[1].artifacts[0], y.items[1].artifacts[1]);
  std::swap(y.documents[0], y.documents[1]);
  y.name = "another name";  // not contents
  CHECK(x.digest() == y.digest());
  y.items[0].artifacts[0].sha256 = "changed";
  CHECK(x.digest() != y.digest());
  y = x;
  y.items[0].artifacts[0].install_path = "/elsewhere";
  CHECK(x.digest() != y.digest());
  y = x;
  y.documents[0].blob = "blob3";
  CHECK(x.digest() != y.digest());
  y = x;
  y.packages = {"rel-1"};
  CHECK(x.digest() != y.digest());

  // The record survives a round trip.
  auto back = Release::from_record(json::serialize(x.to_record()));
  REQUIRE(back.ok());
  CHECK(back->digest() == x.digest());
}

TEST_CASE("releases: gate names, roles and the policy table") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  const json::object before = f.get(id);

  Response unknown = f.gate(id, "vibes", kPass, f.cm1);
  CHECK(unknown.status == 404);
  CHECK(problem_type(unknown) == "urn:tollgate:problem:unknown-gate");
  CHECK(f.gate(id, "tests:QA", kPass, f.tester).status == 404);
  CHECK(f.gate(id, "trr", R"({"verdict":"maybe"})", f.cm1).status == 400);
  CHECK(f.gate(id, "trr", R"({"verdict":"pass","by":"me"})", f.cm1).status == 400);
  for (const auto& attempt : std::vector<std::pair<std::string, std::string>>{
           {"trr", f.tester},
           {"trr", f.admin},  // admin records only what the policy gives it
           {"tests:SIT", f.cm1},
           {"uat", f.rm},
           {"rrr", f.tester},
           {"implementation_approval", f.cm1},
           {"pir", f.viewer}}) {
    const std::string& gate = attempt.first;
    const std::string& token = attempt.second;
    Response r = f.gate(id, gate, kPass, token);
    CHECK_MESSAGE(r.status == 403, gate);
    // A role that records no gate at all is refused by the route's rule; one that records
    // other gates by the gate's.
    const std::string type = problem_type(r);
    CHECK_MESSAGE(
        (type == "urn:tollgate:problem:gate-role" || type == "urn:tollgate:problem:forbidden-role"),
        gate, " ", type);
  }
  CHECK(f.get(id) == before);

  Response trr = f.gate(id, "trr", R"({"verdict":"pass","notes":"ready"})", f.cm1);
  REQUIRE(trr.status == 201);
  json::object g = body_of(trr).at("gates").at("trr").as_object();
  CHECK(text(g.at("status")) == "passed");
  CHECK(text(g.at("latest").at("actor")) == "cm1");
  CHECK(text(g.at("latest").at("digest")) == text(before.at("digest")));
  // A gate judges what happened: no tests before the release is in the environment.
  Response early = f.gate(id, "tests:CINTE", R"({"verdict":"fail"})", f.tester);
  CHECK(problem_type(early) == "urn:tollgate:problem:gate-too-early");
  f.promoted(id, "CINTE");
  REQUIRE(f.gate(id, "tests:CINTE", R"({"verdict":"fail"})", f.tester).status == 201);
  CHECK(f.gate_status(id, "tests:CINTE") == "failed");
  REQUIRE(f.gate(id, "tests:CINTE", kPass, f.tester).status == 201);
  CHECK(f.gate_status(id, "tests:CINTE") == "passed");
  CHECK(f.get(id).at("gates").at("tests:CINTE").at("history").as_array().size() == 2);
  const std::string business = f.token_with(Role::business, "bea");
  CHECK(problem_type(f.gate(id, "uat", kPass, business)) == "urn:tollgate:problem:gate-too-early");
  CHECK(problem_type(f.gate(id, "pir", kPass, f.cm2)) == "urn:tollgate:problem:gate-too-early");
  f.promoted(id, "SAT");
  REQUIRE(f.gate(id, "uat", kPass, business).status == 201);
  f.promoted(id, "production");
  REQUIRE(f.gate(id, "pir", kPass, f.cm2).status == 201);

  // The policy is configuration: let testers record uat.
  f.config.gate_roles["uat"] = {"business", "tester"};
  const std::string other = f.create_delta(f.token_with(Role::release_manager, "rm2"));
  f.promoted(other, "SAT");
  CHECK(f.gate(other, "uat", kPass, f.tester).status == 201);
}

TEST_CASE("releases: separation of duties, evidence and the rrr date") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);  // created by "rm"
  const json::object before = f.get(id);
  // The same person with another role and another token is still the same person.
  const std::string rm_as_manager = f.token_with(Role::management, "rm");
  Response self = f.gate(id, "implementation_approval", kPass, rm_as_manager);
  CHECK(self.status == 403);
  CHECK(problem_type(self) == "urn:tollgate:problem:separation-of-duties");
  CHECK(f.get(id) == before);
  // Whoever added an item authored the release too.
  const std::string rm2 = f.token_with(Role::release_manager, "rm2");
  REQUIRE(f.item(id, "web", "1.0", rm2).status == 200);
  const std::string rm2_as_manager = f.token_with(Role::management, "rm2");
  CHECK(problem_type(f.gate(id, "implementation_approval", kPass, rm2_as_manager)) ==
        "urn:tollgate:problem:separation-of-duties");
  const std::string boss = f.token_with(Role::management, "boss");
  CHECK(f.gate(id, "implementation_approval", kPass, boss).status == 201);
  // Admin approves nothing.
  CHECK(f.gate(id, "implementation_approval", kPass, f.admin).status == 403);

  // A change manager who created a release may not hold its rrr.
  f.config.gate_roles["uat"] = {"change_manager"};
  Principal creator{"cm1", {Role::change_manager, Role::release_manager}, {}};
  CreateRelease emergency{"S", "1", ReleaseType::delta, ReleaseCategory::emergency, {}, {}, {}};
  auto created = f.app->releases.create(emergency, creator);
  REQUIRE(created.ok());
  const RecordGate pass{"pass", "", std::nullopt, std::nullopt};
  for (const char* gate : {"uat", "rrr", "emergency_approval"}) {
    auto r = f.app->releases.record_gate(created->id, gate, pass, creator);
    CHECK(r.status().reason() == "separation-of-duties");
  }
  CHECK(f.app->releases.record_gate(created->id, "trr", pass, creator)
            .ok());  // not an approval: allowed

  // Evidence must be a document of the release.
  Response missing = f.gate(id, "trr", R"({"verdict":"pass","evidence":"report.md"})", f.cm1);
  CHECK(missing.status == 400);
  CHECK(problem_type(missing) == "urn:tollgate:problem:unknown-evidence");
  REQUIRE(f.doc(id, "report.md", "all green", f.rm, "test_plan").status == 201);
  Response with = f.gate(id, "trr", R"({"verdict":"pass","evidence":"report.md"})", f.cm1);
  REQUIRE(with.status == 201);
  CHECK(text(body_of(with).at("gates").at("trr").at("latest").at("evidence")) == "report.md");

  // Only the rrr takes a date, and it must be one.
  CHECK(f.gate(id, "trr", R"({"verdict":"pass","date":"2026-12-10"})", f.cm1).status == 400);
  CHECK(f.gate(id, "rrr", R"({"verdict":"pass","date":"2026-13-10"})", f.cm1).status == 400);
  Response rrr = f.gate(id, "rrr", R"({"verdict":"pass","date":"2026-12-10"})", f.cm1);
  REQUIRE(rrr.status == 201);
  CHECK(text(body_of(rrr).at("gates").at("rrr").at("latest").at("date")) == "2026-12-10");
}

TEST_CASE("releases: a content change makes gates stale; deployed contents are frozen") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  REQUIRE(f.item(id, "api", "1.0", f.rm).status == 200);
  REQUIRE(f.gate(id, "trr", kPass, f.cm1).status == 201);
  f.promoted(id, "CINTE");
  REQUIRE(f.gate(id, "tests:CINTE", R"({"verdict":"fail"})", f.tester).status == 201);
  CHECK(f.gate_status(id, "trr") == "passed");

  REQUIRE(f.doc(id, "notes.md", "v1", f.rm, "release_notes").status == 201);
  CHECK(f.gate_status(id, "trr") == "stale");
  CHECK(f.gate_status(id, "tests:CINTE") == "stale");
  CHECK(f.get(id).at("gates").at("trr").at("history").as_array()[0].at("stale").as_bool());
  auto stored = f.app->releases.get(id);
  REQUIRE(stored.ok());
  CHECK_FALSE(stored->passed("trr"));
  REQUIRE(f.gate(id, "trr", kPass, f.cm1).status == 201);
  CHECK(f.gate_status(id, "trr") == "passed");

  // After CINTE contents may still change (and the gates go stale again).
  CHECK(text(f.get(id).at("state")) == "in_progress");
  REQUIRE(f.item(id, "api", "2.0", f.rm).status == 200);
  CHECK(f.gate_status(id, "trr") == "stale");

  // In production they may not.
  f.promoted(id, "production");
  const json::object before = f.get(id);
  CHECK(text(before.at("state")) == "deployed");
  const auto head = f.vault->head();
  REQUIRE(head.ok());
  Response item = f.item(id, "web", "1.0", f.rm);
  CHECK(item.status == 409);
  CHECK(problem_type(item) == "urn:tollgate:problem:release-deployed");
  Response doc = f.doc(id, "late.md", "late", f.rm);
  CHECK(doc.status == 409);
  CHECK(problem_type(doc) == "urn:tollgate:problem:release-deployed");
  CHECK(*f.vault->head() == *head);  // nothing committed
  CHECK(f.get(id) == before);
  // Known errors are still recorded: they are not contents.
  Response ke =
      f.post(id, "known-errors", R"({"summary":"slow start","workaround":"wait"})", f.tester);
  REQUIRE(ke.status == 201);
  CHECK(text(body_of(ke).at("known_errors").as_array()[0].at("id")) == "ke-1");
  CHECK(text(body_of(ke).at("digest")) == text(before.at("digest")));
  CHECK(f.post(id, "known-errors", R"({"summary":""})", f.tester).status == 400);
  CHECK(f.post(id, "known-errors", R"({"summary":"x"})", f.viewer).status == 403);
}

TEST_CASE("releases: emergency approval needs two distinct change managers") {
  Fixture f;
  const std::string id = f.create_delta(f.rm, "emergency");
  REQUIRE(f.gate(id, "emergency_approval", kPass, f.cm1).status == 201);
  const json::object before = f.get(id);
  Response again = f.gate(id, "emergency_approval", kPass, f.cm1);
  CHECK(again.status == 409);
  CHECK(problem_type(again) == "urn:tollgate:problem:duplicate-approval");
  CHECK(f.get(id) == before);
  REQUIRE(f.gate(id, "emergency_approval", kPass, f.cm2).status == 201);
  json::object g = f.get(id).at("gates").at("emergency_approval").as_object();
  CHECK(g.at("approvers").as_array().size() == 2);
  auto release = f.app->releases.get(id);
  REQUIRE(release.ok());
  CHECK(release->passing_actors("emergency_approval") == std::vector<std::string>{"cm1", "cm2"});

  // New contents: the same manager approves again, for the new digest.
  REQUIRE(f.item(id, "api", "1.0", f.rm).status == 200);
  CHECK(f.get(id).at("gates").at("emergency_approval").at("approvers").as_array().empty());
  CHECK(f.gate(id, "emergency_approval", kPass, f.cm1).status == 201);

  const std::string scheduled = f.create_delta(f.rm);
  Response not_emergency = f.gate(scheduled, "emergency_approval", kPass, f.cm1);
  CHECK(not_emergency.status == 409);
  CHECK(problem_type(not_emergency) == "urn:tollgate:problem:not-emergency");
}

TEST_CASE("releases: [gates] in the configuration file sets who records a gate") {
  testing::TempDir dir;
  const std::string path = dir.file("tollgate.toml");
  std::ofstream(path) << "[gates]\ntrr = [\"release_manager\", \"admin\"]\n";
  Config config;
  REQUIRE(load_config_file(path, config).ok());
  CHECK(config.gate_roles.at("trr") == std::vector<std::string>{"release_manager", "admin"});
  CHECK(config.gate_roles.at("uat") == std::vector<std::string>{"business"});
  std::ofstream(path, std::ios::trunc) << "[gates]\ntrr = [\"wizard\"]\n";
  CHECK_FALSE(load_config_file(path, config).ok());
  std::ofstream(path, std::ios::trunc) << "[gates]\nvibes = [\"tester\"]\n";
  CHECK_FALSE(load_config_file(path, config).ok());
}

}  // namespace tollgate::server

namespace tollgate::server {
namespace {

// The release's last correction.
json::object last_correction(const json::object& release) {
  const auto& all = release.at("corrections").as_array();
  REQUIRE_FALSE(all.empty());
  return all.back().as_object();
}

}  // namespace
}  // namespace tollgate::server

using namespace tollgate::server;  // NOLINT(google-build-using-namespace)

TEST_CASE("releases: reschedule and relink RFCs; each correction is kept with who and why") {
  Fixture f;
  const std::string id =
      f.create(R"({"name":"R","version":"1","type":"delta","category":"scheduled",)"
               R"("planned":{"SIT":"2027-01-10","production":"2027-02-01"}})",
               f.rm);
  const std::string path = std::string(kReleases) + "/" + id;
  REQUIRE(
      f.call("POST", "/api/v1/rfcs", R"({"title":"t","cis":["api"],"impact":{"risk":"low"}})", f.rm)
          .status == 201);

  auto moved = f.call("PATCH", path,
                      R"({"planned":{"SIT":"2027-01-17","production":null,"SAT":"2027-01-24"},)"
                      R"("note":"SIT slipped a week"})",
                      f.rm);
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  auto body = body_of(moved);
  CHECK(body.at("planned") == json::parse(R"({"SAT":"2027-01-24","SIT":"2027-01-17"})"));
  auto correction = last_correction(body);
  CHECK(text(correction.at("action")) == "reschedule");
  CHECK(text(correction.at("actor")) == "rm");
  CHECK(text(correction.at("note")) == "SIT slipped a week");
  CHECK(correction.at("changes").at("planned.SIT") ==
        json::parse(R"({"old":"2027-01-10","new":"2027-01-17"})"));
  CHECK(correction.at("changes").at("planned.production").at("new").is_null());

  auto linked = f.call("PATCH", path, R"({"rfcs":["rfc-1"]})", f.rm);
  REQUIRE(linked.status == 200);
  CHECK(body_of(linked).at("rfcs") == json::parse(R"(["rfc-1"])"));
  CHECK(text(last_correction(body_of(linked)).at("action")) == "link-rfcs");
  CHECK(body_of(linked).at("corrections").as_array().size() == 2);

  // Bad input changes nothing.
  const json::object before = f.get(id);
  for (const char* bad :
       {R"({"rfcs":["rfc-99"]})", R"({"planned":{"moon":"2027-01-01"}})",
        R"({"planned":{"SIT":"soon"}})", R"({})", R"({"name":"other"})", R"({"rfcs":["../x"]})"}) {
    CAPTURE(bad);
    CHECK(f.call("PATCH", path, bad, f.rm).status == 400);
  }
  CHECK(f.call("PATCH", path, R"({"rfcs":[]})", f.tester).status == 403);
  CHECK(f.get(id) == before);
}

TEST_CASE("releases: removing an item makes earlier gates stale and is kept as a correction") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  REQUIRE(f.item(id, "api", "1.0", f.rm).status == 200);
  REQUIRE(f.item(id, "web", "1.0", f.rm).status == 200);
  REQUIRE(f.gate(id, "trr", kPass, f.cm1).status == 201);
  const std::string path = std::string(kReleases) + "/" + id + "/items/";

  CHECK(f.call("DELETE", path + "nope", "", f.rm).status == 404);
  CHECK(f.call("DELETE", path + "web", "", f.tester).status == 403);
  auto removed = f.call("DELETE", path + "web", R"({"note":"not ready"})", f.rm);
  REQUIRE_MESSAGE(removed.status == 200, removed.body);
  auto body = body_of(removed);
  CHECK(body.at("items").as_array().size() == 1);
  CHECK(text(last_correction(body).at("action")) == "remove-item");
  CHECK(last_correction(body).at("changes").at("items.web") ==
        json::parse(R"({"old":"1.0","new":null})"));
  CHECK(f.gate_status(id, "trr") == "stale");

  // Once in production the contents are frozen: no item leaves.
  f.promoted(id, "production");
  auto frozen = f.call("DELETE", path + "api", "", f.rm);
  CHECK(frozen.status == 409);
  CHECK(problem_type(frozen) == "urn:tollgate:problem:release-deployed");
  auto late = f.call("PATCH", std::string(kReleases) + "/" + id,
                     R"({"planned":{"SIT":"2027-01-01"}})", f.rm);
  CHECK(problem_type(late) == "urn:tollgate:problem:release-deployed");
}

TEST_CASE(
    "releases: a cancelled release is closed for good; one in an environment is not cancelled") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  REQUIRE(f.item(id, "api", "1.0", f.rm).status == 200);
  const std::string cancel = "cancel";

  CHECK(f.post(id, cancel, R"({})", f.rm).status == 400);  // why, always
  f.promoted(id, "CINTE");
  auto busy = f.post(id, cancel, R"({"note":"superseded"})", f.rm);
  CHECK(busy.status == 409);
  CHECK(problem_type(busy) == "urn:tollgate:problem:release-in-environment");

  const std::string other = f.create_delta(f.rm);
  REQUIRE(f.item(other, "api", "1.0", f.rm).status == 200);
  REQUIRE(f.post(other, "known-errors", R"({"summary":"slow"})", f.tester).status == 201);
  auto cancelled = f.post(other, cancel, R"({"note":"superseded by rel-1"})", f.rm);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(text(body_of(cancelled).at("state")) == "cancelled");
  CHECK(text(last_correction(body_of(cancelled)).at("action")) == "cancel");
  const json::object before = f.get(other);
  for (const Response& r :
       {f.post(other, cancel, R"({"note":"again"})", f.rm), f.item(other, "web", "1.0", f.rm),
        f.gate(other, "trr", kPass, f.cm1),
        f.post(other, "known-errors/ke-1/resolve", R"({"resolution":"x"})", f.tester),
        f.call("PATCH", std::string(kReleases) + "/" + other, R"({"rfcs":[]})", f.rm),
        f.post(other, "promote", R"({"environment":"CINTE"})", f.rm)}) {
    CHECK(r.status == 409);
    CHECK(problem_type(r) == "urn:tollgate:problem:release-cancelled");
  }
  CHECK(f.get(other) == before);
  auto listed = body_of(f.call("GET", std::string(kReleases) + "?state=cancelled"));
  REQUIRE(listed.at("items").as_array().size() == 1);
  CHECK(text(listed.at("items").as_array()[0].at("id")) == other);
}

TEST_CASE("releases: a known error is resolved once, with who and how") {
  Fixture f;
  const std::string id = f.create_delta(f.rm);
  REQUIRE(f.post(id, "known-errors", R"({"summary":"slow start"})", f.tester).status == 201);
  CHECK(f.post(id, "known-errors/ke-9/resolve", R"({"resolution":"x"})", f.tester).status == 404);
  CHECK(f.post(id, "known-errors/ke-1/resolve", R"({})", f.tester).status == 400);
  CHECK(f.post(id, "known-errors/ke-1/resolve", R"({"resolution":"x"})", f.viewer).status == 403);
  auto resolved =
      f.post(id, "known-errors/ke-1/resolve", R"({"resolution":"fixed in 1.1"})", f.tester);
  REQUIRE_MESSAGE(resolved.status == 200, resolved.body);
  const auto error = body_of(resolved).at("known_errors").as_array()[0].as_object();
  CHECK(error.at("resolved").as_bool());
  CHECK(text(error.at("resolution")) == "fixed in 1.1");
  CHECK(text(error.at("resolved_by")) == "tess");
  auto again = f.post(id, "known-errors/ke-1/resolve", R"({"resolution":"y"})", f.tester);
  CHECK(again.status == 409);
  CHECK(problem_type(again) == "urn:tollgate:problem:known-error-resolved");
}
