// The one mapping from Status to an HTTP problem response (RFC 9457, application/problem+json).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/http/http_types.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// HTTP status code for a Status code.
unsigned http_status(Code code);

// A problem+json response for a non-ok status:
// {"type": "urn:tollgate:problem:<slug>", "title", "status", "detail", "errors"?: [...]}
// where <slug> is the status's reason when set, else the code's name with '-' for '_'.
Response problem(const Status& status);

// The same with extra members instead of "errors", e.g. {"declared", "sha256:..."}.
Response problem(const Status& status,
                 const std::vector<std::pair<std::string, std::string>>& members);

}  // namespace tollgate::server
