#include "server/config.hpp"

#include <charconv>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace tollgate::server {
namespace {

template <typename T>
Status read_uint(const toml::table& table, std::string_view section, std::string_view key,
                 std::uint64_t min, std::uint64_t max, T& out) {
  const toml::node* node = table.get(key);
  if (!node) return {};
  const auto value = node->value<std::int64_t>();
  if (!node->is_integer() || !value)
    return invalid(fmt::format("[{}] {}: must be an integer", section, key));
  if (*value < 0 || static_cast<std::uint64_t>(*value) < min ||
      static_cast<std::uint64_t>(*value) > max)
    return invalid(
        fmt::format("[{}] {}: {} is out of range {}..{}", section, key, *value, min, max));
  out = static_cast<T>(*value);
  return {};
}

Status read_bool(const toml::table& table, std::string_view section, std::string_view key,
                 bool& out) {
  const toml::node* node = table.get(key);
  if (!node) return {};
  if (!node->is_boolean())
    return invalid(fmt::format("[{}] {}: must be true or false", section, key));
  out = *node->value<bool>();
  return {};
}

Status read_string(const toml::table& table, std::string_view section, std::string_view key,
                   std::string& out) {
  const toml::node* node = table.get(key);
  if (!node) return {};
  if (!node->is_string()) return invalid(fmt::format("[{}] {}: must be a string", section, key));
  out = *node->value<std::string>();
  return {};
}

Status check_keys(const toml::table& table, std::string_view section,
                  const std::set<std::string_view>& allowed) {
  for (const auto& [key, node] : table) {
    if (!allowed.contains(key.str()))
      return invalid(fmt::format("[{}] {}: unknown setting", section, key.str()));
  }
  return {};
}

Status apply_server(const toml::table& t, Config& c) {
  constexpr std::string_view s = "server";
  TG_RETURN_IF_ERROR(check_keys(
      t, s,
      {"data_dir", "listen", "threads", "worker_threads", "max_connections", "pipeline_limit",
       "header_limit", "body_limit", "read_timeout", "idle_timeout", "shutdown_grace"}));
  TG_RETURN_IF_ERROR(read_string(t, s, "data_dir", c.data_dir));
  std::string listen;
  TG_RETURN_IF_ERROR(read_string(t, s, "listen", listen));
  if (!listen.empty()) TG_RETURN_IF_ERROR(set_listen(listen, c));
  TG_RETURN_IF_ERROR(read_uint(t, s, "threads", 0, 256, c.threads));
  TG_RETURN_IF_ERROR(read_uint(t, s, "worker_threads", 1, 4096, c.worker_threads));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_connections", 1, 1'000'000, c.max_connections));
  TG_RETURN_IF_ERROR(read_uint(t, s, "pipeline_limit", 1, 1024, c.pipeline_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "header_limit", 1024, 1 << 20, c.header_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "body_limit", 1024, 1ull << 30, c.body_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "read_timeout", 1, 3600, c.read_timeout_seconds));
  TG_RETURN_IF_ERROR(read_uint(t, s, "idle_timeout", 1, 3600, c.idle_timeout_seconds));
  return read_uint(t, s, "shutdown_grace", 0, 3600, c.shutdown_grace_seconds);
}

Status apply_tls(const toml::table& t, Config& c) {
  constexpr std::string_view s = "tls";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"enabled", "cert", "key"}));
  TG_RETURN_IF_ERROR(read_bool(t, s, "enabled", c.tls));
  TG_RETURN_IF_ERROR(read_string(t, s, "cert", c.tls_cert));
  return read_string(t, s, "key", c.tls_key);
}

Status apply_storage(const toml::table& t, Config& c) {
  constexpr std::string_view s = "storage";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"map_size_mb", "max_map_size_mb", "max_batch"}));
  TG_RETURN_IF_ERROR(read_uint(t, s, "map_size_mb", 1, 1ull << 24, c.map_size_mb));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_map_size_mb", 1, 1ull << 24, c.max_map_size_mb));
  return read_uint(t, s, "max_batch", 1, 100'000, c.max_batch);
}

Status apply_artifacts(const toml::table& t, Config& c) {
  constexpr std::string_view s = "artifacts";
  TG_RETURN_IF_ERROR(check_keys(
      t, s,
      {"max_artifact_size_mb", "resumable_threshold_mb", "upload_expiry_hours", "upload_threads"}));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "max_artifact_size_mb", 1, 1ull << 30, c.max_artifact_size_mb));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "resumable_threshold_mb", 1, 1ull << 30, c.resumable_threshold_mb));
  TG_RETURN_IF_ERROR(read_uint(t, s, "upload_expiry_hours", 1, 24 * 365, c.upload_expiry_hours));
  return read_uint(t, s, "upload_threads", 1, 4096, c.upload_threads);
}

Status apply_integrity(const toml::table& t, Config& c) {
  constexpr std::string_view s = "integrity";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"scrub_rate_mb", "scrub_interval_hours"}));
  TG_RETURN_IF_ERROR(read_uint(t, s, "scrub_rate_mb", 0, 1ull << 20, c.scrub_rate_mb));
  return read_uint(t, s, "scrub_interval_hours", 1, 24 * 365, c.scrub_interval_hours);
}

Status apply_log(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "log", {"access"}));
  return read_bool(t, "log", "access", c.access_log);
}

}  // namespace

Status set_listen(const std::string& value, Config& config) {
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return invalid(fmt::format("listen address '{}' must be HOST:PORT", value));
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const char* first = value.data() + colon + 1;
  const char* last = value.data() + value.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || first == last || port > 65535)
    return invalid(fmt::format("listen address '{}': the port must be 0..65535", value));
  config.listen_host = std::move(host);
  config.listen_port = static_cast<std::uint16_t>(port);
  return {};
}

Status load_config_file(const std::string& path, Config& config) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return invalid(fmt::format("{}:{}:{}: {}", path, where.line, where.column, e.description()));
  }
  Status st;
  for (const auto& [key, node] : root) {
    const toml::table* table = node.as_table();
    if (!table) {
      st = invalid(fmt::format("{}: '{}' must be a [section]", path, key.str()));
    } else if (key == "server") {
      st = apply_server(*table, config);
    } else if (key == "tls") {
      st = apply_tls(*table, config);
    } else if (key == "storage") {
      st = apply_storage(*table, config);
    } else if (key == "artifacts") {
      st = apply_artifacts(*table, config);
    } else if (key == "integrity") {
      st = apply_integrity(*table, config);
    } else if (key == "log") {
      st = apply_log(*table, config);
    } else {
      st = invalid(fmt::format("[{}]: unknown section", key.str()));
    }
    if (!st.ok()) return invalid(fmt::format("{}: {}", path, st.message()));
  }
  return {};
}

Status validate(const Config& config) {
  if (config.data_dir.empty()) return invalid("data_dir must not be empty");
  if (config.max_map_size_mb < config.map_size_mb)
    return invalid("[storage] max_map_size_mb must be at least map_size_mb");
  if (config.tls_cert.empty() != config.tls_key.empty())
    return invalid("[tls] cert and key must be given together (or both left empty)");
  if (config.listen_host.empty()) return invalid("the listen host must not be empty");
  return {};
}

}  // namespace tollgate::server
