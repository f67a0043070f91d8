// Minting tokens: TokenService::mint for a user, and the bootstrap admin token of a new data
// directory.
#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/crypto.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/auth_detail.hpp"
#include "server/domain/tables/meta_table.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/encoding.hpp"

namespace tollgate::server {

namespace json = boost::json;
using namespace auth_detail;  // NOLINT(google-build-using-namespace)
using storage::Table;

namespace {

constexpr std::size_t kMaxTokenLabel = 128;
constexpr const char* kBootstrapUser = "admin";

}  // namespace

Result<MintedToken> TokenService::mint(const TokenRequest& request, const Principal& actor) {
  if (request.user != actor.name && !actor.has(Role::admin))
    return Status(Code::forbidden,
                  fmt::format("only an admin mints tokens for another user; '{}' may mint only "
                              "their own",
                              actor.name))
        .with_reason("token-other-user");
  if (request.name.size() > kMaxTokenLabel)
    return invalid(fmt::format("name: at most {} characters", kMaxTokenLabel));
  TG_RETURN_IF_ERROR(check_environments(config_, request.environments, "environments"));
  const Micros now = clock_.now();
  const Micros max_expiry =
      now + static_cast<Micros>(config_.token_max_expiry_days) * kMicrosPerDay;
  const Micros expires_at = request.expires_at.value_or(
      now + static_cast<Micros>(config_.token_default_expiry_days) * kMicrosPerDay);
  if (expires_at <= now || expires_at > max_expiry)
    return Status(Code::invalid,
                  fmt::format("expires_at: must lie after now and at most {} days ahead",
                              config_.token_max_expiry_days))
        .with_reason("token-expiry");

  std::optional<User> user;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    user = load_user(txn, request.user);
    return Status();
  }));
  if (!user)
    return Status(Code::invalid, fmt::format("user: no user '{}'", request.user.substr(0, 128)))
        .with_reason("unknown-user");
  if (user->disabled)
    return Status(Code::forbidden, fmt::format("user '{}' is disabled", user->id))
        .with_reason("user-disabled");
  // What the token may hold: the user's roles and environments, and for one's own token also
  // no more than the token minting it.
  std::vector<Role> bound_roles = user->roles;
  std::vector<std::string> bound_envs = user->environments;
  if (request.user == actor.name) {
    std::erase_if(bound_roles, [&](Role r) { return !actor.has(r); });
    auto envs = intersect_environments(actor.environments, bound_envs);
    if (!envs) return invalid("the minting token shares no environment with its user");
    bound_envs = *envs;
  }
  TokenRecord record;
  record.user = user->id;
  record.name = request.name;
  record.roles = request.roles.empty() ? bound_roles : request.roles;
  for (Role r : record.roles)
    if (!contains(bound_roles, r))
      return Status(Code::invalid,
                    fmt::format("roles: '{}' cannot be given a token with the role {}", user->id,
                                role_name(r)))
          .with_reason("token-widens-user");
  if (record.roles.empty())
    return Status(Code::invalid, fmt::format("roles: '{}' holds no role to give", user->id))
        .with_reason("token-widens-user");
  record.environments = request.environments.empty() ? bound_envs : request.environments;
  if (!bound_envs.empty())
    for (const auto& e : record.environments)
      if (!contains(bound_envs, e))
        return Status(Code::invalid,
                      fmt::format("environments: '{}' may not act in {}", user->id, e))
            .with_reason("token-widens-user");
  std::sort(record.roles.begin(), record.roles.end());
  record.roles.erase(std::unique(record.roles.begin(), record.roles.end()), record.roles.end());
  order_environments(config_, record.environments);
  record.created_at = now;
  record.created_by = actor.name;
  record.expires_at = expires_at;
  return store_new(std::move(record));
}

Result<MintedToken> TokenService::store_new(TokenRecord record, const Deliver& deliver) {
  MintedToken t;
  t.token = std::string(kTokenPrefix) + to_hex(random_bytes(kTokenHexLength / 2));
  const std::string hash = sha256_hex(t.token);
  record.id = hash.substr(0, kTokenIdLength);
  t.record = std::move(record);
  audit_note(
      "/api/v1/tokens/" + t.record.id,
      fmt::format("minted token {} for {} with roles {}, expiring {}", t.record.id, t.record.user,
                  role_list(t.record.roles), format_rfc3339(t.record.expires_at)));
  if (deliver) TG_RETURN_IF_ERROR(deliver(t));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    txn.put(Table::tokens, hash, json::serialize(t.record.to_json()));
    txn.put(Table::meta, tables::kMetaBootstrapped, "1");
    return Status();
  }));
  return t;
}

Result<std::optional<MintedToken>> TokenService::bootstrap(const Deliver& deliver) {
  bool done = false;
  std::optional<User> admin;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    done = txn.get(Table::meta, tables::kMetaBootstrapped).has_value();
    admin = load_user(txn, kBootstrapUser);
    return Status();
  }));
  if (done) return std::optional<MintedToken>();
  if (!admin) {
    User user;
    user.id = kBootstrapUser;
    user.name = "Bootstrap administrator";
    user.roles = {Role::admin};
    UserService users(store_, config_, clock_);
    TG_RETURN_IF_ERROR(users.create(std::move(user), "tollgated").status());
  }
  TokenRecord record;
  record.user = kBootstrapUser;
  record.name = "bootstrap";
  record.roles = {Role::admin};
  record.created_at = clock_.now();
  record.created_by = "tollgated";
  record.expires_at =
      record.created_at + static_cast<Micros>(config_.token_default_expiry_days) * kMicrosPerDay;
  TG_ASSIGN_OR_RETURN(auto token, store_new(std::move(record), deliver));
  return std::optional<MintedToken>(std::move(token));
}

}  // namespace tollgate::server
