// HttpServer: the HTTPS (or plain HTTP) front, on Boost.Beast over Asio.
//
// One I/O thread per core runs TLS, HTTP parsing and read-only requests; mutating requests run
// on a separate worker pool because they wait for the store's group commit. Each connection is
// served on its own strand, with keep-alive, a cap on pipelined requests, header and body
// limits, read and idle timeouts. SIGINT/SIGTERM stop accepting, let in-flight requests finish
// (up to the configured grace) and return from run(). SIGHUP reads the TLS certificate and key
// files again: new handshakes use them, open connections keep theirs; a pair that does not load
// is reported and changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/domain/config.hpp"
#include "server/domain/metrics.hpp"
#include "server/http/http_types.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  // `handler` is called concurrently from many threads.
  HttpServer(const Config& config, Handler handler, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket (and loads the TLS certificate when config.tls). Returns the
  // bound port (useful with port 0). Errors: invalid (bad address or certificate), io (bind).
  Result<std::uint16_t> start(const std::string& cert_file, const std::string& key_file);

  // Serves until a signal or stop(), then drains. Blocks.
  void run();

  // Begins a graceful stop; safe from any thread.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::server
