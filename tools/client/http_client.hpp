// HttpClient: a small synchronous HTTP/1.1 client for Tollgate's API, over TLS or plain TCP.
//
// Used by the `tollgate` CLI and by the end-to-end tests. One client holds one keep-alive
// connection and reconnects transparently when the server closed it. Not thread-safe: use one
// client per thread.
//
// request() holds whole bodies in memory (up to 1 GiB of response); upload() and download()
// stream artifact bytes from and to files in bounded memory, whatever their size.
#pragma once

#include <cstdint>
#include <functional>
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
  std::string ca_file;  // PEM to trust; empty = the system's default trust store
  // A client certificate (PEM chain) and its private key (PEM), presented when the server asks
  // for one (build agents; the server's [tls] client_ca). Both or neither.
  std::string client_cert;
  std::string client_key;
  std::string token;         // sent as "Authorization: Bearer <token>" when non-empty
  int timeout_seconds = 30;  // per request
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A byte range of an open file, sent as a request body by HttpClient::upload.
struct FileBody {
  int fd = -1;  // open for reading; not owned. Read with pread, so its file position is untouched.
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Told how a transfer advances: `done` bytes of `total` (0 when the total is unknown). Called
// after each chunk, from the calling thread; starts again from 0 when a request is retried.
using ProgressCallback = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Receives the successive chunks of a streamed response body. A non-ok Status stops the
// transfer, and download() returns that Status as it is.
using BodySink = std::function<Status(std::string_view chunk)>;

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
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body = {}, const Headers& headers = {});

  // Sends a request whose body is `body.length` bytes of the file `body.fd` from `body.offset`,
  // read and written in 256 KiB chunks, with Content-Length set (Content-Type defaults to
  // application/octet-stream), and reads the response, which must be small (as request()).
  // `progress` sees the body bytes written. The timeout applies to each chunk, not to the whole
  // transfer. Errors: as request(); io when the file cannot be read or is shorter than said.
  Result<HttpResponse> upload(std::string_view method, std::string_view target,
                              const FileBody& body, const Headers& headers = {},
                              const ProgressCallback& progress = {});

  // Sends GET `target` and streams the response body to `sink` in chunks of up to 256 KiB,
  // never holding the body, so bodies of any size (many GiB) pass. Only a 2xx body goes to the
  // sink: the returned response then has an empty body. Any other status's body (a problem) is
  // returned in the response, its first 1 MiB kept. `progress` sees the bytes delivered of the
  // Content-Length. The timeout applies to each read, not to the whole transfer.
  // Errors: as request(); unavailable also when the connection breaks mid-body (the sink has
  // then seen a prefix only); whatever non-ok Status the sink returned.
  Result<HttpResponse> download(std::string_view target, const BodySink& sink,
                                const Headers& headers = {}, const ProgressCallback& progress = {});

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
