// An App on a fresh LMDB store in a temporary directory, with a settable clock and an admin
// token, for tests of the services and the router without sockets.
#pragma once

#include <algorithm>

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "server/domain/app.hpp"
#include "server/domain/audit/audit_log.hpp"
#include "server/http/router.hpp"
#include "storage/fs_blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/lmdb_store.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/faulty_kv_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace tollgate::testing {

constexpr Micros kStart = 1'796'083'200'000'000;  // 2026-12-01T00:00:00Z

struct AppFixture {
  TempDir dir;
  ManualClock clock{kStart};
  server::Metrics metrics;
  server::Config config;
  std::unique_ptr<storage::LmdbStore> store;
  std::unique_ptr<FaultyKvStore> faulty;           // the store, with faults on demand
  std::unique_ptr<server::AuditingStore> audited;  // what the App writes through (to faulty)
  FaultyFileSystem blob_fs;                        // the blob store's, with faults on demand
  std::unique_ptr<storage::FsBlobStore> blobs;
  std::unique_ptr<storage::GitVault> vault;
  std::optional<server::Signer> signer;
  std::unique_ptr<server::App> app;
  std::string admin;  // an admin token
  server::Principal admin_principal{"admin", {server::Role::admin}, {}};

  // `options` for the LMDB store, e.g. a small maximum map size; its path is set here.
  explicit AppFixture(storage::LmdbOptions options = {}) {
    options.path = dir.str() + "/db";
    auto opened = storage::LmdbStore::open(options);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    auto opened_blobs =
        storage::FsBlobStore::open({.root = dir.str() + "/blobs", .file_system = &blob_fs});
    REQUIRE(opened_blobs.ok());
    blobs = std::move(opened_blobs).value();
    open_vault();
    config.data_dir = dir.str();
    auto opened_signer = server::Signer::open(dir.path() / "keys", true, kStart);
    REQUIRE(opened_signer.ok());
    signer = std::move(opened_signer).value();
    faulty = std::make_unique<FaultyKvStore>(*store);
    audited = std::make_unique<server::AuditingStore>(*faulty, clock);
    app = std::make_unique<server::App>(*audited, *blobs, *vault, clock, metrics, config, *signer);
    admin = mint("admin", {server::Role::admin}).token;
  }

  // Opens (or opens again) the vault in the fixture's directory.
  void open_vault() {
    storage::GitVaultOptions vault_options;
    vault_options.path = dir.str() + "/vault.git";
    vault_options.clock = &clock;
    auto opened_vault = storage::GitVault::open(vault_options);
    REQUIRE(opened_vault.ok());
    vault = std::move(opened_vault).value();
  }

  // What a new process has after a crash: the same data, fresh services and a fresh vault
  // handle; no fault armed. The vault intents are not reconciled (call app->intents.reconcile()).
  void restart() {
    app.reset();
    faulty->clear();
    vault.reset();
    open_vault();
    app = std::make_unique<server::App>(*audited, *blobs, *vault, clock, metrics, config, *signer);
  }

  // Makes sure user `id` exists and holds `roles` (added to any it has).
  void ensure_user(const std::string& id, const std::vector<server::Role>& roles) {
    auto existing = app->users.get(id);
    if (!existing) {
      server::User user;
      user.id = id;
      user.name = id;
      user.roles = roles;
      REQUIRE(app->users.create(std::move(user), "test").ok());
      return;
    }
    server::UserPatch patch;
    patch.roles = existing->roles;
    for (server::Role r : roles)
      if (!existing->has(r)) patch.roles->push_back(r);
    std::sort(patch.roles->begin(), patch.roles->end());
    REQUIRE(app->users.patch(id, patch, "test").ok());
  }

  // Mints a token of user `id` (created or given the roles as needed) with exactly `roles`,
  // limited to `environments` when not empty.
  server::MintedToken mint(const std::string& id, const std::vector<server::Role>& roles,
                           const std::vector<std::string>& environments = {}) {
    ensure_user(id, roles);
    server::TokenRequest request;
    request.user = id;
    request.roles = roles;
    request.environments = environments;
    auto token = app->tokens.mint(request, admin_principal);
    REQUIRE_MESSAGE(token.ok(), token.status().message());
    return std::move(token).value();
  }

  std::string token_with(server::Role role, const std::string& name) {
    return mint(name, {role}).token;
  }

  // How many records `table` holds, read past the services.
  std::uint64_t count(storage::Table table) {
    std::uint64_t n = 0;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  n = txn.count(table);
                  return Status();
                })
                .ok());
    return n;
  }

  // Stores a record as it is, past the services (to set up states directly or to tamper).
  void put_record(storage::Table table, const std::string& key, const std::string& value) {
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  txn.put(table, key, value);
                  return Status();
                })
                .ok());
  }

  // The stored record of release `id` (which must exist), read past the services.
  server::Release load(const std::string& id) {
    std::optional<server::Release> out;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  out = server::load_release(txn, id);
                  return Status();
                })
                .ok());
    REQUIRE(out);
    return *out;
  }

  // Stores a release record as it is, past the services (to set up states directly).
  void save(const server::Release& release) {
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  server::store_release(txn, release);
                  return Status();
                })
                .ok());
  }

  server::Response call(const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& token = "use-admin",
                        server::HeaderList extra = {}) {
    server::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (token == "use-admin")
      r.headers.emplace_back("authorization", "Bearer " + admin);
    else if (!token.empty())
      r.headers.emplace_back("authorization", "Bearer " + token);
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    for (auto& h : extra) r.headers.push_back(std::move(h));
    return server::handle(r, *app);
  }
};

}  // namespace tollgate::testing
