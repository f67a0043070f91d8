// The router: a plain function from Request to Response. It matches the route, authenticates
// the bearer token, checks the role, checks the body's media type, and calls one handler.
// It knows no sockets, so it is tested directly (tests/server/http/router_test.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/domain/app.hpp"
#include "server/http/http_types.hpp"
#include "server/http/route.hpp"

namespace tollgate::server {

// Answers one request. Never throws: a failure inside a handler becomes a 500 problem. With
// request.body_unread, answers only what the headers decide (headers_admit); should they pass
// after all (a token changed meanwhile), 503 "unavailable".
Response handle(const Request& request, App& app);

// Whether what a request's headers decide lets its body be read: they name a route and a method
// it has, a credential that authenticates, a role the route takes, and for a JSON route a JSON
// media type. Call it with the headers alone and `body_unread` set. When it says no, the server
// does not read the body: it sets `body_unread` for good and lets handle() answer the refusal
// (and closes the connection, whose unread body it cannot skip). Reads the store (the token),
// never writes; safe on an I/O thread.
bool headers_admit(const Request& request, App& app);

// Where a request goes: the first route of the table (route_table.hpp) whose pattern matches
// `segments` (a request target's, request_target.hpp) and whose method is `method` (HEAD goes
// where GET does), with the values of its {placeholders}; a placeholder matches any non-empty
// segment. Without one, `allowed` lists the methods of the routes whose pattern matches (a 405
// when there are any, else a 404).
struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::string> params;   // decoded, in the pattern's order
  std::vector<std::string> allowed;  // only when route is null
};
RouteMatch find_route(std::string_view method, const std::vector<std::string>& segments);

// The body kind of the route a request goes to (json when no route matches, or when the target
// is not one), so that the server knows before reading a body whether to stream it.
BodyKind body_kind(std::string_view method, std::string_view target);

// Where a request's handler runs when its method does not change state (is_mutating): its
// route's `runs`; io when no route matches (the answer is a problem made on the spot).
Runs runs_of(std::string_view method, std::string_view target);

// Whether a method changes state (its handler may wait for a commit).
bool is_mutating(std::string_view method);

}  // namespace tollgate::server
