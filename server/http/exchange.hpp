// An exchange: one request of a connection from its headers to its response written, and the
// Beast response built from the handler's Response. Private to server/http.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/body_stream.hpp"
#include "server/http/http_types.hpp"

namespace tollgate::server::connection {

// Facts about one request kept until its response is logged, then the response itself.
struct Exchange {
  std::string method;
  std::string target;
  std::string request_id;
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool ready = false;        // the response is built: it may be written when its turn comes
  bool close_after = false;  // an error that ends the connection
  beast::http::response<beast::http::string_body> response;
  // Instead of `response`, for a body served from a blob.
  std::unique_ptr<beast::http::response<BlobBody>> file_response;
  std::unique_ptr<beast::http::response_serializer<BlobBody>> file_serializer;
};

// Builds the exchange's Beast response from `r`: status, Server, X-Request-Id, Content-Type,
// r's headers and the security headers r does not set itself (add_security_headers); keep-alive
// only while the client wants it, the exchange does not close the connection and the server is not
// `draining`. A file body becomes file_response and its serializer (a HEAD gets the headers of the
// full body and none). Moves r's body or file into the response and adds the security headers to
// r.headers; the rest of `r` stays as it was. Returns the body's length.
std::uint64_t prepare_response(Exchange& exchange, Response& r, bool draining);

// Whether a client's X-Request-Id is echoed as it is: 1..64 printable ASCII characters without
// '"' or '\'. Otherwise the server makes one.
bool acceptable_request_id(std::string_view id);

}  // namespace tollgate::server::connection
