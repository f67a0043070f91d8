#include "server/http/commands/identity.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server::commands {

namespace json = boost::json;

namespace {

// Reads "roles" into `out`; unknown names are errors of `f`.
void read_roles(Fields& f, const std::vector<std::string>& names, std::vector<Role>& out) {
  out.clear();
  for (const auto& n : names) {
    auto role = parse_role(n);
    if (!role)
      f.error(fmt::format("roles: unknown role '{}'", n.substr(0, 64)));
    else if (std::find(out.begin(), out.end(), *role) == out.end())
      out.push_back(*role);
  }
  std::sort(out.begin(), out.end());
}

}  // namespace

Result<User> parse_create_user(const json::object& body) {
  Fields f(body);
  auto id = f.string("id", true);
  auto name = f.string("name", true);
  auto email = f.string("email");
  auto roles = f.strings("roles", true);
  auto environments = f.strings("environments");
  auto disabled = f.boolean("disabled");
  User user;
  if (roles) read_roles(f, *roles, user.roles);
  TG_RETURN_IF_ERROR(f.finish());
  user.id = *id;
  user.name = *name;
  user.email = email.value_or("");
  user.environments = environments.value_or(std::vector<std::string>{});
  user.disabled = disabled.value_or(false);
  return user;
}

Result<UserPatch> parse_user_patch(const json::object& body) {
  Fields f(body);
  UserPatch patch;
  patch.name = f.string("name");
  patch.email = f.string("email");
  auto roles = f.strings("roles");
  patch.environments = f.strings("environments");
  patch.disabled = f.boolean("disabled");
  if (roles) read_roles(f, *roles, patch.roles.emplace());
  TG_RETURN_IF_ERROR(f.finish());
  return patch;
}

Result<TokenRequest> parse_token_request(const json::object& body) {
  Fields f(body);
  auto user = f.string("user", true);
  auto name = f.string("name");
  auto role_names = f.strings("roles");
  auto environments = f.strings("environments");
  auto expires = f.string("expires_at");
  TokenRequest request;
  for (const auto& r : role_names.value_or(std::vector<std::string>{})) {
    if (auto role = parse_role(r)) {
      if (std::find(request.roles.begin(), request.roles.end(), *role) == request.roles.end())
        request.roles.push_back(*role);
    } else {
      f.error(fmt::format("roles: unknown role '{}'", r.substr(0, 64)));
    }
  }
  if (role_names && role_names->empty()) f.error("roles: leave it out for all the user's roles");
  if (expires) {
    request.expires_at = parse_rfc3339(*expires);
    if (!request.expires_at) request.expires_at = parse_date(*expires);
    if (!request.expires_at)
      f.error(
          fmt::format("expires_at: '{}' is not RFC 3339 or YYYY-MM-DD", expires->substr(0, 64)));
  }
  TG_RETURN_IF_ERROR(f.finish());
  request.user = *user;
  request.name = name.value_or("");
  request.environments = environments.value_or(std::vector<std::string>{});
  return request;
}

Result<LoginRequest> parse_login(const json::object& body) {
  Fields f(body);
  auto username = f.string("username", true);
  auto password = f.string("password", true);
  TG_RETURN_IF_ERROR(f.finish());
  return LoginRequest{std::move(*username), std::move(*password), {}};
}

}  // namespace tollgate::server::commands
