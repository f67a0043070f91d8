// The audit log: an entry per mutating request in the transaction of its change, the hash chain,
// listing with filters, and detection of a log edited behind the server's back (in place, with
// recomputed hashes, entries removed, a consistent rewrite caught by the vault's checkpoint).
#include <doctest/doctest.h>

#include <sstream>

#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/crypto.hpp"
#include "tests/support/app_fixture.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/signed_document.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

json::value body_of(const Response& r) { return json::parse(r.body); }

struct Audited : AppFixture {
  // Three requests: a CI type created (committed), a malformed body (refused), a viewer's
  // attempt (refused by role); and one without a token, which gets no entry (only a counter).
  void three_requests() {
    const std::string viewer = token_with(Role::viewer, "vic");
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"host","attributes":[]})").status == 201);
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":)").status == 400);
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"x","attributes":[]})", viewer).status ==
            403);
    const auto before = metrics.unauthenticated_writes();
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"x","attributes":[]})", "").status == 401);
    REQUIRE(call("POST", "/api/v1/nowhere", "{}", "").status == 404);
    CHECK(metrics.unauthenticated_writes() == before + 2);
  }

  std::vector<json::object> entries() {
    std::vector<json::object> out;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  txn.scan(storage::Table::audit_log, "", [&](auto, std::string_view value) {
                    out.push_back(json::parse(value).as_object());
                    return true;
                  });
                  return Status();
                })
                .ok());
    return out;
  }

  // Replaces entry `sequence` behind the server's back.
  void overwrite(std::uint64_t sequence, const json::object& entry) {
    put_record(storage::Table::audit_log, storage::be64(sequence), json::serialize(entry));
  }

  std::string rehash(json::object entry) {
    entry.erase("hash");
    return sha256_hex(canonical_json(entry));
  }

  AuditVerification verify(bool with_vault = true) {
    auto v = verify_audit_log(*store, with_vault ? vault.get() : nullptr);
    REQUIRE(v.ok());
    return *v;
  }
};

}  // namespace

TEST_CASE("Audit log: every mutating request appends a chained entry; reads append none") {
  Audited f;
  f.three_requests();
  REQUIRE(f.call("GET", "/api/v1/ci-types").status == 200);
  auto entries = f.entries();
  REQUIRE(entries.size() == 3);

  CHECK(entries[0]["sequence"].as_int64() == 1);
  CHECK(entries[0]["actor"].as_string() == "admin");
  CHECK(entries[0]["action"].as_string() == "POST /api/v1/ci-types");
  CHECK(entries[0]["target"].as_string() == "/api/v1/ci-types");
  CHECK(entries[0]["outcome"].as_string() == "committed");
  CHECK_FALSE(entries[0].contains("status"));
  CHECK(entries[0]["prev"].as_string() == std::string(64, '0'));

  CHECK(entries[1]["outcome"].as_string() == "refused");
  CHECK(entries[1]["status"].as_int64() == 400);
  CHECK(entries[1]["problem"].as_string() == "malformed-json");
  CHECK(entries[1]["actor"].as_string() == "admin");
  CHECK(entries[1]["prev"].as_string() == entries[0]["hash"].as_string());

  CHECK(entries[2]["actor"].as_string() == "vic");
  CHECK(entries[2]["status"].as_int64() == 403);
  CHECK(entries[2]["prev"].as_string() == entries[1]["hash"].as_string());
  for (const auto& e : entries) CHECK(e.at("hash").as_string() == f.rehash(e));

  // The request id the server gave the request is recorded.
  Request r;
  r.method = "POST";
  r.target = "/api/v1/ci-types?x=1";
  r.request_id = "req-42";
  r.body = R"({"name":"service","attributes":[]})";
  r.headers = {{"authorization", "Bearer " + f.admin}, {"content-type", "application/json"}};
  REQUIRE(handle(r, *f.app).status == 201);
  auto last = f.entries().back();
  CHECK(last["request_id"].as_string() == "req-42");
  CHECK(last["target"].as_string() == "/api/v1/ci-types");
  CHECK(f.verify().entries == 4);
  CHECK_FALSE(f.verify().broken);
}

TEST_CASE("Audit log: the entry commits with the change, and only once per request") {
  Audited f;
  AuditScope scope({"someone", "TEST", "/t", "r-1", "", ""});
  // A failed write keeps neither the change nor an entry.
  CHECK_FALSE(f.app->store
                  .write([](storage::WriteTxn& txn) {
                    txn.put(storage::Table::meta, "probe", "1");
                    return Status(Code::conflict, "no");
                  })
                  .ok());
  CHECK_FALSE(scope.recorded());
  CHECK(f.entries().empty());
  // The first successful write carries the entry; a second one of the same request does not.
  REQUIRE(f.app->store
              .write([](storage::WriteTxn& txn) {
                txn.put(storage::Table::meta, "probe", "2");
                return Status();
              })
              .ok());
  CHECK(scope.recorded());
  REQUIRE(f.app->store
              .write([](storage::WriteTxn& txn) {
                txn.put(storage::Table::meta, "probe", "3");
                return Status();
              })
              .ok());
  auto entries = f.entries();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["actor"].as_string() == "someone");
  CHECK(entries[0]["outcome"].as_string() == "committed");
}

TEST_CASE("Audit log: listing filters by actor, target, action, outcome and time, in pages") {
  Audited f;
  f.three_requests();
  f.clock.advance(3'600'000'000);  // an hour later
  REQUIRE(f.call("POST", "/api/v1/ci-types", R"({"name":"app","attributes":[]})").status == 201);
  const std::string auditor = f.token_with(Role::auditor, "audrey");
  const std::string manager = f.token_with(Role::release_manager, "rm");

  auto list = [&](const std::string& query) {
    auto r = f.call("GET", "/api/v1/audit-log" + query, "", auditor);
    REQUIRE(r.status == 200);
    return body_of(r).as_object();
  };
  CHECK(list("")["items"].as_array().size() == 4);
  CHECK(list("?actor=vic")["items"].as_array().size() == 1);
  CHECK(list("?outcome=committed")["items"].as_array().size() == 2);
  CHECK(list("?action=ci-types")["items"].as_array().size() == 4);
  CHECK(list("?target=/api/v1")["items"].as_array().size() == 4);
  CHECK(list("?target=/api/v1/ci")["items"].as_array().empty());  // a prefix ends at a '/'
  CHECK(list("?from=2026-12-01T00:30:00Z")["items"].as_array().size() == 1);
  CHECK(list("?to=2026-12-01T00:30:00Z")["items"].as_array().size() == 3);
  CHECK(list("?from=2026-12-01&to=2026-12-01")["items"].as_array().size() == 4);

  auto first = list("?limit=3");
  CHECK(first["items"].as_array().size() == 3);
  REQUIRE(first["next_cursor"].is_string());
  auto second = list("?limit=3&cursor=" + std::string(first["next_cursor"].as_string()));
  REQUIRE(second["items"].as_array().size() == 1);
  CHECK(second["items"].as_array()[0].as_object().at("sequence").as_int64() == 4);
  CHECK(second["next_cursor"].is_null());

  CHECK(f.call("GET", "/api/v1/audit-log?from=yesterday", "", auditor).status == 400);
  CHECK(f.call("GET", "/api/v1/audit-log", "", manager).status == 403);
  CHECK(f.call("GET", "/api/v1/audit-log/verify", "", manager).status == 403);
}

TEST_CASE("Audit log: an entry edited in place is named") {
  Audited f;
  f.three_requests();
  auto entries = f.entries();
  entries[1]["actor"] = "mallory";
  f.overwrite(2, entries[1]);
  auto v = f.verify();
  REQUIRE(v.broken);
  CHECK(v.broken->sequence == 2);
  CHECK(v.broken->reason.find("altered") != std::string::npos);

  auto r = f.call("GET", "/api/v1/audit-log/verify");
  REQUIRE(r.status == 200);
  auto body = body_of(r).as_object();
  CHECK_FALSE(body["valid"].as_bool());
  CHECK(body["first_broken"].as_object()["sequence"].as_int64() == 2);

  std::ostringstream out;
  CHECK(check_audit_log(*f.store, f.vault.get(), out) == 1);
  CHECK(out.str().find("broken at entry 2") != std::string::npos);
}

TEST_CASE("Audit log: an entry rewritten with a recomputed hash is named by the next one") {
  Audited f;
  f.three_requests();
  auto entries = f.entries();
  entries[0]["actor"] = "mallory";
  entries[0]["hash"] = f.rehash(entries[0]);
  f.overwrite(1, entries[0]);
  auto v = f.verify();
  REQUIRE(v.broken);
  CHECK(v.broken->sequence == 1);
  CHECK(v.broken->reason.find("rewritten") != std::string::npos);
}

TEST_CASE("Audit log: a removed entry is named") {
  Audited f;
  f.three_requests();
  REQUIRE(f.store
              ->write([](storage::WriteTxn& txn) {
                txn.erase(storage::Table::audit_log, storage::be64(2));
                return Status();
              })
              .ok());
  auto v = f.verify();
  REQUIRE(v.broken);
  CHECK(v.broken->sequence == 2);
  CHECK(v.broken->reason.find("missing") != std::string::npos);
}

TEST_CASE("Audit log: checkpoints in the vault catch consistent rewrites and truncation") {
  Audited f;
  f.three_requests();
  auto committed = checkpoint_audit_log(*f.store, *f.vault, f.clock.now());
  REQUIRE(committed.ok());
  CHECK(*committed);
  // Nothing new: no second commit.
  committed = checkpoint_audit_log(*f.store, *f.vault, f.clock.now());
  REQUIRE(committed.ok());
  CHECK_FALSE(*committed);
  REQUIRE(f.call("POST", "/api/v1/ci-types", R"({"name":"app","attributes":[]})").status == 201);
  CHECK(f.verify().checkpoints == 1);
  CHECK_FALSE(f.verify().broken);

  SUBCASE("the whole chain rewritten from entry 2 on, every hash recomputed") {
    auto entries = f.entries();
    entries[1]["actor"] = "mallory";
    std::string prev = std::string(entries[0]["hash"].as_string());
    for (std::size_t i = 1; i < entries.size(); ++i) {
      entries[i]["prev"] = prev;
      entries[i]["hash"] = f.rehash(entries[i]);
      prev = std::string(entries[i]["hash"].as_string());
      f.overwrite(i + 1, entries[i]);
    }
    CHECK_FALSE(f.verify(false).broken);  // the chain alone looks intact
    auto v = f.verify();
    REQUIRE(v.broken);
    CHECK(v.broken->sequence == 3);  // the entry the checkpoint names
    CHECK(v.broken->reason.find("checkpoint") != std::string::npos);
  }
  SUBCASE("the tail cut off") {
    REQUIRE(f.store
                ->write([](storage::WriteTxn& txn) {
                  txn.erase(storage::Table::audit_log, storage::be64(4));
                  txn.erase(storage::Table::audit_log, storage::be64(3));
                  return Status();
                })
                .ok());
    CHECK_FALSE(f.verify(false).broken);
    auto v = f.verify();
    REQUIRE(v.broken);
    CHECK(v.broken->sequence == 3);
    CHECK(v.broken->reason.find("removed") != std::string::npos);
  }
}

TEST_CASE("Audit log: each entry names the object acted on and says in a line what changed") {
  Audited f;
  REQUIRE(f.call("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})").status ==
          201);
  const std::string rm = f.mint("rm", {Role::release_manager, Role::cm_manager}).token;
  REQUIRE(f.call("POST", "/api/v1/cis", R"({"id":"delta","type":"service","name":"Delta"})", rm)
              .status == 201);
  REQUIRE(f.call("PATCH", "/api/v1/cis/delta", R"({"name":"Delta 2","owner":"ops"})", rm,
                 {{"if-match", "*"}})
              .status == 200);
  REQUIRE(f.call("POST", "/api/v1/rfcs",
                 R"({"title":"Move delta","cis":["delta"],"impact":{"risk":"low"}})", rm)
              .status == 201);
  REQUIRE(
      f.call("POST", "/api/v1/users", R"({"id":"bob","name":"Bob","roles":["viewer"]})").status ==
      201);
  auto minted = f.call("POST", "/api/v1/tokens", R"({"user":"bob"})");
  REQUIRE(minted.status == 201);
  const std::string secret(body_of(minted).at("token").as_string());
  const std::string token_id(body_of(minted).at("id").as_string());
  REQUIRE(f.call("DELETE", "/api/v1/tokens/" + token_id).status == 200);
  REQUIRE(f.call("POST", "/api/v1/releases",
                 R"({"name":"R","version":"1","type":"delta","category":"scheduled"})", rm)
              .status == 201);
  REQUIRE(
      f.call("POST", "/api/v1/cis", R"({"id":"delta","type":"service","name":"D"})", rm).status ==
      409);

  std::map<std::string, std::string> summary_of;  // resource -> summary of its last entry
  for (const auto& e : f.entries()) {
    CAPTURE(json::serialize(e));
    CHECK(e.contains("resource"));
    CHECK(std::string(json::serialize(e)).find(secret) == std::string::npos);
    summary_of[std::string(e.at("resource").as_string())] =
        e.contains("summary") ? std::string(e.at("summary").as_string()) : "";
  }
  CHECK(summary_of.at("/api/v1/ci-types/service") == "defined CI type service");
  CHECK(summary_of.at("/api/v1/rfcs/rfc-1").starts_with("raised normal RFC rfc-1 for delta"));
  CHECK(summary_of.at("/api/v1/users/bob") == "created user bob (Bob) with roles viewer");
  CHECK(summary_of.at("/api/v1/tokens/" + token_id) == "revoked token " + token_id + " of bob");
  CHECK(summary_of.at("/api/v1/releases/rel-1") == "created scheduled release rel-1 (0 items)");

  // Everything done to the CI, found by its resource: the creation, the change, and the refused
  // second creation (named, with the route's own words).
  auto listed = body_of(f.call("GET", "/api/v1/audit-log?target=/api/v1/cis/delta"));
  const auto& items = listed.at("items").as_array();
  REQUIRE(items.size() == 3);
  CHECK(items[0].at("target").as_string() == "/api/v1/cis");
  CHECK(items[0].at("summary").as_string() == "created CI delta of type service, status ordered");
  CHECK(items[1].at("summary").as_string() == "changed CI delta to revision 2: name, owner");
  CHECK(items[2].at("outcome").as_string() == "refused");
  CHECK(items[2].at("summary").as_string() == "created CI delta of type service, status ordered");
  CHECK(f.verify().entries == f.entries().size());
}
