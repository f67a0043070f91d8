#include "server/http_server.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/client_cert.hpp"
#include "server/crypto.hpp"
#include "server/problem.hpp"
#include "server/router.hpp"
#include "tollgate/encoding.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxRequestIdLength = 64;
constexpr std::size_t kFileChunk = 256 * 1024;         // bytes read from a blob per write
constexpr std::size_t kStreamReadBuffer = 256 * 1024;  // socket reads of a streaming body
constexpr auto kStopPoll = std::chrono::milliseconds(200);

// A Beast body that serves a range of a stored blob, one large chunk at a time, so that memory
// stays flat whatever the blob's size.
struct BlobBody {
  using value_type = FileBody;

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;

    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(beast::error_code& ec) {
      ec = {};
      position_ = body_.offset;
      remaining_ = body_.length;
      buffer_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kFileChunk, remaining_)));
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kFileChunk, remaining_));
      auto got = body_.reader->read_at(position_, std::span<char>(buffer_.data(), want));
      if (!got || *got == 0) {  // the blob shrank or failed: end the response short
        ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
        return boost::none;
      }
      position_ += *got;
      remaining_ -= *got;
      return std::make_pair(net::const_buffer(buffer_.data(), *got), remaining_ > 0);
    }

   private:
    const value_type& body_;
    std::uint64_t position_ = 0;
    std::uint64_t remaining_ = 0;
    std::vector<char> buffer_;
  };
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is idle; otherwise it closes after its current response.
  virtual void drain() = 0;
};

// What listener and sessions share.
struct Shared {
  Shared(const Config& c, HttpServer::Handler h, Metrics& m, net::thread_pool& pool,
         net::thread_pool& upload_pool)
      : config(c), handler(std::move(h)), metrics(m), workers(pool), uploads(upload_pool) {}

  const Config& config;
  HttpServer::Handler handler;
  Metrics& metrics;
  net::thread_pool& workers;  // mutating requests
  net::thread_pool& uploads;  // requests whose bodies stream (one thread each while in flight)
  std::uint64_t artifact_limit = config.max_artifact_size_mb << 20;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};  // the I/O contexts are stopping: nothing more will run
  std::atomic<unsigned> connections{0};
  std::mutex sessions_mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::function<void()> on_drained;  // when the last connection closes during a drain
  std::string request_id_prefix = to_hex(random_bytes(4));
  std::atomic<std::uint64_t> request_counter{0};
  std::mutex log_mu;

  std::string next_request_id() {
    return fmt::format("{}-{:08x}", request_id_prefix,
                       request_counter.fetch_add(1, std::memory_order_relaxed));
  }
};

void json_escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
}

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  return true;
}

// Facts about one request kept until its response is logged.
struct Exchange {
  std::string method;
  std::string target;
  std::string request_id;
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  Clock::time_point start = Clock::now();
  bool ready = false;
  bool close_after = false;  // an error that ends the connection
  http::response<http::string_body> response;
  // Instead of `response`, for a body served from a blob.
  std::unique_ptr<http::response<BlobBody>> file_response;
  std::unique_ptr<http::response_serializer<BlobBody>> file_serializer;
};

// One fill of a buffer by the connection's I/O thread. `keep` holds the buffer while the fill
// runs when the reader owns it (a read-ahead may outlive the handler's interest in it).
struct ChunkPromise {
  std::promise<Result<std::size_t>> promise;
  std::shared_ptr<char[]> keep;
  void set_value(Result<std::size_t> result) { promise.set_value(std::move(result)); }
};

constexpr std::size_t kReadAheadBuffer = 1024 * 1024;
// Bodies at least this large (or of unknown length) are read ahead: the I/O thread fills the
// next buffer while the handler hashes and writes the last one.
constexpr std::uint64_t kReadAheadFrom = 2 * kReadAheadBuffer;

// The BodyReader handed to a streaming handler. A small body is read straight into the
// handler's buffer, one hand-over to the I/O thread per read. A large one is read ahead into
// two buffers of the reader's, so that receiving (and TLS decryption) overlaps with the
// handler's work; the handler's read then copies from the buffer filled last.
template <class Session>
class StreamReader final : public BodyReader {
 public:
  StreamReader(std::shared_ptr<Session> session, std::optional<std::uint64_t> length)
      : session_(std::move(session)),
        length_(length),
        read_ahead_(!length || *length >= kReadAheadFrom) {}

  ~StreamReader() override { settle(); }

  Result<std::size_t> read(std::span<char> buffer) override {
    if (buffer.empty()) return std::size_t{0};
    if (!read_ahead_) {
      if (session_->stream_body_done()) return std::size_t{0};
      auto fill = start(buffer, nullptr);
      TG_ASSIGN_OR_RETURN(const std::size_t n, wait(fill));
      delivered_ += n;
      return n;
    }
    if (ready_.empty()) {
      if (!in_flight_) {
        if (session_->stream_body_done()) return std::size_t{0};
        begin_read_ahead(nullptr);
      }
      TG_ASSIGN_OR_RETURN(const std::size_t n, wait(std::exchange(in_flight_, nullptr)));
      // The buffer just filled becomes current; the one before it is free for the next fill.
      std::shared_ptr<char[]> free = std::exchange(current_, std::exchange(filling_, nullptr));
      if (n == 0) return std::size_t{0};
      ready_ = std::span<const char>(current_.get(), n);
      // The next buffer fills while the handler works on this one.
      if (!session_->stream_body_done()) begin_read_ahead(std::move(free));
    }
    const std::size_t n = std::min(buffer.size(), ready_.size());
    std::copy_n(ready_.data(), n, buffer.data());
    ready_ = ready_.subspan(n);
    delivered_ += n;
    return n;
  }

  std::optional<std::uint64_t> remaining() const override {
    if (!length_) return std::nullopt;
    return *length_ - std::min(*length_, delivered_);
  }

  // Waits for a read-ahead still in flight, so that the connection can go on once the handler
  // has answered (the fill ends with the bytes the client sends or with the read timeout).
  void settle() {
    if (in_flight_) (void)wait(std::exchange(in_flight_, nullptr));
  }

 private:
  std::shared_ptr<ChunkPromise> start(std::span<char> buffer, std::shared_ptr<char[]> keep) {
    auto fill = std::make_shared<ChunkPromise>();
    fill->keep = std::move(keep);
    net::post(session_->stream().get_executor(),
              [session = session_, buffer, fill] { session->read_chunk(buffer, fill); });
    return fill;
  }

  void begin_read_ahead(std::shared_ptr<char[]> buffer) {
    if (!buffer) buffer = std::shared_ptr<char[]>(new char[kReadAheadBuffer]);
    filling_ = buffer;
    in_flight_ = start(std::span<char>(buffer.get(), kReadAheadBuffer), buffer);
  }

  Result<std::size_t> wait(const std::shared_ptr<ChunkPromise>& fill) {
    auto future = fill->promise.get_future();
    while (future.wait_for(kStopPoll) == std::future_status::timeout)
      if (session_->stopped()) return Status(Code::unavailable, "the server is stopping");
    return future.get();
  }

  std::shared_ptr<Session> session_;
  std::optional<std::uint64_t> length_;
  bool read_ahead_;
  std::uint64_t delivered_ = 0;
  std::shared_ptr<ChunkPromise> in_flight_;  // the read-ahead being filled
  std::shared_ptr<char[]> filling_;          // its buffer
  std::shared_ptr<char[]> current_;          // the buffer `ready_` points into
  std::span<const char> ready_;              // filled bytes the handler has not taken yet
};

template <class Derived>
class Session : public SessionBase {
 public:
  Session(Shared& shared, std::string remote) : shared_(shared), remote_(std::move(remote)) {
    shared_.connections.fetch_add(1);
    shared_.metrics.connection_opened();
  }
  ~Session() override {
    shared_.metrics.connection_closed();
    {
      std::lock_guard lock(shared_.sessions_mu);
      shared_.sessions.erase(this);
    }
    if (shared_.connections.fetch_sub(1) == 1 && shared_.draining) shared_.on_drained();
  }

  void drain() override {
    net::post(derived().stream().get_executor(), [self = derived().shared_from_this()] {
      self->closing_ = true;
      const bool mid_request =
          self->streaming_ || (self->reading_ && self->parser_ && self->parser_->is_header_done());
      if (!mid_request && !self->writing_ && self->queue_.empty()) self->derived().do_close();
    });
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void register_self() {
    std::lock_guard lock(shared_.sessions_mu);
    shared_.sessions.emplace(this, derived().shared_from_this());
  }

  void do_read() {
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
    beast::get_lowest_layer(derived().stream())
        .expires_after(std::chrono::seconds(shared_.config.idle_timeout_seconds));
    http::async_read_header(
        derived().stream(), buffer_, *parser_,
        beast::bind_front_handler(&Session::on_read_header, derived().shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_failed(ec);
    if (parser_->is_done()) return on_read({}, 0);  // no body: nothing more to wait for
    const auto& header = parser_->get();
    if (body_kind(header.method_string(), header.target()) == BodyKind::stream)
      return start_stream();
    // Every other body is read whole, up to the JSON body limit.
    active_limit_ = shared_.config.body_limit;
    if (auto length = parser_->content_length(); length && *length > active_limit_)
      return on_read_failed(http::error::body_limit);
    parser_->body_limit(active_limit_);
    beast::get_lowest_layer(derived().stream())
        .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
    // A client that asked to be told before it sends its body gets "100 Continue" now, unless
    // an earlier response is still on its way (then it sends after its own short wait).
    const auto expect = parser_->get()[http::field::expect];
    if (!parser_->is_done() && !writing_ && queue_.empty() &&
        beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      writing_ = true;
      net::async_write(derived().stream(), net::buffer(kContinue.data(), kContinue.size()),
                       [self = derived().shared_from_this()](beast::error_code wec, std::size_t) {
                         self->writing_ = false;
                         if (wec) return self->derived().do_close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(derived().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, derived().shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_failed(ec);
    reading_ = false;
    handle(parser_->release());
    if (!closing_ && queue_.size() < shared_.config.pipeline_limit) do_read();
  }

  void on_read_failed(beast::error_code ec) {
    reading_ = false;
    closing_ = true;
    Status refusal;
    if (ec == http::error::body_limit) {
      refusal =
          Status(Code::too_large,
                 fmt::format("the request body is over the limit of {} bytes", active_limit_));
    } else if (ec == http::error::header_limit) {
      refusal =
          Status(Code::too_large, fmt::format("the request headers are over the limit of {} bytes",
                                              shared_.config.header_limit))
              .with_reason("headers-too-large");
    } else if (&ec.category() == &http::make_error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      refusal = invalid(fmt::format("malformed HTTP request: {}", ec.message()));
    }
    if (refusal.ok()) {
      if (!writing_ && queue_.empty()) derived().do_close();
      return;
    }
    // Answer the refusal, then close.
    auto exchange = std::make_shared<Exchange>();
    exchange->method = parser_ && parser_->is_header_done()
                           ? std::string(parser_->get().method_string())
                           : std::string("-");
    exchange->target =
        parser_ && parser_->is_header_done() ? std::string(parser_->get().target()) : "-";
    exchange->request_id = shared_.next_request_id();
    exchange->keep_alive = false;
    exchange->close_after = true;
    queue_.push_back(exchange);
    Response r = problem(refusal);
    if (ec == http::error::header_limit) r.status = 431;
    r.route = "unmatched";
    complete(*exchange, std::move(r));
  }

  // Queues the exchange of a request whose headers are in and builds the handler's Request.
  template <class Body>
  std::shared_ptr<Exchange> begin_exchange(const http::request<Body>& req, Request& request) {
    auto exchange = std::make_shared<Exchange>();
    exchange->method = std::string(req.method_string());
    exchange->target = std::string(req.target());
    exchange->version = req.version();
    exchange->keep_alive = req.keep_alive() && !shared_.draining;
    exchange->head = req.method() == http::verb::head;
    if (!exchange->keep_alive) closing_ = true;
    queue_.push_back(exchange);

    request.method = exchange->method;
    request.target = exchange->target;
    request.remote = remote_;
    request.client_certificate = client_certificate_;
    request.headers.reserve(8);
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    const std::string_view given_id = request.header("x-request-id");
    exchange->request_id =
        acceptable_request_id(given_id) ? std::string(given_id) : shared_.next_request_id();
    request.request_id = exchange->request_id;
    return exchange;
  }

  void handle(http::request<http::string_body>&& req) {
    Request request;
    auto exchange = begin_exchange(req, request);
    request.body = std::move(req.body());

    if (!is_mutating(request.method)) {
      complete(*exchange, shared_.handler(request));
      return;
    }
    // Mutating requests wait for the group commit: run them off the I/O threads.
    net::post(shared_.workers,
              [self = derived().shared_from_this(), exchange, request = std::move(request),
               work = net::make_work_guard(derived().stream().get_executor())]() mutable {
                Response response = self->shared_.handler(request);
                auto executor = self->derived().stream().get_executor();
                net::post(executor, [self = std::move(self), exchange = std::move(exchange),
                                     response = std::move(response)]() mutable {
                  self->complete(*exchange, std::move(response));
                });
              });
  }

  // A request whose body streams: the handler runs on the upload pool and pulls the body
  // through a StreamReader while this connection reads nothing else.
  void start_stream() {
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
    // The declared length, from the header itself (chunked bodies have none).
    std::optional<std::uint64_t> length;
    if (const auto field = stream_parser_->get()[http::field::content_length]; !field.empty()) {
      std::uint64_t value = 0;
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec == std::errc() && end == field.data() + field.size()) length = value;
    }
    // Read the socket in large pieces, not 512 bytes; a small body needs only a little more
    // room than itself (TLS records and what a pipelining client sends next).
    buffer_.reserve(length && *length < kStreamReadBuffer ? *length + 16 * 1024
                                                          : kStreamReadBuffer);
    auto reader = std::make_shared<StreamReader<Derived>>(derived().shared_from_this(), length);
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

 public:
  bool stopped() const { return shared_.stopped.load(); }
  bool stream_body_done() const { return stream_body_done_.load(std::memory_order_acquire); }

  // Fills the handler's buffer from a streaming body (or takes what is left of the body), then
  // hands it over; runs on the I/O thread. `filled` bytes of the buffer are in already.
  void read_chunk(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise,
                  std::size_t filled = 0) {
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
      if (!writing_ && queue_.size() == 1) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        writing_ = true;
        net::async_write(
            derived().stream(), net::buffer(kContinue.data(), kContinue.size()),
            [self = derived().shared_from_this(), buffer, promise](beast::error_code ec,
                                                                   std::size_t) mutable {
              self->writing_ = false;
              if (ec) {
                self->stream_failed_ = true;
                return promise->set_value(Status(Code::unavailable, "the connection failed"));
              }
              self->read_chunk(buffer, std::move(promise));
            });
        return;
      }
    }
    auto& body = stream_parser_->get().body();
    body.data = buffer.data() + filled;
    body.size = buffer.size() - filled;
    body.more = true;
    beast::get_lowest_layer(derived().stream())
        .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
    http::async_read_some(
        derived().stream(), buffer_, *stream_parser_,
        [self = derived().shared_from_this(), buffer, promise, filled](beast::error_code ec,
                                                                       std::size_t) mutable {
          if (ec == http::error::need_buffer) ec = {};
          if (ec) {
            self->stream_failed_ = true;
            if (ec == http::error::body_limit)
              return promise->set_value(Status(
                  Code::too_large, fmt::format("the request body is over the limit of {} bytes",
                                               self->active_limit_)));
            if (ec == beast::error::timeout)
              return promise->set_value(
                  Status(Code::unavailable, "timed out waiting for the request body"));
            return promise->set_value(Status(
                Code::unavailable, fmt::format("reading the request body: {}", ec.message())));
          }
          const std::size_t now_filled = buffer.size() - self->stream_parser_->get().body().size;
          // One hand-over per full buffer: a thread switch per TLS record would cost more
          // than the bytes.
          if (now_filled < buffer.size() && !self->stream_parser_->is_done())
            return self->read_chunk(buffer, std::move(promise), now_filled);
          if (self->stream_parser_->is_done())
            self->stream_body_done_.store(true, std::memory_order_release);
          promise->set_value(now_filled);
        });
  }

 protected:
  void finish_stream(Exchange& exchange, Response&& r) {
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

  template <class Body>
  void fill_header(http::response<Body>& res, Exchange& exchange, Response& r) {
    res.version(exchange.version);
    res.result(r.status);
    res.set(http::field::server, "tollgate");
    res.set("X-Request-Id", exchange.request_id);
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res.insert(name, value);
    exchange.keep_alive = exchange.keep_alive && !exchange.close_after && !shared_.draining;
    res.keep_alive(exchange.keep_alive);
  }

  void complete(Exchange& exchange, Response&& r) {
    std::uint64_t length = 0;
    if (r.file && !exchange.head) {
      exchange.file_response = std::make_unique<http::response<BlobBody>>();
      auto& res = *exchange.file_response;
      fill_header(res, exchange, r);
      length = r.file->length;
      res.body() = std::move(*r.file);
      res.prepare_payload();
      exchange.file_serializer = std::make_unique<http::response_serializer<BlobBody>>(res);
    } else {
      auto& res = exchange.response;
      fill_header(res, exchange, r);
      length = r.file ? r.file->length : r.body.size();
      res.body() = std::move(r.body);
      res.prepare_payload();
      if (exchange.head) {
        res.body().clear();
        res.content_length(length);  // that of the full body
      }
    }
    exchange.ready = true;

    const double seconds = std::chrono::duration<double>(Clock::now() - exchange.start).count();
    shared_.metrics.observe(r.route, exchange.method, r.status, seconds);
    if (shared_.config.access_log) log(exchange, r, length, seconds);
    maybe_write();
  }

  void log(const Exchange& exchange, const Response& r, std::uint64_t length, double seconds) {
    std::string line = "{\"time\":\"";
    line += format_rfc3339(SystemClock().now());
    line += "\",\"request_id\":\"";
    json_escape(line, exchange.request_id);
    line += "\",\"remote\":\"";
    json_escape(line, remote_);
    line += "\",\"method\":\"";
    json_escape(line, exchange.method);
    line += "\",\"target\":\"";
    json_escape(line, exchange.target);
    line += "\",\"route\":\"";
    json_escape(line, r.route);
    line += fmt::format("\",\"status\":{},\"bytes\":{},\"duration_ms\":{:.3f},\"actor\":\"",
                        r.status, length, seconds * 1000);
    json_escape(line, r.actor);
    line += "\"}\n";
    std::lock_guard lock(shared_.log_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }

  void maybe_write() {
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

  // Writes a blob response piece by piece, renewing the timeout for each so that a large
  // download is limited by the client's progress, not by its total time.
  void write_file(std::shared_ptr<Exchange> exchange) {
    beast::get_lowest_layer(derived().stream())
        .expires_after(std::chrono::seconds(shared_.config.read_timeout_seconds));
    http::async_write_some(
        derived().stream(), *exchange->file_serializer,
        [self = derived().shared_from_this(), exchange](beast::error_code ec, std::size_t) {
          if (ec || exchange->file_serializer->is_done()) return self->on_write(ec, *exchange);
          self->write_file(exchange);
        });
  }

  void on_write(beast::error_code ec, const Exchange& exchange) {
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
  // moment so that closing does not reset the connection before the client saw the refusal.
  void linger() {
    beast::get_lowest_layer(derived().stream()).expires_after(kLingerTimeout);
    derived().stream().async_read_some(
        net::buffer(discard_),
        [self = derived().shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->derived().do_close();
          self->linger();
        });
  }

  Shared& shared_;
  std::string remote_;
  // What the TLS handshake's client certificate says; null without one (or without TLS).
  std::shared_ptr<const ClientCertificate> client_certificate_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::uint64_t active_limit_ = 0;  // body bytes the current request may have
  bool streaming_ = false;          // a handler is pulling this request's body
  bool stream_failed_ = false;      // reading that body failed; the connection is done
  bool continue_pending_ = false;   // the client expects "100 Continue" before the body
  // The streaming body is all in: set on the I/O thread before the fill that took its last
  // bytes is handed over, so the handler needs no further hand-over to learn that it ended.
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
  PlainSession(tcp::socket&& socket, Shared& shared, std::string remote)
      : Session(shared, std::move(remote)), stream_(std::move(socket)) {}

  beast::tcp_stream& stream() { return stream_; }

  void start() {
    register_self();
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  beast::tcp_stream stream_;
};

class TlsSession final : public Session<TlsSession>,
                         public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(tcp::socket&& socket, ssl::context& ctx, Shared& shared, std::string remote)
      : Session(shared, std::move(remote)), stream_(std::move(socket), ctx) {}

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  void start() {
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

  void do_close() {
    if (closed_) return;
    closed_ = true;
    if (reading_) {  // a pending read cannot overlap a TLS shutdown: close underneath it
      beast::get_lowest_layer(stream_).close();
      return;
    }
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(3));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

// One io_context per I/O thread: a connection lives on one context for its whole life, so its
// handlers never run concurrently and need no strand; contexts share nothing on the hot path.
struct HttpServer::Impl {
  Impl(const Config& c, Handler h, Metrics& m)
      : config(c),
        workers(c.worker_threads),
        uploads(c.upload_threads),
        tls(ssl::context::tls_server),
        shared(config, std::move(h), m, workers, uploads) {
    const unsigned n = c.threads ? c.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      keep_running.push_back(net::make_work_guard(*contexts.back()));
    }
    acceptor.emplace(*contexts[0]);
    signals.emplace(*contexts[0], SIGINT, SIGTERM);
    grace.emplace(*contexts[0]);
    shared.on_drained = [this] { net::post(*contexts[0], [this] { grace->cancel(); }); };
  }

  void accept() {
    net::io_context& next = *contexts[next_context++ % contexts.size()];
    acceptor->async_accept(next, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (acceptor->is_open()) accept();  // a failed accept (e.g. EMFILE) must not stop serving
        return;
      }
      if (shared.connections.load() >= config.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        beast::error_code peer_ec;
        auto peer = socket.remote_endpoint(peer_ec);
        std::string remote =
            peer_ec ? "-" : fmt::format("{}:{}", peer.address().to_string(), peer.port());
        if (config.tls)
          std::make_shared<TlsSession>(std::move(socket), tls, shared, std::move(remote))->start();
        else
          std::make_shared<PlainSession>(std::move(socket), shared, std::move(remote))->start();
      }
      accept();
    });
  }

  void stop_all() {
    shared.stopped = true;
    for (auto& ctx : contexts) ctx->stop();
  }

  void begin_drain() {
    if (shared.draining.exchange(true)) return;
    beast::error_code ec;
    acceptor->close(ec);
    signals->cancel(ec);
    keep_running.clear();  // contexts now end when their last connection does
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(shared.sessions_mu);
      for (auto& [raw, weak] : shared.sessions)
        if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    for (auto& session : live) session->drain();
    live.clear();
    if (shared.connections.load() == 0) return;
    grace->expires_after(std::chrono::seconds(config.shutdown_grace_seconds));
    grace->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) stop_all();  // grace over: close what is left
    });
  }

  const Config& config;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::size_t next_context = 0;
  net::thread_pool workers;
  net::thread_pool uploads;
  ssl::context tls;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::signal_set> signals;
  std::optional<net::steady_timer> grace;
  Shared shared;
};

HttpServer::HttpServer(const Config& config, Handler handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, std::move(handler), metrics)) {}

HttpServer::~HttpServer() {
  impl_->stop_all();
  impl_->workers.join();
  impl_->uploads.join();
}

Result<std::uint16_t> HttpServer::start(const std::string& cert_file, const std::string& key_file) {
  auto& impl = *impl_;
  beast::error_code ec;
  if (impl.config.tls) {
    impl.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(impl.tls.native_handle(), TLS1_2_VERSION);
    impl.tls.use_certificate_chain_file(cert_file, ec);
    if (ec)
      return invalid(
          fmt::format("cannot load the TLS certificate {}: {}", cert_file, ec.message()));
    impl.tls.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) return invalid(fmt::format("cannot load the TLS key {}: {}", key_file, ec.message()));
    if (!impl.config.tls_client_ca.empty())
      TG_RETURN_IF_ERROR(
          request_client_certificates(impl.tls.native_handle(), impl.config.tls_client_ca));
  }
  const std::string host =
      impl.config.listen_host == "localhost" ? "127.0.0.1" : impl.config.listen_host;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    return invalid(
        fmt::format("cannot listen on '{}': not an IP address", impl.config.listen_host));
  const tcp::endpoint endpoint(address, impl.config.listen_port);
  impl.acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor->bind(endpoint, ec);
  if (!ec) impl.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return io_error(fmt::format("cannot listen on {}: {}", impl.config.listen(), ec.message()));
  return impl.acceptor->local_endpoint().port();
}

void HttpServer::run() {
  auto& impl = *impl_;
  impl.signals->async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->begin_drain();
  });
  impl.accept();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i)
    threads.emplace_back([ctx = impl.contexts[i].get()] { ctx->run(); });
  impl.contexts[0]->run();
  for (auto& t : threads) t.join();
  impl.shared.stopped = true;  // handlers still pulling a body give up
  impl.workers.join();
  impl.uploads.join();
}

void HttpServer::stop() {
  net::post(*impl_->contexts[0], [this] { impl_->begin_drain(); });
}

}  // namespace tollgate::server
