// The router: a plain function from Request to Response. It matches the route, authenticates
// the bearer token, checks the role, checks the body's media type, and calls one handler.
// It knows no sockets, so it is tested directly (tests/server/router_test.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/app.hpp"
#include "server/http_types.hpp"

namespace tollgate::server {

// Who may call a route. Every route names its rule in the route table, and Allow has no default,
// so a route cannot be added without deciding who may call it (tests/server/route_roles_test.cpp
// then holds the whole table against its own expectations).
class Allow {
 public:
  // No token needed (health, metrics, the API description, public keys).
  static constexpr Allow anyone() { return Allow(Kind::anyone, {}); }
  // Any valid token, whatever its roles.
  static constexpr Allow any_role() { return Allow(Kind::roles, RoleSet::all()); }
  // The roles that [gates] lets record some gate; the gate itself is checked by the service.
  static constexpr Allow gate_policy() { return Allow(Kind::gates, {}); }
  // A token holding at least one of `roles`.
  constexpr Allow(std::initializer_list<Role> roles) : kind_(Kind::roles), roles_(roles) {}

  bool needs_token() const { return kind_ != Kind::anyone; }
  // The roles that pass, under `config`.
  RoleSet roles(const Config& config) const;
  // How the rule reads in the route listing: "anyone", "any role", or the roles.
  std::string text(const Config& config) const;

 private:
  enum class Kind { anyone, roles, gates };
  constexpr Allow(Kind kind, RoleSet roles) : kind_(kind), roles_(roles) {}
  Kind kind_;
  RoleSet roles_;
};

// What a route's request body is.
enum class BodyKind {
  json,    // JSON, read whole (up to [server] body_limit); other media types get 415
  raw,     // any media type, read whole (up to [server] body_limit)
  stream,  // any media type, streamed to the handler (Request::body_stream) up to the artifact
           // limit
};

struct Context {
  const Request& request;
  App& app;
  Principal principal;
  std::vector<std::string> params;  // the {placeholders} of the pattern, decoded, in order
  std::vector<std::pair<std::string, std::string>> query;

  std::optional<std::string_view> query_value(std::string_view key) const;
};

using Handler = Response (*)(Context&);

struct Route {
  const char* method;
  const char* pattern;  // "/api/v1/cis/{id}"
  Allow allow;
  Handler handler;
  const char* summary;
  BodyKind body = BodyKind::json;
};

// Every route, in match order.
const std::vector<Route>& routes();

// Answers one request. Never throws: a failure inside a handler becomes a 500 problem.
Response handle(const Request& request, App& app);

// The body kind of the route a request goes to (json when no route matches), so that the
// server knows before reading a body whether to stream it.
BodyKind body_kind(std::string_view method, std::string_view target);

// Whether a method changes state (its handler may wait for a commit).
bool is_mutating(std::string_view method);

}  // namespace tollgate::server
