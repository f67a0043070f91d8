// HttpClient: a small synchronous HTTP/1.1 client for Tollgate's API, over TLS or plain TCP.
//
// Used by the `tollgate` CLI and by the end-to-end tests. One client holds one keep-alive
// connection and reconnects transparently when the server closed it. Not thread-safe: use one
// client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/status.hpp"

namespace tollgate::client {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  bool tls = true;
  std::string ca_file;       // PEM to trust; empty = the system's default trust store
  std::string token;         // sent as "Authorization: Bearer <token>" when non-empty
  int timeout_seconds = 30;  // per request
};

struct HttpResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first value of header `name` (lower case), or empty.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request and reads the whole response. `headers` are added as given (e.g.
  // {"If-Match", "\"3\""}); Content-Type defaults to application/json when a body is given.
  // Errors (as Status, never exceptions): unavailable when the server cannot be reached or
  // the connection fails; invalid when the TLS certificate does not verify.
  Result<HttpResponse> request(
      std::string_view method, std::string_view target, std::string_view body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Sends raw bytes as they are and reads one response: for tests of malformed requests.
  Result<HttpResponse> raw(std::string_view bytes);

  const ClientOptions& options() const { return options_; }
  void set_token(std::string token) { options_.token = std::move(token); }

 private:
  struct Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::client
