// Private to storage/: LMDB errors as Status, RAII for a transaction and a cursor, and LmdbTxn,
// the WriteTxn (and ReadTxn) on one LMDB transaction that LmdbStore (lmdb_store.cpp) runs.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::storage::lmdb {

inline constexpr std::size_t kTables = static_cast<std::size_t>(Table::count_);

// An LMDB return code as Status: storage_full for a full map, io for the rest.
Status lmdb_status(int rc, std::string_view what);

// Aborts the transaction unless it was committed.
struct TxnGuard {
  MDB_txn* txn = nullptr;
  TxnGuard() = default;
  TxnGuard(const TxnGuard&) = delete;
  TxnGuard& operator=(const TxnGuard&) = delete;
  ~TxnGuard() { abort(); }
  void abort() {
    if (txn) mdb_txn_abort(txn);
    txn = nullptr;
  }
  int commit() {
    const int rc = mdb_txn_commit(txn);
    txn = nullptr;  // a failed commit frees the transaction too
    return rc;
  }
};

struct CursorGuard {
  MDB_cursor* cursor = nullptr;
  CursorGuard() = default;
  CursorGuard(const CursorGuard&) = delete;
  CursorGuard& operator=(const CursorGuard&) = delete;
  ~CursorGuard() {
    if (cursor) mdb_cursor_close(cursor);
  }
};

// Keeps the first failure (error()), after which get, scan, put and erase do nothing;
// map_full() says whether a failure was the map (or the transaction) filling up.
class LmdbTxn final : public WriteTxn {
 public:
  LmdbTxn(MDB_txn* txn, const std::array<MDB_dbi, kTables>& dbis) : txn_(txn), dbis_(dbis) {}

  std::optional<std::string_view> get(Table table, std::string_view key) override;
  void scan(Table table, std::string_view from, const ScanFn& fn) override;
  void scan_back(Table table, std::string_view from, const ScanFn& fn) override;
  std::uint64_t count(Table table) override;
  void put(Table table, std::string_view key, std::string_view value) override;
  bool erase(Table table, std::string_view key) override;

  const Status& error() const { return error_; }
  bool map_full() const { return map_full_; }

 private:
  MDB_dbi dbi(Table t) const { return dbis_[static_cast<std::size_t>(t)]; }
  bool open_cursor(Table table, CursorGuard& c);
  void fail(int rc, std::string_view what);

  MDB_txn* txn_;
  const std::array<MDB_dbi, kTables>& dbis_;
  Status error_;
  bool map_full_ = false;
};

}  // namespace tollgate::storage::lmdb
