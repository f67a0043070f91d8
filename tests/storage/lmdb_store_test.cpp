#include "storage/lmdb_store.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using tollgate::testing::TempDir;

namespace {
std::unique_ptr<LmdbStore> open_store(const std::string& path, LmdbOptions options = {}) {
  options.path = path;
  auto store = LmdbStore::open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  return std::move(store).value();
}

std::optional<std::string> get(KvStore& store, Table t, const std::string& key) {
  std::optional<std::string> out;
  REQUIRE(store
              .read([&](ReadTxn& txn) {
                if (auto v = txn.get(t, key)) out = std::string(*v);
                return Status();
              })
              .ok());
  return out;
}
}  // namespace

TEST_CASE("writes are visible to later reads and survive reopening") {
  TempDir dir;
  {
    auto store = open_store(dir.str());
    REQUIRE(store
                ->write([](WriteTxn& txn) {
                  txn.put(Table::cis, "a", "1");
                  txn.put(Table::cis, "b", "2");
                  return Status();
                })
                .ok());
    CHECK(get(*store, Table::cis, "a") == "1");
    CHECK_FALSE(get(*store, Table::cis, "zzz").has_value());
    CHECK_FALSE(get(*store, Table::ci_types, "a").has_value());  // tables are separate
  }
  auto store = open_store(dir.str());
  CHECK(get(*store, Table::cis, "b") == "2");
}

TEST_CASE("a write whose function fails keeps nothing, and its error is returned") {
  TempDir dir;
  auto store = open_store(dir.str());
  Status st = store->write([](WriteTxn& txn) {
    txn.put(Table::cis, "half", "written");
    return conflict("changed my mind");
  });
  CHECK(st.code() == Code::conflict);
  CHECK_FALSE(get(*store, Table::cis, "half").has_value());
}

TEST_CASE("an exception inside a transaction becomes an internal error and keeps nothing") {
  TempDir dir;
  auto store = open_store(dir.str());
  Status st = store->write([](WriteTxn& txn) -> Status {
    txn.put(Table::cis, "x", "y");
    throw std::runtime_error("boom");
  });
  CHECK(st.code() == Code::internal);
  CHECK_FALSE(get(*store, Table::cis, "x").has_value());
  CHECK(store
            ->write([](WriteTxn& txn) {  // the writer thread is still alive
              txn.put(Table::cis, "x", "z");
              return Status();
            })
            .ok());
}

TEST_CASE("scan and scan_back walk keys in order from a starting key") {
  TempDir dir;
  auto store = open_store(dir.str());
  REQUIRE(store
              ->write([](WriteTxn& txn) {
                for (const char* k : {"b", "d", "a", "c", "e"}) txn.put(Table::cis, k, k);
                return Status();
              })
              .ok());
  std::string forward, backward, from_gap, to_end;
  REQUIRE(store
              ->read([&](ReadTxn& txn) {
                txn.scan(Table::cis, "",
                         [&](std::string_view k, std::string_view) { return forward += k, true; });
                txn.scan(Table::cis, "bb", [&](std::string_view k, std::string_view) {
                  from_gap += k;
                  return from_gap.size() < 2;
                });
                txn.scan_back(Table::cis, "c", [&](std::string_view k, std::string_view) {
                  return backward += k, true;
                });
                txn.scan_back(Table::cis, "cc", [&](std::string_view k, std::string_view) {
                  return to_end += k, true;
                });
                CHECK(txn.count(Table::cis) == 5);
                return Status();
              })
              .ok());
  CHECK(forward == "abcde");
  CHECK(from_gap == "cd");
  CHECK(backward == "cba");
  CHECK(to_end == "cba");
}

TEST_CASE("erase reports whether the key was there") {
  TempDir dir;
  auto store = open_store(dir.str());
  bool first = false, second = true;
  REQUIRE(store->write([](WriteTxn& txn) { return txn.put(Table::cis, "k", "v"), Status(); }).ok());
  REQUIRE(store
              ->write([&](WriteTxn& txn) {
                first = txn.erase(Table::cis, "k");
                second = txn.erase(Table::cis, "k");
                return Status();
              })
              .ok());
  CHECK(first);
  CHECK_FALSE(second);
}

TEST_CASE("concurrent read-modify-write loses no update, and commits are batched") {
  TempDir dir;
  auto store = open_store(dir.str());
  constexpr int kThreads = 32, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Status st = store->write([&](WriteTxn& txn) {
          auto v = txn.get(Table::meta, "counter");
          const long n = v ? std::stol(std::string(*v)) : 0;
          txn.put(Table::meta, "counter", std::to_string(n + 1));
          // A failing write in the same batch must not take the others with it.
          if (i % 10 == 0) {
            txn.put(Table::meta, "poison", std::to_string(t));
            return conflict("refused");
          }
          return Status();
        });
        if (!st.ok() && i % 10 != 0) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  const int expected = kThreads * (kEach - kEach / 10);
  CHECK(get(*store, Table::meta, "counter") == std::to_string(expected));
  CHECK_FALSE(get(*store, Table::meta, "poison").has_value());
  const auto stats = store->stats();
  CHECK(stats.writes >= static_cast<std::uint64_t>(expected));
  CHECK(stats.commits < stats.writes);  // group commit: fewer fsyncs than writes
}

TEST_CASE("the map grows on demand and answers storage_full at its maximum") {
  TempDir dir;
  LmdbOptions options;
  options.map_size = 1 << 20;
  options.max_map_size = 8 << 20;
  auto store = open_store(dir.str(), options);
  const std::string value(64 * 1024, 'x');
  int stored = 0;
  Status last;
  for (int i = 0; i < 400 && last.ok(); ++i) {
    last = store->write([&](WriteTxn& txn) {
      txn.put(Table::cis, "key" + std::to_string(i), value);
      return Status();
    });
    if (last.ok()) ++stored;
  }
  CHECK(stored > 16);  // more than the initial 1 MiB holds
  CHECK(last.code() == Code::storage_full);
  CHECK(store->stats().map_size == options.max_map_size);
  // What was acknowledged is all there, and small writes that fit still work.
  CHECK(get(*store, Table::cis, "key0") == value);
  CHECK(get(*store, Table::cis, "key" + std::to_string(stored - 1)) == value);
  CHECK(store->write([](WriteTxn& txn) { return txn.erase(Table::cis, "key0"), Status(); }).ok());
}

TEST_CASE("schema versions: recorded, migrated step by step, and newer data refused") {
  TempDir dir;
  {
    LmdbOptions v1;
    v1.schema_version = 1;
    auto store = open_store(dir.str(), v1);
  }
  std::vector<std::uint32_t> steps;
  {
    LmdbOptions v3;
    v3.schema_version = 3;
    v3.migrate = [&](WriteTxn& txn, std::uint32_t from) {
      steps.push_back(from);
      txn.put(Table::meta, "migrated-from-" + std::to_string(from), "yes");
      return Status();
    };
    auto store = open_store(dir.str(), v3);
    CHECK(get(*store, Table::meta, "schema_version") == "3");
    CHECK(get(*store, Table::meta, "migrated-from-2") == "yes");
  }
  CHECK(steps == std::vector<std::uint32_t>{1, 2});
  LmdbOptions old;
  old.path = dir.str();
  old.schema_version = 2;
  auto refused = LmdbStore::open(old);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::invalid);
  CHECK(refused.status().message().find("newer") != std::string::npos);
}

TEST_CASE("a failing migration leaves the store as it was") {
  TempDir dir;
  { auto store = open_store(dir.str()); }
  LmdbOptions v2;
  v2.path = dir.str();
  v2.schema_version = 2;
  v2.migrate = [](WriteTxn& txn, std::uint32_t) {
    txn.put(Table::meta, "partial", "1");
    return invalid("cannot migrate");
  };
  CHECK_FALSE(LmdbStore::open(v2).ok());
  auto store = open_store(dir.str());
  CHECK(get(*store, Table::meta, "schema_version") == "1");
  CHECK_FALSE(get(*store, Table::meta, "partial").has_value());
}

TEST_CASE("writes after close are refused") {
  TempDir dir;
  auto store = open_store(dir.str());
  store->close();
  CHECK(store->write([](WriteTxn&) { return Status(); }).code() == Code::unavailable);
}
