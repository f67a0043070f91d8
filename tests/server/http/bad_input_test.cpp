// The bad-input catalogue: hostile and malformed requests through the real router, one row each,
// with the status and problem type each must get. Every row also proves that it changed nothing:
// a fingerprint of every table, the vault's refs and the blob directory is taken before and
// after the request and must be equal.
//
// Read a row as: name | method | target | who calls | body | extra headers | status | problem.
// "who" is a role of the fixture's tokens (admin, rm = release_manager, cm = change_manager,
// agent = build_agent, agent2 = another build_agent, viewer, auditor, tester), "none" for no
// Authorization header, "revoked" for a revoked token, or "raw:<value>" for that Authorization
// header. A body gets Content-Type application/json unless the row names a Content-Type. The
// problem is the slug of its type (urn:tollgate:problem:<slug>); "" means a response that is no
// problem (a Range the server may ignore, RFC 9110 §14.2). Targets may name the fixture's
// upload sessions as {open}, {finished} and {cancelled}.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"
#include "server/http/router.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/state_fingerprint.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using namespace std::string_literals;
using testing::kStart;

struct Row {
  std::string name;
  std::string method;
  std::string target;
  std::string who;
  std::string body;
  HeaderList headers;
  unsigned status;
  std::string problem;
};

const std::string kPayload = "payments build 2.3\n";  // payments/2.3/app.tar, 19 bytes
const std::string kArtifact = "/api/v1/artifacts/payments/2.3/app.tar";
const std::string kSha = std::string(64, 'a');  // a well-formed digest of no bytes we hold

std::string repeat(std::size_t n, char c = 'a') { return std::string(n, c); }

std::string nested_arrays(std::size_t depth) {
  return R"({"name":"deep","attributes":)" + repeat(depth, '[') + repeat(depth, ']') + "}";
}

// A CMDB, one artifact, an approved RFC, a planned release, a CI document, a baseline, and three
// upload sessions (open with 5 bytes, finished, cancelled), built through the router.
struct Catalogue : testing::AppFixture {
  std::map<std::string, std::string> tokens;
  std::map<std::string, std::string> sessions;

  Catalogue() {
    tokens["admin"] = admin;
    tokens["rm"] = token_with(Role::release_manager, "rm");
    tokens["cm"] = token_with(Role::change_manager, "cm");
    tokens["agent"] = token_with(Role::build_agent, "agent");
    tokens["agent2"] = token_with(Role::build_agent, "agent2");
    tokens["viewer"] = token_with(Role::viewer, "viewer");
    tokens["auditor"] = token_with(Role::auditor, "auditor");
    tokens["tester"] = token_with(Role::tester, "tester");
    auto revoked = mint("former", {Role::release_manager});
    REQUIRE(app->tokens.revoke(revoked.record.id, admin_principal).ok());
    tokens["revoked"] = revoked.token;

    ok(call("POST", "/api/v1/ci-types",
            R"({"name":"service","attributes":[{"name":"port","type":"int"}]})"));
    ok(call("POST", "/api/v1/cis",
            R"({"id":"payments","type":"service","name":"Payments","attributes":{}})"));
    ok(call("PUT", kArtifact, kPayload, "use-admin",
            {{"x-checksum-sha256", testing::sha256_of(kPayload)}}));
    ok(call("PUT", "/api/v1/cis/payments/documents/readme.md", R"({"content":"# Payments"})"));
    ok(call("POST", "/api/v1/baselines", R"({"name":"base-1","scope":{"all":true}})"));
    store_approved_rfc("rfc-1");
    make_release("rel-1");

    const std::string& agent = tokens["agent"];
    sessions["open"] = start_upload();
    ok(call("PATCH", "/api/v1/uploads/" + sessions["open"], "hello", agent));
    sessions["finished"] = start_upload();
    ok(call("PATCH", "/api/v1/uploads/" + sessions["finished"], "hello", agent));
    ok(call("PUT",
            "/api/v1/uploads/" + sessions["finished"] + "?digest=sha256:" +
                testing::sha256_of("hello") + "&coordinate=payments/2.4/app.tar",
            "", agent));
    sessions["cancelled"] = start_upload();
    ok(call("DELETE", "/api/v1/uploads/" + sessions["cancelled"], "", agent));
  }

  static void ok(const Response& r) { REQUIRE_MESSAGE(r.status < 300, r.body); }

  std::string start_upload() {
    auto r = call("POST", "/api/v1/uploads", "", tokens["agent"]);
    ok(r);
    return std::string(json::parse(r.body).at("id").as_string());
  }

  void store_approved_rfc(const std::string& id) {
    Rfc rfc;
    rfc.id = id;
    rfc.title = "change " + id;
    rfc.category = "normal";
    rfc.cis = {"payments"};
    rfc.state = RfcState::approved;
    rfc.created_by = "requester";
    rfc.created_at = kStart;
    put_record(storage::Table::rfcs, id, json::serialize(rfc.to_record()));
  }

  // A planned release of payments 2.3 with its build documents and rfc-1, no gates yet.
  void make_release(const std::string& id) {
    Release r;
    r.id = id;
    r.name = "payments";
    r.version = "2.3";
    r.category = ReleaseCategory::scheduled;
    r.rfcs = {"rfc-1"};
    ReleaseItem item{"payments", "2.3", {}, "rm", kStart};
    auto files = app->artifacts.files("payments", "2.3", PageRequest{});
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

  std::string expand(std::string target) {
    for (const auto& [name, id] : sessions) {
      const std::string slot = "{" + name + "}";
      for (auto at = target.find(slot); at != std::string::npos; at = target.find(slot))
        target.replace(at, slot.size(), id);
    }
    return target;
  }

  Response send(const Row& row) {
    Request r;
    r.method = row.method;
    r.target = expand(row.target);
    r.body = row.body;
    if (row.who.starts_with("raw:"))
      r.headers.emplace_back("authorization", row.who.substr(4));
    else if (row.who != "none")
      r.headers.emplace_back("authorization", "Bearer " + tokens.at(row.who));
    bool typed = false;
    for (const auto& [name, value] : row.headers) typed = typed || name == "content-type";
    if (!row.body.empty() && !typed) r.headers.emplace_back("content-type", "application/json");
    for (const auto& header : row.headers) r.headers.push_back(header);
    return handle(r, *app);
  }

  // Excluded from the fingerprint: Table::audit_log, which gains one entry per refused request of
  // a known person (router.cpp, audit_uncommitted): recording refusals is its purpose. Nothing
  // else is excluded; a token's last use is kept in memory until flushed (auth.cpp), so the
  // tokens table stays as it was.
  testing::StateFingerprint state() {
    return testing::fingerprint(*store, dir.path(), {storage::Table::audit_log});
  }

  void run(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      CAPTURE(row.name);
      const auto before = state();
      const Response r = send(row);
      CHECK_MESSAGE(r.status == row.status, row.name, ": ", r.status, " ", r.body);
      std::string problem;
      if (r.content_type == "application/problem+json") {
        const std::string type(json::parse(r.body).at("type").as_string());
        problem = type.substr(type.rfind(':') + 1);
      }
      CHECK_MESSAGE(problem == row.problem, row.name, ": ", r.body);
      const auto after = state();
      CHECK_MESSAGE(before == after, row.name, " changed:\n", testing::difference(before, after));
    }
  }
};

// The proof works only if a fingerprint sees a change: a request that succeeds must move it.
TEST_CASE("bad input: the fingerprint sees tables, blobs and the vault change") {
  Catalogue f;
  auto before = f.state();
  Catalogue::ok(f.call("PUT", "/api/v1/artifacts/payments/9.9/x.bin", "x", f.tokens["agent"],
                       {{"x-checksum-sha256", testing::sha256_of("x")}}));
  auto after = f.state();
  const std::string changed = testing::difference(before, after);
  CHECK(changed.find("table artifacts ") != std::string::npos);
  CHECK(changed.find("added blobs ") != std::string::npos);
  before = after;
  Catalogue::ok(f.call("PUT", "/api/v1/cis/payments/documents/notes.md", R"({"content":"n"})"));
  CHECK(testing::difference(before, f.state()).find("vault refs") != std::string::npos);
}

// --- The table ----------------------------------------------------------------------------------

const HeaderList kNoHeaders;
HeaderList checksum(const std::string& sha) { return {{"x-checksum-sha256", sha}}; }

TEST_CASE("bad input: path traversal in every kind of name") {
  Catalogue f;
  const auto sha = checksum(kSha);
  f.run({
      // name, method, target, who, body, headers, status, problem
      {"artifact ci ..", "PUT", "/api/v1/artifacts/../2.3/x.bin", "agent", "x", sha, 400,
       "invalid-artifact-name"},
      {"artifact version %2e%2e", "PUT", "/api/v1/artifacts/payments/%2e%2e/x.bin", "agent", "x",
       sha, 400, "invalid-artifact-name"},
      {"artifact file %2e%2e%2f", "PUT", "/api/v1/artifacts/payments/2.3/%2e%2e%2fHEAD", "agent",
       "x", sha, 400, "invalid-artifact-name"},
      {"artifact file %2f", "PUT", "/api/v1/artifacts/payments/2.3/a%2fb", "agent", "x", sha, 400,
       "invalid-artifact-name"},
      {"artifact file backslash %5c", "PUT", "/api/v1/artifacts/payments/2.3/..%5c..%5cx", "agent",
       "x", sha, 400, "invalid-artifact-name"},
      {"artifact file raw backslash", "PUT", "/api/v1/artifacts/payments/2.3/..\\x", "agent", "x",
       sha, 400, "invalid"},
      {"artifact file '.'", "PUT", "/api/v1/artifacts/payments/2.3/%2e", "agent", "x", sha, 400,
       "invalid-artifact-name"},
      {"artifact file starts with -", "PUT", "/api/v1/artifacts/payments/2.3/-rf", "agent", "x",
       sha, 400, "invalid-artifact-name"},
      {"artifact download ..", "GET", "/api/v1/artifacts/payments/%2e%2e/app.tar", "viewer", "",
       kNoHeaders, 400, "invalid-artifact-name"},
      {"upload coordinate ..", "PUT",
       "/api/v1/uploads/{open}?digest=sha256:" + kSha + "&coordinate=payments/../x", "agent", "",
       kNoHeaders, 400, "invalid-artifact-name"},
      {"upload coordinate %2f extra part", "PUT",
       "/api/v1/uploads/{open}?digest=sha256:" + kSha + "&coordinate=payments/2.3/a%2fb", "agent",
       "", kNoHeaders, 400, "invalid-artifact-name"},
      {"upload id ..", "PATCH", "/api/v1/uploads/..", "agent", "x", kNoHeaders, 404, "not-found"},
      {"document name ..%2f", "PUT", "/api/v1/cis/payments/documents/..%2f..%2fHEAD", "admin",
       R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"document name %2e%2e", "PUT", "/api/v1/cis/payments/documents/%2e%2e", "admin",
       R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"document name backslash", "PUT", "/api/v1/cis/payments/documents/..%5cconfig", "admin",
       R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"document name dot file", "PUT", "/api/v1/cis/payments/documents/.git", "admin",
       R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"document ci ..", "PUT", "/api/v1/cis/%2e%2e/documents/readme.md", "admin",
       R"({"content":"x"})", kNoHeaders, 404, "not-found"},
      {"document ci %2f", "PUT", "/api/v1/cis/payments%2f..%2f..%2frefs/documents/x.md", "admin",
       R"({"content":"x"})", kNoHeaders, 404, "not-found"},
      {"document read ..", "GET", "/api/v1/cis/payments/documents/..%2f..%2fHEAD", "viewer", "",
       kNoHeaders, 400, "invalid"},
      {"release document name ..", "POST", "/api/v1/releases/rel-1/documents", "rm",
       R"({"kind":"other","name":"../../refs/heads/main","content":"x"})", kNoHeaders, 400,
       "validation"},
      {"release document name backslash", "POST", "/api/v1/releases/rel-1/documents", "rm",
       R"({"kind":"other","name":"..\\..\\x","content":"x"})", kNoHeaders, 400, "validation"},
      {"baseline name ..", "POST", "/api/v1/baselines", "admin",
       R"({"name":"../refs/tags/x","scope":{"all":true}})", kNoHeaders, 400,
       "invalid-baseline-name"},
      {"baseline name a..b", "POST", "/api/v1/baselines", "admin",
       R"({"name":"a..b","scope":{"all":true}})", kNoHeaders, 400, "invalid-baseline-name"},
      {"baseline name backslash", "POST", "/api/v1/baselines", "admin",
       R"({"name":"a\\b","scope":{"all":true}})", kNoHeaders, 400, "invalid-baseline-name"},
      {"baseline name .lock", "POST", "/api/v1/baselines", "admin",
       R"({"name":"base.lock","scope":{"all":true}})", kNoHeaders, 400, "invalid-baseline-name"},
      {"baseline read %2e%2e%2f", "GET", "/api/v1/baselines/%2e%2e%2fHEAD", "viewer", "",
       kNoHeaders, 404, "unknown-baseline"},
      {"baseline diff ..", "GET", "/api/v1/baselines/base-1/diff/..", "viewer", "", kNoHeaders, 404,
       "unknown-baseline"},
      {"environment ..", "GET", "/api/v1/environments/..%2fCINTE/manifest", "viewer", "",
       kNoHeaders, 404, "unknown-environment"},
      {"release id %2f", "POST", "/api/v1/releases/..%2frel-1/promote", "rm",
       R"({"environment":"CINTE"})", kNoHeaders, 404, "not-found"},
      {"promote to environment ..", "POST", "/api/v1/releases/rel-1/promote", "rm",
       R"({"environment":"../CINTE"})", kNoHeaders, 404, "unknown-environment"},
      {"rfc id ..", "POST", "/api/v1/rfcs/..%2frfc-1/approve", "cm", "", kNoHeaders, 404,
       "not-found"},
  });
}

TEST_CASE("bad input: NUL and control bytes, raw and percent-encoded") {
  Catalogue f;
  const auto sha = checksum(kSha);
  f.run({
      {"raw NUL in target", "PUT", "/api/v1/artifacts/payments/2.3/a\0b"s, "agent", "x", sha, 400,
       "invalid"},
      {"raw CR LF in target", "PUT", "/api/v1/artifacts/payments/2.3/a\r\nb", "agent", "x", sha,
       400, "invalid"},
      {"raw space in target",
       "PATCH",
       "/api/v1/cis/pay ments",
       "admin",
       R"({"name":"x"})",
       {{"if-match", "*"}},
       400,
       "invalid"},
      {"%00 in artifact file", "PUT", "/api/v1/artifacts/payments/2.3/a%00b", "agent", "x", sha,
       400, "invalid-artifact-name"},
      {"%0d%0a in artifact file", "PUT", "/api/v1/artifacts/payments/2.3/a%0d%0aSet-Cookie:x",
       "agent", "x", sha, 400, "invalid-artifact-name"},
      {"%7f in artifact version", "PUT", "/api/v1/artifacts/payments/2%7f/x.bin", "agent", "x", sha,
       400, "invalid-artifact-name"},
      {"C1 control %c2%85 in ci", "PUT", "/api/v1/artifacts/pay%c2%85/2.3/x.bin", "agent", "x", sha,
       400, "invalid-artifact-name"},
      {"%00 in document name", "PUT", "/api/v1/cis/payments/documents/a%00b", "admin",
       R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"%00 in upload coordinate", "PUT",
       "/api/v1/uploads/{open}?digest=sha256:" + kSha + "&coordinate=payments/2.3/a%00", "agent",
       "", kNoHeaders, 400, "invalid-artifact-name"},
      {"\\u0000 in baseline name", "POST", "/api/v1/baselines", "admin",
       R"({"name":"a\u0000b","scope":{"all":true}})", kNoHeaders, 400, "invalid-baseline-name"},
      {"control byte in builder header",
       "PUT",
       "/api/v1/artifacts/payments/9.9/x.bin",
       "agent",
       "x",
       {{"x-checksum-sha256", testing::sha256_of("x")}, {"x-tollgate-builder", "ci\x01"}},
       400,
       "invalid"},
      {"NUL in checksum header",
       "PUT",
       "/api/v1/artifacts/payments/9.9/x.bin",
       "agent",
       "x",
       {{"x-checksum-sha256", testing::sha256_of("x").substr(0, 63) + "\0"s}},
       400,
       "invalid-digest"},
      {"NUL in content type",
       "PUT",
       "/api/v1/artifacts/payments/9.9/x.bin",
       "agent",
       "x",
       {{"x-checksum-sha256", testing::sha256_of("x")}, {"content-type", "text/plain\0x"s}},
       400,
       "invalid"},
      {"raw NUL in JSON string", "POST", "/api/v1/ci-types", "admin",
       "{\"name\":\"a\0b\",\"attributes\":[]}"s, kNoHeaders, 400, "malformed-json"},
      {"raw newline in JSON string", "POST", "/api/v1/ci-types", "admin",
       "{\"name\":\"a\nb\",\"attributes\":[]}", kNoHeaders, 400, "malformed-json"},
  });
}

TEST_CASE("bad input: overlong names and targets") {
  Catalogue f;
  const auto sha = checksum(kSha);
  f.run({
      {"artifact file of 256 bytes", "PUT", "/api/v1/artifacts/payments/2.3/" + repeat(256),
       "agent", "x", sha, 400, "invalid-artifact-name"},
      {"artifact ci of 64 KiB", "PUT", "/api/v1/artifacts/" + repeat(65536) + "/2.3/x", "agent",
       "x", sha, 400, "invalid-artifact-name"},
      {"document name of 129 bytes", "PUT", "/api/v1/cis/payments/documents/" + repeat(129),
       "admin", R"({"content":"x"})", kNoHeaders, 400, "invalid"},
      {"baseline name of 101 bytes", "POST", "/api/v1/baselines", "admin",
       R"({"name":")" + repeat(101) + R"(","scope":{"all":true}})", kNoHeaders, 400,
       "invalid-baseline-name"},
      {"CI id of 64 KiB in a target",
       "PATCH",
       "/api/v1/cis/" + repeat(65536),
       "admin",
       R"({"name":"x"})",
       {{"if-match", "*"}},
       404,
       "not-found"},
      {"1 MiB of segments", "POST", "/api/v1/" + repeat(1 << 19, '/'), "admin", "{}", kNoHeaders,
       404, "not-found"},
      {"header of 4 KiB",
       "PUT",
       "/api/v1/artifacts/payments/9.9/x.bin",
       "agent",
       "x",
       {{"x-checksum-sha256", testing::sha256_of("x")}, {"x-tollgate-builder", repeat(4096)}},
       400,
       "invalid"},
  });
}

TEST_CASE("bad input: JSON bodies") {
  Catalogue f;
  f.run({
      {"not JSON", "POST", "/api/v1/ci-types", "admin", "{name:", kNoHeaders, 400,
       "malformed-json"},
      {"empty body", "POST", "/api/v1/ci-types", "admin", "", kNoHeaders, 400, "invalid"},
      {"an array, not an object", "POST", "/api/v1/ci-types", "admin", "[]", kNoHeaders, 400,
       "invalid"},
      {"trailing garbage", "POST", "/api/v1/ci-types", "admin",
       R"({"name":"x","attributes":[]} {})", kNoHeaders, 400, "malformed-json"},
      {"comment", "POST", "/api/v1/ci-types", "admin", R"({"name":"x", /* */ "attributes":[]})",
       kNoHeaders, 400, "malformed-json"},
      {"duplicate key", "POST", "/api/v1/ci-types", "admin",
       R"({"name":"app","name":"evil","attributes":[]})", kNoHeaders, 400, "validation"},
      {"duplicate key, nested", "POST", "/api/v1/releases/rel-1/promote", "rm",
       R"({"environment":"CINTE","environment":"production"})", kNoHeaders, 400, "validation"},
      {"duplicate key in an array's object", "POST", "/api/v1/ci-types", "admin",
       R"({"name":"app","attributes":[{"name":"a","type":"int","type":"string"}]})", kNoHeaders,
       400, "validation"},
      {"nested 33 deep", "POST", "/api/v1/ci-types", "admin", nested_arrays(33), kNoHeaders, 400,
       "malformed-json"},
      {"nested 100000 deep", "POST", "/api/v1/ci-types", "admin", nested_arrays(100000), kNoHeaders,
       400, "malformed-json"},
      {"unknown field", "POST", "/api/v1/ci-types", "admin",
       R"({"name":"app","attributes":[],"admin":true})", kNoHeaders, 400, "validation"},
      {"unknown nested field", "POST", "/api/v1/baselines", "admin",
       R"({"name":"b2","scope":{"all":true,"sudo":1}})", kNoHeaders, 400, "validation"},
      {"wrong type", "POST", "/api/v1/ci-types", "admin", R"({"name":7,"attributes":[]})",
       kNoHeaders, 400, "validation"},
      {"invalid UTF-8 byte", "POST", "/api/v1/ci-types", "admin",
       "{\"name\":\"app\xff\",\"attributes\":[]}", kNoHeaders, 400, "malformed-json"},
      {"overlong UTF-8 '/'", "POST", "/api/v1/baselines", "admin",
       "{\"name\":\"a\xc0\xaf\x62\",\"scope\":{\"all\":true}}", kNoHeaders, 400, "malformed-json"},
      {"UTF-8 surrogate", "POST", "/api/v1/ci-types", "admin",
       "{\"name\":\"\xed\xa0\x80\",\"attributes\":[]}", kNoHeaders, 400, "malformed-json"},
      {"lone surrogate escape", "POST", "/api/v1/ci-types", "admin",
       R"({"name":"\ud800","attributes":[]})", kNoHeaders, 400, "malformed-json"},
  });
}

TEST_CASE("bad input: numbers out of range") {
  Catalogue f;
  const std::string ci = R"({"id":"n1","type":"service","name":"N","attributes":{"port":)";
  f.run({
      {"int attribute 1e400", "POST", "/api/v1/cis", "admin", ci + "1e400}}", kNoHeaders, 400,
       "validation"},
      {"int attribute past 2^64", "POST", "/api/v1/cis", "admin", ci + "184467440737095516160}}",
       kNoHeaders, 400, "validation"},
      {"int attribute 1.5", "POST", "/api/v1/cis", "admin", ci + "1.5}}", kNoHeaders, 400,
       "validation"},
      {"exponent past int", "POST", "/api/v1/cis", "admin", ci + "1e99999999999999999999}}",
       kNoHeaders, 400, "malformed-json"},
      {"limit -1", "GET", "/api/v1/cis?limit=-1", "viewer", "", kNoHeaders, 400, "invalid"},
      {"limit past 2^64", "GET", "/api/v1/cis?limit=99999999999999999999999", "viewer", "",
       kNoHeaders, 400, "invalid"},
      {"impact depth -1", "GET", "/api/v1/cis/payments/impact?depth=-1", "viewer", "", kNoHeaders,
       400, "invalid"},
      {"impact depth past 2^64", "GET", "/api/v1/cis/payments/impact?depth=99999999999999999999",
       "viewer", "", kNoHeaders, 400, "invalid"},
      {"manifest version -1", "GET", "/api/v1/environments/CINTE/manifest?version=-1", "viewer", "",
       kNoHeaders, 400, "invalid"},
      {"manifest version past 2^64", "GET",
       "/api/v1/environments/CINTE/manifest?version=18446744073709551616", "viewer", "", kNoHeaders,
       400, "invalid"},
  });
}

TEST_CASE("bad input: Content-Type") {
  Catalogue f;
  const std::string type = R"({"name":"app","attributes":[]})";
  f.run({
      {"text/plain JSON",
       "POST",
       "/api/v1/ci-types",
       "admin",
       type,
       {{"content-type", "text/plain"}},
       415,
       "unsupported-media"},
      {"form-encoded",
       "POST",
       "/api/v1/releases/rel-1/promote",
       "rm",
       R"({"environment":"CINTE"})",
       {{"content-type", "application/x-www-form-urlencoded"}},
       415,
       "unsupported-media"},
      {"empty Content-Type",
       "POST",
       "/api/v1/ci-types",
       "admin",
       type,
       {{"content-type", ""}},
       415,
       "unsupported-media"},
      {"application/jsonx",
       "POST",
       "/api/v1/ci-types",
       "admin",
       type,
       {{"content-type", "application/jsonx"}},
       415,
       "unsupported-media"},
      {"PCA as CSV",
       "POST",
       "/api/v1/audits/pca",
       "auditor",
       "path,sha256,size\n",
       {{"content-type", "text/csv"}},
       415,
       "unsupported-media"},
  });
}

TEST_CASE("bad input: Range on artifact download") {
  Catalogue f;
  auto range = [](const char* value) { return HeaderList{{"range", value}}; };
  f.run({
      {"suffix -5 (the last 5 bytes)", "GET", kArtifact, "viewer", "", range("bytes=-5"), 206, ""},
      {"suffix -0", "GET", kArtifact, "viewer", "", range("bytes=-0"), 416,
       "range-not-satisfiable"},
      {"negative first --1", "GET", kArtifact, "viewer", "", range("bytes=--1"), 200, ""},
      {"first past the end", "GET", kArtifact, "viewer", "", range("bytes=19-"), 416,
       "range-not-satisfiable"},
      {"first past 2^64", "GET", kArtifact, "viewer", "", range("bytes=99999999999999999999999-"),
       416, "range-not-satisfiable"},
      {"last past 2^64 (clamped)", "GET", kArtifact, "viewer", "",
       range("bytes=0-99999999999999999999999"), 206, ""},
      {"inverted 5-2 (ignored)", "GET", kArtifact, "viewer", "", range("bytes=5-2"), 200, ""},
      {"two ranges (ignored)", "GET", kArtifact, "viewer", "", range("bytes=0-1,4-5"), 200, ""},
      {"other unit (ignored)", "GET", kArtifact, "viewer", "", range("items=0-1"), 200, ""},
      {"garbage (ignored)", "GET", kArtifact, "viewer", "", range("bytes=a-b"), 200, ""},
  });
}

TEST_CASE("bad input: resumable uploads replayed or out of range") {
  Catalogue f;
  const std::string digest =
      "?digest=sha256:" + testing::sha256_of("hello") + "&coordinate=payments/2.5/app.tar";
  auto content_range = [](const std::string& value) {
    return HeaderList{{"content-range", value}, {"content-type", "application/octet-stream"}};
  };
  f.run({
      {"PATCH after finish", "PATCH", "/api/v1/uploads/{finished}", "agent", "more", kNoHeaders,
       404, "not-found"},
      {"PUT after finish", "PUT", "/api/v1/uploads/{finished}" + digest, "agent", "", kNoHeaders,
       404, "not-found"},
      {"PATCH after cancel", "PATCH", "/api/v1/uploads/{cancelled}", "agent", "more", kNoHeaders,
       404, "not-found"},
      {"PUT after cancel", "PUT", "/api/v1/uploads/{cancelled}" + digest, "agent", "", kNoHeaders,
       404, "not-found"},
      {"DELETE after cancel", "DELETE", "/api/v1/uploads/{cancelled}", "agent", "", kNoHeaders, 404,
       "not-found"},
      {"chunk that restarts at 0", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("bytes 0-4/*"), 416, "upload-range-mismatch"},
      {"chunk that skips ahead", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("bytes 6-10/*"), 416, "upload-range-mismatch"},
      {"inverted Content-Range", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("bytes 9-5/*"), 400, "invalid-content-range"},
      {"Content-Range past 2^64", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("bytes 5-99999999999999999999999/*"), 400, "invalid-content-range"},
      {"negative Content-Range", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("bytes -5-9/*"), 400, "invalid-content-range"},
      {"Content-Range garbage", "PATCH", "/api/v1/uploads/{open}", "agent", "hello",
       content_range("five to nine"), 400, "invalid-content-range"},
      {"Content-Range longer than Content-Length",
       "PATCH",
       "/api/v1/uploads/{open}",
       "agent",
       "hello",
       {{"content-range", "bytes 5-14/*"}, {"content-length", "5"}},
       400,
       "invalid-content-range"},
      {"someone else's session", "PATCH", "/api/v1/uploads/{open}", "agent2", "hello", kNoHeaders,
       403, "forbidden"},
      {"someone else cancels", "DELETE", "/api/v1/uploads/{open}", "agent2", "", kNoHeaders, 403,
       "forbidden"},
      {"finish without digest", "PUT", "/api/v1/uploads/{open}?coordinate=payments/2.5/a", "agent",
       "", kNoHeaders, 428, "precondition-required"},
      {"finish with a malformed digest", "PUT",
       "/api/v1/uploads/{open}?digest=sha256:xyz&coordinate=payments/2.5/a", "agent", "",
       kNoHeaders, 400, "invalid-digest"},
      {"finish without coordinate", "PUT", "/api/v1/uploads/{open}?digest=sha256:" + kSha, "agent",
       "", kNoHeaders, 400, "invalid"},
  });
}

TEST_CASE("bad input: checksums on upload") {
  Catalogue f;
  const std::string to = "/api/v1/artifacts/payments/9.9/x.bin";
  f.run({
      {"no X-Checksum-Sha256", "PUT", to, "agent", "bytes", kNoHeaders, 428,
       "precondition-required"},
      {"wrong checksum", "PUT", to, "agent", "bytes", checksum(kSha), 400, "digest-mismatch"},
      {"checksum of 63 hex", "PUT", to, "agent", "bytes", checksum(kSha.substr(1)), 400,
       "invalid-digest"},
      {"checksum not hex", "PUT", to, "agent", "bytes", checksum(repeat(64, 'g')), 400,
       "invalid-digest"},
      {"other bytes at a taken coordinate", "PUT", kArtifact, "agent", "other",
       checksum(testing::sha256_of("other")), 409, "conflict"},
      {"deploy of bytes never stored",
       "PUT",
       to,
       "agent",
       "",
       {{"x-checksum-sha256", kSha}, {"x-checksum-deploy", "true"}},
       404,
       "blob-unknown"},
      {"deploy with a body",
       "PUT",
       to,
       "agent",
       "bytes",
       {{"x-checksum-sha256", testing::sha256_of(kPayload)}, {"x-checksum-deploy", "true"}},
       400,
       "invalid"},
  });
}

TEST_CASE("bad input: tokens of every wrong role and no token") {
  Catalogue f;
  const auto sha = checksum(testing::sha256_of("x"));
  const std::string put = "/api/v1/artifacts/payments/9.9/x.bin";
  const std::string env = R"({"environment":"CINTE"})";
  f.run({
      {"viewer defines a CI type", "POST", "/api/v1/ci-types", "viewer",
       R"({"name":"app","attributes":[]})", kNoHeaders, 403, "forbidden-role"},
      {"viewer pushes an artifact", "PUT", put, "viewer", "x", sha, 403, "forbidden-role"},
      {"auditor pushes an artifact", "PUT", put, "auditor", "x", sha, 403, "forbidden-role"},
      {"viewer starts an upload", "POST", "/api/v1/uploads", "viewer", "", kNoHeaders, 403,
       "forbidden-role"},
      {"auditor creates a release", "POST", "/api/v1/releases", "auditor",
       R"({"name":"x","version":"1","type":"delta","category":"scheduled"})", kNoHeaders, 403,
       "forbidden-role"},
      {"agent adds a release item", "POST", "/api/v1/releases/rel-1/items", "agent",
       R"({"ci":"payments","version":"2.3"})", kNoHeaders, 403, "forbidden-role"},
      {"agent promotes", "POST", "/api/v1/releases/rel-1/promote", "agent", env, kNoHeaders, 403,
       "forbidden-role"},
      {"viewer promotes", "POST", "/api/v1/releases/rel-1/promote", "viewer", env, kNoHeaders, 403,
       "forbidden-role"},
      {"auditor backs out", "POST", "/api/v1/releases/rel-1/backout", "auditor", env, kNoHeaders,
       403, "forbidden-role"},
      {"auditor cancels a release", "POST", "/api/v1/releases/rel-1/cancel", "auditor", "",
       kNoHeaders, 403, "forbidden-role"},
      {"agent approves an RFC", "POST", "/api/v1/rfcs/rfc-1/approve", "agent", "", kNoHeaders, 403,
       "forbidden-role"},
      {"rm approves an RFC", "POST", "/api/v1/rfcs/rfc-1/approve", "rm", "", kNoHeaders, 403,
       "forbidden-role"},
      {"tester records trr", "POST", "/api/v1/releases/rel-1/gates/trr", "tester",
       R"({"verdict":"pass"})", kNoHeaders, 403, "gate-role"},
      {"admin records trr", "POST", "/api/v1/releases/rel-1/gates/trr", "admin",
       R"({"verdict":"pass"})", kNoHeaders, 403, "forbidden-role"},
      {"viewer patches a CI",
       "PATCH",
       "/api/v1/cis/payments",
       "viewer",
       R"({"name":"x"})",
       {{"if-match", "*"}},
       403,
       "forbidden-role"},
      {"auditor writes a document", "PUT", "/api/v1/cis/payments/documents/x.md", "auditor",
       R"({"content":"x"})", kNoHeaders, 403, "forbidden-role"},
      {"agent relates CIs", "POST", "/api/v1/relationships", "agent",
       R"({"from":"payments","type":"depends_on","to":"payments"})", kNoHeaders, 403,
       "forbidden-role"},
      {"viewer records a baseline", "POST", "/api/v1/baselines", "viewer",
       R"({"name":"b2","scope":{"all":true}})", kNoHeaders, 403, "forbidden-role"},
      {"agent runs an FCA", "POST", "/api/v1/audits/fca", "agent", R"({"release":"rel-1"})",
       kNoHeaders, 403, "forbidden-role"},
      {"auditor creates a user", "POST", "/api/v1/users", "auditor",
       R"({"id":"mallory","name":"M","roles":["admin"]})", kNoHeaders, 403, "forbidden-role"},
      {"rm gives itself admin", "PATCH", "/api/v1/users/rm", "rm", R"({"roles":["admin"]})",
       kNoHeaders, 403, "forbidden-role"},
      {"viewer mints a token for rm", "POST", "/api/v1/tokens", "viewer", R"({"user":"rm"})",
       kNoHeaders, 403, "token-other-user"},
      {"viewer widens its own token", "POST", "/api/v1/tokens", "viewer",
       R"({"user":"viewer","roles":["admin"]})", kNoHeaders, 400, "token-widens-user"},
      {"no Authorization", "PUT", put, "none", "x", sha, 401, "unauthorized"},
      {"empty Bearer", "PUT", put, "raw:Bearer ", "x", sha, 401, "unauthorized"},
      {"Basic credentials", "PUT", put, "raw:Basic YWRtaW46YWRtaW4=", "x", sha, 401,
       "unauthorized"},
      {"unknown well-formed token", "PUT", put, "raw:Bearer tg_" + repeat(64, '0'), "x", sha, 401,
       "unauthorized"},
      {"token with a NUL", "PUT", put, "raw:Bearer tg_\0"s + repeat(63, '0'), "x", sha, 401,
       "unauthorized"},
      {"token of 64 KiB", "PUT", put, "raw:Bearer " + repeat(65536), "x", sha, 401, "unauthorized"},
      {"revoked token", "PUT", put, "revoked", "x", sha, 401, "token-revoked"},
  });
}

TEST_CASE("bad input: release and RFC steps in the wrong order") {
  Catalogue f;
  const std::string cinte = R"({"environment":"CINTE"})";
  f.run({
      {"promote before any gate", "POST", "/api/v1/releases/rel-1/promote", "rm", cinte, kNoHeaders,
       409, "gates-unmet"},
      {"promote straight to production", "POST", "/api/v1/releases/rel-1/promote", "rm",
       R"({"environment":"production"})", kNoHeaders, 409, "skipped-environment"},
      {"promote to an unknown environment", "POST", "/api/v1/releases/rel-1/promote", "rm",
       R"({"environment":"Narnia"})", kNoHeaders, 404, "unknown-environment"},
      {"back out what was never deployed", "POST", "/api/v1/releases/rel-1/backout", "rm", cinte,
       kNoHeaders, 409, "not-current-release"},
      {"test results before the release got there", "POST",
       "/api/v1/releases/rel-1/gates/tests:SIT", "tester", R"({"verdict":"pass"})", kNoHeaders, 409,
       "gate-too-early"},
      {"emergency approval of a scheduled release", "POST",
       "/api/v1/releases/rel-1/gates/emergency_approval", "cm", R"({"verdict":"pass"})", kNoHeaders,
       409, "not-emergency"},
      {"a gate that does not exist", "POST", "/api/v1/releases/rel-1/gates/bribe", "cm",
       R"({"verdict":"pass"})", kNoHeaders, 404, "unknown-gate"},
      {"a verdict that does not exist", "POST", "/api/v1/releases/rel-1/gates/trr", "cm",
       R"({"verdict":"maybe"})", kNoHeaders, 400, "validation"},
      {"approve an approved RFC again", "POST", "/api/v1/rfcs/rfc-1/approve", "cm", "", kNoHeaders,
       409, "illegal-transition"},
      {"close an approved RFC", "POST", "/api/v1/rfcs/rfc-1/close", "cm", "", kNoHeaders, 409,
       "illegal-transition"},
      {"a baseline name taken", "POST", "/api/v1/baselines", "admin",
       R"({"name":"base-1","scope":{"all":true}})", kNoHeaders, 409, "baseline-exists"},
      {"an item without artifacts", "POST", "/api/v1/releases/rel-1/items", "rm",
       R"({"ci":"payments","version":"7.7"})", kNoHeaders, 409, "no-artifacts"},
  });
}

}  // namespace
}  // namespace tollgate::server
