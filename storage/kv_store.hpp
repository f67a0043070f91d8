// KvStore: the transactional key-value store under Tollgate's metadata.
//
// Domain services see only this interface: named tables of byte-string keys and values, read
// transactions that see one consistent snapshot, and write transactions that are atomic and
// durable once `write` returns ok. LMDB is today's engine (storage/lmdb_store.hpp); nothing of it
// leaks through here so that another engine can take its place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/enum_names.hpp"
#include "tollgate/status.hpp"

namespace tollgate::storage {

// Every table the server keeps. Adding one is a schema change (see lmdb_store.cpp). The layouts
// below are documentation: each table's key codec (encode, decode, scan prefixes) lives in
// server/domain/tables/, the one place that spells a key; a new table gets its codec there, and
// its bytes pinned by a test in tests/server/domain/tables/.
enum class Table : std::uint8_t {
  meta,            // schema version and other singletons
  tokens,          // sha256(token) hex -> token record (JSON: its user, roles, expiry)
  ci_types,        // type name -> type record
  cis,             // CI id -> current CI record
  ci_history,      // CI id \0 be64(revision) -> history entry
  rel_out,         // from \0 type \0 to -> relationship record
  rel_in,          // to \0 type \0 from -> relationship record
  audit_log,       // be64(sequence) -> audit entry
  artifacts,       // ci \0 version \0 file -> artifact record (JSON)
  artifact_blobs,  // digest hex \0 ci \0 version \0 file -> "" (who uses a blob)
  uploads,         // upload session id -> session record (JSON)
  documents,       // ci \0 name -> document record (JSON: newest commit, blob id, size)
  rfcs,            // RFC id -> RFC record (JSON)
  releases,        // release id -> release record (JSON: items, documents, gates, events)
  manifests,       // environment \0 be64(version) -> signed environment manifest (JSON)
  baselines,       // baseline name -> baseline record (JSON: the signed document, commit, tag)
  audits,          // be64(N) -> configuration audit result "audit-N" (JSON: FCA or PCA)
  users,           // user id -> user record (JSON: a person, their roles and environments)
  intents,         // be64(N) -> a change to the vault and the metadata in flight (JSON)
  count_,
};

inline constexpr EnumName<Table> kTableNames[] = {
    {Table::meta, "meta"},
    {Table::tokens, "tokens"},
    {Table::ci_types, "ci_types"},
    {Table::cis, "cis"},
    {Table::ci_history, "ci_history"},
    {Table::rel_out, "rel_out"},
    {Table::rel_in, "rel_in"},
    {Table::audit_log, "audit_log"},
    {Table::artifacts, "artifacts"},
    {Table::artifact_blobs, "artifact_blobs"},
    {Table::uploads, "uploads"},
    {Table::documents, "documents"},
    {Table::rfcs, "rfcs"},
    {Table::releases, "releases"},
    {Table::manifests, "manifests"},
    {Table::baselines, "baselines"},
    {Table::audits, "audits"},
    {Table::users, "users"},
    {Table::intents, "intents"},
};
constexpr std::span<const EnumName<Table>> enum_names(Table) { return kTableNames; }

// The LMDB database name of a table; "?" for count_.
constexpr const char* table_name(Table t) { return name_of(t); }

// Called for each entry of a scan, in key order; return false to stop.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

// A consistent snapshot. Views returned by get() and passed to ScanFn are valid only until the
// transaction ends. An engine failure inside a call makes it return "nothing" and poisons the
// transaction: KvStore::read/write then report that failure instead of the callback's result,
// so callers need not check every get().
class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  virtual std::optional<std::string_view> get(Table table, std::string_view key) = 0;
  // Entries with key >= from, in order, while fn returns true.
  virtual void scan(Table table, std::string_view from, const ScanFn& fn) = 0;
  // Entries with key <= from, in descending order, while fn returns true.
  virtual void scan_back(Table table, std::string_view from, const ScanFn& fn) = 0;
  virtual std::uint64_t count(Table table) = 0;
};

class WriteTxn : public ReadTxn {
 public:
  virtual void put(Table table, std::string_view key, std::string_view value) = 0;
  // Deletes key; returns whether it was there.
  virtual bool erase(Table table, std::string_view key) = 0;
};

struct StoreStats {
  std::uint64_t map_size = 0;   // bytes reserved for the store
  std::uint64_t used_size = 0;  // bytes in use
  std::uint64_t commits = 0;    // write batches committed (each is one fsync)
  std::uint64_t writes = 0;     // write operations committed
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Runs fn in a read-only snapshot. Thread-safe; many readers run at once.
  virtual Status read(const std::function<Status(ReadTxn&)>& fn) = 0;

  // Runs fn in a write transaction and makes it durable. If fn returns non-ok, none of its
  // writes are kept. Concurrent calls are batched into one commit (group commit), each call
  // isolated from the others' failures. Blocks until the batch is on disk. fn runs on the
  // store's writer thread, must not block, and may run more than once (when the batch is
  // retried after the store grows): it must derive everything from the transaction.
  // Errors: storage_full when the store reached its configured maximum size, io on disk errors.
  virtual Status write(const std::function<Status(WriteTxn&)>& fn) = 0;

  virtual StoreStats stats() = 0;
};

// Big-endian encoding of integers, so that keys sort numerically.
inline std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

inline std::uint64_t from_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < s.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace tollgate::storage
