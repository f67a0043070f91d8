// Where the `tollgate` CLI finds its server, token, CA and client certificate.
//
// Each setting comes from the first source that has it: the command-line flag (--server,
// --token, --ca, --keys, --cert, --key), then the environment (TOLLGATE_SERVER,
// TOLLGATE_TOKEN, TOLLGATE_CA, TOLLGATE_KEYS, TOLLGATE_CERT, TOLLGATE_KEY), then the config
// file. The config file is --config FILE when given (it must
// then exist), otherwise $XDG_CONFIG_HOME/tollgate/config.toml, or
// ~/.config/tollgate/config.toml when XDG_CONFIG_HOME is unset (either may be missing). It
// holds top-level string keys `server`, `token`, `ca`, `keys`, `cert` and `key` only; anything
// else in it is an error. A relative `ca`, `keys`, `cert` or `key` in the file is taken
// relative to the file's directory. `cert` and `key` are a client certificate and its private
// key (build agents); `keys` is unrelated: the manifest signing keys.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::cli {

// Used when no source names a server: the server's own default address.
inline constexpr std::string_view kDefaultServer = "https://127.0.0.1:8443";

struct Settings {
  std::string server = std::string(kDefaultServer);  // URL, parsed by client::parse_server_url
  std::string token;        // empty: requests go without credentials (and get 401)
  std::string ca;           // PEM file to trust; empty: the system's trust store
  std::string keys;         // key file (`tollgate keys --save`) that manifests must verify with
  std::string cert;         // client certificate (PEM) to present; empty: none
  std::string key;          // its private key (PEM)
  std::string config_file;  // the config file that was read; empty when none was
};

// What the command line gave; nullopt for a flag not given.
struct SettingFlags {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> ca;
  std::optional<std::string> keys;
  std::optional<std::string> cert;
  std::optional<std::string> key;
  std::optional<std::string> config_file;
};

// Looks up an environment variable; nullopt when it is unset. An empty value counts as unset
// wherever the settings read one.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process's environment (std::getenv).
Environment process_environment();

// The default config file location from XDG_CONFIG_HOME or HOME; empty when neither is set.
std::string default_config_file(const Environment& env);

// Resolves the settings as described at the top of this file. Errors: invalid for a config
// file that does not parse, has an unknown key or a value that is not a string; not_found
// for a --config FILE that does not exist; io when the file cannot be read.
Result<Settings> resolve_settings(const SettingFlags& flags, const Environment& env);

}  // namespace tollgate::cli
