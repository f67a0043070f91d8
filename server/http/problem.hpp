// The one mapping from Status to an HTTP problem response (RFC 9457, application/problem+json);
// the status codes and slugs are the shared model's (tollgate/problem.hpp).
#pragma once

#include "server/http/http_types.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// A problem+json response for a non-ok status:
// {"type": "urn:tollgate:problem:<slug>", "title", "status", "detail", "errors"?: [...], ...}
// where <slug> is the status's reason when set, else the code's name with '-' for '_';
// "errors" lists the status's items, and each of its members() follows as a member of its own
// (e.g. "unmet", or "declared" and "actual"). The response's `problem` is <slug>.
Response problem(const Status& status);

// The same with HTTP status 416, for a range no Code names: a byte range outside a blob, or a
// chunk that does not continue its upload session.
Response range_not_satisfiable(const Status& status);

}  // namespace tollgate::server
