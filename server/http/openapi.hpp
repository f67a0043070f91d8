// The OpenAPI 3.0.3 description of the API, generated from the route table: each route's
// method, pattern, rule and summary (route.hpp) and its doc (route_doc.hpp), the shared schemas
// (openapi_schemas.hpp) and the problem catalogue (problem_types.hpp). Served at
// GET /api/v1/openapi.json; tests/openapi/ validates it against the OpenAPI 3.0 schema.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/http/route.hpp"

namespace tollgate::server {

// The document for `routes`, with each route's roles as `config` grants them ([gates] decides
// who records gates). Never fails: what a doc names but the schemas or the catalogue lack shows
// in openapi_doc_errors, not here.
boost::json::object openapi_document(const std::vector<Route>& routes, const Config& config);

// Every fault of the docs of `routes`, one line each ("POST /api/v1/cis: unknown schema 'X'"):
// a route without a success answer, a path parameter without a description, a schema or problem
// slug that is not declared, a parameter declared twice. Empty when the docs are whole.
std::vector<std::string> openapi_doc_errors(const std::vector<Route>& routes);

}  // namespace tollgate::server
