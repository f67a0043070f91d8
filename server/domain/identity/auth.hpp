// Principals and API tokens.
//
// A token is "tg_" followed by 64 hex characters (256 random bits). Only its SHA-256 is stored
// (Table::tokens, key = the hash in hex); the token itself is shown once, when it is minted.
// Its id, which names it in listings and in DELETE /api/v1/tokens/{id}, is the first 16 hex
// characters of that hash.
//
// Every token belongs to a user (server/domain/identity/users.hpp) and may narrow, never widen,
// what the user may do: its roles and environments are fixed when it is minted (within what the
// minting principal may grant), and at each request the principal gets the intersection with the
// user's current roles and environments. Nothing is cached: revoking a token, disabling its
// user or taking a role away takes effect on the very next request.
#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/identity/roles.hpp"
#include "server/domain/identity/users.hpp"
#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Who is acting: a person (a user id) through one token, and what that token may do now.
struct Principal {
  std::string name;  // the user's id: the person every record and audit entry names
  std::vector<Role> roles;
  std::vector<std::string> environments;  // empty: every environment
  std::string token_id = {};              // empty for the server's own work
  std::string display_name = {};
  // How the request authenticated: "token" or "certificate"
  // (server/domain/identity/certificate_auth.hpp); empty for the server's own work.
  std::string authenticated_by = {};

  bool has(Role role) const;
  bool has_any(std::initializer_list<Role> wanted) const;
  // Whether the principal may act in `environment` (its environments are empty or name it).
  bool may_act_in(std::string_view environment) const;
};

// forbidden (reason "environment-forbidden") unless `actor` may act in `environment`.
Status check_environment_scope(const Principal& actor, std::string_view environment);

// A token as stored and listed (never the secret).
struct TokenRecord {
  std::string id;    // first 16 hex characters of the secret's SHA-256
  std::string user;  // the user it belongs to
  std::string name;  // a label ("jenkins-prod"); may be empty
  std::vector<Role> roles;
  std::vector<std::string> environments;  // empty: every environment the user has
  Micros created_at = 0;
  std::string created_by;
  Micros expires_at = 0;
  std::optional<Micros> last_used_at;
  std::optional<Micros> revoked_at;
  std::string revoked_by;

  boost::json::object to_json() const;
  static Result<TokenRecord> from_record(std::string_view text);
};

struct MintedToken {
  std::string token;  // the secret; never stored
  TokenRecord record;

  boost::json::object to_json() const;  // the record plus "token"
};

// What a mint may ask for. Empty roles or environments: all the bound allows.
struct TokenRequest {
  std::string user;
  std::string name;
  std::vector<Role> roles;
  std::vector<std::string> environments;
  std::optional<Micros> expires_at;  // default: now + [tokens] default_expiry_days
};

class TokenService {
 public:
  TokenService(storage::KvStore& store, const Config& config, const Clock& clock)
      : store_(store), config_(config), clock_(clock) {}

  // Mints and stores a token for request.user, by `actor`. An admin may mint for any user,
  // anyone else only for themselves; the token's roles and environments must lie within the
  // user's and, for one's own token, within the minting token's. Errors: invalid (unknown
  // user, reasons "token-widens-user", "token-expiry", "unknown-environment"), forbidden
  // (reason "token-other-user"; "user-disabled").
  Result<MintedToken> mint(const TokenRequest& request, const Principal& actor);

  // Mints the bootstrap admin token for user `admin` (created with the role admin) if and only
  // if no token was ever minted in this data directory; nullopt when one was. `deliver` gets
  // the token before it is stored (to write it to DATA/bootstrap-token); if it fails, nothing
  // is stored and the next start tries again.
  using Deliver = std::function<Status(const MintedToken&)>;
  Result<std::optional<MintedToken>> bootstrap(const Deliver& deliver);

  // Resolves an "Authorization" header value into the principal acting now. Errors:
  // unauthorized for a missing, malformed, unknown ("token-unknown"), revoked
  // ("token-revoked") or expired ("token-expired") token, a disabled user ("user-disabled"),
  // or a token left with no role or environment of its user ("token-outgrown").
  Result<Principal> authenticate(std::string_view authorization) const;

  // GET /api/v1/tokens: admins and auditors see every token (or one user's), others only
  // their own. Sorted by id.
  Result<Page<TokenRecord>> list(const std::optional<std::string>& user, const PageRequest& page,
                                 const Principal& actor) const;

  // DELETE /api/v1/tokens/{id}: an admin revokes any token, anyone else only their own.
  // Revoking twice answers the record as it is. Errors: not_found (also for another's token
  // when not admin, so ids are not probed), invalid.
  Result<TokenRecord> revoke(const std::string& id, const Principal& actor);

  // Writes the last-use times gathered since the last flush (done every minute and at
  // shutdown; a token's record is not rewritten on every request).
  Status flush_last_used();

 private:
  Result<MintedToken> store_new(TokenRecord record, const Deliver& deliver = {});

  mutable std::mutex last_used_mu_;
  mutable std::unordered_map<std::string, Micros> last_used_;  // hash -> time, not yet written

  storage::KvStore& store_;
  const Config& config_;
  const Clock& clock_;
};

// Schema 1 -> 2: every token record without a user becomes a user of its name (the union of
// the roles of that name's tokens; every environment if any of them had no limit), and each
// token names that user and expires [tokens] max_expiry_days after `now`. A token name that
// is a reserved id becomes "<name>-user".
Status migrate_tokens_to_users(storage::WriteTxn& txn, const Config& config, Micros now);

}  // namespace tollgate::server
