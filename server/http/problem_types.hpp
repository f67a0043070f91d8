// The catalogue of problem types: every `urn:tollgate:problem:<slug>` the server can answer, with
// its HTTP status and what it means. A slug is a Status's reason, or its code's name when it has
// none (problem.hpp). The API description lists, per route, the slugs it can answer
// (route_doc.hpp); tests/server/http/openapi_test.cpp checks that every reason the server's
// sources give is here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tollgate/problem.hpp"

namespace tollgate::server {

// Every problem type, grouped by status.
const std::vector<ProblemType>& problem_types();

// The entry of `slug`; nullptr when the catalogue has none.
const ProblemType* find_problem_type(std::string_view slug);

}  // namespace tollgate::server
