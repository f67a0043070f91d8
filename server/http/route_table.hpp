// The route table: every route of the API, in match order, with the rule of who may call it and
// its description (RouteDoc, route_doc.hpp). A route is added here and nowhere else;
// tests/server/http/route_roles_test.cpp holds the whole table against its own expectations, so
// a route without a deliberate rule fails the build's tests, and
// tests/server/http/openapi_test.cpp holds every doc whole.
#pragma once

#include <vector>

#include "server/http/route.hpp"

namespace tollgate::server {

// Every route, in match order.
const std::vector<Route>& routes();

}  // namespace tollgate::server
