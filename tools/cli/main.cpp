// tollgate: the command-line client of a Tollgate server. See cli/commands.hpp for the
// commands and cli/config.hpp for where the server, token and CA come from.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/config.hpp"
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
  bool json = false;
  int timeout_seconds = kDefaultTimeoutSeconds;

  SettingFlags flags() const {
    SettingFlags given;
    if (*server_flag) given.server = server;
    if (*token_flag) given.token = token;
    if (*ca_flag) given.ca = ca;
    if (*config_flag) given.config_file = config_file;
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
  command->add_option("coordinate", fetch.coordinate, "CI/VERSION/FILE")->required();
  command->add_option("-o,--output", fetch.output, "output file or directory (default ./FILE)");
  return command;
}

CLI::App* add_ls(CLI::App& app, LsOptions& ls) {
  auto* command = app.add_subcommand("ls", "list CIs, a CI's versions, or a version's files");
  command->add_option("what", ls.what, "CI or CI/VERSION (nothing: every CI)");
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
  CLI::App* push_command = add_push(app, push_options);
  CLI::App* fetch_command = add_fetch(app, fetch_options);
  add_ls(app, ls_options);
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
  options.timeout_seconds = global.timeout_seconds;
  auto server = client::parse_server_url(settings->server, options);
  if (!server.ok()) return fail(server.status());

  client::HttpClient http(std::move(server).value());
  ProgressBar progress = ProgressBar::on_stderr();
  CommandContext context{http, progress, global.json, stdout};
  const Status status = push_command->parsed()    ? push(context, push_options)
                        : fetch_command->parsed() ? fetch(context, fetch_options)
                                                  : ls(context, ls_options);
  std::fflush(stdout);
  return status.ok() ? kExitOk : fail(status);
}
