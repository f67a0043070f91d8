// A real LMDB store in a temporary directory, for the table codecs' scan tests.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/lmdb_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace tollgate::testing {

struct TableStore {
  TempDir dir;
  std::unique_ptr<storage::LmdbStore> store;

  TableStore() {
    storage::LmdbOptions options;
    options.path = dir.str();
    auto opened = storage::LmdbStore::open(options);
    REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
    store = std::move(opened).value();
  }

  void put(storage::Table table, const std::vector<std::string>& keys) {
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  for (const auto& key : keys) txn.put(table, key, "v:" + key);
                  return Status();
                })
                .ok());
  }

  template <class Fn>
  void read(Fn fn) {
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  fn(txn);
                  return Status();
                })
                .ok());
  }
};

inline std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace tollgate::testing
