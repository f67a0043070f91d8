// People: every token, gate record, approval and audit entry names a user, never a free-form
// name. A user is a person with a unique id (a slug), a display name, an e-mail address, the
// roles and environments they may act in, and a disabled flag.
//
// Storage: Table::users, key = user id, value = User::to_record(). Ids `tollgated` and `system`
// are reserved for the server's own entries and can never be users.
//
// A user's environments limit every token of theirs: empty means every environment. Roles and
// environments are read at each request, so a change (or disabling) takes effect on the next
// request of every token the user holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/identity/roles.hpp"
#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Ids no user may take: they name the server itself in records and the audit log.
bool is_reserved_user_id(std::string_view id);

struct User {
  std::string id;    // slug, unique
  std::string name;  // display name
  std::string email;
  std::vector<Role> roles;
  std::vector<std::string> environments;  // empty: every environment
  bool disabled = false;
  std::string source = "local";  // local | ldap | certificate
  Micros created_at = 0;
  std::string created_by;
  Micros updated_at = 0;
  std::string updated_by;

  bool has(Role role) const;
  boost::json::object to_json() const;
  boost::json::object to_record() const { return to_json(); }
  static Result<User> from_record(std::string_view text);
};

// Reads a user inside a caller's transaction; nullopt when there is none.
std::optional<User> load_user(storage::ReadTxn& txn, std::string_view id);
void store_user(storage::WriteTxn& txn, const User& user);

// Checks a list of environment names against the configured order. Errors: invalid naming
// `field` and the unknown name (reason "unknown-environment").
Status check_environments(const Config& config, const std::vector<std::string>& environments,
                          std::string_view field);

// Puts environment names in the pipeline's order (CINTE before SIT ...) without repeats;
// names the configuration lacks go last, for check_environments to report.
void order_environments(const Config& config, std::vector<std::string>& environments);

// PATCH /api/v1/users/{id}, parsed: each member present in the request replaces the user's.
struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::vector<Role>> roles;  // sorted, without repeats
  std::optional<std::vector<std::string>> environments;
  std::optional<bool> disabled;
};

// Administration of users (admins, through /api/v1/users; the directory, at each login).
// Every change is one write; thread-safe.
class UserService {
 public:
  UserService(storage::KvStore& store, const Config& config, const Clock& clock)
      : store_(store), config_(config), clock_(clock) {}

  // POST /api/v1/users {id, name, email?, roles, environments?, disabled?}, parsed into `user`
  // (also bootstrap, migration, tests). Errors: invalid (fields, unknown environment; reason
  // "reserved-user" for tollgated/system), conflict (reason "user-exists").
  Result<User> create(User user, const std::string& actor);

  // PATCH /api/v1/users/{id}: any of {name, email, roles, environments, disabled}; roles and
  // environments replace. Errors: not_found, invalid.
  Result<User> patch(const std::string& id, const UserPatch& patch, const std::string& actor);

  // Errors: not_found.
  Result<User> get(const std::string& id) const;
  Result<Page<User>> list(const PageRequest& page) const;

 private:
  Status validate(const User& user) const;

  storage::KvStore& store_;
  const Config& config_;
  const Clock& clock_;
};

}  // namespace tollgate::server
