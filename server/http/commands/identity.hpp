// Parsers of the identity request bodies: users and tokens. Strict as json_body.hpp reads: one
// invalid Status lists every problem. Whether a user may have what it asks for (environments
// configured, a token within its bound) is the services' to decide.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/login.hpp"
#include "server/domain/identity/users.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::commands {

// POST /api/v1/users {id, name, email?, roles, environments?, disabled?} into the user to
// create (without created_*/updated_* or source).
Result<User> parse_create_user(const boost::json::object& body);

// PATCH /api/v1/users/{id} {name?, email?, roles?, environments?, disabled?}.
Result<UserPatch> parse_user_patch(const boost::json::object& body);

// POST /api/v1/tokens {user, name?, roles?, environments?, expires_at?}; expires_at is RFC 3339
// or YYYY-MM-DD.
Result<TokenRequest> parse_token_request(const boost::json::object& body);

// POST /api/v1/sessions {username, password}; the peer's address is the handler's to add.
Result<LoginRequest> parse_login(const boost::json::object& body);

}  // namespace tollgate::server::commands
