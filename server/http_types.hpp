// Request and Response as the router and handlers see them: plain values, no sockets, no Beast.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/cis?limit=10"
  HeaderList headers;  // names in lower case
  std::string body;
  std::string remote;      // peer address, for the access log
  std::string request_id;  // unique per request, echoed as X-Request-Id

  // The first value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
  bool has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return true;
    return false;
  }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers
  std::string body;
  // Filled by the router: the matched route pattern (static storage; for metrics and logs) and
  // the acting token's name.
  std::string_view route = "unmatched";
  std::string actor;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace tollgate::server
