#include "server/domain/identity/users.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/record_fields.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using namespace record_fields;  // NOLINT(google-build-using-namespace)
using storage::Table;

namespace {

constexpr std::size_t kMaxDisplayName = 200;
constexpr std::size_t kMaxEmail = 254;

bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool plausible_email(std::string_view e) {
  const auto at = e.find('@');
  return e.size() <= kMaxEmail && at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string_view::npos && e.find(' ') == std::string_view::npos &&
         printable(e);
}

json::array roles_json(const std::vector<Role>& roles) {
  json::array out;
  for (Role r : roles) out.emplace_back(role_name(r));
  return out;
}

}  // namespace

bool is_reserved_user_id(std::string_view id) { return id == "tollgated" || id == "system"; }

bool User::has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

json::object User::to_json() const {
  return {{"id", id},
          {"name", name},
          {"email", email},
          {"roles", roles_json(roles)},
          {"environments", string_array(environments)},
          {"disabled", disabled},
          {"source", source},
          {"created_at", format_rfc3339(created_at)},
          {"created_by", created_by},
          {"updated_at", format_rfc3339(updated_at)},
          {"updated_by", updated_by}};
}

Result<User> User::from_record(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored user record is unreadable");
  const auto& o = v.get_object();
  User u;
  u.id = str(o, "id");
  u.name = str(o, "name");
  u.email = str(o, "email");
  for (const auto& r : strings(o, "roles"))
    if (auto role = parse_role(r)) u.roles.push_back(*role);
  u.environments = strings(o, "environments");
  const auto* disabled = o.if_contains("disabled");
  u.disabled = disabled && disabled->is_bool() && disabled->get_bool();
  u.source = str(o, "source");
  u.created_at = time_field(o, "created_at");
  u.created_by = str(o, "created_by");
  u.updated_at = time_field(o, "updated_at");
  u.updated_by = str(o, "updated_by");
  return u;
}

std::optional<User> load_user(storage::ReadTxn& txn, std::string_view id) {
  auto stored = txn.get(Table::users, id);
  if (!stored) return std::nullopt;
  auto user = User::from_record(*stored);
  if (!user) return std::nullopt;
  return std::move(user).value();
}

void store_user(storage::WriteTxn& txn, const User& user) {
  txn.put(Table::users, user.id, json::serialize(user.to_record()));
}

Status check_environments(const Config& config, const std::vector<std::string>& environments,
                          std::string_view field) {
  for (const auto& e : environments) {
    if (std::find(config.environments.begin(), config.environments.end(), e) ==
        config.environments.end())
      return Status(Code::invalid,
                    fmt::format("{}: no environment '{}'; environments are {}", field,
                                e.substr(0, 64), fmt::join(config.environments, ", ")))
          .with_reason("unknown-environment");
  }
  return {};
}

void order_environments(const Config& config, std::vector<std::string>& environments) {
  const auto rank = [&](const std::string& e) {
    return std::find(config.environments.begin(), config.environments.end(), e) -
           config.environments.begin();
  };
  std::stable_sort(environments.begin(), environments.end(),
                   [&](const std::string& a, const std::string& b) {
                     return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
                   });
  environments.erase(std::unique(environments.begin(), environments.end()), environments.end());
}

Status UserService::validate(const User& user) const {
  if (!is_slug(user.id))
    return invalid(fmt::format("id: '{}' must be a slug of [a-z0-9._-], 1..128 characters",
                               user.id.substr(0, 128)));
  if (is_reserved_user_id(user.id))
    return Status(Code::invalid,
                  fmt::format("id: '{}' is reserved for the server's own records", user.id))
        .with_reason("reserved-user");
  if (user.name.empty() || user.name.size() > kMaxDisplayName || !printable(user.name))
    return invalid(fmt::format("name: 1..{} printable characters", kMaxDisplayName));
  if (!user.email.empty() && !plausible_email(user.email))
    return invalid(fmt::format("email: '{}' is not an e-mail address", user.email.substr(0, 64)));
  if (user.roles.empty()) return invalid("roles: a user needs at least one role");
  return check_environments(config_, user.environments, "environments");
}

Result<User> UserService::create(User user, const std::string& actor) {
  order_environments(config_, user.environments);
  TG_RETURN_IF_ERROR(validate(user));
  user.created_at = user.updated_at = clock_.now();
  user.created_by = user.updated_by = actor;
  if (user.source.empty()) user.source = "local";
  audit_note("/api/v1/users/" + user.id,
             fmt::format("created user {} ({}) with roles {}{}", user.id, user.name,
                         role_list(user.roles), user.disabled ? ", disabled" : ""));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    if (txn.get(Table::users, user.id))
      return Status(Code::conflict, fmt::format("user '{}' already exists", user.id))
          .with_reason("user-exists");
    store_user(txn, user);
    return Status();
  }));
  return user;
}

Result<User> UserService::patch(const std::string& id, const UserPatch& patch,
                                const std::string& actor) {
  const auto& name = patch.name;
  const auto& email = patch.email;
  const auto& roles = patch.roles;
  const auto& environments = patch.environments;
  const auto& disabled = patch.disabled;
  User out;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    auto user = load_user(txn, id);
    if (!user) return not_found(fmt::format("no user '{}'", id.substr(0, 128)));
    if (name) user->name = *name;
    if (email) user->email = *email;
    if (roles) user->roles = *roles;
    if (environments) {
      user->environments = *environments;
      order_environments(config_, user->environments);
    }
    if (disabled) user->disabled = *disabled;
    TG_RETURN_IF_ERROR(validate(*user));
    audit_note(
        "/api/v1/users/" + id, fmt::format("changed user {}: {}", id, [&] {
          std::vector<std::string> what;
          if (name) what.emplace_back("name");
          if (email) what.emplace_back("email");
          if (roles) what.push_back("roles " + role_list(user->roles));
          if (environments)
            what.push_back(fmt::format(
                "environments {}", user->environments.empty()
                                       ? std::string("all")
                                       : fmt::format("{}", fmt::join(user->environments, ","))));
          if (disabled) what.emplace_back(*disabled ? "disabled" : "enabled");
          return fmt::format("{}", fmt::join(what, ", "));
        }()));
    user->updated_at = clock_.now();
    user->updated_by = actor;
    store_user(txn, *user);
    out = std::move(*user);
    return Status();
  }));
  return out;
}

Result<User> UserService::get(const std::string& id) const {
  std::optional<User> user;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    user = load_user(txn, id);
    return Status();
  }));
  if (!user) return not_found(fmt::format("no user '{}'", id.substr(0, 128)));
  return std::move(*user);
}

Result<Page<User>> UserService::list(const PageRequest& page) const {
  Page<User> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::users, page.after, [&](std::string_view key, std::string_view value) {
      if (key == page.after) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().id;
        return false;
      }
      auto user = User::from_record(value);
      if (!user) {
        failure = user.status();
        return false;
      }
      out.items.push_back(std::move(user).value());
      return true;
    });
    return failure;
  }));
  return out;
}

}  // namespace tollgate::server
