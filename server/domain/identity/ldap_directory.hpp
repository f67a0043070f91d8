// The enterprise directory that people log in with: an LDAP server reached through OpenLDAP's
// libldap. Only ldap_directory.cpp includes <ldap.h>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/config.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// A person as the directory describes them after a successful bind.
struct DirectoryUser {
  std::string dn;
  std::string name;                 // displayName (or cn), may be empty
  std::string email;                // mail, may be empty
  std::vector<std::string> groups;  // each group's DN and its cn
};

// Checks a username and password against the directory. Implementations are thread-safe: each
// call opens its own connection.
class Directory {
 public:
  virtual ~Directory() = default;

  // Binds as the user and reads their entry and groups. Errors: unauthorized (reason
  // "login-failed") for an unknown user or a wrong or empty password, alike; unavailable
  // (reason "directory-unavailable") when the directory cannot be reached, refuses TLS,
  // times out or fails otherwise.
  virtual Result<DirectoryUser> authenticate(std::string_view username,
                                             std::string_view password) const = 0;
};

// The libldap directory of an [ldap] section. `config` must outlive it.
std::unique_ptr<Directory> make_ldap_directory(const LdapConfig& config);

// RFC 4515: `value` escaped for use inside a search filter ('*', '(', ')', '\', NUL as \XX).
std::string escape_filter_value(std::string_view value);
// RFC 4514: `value` escaped for use as an attribute value inside a DN.
std::string escape_dn_value(std::string_view value);

}  // namespace tollgate::server
