// Problems on the wire (RFC 9457, application/problem+json), as the server writes them and the
// CLI reads them: one mapping between a Status code and an HTTP status, and the problem type's
// URI `urn:tollgate:problem:<slug>`, where <slug> is a Status's reason, or its code's name with
// '-' for '_' when it has none. The catalogue of every slug the server answers is the server's
// (server/http/problem_types.hpp); its entries have this shape.
#pragma once

#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate {

inline constexpr std::string_view kProblemTypePrefix = "urn:tollgate:problem:";

// One entry of the catalogue: a slug, the HTTP status it comes with, what it means.
struct ProblemType {
  const char* slug;
  unsigned status;
  const char* description;
};

// The HTTP status the server answers a Status code with (corrupt, io and internal are 500).
unsigned http_status(Code code);

// The Status code a client gives an HTTP status: the inverse of http_status, 410 as not_found,
// any other 4xx as invalid and anything else as internal.
Code code_for_http_status(unsigned status);

// The slug of a Status: its reason, else its code's name with '-' for '_'.
std::string problem_slug(const Status& status);

// "urn:tollgate:problem:<slug>"
std::string problem_type_uri(std::string_view slug);

// The slug of a problem type URI; a type that is not Tollgate's is returned as it is.
std::string slug_of_problem_type(std::string_view type_uri);

}  // namespace tollgate
