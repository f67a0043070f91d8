// tollgate: the command-line client of a Tollgate server. See cli/commands.hpp for the
// commands and cli/config.hpp for where the server, token and CA come from.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/audit.hpp"
#include "cli/baseline.hpp"
#include "cli/ci.hpp"
#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/identity.hpp"
#include "cli/login.hpp"
#include "cli/pca.hpp"
#include "cli/release.hpp"
#include "cli/verify.hpp"
#include "client/server_url.hpp"

namespace {

using namespace tollgate;  // NOLINT(google-build-using-namespace): a thin main
using namespace tollgate::cli;

constexpr int kDefaultTimeoutSeconds = 120;

struct GlobalOptions {
  std::string server, token, ca, config_file;
  CLI::Option* server_flag = nullptr;
  CLI::Option* token_flag = nullptr;
  CLI::Option* ca_flag = nullptr;
  CLI::Option* config_flag = nullptr;
  std::string keys;
  CLI::Option* keys_flag = nullptr;
  std::string cert, key;
  CLI::Option* cert_flag = nullptr;
  CLI::Option* key_flag = nullptr;
  bool json = false;
  int timeout_seconds = kDefaultTimeoutSeconds;

  SettingFlags flags() const {
    SettingFlags given;
    if (*server_flag) given.server = server;
    if (*token_flag) given.token = token;
    if (*ca_flag) given.ca = ca;
    if (*config_flag) given.config_file = config_file;
    if (*keys_flag) given.keys = keys;
    if (*cert_flag) given.cert = cert;
    if (*key_flag) given.key = key;
    return given;
  }
};

void add_global_options(CLI::App& app, GlobalOptions& global) {
  global.server_flag = app.add_option("--server", global.server,
                                      "server URL, https://HOST:PORT or http://HOST:PORT "
                                      "(env TOLLGATE_SERVER; default https://127.0.0.1:8443)");
  global.token_flag = app.add_option("--token", global.token, "API token (env TOLLGATE_TOKEN)");
  global.ca_flag = app.add_option("--ca", global.ca, "PEM CA file to trust (env TOLLGATE_CA)");
  global.config_flag =
      app.add_option("--config", global.config_file,
                     "config file (default $XDG_CONFIG_HOME/tollgate/config.toml or "
                     "~/.config/tollgate/config.toml)");
  global.keys_flag = app.add_option("--keys", global.keys,
                                    "key file signed manifests must verify with (env "
                                    "TOLLGATE_KEYS; written by `tollgate keys --save`)");
  global.cert_flag = app.add_option("--cert", global.cert,
                                    "PEM client certificate to present, for servers with "
                                    "[tls] client_ca (env TOLLGATE_CERT)");
  global.key_flag =
      app.add_option("--key", global.key, "PEM private key of --cert (env TOLLGATE_KEY)");
  app.add_flag("--json", global.json, "print results as JSON");
  app.add_option("--timeout", global.timeout_seconds,
                 "seconds to wait for each network step (default 120)")
      ->check(CLI::Range(1, 86400));
}

CLI::App* add_push(CLI::App& app, PushOptions& push) {
  auto* command = app.add_subcommand("push", "upload build artifacts to CI/VERSION/<file name>");
  command->add_option("files", push.files, "files to push")->required();
  command->add_option("--ci", push.ci, "CI the artifacts belong to")->required();
  command->add_option("--version", push.version, "version of the CI")->required();
  command->add_option("--media-type", push.media_type, "Content-Type to record");
  command->add_option("--source-commit", push.source_commit, "source commit that was built");
  command->add_option("--builder", push.builder, "who or what built it");
  command->add_option("--build-url", push.build_url, "link to the build");
  command
      ->add_option_function<std::uint64_t>(
          "--resumable-threshold-mb",
          [&push](std::uint64_t mib) { push.resumable_threshold = mib << 20; },
          "files above this many MiB go as resumable upload sessions (default 64)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
  command
      ->add_option_function<std::uint64_t>(
          "--chunk-size-mb", [&push](std::uint64_t mib) { push.resumable.chunk_size = mib << 20; },
          "MiB per request of a resumable upload (default 32)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4096}));
  return command;
}

CLI::App* add_fetch(CLI::App& app, FetchOptions& fetch) {
  auto* command = app.add_subcommand("fetch", "download an artifact and verify its SHA-256");
  command->add_option("coordinate", fetch.coordinate, "CI/VERSION/FILE, or CI/FILE with --env")
      ->required();
  command->add_option("--env", fetch.environment,
                      "fetch what ENV runs now, verified against its signed manifest");
  command->add_option("-o,--output", fetch.output, "output file or directory (default ./FILE)");
  return command;
}

CLI::App* add_ls(CLI::App& app, LsOptions& ls) {
  auto* command = app.add_subcommand("ls", "list CIs, a CI's versions, or a version's files");
  command->add_option("what", ls.what, "CI or CI/VERSION (nothing: every CI)");
  return command;
}

CLI::App* add_rfc(CLI::App& app, RfcOptions& rfc) {
  auto* command = app.add_subcommand("rfc", "requests for change: create, edit, steps, show, ls");
  command->require_subcommand(1);
  auto action = [&rfc](CLI::App* sub) {
    sub->callback([&rfc, sub] { rfc.action = sub->get_name(); });
    return sub;
  };
  auto* create = action(command->add_subcommand("create", "create an RFC (draft)"));
  create->add_option("--title", rfc.title, "what changes")->required();
  create->add_option("--description", rfc.description, "why and how");
  create->add_option("--ci", rfc.cis, "a CI the change affects (repeatable)")->required();
  create->add_option("--category", rfc.category, "standard, normal (default) or emergency");
  create->add_option("--risk", rfc.risk, "low, medium or high")->required();
  create->add_option("--resources", rfc.resources, "resources the change needs");
  create->add_option("--cycle-time", rfc.cycle_time, "how long the change takes");
  auto* edit = action(command->add_subcommand("edit", "correct a draft RFC you raised"));
  edit->add_option("id", rfc.id, "the RFC, e.g. rfc-1")->required();
  edit->add_option("--title", rfc.title, "what changes");
  edit->add_option("--description", rfc.description, "why and how");
  edit->add_option("--ci", rfc.cis, "the CIs the change affects, all of them (repeatable)");
  edit->add_option("--category", rfc.category, "standard, normal or emergency");
  edit->add_option("--risk", rfc.risk, "low, medium or high (with a new impact)");
  edit->add_option("--resources", rfc.resources, "resources the change needs");
  edit->add_option("--cycle-time", rfc.cycle_time, "how long the change takes");
  edit->add_option("--note", rfc.note, "why it changed");
  for (const char* step : {"submit", "approve", "reject", "implement", "review", "close"}) {
    auto* sub = action(command->add_subcommand(step, fmt::format("{} an RFC", step)));
    sub->add_option("id", rfc.id, "the RFC, e.g. rfc-1")->required();
    sub->add_option("--note", rfc.note, "a note recorded with the step");
  }
  action(command->add_subcommand("show", "show an RFC, its impact analysis and events"))
      ->add_option("id", rfc.id, "the RFC, e.g. rfc-1")
      ->required();
  auto* ls = action(command->add_subcommand("ls", "list RFCs"));
  ls->add_option("--state", rfc.state, "only RFCs in this state");
  ls->add_option("--ci", rfc.ci_filter, "only RFCs that name this CI");
  return command;
}

CLI::App* add_keys(CLI::App& app, KeysOptions& keys) {
  auto* command = app.add_subcommand("keys", "list the server's signing keys");
  command->add_option("--save", keys.save, "also write them as a key file for verify/fetch");
  return command;
}

CLI::App* add_verify(CLI::App& app, VerifyOptions& verify) {
  auto* command =
      app.add_subcommand("verify", "verify a saved signed manifest or baseline offline (--keys)");
  command->add_option("file", verify.file, "the signed JSON document")->required();
  return command;
}

int fail(const Status& status) {
  fmt::print(stderr, "tollgate: {}\n", status.message());
  return exit_code(status);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tollgate: client of a Tollgate CMDB and artifact vault"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command
  GlobalOptions global;
  add_global_options(app, global);
  PushOptions push_options;
  FetchOptions fetch_options;
  LsOptions ls_options;
  RfcOptions rfc_options;
  CLI::App* push_command = add_push(app, push_options);
  CLI::App* fetch_command = add_fetch(app, fetch_options);
  KeysOptions keys_options;
  VerifyOptions verify_options;
  CLI::App* keys_command = add_keys(app, keys_options);
  CLI::App* verify_command = add_verify(app, verify_options);
  add_ls(app, ls_options);
  CLI::App* rfc_command = add_rfc(app, rfc_options);
  ReleaseCommands release_commands;
  add_release_commands(app, release_commands);
  PcaOptions pca_options;
  CLI::App* pca_command = add_pca_command(app, pca_options);
  BaselineCommands baseline_commands;
  add_baseline_commands(app, baseline_commands);
  AuditCommands audit_commands;
  add_audit_commands(app, audit_commands);
  CiCommands ci_commands;
  add_ci_commands(app, ci_commands);
  IdentityCommands identity_commands;
  add_identity_commands(app, identity_commands);
  LoginOptions login_options;
  CLI::App* login_command = add_login(app, login_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  auto settings = resolve_settings(global.flags(), process_environment());
  if (!settings.ok()) return fail(settings.status());
  client::ClientOptions options;
  options.token = settings->token;
  options.ca_file = settings->ca;
  options.client_cert = settings->cert;
  options.client_key = settings->key;
  options.timeout_seconds = global.timeout_seconds;
  auto server = client::parse_server_url(settings->server, options);
  if (!server.ok()) return fail(server.status());

  fetch_options.keys_file = verify_options.keys_file = settings->keys;
  baseline_commands.options.keys_file = settings->keys;
  fetch_options.server = settings->server;
  fetch_options.cache_file = manifest_cache_file(process_environment());
  login_options.config_file =
      global.flags().config_file.value_or(default_config_file(process_environment()));
  login_options.server = settings->server;
  login_options.ca = settings->ca;
  client::HttpClient http(std::move(server).value());
  ProgressBar progress = ProgressBar::on_stderr();
  CommandContext context{http, progress, global.json, stdout};
  const Status status =
      push_command->parsed()       ? push(context, push_options)
      : fetch_command->parsed()    ? fetch(context, fetch_options)
      : keys_command->parsed()     ? keys(context, keys_options)
      : verify_command->parsed()   ? verify_signed(context, verify_options)
      : rfc_command->parsed()      ? rfc(context, rfc_options)
      : pca_command->parsed()      ? pca(context, pca_options)
      : baseline_commands.parsed() ? baseline(context, baseline_commands.options)
      : audit_commands.parsed()    ? audit(context, audit_commands.options)
      : ci_commands.parsed()       ? run_ci_commands(context, ci_commands)
      : identity_commands.parsed() ? run_identity_commands(context, identity_commands)
      : login_command->parsed()    ? login(context, login_options)
      : release_commands.parsed()  ? run_release_commands(context, release_commands)
                                   : ls(context, ls_options);
  std::fflush(stdout);
  return status.ok() ? kExitOk : fail(status);
}
