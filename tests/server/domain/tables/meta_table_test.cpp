// Table::meta: the names of its singletons and the encodings of its counters.
#include <doctest/doctest.h>

#include <string>

#include "server/domain/tables/identity_tables.hpp"
#include "server/domain/tables/meta_table.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server::tables;
using tollgate::testing::bytes;
using tollgate::testing::TableStore;

TEST_CASE("the meta names are those the data was written under") {
  CHECK(kMetaBootstrapped == "bootstrapped");
  CHECK(kMetaAuditCounter == "audit_seq");
  CHECK(kMetaReleaseCounter == "release_seq");
  CHECK(kMetaNextRfc == "next_rfc");
}

TEST_CASE("be64 and decimal counters") {
  TableStore t;
  t.read([](storage::ReadTxn& txn) {
    CHECK(get_be64_counter(txn, kMetaReleaseCounter) == 0);
    CHECK_FALSE(get_decimal_counter(txn, kMetaNextRfc));
  });
  REQUIRE(t.store
              ->write([](storage::WriteTxn& txn) {
                put_be64_counter(txn, kMetaReleaseCounter, 258);
                put_decimal_counter(txn, kMetaNextRfc, 12);
                return Status();
              })
              .ok());
  t.read([](storage::ReadTxn& txn) {
    CHECK(txn.get(storage::Table::meta, kMetaReleaseCounter) ==
          std::optional<std::string_view>(bytes({0, 0, 0, 0, 0, 0, 1, 2})));
    CHECK(txn.get(storage::Table::meta, kMetaNextRfc) == std::optional<std::string_view>("12"));
    CHECK(get_be64_counter(txn, kMetaReleaseCounter) == 258);
    CHECK(get_decimal_counter(txn, kMetaNextRfc) == 12);
  });
  t.put(storage::Table::meta, {std::string(kMetaNextRfc)});  // value "v:next_rfc"
  t.read([](storage::ReadTxn& txn) { CHECK_FALSE(get_decimal_counter(txn, kMetaNextRfc)); });
}

TEST_CASE("tokens and users are keyed by their id") {
  CHECK(kTokens.table() == storage::Table::tokens);
  CHECK(kUsers.table() == storage::Table::users);
}
