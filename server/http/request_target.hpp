// The request target of an HTTP request as the router reads it: the origin form of RFC 9112
// §3.2.1 ("/path?query"), split into its path segments and query parameters, percent-decoded.
//
// A pure function of the target's text: nothing here knows Beast, sockets or routes, so the
// router and the server's choice of how to read a body share one reading, and it is fuzzed on
// its own (tests/fuzz/request_target_fuzz.cpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/status.hpp"

namespace tollgate::server {

struct RequestTarget {
  // The path's segments, one for each '/', percent-decoded, in order: "/a/b%2Fc" is
  // {"a", "b/c"}, "/" is {""}, "/a/" is {"a", ""} and "/.//a" is {".", "", "a"} (dot segments
  // are not removed). A decoded segment may hold any byte ('/', NUL, ".."): a route's
  // placeholder hands it to a validator as it is.
  std::vector<std::string> segments;
  // The query's parameters in order, percent-decoded, '+' read as a space; a parameter without
  // '=' has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // The whole path, percent-decoded, for messages.
  std::string path;
};

// Parses an origin-form request target. Errors: invalid when it is not one (no leading '/', a
// character that must be encoded, a malformed percent escape, a fragment).
Result<RequestTarget> parse_request_target(std::string_view target);

}  // namespace tollgate::server
