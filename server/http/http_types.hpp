// Request and Response as the router and handlers see them: plain values, no sockets, no Beast.
// A streamed body is a domain BodyReader (server/domain/body_reader.hpp), so services read it
// without knowing HTTP.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/domain/body_reader.hpp"
#include "server/domain/identity/client_certificate.hpp"
#include "storage/blob_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/cis?limit=10"
  HeaderList headers;  // names in lower case
  std::string body;    // the whole body, unless it streams
  // For streaming routes: the body, to be pulled by the handler; null when the whole body is
  // in `body` (an empty one, or a test's).
  BodyReader* body_stream = nullptr;
  // The request has a body that is not in `body` and never will be: it is being judged on its
  // headers alone, or it was refused on them (router.hpp, headers_admit).
  bool body_unread = false;
  std::string remote;      // peer address, for the access log
  std::string request_id;  // unique per request, echoed as X-Request-Id
  // The connection's client certificate; null when none was asked for or presented. Shared by
  // every request of the connection, computed once after the handshake.
  std::shared_ptr<const ClientCertificate> client_certificate;

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

// A response body served from a stored blob in chunks, never copied whole into memory.
struct FileBody {
  std::shared_ptr<storage::BlobReader> reader;
  std::uint64_t offset = 0;  // first byte sent
  std::uint64_t length = 0;  // bytes sent (Content-Length)
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers
  std::string body;
  // When set, the body is these bytes of a blob instead of `body`.
  std::optional<FileBody> file;
  // Filled by the router: the matched route pattern (static storage; for metrics and logs) and
  // the acting token's name.
  std::string_view route = "unmatched";
  std::string actor;
  // The slug of a problem response ("gates-unmet", "not-found"): what its "type" ends with;
  // empty for any other response. Set where the problem is rendered, read for the audit log.
  std::string problem;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace tollgate::server
