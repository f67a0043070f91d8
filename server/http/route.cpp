#include "server/http/route.hpp"

namespace tollgate::server {

RoleSet Allow::roles(const Config& config) const {
  if (kind_ != Kind::gates) return roles_;
  RoleSet out;
  for (const auto& [gate, names] : config.gate_roles)
    for (const auto& name : names)
      if (auto role = parse_role(name)) out.add(*role);
  return out;
}

std::string Allow::text(const Config& config) const {
  if (kind_ == Kind::anyone) return "anyone";
  if (roles(config) == RoleSet::all()) return "any role";
  return roles(config).text();
}

std::optional<std::string_view> Context::query_value(std::string_view key) const {
  for (const auto& [k, v] : query)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

}  // namespace tollgate::server
