// What the CLI's commands share about Tollgate's HTTP API: artifact coordinates and their
// URLs, reading JSON answers, and turning problem+json answers into a Status.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

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

// Pages a listing command follows at most: a server handing out cursors forever is a bug.
inline constexpr int kMaxPages = 100'000;

// A field of an item as display text: strings as they are, other values as JSON, "-" when the
// field is missing or null (or the item is no object).
std::string field_text(const boost::json::value& item, std::string_view key);

// A field that is an array, or an empty one when it is missing or something else. The result
// refers into `item` (or a static empty array): keep the item alive while using it.
const boost::json::array& array_field(const boost::json::object& item, std::string_view key);
const boost::json::array& array_field(const boost::json::value& item, std::string_view key);

}  // namespace tollgate::cli
