#include "server/domain/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "server/domain/identity/roles.hpp"
#include "tollgate/time.hpp"

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
  TG_RETURN_IF_ERROR(check_keys(t, s, {"enabled", "cert", "key", "client_ca", "client_identity"}));
  TG_RETURN_IF_ERROR(read_bool(t, s, "enabled", c.tls));
  TG_RETURN_IF_ERROR(read_string(t, s, "cert", c.tls_cert));
  TG_RETURN_IF_ERROR(read_string(t, s, "client_ca", c.tls_client_ca));
  std::string identity;
  TG_RETURN_IF_ERROR(read_string(t, s, "client_identity", identity));
  if (!identity.empty()) {
    const auto parsed = parse_client_identity(identity);
    if (!parsed)
      return invalid(fmt::format(
          "[{}] client_identity: '{}' is not one of cn, san-email, san-dns, san-uri", s, identity));
    c.tls_client_identity = *parsed;
  }
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
  TG_RETURN_IF_ERROR(
      check_keys(t, s, {"scrub_rate_mb", "scrub_interval_hours", "audit_checkpoint_minutes"}));
  TG_RETURN_IF_ERROR(read_uint(t, s, "scrub_rate_mb", 0, 1ull << 20, c.scrub_rate_mb));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "audit_checkpoint_minutes", 0, 24 * 60, c.audit_checkpoint_minutes));
  return read_uint(t, s, "scrub_interval_hours", 1, 24 * 365, c.scrub_interval_hours);
}

Status apply_tokens(const toml::table& t, Config& c) {
  constexpr std::string_view s = "tokens";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"default_expiry_days", "max_expiry_days"}));
  TG_RETURN_IF_ERROR(read_uint(t, s, "default_expiry_days", 1, 3650, c.token_default_expiry_days));
  return read_uint(t, s, "max_expiry_days", 1, 3650, c.token_max_expiry_days);
}

Status apply_log(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "log", {"access"}));
  return read_bool(t, "log", "access", c.access_log);
}

Status read_strings(const toml::table& table, std::string_view section, std::string_view key,
                    std::vector<std::string>& out) {
  const toml::node* node = table.get(key);
  if (!node) return {};
  const toml::array* array = node->as_array();
  if (!array) return invalid(fmt::format("[{}] {}: must be an array of strings", section, key));
  std::vector<std::string> values;
  for (const toml::node& item : *array) {
    if (!item.is_string())
      return invalid(fmt::format("[{}] {}: must be an array of strings", section, key));
    values.push_back(*item.value<std::string>());
  }
  out = std::move(values);
  return {};
}

// A table of name = ["value", ...] (the [ldap] group maps).
Status read_string_map(const toml::table& t, std::string_view section, std::string_view key,
                       std::map<std::string, std::vector<std::string>>& out) {
  const toml::node* node = t.get(key);
  if (!node) return {};
  const toml::table* table = node->as_table();
  const std::string where = fmt::format("{}.{}", section, key);
  if (!table) return invalid(fmt::format("[{}]: must be a table of group = [names]", where));
  for (const auto& [group, value] : *table)
    TG_RETURN_IF_ERROR(read_strings(*table, where, group.str(), out[std::string(group.str())]));
  return {};
}

Status read_ldap_secret(LdapConfig& l) {
  if (l.bind_password_file.empty()) return {};
  std::ifstream in(l.bind_password_file, std::ios::binary);
  if (!in)
    return invalid(
        fmt::format("[ldap] bind_password_file: cannot read '{}'", l.bind_password_file));
  std::getline(in, l.bind_password);
  if (!l.bind_password.empty() && l.bind_password.back() == '\r') l.bind_password.pop_back();
  if (l.bind_password.empty()) return invalid("[ldap] bind_password_file: the file is empty");
  return {};
}

Status apply_ldap(const toml::table& t, Config& c) {
  constexpr std::string_view s = "ldap";
  TG_RETURN_IF_ERROR(check_keys(t, s,
                                {"url",
                                 "starttls",
                                 "allow_plaintext",
                                 "ca_file",
                                 "bind_dn_template",
                                 "search_base",
                                 "search_filter",
                                 "bind_dn",
                                 "bind_password_file",
                                 "group_base",
                                 "group_filter",
                                 "name_attribute",
                                 "mail_attribute",
                                 "groups_to_roles",
                                 "groups_to_environments",
                                 "session_hours",
                                 "timeout_seconds",
                                 "failed_login_delay_ms",
                                 "max_failures",
                                 "max_address_failures",
                                 "lockout_minutes"}));
  LdapConfig l;
  TG_RETURN_IF_ERROR(read_string(t, s, "url", l.url));
  TG_RETURN_IF_ERROR(read_bool(t, s, "starttls", l.starttls));
  TG_RETURN_IF_ERROR(read_bool(t, s, "allow_plaintext", l.allow_plaintext));
  TG_RETURN_IF_ERROR(read_string(t, s, "ca_file", l.ca_file));
  TG_RETURN_IF_ERROR(read_string(t, s, "bind_dn_template", l.bind_dn_template));
  TG_RETURN_IF_ERROR(read_string(t, s, "search_base", l.search_base));
  TG_RETURN_IF_ERROR(read_string(t, s, "search_filter", l.search_filter));
  TG_RETURN_IF_ERROR(read_string(t, s, "bind_dn", l.bind_dn));
  TG_RETURN_IF_ERROR(read_string(t, s, "bind_password_file", l.bind_password_file));
  TG_RETURN_IF_ERROR(read_string(t, s, "group_base", l.group_base));
  TG_RETURN_IF_ERROR(read_string(t, s, "group_filter", l.group_filter));
  TG_RETURN_IF_ERROR(read_string(t, s, "name_attribute", l.name_attribute));
  TG_RETURN_IF_ERROR(read_string(t, s, "mail_attribute", l.mail_attribute));
  TG_RETURN_IF_ERROR(read_string_map(t, s, "groups_to_roles", l.groups_to_roles));
  TG_RETURN_IF_ERROR(read_string_map(t, s, "groups_to_environments", l.groups_to_environments));
  TG_RETURN_IF_ERROR(read_uint(t, s, "session_hours", 1, 24 * 365, l.session_hours));
  TG_RETURN_IF_ERROR(read_uint(t, s, "timeout_seconds", 1, 300, l.timeout_seconds));
  TG_RETURN_IF_ERROR(read_uint(t, s, "failed_login_delay_ms", 0, 60'000, l.failed_login_delay_ms));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_failures", 1, 1000, l.max_failures));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_address_failures", 1, 100'000, l.max_address_failures));
  TG_RETURN_IF_ERROR(read_uint(t, s, "lockout_minutes", 1, 24 * 60, l.lockout_minutes));
  for (const auto& [group, roles] : l.groups_to_roles)
    for (const auto& role : roles)
      if (!parse_role(role))
        return invalid(fmt::format("[ldap.groups_to_roles] {}: unknown role '{}'", group, role));
  TG_RETURN_IF_ERROR(read_ldap_secret(l));
  c.ldap = std::move(l);
  return {};
}

// A [section.gates] table: environment = ["gate", ...]; replaces the defaults when present.
Status read_gates(const toml::table& t, std::string_view section, GateRequirements& out) {
  const toml::node* node = t.get("gates");
  if (!node) return {};
  const toml::table* table = node->as_table();
  const std::string where = fmt::format("{}.gates", section);
  if (!table) return invalid(fmt::format("[{}]: must be a table of environment = [gates]", where));
  GateRequirements gates;
  for (const auto& [env, value] : *table)
    TG_RETURN_IF_ERROR(read_strings(*table, where, env.str(), gates[std::string(env.str())]));
  out = std::move(gates);
  return {};
}

Status apply_environments(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "environments", {"order"}));
  return read_strings(t, "environments", "order", c.environments);
}

Status apply_promotion(const toml::table& t, Config& c) {
  constexpr std::string_view s = "promotion";
  TG_RETURN_IF_ERROR(
      check_keys(t, s, {"gates", "production_window_days", "manifest_validity_hours"}));
  TG_RETURN_IF_ERROR(read_gates(t, s, c.promotion.gates));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "production_window_days", 0, 366, c.promotion.production_window_days));
  return read_uint(t, s, "manifest_validity_hours", 1, 24 * 366,
                   c.promotion.manifest_validity_hours);
}

Status apply_emergency(const toml::table& t, Config& c) {
  constexpr std::string_view s = "emergency";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"path", "gates", "pir_due_days", "approvers"}));
  TG_RETURN_IF_ERROR(read_strings(t, s, "path", c.emergency.path));
  TG_RETURN_IF_ERROR(read_gates(t, s, c.emergency.gates));
  TG_RETURN_IF_ERROR(read_uint(t, s, "approvers", 1, 16, c.emergency.approvers));
  return read_uint(t, s, "pir_due_days", 1, 366, c.emergency.pir_due_days);
}

Status apply_eccb(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "eccb", {"quorum"}));
  return read_uint(t, "eccb", "quorum", 1, 64, c.eccb_quorum);
}

Status apply_freeze(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "freeze", {"windows"}));
  const toml::node* node = t.get("windows");
  if (!node) return {};
  const toml::array* array = node->as_array();
  if (!array) return invalid("[freeze] windows: must be an array of {from, to, reason}");
  std::vector<FreezeWindow> windows;
  for (const toml::node& item : *array) {
    const toml::table* w = item.as_table();
    if (!w) return invalid("[freeze] windows: must be an array of {from, to, reason}");
    TG_RETURN_IF_ERROR(check_keys(*w, "freeze.windows", {"from", "to", "reason"}));
    FreezeWindow window;
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "from", window.from));
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "to", window.to));
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "reason", window.reason));
    windows.push_back(std::move(window));
  }
  c.freeze_windows = std::move(windows);
  return {};
}

Status apply_schedule(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "schedule", {"conflict_window_days"}));
  return read_uint(t, "schedule", "conflict_window_days", 0, 366, c.schedule.conflict_window_days);
}

// [gates]: gate = ["role", ...]; each key given replaces that gate's default roles.
Status apply_gates(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(
      t, "gates",
      {"trr", "tests", "uat", "rrr", "implementation_approval", "emergency_approval", "pir"}));
  for (const auto& [gate, node] : t) {
    std::vector<std::string> roles;
    TG_RETURN_IF_ERROR(read_strings(t, "gates", gate.str(), roles));
    for (const auto& role : roles)
      if (!parse_role(role))
        return invalid(fmt::format("[gates] {}: unknown role '{}'", gate.str(), role));
    c.gate_roles[std::string(gate.str())] = std::move(roles);
  }
  return {};
}

bool valid_environment_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') return false;
  return true;
}

bool valid_gate(const Config& c, std::string_view gate) {
  static const std::set<std::string_view> kGates = {
      "trr", "uat", "rrr", "implementation_approval", "emergency_approval", "pir", "rfc"};
  static const std::set<std::string_view> kKinds = {"build_instructions", "test_plan",
                                                    "backout_procedure", "release_notes", "other"};
  if (kGates.contains(gate)) return true;
  if (gate.starts_with("tests:"))
    return std::find(c.environments.begin(), c.environments.end(), gate.substr(6)) !=
           c.environments.end();
  if (gate.starts_with("document:")) return kKinds.contains(gate.substr(9));
  return false;
}

Status validate_gates(const Config& c, std::string_view section, const GateRequirements& gates,
                      const std::vector<std::string>& allowed_envs) {
  for (const auto& [env, list] : gates) {
    if (std::find(allowed_envs.begin(), allowed_envs.end(), env) == allowed_envs.end())
      return invalid(fmt::format("[{}.gates] {}: not an environment of the {}", section, env,
                                 section == "emergency" ? "emergency path" : "environment order"));
    for (const auto& gate : list)
      if (!valid_gate(c, gate))
        return invalid(fmt::format("[{}.gates] {}: unknown gate '{}'", section, env, gate));
  }
  return {};
}

// The environment order, the gate policies, the emergency path and the freeze windows agree.
Status validate_policy(const Config& c) {
  const auto& envs = c.environments;
  if (envs.empty()) return invalid("[environments] order must name at least one environment");
  for (std::size_t i = 0; i < envs.size(); ++i) {
    if (!valid_environment_name(envs[i]))
      return invalid(fmt::format("[environments] order: '{}' is not a valid name", envs[i]));
    if (std::find(envs.begin(), envs.begin() + static_cast<std::ptrdiff_t>(i), envs[i]) !=
        envs.begin() + static_cast<std::ptrdiff_t>(i))
      return invalid(fmt::format("[environments] order: '{}' is listed twice", envs[i]));
  }
  TG_RETURN_IF_ERROR(validate_gates(c, "promotion", c.promotion.gates, envs));
  const auto& path = c.emergency.path;
  if (path.empty() || path.back() != envs.back())
    return invalid(fmt::format("[emergency] path must end with '{}'", envs.back()));
  std::ptrdiff_t last = -1;
  for (const auto& env : path) {
    const auto at = std::find(envs.begin(), envs.end(), env) - envs.begin();
    if (at == static_cast<std::ptrdiff_t>(envs.size()))
      return invalid(fmt::format("[emergency] path: unknown environment '{}'", env));
    if (at <= last)
      return invalid(fmt::format("[emergency] path: '{}' is out of the environment order", env));
    last = at;
  }
  TG_RETURN_IF_ERROR(validate_gates(c, "emergency", c.emergency.gates, path));
  for (const auto& w : c.freeze_windows) {
    const auto from = parse_date(w.from);
    const auto to = parse_date(w.to);
    if (!from || !to || *to < *from)
      return invalid(
          fmt::format("[freeze] window {}..{}: needs from <= to as YYYY-MM-DD", w.from, w.to));
  }
  return {};
}

// [ldap]: a URL whose transport is encrypted (or plaintext explicitly allowed), one way to find
// the user's DN, and group maps that name known environments.
Status validate_ldap(const Config& c) {
  if (!c.ldap) return {};
  const LdapConfig& l = *c.ldap;
  const bool ldaps = l.url.starts_with("ldaps://");
  const bool ldap = l.url.starts_with("ldap://");
  if (!ldaps && !ldap) return invalid("[ldap] url: must start with ldaps:// or ldap://");
  if (ldaps && l.starttls) return invalid("[ldap] starttls: not with an ldaps:// url");
  if (ldap && !l.starttls && !l.allow_plaintext)
    return invalid(
        "[ldap] url: ldap:// sends passwords in the clear; use ldaps://, starttls = true, or "
        "(tests only) allow_plaintext = true");
  if (l.bind_dn_template.empty() == l.search_base.empty())
    return invalid("[ldap]: give either bind_dn_template or search_base (not both)");
  if (!l.bind_dn_template.empty() && l.bind_dn_template.find("{username}") == std::string::npos)
    return invalid("[ldap] bind_dn_template: must contain {username}");
  if (!l.search_base.empty() && l.search_filter.find("{username}") == std::string::npos)
    return invalid("[ldap] search_filter: must contain {username}");
  if (l.bind_dn.empty() != l.bind_password_file.empty())
    return invalid("[ldap] bind_dn and bind_password_file go together");
  if (l.groups_to_roles.empty())
    return invalid("[ldap] groups_to_roles: map at least one group to roles");
  for (const auto& [group, envs] : l.groups_to_environments)
    for (const auto& env : envs)
      if (std::find(c.environments.begin(), c.environments.end(), env) == c.environments.end())
        return invalid(
            fmt::format("[ldap.groups_to_environments] {}: unknown environment '{}'", group, env));
  return {};
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
    } else if (key == "eccb") {
      st = apply_eccb(*table, config);
    } else if (key == "tokens") {
      st = apply_tokens(*table, config);
    } else if (key == "ldap") {
      st = apply_ldap(*table, config);
    } else if (key == "log") {
      st = apply_log(*table, config);
    } else if (key == "environments") {
      st = apply_environments(*table, config);
    } else if (key == "promotion") {
      st = apply_promotion(*table, config);
    } else if (key == "emergency") {
      st = apply_emergency(*table, config);
    } else if (key == "freeze") {
      st = apply_freeze(*table, config);
    } else if (key == "schedule") {
      st = apply_schedule(*table, config);
    } else if (key == "gates") {
      st = apply_gates(*table, config);
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
  if (!config.tls_client_ca.empty() && !config.tls)
    return invalid("[tls] client_ca needs TLS: it cannot be used with plain HTTP (--no-tls)");
  if (config.listen_host.empty()) return invalid("the listen host must not be empty");
  if (config.token_default_expiry_days > config.token_max_expiry_days)
    return invalid("[tokens] default_expiry_days must not exceed max_expiry_days");
  TG_RETURN_IF_ERROR(validate_ldap(config));
  return validate_policy(config);
}

}  // namespace tollgate::server
