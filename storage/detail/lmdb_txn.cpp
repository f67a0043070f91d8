// LmdbTxn (detail/lmdb_txn.hpp): one LMDB transaction's reads and writes, and LMDB's errors in
// our terms.
#include "lmdb_txn.hpp"

#include <fmt/format.h>

namespace tollgate::storage::lmdb {
namespace {

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // NOLINT: LMDB does not write keys
}
std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

}  // namespace

Status lmdb_status(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL)
    return Status(Code::storage_full, fmt::format("{}: the store is full", what));
  return io_error(fmt::format("{}: {}", what, mdb_strerror(rc)));
}

std::optional<std::string_view> LmdbTxn::get(Table table, std::string_view key) {
  if (!error_.ok()) return std::nullopt;
  MDB_val k = to_val(key), v{};
  const int rc = mdb_get(txn_, dbi(table), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) {
    fail(rc, "get");
    return std::nullopt;
  }
  return to_view(v);
}

void LmdbTxn::scan(Table table, std::string_view from, const ScanFn& fn) {
  CursorGuard c;
  if (!open_cursor(table, c)) return;
  MDB_val k = to_val(from), v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    if (!fn(to_view(k), to_view(v))) return;
    rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) fail(rc, "scan");
}

void LmdbTxn::scan_back(Table table, std::string_view from, const ScanFn& fn) {
  CursorGuard c;
  if (!open_cursor(table, c)) return;
  MDB_val k = to_val(from), v{};
  int rc = 0;
  if (from.empty()) {
    rc = mdb_cursor_get(c.cursor, &k, &v, MDB_LAST);
  } else {
    rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
      rc = mdb_cursor_get(c.cursor, &k, &v, MDB_LAST);
    } else if (rc == 0 && to_view(k) != from) {
      rc = mdb_cursor_get(c.cursor, &k, &v, MDB_PREV);
    }
  }
  while (rc == 0) {
    if (!fn(to_view(k), to_view(v))) return;
    rc = mdb_cursor_get(c.cursor, &k, &v, MDB_PREV);
  }
  if (rc != MDB_NOTFOUND) fail(rc, "scan");
}

std::uint64_t LmdbTxn::count(Table table) {
  MDB_stat st{};
  const int rc = mdb_stat(txn_, dbi(table), &st);
  if (rc != 0) {
    fail(rc, "stat");
    return 0;
  }
  return st.ms_entries;
}

void LmdbTxn::put(Table table, std::string_view key, std::string_view value) {
  if (!error_.ok()) return;
  MDB_val k = to_val(key), v = to_val(value);
  const int rc = mdb_put(txn_, dbi(table), &k, &v, 0);
  if (rc != 0) fail(rc, "put");
}

bool LmdbTxn::erase(Table table, std::string_view key) {
  if (!error_.ok()) return false;
  MDB_val k = to_val(key);
  const int rc = mdb_del(txn_, dbi(table), &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) fail(rc, "erase");
  return rc == 0;
}

bool LmdbTxn::open_cursor(Table table, CursorGuard& c) {
  if (!error_.ok()) return false;
  const int rc = mdb_cursor_open(txn_, dbi(table), &c.cursor);
  if (rc != 0) fail(rc, "cursor");
  return rc == 0;
}

void LmdbTxn::fail(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) map_full_ = true;
  if (error_.ok()) error_ = lmdb_status(rc, what);
}

}  // namespace tollgate::storage::lmdb
