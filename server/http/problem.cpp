#include "server/http/problem.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace tollgate::server {

namespace {
const char* title(Code code) {
  switch (code) {
    case Code::ok:
      return "OK";
    case Code::invalid:
      return "Invalid request";
    case Code::unauthorized:
      return "Authentication required";
    case Code::forbidden:
      return "Forbidden";
    case Code::not_found:
      return "Not found";
    case Code::method_not_allowed:
      return "Method not allowed";
    case Code::not_acceptable:
      return "Not acceptable";
    case Code::conflict:
      return "Conflict";
    case Code::precondition_failed:
      return "Precondition failed";
    case Code::too_large:
      return "Payload too large";
    case Code::unsupported_media:
      return "Unsupported media type";
    case Code::precondition_required:
      return "Precondition required";
    case Code::request_timeout:
      return "Request timeout";
    case Code::too_many_requests:
      return "Too many requests";
    case Code::storage_full:
      return "Insufficient storage";
    case Code::corrupt:
      return "Stored data is corrupt";
    case Code::io:
      return "Storage error";
    case Code::unavailable:
      return "Service unavailable";
    case Code::internal:
      return "Internal error";
  }
  return "Internal error";
}

Response render(const Status& status, unsigned http, const char* title) {
  Response r;
  r.status = http;
  r.content_type = "application/problem+json";
  r.problem = problem_slug(status);
  boost::json::object body;
  body["type"] = problem_type_uri(r.problem);
  body["title"] = title;
  body["status"] = r.status;
  body["detail"] = status.message();
  if (!status.items().empty()) {
    boost::json::array items;
    for (const auto& item : status.items()) items.emplace_back(item);
    body["errors"] = std::move(items);
  }
  for (const auto& member : status.members()) body[member.key()] = member.value();
  r.body = boost::json::serialize(body);
  if (status.code() == Code::unauthorized)
    r.header("WWW-Authenticate", "Bearer realm=\"tollgate\"");
  return r;
}

}  // namespace

Response problem(const Status& status) {
  return render(status, http_status(status.code()), title(status.code()));
}

Response range_not_satisfiable(const Status& status) {
  return render(status, 416, "Range not satisfiable");
}

}  // namespace tollgate::server
