#include "cli/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;

// The settings a config file gave; nullopt for keys it does not have.
struct FileSettings {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> ca;
  std::optional<std::string> keys;
  std::optional<std::string> cert;
  std::optional<std::string> key;
};

Result<toml::table> parse_toml(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return invalid(fmt::format("{}:{}:{}: {}", path, where.line, where.column, e.description()));
  }
}

Result<FileSettings> read_config_file(const std::string& path) {
  TG_ASSIGN_OR_RETURN(const toml::table root, parse_toml(path));
  FileSettings settings;
  for (const auto& [key, node] : root) {
    std::optional<std::string>* slot = key == "server"  ? &settings.server
                                       : key == "token" ? &settings.token
                                       : key == "ca"    ? &settings.ca
                                       : key == "keys"  ? &settings.keys
                                       : key == "cert"  ? &settings.cert
                                       : key == "key"   ? &settings.key
                                                        : nullptr;
    if (slot == nullptr) {
      return invalid(fmt::format("{}: unknown key '{}' (known: server, token, ca, keys, cert, key)",
                                 path, key.str()));
    }
    if (!node.is_string()) return invalid(fmt::format("{}: {} must be a string", path, key.str()));
    *slot = *node.value<std::string>();
  }
  for (auto* file : {&settings.ca, &settings.keys, &settings.cert, &settings.key}) {
    if (*file && !(*file)->empty() && fs::path(**file).is_relative())
      *file = (fs::path(path).parent_path() / **file).lexically_normal().string();
  }
  return settings;
}

// The config file's settings: none when the default file does not exist.
Result<FileSettings> load_file_settings(const SettingFlags& flags, const Environment& env,
                                        std::string& path) {
  const bool explicit_file = flags.config_file.has_value();
  path = explicit_file ? *flags.config_file : default_config_file(env);
  if (path.empty()) return FileSettings{};
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    if (explicit_file) return not_found("config file " + path + " does not exist");
    path.clear();
    return FileSettings{};
  }
  if (ec) return io_error(fmt::format("cannot read config file {}: {}", path, ec.message()));
  if (!fs::is_regular_file(status)) return invalid("config file " + path + " is not a file");
  return read_config_file(path);
}

// env(name), with an empty value taken as unset.
std::optional<std::string> lookup(const Environment& env, std::string_view name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

void pick(std::string& out, const std::optional<std::string>& flag,
          const std::optional<std::string>& env, const std::optional<std::string>& file) {
  if (flag) {
    out = *flag;
  } else if (env) {
    out = *env;
  } else if (file) {
    out = *file;
  }
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // Nothing in the CLI sets environment variables, so reading them is safe.
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

std::string default_config_file(const Environment& env) {
  // The XDG base directory specification ignores a relative XDG_CONFIG_HOME.
  const auto xdg = lookup(env, "XDG_CONFIG_HOME");
  if (xdg && fs::path(*xdg).is_absolute()) return *xdg + "/tollgate/config.toml";
  if (const auto home = lookup(env, "HOME")) return *home + "/.config/tollgate/config.toml";
  return {};
}

Result<Settings> resolve_settings(const SettingFlags& flags, const Environment& env) {
  Settings settings;
  TG_ASSIGN_OR_RETURN(const FileSettings file,
                      load_file_settings(flags, env, settings.config_file));
  pick(settings.server, flags.server, lookup(env, "TOLLGATE_SERVER"), file.server);
  pick(settings.token, flags.token, lookup(env, "TOLLGATE_TOKEN"), file.token);
  pick(settings.ca, flags.ca, lookup(env, "TOLLGATE_CA"), file.ca);
  pick(settings.keys, flags.keys, lookup(env, "TOLLGATE_KEYS"), file.keys);
  pick(settings.cert, flags.cert, lookup(env, "TOLLGATE_CERT"), file.cert);
  pick(settings.key, flags.key, lookup(env, "TOLLGATE_KEY"), file.key);
  return settings;
}

}  // namespace tollgate::cli
