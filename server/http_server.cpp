#include "server/http_server.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
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

#include "server/crypto.hpp"
#include "server/problem.hpp"
#include "server/router.hpp"
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

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is idle; otherwise it closes after its current response.
  virtual void drain() = 0;
};

// What listener and sessions share.
struct Shared {
  Shared(const Config& c, HttpServer::Handler h, Metrics& m, net::thread_pool& pool)
      : config(c), handler(std::move(h)), metrics(m), workers(pool) {}

  const Config& config;
  HttpServer::Handler handler;
  Metrics& metrics;
  net::thread_pool& workers;
  std::atomic<bool> draining{false};
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
      const bool mid_request = self->reading_ && self->parser_ && self->parser_->is_header_done();
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
    parser_->body_limit(shared_.config.body_limit);
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
      refusal = Status(
          Code::too_large,
          fmt::format("the request body is over the limit of {} bytes", shared_.config.body_limit));
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

  void handle(http::request<http::string_body>&& req) {
    auto exchange = std::make_shared<Exchange>();
    exchange->method = std::string(req.method_string());
    exchange->target = std::string(req.target());
    exchange->version = req.version();
    exchange->keep_alive = req.keep_alive() && !shared_.draining;
    exchange->head = req.method() == http::verb::head;
    if (!exchange->keep_alive) closing_ = true;
    queue_.push_back(exchange);

    Request request;
    request.method = exchange->method;
    request.target = exchange->target;
    request.remote = remote_;
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

  void complete(Exchange& exchange, Response&& r) {
    auto& res = exchange.response;
    res.version(exchange.version);
    res.result(r.status);
    res.set(http::field::server, "tollgate");
    res.set("X-Request-Id", exchange.request_id);
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res.insert(name, value);
    res.keep_alive(exchange.keep_alive && !exchange.close_after && !shared_.draining);
    const std::size_t length = r.body.size();
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (exchange.head) res.body().clear();  // Content-Length stays that of the full body
    exchange.ready = true;

    const double seconds = std::chrono::duration<double>(Clock::now() - exchange.start).count();
    shared_.metrics.observe(r.route, exchange.method, r.status, seconds);
    if (shared_.config.access_log) log(exchange, r, length, seconds);
    maybe_write();
  }

  void log(const Exchange& exchange, const Response& r, std::size_t length, double seconds) {
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
    http::async_write(derived().stream(), exchange->response,
                      [self = derived().shared_from_this(), exchange](
                          beast::error_code ec, std::size_t) { self->on_write(ec, *exchange); });
  }

  void on_write(beast::error_code ec, const Exchange& exchange) {
    writing_ = false;
    if (ec) return derived().do_close();
    queue_.pop_front();
    if (exchange.close_after) return linger();
    if (!exchange.response.keep_alive()) {
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
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
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
        tls(ssl::context::tls_server),
        shared(config, std::move(h), m, workers) {
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
  impl.workers.join();
}

void HttpServer::stop() {
  net::post(*impl_->contexts[0], [this] { impl_->begin_drain(); });
}

}  // namespace tollgate::server
