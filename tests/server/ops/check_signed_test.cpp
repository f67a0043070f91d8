// `tollgated check` on signed documents: manifests and baselines verify with the server's keys
// and match the vault; a byte changed in LMDB, a vault file rewritten or a tag missing is a fault.
#include <doctest/doctest.h>

#include <sstream>

#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/release/environments.hpp"
#include "server/ops/check.hpp"
#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

struct Signed : AppFixture {
  Signed() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})").status ==
            201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"payments","type":"service","name":"Payments","attributes":{}})")
                .status == 201);
    auto r = call("POST", "/api/v1/baselines", R"({"name":"q4","scope":{"cis":["payments"]}})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    // A manifest as promotion stores it: signed, in LMDB and in the vault.
    json::object manifest{{"environment", "SIT"}, {"version", 1}, {"entries", json::array()}};
    text = json::serialize(signer->sign(manifest));
    storage::VaultChanges changes;
    changes.writes[manifest_vault_path("SIT")] = text;
    REQUIRE(vault->commit(changes, {"rm", ""}, "SIT v1").ok());
    put_record(storage::Table::manifests, std::string("SIT") + '\0' + storage::be64(1), text);
  }

  std::string stored(storage::Table table, const std::string& key) {
    std::string out;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  out = std::string(txn.get(table, key).value_or(""));
                  return Status();
                })
                .ok());
    return out;
  }

  std::size_t check(std::string& report) {
    std::ostringstream out;
    const std::size_t faults = check_signed_documents(*store, *vault, signer->keys(), out);
    report = out.str();
    return faults;
  }

  std::string text;
};

}  // namespace

TEST_CASE("check: signed manifests and baselines that verify and match the vault pass") {
  Signed f;
  std::string report;
  CHECK_MESSAGE(f.check(report) == 0, report);
  CHECK(report.find("checked 1 signed manifests") != std::string::npos);
  CHECK(report.find("checked 1 signed baselines") != std::string::npos);
}

TEST_CASE("check: a manifest changed in LMDB fails its signature and differs from the vault") {
  Signed f;
  const std::string key = std::string("SIT") + '\0' + storage::be64(1);
  std::string changed = f.text;
  changed.replace(changed.find("\"entries\":[]"), 12, "\"entries\":[ ]");  // same meaning
  f.put_record(storage::Table::manifests, key, changed);
  std::string report;
  CHECK_MESSAGE(f.check(report) == 0, report);  // whitespace is not content
  auto doc = json::parse(f.text).as_object();
  doc["version"] = 2;  // one byte
  f.put_record(storage::Table::manifests, key, json::serialize(doc));
  CHECK(f.check(report) == 3);  // version vs key, signature, vault
  CHECK(report.find("FAULT manifest SIT v1: the document names another environment or version") !=
        std::string::npos);
  CHECK(report.find("changed after signing") != std::string::npos);
  CHECK(report.find("differs from the stored document") != std::string::npos);
}

TEST_CASE("check: a baseline whose document, vault file or tag changed is a fault") {
  Signed f;
  auto record = BaselineRecord::from_json(f.stored(storage::Table::baselines, "q4"));
  REQUIRE(record.ok());
  std::string report;
  SUBCASE("the document edited in LMDB") {
    record->document["created_by"] = "mallory";
    f.put_record(storage::Table::baselines, "q4", json::serialize(record->to_json()));
    CHECK(f.check(report) == 2);  // signature and vault
    CHECK(report.find("FAULT baseline q4:") != std::string::npos);
  }
  SUBCASE("the record pointing at another commit, where the file is not") {
    auto head = f.vault->head();
    REQUIRE(head.ok());
    record->commit = *head;  // the manifest's commit: no baselines/q4.json change, tag elsewhere
    f.put_record(storage::Table::baselines, "q4", json::serialize(record->to_json()));
    CHECK(f.check(report) == 1);
    CHECK(report.find("its tag names commit") != std::string::npos);
  }
  SUBCASE("a document that is no baseline any more") {
    record->document.erase("environments");
    f.put_record(storage::Table::baselines, "q4", json::serialize(record->to_json()));
    CHECK(f.check(report) == 3);  // signature, shape and vault
    CHECK(report.find("the baseline lacks a valid name") != std::string::npos);
  }
  SUBCASE("a document signed by an unknown key") {
    record->document["signature"].as_object()["key_id"] = "ed25519:0000000000000000";
    f.put_record(storage::Table::baselines, "q4", json::serialize(record->to_json()));
    CHECK(f.check(report) == 2);
    CHECK(report.find("not one of the server's keys") != std::string::npos);
  }
}
