// The CMDB tables' keys, pinned to the layouts in storage/kv_store.hpp:
//   ci_history  ci \0 be64(revision)
//   rel_out     from \0 type \0 to
//   rel_in      to \0 type \0 from
//   documents   ci \0 name
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/domain/tables/cmdb_tables.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server;
using namespace tollgate::server::tables;
using tollgate::testing::bytes;
using tollgate::testing::TableStore;

TEST_CASE("ci_history: ci \\0 be64(revision)") {
  const CiHistoryKey key{"web-1", 3};
  CHECK(key.encode() == std::string("web-1\0", 6) + bytes({0, 0, 0, 0, 0, 0, 0, 3}));
  CHECK(CiHistoryKey::decode(key.encode()) == key);
  CHECK(CiHistoryKey::decode(CiHistoryKey{"a", 256}.encode()) == CiHistoryKey{"a", 256});
  CHECK(CiHistoryKey::prefix("web-1") == std::string("web-1\0", 6));
  CHECK(CiHistoryKey{"a", 2}.encode() < CiHistoryKey{"a", 10}.encode());
  CHECK(CiHistoryKey{"a", 255}.encode() < CiHistoryKey{"a", 256}.encode());

  CHECK_FALSE(CiHistoryKey::decode(""));
  CHECK_FALSE(CiHistoryKey::decode("web-1"));
  CHECK_FALSE(CiHistoryKey::decode(std::string("web-1\0", 6) + bytes({0, 0, 3})));
  CHECK_FALSE(CiHistoryKey::decode(std::string("\0", 1) + bytes({0, 0, 0, 0, 0, 0, 0, 3})));
}

TEST_CASE("ci_history: the history of CI a is not the history of CI a-b") {
  TableStore t;
  t.put(storage::Table::ci_history,
        {CiHistoryKey{"a", 1}.encode(), CiHistoryKey{"a", 2}.encode(),
         CiHistoryKey{"a-b", 1}.encode(), CiHistoryKey{"ab", 7}.encode(),
         CiHistoryKey{"b", 1}.encode()});
  t.read([](storage::ReadTxn& txn) {
    std::vector<std::uint64_t> revisions;
    kCiHistory.scan(txn, CiHistoryKey::prefix("a"), [&](const CiHistoryKey& key, std::string_view) {
      CHECK(key.ci == "a");
      revisions.push_back(key.revision);
      return true;
    });
    CHECK(revisions == std::vector<std::uint64_t>{1, 2});
    auto newest = kCiHistory.last(txn, CiHistoryKey::prefix("a"), CiHistoryKey{"a", UINT64_MAX});
    REQUIRE(newest);
    CHECK(newest->first == CiHistoryKey{"a", 2});
  });
}

TEST_CASE("rel_out and rel_in: the near end first, the type by its name") {
  const RelationshipKey key{"app", RelType::runs_on, "host"};
  CHECK(key.encode(RelIndex::out) == std::string("app\0runs_on\0host", 16));
  CHECK(key.encode(RelIndex::in) == std::string("host\0runs_on\0app", 16));
  CHECK(RelationshipKey::decode(RelIndex::out, key.encode(RelIndex::out)) == key);
  CHECK(RelationshipKey::decode(RelIndex::in, key.encode(RelIndex::in)) == key);
  CHECK(RelationshipKey::table(RelIndex::out) == storage::Table::rel_out);
  CHECK(RelationshipKey::table(RelIndex::in) == storage::Table::rel_in);
  CHECK(RelationshipKey::prefix("app") == std::string("app\0", 4));
  CHECK(RelationshipKey::prefix("app", RelType::depends_on) ==
        std::string("app\0depends_on\0", 15));
  for (const auto& entry : kRelTypeNames) {
    const RelationshipKey k{"x", entry.value, "y"};
    CHECK(RelationshipKey::decode(RelIndex::out, k.encode(RelIndex::out)) == k);
  }
}

TEST_CASE("a relationship key with a wrong shape or an unknown type does not decode") {
  for (const std::string& bad :
       {std::string(""), std::string("app"), std::string("app\0runs_on", 11),
        std::string("app\0runs_on\0", 12), std::string("\0runs_on\0host", 13),
        std::string("app\0flies_to\0host", 17), std::string("app\0runs_on\0host\0x", 18)}) {
    CAPTURE(show_key(bad));
    CHECK_FALSE(RelationshipKey::decode(RelIndex::out, bad));
    CHECK_FALSE(RelationshipKey::decode(RelIndex::in, bad));
  }
}

TEST_CASE("the relationships of CI a are not those of CI a-b") {
  TableStore t;
  t.put(storage::Table::rel_out,
        {RelationshipKey{"a", RelType::depends_on, "z"}.encode(RelIndex::out),
         RelationshipKey{"a", RelType::runs_on, "h"}.encode(RelIndex::out),
         RelationshipKey{"a-b", RelType::depends_on, "y"}.encode(RelIndex::out),
         RelationshipKey{"a-b", RelType::runs_on, "a"}.encode(RelIndex::out)});
  t.read([](storage::ReadTxn& txn) {
    std::vector<std::string> to;
    const std::string prefix = RelationshipKey::prefix("a", RelType::depends_on);
    txn.scan(storage::Table::rel_out, prefix, [&](std::string_view raw, std::string_view) {
      if (!raw.starts_with(prefix)) return false;
      to.push_back(RelationshipKey::decode(RelIndex::out, raw)->to);
      return true;
    });
    CHECK(to == std::vector<std::string>{"z"});
  });
}

TEST_CASE("documents: ci \\0 name") {
  const DocumentKey key{"web-1", "runbook.md"};
  CHECK(key.encode() == std::string("web-1\0runbook.md", 16));
  CHECK(DocumentKey::decode(key.encode()) == key);
  CHECK(DocumentKey::prefix("web-1") == std::string("web-1\0", 6));
  CHECK_FALSE(DocumentKey::decode("web-1"));
  CHECK_FALSE(DocumentKey::decode(std::string("web-1\0", 6)));
  CHECK_FALSE(DocumentKey::decode(std::string("web-1\0a\0b", 9)));

  TableStore t;
  t.put(storage::Table::documents,
        {DocumentKey{"a", "x"}.encode(), DocumentKey{"a-b", "y"}.encode()});
  t.read([](storage::ReadTxn& txn) {
    std::vector<std::string> names;
    kDocuments.scan(txn, DocumentKey::prefix("a"), [&](const DocumentKey& k, std::string_view) {
      names.push_back(k.name);
      return true;
    });
    CHECK(names == std::vector<std::string>{"x"});
  });
}

TEST_CASE("CIs and CI types are keyed by their id as it is") {
  CHECK(kCis.table() == storage::Table::cis);
  CHECK(kCiTypes.table() == storage::Table::ci_types);
}
