// tollgated: the Tollgate server, plus its offline admin commands.
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "server/domain/app.hpp"
#include "server/domain/audit/audit_log.hpp"
#include "server/domain/config.hpp"
#include "server/domain/schema_version.hpp"
#include "server/domain/vault/signing.hpp"
#include "server/http/http_server.hpp"
#include "server/http/router.hpp"
#include "server/http/tls_cert.hpp"
#include "server/ops/check.hpp"
#include "server/ops/check_blobs.hpp"
#include "server/ops/periodic.hpp"
#include "server/ops/scrubber.hpp"
#include "storage/file_system.hpp"
#include "storage/fs_blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/lmdb_store.hpp"
#include "storage/owner_only.hpp"

namespace {

using namespace tollgate;          // NOLINT(google-build-using-namespace)
using namespace tollgate::server;  // NOLINT(google-build-using-namespace)

Result<std::unique_ptr<storage::LmdbStore>> open_store(const Config& config) {
  storage::LmdbOptions options;
  options.migrate = [&config](storage::WriteTxn& txn, std::uint32_t from) -> Status {
    if (from == 1) return migrate_tokens_to_users(txn, config, SystemClock().now());
    return invalid(fmt::format("no migration from schema {}", from));
  };
  options.path = (std::filesystem::path(config.data_dir) / "db").string();
  options.map_size = config.map_size_mb << 20;
  options.max_map_size = config.max_map_size_mb << 20;
  options.max_batch = config.max_batch;
  options.schema_version = kSchemaVersion;
  return storage::LmdbStore::open(options);
}

Result<std::unique_ptr<storage::FsBlobStore>> open_blobs(const Config& config,
                                                         bool read_only = false) {
  storage::FsBlobStoreOptions options;
  options.root = (std::filesystem::path(config.data_dir) / "blobs").string();
  options.remove_temporaries = !read_only;  // an inspection changes nothing
  return storage::FsBlobStore::open(options);
}

Result<std::unique_ptr<storage::GitVault>> open_vault(const Config& config, const Clock& clock) {
  storage::GitVaultOptions options;
  options.path = (std::filesystem::path(config.data_dir) / "vault.git").string();
  options.clock = &clock;
  return storage::GitVault::open(options);
}

int fail(const Status& st) {
  fmt::print(stderr, "tollgated: {}\n", st.message());
  return 1;
}

// The data directory is the owner's alone: created 0700 when missing; one from before the
// server made everything owner-only (0755 directories, 0444 blobs) is tightened, once, and said.
Status secure_data_dir(const Config& config) {
  TG_RETURN_IF_ERROR(storage::make_directories(storage::real_file_system(), config.data_dir, 0700));
  auto changed = storage::restrict_to_owner(config.data_dir);
  if (!changed) return changed.status();
  if (*changed > 0)
    fmt::print(
        "tollgated: {} file(s) and directories under {} were readable by other users; "
        "they are now the owner's only (group and other permissions removed)\n",
        *changed, config.data_dir);
  return {};
}

int serve(Config& config) {
  if (Status st = secure_data_dir(config); !st.ok()) return fail(st);
  auto store = open_store(config);
  if (!store) return fail(store.status());
  SystemClock clock;
  auto blobs = open_blobs(config);
  if (!blobs) return fail(blobs.status());
  auto vault = open_vault(config, clock);
  if (!vault) return fail(vault.status());
  Metrics metrics;
  auto signer = Signer::open(std::filesystem::path(config.data_dir) / "keys", true);
  if (!signer) return fail(signer.status());
  // Every mutating request's audit entry goes into the transaction of its change.
  AuditingStore audited(**store, clock);
  App app(audited, **blobs, **vault, clock, metrics, config, *signer);

  const std::string token_file =
      (std::filesystem::path(config.data_dir) / "bootstrap-token").string();
  auto bootstrap = [&app, &token_file] {
    AuditScope audit({"tollgated", "tollgated bootstrap", "/api/v1/users/admin", "startup",
                      "/api/v1/users/admin", "bootstrap: the first admin and its token"});
    return app.tokens.bootstrap(
        [&](const MintedToken& t) { return write_private_file(token_file, t.token + "\n"); });
  }();
  if (!bootstrap) return fail(bootstrap.status());
  if (*bootstrap)
    fmt::print("bootstrap admin token of user 'admin' written to {} (mode 0600)\n", token_file);
  // Changes to the vault and the store that a crash or a failure left half made are completed
  // or rolled back before anyone is served, and then every minute (a tag that could not be made).
  auto reconcile = [&app] {
    auto report = app.intents.reconcile();
    if (!report) {
      fmt::print(stderr, "tollgated: reconciling the vault with the store: {}\n",
                 report.status().message());
      return false;
    }
    for (const auto& line : report->lines) fmt::print("tollgated: {}\n", line);
    std::fflush(stdout);
    return true;
  };
  (void)reconcile();  // a failure is said, and retried by the periodic run
  // Gauges that need a scan of the store are refreshed here, never per scrape of /metrics.
  auto refresh_gauges = [&app] {
    if (auto overdue = app.promotion.count_overdue_pirs(); overdue.ok())
      app.metrics.set_pirs_overdue(*overdue);
  };
  refresh_gauges();
  Periodic gauges(std::chrono::minutes(1), refresh_gauges);
  // CI documents: the vault is their record; an index write that failed after a commit is made
  // good here.
  if (auto indexed = app.documents.rebuild_index(); !indexed)
    fmt::print(stderr, "tollgated: re-indexing CI documents: {}\n", indexed.status().message());
  Periodic reconciliation(std::chrono::minutes(1), [&reconcile] { (void)reconcile(); });

  std::string cert = config.tls_cert, key = config.tls_key;
  if (config.tls && cert.empty()) {
    auto paths =
        ensure_self_signed_certificate((std::filesystem::path(config.data_dir) / "tls").string());
    if (!paths) return fail(paths.status());
    cert = paths->cert;
    key = paths->key;
  }
  Scrubber scrubber(**blobs, metrics, scrubber_options(config));
  if (Status st = scrubber.start(); !st.ok()) return fail(st);
  // Abandoned resumable uploads go, with their bytes, once idle past the configured expiry.
  Periodic expiry(std::chrono::minutes(5), [&app] {
    auto removed = app.uploads.expire();
    if (!removed)
      fmt::print(stderr, "tollgated: removing expired uploads: {}\n", removed.status().message());
    else if (*removed > 0)
      fmt::print("tollgated: removed {} expired upload session(s)\n", *removed);
  });
  auto checkpoint = [&app, &store = **store, &clock] {
    auto committed = checkpoint_audit_log(store, app.vault, clock.now());
    if (!committed)
      fmt::print(stderr, "tollgated: audit log checkpoint: {}\n", committed.status().message());
  };
  // Tokens' last-use times are gathered in memory and written once a minute, not per request.
  auto flush_last_use = [&app] {
    if (Status st = app.tokens.flush_last_used(); !st.ok())
      fmt::print(stderr, "tollgated: recording tokens' last use: {}\n", st.message());
  };
  Periodic last_use(std::chrono::minutes(1), flush_last_use);
  std::optional<Periodic> checkpoints;
  if (config.audit_checkpoint_minutes > 0)
    checkpoints.emplace(std::chrono::minutes(config.audit_checkpoint_minutes), checkpoint);
  HttpServer server(
      config, [&app](const Request& r) { return handle(r, app); },
      [&app](const Request& r) { return headers_admit(r, app); }, metrics);
  auto port = server.start(cert, key);
  if (!port) return fail(port.status());
  fmt::print("tollgated listening on {}://{}:{}\n", config.tls ? "https" : "http",
             config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]"
                                                               : config.listen_host,
             *port);
  if (config.tls) fmt::print("clients trust {} as the CA\n", cert);
  std::fflush(stdout);
  server.run();
  last_use.stop();
  flush_last_use();
  if (checkpoints) checkpoints->stop();
  checkpoint();
  expiry.stop();
  reconciliation.stop();
  gauges.stop();
  scrubber.stop();
  (*store)->close();
  fmt::print("tollgated stopped\n");
  return 0;
}

// Offline recovery: mints an admin token for `user_id`, creating the user with the role admin
// when there is none. A disabled user or one without the role admin is refused.
int admin_token(Config& config, const std::string& user_id) {
  auto store = open_store(config);
  if (!store) return fail(store.status());
  SystemClock clock;
  // Audited like a request: the entry lands in the transaction that stores the token.
  AuditingStore audited(**store, clock);
  AuditScope audit({"tollgated", "tollgated admin-token", "/api/v1/users/" + user_id, "local",
                    "/api/v1/users/" + user_id, "admin token minted on the server's host"});
  UserService users(audited, config, clock);
  auto user = users.get(user_id);
  if (!user && user.status().code() == Code::not_found) {
    User admin;
    admin.id = user_id;
    admin.name = user_id;
    admin.roles = {Role::admin};
    user = users.create(std::move(admin), "tollgated");
  }
  if (!user) return fail(user.status());
  if (user->disabled || !user->has(Role::admin))
    return fail(invalid(fmt::format("user '{}' is disabled or not an admin", user_id)));
  TokenService tokens(audited, config, clock);
  Principal self{user_id, {Role::admin}, {}, {}, user->name};
  TokenRequest request;
  request.user = user_id;
  request.name = "admin-token";
  request.roles = {Role::admin};
  auto minted = tokens.mint(request, self);
  if (!minted) return fail(minted.status());
  fmt::print("admin token of user '{}' (shown once; expires {}): {}\n", user_id,
             format_rfc3339(minted->record.expires_at), minted->token);
  return 0;
}

std::filesystem::path keys_dir(const Config& config) {
  return std::filesystem::path(config.data_dir) / "keys";
}

void print_key(const PublicKeyInfo& key) {
  const char* state = key.active ? "active" : key.retired_at ? "retired" : "verifying";
  fmt::print("{}  {:<9}  created {}{}  public key {}\n", key.key_id, state,
             format_rfc3339(key.created_at),
             key.retired_at ? "  retired " + format_rfc3339(*key.retired_at) : "", key.public_key);
}

// Offline key management: the running server reads DATA/keys at start, so restart it after a
// rotation for the new key to sign.
int keys(const Config& config, const std::string& action, const std::string& key_id) {
  const Micros now = SystemClock().now();
  if (action == "rotate") {
    auto added = Signer::rotate(keys_dir(config), now);
    if (!added) return fail(added.status());
    fmt::print("new active key (restart tollgated to sign with it):\n");
    print_key(*added);
    return 0;
  }
  if (action == "retire") {
    auto retired = Signer::retire(keys_dir(config), key_id, now);
    if (!retired) return fail(retired.status());
    fmt::print("retired (restart tollgated; it no longer verifies):\n");
    print_key(*retired);
    return 0;
  }
  auto signer = Signer::open(keys_dir(config), false);
  if (!signer) return fail(signer.status());
  for (const auto& key : signer->keys()) print_key(key);
  return 0;
}

int check(Config& config) {
  if (!std::filesystem::exists(std::filesystem::path(config.data_dir) / "db" / "data.mdb")) {
    fmt::print(stderr, "tollgated: {} holds no Tollgate store\n", config.data_dir);
    return 2;
  }
  auto store = open_store(config);
  if (!store) return fail(store.status());
  std::size_t faults = check_store(**store, std::cout);
  auto blobs = open_blobs(config, true);
  if (!blobs) return fail(blobs.status());
  SystemClock clock;
  auto vault = open_vault(config, clock);
  if (!vault) return fail(vault.status());
  faults += check_vault(**store, **blobs, **vault, std::cout);
  faults += check_audit_log(**store, vault->get(), std::cout);
  auto signer = Signer::open(keys_dir(config), false);
  if (signer)
    faults += check_signed_documents(**store, **vault, signer->keys(), std::cout);
  else if (signer.status().code() == Code::not_found)
    faults += check_signed_documents(**store, **vault, {}, std::cout);  // any document is a fault
  else
    return fail(signer.status());
  faults += check_blobs(**blobs, std::cout).faults();
  fmt::print("{}\n", faults == 0 ? "check: ok" : fmt::format("check: {} fault(s)", faults));
  return faults == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Whatever the server or its libraries (LMDB, libgit2) create is the owner's alone.
  ::umask(077);
  CLI::App cli{"tollgated: configuration management database and artifact vault"};
  cli.set_version_flag("--version", "tollgated 0.1.0");
  std::string config_file, data_dir, listen;
  bool no_tls = false;
  cli.add_option("--config", config_file, "TOML configuration file (e.g. conf/tollgate.toml)")
      ->check(CLI::ExistingFile);
  cli.add_option("--data-dir", data_dir, "data directory (default ./var)");
  cli.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8443)");
  cli.add_flag("--no-tls", no_tls, "serve plain HTTP (behind a TLS-terminating proxy)");

  auto* token_cmd = cli.add_subcommand("admin-token", "mint an admin token offline and print it");
  std::string token_user = "admin";
  token_cmd->add_option("--data-dir", data_dir, "data directory")->required();
  token_cmd->add_option("--user,--name", token_user,
                        "the admin user the token belongs to (default admin; created if missing)");
  auto* check_cmd = cli.add_subcommand("check", "verify the data directory offline");
  check_cmd->add_option("--data-dir", data_dir, "data directory")->required();
  auto* keys_cmd = cli.add_subcommand("keys", "list, rotate or retire the signing keys offline");
  keys_cmd->require_subcommand(1);
  std::string retire_id;
  for (auto* sub : {keys_cmd->add_subcommand("list", "list the signing keys"),
                    keys_cmd->add_subcommand("rotate", "add a new active key; older ones verify"),
                    keys_cmd->add_subcommand("retire", "retire a key: it no longer verifies")}) {
    sub->add_option("--data-dir", data_dir, "data directory")->required();
    if (sub->get_name() == "retire") sub->add_option("KEY_ID", retire_id, "key id")->required();
  }
  CLI11_PARSE(cli, argc, argv);

  Config config;
  if (!config_file.empty()) {
    if (Status st = load_config_file(config_file, config); !st.ok()) return fail(st);
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!listen.empty()) {
    if (Status st = set_listen(listen, config); !st.ok()) return fail(st);
  }
  if (no_tls) config.tls = false;
  if (Status st = validate(config); !st.ok()) return fail(st);

  if (token_cmd->parsed()) return admin_token(config, token_user);
  if (check_cmd->parsed()) return check(config);
  if (keys_cmd->parsed())
    return keys(config, keys_cmd->get_subcommands().front()->get_name(), retire_id);
  return serve(config);
}
