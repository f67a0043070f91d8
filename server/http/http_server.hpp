// HttpServer: the HTTPS (or plain HTTP) front, on Boost.Beast over Asio.
//
// One I/O thread per core runs TLS, HTTP parsing and the read-only requests of constant cost
// (downloads, liveness); other read-only requests run on a reader pool, so that no scan or
// report holds an I/O thread, and mutating ones on a worker pool, because they wait for the
// store's group commit. Each connection is
// served on its own strand, with keep-alive, a cap on pipelined requests, header and body
// limits, idle, header and body timeouts and a pace for streamed bodies; a request's body is
// read only once its headers are admitted. At start the open-file limit is raised and the
// connection cap fitted to it; connections are capped in all and per remote address; the
// accept loop pauses while descriptors run out. SIGINT/SIGTERM stop accepting, let in-flight
// requests finish (up to the configured grace) and return from run(). SIGHUP reads the TLS
// certificate and key files again: new handshakes use them, open connections keep theirs; a pair
// that does not load is reported and changes nothing.
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
  // Whether a request whose body has yet to arrive may send it, judged on its headers alone
  // (Request::body_unread set). When not, the body is never read: `handler` answers the request
  // with body_unread set, and the connection closes after the answer.
  using Admission = std::function<bool(const Request&)>;

  // `handler` and `admits` are called concurrently from many threads; `admits` on the I/O
  // threads, so it must not wait for a commit.
  HttpServer(const Config& config, Handler handler, Admission admits, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Raises the open-file limit and fits the connection cap to it (saying so on stdout when it
  // lowers max_connections), binds the listening socket (and loads the TLS certificate when
  // config.tls). Returns the bound port (useful with port 0). Errors: invalid (bad address or
  // certificate), io (bind).
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
