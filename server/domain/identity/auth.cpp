#include "server/domain/identity/auth.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/crypto.hpp"
#include "server/domain/identity/auth_detail.hpp"
#include "server/domain/record_fields.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/encoding.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using namespace record_fields;  // NOLINT(google-build-using-namespace)
using namespace auth_detail;    // NOLINT(google-build-using-namespace)
using storage::Table;

namespace {

bool well_formed(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + kTokenHexLength || !token.starts_with(kTokenPrefix))
    return false;
  return std::all_of(token.begin() + kTokenPrefix.size(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_token_id(std::string_view id) {
  return id.size() == kTokenIdLength && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

json::array roles_json(const std::vector<Role>& roles) {
  json::array out;
  for (Role r : roles) out.emplace_back(role_name(r));
  return out;
}

Status unauthorized(std::string message, std::string reason) {
  return Status(Code::unauthorized, std::move(message)).with_reason(std::move(reason));
}

// The token record stored under `hash`, if any.
std::optional<TokenRecord> load_token(storage::ReadTxn& txn, std::string_view hash) {
  auto stored = txn.get(Table::tokens, hash);
  if (!stored) return std::nullopt;
  auto record = TokenRecord::from_record(*stored);
  if (!record) return std::nullopt;
  return std::move(record).value();
}

}  // namespace

std::optional<std::vector<std::string>> auth_detail::intersect_environments(
    const std::vector<std::string>& token, const std::vector<std::string>& user) {
  if (token.empty()) return user;
  if (user.empty()) return token;
  std::vector<std::string> out;
  for (const auto& e : token)
    if (contains(user, e)) out.push_back(e);
  if (out.empty()) return std::nullopt;
  return out;
}

bool Principal::has(Role role) const { return contains(roles, role); }

bool Principal::has_any(std::initializer_list<Role> wanted) const {
  return std::any_of(wanted.begin(), wanted.end(), [&](Role r) { return has(r); });
}

bool Principal::may_act_in(std::string_view environment) const {
  return environments.empty() ||
         std::find(environments.begin(), environments.end(), environment) != environments.end();
}

Status check_environment_scope(const Principal& actor, std::string_view environment) {
  if (actor.may_act_in(environment)) return {};
  return Status(Code::forbidden,
                fmt::format("'{}' may act only in {} through this token, not in {}", actor.name,
                            fmt::join(actor.environments, ", "), environment))
      .with_reason("environment-forbidden");
}

json::object TokenRecord::to_json() const {
  json::object o{{"id", id},
                 {"user", user},
                 {"name", name},
                 {"roles", roles_json(roles)},
                 {"environments", string_array(environments)},
                 {"created_at", format_rfc3339(created_at)},
                 {"created_by", created_by},
                 {"expires_at", format_rfc3339(expires_at)}};
  o["last_used_at"] = last_used_at ? json::value(format_rfc3339(*last_used_at)) : nullptr;
  o["revoked_at"] = revoked_at ? json::value(format_rfc3339(*revoked_at)) : nullptr;
  if (revoked_at) o["revoked_by"] = revoked_by;
  return o;
}

Result<TokenRecord> TokenRecord::from_record(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored token record is unreadable");
  const auto& o = v.get_object();
  TokenRecord t;
  t.id = str(o, "id");
  t.user = str(o, "user");
  t.name = str(o, "name");
  for (const auto& r : strings(o, "roles"))
    if (auto role = parse_role(r)) t.roles.push_back(*role);
  t.environments = strings(o, "environments");
  t.created_at = time_field(o, "created_at");
  t.created_by = str(o, "created_by");
  t.expires_at = time_field(o, "expires_at");
  if (auto used = opt_str(o, "last_used_at")) t.last_used_at = parse_rfc3339(*used);
  if (auto revoked = opt_str(o, "revoked_at")) t.revoked_at = parse_rfc3339(*revoked);
  t.revoked_by = str(o, "revoked_by");
  return t;
}

json::object MintedToken::to_json() const {
  json::object o = record.to_json();
  o["token"] = token;
  return o;
}

Result<Principal> TokenService::authenticate(std::string_view authorization) const {
  if (authorization.empty())
    return unauthorized("an Authorization: Bearer <token> header is required", "");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return unauthorized("the Authorization header must be 'Bearer <token>'", "");
  const std::string_view secret = authorization.substr(kBearer.size());
  if (!well_formed(secret)) return unauthorized("the token is malformed", "");
  const std::string hash = sha256_hex(secret);
  std::optional<TokenRecord> token;
  std::optional<User> user;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    token = load_token(txn, hash);
    if (token) user = load_user(txn, token->user);
    return Status();
  }));
  if (!token) return unauthorized("the token is unknown", "");
  if (token->revoked_at) return unauthorized("the token was revoked", "token-revoked");
  const Micros now = clock_.now();
  if (now >= token->expires_at)
    return unauthorized(fmt::format("the token expired at {}", format_rfc3339(token->expires_at)),
                        "token-expired");
  if (!user) return unauthorized("the token's user no longer exists", "");
  if (user->disabled)
    return unauthorized(fmt::format("user '{}' is disabled", user->id), "user-disabled");
  Principal p;
  p.name = user->id;
  p.display_name = user->name;
  p.token_id = token->id;
  p.authenticated_by = "token";
  for (Role r : token->roles)
    if (user->has(r)) p.roles.push_back(r);
  auto envs = intersect_environments(token->environments, user->environments);
  if (p.roles.empty() || !envs)
    return unauthorized(
        fmt::format("the token holds no role or environment that user '{}' still has", user->id),
        "token-outgrown");
  p.environments = std::move(*envs);
  std::lock_guard lock(last_used_mu_);
  last_used_[hash] = now;
  return p;
}

Result<Page<TokenRecord>> TokenService::list(const std::optional<std::string>& user,
                                             const PageRequest& page,
                                             const Principal& actor) const {
  const bool everyone = actor.has_any({Role::admin, Role::auditor});
  if (!everyone && user && *user != actor.name)
    return Status(Code::forbidden, fmt::format("'{}' may list only their own tokens", actor.name))
        .with_reason("token-other-user");
  const std::string owner = everyone ? user.value_or("") : actor.name;
  std::map<std::string, Micros> pending;
  {
    std::lock_guard lock(last_used_mu_);
    for (const auto& [hash, time] : last_used_)
      pending.emplace(hash.substr(0, kTokenIdLength), time);
  }
  Page<TokenRecord> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::tokens, page.after, [&](std::string_view key, std::string_view value) {
      if (key.substr(0, kTokenIdLength) <= page.after && !page.after.empty()) return true;
      auto record = TokenRecord::from_record(value);
      if (!record) {
        failure = record.status();
        return false;
      }
      if (!owner.empty() && record->user != owner) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().id;
        return false;
      }
      if (auto used = pending.find(record->id); used != pending.end())
        record->last_used_at = used->second;
      out.items.push_back(std::move(record).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<TokenRecord> TokenService::revoke(const std::string& id, const Principal& actor) {
  if (!is_token_id(id))
    return invalid(fmt::format("'{}' is not a token id (16 hex characters)", id.substr(0, 64)));
  TokenRecord out;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    std::string hash;
    txn.scan(Table::tokens, id, [&](std::string_view key, std::string_view) {
      if (key.starts_with(id)) hash = std::string(key);
      return false;
    });
    auto record = hash.empty() ? std::nullopt : load_token(txn, hash);
    if (!record || (record->user != actor.name && !actor.has(Role::admin)))
      return not_found(fmt::format("no token '{}'", id));
    audit_note("/api/v1/tokens/" + id,
               fmt::format("revoked token {} of {}", record->id, record->user));
    if (!record->revoked_at) {
      record->revoked_at = clock_.now();
      record->revoked_by = actor.name;
      txn.put(Table::tokens, hash, json::serialize(record->to_json()));
    }
    out = std::move(*record);
    return Status();
  }));
  return out;
}

Status TokenService::flush_last_used() {
  std::unordered_map<std::string, Micros> pending;
  {
    std::lock_guard lock(last_used_mu_);
    pending.swap(last_used_);
  }
  if (pending.empty()) return {};
  return store_.write([&](storage::WriteTxn& txn) {
    for (const auto& [hash, time] : pending) {
      auto record = load_token(txn, hash);
      if (!record || (record->last_used_at && *record->last_used_at >= time)) continue;
      record->last_used_at = time;
      txn.put(Table::tokens, hash, json::serialize(record->to_json()));
    }
    return Status();
  });
}

}  // namespace tollgate::server
