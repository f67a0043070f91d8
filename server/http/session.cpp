#include "server/http/session.hpp"

#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include "server/http/client_cert.hpp"
#include "server/http/router.hpp"

namespace tollgate::server::connection {

namespace net = boost::asio;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(3);

}  // namespace

// --- lifetime ----------------------------------------------------------------------------------

template <class Derived>
Session<Derived>::Session(ServerState& shared, std::string remote, AddressCounts::Slot slot)
    : shared_(shared), remote_(std::move(remote)), slot_(std::move(slot)) {
  shared_.connections.fetch_add(1);
  shared_.metrics.connection_opened();
}

template <class Derived>
Session<Derived>::~Session() {
  shared_.metrics.connection_closed();
  {
    std::lock_guard lock(shared_.sessions_mu);
    shared_.sessions.erase(this);
  }
  if (shared_.connections.fetch_sub(1) == 1 && shared_.draining) shared_.on_drained();
}

template <class Derived>
void Session<Derived>::drain() {
  net::post(derived().stream().get_executor(), [self = derived().shared_from_this()] {
    self->closing_ = true;
    const bool mid_request =
        self->streaming_ || (self->reading_ && self->parser_ && self->parser_->is_header_done());
    if (!mid_request && !self->writing_ && self->queue_.empty()) self->derived().do_close();
  });
}

template <class Derived>
void Session<Derived>::register_self() {
  std::lock_guard lock(shared_.sessions_mu);
  shared_.sessions.emplace(this, derived().shared_from_this());
}

// --- running the handler -----------------------------------------------------------------------

// The handler's Request of `req`, but for its body and id.
template <class Derived>
template <class Body>
void Session<Derived>::fill_request(const http::request<Body>& req, Request& request) const {
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.remote = remote_;
  request.client_certificate = client_certificate_;
  request.headers.reserve(8);
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
}

// Queues the exchange of a request whose headers are in and builds the handler's Request.
template <class Derived>
template <class Body>
std::shared_ptr<Exchange> Session<Derived>::begin_exchange(const http::request<Body>& req,
                                                           Request& request) {
  auto exchange = std::make_shared<Exchange>();
  exchange->method = std::string(req.method_string());
  exchange->target = std::string(req.target());
  exchange->version = req.version();
  exchange->keep_alive = req.keep_alive() && !shared_.draining;
  exchange->head = req.method() == http::verb::head;
  if (!exchange->keep_alive) closing_ = true;
  queue_.push_back(exchange);

  fill_request(req, request);
  const std::string_view given_id = request.header("x-request-id");
  exchange->request_id =
      acceptable_request_id(given_id) ? std::string(given_id) : shared_.next_request_id();
  request.request_id = exchange->request_id;
  return exchange;
}

template <class Derived>
bool Session<Derived>::admit_body() {
  if (const auto length = parser_->content_length(); length && buffer_.size() >= *length)
    return true;
  Request request;
  fill_request(parser_->get(), request);
  request.body_unread = true;
  return shared_.admits(request);
}

template <class Derived>
void Session<Derived>::refuse_unread() {
  reading_ = false;
  closing_ = true;
  Request request;
  auto exchange = begin_exchange(parser_->get(), request);
  exchange->close_after = true;
  request.body_unread = true;
  parser_.reset();
  run_handler(std::move(exchange), std::move(request));
}

template <class Derived>
void Session<Derived>::handle(http::request<http::string_body>&& req) {
  Request request;
  auto exchange = begin_exchange(req, request);
  request.body = std::move(req.body());
  run_handler(std::move(exchange), std::move(request));
}

template <class Derived>
void Session<Derived>::run_handler(std::shared_ptr<Exchange> exchange, Request request) {
  // Mutating requests wait for the group commit: run them off the I/O threads, as read-only
  // ones that may take a while (a scan, the vault, a report).
  if (is_mutating(request.method))
    return run_on(shared_.workers, std::move(exchange), std::move(request));
  if (runs_of(request.method, request.target) == Runs::pool)
    return run_on(shared_.readers, std::move(exchange), std::move(request));
  complete(*exchange, shared_.handler(request));
}

template <class Derived>
void Session<Derived>::run_on(boost::asio::thread_pool& pool, std::shared_ptr<Exchange> exchange,
                              Request request) {
  net::post(pool, [self = derived().shared_from_this(), exchange, request = std::move(request),
                   work = net::make_work_guard(derived().stream().get_executor())]() mutable {
    Response response = self->shared_.handler(request);
    auto executor = self->derived().stream().get_executor();
    net::post(executor, [self = std::move(self), exchange = std::move(exchange),
                         response = std::move(response)]() mutable {
      self->complete(*exchange, std::move(response));
    });
  });
}

// A request whose body streams: the handler runs on the upload pool and pulls the body through
// a StreamReader while this connection reads nothing else.
template <class Derived>
void Session<Derived>::start_stream() {
  Request request;
  auto exchange = begin_exchange(parser_->get(), request);
  stream_parser_.emplace(std::move(*parser_));
  parser_.reset();
  active_limit_ = shared_.artifact_limit;
  stream_parser_->body_limit(active_limit_);
  continue_pending_ = beast::iequals(stream_parser_->get()[http::field::expect], "100-continue");
  streaming_ = true;
  stream_failed_ = false;
  stream_body_done_.store(false, std::memory_order_relaxed);
  const std::optional<std::uint64_t> length =
      declared_length(stream_parser_->get()[http::field::content_length]);
  pace_.emplace(shared_.config.min_body_rate,
                std::chrono::seconds(shared_.config.body_rate_window_seconds), length);
  // Read the socket in large pieces, not 512 bytes; a small body needs only a little more
  // room than itself (TLS records and what a pipelining client sends next).
  buffer_.reserve(length && *length < kStreamReadBuffer ? *length + 16 * 1024 : kStreamReadBuffer);
  run_stream_handler(std::move(exchange), std::move(request), length);
}

template <class Derived>
void Session<Derived>::run_stream_handler(std::shared_ptr<Exchange> exchange, Request request,
                                          std::optional<std::uint64_t> length) {
  auto reader = std::make_shared<StreamReader>(derived().shared_from_this(), length);
  request.body_stream = reader.get();
  net::post(shared_.uploads,
            [self = derived().shared_from_this(), exchange, reader, request = std::move(request),
             work = net::make_work_guard(derived().stream().get_executor())]() mutable {
              Response response = self->shared_.handler(request);
              reader->settle();  // no read of the body may still be running
              auto executor = self->derived().stream().get_executor();
              net::post(executor, [self = std::move(self), exchange = std::move(exchange),
                                   response = std::move(response)]() mutable {
                self->finish_stream(*exchange, std::move(response));
              });
            });
}

// --- writing responses -------------------------------------------------------------------------

template <class Derived>
void Session<Derived>::complete(Exchange& exchange, Response&& r) {
  const std::uint64_t length = prepare_response(exchange, r, shared_.draining);
  exchange.ready = true;

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.start).count();
  shared_.metrics.observe(r.route, exchange.method, r.status, seconds);
  if (shared_.config.access_log)
    shared_.access_log.write({exchange.request_id, remote_, exchange.method, exchange.target,
                              r.route, r.status, length, seconds, r.actor});
  maybe_write();
}

template <class Derived>
void Session<Derived>::maybe_write() {
  if (writing_ || queue_.empty() || !queue_.front()->ready) return;
  writing_ = true;
  auto exchange = queue_.front();
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
  if (exchange->file_serializer) return write_file(std::move(exchange));
  http::async_write(derived().stream(), exchange->response,
                    [self = derived().shared_from_this(), exchange](
                        beast::error_code ec, std::size_t) { self->on_write(ec, *exchange); });
}

// Writes a blob response piece by piece, renewing the timeout for each so that a large download
// is limited by the client's progress, not by its total time.
template <class Derived>
void Session<Derived>::write_file(std::shared_ptr<Exchange> exchange) {
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
  http::async_write_some(
      derived().stream(), *exchange->file_serializer,
      [self = derived().shared_from_this(), exchange](beast::error_code ec, std::size_t) {
        if (ec || exchange->file_serializer->is_done()) return self->on_write(ec, *exchange);
        self->write_file(exchange);
      });
}

template <class Derived>
void Session<Derived>::on_write(beast::error_code ec, const Exchange& exchange) {
  writing_ = false;
  if (ec) return derived().do_close();
  queue_.pop_front();
  if (exchange.close_after) return linger();
  if (!exchange.keep_alive) {
    closing_ = true;
    if (queue_.empty()) return derived().do_close();
  }
  if (!reading_ && !closing_ && queue_.size() < shared_.config.pipeline_limit) do_read();
  if (closing_ && !reading_ && queue_.empty()) return derived().do_close();
  maybe_write();
}

// After refusing a request whose body we did not read, keep reading (and discarding) for a
// moment so that closing does not reset the connection before the client saw the refusal. The
// moment is fixed: a client that goes on sending does not stretch it.
template <class Derived>
void Session<Derived>::linger() {
  beast::get_lowest_layer(derived().stream()).expires_after(kLingerTimeout);
  discard();
}

template <class Derived>
void Session<Derived>::discard() {
  derived().stream().async_read_some(net::buffer(discard_), [self = derived().shared_from_this()](
                                                                beast::error_code ec, std::size_t) {
    if (ec) return self->derived().do_close();
    self->discard();
  });
}

// --- plain and TLS -----------------------------------------------------------------------------

PlainSession::PlainSession(tcp::socket&& socket, ServerState& shared, std::string remote,
                           AddressCounts::Slot slot)
    : Session(shared, std::move(remote), std::move(slot)), stream_(std::move(socket)) {}

void PlainSession::start() {
  register_self();
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void PlainSession::do_close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

TlsSession::TlsSession(tcp::socket&& socket, ssl::context& ctx, ServerState& shared,
                       std::string remote, AddressCounts::Slot slot)
    : Session(shared, std::move(remote), std::move(slot)), stream_(std::move(socket), ctx) {}

void TlsSession::start() {
  register_self();
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->stream_).expires_after(kHandshakeTimeout);
    self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
      if (ec) return self->do_close();
      if (!self->shared_.config.tls_client_ca.empty())
        self->client_certificate_ = read_client_certificate(
            self->stream_.native_handle(), self->shared_.config.tls_client_identity);
      self->do_read();
    });
  });
}

void TlsSession::do_close() {
  if (closed_) return;
  closed_ = true;
  if (reading_) {  // a pending read cannot overlap a TLS shutdown: close underneath it
    beast::get_lowest_layer(stream_).close();
    return;
  }
  beast::get_lowest_layer(stream_).expires_after(kTlsShutdownTimeout);
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
    beast::get_lowest_layer(self->stream_).close();
  });
}

// The members defined above; session_read.cpp instantiates those it defines.
template class Session<PlainSession>;
template class Session<TlsSession>;

}  // namespace tollgate::server::connection
