// The roles of the release management plan. Each names what a person does, not a rank:
//   admin            users, tokens and keys; approves nothing
//   cm_manager       CI types and configuration management policy
//   change_manager   the ECCB: RFC votes, TRR, RRR, PIR, emergency approval
//   release_manager  releases, items, promotion and back-out
//   requester        project teams and developers: raise RFCs, add build instructions and test
//                    plans to releases of their RFCs
//   tester           test results per environment
//   business         lines of business: UAT sign-off
//   management       BSD management: implementation approval
//   build_agent      push and fetch artifacts
//   auditor          reads everything including the audit log, runs audits
//   viewer           reads
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/enum_names.hpp"

namespace tollgate::server {

enum class Role : std::uint8_t {
  admin,
  cm_manager,
  change_manager,
  release_manager,
  requester,
  tester,
  business,
  management,
  build_agent,
  auditor,
  viewer,
};

inline constexpr std::array<Role, 11> kAllRoles = {
    Role::admin,       Role::cm_manager, Role::change_manager, Role::release_manager,
    Role::requester,   Role::tester,     Role::business,       Role::management,
    Role::build_agent, Role::auditor,    Role::viewer};

inline constexpr EnumName<Role> kRoleNames[] = {
    {Role::admin, "admin"},
    {Role::cm_manager, "cm_manager"},
    {Role::change_manager, "change_manager"},
    {Role::release_manager, "release_manager"},
    {Role::requester, "requester"},
    {Role::tester, "tester"},
    {Role::business, "business"},
    {Role::management, "management"},
    {Role::build_agent, "build_agent"},
    {Role::auditor, "auditor"},
    {Role::viewer, "viewer"},
};
constexpr std::span<const EnumName<Role>> enum_names(Role) { return kRoleNames; }

inline const char* role_name(Role role) { return name_of(role); }
inline std::optional<Role> parse_role(std::string_view name) { return parse_name<Role>(name); }

// "release_manager,viewer"
std::string role_list(const std::vector<Role>& roles);

// A set of roles as a bit mask (bit = the role's value).
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= bit(r);
  }
  static constexpr RoleSet all() {
    RoleSet s;
    for (Role r : kAllRoles) s.bits_ |= bit(r);
    return s;
  }
  constexpr bool contains(Role r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr void add(Role r) { bits_ |= bit(r); }
  constexpr bool operator==(const RoleSet&) const = default;
  // Whether any role of `roles` is in the set.
  bool any_of(const std::vector<Role>& roles) const;
  std::vector<Role> roles() const;
  // "a, b or c"
  std::string text() const;

 private:
  static constexpr std::uint32_t bit(Role r) { return std::uint32_t{1} << static_cast<int>(r); }
  std::uint32_t bits_ = 0;
};

}  // namespace tollgate::server
