// What the CLI's commands share about Tollgate's HTTP API: artifact coordinates and their
// URLs, reading JSON answers, and turning problem+json answers into a Status.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::cli {

// Names one artifact: CI, version and file name.
struct Coordinate {
  std::string ci;
  std::string version;
  std::string file;

  // "ci/version/file", as users write it.
  std::string to_string() const { return ci + "/" + version + "/" + file; }
};

// Parses "C/V/FILE": exactly three parts, none empty, "." or "..". Errors: invalid.
Result<Coordinate> parse_coordinate(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment or one
// query value.
std::string percent_encode(std::string_view text);

// "/api/v1/artifacts/{ci}/{version}/{file}", each part percent-encoded.
std::string artifact_path(const Coordinate& coordinate);

// The Status for an answer a command did not expect. From application/problem+json, the
// message is "<title>: <detail>"; otherwise "HTTP <status>" and the start of the body. The
// code follows the HTTP status (404 not_found, 409 conflict, ...), except that a problem of
// type corrupt-blob is corrupt. The problem type's slug becomes the reason.
Status problem_status(const client::HttpResponse& response);

// The slug of a problem+json answer's type ("blob-unknown" for urn:tollgate:problem:blob-unknown);
// empty when the answer is no problem.
std::string problem_slug(const client::HttpResponse& response);

// The response body as a JSON object. Errors: invalid when it is not one.
Result<boost::json::object> json_object(const client::HttpResponse& response);

}  // namespace tollgate::cli
