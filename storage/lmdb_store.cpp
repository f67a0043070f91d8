#include "storage/lmdb_store.hpp"

#include <lmdb.h>

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "detail/lmdb_txn.hpp"

namespace tollgate::storage {

using lmdb::kTables;
using lmdb::lmdb_status;
using lmdb::LmdbTxn;
using lmdb::TxnGuard;

namespace {

constexpr unsigned kMaxReaders = 1024;
constexpr const char* kSchemaKey = "schema_version";

// Callbacks come from other layers; an exception from one must not unwind through LMDB or
// kill the writer thread. It becomes an internal error of that call alone.
template <typename Fn>
Status run_guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return internal_error(fmt::format("unexpected failure in a transaction: {}", e.what()));
  }
}

struct PendingWrite {
  const std::function<Status(WriteTxn&)>* fn;
  Status result;
  bool done = false;
  std::condition_variable cv;
};

}  // namespace

struct LmdbStore::Impl {
  LmdbOptions options;
  MDB_env* env = nullptr;
  std::array<MDB_dbi, kTables> dbis{};
  std::uint64_t map_size = 0;

  std::shared_mutex resize_mu;  // readers shared, map growth exclusive

  std::mutex mu;
  std::condition_variable work_cv;
  std::deque<PendingWrite*> queue;
  bool stopping = false;
  std::thread writer;
  std::atomic<std::uint64_t> commits{0}, writes{0};

  ~Impl() {
    if (env) mdb_env_close(env);
  }

  Status open_env() {
    std::error_code ec;
    // The environment's directory and files are the owner's alone (0700, 0600).
    if (std::filesystem::create_directories(options.path, ec) && !ec)
      std::filesystem::permissions(options.path, std::filesystem::perms::owner_all, ec);
    if (ec) return io_error(fmt::format("cannot create {}: {}", options.path, ec.message()));
    int rc = mdb_env_create(&env);
    if (rc != 0) return lmdb_status(rc, "mdb_env_create");
    map_size = options.map_size;
    if ((rc = mdb_env_set_mapsize(env, map_size)) != 0 ||
        (rc = mdb_env_set_maxdbs(env, kTables + 8)) != 0 ||
        (rc = mdb_env_set_maxreaders(env, kMaxReaders)) != 0)
      return lmdb_status(rc, "configure environment");
    rc = mdb_env_open(env, options.path.c_str(), MDB_NOTLS | MDB_NORDAHEAD, 0600);
    if (rc != 0) return lmdb_status(rc, fmt::format("open {}", options.path));
    MDB_envinfo info{};
    mdb_env_info(env, &info);
    map_size = info.me_mapsize;
    return {};
  }

  Status open_tables() {
    TxnGuard t;
    int rc = mdb_txn_begin(env, nullptr, 0, &t.txn);
    if (rc != 0) return lmdb_status(rc, "begin");
    for (std::size_t i = 0; i < kTables; ++i) {
      rc = mdb_dbi_open(t.txn, table_name(static_cast<Table>(i)), MDB_CREATE, &dbis[i]);
      if (rc != 0) return lmdb_status(rc, "open table");
    }
    rc = t.commit();
    return rc == 0 ? Status() : lmdb_status(rc, "commit");
  }

  Status bring_schema_up_to_date() {
    TxnGuard t;
    int rc = mdb_txn_begin(env, nullptr, 0, &t.txn);
    if (rc != 0) return lmdb_status(rc, "begin");
    LmdbTxn txn(t.txn, dbis);
    std::uint32_t version = options.schema_version;
    if (auto stored = txn.get(Table::meta, kSchemaKey)) {
      const auto [end, ec] =
          std::from_chars(stored->data(), stored->data() + stored->size(), version);
      if (ec != std::errc() || end != stored->data() + stored->size())
        return Status(Code::corrupt, "the schema version record is unreadable");
    }
    if (version > options.schema_version)
      return invalid(fmt::format(
          "the data directory {} has schema version {}, newer than this build's {}; run a newer "
          "tollgated",
          options.path, version, options.schema_version));
    for (; version < options.schema_version; ++version) {
      if (!options.migrate) return invalid(fmt::format("no migration from schema {}", version));
      TG_RETURN_IF_ERROR(options.migrate(txn, version));
    }
    txn.put(Table::meta, kSchemaKey, std::to_string(options.schema_version));
    TG_RETURN_IF_ERROR(txn.error());
    rc = t.commit();
    return rc == 0 ? Status() : lmdb_status(rc, "commit");
  }

  bool grow() {
    if (map_size >= options.max_map_size) return false;
    std::unique_lock lock(resize_mu);
    const std::uint64_t next = std::min(map_size * 2, options.max_map_size);
    if (mdb_env_set_mapsize(env, next) != 0) return false;
    map_size = next;
    return true;
  }

  // Runs the batch in one transaction. Sets each write's result.
  void commit_batch(std::vector<PendingWrite*>& batch) {
    std::vector<PendingWrite*> todo = batch;
    while (!todo.empty()) {
      std::size_t full_at = todo.size();
      Status commit_error;
      {
        TxnGuard parent;
        int rc = mdb_txn_begin(env, nullptr, 0, &parent.txn);
        if (rc != 0) return fail_all(todo, lmdb_status(rc, "begin"));
        for (std::size_t i = 0; i < todo.size(); ++i) {
          TxnGuard child;
          rc = mdb_txn_begin(env, parent.txn, 0, &child.txn);
          if (rc != 0) return fail_all(todo, lmdb_status(rc, "begin nested"));
          LmdbTxn txn(child.txn, dbis);
          Status st = run_guarded([&] { return (*todo[i]->fn)(txn); });
          if (txn.map_full()) {
            full_at = i;
            break;
          }
          if (!txn.error().ok()) st = txn.error();
          if (st.ok() && (rc = child.commit()) != 0) st = lmdb_status(rc, "commit nested");
          todo[i]->result = std::move(st);
        }
        if (full_at == todo.size()) {
          rc = parent.commit();
          if (rc == 0) {
            commits.fetch_add(1, std::memory_order_relaxed);
            writes.fetch_add(todo.size(), std::memory_order_relaxed);
            return;
          }
          if (rc != MDB_MAP_FULL) return fail_all(todo, lmdb_status(rc, "commit"));
          full_at = todo.size() - 1;
        }
      }
      // The map is full: grow it and retry, or give up on the write that needed the room.
      if (!grow()) {
        todo[full_at]->result =
            Status(Code::storage_full, "the store reached its maximum size (storage.max_map_size)");
        todo.erase(todo.begin() + static_cast<std::ptrdiff_t>(full_at));
      }
    }
  }

  static void fail_all(std::vector<PendingWrite*>& todo, const Status& st) {
    for (auto* p : todo) p->result = st;
  }

  void writer_loop() {
    std::vector<PendingWrite*> batch;
    for (;;) {
      {
        std::unique_lock lock(mu);
        work_cv.wait(lock, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) return;
        while (!queue.empty() && batch.size() < options.max_batch) {
          batch.push_back(queue.front());
          queue.pop_front();
        }
      }
      commit_batch(batch);
      std::lock_guard lock(mu);
      for (auto* p : batch) {
        p->done = true;
        p->cv.notify_one();  // under the lock: the waiter cannot leave (and free p) before
      }
      batch.clear();
    }
  }
};

LmdbStore::LmdbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LmdbStore::~LmdbStore() { close(); }

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const LmdbOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.max_map_size < impl->options.map_size)
    impl->options.max_map_size = impl->options.map_size;
  TG_RETURN_IF_ERROR(impl->open_env());
  TG_RETURN_IF_ERROR(impl->open_tables());
  TG_RETURN_IF_ERROR(impl->bring_schema_up_to_date());
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->writer_loop(); });
  return std::unique_ptr<LmdbStore>(new LmdbStore(std::move(impl)));
}

void LmdbStore::close() {
  if (!impl_ || !impl_->env) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_one();
  if (impl_->writer.joinable()) impl_->writer.join();
  std::unique_lock lock(impl_->resize_mu);  // waits for readers still inside
  mdb_env_close(impl_->env);
  impl_->env = nullptr;
}

Status LmdbStore::read(const std::function<Status(ReadTxn&)>& fn) {
  std::shared_lock lock(impl_->resize_mu);
  if (!impl_->env) return Status(Code::unavailable, "the store is closed");
  TxnGuard t;
  const int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &t.txn);
  if (rc != 0) return lmdb_status(rc, "begin read");
  LmdbTxn txn(t.txn, impl_->dbis);
  Status st = run_guarded([&] { return fn(txn); });
  return txn.error().ok() ? st : txn.error();
}

Status LmdbStore::write(const std::function<Status(WriteTxn&)>& fn) {
  PendingWrite pending{&fn, {}, false, {}};
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping) return Status(Code::unavailable, "the store is closing");
  impl_->queue.push_back(&pending);
  impl_->work_cv.notify_one();
  pending.cv.wait(lock, [&] { return pending.done; });
  return std::move(pending.result);
}

StoreStats LmdbStore::stats() {
  StoreStats s;
  std::shared_lock lock(impl_->resize_mu);
  if (!impl_->env) return s;
  MDB_envinfo info{};
  MDB_stat st{};
  mdb_env_info(impl_->env, &info);
  mdb_env_stat(impl_->env, &st);
  s.map_size = info.me_mapsize;
  s.used_size = (info.me_last_pgno + 1) * static_cast<std::uint64_t>(st.ms_psize);
  s.commits = impl_->commits.load(std::memory_order_relaxed);
  s.writes = impl_->writes.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tollgate::storage
