#include "server/auth.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/crypto.hpp"
#include "server/json_body.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {
constexpr std::string_view kTokenPrefix = "tg_";
constexpr std::size_t kTokenHexLength = 64;
constexpr const char* kBootstrappedKey = "bootstrapped";
constexpr Role kAllRoles[] = {Role::admin,  Role::change_manager, Role::release_manager,
                              Role::tester, Role::build_agent,    Role::auditor,
                              Role::viewer};

bool well_formed(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + kTokenHexLength || !token.starts_with(kTokenPrefix))
    return false;
  return std::all_of(token.begin() + kTokenPrefix.size(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

json::array roles_json(const std::vector<Role>& roles) {
  json::array out;
  for (Role r : roles) out.emplace_back(role_name(r));
  return out;
}
}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::change_manager:
      return "change_manager";
    case Role::release_manager:
      return "release_manager";
    case Role::tester:
      return "tester";
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

bool Principal::has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Principal::has_any(std::initializer_list<Role> wanted) const {
  return std::any_of(wanted.begin(), wanted.end(), [&](Role r) { return has(r); });
}

json::object MintedToken::to_json() const {
  json::object o;
  o["id"] = id;
  o["name"] = name;
  o["roles"] = roles_json(roles);
  json::array envs;
  for (const auto& e : environments) envs.emplace_back(e);
  o["environments"] = std::move(envs);
  o["created_at"] = format_rfc3339(created_at);
  o["token"] = token;
  return o;
}

Status TokenService::store_token(storage::WriteTxn& txn, const MintedToken& token,
                                 const std::string& by) {
  json::object record = token.to_json();
  record.erase("token");
  record["created_by"] = by;
  txn.put(Table::tokens, sha256_hex(token.token), json::serialize(record));
  txn.put(Table::meta, kBootstrappedKey, "1");
  return {};
}

Result<MintedToken> TokenService::mint(const std::string& name, const std::vector<Role>& roles,
                                       const std::vector<std::string>& environments,
                                       const std::string& created_by) {
  if (!is_slug(name))
    return invalid(fmt::format("token name '{}' is not a slug ([a-z0-9._-])", name));
  if (roles.empty()) return invalid("a token needs at least one role");
  MintedToken t;
  t.token = std::string(kTokenPrefix) + to_hex(random_bytes(kTokenHexLength / 2));
  t.id = sha256_hex(t.token).substr(0, 16);
  t.name = name;
  t.roles = roles;
  t.environments = environments;
  t.created_at = clock_.now();
  TG_RETURN_IF_ERROR(
      store_.write([&](storage::WriteTxn& txn) { return store_token(txn, t, created_by); }));
  return t;
}

Result<MintedToken> TokenService::mint_from_request(const json::object& body,
                                                    const Principal& actor) {
  Fields f(body);
  auto name = f.string("name", true);
  auto role_names = f.strings("roles", true);
  auto environments = f.strings("environments");
  std::vector<Role> roles;
  if (role_names) {
    for (const auto& r : *role_names) {
      if (auto role = parse_role(r)) {
        if (std::find(roles.begin(), roles.end(), *role) == roles.end()) roles.push_back(*role);
      } else {
        f.error(fmt::format("roles: unknown role '{}'", r));
      }
    }
    if (role_names->empty()) f.error("roles: at least one role is required");
  }
  if (name && !is_slug(*name)) f.error("name: must be a slug of [a-z0-9._-], 1..128 characters");
  if (environments) {
    for (const auto& e : *environments)
      if (e.empty() || e.size() > 64) f.error("environments: each must be 1..64 characters");
  }
  TG_RETURN_IF_ERROR(f.finish());
  return mint(*name, roles, environments.value_or(std::vector<std::string>{}), actor.name);
}

Result<std::optional<MintedToken>> TokenService::bootstrap() {
  bool done = false;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    done = txn.get(Table::meta, kBootstrappedKey).has_value();
    return Status();
  }));
  if (done) return std::optional<MintedToken>();
  TG_ASSIGN_OR_RETURN(auto token, mint("bootstrap-admin", {Role::admin}, {}, "tollgated"));
  return std::optional<MintedToken>(std::move(token));
}

Result<Principal> TokenService::authenticate(std::string_view authorization) const {
  if (authorization.empty())
    return Status(Code::unauthorized, "an Authorization: Bearer <token> header is required");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return Status(Code::unauthorized, "the Authorization header must be 'Bearer <token>'");
  const std::string_view token = authorization.substr(kBearer.size());
  if (!well_formed(token)) return Status(Code::unauthorized, "the token is malformed");
  const std::string hash = sha256_hex(token);
  const auto now = std::chrono::steady_clock::now();
  {
    std::shared_lock lock(cache_mu_);
    if (auto it = cache_.find(hash); it != cache_.end() && it->second.expires > now)
      return it->second.principal;
  }
  TG_ASSIGN_OR_RETURN(Principal p, load(hash));
  std::unique_lock lock(cache_mu_);
  if (cache_.size() >= kCacheMax) cache_.clear();
  cache_[hash] = Cached{p, now + kCacheTtl};
  return p;
}

Result<Principal> TokenService::load(const std::string& hash) const {
  Principal p;
  bool found = false;
  Status st = store_.read([&](storage::ReadTxn& txn) {
    auto record = txn.get(Table::tokens, hash);
    if (!record) return Status();
    boost::system::error_code ec;
    json::value v = json::parse(*record, ec);
    if (ec || !v.is_object()) return Status(Code::corrupt, "unreadable token record");
    const auto& o = v.as_object();
    if (const auto* revoked = o.if_contains("revoked_at"); revoked && !revoked->is_null())
      return Status();
    p.name = json::value_to<std::string>(o.at("name"));
    for (const auto& r : o.at("roles").as_array())
      if (auto role = parse_role(r.as_string())) p.roles.push_back(*role);
    for (const auto& e : o.at("environments").as_array())
      p.environments.emplace_back(e.as_string());
    found = true;
    return Status();
  });
  TG_RETURN_IF_ERROR(st);
  if (!found) return Status(Code::unauthorized, "the token is unknown or revoked");
  return p;
}

}  // namespace tollgate::server
