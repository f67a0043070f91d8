// Logging in with a directory password: POST /api/v1/sessions.
//
// A login binds to the directory as the person (server/domain/identity/ldap_directory.hpp), creates
// or updates their user from the directory (source "ldap"; roles and environments replaced by what
// the [ldap] group maps give, so leaving a group drops the role at the next login), and mints a
// token named "session" that expires after [ldap] session_hours (never past [tokens]
// max_expiry_days).
//
// Guessing is slowed and bounded: a failed login is answered only after [ldap]
// failed_login_delay_ms, and a username with max_failures failures (or a remote address with
// max_address_failures) within lockout_minutes is locked out for lockout_minutes: further
// attempts are refused before the directory is asked. The counters live in memory (bounded;
// they restart with the server).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/ldap_directory.hpp"
#include "server/domain/identity/users.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Failed logins per key (a username, a remote address) within a window; thread-safe. Holds at
// most `capacity` keys: when full, expired entries are dropped, then the oldest.
class LoginThrottle {
 public:
  LoginThrottle(unsigned max_failures, Micros window, std::size_t capacity = 10'000)
      : max_failures_(max_failures), window_(window), capacity_(capacity) {}

  // When `key` is locked out at `now`: the time the lockout ends; nullopt when it is not.
  std::optional<Micros> locked_until(const std::string& key, Micros now) const;
  // Counts a failure; the max_failures-th within the window locks the key for the window.
  void failed(const std::string& key, Micros now);
  void clear(const std::string& key);

 private:
  struct Entry {
    unsigned failures = 0;
    Micros first = 0;  // the window's start
    Micros locked_until = 0;
  };
  void make_room(Micros now);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  unsigned max_failures_;
  Micros window_;
  std::size_t capacity_;
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::string remote;  // the peer's "address:port" (the port is ignored)
};

struct LoginResult {
  MintedToken token;
  User user;
};

class LoginService {
 public:
  // `directory` null: built from config.ldap (when there is one). Tests pass their own.
  LoginService(storage::KvStore& store, TokenService& tokens, const Config& config,
               const Clock& clock, std::unique_ptr<Directory> directory = nullptr);

  bool configured() const { return directory_ != nullptr; }

  // Checks the password with the directory and mints a session token. Errors:
  //   not_found "login-not-configured" (no [ldap]); invalid (username not a user id, password
  //   empty or over 1024 bytes); forbidden "login-locked" (retry_after_seconds is set);
  //   unauthorized "login-failed" (unknown user or wrong password, alike, after the delay);
  //   unavailable "directory-unavailable"; forbidden "user-disabled" (disabled in Tollgate),
  //   "login-no-role" (no group maps to a role), "user-not-from-directory" (a local user of
  //   that id exists and is not taken over).
  // Once the directory is asked, the thread's audit entry names `username` as the actor.
  Result<LoginResult> login(const LoginRequest& request, unsigned& retry_after_seconds);

 private:
  Status check_lockout(const std::string& username, const std::string& address,
                       unsigned& retry_after_seconds) const;
  Result<User> update_user(const std::string& username, const DirectoryUser& entry);

  storage::KvStore& store_;
  TokenService& tokens_;
  const Config& config_;
  const Clock& clock_;
  std::unique_ptr<Directory> directory_;
  LoginThrottle by_user_;
  LoginThrottle by_address_;
};

}  // namespace tollgate::server
