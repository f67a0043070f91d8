#include "server/http/route_table.hpp"

#include <iterator>

#include "server/http/handlers/handlers.hpp"
#include "server/http/route_table_detail.hpp"

namespace tollgate::server {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better
using namespace route_table_detail;  // NOLINT(google-build-using-namespace): the rules

// Liveness, metrics, the API's description, who is calling, users, tokens, sessions and keys.
std::vector<Route> system_routes() {
  return {
      {"GET", "/healthz", Allow::anyone(), healthz, "Liveness and store health",
       RouteDoc::ok("Health").problems({"unavailable"}), BodyKind::json, Runs::io},
      {"GET", "/metrics", Allow::anyone(), metrics, "Prometheus metrics",
       RouteDoc::answers({.status = 200,
                          .schema = nullptr,
                          .description = "Prometheus text exposition format 0.0.4",
                          .media = "text/plain"}),
       BodyKind::json, Runs::io},
      {"GET", "/api/v1/openapi.json", Allow::anyone(), openapi, "This API's description",
       RouteDoc::answers({200, nullptr, "This OpenAPI 3.0.3 document"})},
      {"GET", "/api/v1/routes", Allow::any_role(), list_routes,
       "Every route with the roles that may call it", RouteDoc::ok("RoutePage")},
      {"GET", "/api/v1/whoami", Allow::any_role(), whoami,
       "The person and the roles and environments of the calling token", RouteDoc::ok("Whoami")},
      {"GET", "/api/v1/users", kAudit, list_users, "List users (limit, cursor)",
       RouteDoc::ok("UserPage").paged()},
      {"POST", "/api/v1/users", kAdmin, create_user, "Create a user (a person)",
       RouteDoc::answers(
           {.status = 201, .schema = "User", .description = "Created", .headers = {"Location"}})
           .json_body("UserCreate")
           .problems({"invalid", "reserved-user", {400, "unknown-environment"}, "user-exists"})},
      {"GET", "/api/v1/users/{id}", kAudit, get_user, "Get a user",
       RouteDoc::ok("User").problems({"not-found"})},
      {"PATCH", "/api/v1/users/{id}", kAdmin, patch_user,
       "Change a user's name, e-mail, roles, environments or disabled flag",
       RouteDoc::ok("User")
           .json_body("UserPatch")
           .problems({"invalid", {400, "unknown-environment"}, "not-found"})},
      {"GET", "/api/v1/tokens", Allow::any_role(), list_tokens,
       "List tokens (admins and auditors every one, others their own; user, limit, cursor)",
       RouteDoc::ok("TokenPage")
           .paged()
           .query({{"user", "string",
                    "Only this user's tokens (others than one's own: admin, auditor)"}})
           .problems({"token-other-user"})},
      {"POST", "/api/v1/tokens", Allow::any_role(), create_token,
       "Mint a token for a user (admins for anyone, others for themselves; shown once)",
       RouteDoc::answers({.status = 201,
                          .schema = "MintedToken",
                          .description = "Minted; the secret is in token, shown this once",
                          .headers = {"Cache-Control"}})
           .json_body("TokenCreate")
           .problems({"token-expiry",
                      "token-widens-user",
                      "unknown-user",
                      {400, "unknown-environment"},
                      "token-other-user",
                      {403, "user-disabled"}})},
      {"DELETE", "/api/v1/tokens/{id}", Allow::any_role(), revoke_token,
       "Revoke a token (admins any, others their own); effective on the next request",
       RouteDoc::ok("Token", "Revoked").problems({"token-other-user", "not-found"})},
      // Anyone: logging in is how a person without a token gets one. Bounded by the lockout.
      {"POST", "/api/v1/sessions", Allow::anyone(), create_session,
       "Log in with a directory (LDAP) username and password; answers a session token",
       RouteDoc::answers({.status = 201,
                          .schema = "Session",
                          .description = "Logged in",
                          .headers = {"Cache-Control"}})
           .json_body("SessionCreate")
           .problems({"login-failed",
                      "login-locked",
                      "login-no-role",
                      {403, "user-disabled"},
                      "user-not-from-directory",
                      "login-not-configured",
                      "directory-unavailable"})},
      {"GET", "/api/v1/keys", Allow::anyone(), list_keys,
       "Public keys that sign manifests and baselines", RouteDoc::ok("KeyList")},
  };
}

void append(std::vector<Route>& to, std::vector<Route> group) {
  to.insert(to.end(), std::make_move_iterator(group.begin()), std::make_move_iterator(group.end()));
}

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes = [] {
    std::vector<Route> all = system_routes();
    append(all, cmdb_routes());
    append(all, vault_routes());
    append(all, rfc_routes());
    append(all, release_routes());
    append(all, audit_routes());
    return all;
  }();
  return kRoutes;
}

}  // namespace tollgate::server
