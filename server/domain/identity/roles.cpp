#include "server/domain/identity/roles.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tollgate::server {

const char* role_name(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::cm_manager:
      return "cm_manager";
    case Role::change_manager:
      return "change_manager";
    case Role::release_manager:
      return "release_manager";
    case Role::requester:
      return "requester";
    case Role::tester:
      return "tester";
    case Role::business:
      return "business";
    case Role::management:
      return "management";
    case Role::build_agent:
      return "build_agent";
    case Role::auditor:
      return "auditor";
    case Role::viewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : kAllRoles)
    if (name == role_name(r)) return r;
  return std::nullopt;
}

bool RoleSet::any_of(const std::vector<Role>& roles) const {
  return std::any_of(roles.begin(), roles.end(), [&](Role r) { return contains(r); });
}

std::vector<Role> RoleSet::roles() const {
  std::vector<Role> out;
  for (Role r : kAllRoles)
    if (contains(r)) out.push_back(r);
  return out;
}

std::string RoleSet::text() const {
  std::vector<std::string> names;
  for (Role r : roles()) names.emplace_back(role_name(r));
  if (names.empty()) return "(no role)";
  if (names.size() == 1) return names.front();
  const std::string last = names.back();
  names.pop_back();
  return fmt::format("{} or {}", fmt::join(names, ", "), last);
}

std::string role_list(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out += ',';
    out += role_name(r);
  }
  return out;
}

}  // namespace tollgate::server
