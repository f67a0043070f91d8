// What a route is: its method and pattern, who may call it (Allow), how it is described
// (RouteDoc), what its body is (BodyKind), and the handler that answers it with a Context. Handlers
// include this header and nothing of the router; the table of every route is
// server/http/route_table.hpp.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/domain/app.hpp"
#include "server/http/http_types.hpp"
#include "server/http/route_doc.hpp"

namespace tollgate::server {

// Who may call a route. Every route names its rule in the route table, and Allow has no default,
// so a route cannot be added without deciding who may call it
// (tests/server/http/route_roles_test.cpp then holds the whole table against its own expectations).
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

// Where a GET or HEAD of the route runs (every other method runs on the worker pool, where it
// may wait for the store's group commit).
enum class Runs {
  pool,  // on the reader pool ([server] reader_threads): anything that scans, reads the vault or
         // computes a report, so that no request holds an I/O thread while it does
  io,    // on the connection's I/O thread: constant work (a lookup and an open file), for the
         // routes whose latency is the product (downloads) and liveness
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
  RouteDoc doc;  // its description (route_doc.hpp); no default, so no route goes without one
  BodyKind body = BodyKind::json;
  Runs runs = Runs::pool;  // for GET and HEAD
};

}  // namespace tollgate::server
