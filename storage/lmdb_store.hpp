// LmdbStore: KvStore on one LMDB environment (DATA/db/).
//
// One writer thread owns every write transaction and commits concurrent writes in batches (group
// commit): each caller's function runs in its own nested transaction, so one caller's failure
// leaves the others' writes intact, and the whole batch costs one fsync. Readers run in parallel
// on MVCC snapshots. When the map fills, the writer grows it (doubling, up to max_map_size) with
// readers briefly held off, and retries the batch; past the maximum, writes fail with
// storage_full.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "storage/kv_store.hpp"

namespace tollgate::storage {

struct LmdbOptions {
  std::string path;                          // directory; created if missing
  std::uint64_t map_size = 64ull << 20;      // initial map size in bytes
  std::uint64_t max_map_size = 64ull << 30;  // growth stops here
  std::size_t max_batch = 512;               // writes per commit at most
  std::uint32_t schema_version = 1;          // what this build writes
  // Upgrades the data from schema `from` to `from + 1`, inside the opening write transaction.
  std::function<Status(WriteTxn&, std::uint32_t from)> migrate;
};

class LmdbStore final : public KvStore {
 public:
  // Opens (creating if needed) the environment and brings its schema to options.schema_version.
  // Errors: io when the directory or environment cannot be opened; invalid when the data was
  // written by a newer schema than this build knows, or a migration step fails.
  static Result<std::unique_ptr<LmdbStore>> open(const LmdbOptions& options);

  ~LmdbStore() override;
  LmdbStore(const LmdbStore&) = delete;
  LmdbStore& operator=(const LmdbStore&) = delete;

  Status read(const std::function<Status(ReadTxn&)>& fn) override;
  Status write(const std::function<Status(WriteTxn&)>& fn) override;
  StoreStats stats() override;

  // Stops accepting writes, finishes the queued ones and closes the environment.
  void close();

  struct Impl;

 private:
  explicit LmdbStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::storage
