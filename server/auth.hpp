// Roles, principals and API tokens.
//
// A token is "tg_" followed by 64 hex characters (256 random bits). Only its SHA-256 is stored;
// the token itself is shown once, when it is minted.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class Role { admin, change_manager, release_manager, tester, build_agent, auditor, viewer };

const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

// Who is acting: the token's name and what it may do.
struct Principal {
  std::string name;
  std::vector<Role> roles;
  std::vector<std::string> environments;  // empty: every environment

  bool has(Role role) const;
  bool has_any(std::initializer_list<Role> roles) const;
};

struct MintedToken {
  std::string token;  // the secret; never stored
  std::string id;     // first 16 hex characters of its hash: names the token in listings
  std::string name;
  std::vector<Role> roles;
  std::vector<std::string> environments;
  Micros created_at = 0;

  boost::json::object to_json() const;
};

class TokenService {
 public:
  TokenService(storage::KvStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Mints and stores a token. Errors: invalid (name not a slug, no roles).
  Result<MintedToken> mint(const std::string& name, const std::vector<Role>& roles,
                           const std::vector<std::string>& environments,
                           const std::string& created_by);

  // POST /api/v1/tokens: {"name", "roles": [...], "environments"?: [...]}.
  Result<MintedToken> mint_from_request(const boost::json::object& body, const Principal& actor);

  // Mints the bootstrap admin token if and only if no token was ever minted in this data
  // directory; returns nullopt when one was.
  Result<std::optional<MintedToken>> bootstrap();

  // Resolves an "Authorization" header value. Errors: unauthorized for a missing, malformed or
  // unknown token. Resolved tokens are remembered (by hash) for kCacheTtl, so a change to a
  // token's record takes effect within that time.
  Result<Principal> authenticate(std::string_view authorization) const;

  static constexpr std::chrono::seconds kCacheTtl{10};
  static constexpr std::size_t kCacheMax = 10000;

 private:
  struct Cached {
    Principal principal;
    std::chrono::steady_clock::time_point expires;
  };

  Status store_token(storage::WriteTxn& txn, const MintedToken& token, const std::string& by);
  Result<Principal> load(const std::string& hash) const;

  mutable std::shared_mutex cache_mu_;
  mutable std::unordered_map<std::string, Cached> cache_;

  storage::KvStore& store_;
  const Clock& clock_;
};

}  // namespace tollgate::server
