// The vault tables' keys, pinned to the layouts in storage/kv_store.hpp:
//   artifacts       ci \0 version \0 file
//   artifact_blobs  digest hex \0 ci \0 version \0 file
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/domain/tables/vault_tables.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server::tables;
using tollgate::testing::TableStore;

TEST_CASE("artifacts: ci \\0 version \\0 file") {
  const ArtifactKey key{{"web", "1.0", "web.tar"}};
  CHECK(key.encode() == std::string("web\0"
                                    "1.0\0web.tar",
                                    15));
  CHECK(ArtifactKey::decode(key.encode()) == key);
  CHECK(ArtifactKey::prefix("web") == std::string("web\0", 4));
  CHECK(ArtifactKey::prefix("web", "1.0") == std::string("web\0"
                                                         "1.0\0",
                                                         8));
  CHECK(ArtifactKey::after_version("web", "1.0") == std::string("web\0"
                                                                "1.0\x01",
                                                                8));
  CHECK_FALSE(ArtifactKey::decode("web"));
  CHECK_FALSE(
      ArtifactKey::decode(std::string("web\0"
                                      "1.0",
                                      7)));
  CHECK_FALSE(ArtifactKey::decode(std::string("web\0\0f", 6)));
  CHECK_FALSE(
      ArtifactKey::decode(std::string("web\0"
                                      "1.0\0f\0g",
                                      11)));
}

TEST_CASE("artifacts: a version's files, and the versions after one, stay inside the CI") {
  TableStore t;
  t.put(storage::Table::artifacts,
        {ArtifactKey{{"a", "1", "f"}}.encode(), ArtifactKey{{"a", "1", "g"}}.encode(),
         ArtifactKey{{"a", "1-rc", "f"}}.encode(), ArtifactKey{{"a", "2", "f"}}.encode(),
         ArtifactKey{{"a-b", "1", "f"}}.encode()});
  t.read([](storage::ReadTxn& txn) {
    std::vector<std::string> seen;
    auto collect = [&](const ArtifactKey& k, std::string_view) {
      seen.push_back(k.at.to_string());
      return true;
    };
    kArtifacts.scan(txn, ArtifactKey::prefix("a", "1"), collect);
    CHECK(seen == std::vector<std::string>{"a/1/f", "a/1/g"});
    seen.clear();
    kArtifacts.scan(txn, ArtifactKey::prefix("a"), ArtifactKey::after_version("a", "1"), collect);
    CHECK(seen == std::vector<std::string>{"a/1-rc/f", "a/2/f"});
    seen.clear();
    kArtifacts.scan(txn, ArtifactKey::prefix("a"), collect);
    CHECK(seen.size() == 4);
  });
}

TEST_CASE("artifact_blobs: digest \\0 ci \\0 version \\0 file") {
  const std::string digest(64, 'e');
  const ArtifactBlobKey key{digest, {"web", "1.0", "web.tar"}};
  CHECK(key.encode() == digest + std::string("\0web\0"
                                             "1.0\0web.tar",
                                             16));
  CHECK(key.encode() == digest + '\0' + ArtifactKey{key.at}.encode());
  CHECK(ArtifactBlobKey::decode(key.encode()) == key);
  CHECK(ArtifactBlobKey::prefix(digest) == digest + '\0');
  CHECK_FALSE(ArtifactBlobKey::decode(digest));
  CHECK_FALSE(ArtifactBlobKey::decode(digest + std::string("\0web\0"
                                                           "1.0",
                                                           8)));
}

TEST_CASE("upload sessions are keyed by their id") {
  CHECK(kUploads.table() == storage::Table::uploads);
}
