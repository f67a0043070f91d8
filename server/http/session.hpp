// A session: one client connection, plain or TLS, served on its I/O context (one thread, so its
// handlers never run concurrently and need no strand). Private to server/http.
//
// It reads a request's headers, then its body: whole (up to config.body_limit) for most routes,
// or, for routes whose body streams, through a StreamReader the handler pulls from on the upload
// pool (up to the artifact limit). A body still to come is read only when the request's headers
// are admitted (ServerState::admits: route, credential, role, media type); otherwise the
// handler answers on the headers alone and the connection closes. The handler runs on this
// thread for a read-only request and on the worker pool for a mutating one. Responses go out in
// request order; while they wait, later requests are read (pipelining) up to
// config.pipeline_limit. Keep-alive unless the client or a drain ends it.
//
// Timeouts: idle_timeout_seconds for the first byte of the next request, then
// header_timeout_seconds for the rest of its headers; read_timeout_seconds for a whole body read
// whole, for each read of a streamed body and for each write; and a streamed body keeps the
// pace of config.min_body_rate (BodyPace), or its handler's read fails with request_timeout
// "body-too-slow" (408). A refused request (malformed, headers or body over the limit) is
// answered, then the connection closes after a short linger. Every asynchronous step holds the
// session with shared_from_this(); it registers itself in ServerState::sessions so that a drain
// can reach it, and holds its remote address's slot (AddressCounts) while it lives.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "server/domain/identity/client_certificate.hpp"
#include "server/http/address_counts.hpp"
#include "server/http/body_pace.hpp"
#include "server/http/body_stream.hpp"
#include "server/http/exchange.hpp"
#include "server/http/http_types.hpp"
#include "server/http/server_state.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::connection {

// What a plain and a TLS session share; `Derived` supplies stream(), do_close() and
// shared_from_this(). Instantiated for PlainSession and TlsSession only
// (session.cpp, session_read.cpp).
template <class Derived>
class Session : public SessionBase, public ChunkSource {
 public:
  // Counts the connection in `shared` (and in its metrics) until the session is destroyed;
  // `slot` counts it against its remote address as long.
  Session(ServerState& shared, std::string remote, AddressCounts::Slot slot);
  ~Session() override;

  void drain() override;

  // ChunkSource, for the StreamReader of a streaming request: fill() posts read_chunk to this
  // connection's I/O thread.
  void fill(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise) override;
  bool body_done() const override { return stream_body_done_.load(std::memory_order_acquire); }
  bool stopped() const override { return shared_.stopped.load(); }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void register_self();

  // Reading a request: its first bytes, its headers, then a whole body or the start of a
  // streaming one.
  void do_read();
  void on_first_bytes(beast::error_code ec, std::size_t n);
  void read_header();
  void on_read_header(beast::error_code ec, std::size_t);
  // Whether the headers in parser_ let the body be read (ServerState::admits); true when the
  // body is in the buffer already, as reading it then costs nothing.
  bool admit_body();
  // Answers the request in parser_ on its headers alone, then closes.
  void refuse_unread();
  // Answers "100 Continue" (the client waits for it before it sends a body), then `then(ec)`.
  template <class Then>
  void send_continue(Then then);
  void read_body();
  void on_read(beast::error_code ec, std::size_t);
  void on_read_failed(beast::error_code ec);

  // Running the handler.
  template <class Body>
  void fill_request(const beast::http::request<Body>& req, Request& request) const;
  template <class Body>
  std::shared_ptr<Exchange> begin_exchange(const beast::http::request<Body>& req, Request& request);
  void handle(beast::http::request<beast::http::string_body>&& req);
  // Runs the handler for `request`: a mutating one on the worker pool, a read-only one here or
  // on the reader pool as its route says (Route::runs).
  void run_handler(std::shared_ptr<Exchange> exchange, Request request);
  // Runs the handler on `pool`, then completes the exchange back on this connection's thread.
  void run_on(boost::asio::thread_pool& pool, std::shared_ptr<Exchange> exchange, Request request);
  void start_stream();
  void run_stream_handler(std::shared_ptr<Exchange> exchange, Request request,
                          std::optional<std::uint64_t> length);

  // The I/O thread's side of a streaming body: fills the handler's buffer (or takes what is
  // left of the body), then hands it over. `filled` bytes of the buffer are in already.
  void read_chunk(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise,
                  std::size_t filled = 0);
  void on_chunk_read(beast::error_code ec, std::span<char> buffer,
                     std::shared_ptr<ChunkPromise> promise);
  void finish_stream(Exchange& exchange, Response&& r);

  // Writing responses in request order.
  void complete(Exchange& exchange, Response&& r);
  void maybe_write();
  void write_file(std::shared_ptr<Exchange> exchange);
  void on_write(beast::error_code ec, const Exchange& exchange);
  // Reads and drops what the client still sends for a short, fixed time, then closes.
  void linger();
  void discard();

  ServerState& shared_;
  std::string remote_;
  AddressCounts::Slot slot_;
  // What the TLS handshake's client certificate says; null without one (or without TLS).
  std::shared_ptr<const ClientCertificate> client_certificate_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::optional<beast::http::request_parser<beast::http::buffer_body>> stream_parser_;
  std::uint64_t active_limit_ = 0;  // body bytes the current request may have
  bool streaming_ = false;          // a handler is pulling this request's body
  bool stream_failed_ = false;      // reading that body failed; the connection is done
  bool continue_pending_ = false;   // the client expects "100 Continue" before the body
  bool awaiting_request_ = false;   // waiting for the next request's first byte (idle)
  std::optional<BodyPace> pace_;    // the pace the streaming body must keep
  std::chrono::steady_clock::time_point read_began_;  // of the streaming body's pending read
  std::size_t read_room_ = 0;  // room the streaming body's pending read had in the buffer
  // The streaming body is all in (see ChunkSource::body_done).
  std::atomic<bool> stream_body_done_{false};
  std::deque<std::shared_ptr<Exchange>> queue_;
  std::array<char, 16384> discard_{};
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

class PlainSession final : public Session<PlainSession>,
                           public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(boost::asio::ip::tcp::socket&& socket, ServerState& shared, std::string remote,
               AddressCounts::Slot slot);

  beast::tcp_stream& stream() { return stream_; }

  // Begins reading requests.
  void start();
  void do_close();

 private:
  beast::tcp_stream stream_;
};

class TlsSession final : public Session<TlsSession>,
                         public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& ctx,
             ServerState& shared, std::string remote, AddressCounts::Slot slot);

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  // Begins with the TLS handshake (and reads the client certificate when one is asked for),
  // then reads requests.
  void start();
  void do_close();

 private:
  beast::ssl_stream<beast::tcp_stream> stream_;
};

extern template class Session<PlainSession>;
extern template class Session<TlsSession>;

}  // namespace tollgate::server::connection
