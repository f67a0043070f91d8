// Reading requests: the headers, a whole body, and the I/O thread's side of a streaming body
// (session.hpp). The rest of Session is in session.cpp.
#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl.hpp>

#include "server/http/problem.hpp"
#include "server/http/router.hpp"
#include "server/http/session.hpp"

namespace tollgate::server::connection {

namespace net = boost::asio;
namespace http = beast::http;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// The first read of a request: enough for the headers of most requests in one go.
constexpr std::size_t kFirstRead = 16 * 1024;

// Why a request could not be read, as the refusal answered before closing; ok when the
// connection just ended (or timed out) and nothing is answered.
Status read_refusal(beast::error_code ec, std::uint64_t body_limit, std::uint64_t header_limit) {
  if (ec == http::error::body_limit)
    return Status(Code::too_large,
                  fmt::format("the request body is over the limit of {} bytes", body_limit));
  if (ec == http::error::header_limit)
    return Status(Code::too_large,
                  fmt::format("the request headers are over the limit of {} bytes", header_limit))
        .with_reason("headers-too-large");
  if (&ec.category() == &http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message)
    return invalid(fmt::format("malformed HTTP request: {}", ec.message()));
  return {};
}

}  // namespace

// --- reading a request -------------------------------------------------------------------------

template <class Derived>
void Session<Derived>::do_read() {
  if (closing_ || shared_.draining) {
    closing_ = true;
    if (!writing_ && queue_.empty()) derived().do_close();
    return;
  }
  parser_.emplace();
  parser_->header_limit(shared_.config.header_limit);
  // The route, and so the body's limit, is known once the headers are in (on_read_header).
  active_limit_ = std::max<std::uint64_t>(shared_.config.body_limit, shared_.artifact_limit);
  parser_->body_limit(active_limit_);
  reading_ = true;
  if (buffer_.size() > 0) return read_header();  // the next request has begun (pipelined)
  // Idle until the next request's first byte; its headers then have header_timeout_seconds.
  awaiting_request_ = true;
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.idle_timeout_seconds));
  derived().stream().async_read_some(
      buffer_.prepare(kFirstRead),
      beast::bind_front_handler(&Session::on_first_bytes, derived().shared_from_this()));
}

template <class Derived>
void Session<Derived>::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (ec) return on_read_failed(ec);
  awaiting_request_ = false;
  buffer_.commit(n);
  read_header();
}

template <class Derived>
void Session<Derived>::read_header() {
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.header_timeout_seconds));
  http::async_read_header(
      derived().stream(), buffer_, *parser_,
      beast::bind_front_handler(&Session::on_read_header, derived().shared_from_this()));
}

template <class Derived>
void Session<Derived>::on_read_header(beast::error_code ec, std::size_t) {
  if (ec) return on_read_failed(ec);
  if (parser_->is_done()) return on_read({}, 0);  // no body: nothing more to wait for
  const auto& header = parser_->get();
  if (body_kind(header.method_string(), header.target()) == BodyKind::stream) return start_stream();
  // Every other body is read whole, up to the JSON body limit.
  active_limit_ = shared_.config.body_limit;
  if (auto length = parser_->content_length(); length && *length > active_limit_)
    return on_read_failed(http::error::body_limit);
  if (!admit_body()) return refuse_unread();
  parser_->body_limit(active_limit_);
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
  // A client that asked to be told before it sends its body gets "100 Continue" now, unless
  // an earlier response is still on its way (then it sends after its own short wait).
  const auto expect = parser_->get()[http::field::expect];
  if (!parser_->is_done() && !writing_ && queue_.empty() &&
      beast::iequals(expect, "100-continue")) {
    return send_continue([self = derived().shared_from_this()](beast::error_code wec) {
      if (wec) return self->derived().do_close();
      self->read_body();
    });
  }
  read_body();
}

template <class Derived>
template <class Then>
void Session<Derived>::send_continue(Then then) {
  writing_ = true;
  net::async_write(derived().stream(), net::buffer(kContinue.data(), kContinue.size()),
                   [self = derived().shared_from_this(), then = std::move(then)](
                       beast::error_code ec, std::size_t) mutable {
                     self->writing_ = false;
                     then(ec);
                   });
}

template <class Derived>
void Session<Derived>::read_body() {
  http::async_read(derived().stream(), buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_read, derived().shared_from_this()));
}

template <class Derived>
void Session<Derived>::on_read(beast::error_code ec, std::size_t) {
  if (ec) return on_read_failed(ec);
  reading_ = false;
  handle(parser_->release());
  if (!closing_ && queue_.size() < shared_.config.pipeline_limit) do_read();
}

template <class Derived>
void Session<Derived>::on_read_failed(beast::error_code ec) {
  reading_ = false;
  closing_ = true;
  if (ec == beast::error::timeout && !awaiting_request_)  // idle connections just end
    shared_.metrics.request_timed_out(
        parser_ && parser_->is_header_done() ? RequestTimeout::body : RequestTimeout::headers);
  awaiting_request_ = false;
  const Status refusal = read_refusal(ec, active_limit_, shared_.config.header_limit);
  if (refusal.ok()) {
    if (!writing_ && queue_.empty()) derived().do_close();
    return;
  }
  // Answer the refusal, then close.
  const bool header_done = parser_ && parser_->is_header_done();
  auto exchange = std::make_shared<Exchange>();
  exchange->method = header_done ? std::string(parser_->get().method_string()) : std::string("-");
  exchange->target = header_done ? std::string(parser_->get().target()) : "-";
  exchange->request_id = shared_.next_request_id();
  exchange->keep_alive = false;
  exchange->close_after = true;
  queue_.push_back(exchange);
  Response r = problem(refusal);
  if (ec == http::error::header_limit) r.status = 431;
  r.route = "unmatched";
  complete(*exchange, std::move(r));
}

// --- a streaming body --------------------------------------------------------------------------

template <class Derived>
void Session<Derived>::fill(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise) {
  net::post(derived().stream().get_executor(),
            [self = derived().shared_from_this(), buffer, promise = std::move(promise)]() mutable {
              self->read_chunk(buffer, std::move(promise));
            });
}

template <class Derived>
void Session<Derived>::read_chunk(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise,
                                  std::size_t filled) {
  if (!stream_parser_ || stream_failed_ || closed_)
    return promise->set_value(Status(Code::unavailable, "the connection is closed"));
  if (stream_parser_->is_done()) {
    stream_body_done_.store(true, std::memory_order_release);
    return promise->set_value(filled);
  }
  if (continue_pending_) {
    // The client waits for "100 Continue" before it sends the body: the handler has looked
    // at the headers and wants it. (Skipped when earlier responses are still being written;
    // the client then sends after its own short wait.)
    continue_pending_ = false;
    if (!writing_ && queue_.size() == 1)
      return send_continue([self = derived().shared_from_this(), buffer,
                            promise = std::move(promise)](beast::error_code ec) mutable {
        if (ec) {
          self->stream_failed_ = true;
          return promise->set_value(Status(Code::unavailable, "the connection failed"));
        }
        self->read_chunk(buffer, std::move(promise));
      });
  }
  auto& body = stream_parser_->get().body();
  body.data = buffer.data() + filled;
  body.size = buffer.size() - filled;
  body.more = true;
  beast::get_lowest_layer(derived().stream())
      .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
  read_began_ = std::chrono::steady_clock::now();
  read_room_ = body.size;
  http::async_read_some(derived().stream(), buffer_, *stream_parser_,
                        [self = derived().shared_from_this(), buffer, promise](
                            beast::error_code ec, std::size_t) mutable {
                          self->on_chunk_read(ec, buffer, std::move(promise));
                        });
}

template <class Derived>
void Session<Derived>::on_chunk_read(beast::error_code ec, std::span<char> buffer,
                                     std::shared_ptr<ChunkPromise> promise) {
  if (ec == http::error::need_buffer) ec = {};
  if (ec) {
    stream_failed_ = true;
    if (ec == beast::error::timeout) shared_.metrics.request_timed_out(RequestTimeout::body);
    return promise->set_value(body_read_failure(ec, active_limit_));
  }
  const std::size_t room_left = stream_parser_->get().body().size;
  if (pace_ && !stream_parser_->is_done() &&
      !pace_->keep_up(std::chrono::steady_clock::now() - read_began_, read_room_ - room_left)) {
    stream_failed_ = true;
    shared_.metrics.request_timed_out(RequestTimeout::body_rate);
    return promise->set_value(
        body_too_slow(shared_.config.min_body_rate, shared_.config.body_rate_window_seconds));
  }
  const std::size_t now_filled = buffer.size() - room_left;
  // One hand-over per full buffer: a thread switch per TLS record would cost more than the
  // bytes.
  if (now_filled < buffer.size() && !stream_parser_->is_done())
    return read_chunk(buffer, std::move(promise), now_filled);
  if (stream_parser_->is_done()) stream_body_done_.store(true, std::memory_order_release);
  promise->set_value(now_filled);
}

template <class Derived>
void Session<Derived>::finish_stream(Exchange& exchange, Response&& r) {
  const bool body_done = stream_parser_ && stream_parser_->is_done() && !stream_failed_;
  streaming_ = false;
  reading_ = false;
  stream_parser_.reset();
  buffer_.shrink_to_fit();  // an idle connection keeps no large buffer
  if (!body_done) {
    // The handler answered without taking the whole body (a refusal) or the body failed:
    // the connection cannot carry another request.
    exchange.close_after = true;
    closing_ = true;
  }
  complete(exchange, std::move(r));
}

// The members defined in this file, for both sessions; session.cpp instantiates the others.
template void Session<PlainSession>::do_read();
template void Session<PlainSession>::on_first_bytes(beast::error_code, std::size_t);
template void Session<PlainSession>::read_header();
template void Session<PlainSession>::on_read_header(beast::error_code, std::size_t);
template void Session<PlainSession>::read_body();
template void Session<PlainSession>::on_read(beast::error_code, std::size_t);
template void Session<PlainSession>::on_read_failed(beast::error_code);
template void Session<PlainSession>::fill(std::span<char>, std::shared_ptr<ChunkPromise>);
template void Session<PlainSession>::read_chunk(std::span<char>, std::shared_ptr<ChunkPromise>,
                                                std::size_t);
template void Session<PlainSession>::on_chunk_read(beast::error_code, std::span<char>,
                                                   std::shared_ptr<ChunkPromise>);
template void Session<PlainSession>::finish_stream(Exchange&, Response&&);
template void Session<TlsSession>::do_read();
template void Session<TlsSession>::on_first_bytes(beast::error_code, std::size_t);
template void Session<TlsSession>::read_header();
template void Session<TlsSession>::on_read_header(beast::error_code, std::size_t);
template void Session<TlsSession>::read_body();
template void Session<TlsSession>::on_read(beast::error_code, std::size_t);
template void Session<TlsSession>::on_read_failed(beast::error_code);
template void Session<TlsSession>::fill(std::span<char>, std::shared_ptr<ChunkPromise>);
template void Session<TlsSession>::read_chunk(std::span<char>, std::shared_ptr<ChunkPromise>,
                                              std::size_t);
template void Session<TlsSession>::on_chunk_read(beast::error_code, std::span<char>,
                                                 std::shared_ptr<ChunkPromise>);
template void Session<TlsSession>::finish_stream(Exchange&, Response&&);

}  // namespace tollgate::server::connection
