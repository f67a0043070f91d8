// Controlled documents of CIs: versions as vault commits, the LMDB index, the HTTP routes.
#include "server/domain/cmdb/documents.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "server/domain/json_body.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/file_modes_apply.hpp"
#include "tollgate/digest.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

constexpr const char* kDocs = "/api/v1/cis/app-api/documents";
constexpr const char* kDoc = "/api/v1/cis/app-api/documents/build-instructions.md";

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

std::string header_of(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

std::string text(const json::value& v) { return std::string(v.as_string()); }

std::string wrapper(std::string_view content, std::string_view message = "") {
  json::object o;
  o["content"] = content;
  if (!message.empty()) o["message"] = message;
  return json::serialize(o);
}

std::string problem_type(const Response& r) {
  CHECK(r.content_type == "application/problem+json");
  return text(body_of(r).at("type"));
}

// A wrapper around a KvStore whose writes fail on demand (reads always work).
class FailingWrites final : public storage::KvStore {
 public:
  explicit FailingWrites(storage::KvStore& inner) : inner_(inner) {}
  Status read(const std::function<Status(storage::ReadTxn&)>& fn) override {
    return inner_.read(fn);
  }
  Status write(const std::function<Status(storage::WriteTxn&)>& fn) override {
    if (fail) return io_error("injected: the disk is gone");
    return inner_.write(fn);
  }
  storage::StoreStats stats() override { return inner_.stats(); }
  bool fail = false;

 private:
  storage::KvStore& inner_;
};

// A CI of type service, created as POST /api/v1/cis would.
CreateCi service_ci(std::string id, std::string name, CiStatus status = CiStatus::ordered) {
  CreateCi ci;
  ci.id = std::move(id);
  ci.type = "service";
  ci.name = std::move(name);
  ci.status = status;
  return ci;
}

struct Docs : AppFixture {
  Docs() {
    CiType service;
    service.name = "service";
    REQUIRE(app->ci_types.create(service, admin_principal).ok());
    REQUIRE(app->cis.create(service_ci("app-api", "App API"), admin_principal).ok());
  }

  // A request with exactly these headers (AppFixture::call always says application/json).
  Response raw(const std::string& method, const std::string& target, const std::string& body,
               const std::string& content_type, HeaderList extra = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers.emplace_back("authorization", "Bearer " + admin);
    if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
    for (auto& h : extra) r.headers.push_back(std::move(h));
    return handle(r, *app);
  }

  Response put(const std::string& content, const std::string& target = kDoc,
               HeaderList extra = {}) {
    return call("PUT", target, wrapper(content), "use-admin", std::move(extra));
  }

  std::optional<json::object> record(const std::string& ci, const std::string& name) {
    std::optional<json::object> out;
    std::string key = ci;
    key.push_back('\0');
    key += name;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  if (auto v = txn.get(storage::Table::documents, key))
                    out = json::parse(*v).as_object();
                  return Status();
                })
                .ok());
    return out;
  }

  std::string head() {
    auto h = vault->head();
    return h.ok() ? *h : std::string();
  }
};

}  // namespace

TEST_CASE("document names are file names that cannot leave their CI's folder") {
  for (const char* good : {"build-instructions.md", "Test_Plan.v2.pdf", "a", "0", "VDD-1.0.txt"})
    CHECK_MESSAGE(check_document_name(good).ok(), good);
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "../x", "a..b", "x.", "-x", "_x",
                          "bad name", "a\\b", "a%2Fb", "caf\xc3\xa9", "tab\there", "a:b"})
    CHECK_MESSAGE(check_document_name(bad).code() == Code::invalid, bad);
  CHECK(check_document_name(std::string(128, 'a')).ok());
  CHECK(check_document_name(std::string(129, 'a')).code() == Code::invalid);
}

TEST_CASE("PUT creates a document as a vault commit by the acting token") {
  Docs f;
  const std::string writer = f.token_with(Role::change_manager, "carol");
  auto r = f.call("PUT", kDoc, wrapper("# Build\n\nmake all\n", "first cut"), writer);
  REQUIRE(r.status == 201);
  auto body = body_of(r);
  const std::string commit = text(body.at("commit"));
  CHECK(commit.size() == 40);
  CHECK(commit == f.head());
  CHECK(header_of(r, "ETag") == "\"" + commit + "\"");
  CHECK(header_of(r, "Location") == kDoc);
  CHECK(text(body.at("ci")) == "app-api");
  CHECK(text(body.at("name")) == "build-instructions.md");
  CHECK(text(body.at("author")) == "carol");
  CHECK(text(body.at("email")) == "carol@tollgate");
  CHECK(text(body.at("media_type")) == "text/markdown; charset=utf-8");
  CHECK(text(body.at("sha256")) == sha256_hex("# Build\n\nmake all\n"));
  CHECK(body.at("size").as_int64() == 18);
  CHECK(text(body.at("message")) ==
        "Add document build-instructions.md of CI app-api\n\nfirst cut");
  CHECK(body.at("versions").as_int64() == 1);
  CHECK(body.at("committed").as_bool());
  CHECK(body.at("indexed").as_bool());

  // The vault holds it where a clone shows it, with an ordinary, readable commit.
  CHECK(*f.vault->read("cis/app-api/build-instructions.md") == "# Build\n\nmake all\n");
  CHECK(*f.vault->blob_id("cis/app-api/build-instructions.md") == text(body.at("blob")));
  auto log = f.vault->history("cis/app-api/build-instructions.md");
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK(log->front().author.name == "carol");
  CHECK(log->front().author.email == "carol@tollgate");
  CHECK(log->front().message ==
        "Add document build-instructions.md of CI app-api\n\nfirst cut\n\n"
        "Media-Type: text/markdown; charset=utf-8");

  // The LMDB index record.
  auto rec = f.record("app-api", "build-instructions.md");
  REQUIRE(rec);
  CHECK(text(rec->at("commit")) == commit);
  CHECK(text(rec->at("blob")) == text(body.at("blob")));
  CHECK(text(rec->at("sha256")) == text(body.at("sha256")));
  CHECK(rec->at("size").as_int64() == 18);
  CHECK(text(rec->at("media_type")) == "text/markdown; charset=utf-8");
  CHECK(text(rec->at("updated_by")) == "carol");
  CHECK(text(rec->at("updated_at")) == text(body.at("time")));
  CHECK(rec->at("versions").as_int64() == 1);

  // GET answers the bytes with the version's headers.
  auto got = f.call("GET", kDoc);
  REQUIRE(got.status == 200);
  CHECK(got.body == "# Build\n\nmake all\n");
  CHECK(got.content_type == "text/markdown; charset=utf-8");
  CHECK(header_of(got, "ETag") == "\"" + commit + "\"");
  CHECK(header_of(got, "X-Tollgate-Commit") == commit);
  CHECK(header_of(got, "X-Checksum-Sha256") == sha256_hex("# Build\n\nmake all\n"));
  CHECK(header_of(got, "X-Content-Type-Options") == "nosniff");
  auto cached = f.call("GET", kDoc, "", "use-admin", {{"if-none-match", "\"" + commit + "\""}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
}

TEST_CASE("updates are new commits; the same content again commits nothing") {
  Docs f;
  REQUIRE(f.put("v1").status == 201);
  const std::string first = f.head();
  f.clock.advance(60'000'000);
  auto second = f.put("v2");
  REQUIRE(second.status == 200);
  const std::string commit = text(body_of(second).at("commit"));
  CHECK(commit != first);
  CHECK(commit == f.head());
  CHECK(text(body_of(second).at("message")) ==
        "Update document build-instructions.md of CI app-api");
  CHECK(body_of(second).at("versions").as_int64() == 2);
  CHECK(body_of(second).at("committed").as_bool());

  f.clock.advance(60'000'000);
  auto again = f.put("v2");
  REQUIRE(again.status == 200);
  CHECK(text(body_of(again).at("commit")) == commit);
  CHECK_FALSE(body_of(again).at("committed").as_bool());
  CHECK(body_of(again).at("versions").as_int64() == 2);
  CHECK(f.head() == commit);
  CHECK(f.vault->history("").value().size() == 2);

  // The same bytes under another media type is not the same version: refused, not ignored.
  auto other_type = f.call("PUT", kDoc, R"({"content":"v2","media_type":"text/plain"})");
  CHECK(other_type.status == 409);
  CHECK(problem_type(other_type) == "urn:tollgate:problem:media-type-mismatch");
  // Without a media type, an update keeps the current one.
  auto plain = f.call("PUT", kDoc, R"({"content":"v3","media_type":"text/plain"})");
  REQUIRE(plain.status == 200);
  CHECK(text(body_of(f.put("v4")).at("media_type")) == "text/plain");
}

TEST_CASE("the raw form: any media type, message from X-Tollgate-Message, bytes kept exactly") {
  Docs f;
  const std::string pdf("%PDF-1.7\n\0\x01\xff binary\r\n", 20);
  auto r = f.raw("PUT", "/api/v1/cis/app-api/documents/test-plan.pdf", pdf, "application/pdf",
                 {{"x-tollgate-message", "Test plan for R-7"}});
  REQUIRE(r.status == 201);
  CHECK(text(body_of(r).at("media_type")) == "application/pdf");
  CHECK(text(body_of(r).at("message")) ==
        "Add document test-plan.pdf of CI app-api\n\nTest plan for R-7");
  CHECK(body_of(r).at("size").as_int64() == 20);
  auto got = f.call("GET", "/api/v1/cis/app-api/documents/test-plan.pdf");
  REQUIRE(got.status == 200);
  CHECK(got.body == pdf);
  CHECK(got.content_type == "application/pdf");

  auto md = f.raw("PUT", kDoc, "# Steps\n", "text/markdown");
  REQUIRE(md.status == 201);
  CHECK(text(body_of(md).at("media_type")) == "text/markdown");
  // No Content-Type at all: the name's guess for a first version.
  auto bare = f.raw("PUT", "/api/v1/cis/app-api/documents/notes", "plain", "");
  REQUIRE(bare.status == 201);
  CHECK(text(body_of(bare).at("media_type")) == "application/octet-stream");

  CHECK(f.raw("PUT", kDoc, "", "text/markdown").status == 400);  // empty document
  CHECK(f.raw("PUT", kDoc, "x", "not a type").status == 400);
  CHECK(f.raw("PUT", kDoc, "x", "text/plain", {{"x-tollgate-message", "a\x01z"}}).status == 400);
  CHECK(f.raw("PUT", kDoc, "x", "text/plain", {{"x-tollgate-message", "caf\xe9"}}).status == 400);
  auto utf8 = f.raw("PUT", kDoc, "x", "text/plain",
                    {{"x-tollgate-message", "caf\xc3\xa9 \xf0\x9f\x93\x84"}});
  REQUIRE(utf8.status == 200);
  CHECK(text(body_of(utf8).at("message")).ends_with("caf\xc3\xa9 \xf0\x9f\x93\x84"));
  // The JSON form is strict about its fields.
  CHECK(f.call("PUT", kDoc, R"({"content":"x","kind":"other"})").status == 400);
  CHECK(f.call("PUT", kDoc, R"({"message":"no content"})").status == 400);
  CHECK(f.call("PUT", kDoc, R"({"content":7})").status == 400);
}

TEST_CASE("history lists versions newest first, paginated, and each is readable by commit") {
  Docs f;
  std::vector<std::string> commits;
  for (const char* v : {"one", "two", "three"}) {
    f.clock.advance(60'000'000);
    auto r = f.call("PUT", kDoc, wrapper(v, std::string("note ") + v));
    REQUIRE(r.status / 100 == 2);
    commits.push_back(text(body_of(r).at("commit")));
    // Another document's commit in between: it is no version of this one.
    REQUIRE(f.put(v, "/api/v1/cis/app-api/documents/other.txt").status / 100 == 2);
  }
  auto all = f.call("GET", std::string(kDoc) + "/history");
  REQUIRE(all.status == 200);
  auto items = body_of(all).at("items").as_array();
  REQUIRE(items.size() == 3);
  CHECK(text(items[0].at("commit")) == commits[2]);
  CHECK(text(items[2].at("commit")) == commits[0]);
  CHECK(text(items[0].at("author")) == "admin");
  CHECK(text(items[0].at("message")) ==
        "Update document build-instructions.md of CI app-api\n\nnote three");
  CHECK(text(items[2].at("message")) ==
        "Add document build-instructions.md of CI app-api\n\nnote one");
  CHECK(text(items[0].at("blob")).size() == 40);
  CHECK(body_of(all).at("next_cursor").is_null());

  std::vector<std::string> paged;
  std::string target = std::string(kDoc) + "/history?limit=1";
  for (int guard = 0; guard < 5; ++guard) {
    auto page = f.call("GET", target);
    REQUIRE(page.status == 200);
    const json::object body = body_of(page);
    for (const auto& item : body.at("items").as_array()) paged.push_back(text(item.at("commit")));
    const json::value& next = body.at("next_cursor");
    if (next.is_null()) break;
    target = std::string(kDoc) + "/history?limit=1&cursor=" + text(next);
  }
  CHECK(paged == std::vector<std::string>{commits[2], commits[1], commits[0]});
  CHECK(f.call("GET", std::string(kDoc) + "/history?cursor=bm90LWEtY29tbWl0").status == 400);

  auto at = f.call("GET", std::string(kDoc) + "?commit=" + commits[0]);
  REQUIRE(at.status == 200);
  CHECK(at.body == "one");
  CHECK(header_of(at, "X-Tollgate-Commit") == commits[0]);
  // A commit after a version but before the next one still shows that version.
  // other.txt's first commit came right after "one".
  const std::string between = f.vault->history("cis/app-api/other.txt").value().back().commit;
  auto mid = f.call("GET", std::string(kDoc) + "?at=" + between);
  REQUIRE(mid.status == 200);
  CHECK(mid.body == "one");
  CHECK(header_of(mid, "X-Tollgate-Commit") == commits[0]);
  std::string upper = commits[1];
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(f.call("GET", std::string(kDoc) + "?commit=" + upper).body == "two");

  // Before the document existed, a malformed id, an id that is no commit of the vault.
  REQUIRE(f.put("x", "/api/v1/cis/app-api/documents/late.txt").status == 201);
  CHECK(f.call("GET", "/api/v1/cis/app-api/documents/late.txt?commit=" + commits[2]).status == 404);
  CHECK(f.call("GET", std::string(kDoc) + "?commit=abc123").status == 400);
  CHECK(f.call("GET", std::string(kDoc) + "?commit=refs/heads/main").status == 400);
  CHECK(f.call("GET", std::string(kDoc) + "?commit=" + std::string(40, 'a')).status == 404);
  const std::string blob = header_of(at, "X-Tollgate-Blob");  // an object, but no commit
  auto not_commit = f.call("GET", std::string(kDoc) + "?commit=" + blob);
  CHECK(not_commit.status == 400);
  CHECK(f.call("GET", std::string(kDoc) + "?commit=" + commits[0] + "&at=" + commits[1]).status ==
        400);
}

TEST_CASE("missing CIs and documents are 404; bad names are 400, traversal included") {
  Docs f;
  REQUIRE(f.put("v1").status == 201);
  CHECK(f.put("x", "/api/v1/cis/nope/documents/a.md").status == 404);
  CHECK(f.call("GET", "/api/v1/cis/nope/documents/a.md").status == 404);
  CHECK(f.call("GET", "/api/v1/cis/nope/documents").status == 404);
  CHECK(f.call("GET", "/api/v1/cis/nope/documents/a.md/history").status == 404);
  CHECK(f.call("GET", "/api/v1/cis/app-api/documents/missing.md").status == 404);
  CHECK(f.call("GET", "/api/v1/cis/app-api/documents/missing.md/history").status == 404);

  for (const char* name : {"%2e%2e", "..", "%2E%2E", "a%2Fb", "..%2F..%2Fetc%2Fpasswd",
                           "%2e%2e%2fcis", ".hidden", "a%5Cb", "bad%20name", "x."}) {
    const std::string target = std::string(kDocs) + "/" + name;
    auto r = f.put("evil", target);
    CHECK_MESSAGE(r.status == 400, name);
    CHECK_MESSAGE(f.call("GET", target).status == 400, name);
  }
  // "a/b" unencoded is another path: no route takes it, and nothing is written either way.
  CHECK(f.put("evil", std::string(kDocs) + "/a/b").status / 100 == 4);
  const std::string head = f.head();
  CHECK(f.vault->list("").value().size() == 1);  // only cis/
  CHECK(f.vault->list("cis/app-api").value().size() == 1);
  CHECK(f.head() == head);
  // The service refuses the same names when called directly.
  DocumentWrite w{"evil", std::nullopt, "", std::nullopt};
  for (const char* name : {"a/b", "../x", "..", "a\\b"})
    CHECK(f.app->documents.put("app-api", name, w, {}, f.admin_principal).status().code() ==
          Code::invalid);
  CHECK(f.app->documents.put("../app-api", "x.md", w, {}, f.admin_principal).status().code() ==
        Code::not_found);
}

TEST_CASE("writers need admin, change_manager or release_manager; any token reads") {
  Docs f;
  REQUIRE(f.put("v1").status == 201);
  const std::string viewer = f.token_with(Role::viewer, "vic");
  const std::string agent = f.token_with(Role::build_agent, "bob");
  auto refused = f.call("PUT", kDoc, wrapper("v2"), viewer);
  CHECK(refused.status == 403);
  CHECK(f.call("PUT", kDoc, wrapper("v2"), agent).status == 403);
  CHECK(f.call("PUT", kDoc, wrapper("v2"), "").status == 401);
  CHECK(f.call("GET", kDoc, "", viewer).body == "v1");
  CHECK(f.call("GET", kDocs, "", viewer).status == 200);
  CHECK(f.call("GET", std::string(kDoc) + "/history", "", viewer).status == 200);
  const std::string releaser = f.token_with(Role::release_manager, "rita");
  CHECK(f.call("PUT", kDoc, wrapper("v2"), releaser).status == 200);
}

TEST_CASE("If-Match makes a write conditional on the version read; If-None-Match: * creates only") {
  Docs f;
  CHECK(f.put("v1", kDoc, {{"if-match", "*"}}).status == 412);  // nothing to match yet
  auto created = f.put("v1", kDoc, {{"if-none-match", "*"}});
  REQUIRE(created.status == 201);
  const std::string v1 = header_of(created, "ETag");
  auto again = f.put("v1b", kDoc, {{"if-none-match", "*"}});
  CHECK(again.status == 412);
  CHECK(problem_type(again) == "urn:tollgate:problem:stale-document");

  auto v2 = f.put("v2", kDoc, {{"if-match", v1}});
  REQUIRE(v2.status == 200);
  auto stale = f.put("v3", kDoc, {{"if-match", v1}});
  CHECK(stale.status == 412);
  CHECK(problem_type(stale) == "urn:tollgate:problem:stale-document");
  CHECK(f.put("v3", kDoc, {{"if-match", "W/" + header_of(v2, "ETag")}}).status == 412);
  CHECK(f.put("v3", kDoc, {{"if-match", "\"nonsense\""}}).status == 412);
  CHECK(f.call("GET", kDoc).body == "v2");
  CHECK(f.put("v3", kDoc, {{"if-match", v1 + ", " + header_of(v2, "ETag")}}).status == 200);
  CHECK(f.put("v4", kDoc, {{"if-match", "*"}}).status == 200);
  CHECK(f.call("GET", kDoc).body == "v4");
}

TEST_CASE("a failed commit leaves no LMDB record and no document") {
  Docs f;
  // A writer outside Tollgate holding the branch lock makes every commit fail.
  const auto lock = std::filesystem::path(f.vault->path()) / "refs" / "heads" / "main.lock";
  std::filesystem::create_directories(lock.parent_path());
  std::ofstream(lock) << "held";
  auto r = f.put("v1");
  CHECK(r.status == 503);
  CHECK(problem_type(r) == "urn:tollgate:problem:vault-busy");
  CHECK_FALSE(f.record("app-api", "build-instructions.md"));
  CHECK(f.call("GET", kDoc).status == 404);
  CHECK(body_of(f.call("GET", kDocs)).at("items").as_array().empty());

  std::filesystem::remove(lock);
  REQUIRE(f.put("v1").status == 201);
  CHECK(f.record("app-api", "build-instructions.md"));
}

TEST_CASE("a read-only vault refuses a new version with 500 io; the version before is served") {
  Docs f;
  REQUIRE(f.put("v1").status == 201);
  testing::FileModesApply modes;
  if (!modes.ok()) return;
  const std::string head = f.head();
  {
    testing::ReadOnlyDirectories frozen(std::filesystem::path(f.vault->path()) / "objects");
    auto r = f.put("v2");
    CHECK(r.status == 500);
    CHECK(problem_type(r) == "urn:tollgate:problem:io");
    const Response served = f.call("GET", kDoc);
    CHECK(served.status == 200);
    CHECK(served.body == "v1");
  }
  CHECK(f.head() == head);
  CHECK(f.put("v2").status == 200);  // once the vault is writable again
  CHECK(f.call("GET", kDoc).body == "v2");
}

TEST_CASE("git is the truth: a failed index write loses nothing, and the index is rebuildable") {
  Docs f;
  FailingWrites store(*f.store);
  DocumentService docs(store, *f.vault, f.clock);
  const Principal carol{"carol", {Role::admin}, {}};
  REQUIRE(docs.put("app-api", "plan.md", {"v1", std::nullopt, "", std::nullopt}, {}, carol).ok());

  store.fail = true;
  auto v2 = docs.put("app-api", "plan.md", {"v2", std::nullopt, "second", std::nullopt}, {}, carol);
  REQUIRE(v2.ok());  // committed: the vault is the system of record
  CHECK(v2->committed);
  CHECK_FALSE(v2->indexed);
  CHECK(text(f.record("app-api", "plan.md")->at("sha256")) == sha256_hex("v1"));  // stale
  // Every read answers from the vault.
  CHECK(docs.get("app-api", "plan.md")->content == "v2");
  CHECK(docs.history("app-api", "plan.md", {}).value().items.size() == 2);
  auto listed = docs.list("app-api", {});
  REQUIRE(listed.ok());
  REQUIRE(listed->items.size() == 1);
  CHECK(listed->items[0].latest.revision.commit == v2->version.revision.commit);
  CHECK(listed->items[0].latest.sha256 == sha256_hex("v2"));
  CHECK(listed->items[0].versions == 2);

  // The next put, even an unchanged one, repairs the record.
  store.fail = false;
  auto repaired = docs.put("app-api", "plan.md", {"v2", std::nullopt, "", std::nullopt}, {}, carol);
  REQUIRE(repaired.ok());
  CHECK_FALSE(repaired->committed);
  CHECK(repaired->indexed);
  CHECK(repaired->versions == 2);
  auto rec = f.record("app-api", "plan.md");
  CHECK(text(rec->at("commit")) == v2->version.revision.commit);
  CHECK(rec->at("versions").as_int64() == 2);

  // Without any record, rebuild_index writes the same records from the vault.
  REQUIRE(docs.put("app-api", "vdd.txt", {"vdd", std::nullopt, "", std::nullopt}, {}, carol).ok());
  const auto before = f.record("app-api", "vdd.txt");
  REQUIRE(f.store
              ->write([](storage::WriteTxn& txn) {
                std::string key = "app-api";
                key.push_back('\0');
                txn.erase(storage::Table::documents, key + "plan.md");
                txn.erase(storage::Table::documents, key + "vdd.txt");
                txn.put(storage::Table::documents, std::string("gone\0doc.md", 11), "{}");
                return Status();
              })
              .ok());
  CHECK(docs.list("app-api", {}).value().items.size() == 2);  // still listed, from git
  auto rebuilt = docs.rebuild_index();
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == 2);
  auto after = f.record("app-api", "vdd.txt");
  REQUIRE(after);
  for (const char* key :
       {"commit", "blob", "sha256", "size", "media_type", "updated_by", "updated_at", "versions"})
    CHECK_MESSAGE(before->at(key) == after->at(key), key);
  CHECK(f.record("app-api", "plan.md")->at("versions").as_int64() == 2);
}

TEST_CASE("lists show each document's newest version, paginated by name") {
  Docs f;
  for (const char* name : {"c.md", "a.md", "b.pdf"})
    REQUIRE(f.put(name, std::string(kDocs) + "/" + name).status == 201);
  REQUIRE(f.put("a2", std::string(kDocs) + "/a.md").status == 200);
  auto all = f.call("GET", kDocs);
  REQUIRE(all.status == 200);
  auto items = body_of(all).at("items").as_array();
  REQUIRE(items.size() == 3);
  CHECK(text(items[0].at("name")) == "a.md");
  CHECK(items[0].at("versions").as_int64() == 2);
  CHECK(text(items[0].at("sha256")) == sha256_hex("a2"));
  CHECK(text(items[0].at("updated_by")) == "admin");
  CHECK(text(items[1].at("media_type")) == "application/pdf");

  auto first = f.call("GET", std::string(kDocs) + "?limit=2");
  REQUIRE(body_of(first).at("items").as_array().size() == 2);
  const std::string cursor = text(body_of(first).at("next_cursor"));
  auto rest = f.call("GET", std::string(kDocs) + "?limit=2&cursor=" + cursor);
  REQUIRE(body_of(rest).at("items").as_array().size() == 1);
  CHECK(text(body_of(rest).at("items").as_array()[0].at("name")) == "c.md");
  CHECK(body_of(rest).at("next_cursor").is_null());

  // A CI without documents has an empty list.
  REQUIRE(f.app->cis.create(service_ci("db", "DB"), f.admin_principal).ok());
  CHECK(body_of(f.call("GET", "/api/v1/cis/db/documents")).at("items").as_array().empty());
}

TEST_CASE("names differing only in case are refused; disposed CIs' documents are frozen") {
  Docs f;
  REQUIRE(f.put("v1", std::string(kDocs) + "/README.md").status == 201);
  auto clash = f.put("v1", std::string(kDocs) + "/readme.md");
  CHECK(clash.status == 409);
  CHECK(problem_type(clash) == "urn:tollgate:problem:document-name-collision");

  REQUIRE(f.app->cis.create(service_ci("old", "Old", CiStatus::withdrawn), f.admin_principal).ok());
  REQUIRE(f.put("v1", "/api/v1/cis/old/documents/backout.md").status == 201);
  CiPatch dispose;
  dispose.status = CiStatus::disposed;
  REQUIRE(f.app->cis.patch("old", dispose, {}, f.admin_principal).ok());
  auto frozen = f.put("v2", "/api/v1/cis/old/documents/backout.md");
  CHECK(frozen.status == 409);
  CHECK(problem_type(frozen) == "urn:tollgate:problem:ci-disposed");
  CHECK(f.call("GET", "/api/v1/cis/old/documents/backout.md").body == "v1");
}

TEST_CASE("concurrent puts, also from two services on one vault, lose no version") {
  Docs f;
  DocumentService other(*f.store, *f.vault, f.clock);  // as a second process would
  constexpr int kThreads = 6, kVersions = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      DocumentService& docs = t % 2 ? f.app->documents : other;
      const Principal who{fmt::format("writer-{}", t), {Role::admin}, {}};
      for (int i = 0; i < kVersions; ++i) {
        const DocumentWrite w{fmt::format("{}-{}", t, i), std::nullopt, "", std::nullopt};
        if (!docs.put("app-api", fmt::format("doc-{}.txt", t), w, {}, who).ok()) ++failures;
        if (!docs.put("app-api", "shared.txt", w, {}, who).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(f.vault->history("").value().size() == 2 * kThreads * kVersions);
  for (int t = 0; t < kThreads; ++t) {
    const std::string name = fmt::format("doc-{}.txt", t);
    CHECK(f.app->documents.history("app-api", name, {}).value().items.size() == kVersions);
    CHECK(f.record("app-api", name)->at("versions").as_int64() == kVersions);
  }
  CHECK(f.app->documents.history("app-api", "shared.txt", {}).value().items.size() ==
        kThreads * kVersions);

  // Two writers holding the same version: exactly one replaces it, the other gets 412.
  const std::string seen = f.app->documents.get("app-api", "shared.txt")->version.revision.commit;
  std::atomic<int> won{0}, stale{0};
  std::vector<std::thread> racers;
  for (int t = 0; t < 2; ++t) {
    racers.emplace_back([&, t] {
      DocumentService& docs = t ? f.app->documents : other;
      auto put = docs.put("app-api", "shared.txt",
                          {fmt::format("race-{}", t), std::nullopt, "", std::nullopt}, {{seen}, {}},
                          f.admin_principal);
      if (put.ok()) ++won;
      if (put.status().code() == Code::precondition_failed) ++stale;
    });
  }
  for (auto& t : racers) t.join();
  CHECK(won == 1);
  CHECK(stale == 1);
}
