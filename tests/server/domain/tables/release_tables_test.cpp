// The release tables' keys, pinned to the layouts in storage/kv_store.hpp:
//   manifests  environment \0 be64(version)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/domain/tables/release_tables.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server::tables;
using tollgate::testing::bytes;
using tollgate::testing::TableStore;

TEST_CASE("manifests: environment \\0 be64(version)") {
  const ManifestKey key{"SIT", 2};
  CHECK(key.encode() == std::string("SIT\0", 4) + bytes({0, 0, 0, 0, 0, 0, 0, 2}));
  CHECK(ManifestKey::decode(key.encode()) == key);
  CHECK(ManifestKey::prefix("SIT") == std::string("SIT\0", 4));
  CHECK(ManifestKey::last("SIT").encode() == std::string("SIT\0", 4) + std::string(8, '\xff'));
  CHECK_FALSE(ManifestKey::decode("SIT"));
  CHECK_FALSE(ManifestKey::decode(std::string("SIT\0", 4) + bytes({2})));
}

TEST_CASE("manifests: the newest of one environment, not of its neighbour") {
  TableStore t;
  t.put(storage::Table::manifests,
        {ManifestKey{"UAT", 1}.encode(), ManifestKey{"UAT", 9}.encode(),
         ManifestKey{"UAT", 10}.encode(), ManifestKey{"UAT", 256}.encode(),
         ManifestKey{"UAT-2", 500}.encode(), ManifestKey{"UATX", 600}.encode()});
  t.read([](storage::ReadTxn& txn) {
    auto newest = kManifests.last(txn, ManifestKey::prefix("UAT"), ManifestKey::last("UAT"));
    REQUIRE(newest);
    CHECK(newest->first == ManifestKey{"UAT", 256});
    CHECK(newest->second == "v:" + ManifestKey{"UAT", 256}.encode());
    std::vector<std::uint64_t> versions;
    kManifests.scan(txn, ManifestKey::prefix("UAT"), [&](const ManifestKey& k, std::string_view) {
      versions.push_back(k.version);
      return true;
    });
    CHECK(versions == std::vector<std::uint64_t>{1, 9, 10, 256});
    CHECK_FALSE(kManifests.last(txn, ManifestKey::prefix("PROD"), ManifestKey::last("PROD")));
  });
}

TEST_CASE("RFCs and releases are keyed by their id") {
  CHECK(kRfcs.table() == storage::Table::rfcs);
  CHECK(kReleases.table() == storage::Table::releases);
}
