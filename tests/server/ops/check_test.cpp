// `tollgated check` on the store's keys: a consistent store passes; a key that does not decode
// with its table's codec, or a relationship missing its twin, is reported as a fault.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "server/domain/tables/cmdb_tables.hpp"
#include "server/ops/check.hpp"
#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;

namespace {

struct Checked : AppFixture {
  Checked() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"host","attributes":[]})").status == 201);
    for (const char* id : {"a", "a-b"})
      REQUIRE(
          call("POST", "/api/v1/cis",
               std::string(R"({"id":")") + id + R"(","type":"host","name":"x","attributes":{}})")
              .status == 201);
    REQUIRE(call("POST", "/api/v1/relationships", R"({"from":"a","type":"runs_on","to":"a-b"})")
                .status == 201);
  }

  std::size_t check(std::string& report) {
    std::ostringstream out;
    const std::size_t faults = check_store(*store, out);
    report = out.str();
    return faults;
  }
};

}  // namespace

TEST_CASE("check: a store written by the services passes") {
  Checked f;
  std::string report;
  CHECK_MESSAGE(f.check(report) == 0, report);
  CHECK(report.find("checked 1 relationships") != std::string::npos);
}

TEST_CASE("check: keys that do not decode are faults, not guesses") {
  Checked f;
  f.put_record(storage::Table::rel_out, std::string("a\0flies_to\0a-b", 14), "{}");
  f.put_record(storage::Table::rel_in, "a-b", "{}");
  f.put_record(storage::Table::ci_history, "a", "{}");
  f.put_record(storage::Table::tokens, std::string("t\0x", 3), "{}");
  std::string report;
  CHECK(f.check(report) == 4);
  CHECK(report.find("FAULT rel_out key a\\0flies_to\\0a-b: malformed") != std::string::npos);
  CHECK(report.find("FAULT rel_in key a-b: malformed") != std::string::npos);
  CHECK(report.find("FAULT ci_history key a: malformed") != std::string::npos);
  CHECK(report.find("FAULT tokens key t\\0x: malformed") != std::string::npos);
}

TEST_CASE("check: a relationship indexed one way only is a fault") {
  Checked f;
  const tables::RelationshipKey key{"a", RelType::runs_on, "a-b"};
  REQUIRE(f.store
              ->write([&](storage::WriteTxn& txn) {
                txn.erase(storage::Table::rel_in, key.encode(tables::RelIndex::in));
                return Status();
              })
              .ok());
  std::string report;
  CHECK(f.check(report) == 1);
  CHECK(report.find("FAULT relationship a runs_on a-b: the reverse index is missing") !=
        std::string::npos);
}

TEST_CASE("check: vault and manifest keys that do not decode are faults") {
  Checked f;
  f.put_record(storage::Table::artifacts, "web", "{}");
  f.put_record(storage::Table::artifact_blobs, "abc", "");
  f.put_record(storage::Table::documents, "a", "{}");
  std::ostringstream vault_out;
  CHECK(check_vault(*f.store, *f.blobs, *f.vault, vault_out) == 3);
  const std::string report = vault_out.str();
  CHECK(report.find("FAULT artifact key web: malformed") != std::string::npos);
  CHECK(report.find("FAULT digest index key abc: malformed") != std::string::npos);
  CHECK(report.find("FAULT document key a: malformed") != std::string::npos);

  f.put_record(storage::Table::manifests, "SIT", "{}");
  std::ostringstream signed_out;
  CHECK(check_signed_documents(*f.store, *f.vault, f.signer->keys(), signed_out) == 1);
  CHECK(signed_out.str().find("FAULT manifest key SIT: malformed") != std::string::npos);
}
