// Private to server/domain/config*.cpp: the TOML readers every [section] uses, and the sections
// config_sections.cpp and config_policy.cpp read for load_config_file (config.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "server/domain/config.hpp"

namespace tollgate::server::config_detail {

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
                 bool& out);
Status read_string(const toml::table& table, std::string_view section, std::string_view key,
                   std::string& out);
Status read_strings(const toml::table& table, std::string_view section, std::string_view key,
                    std::vector<std::string>& out);
// A table of name = ["value", ...] (the [ldap] group maps).
Status read_string_map(const toml::table& t, std::string_view section, std::string_view key,
                       std::map<std::string, std::vector<std::string>>& out);
Status check_keys(const toml::table& table, std::string_view section,
                  const std::set<std::string_view>& allowed);

// The server's own sections (config_sections.cpp).
Status apply_server(const toml::table& t, Config& c);
Status apply_tls(const toml::table& t, Config& c);
Status apply_storage(const toml::table& t, Config& c);
Status apply_artifacts(const toml::table& t, Config& c);
Status apply_integrity(const toml::table& t, Config& c);
Status apply_tokens(const toml::table& t, Config& c);
Status apply_log(const toml::table& t, Config& c);
Status apply_audits(const toml::table& t, Config& c);
Status apply_ldap(const toml::table& t, Config& c);

// The change and release policy's sections, and the check that they agree (config_policy.cpp).
Status apply_environments(const toml::table& t, Config& c);
Status apply_promotion(const toml::table& t, Config& c);
Status apply_emergency(const toml::table& t, Config& c);
Status apply_eccb(const toml::table& t, Config& c);
Status apply_freeze(const toml::table& t, Config& c);
Status apply_schedule(const toml::table& t, Config& c);
Status apply_gates(const toml::table& t, Config& c);
// The environment order, the gate policies, the emergency path and the freeze windows agree.
Status validate_policy(const Config& c);

}  // namespace tollgate::server::config_detail
