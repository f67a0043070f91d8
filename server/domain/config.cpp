#include "server/domain/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "server/domain/config_detail.hpp"

namespace tollgate::server {
// The sections' readers and checks (config_sections.cpp, config_policy.cpp).
using namespace config_detail;  // NOLINT(google-build-using-namespace)

namespace {

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

// An IPv4 or IPv6 address as inet_pton reads it.
bool is_ip_address(const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET, text.c_str(), bytes.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1;
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
    } else if (key == "audits") {
      st = apply_audits(*table, config);
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
  for (const auto& address : config.per_address_exempt)
    if (!is_ip_address(address))
      return invalid(
          fmt::format("[server] per_address_exempt: '{}' is not an IP address", address));
  TG_RETURN_IF_ERROR(validate_ldap(config));
  return validate_policy(config);
}

}  // namespace tollgate::server
