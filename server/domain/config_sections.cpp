// Reading the server's own sections of conf/tollgate.toml ([server], [tls], [storage],
// [artifacts], [integrity], [tokens], [log], [audits], [ldap]), and the TOML readers every section
// uses.
#include <fstream>

#include "server/domain/config_detail.hpp"
#include "server/domain/identity/roles.hpp"

namespace tollgate::server::config_detail {

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
  TG_RETURN_IF_ERROR(
      check_keys(t, s,
                 {"data_dir", "listen", "threads", "worker_threads", "reader_threads",
                  "max_connections", "max_connections_per_address", "per_address_exempt",
                  "pipeline_limit", "header_limit", "body_limit", "read_timeout", "idle_timeout",
                  "header_timeout", "min_body_rate", "body_rate_window", "shutdown_grace"}));
  TG_RETURN_IF_ERROR(read_string(t, s, "data_dir", c.data_dir));
  std::string listen;
  TG_RETURN_IF_ERROR(read_string(t, s, "listen", listen));
  if (!listen.empty()) TG_RETURN_IF_ERROR(set_listen(listen, c));
  TG_RETURN_IF_ERROR(read_uint(t, s, "threads", 0, 256, c.threads));
  TG_RETURN_IF_ERROR(read_uint(t, s, "worker_threads", 1, 4096, c.worker_threads));
  TG_RETURN_IF_ERROR(read_uint(t, s, "reader_threads", 1, 4096, c.reader_threads));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_connections", 1, 1'000'000, c.max_connections));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "max_connections_per_address", 1, 1'000'000, c.max_connections_per_address));
  TG_RETURN_IF_ERROR(read_strings(t, s, "per_address_exempt", c.per_address_exempt));
  TG_RETURN_IF_ERROR(read_uint(t, s, "pipeline_limit", 1, 1024, c.pipeline_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "header_limit", 1024, 1 << 20, c.header_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "body_limit", 1024, 1ull << 30, c.body_limit));
  TG_RETURN_IF_ERROR(read_uint(t, s, "read_timeout", 1, 3600, c.read_timeout_seconds));
  TG_RETURN_IF_ERROR(read_uint(t, s, "idle_timeout", 1, 3600, c.idle_timeout_seconds));
  TG_RETURN_IF_ERROR(read_uint(t, s, "header_timeout", 1, 3600, c.header_timeout_seconds));
  TG_RETURN_IF_ERROR(read_uint(t, s, "min_body_rate", 0, 1ull << 30, c.min_body_rate));
  TG_RETURN_IF_ERROR(read_uint(t, s, "body_rate_window", 1, 3600, c.body_rate_window_seconds));
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
  TG_RETURN_IF_ERROR(
      check_keys(t, s,
                 {"max_artifact_size_mb", "resumable_threshold_mb", "upload_expiry_hours",
                  "upload_lifetime_hours", "max_upload_sessions_per_user", "max_upload_sessions",
                  "max_upload_bytes_per_user_mb", "max_upload_bytes_mb", "upload_threads"}));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "max_artifact_size_mb", 1, 1ull << 30, c.max_artifact_size_mb));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "resumable_threshold_mb", 1, 1ull << 30, c.resumable_threshold_mb));
  TG_RETURN_IF_ERROR(read_uint(t, s, "upload_expiry_hours", 1, 24 * 365, c.upload_expiry_hours));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "upload_lifetime_hours", 1, 24 * 365, c.upload_lifetime_hours));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_upload_sessions_per_user", 1, 1'000'000,
                               c.max_upload_sessions_per_user));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_upload_sessions", 1, 1'000'000, c.max_upload_sessions));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_upload_bytes_per_user_mb", 1, 1ull << 30,
                               c.max_upload_bytes_per_user_mb));
  TG_RETURN_IF_ERROR(read_uint(t, s, "max_upload_bytes_mb", 1, 1ull << 30, c.max_upload_bytes_mb));
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

Status apply_audits(const toml::table& t, Config& c) {
  constexpr std::string_view s = "audits";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"pca_max_entries", "pca_max_findings"}));
  TG_RETURN_IF_ERROR(read_uint(t, s, "pca_max_entries", 1, 1ull << 40, c.pca_max_entries));
  return read_uint(t, s, "pca_max_findings", 1, 1'000'000, c.pca_max_findings);
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

namespace {

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

}  // namespace

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

}  // namespace tollgate::server::config_detail
