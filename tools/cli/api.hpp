// What the CLI's commands share about Tollgate's HTTP API: the URLs of artifact coordinates
// (tollgate/coordinate.hpp, the server's rules), reading JSON answers, and turning problem+json
// answers into a Status.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "client/http_client.hpp"
#include "tollgate/coordinate.hpp"
#include "tollgate/status.hpp"

namespace tollgate::cli {

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment or one
// query value.
std::string percent_encode(std::string_view text);

// "a=1&b=2" from name/value pairs, values percent-encoded, pairs with an empty value left out.
std::string query_string(
    std::initializer_list<std::pair<std::string_view, std::string_view>> parameters);

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

// Sends one request and returns the answer's JSON object when its status is `expected`. Any
// other answer becomes problem_status(); when `problem_out` is given (commands pass their output
// under --json), a problem+json document is printed there first, so scripts can read its type.
// Errors: as HttpClient::request, problem_status, json_object.
Result<boost::json::object> request_object(client::HttpClient& http, std::string_view method,
                                           const std::string& target, std::string_view body,
                                           unsigned expected, std::FILE* problem_out = nullptr,
                                           const client::Headers& headers = {});

// Every page of the list at `path`: GET path?limit=1000[&query][&cursor=…] until next_cursor is
// null or empty, at most kMaxPages. Returns the first page's object with the items of all pages
// and a null next_cursor. `query` is "a=1&b=2" with values percent-encoded, or empty. Errors: as
// request_object (expecting 200); invalid when a page has no "items" array; internal when the
// pages do not end.
Result<boost::json::object> fetch_all_pages(client::HttpClient& http, std::string_view path,
                                            std::string_view query = {},
                                            std::FILE* problem_out = nullptr);

// A field of an item as display text: strings as they are, other values as JSON, "-" when the
// field is missing or null (or the item is no object).
std::string field_text(const boost::json::value& item, std::string_view key);

// An array field as "a,b,c": strings as they are, other values as JSON; `empty` when the field
// is missing, no array, or an empty one.
std::string list_text(const boost::json::value& item, std::string_view key,
                      std::string_view empty = "-");

// A field that is an array, or an empty one when it is missing or something else. The result
// refers into `item` (or a static empty array): keep the item alive while using it.
const boost::json::array& array_field(const boost::json::object& item, std::string_view key);
const boost::json::array& array_field(const boost::json::value& item, std::string_view key);

}  // namespace tollgate::cli
