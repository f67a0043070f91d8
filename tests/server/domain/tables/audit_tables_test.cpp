// The audit tables' keys, pinned to the layouts in storage/kv_store.hpp:
//   audit_log  be64(sequence)
//   audits     be64(N), the id "audit-N"
#include <doctest/doctest.h>

#include <string>

#include "server/domain/tables/audit_tables.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server::tables;
using tollgate::testing::bytes;
using tollgate::testing::TableStore;

TEST_CASE("audit_log: be64(sequence)") {
  CHECK(AuditLogKey{1}.encode() == bytes({0, 0, 0, 0, 0, 0, 0, 1}));
  CHECK(AuditLogKey{0x1234}.encode() == bytes({0, 0, 0, 0, 0, 0, 0x12, 0x34}));
  CHECK(AuditLogKey::decode(AuditLogKey{77}.encode()) == AuditLogKey{77});
  CHECK(AuditLogKey::last().encode() == std::string(8, '\xff'));
  CHECK_FALSE(AuditLogKey::decode(""));
  CHECK_FALSE(AuditLogKey::decode(bytes({0, 0, 0, 0, 0, 0, 1})));
  CHECK_FALSE(AuditLogKey::decode(AuditLogKey{1}.encode() + '\0'));
}

TEST_CASE("audit_log: entries 9, 10 and 256 come in that order") {
  TableStore t;
  t.put(storage::Table::audit_log,
        {AuditLogKey{256}.encode(), AuditLogKey{10}.encode(), AuditLogKey{9}.encode()});
  t.read([](storage::ReadTxn& txn) {
    std::vector<std::uint64_t> order;
    kAuditLog.scan(txn, "", [&](const AuditLogKey& k, std::string_view) {
      order.push_back(k.sequence);
      return true;
    });
    CHECK(order == std::vector<std::uint64_t>{9, 10, 256});
    auto newest = kAuditLog.last(txn, "", AuditLogKey::last());
    REQUIRE(newest);
    CHECK(newest->first.sequence == 256);
  });
}

TEST_CASE("audits: be64(N) and the id audit-N") {
  CHECK(AuditKey{3}.encode() == bytes({0, 0, 0, 0, 0, 0, 0, 3}));
  CHECK(AuditKey::decode(AuditKey{3}.encode()) == AuditKey{3});
  CHECK(AuditKey{42}.id() == "audit-42");
  CHECK(AuditKey::from_id("audit-42") == AuditKey{42});
  for (const char* bad : {"audit-", "audit-0", "audit-042", "audit-4x", "rel-4", "audit--1",
                          "audit-99999999999999999999999"})
    CHECK_FALSE(AuditKey::from_id(bad));
  CHECK_FALSE(AuditKey::decode("audit-1"));
}

TEST_CASE("baselines are keyed by their name") {
  CHECK(kBaselines.table() == storage::Table::baselines);
}
