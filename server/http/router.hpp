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

// Answers one request. Never throws: a failure inside a handler becomes a 500 problem.
Response handle(const Request& request, App& app);

// The body kind of the route a request goes to (json when no route matches), so that the
// server knows before reading a body whether to stream it.
BodyKind body_kind(std::string_view method, std::string_view target);

// Whether a method changes state (its handler may wait for a commit).
bool is_mutating(std::string_view method);

}  // namespace tollgate::server
