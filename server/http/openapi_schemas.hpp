// The JSON schemas of the API description (OpenAPI 3.0 components/schemas), declared once and
// named: route docs (route_doc.hpp) refer to them by name. Request schemas follow the parsers
// (server/domain/json_body.hpp: every unknown field is refused, so they are closed with
// additionalProperties false); answer schemas follow what the services render (to_json and
// friends) and stay open, since answers may grow.
#pragma once

#include <boost/json/object.hpp>

namespace tollgate::server {

// name -> schema, built once. Thread-safe.
const boost::json::object& openapi_schemas();

}  // namespace tollgate::server
