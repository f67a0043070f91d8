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

enum class Access {
  open,            // no token needed (health, metrics)
  read,            // any valid token
  cmdb_write,      // admin, change_manager, release_manager
  artifact_write,  // admin, release_manager, build_agent
  admin,           // admin
  audit,           // admin, auditor (the audit log)
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
  Access access;
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
