#include "server/domain/identity/roles.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tollgate::server {

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
