// Connection: one plain or TLS connection of an HttpClient, and the client's private state.
// Private to tools/client/; nothing outside this folder includes it.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::uint64_t kBodyLimit = std::uint64_t{1} << 30;  // 1 GiB, for request()
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::string_view kUserAgent = "tollgate-client/0.1";

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using ResponseParser = http::response_parser<http::string_body>;

std::string lower(std::string_view text);

// "host:port", with brackets around an IPv6 literal.
std::string host_header(const ClientOptions& options);

// An error that means the server closed a connection we wanted to reuse.
bool is_closed_by_peer(const error_code& ec);

Status connection_error(std::string_view what, const error_code& ec);

// The status line and headers of a response (header names in lower case), without its body.
template <typename Fields>
HttpResponse response_head(const http::response_header<Fields>& message) {
  HttpResponse response;
  response.status = message.result_int();
  for (const auto& field : message) {
    response.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  return response;
}

// Sets Host, User-Agent and Authorization (from options.token) unless `headers` name them, a
// Content-Type of `default_content_type` (when not empty) unless `headers` name one, and then
// adds `headers` as given.
template <typename Body>
void add_fields(http::request<Body>& request, const ClientOptions& options, const Headers& headers,
                std::string_view default_content_type) {
  const auto given = [&headers](std::string_view name) {
    for (const auto& header : headers) {
      if (beast::iequals(header.first, name)) return true;
    }
    return false;
  };
  if (!given("host")) request.set(http::field::host, host_header(options));
  if (!given("user-agent")) request.set(http::field::user_agent, kUserAgent);
  if (!options.token.empty() && !given("authorization")) {
    request.set(http::field::authorization, "Bearer " + options.token);
  }
  if (!default_content_type.empty() && !given("content-type")) {
    request.set(http::field::content_type, default_content_type);
  }
  for (const auto& [name, value] : headers) request.insert(name, value);
}

// A whole response, read with a string body.
inline HttpResponse to_response(http::response<http::string_body>&& message) {
  HttpResponse response = response_head(message);
  response.body = std::move(message.body());
  return response;
}

// A TLS client context that verifies the server against options.ca_file (or the system's
// trust store). Errors: invalid when the CA file cannot be loaded.
Result<ssl::context> make_tls_context(const ClientOptions& options);

// One connection, plain or TLS. All I/O runs as asynchronous operations on the client's
// io_context, driven to completion before returning, because beast::tcp_stream timeouts only
// apply to asynchronous operations.
class Connection {
 public:
  explicit Connection(asio::io_context& ioc) : ioc_(ioc) {}

  bool is_open() const { return (tls_ || plain_) && layer().socket().is_open(); }
  beast::flat_buffer& buffer() { return buffer_; }

  // Precondition for both: a stream exists (after open()).
  void set_deadline(std::chrono::seconds timeout) { layer().expires_after(timeout); }
  void clear_deadline() { layer().expires_never(); }

  void close();

  // Opens a fresh connection; with a TLS context, also completes a verified handshake.
  Status open(const ClientOptions& options, ssl::context* tls_context);

  // Writes the request with `write(stream, handler)`, then reads one response into `parser`.
  // A failed write still reads when the socket is open: the server may have answered early
  // (413, 431) before it stopped reading. Returns the first error of a failed exchange.
  template <typename Write>
  error_code exchange(Write write, ResponseParser& parser) {
    return read_response(run_on_stream(write), parser);
  }

  // The second half of exchange(): after a write that ended with `write_error`, reads one
  // response into `parser` if the socket is still open. Returns the first error, or none
  // when a response arrived (even after a failed write).
  error_code read_response(const error_code& write_error, ResponseParser& parser) {
    if (write_error && !is_open()) return write_error;
    const error_code read_error = run_on_stream(
        [&](auto& stream, auto handler) { http::async_read(stream, buffer_, parser, handler); });
    if (!read_error) return {};
    return write_error ? write_error : read_error;
  }

  // Runs `operation(stream, handler)` on the plain or TLS stream to completion.
  template <typename Operation>
  error_code run_on_stream(Operation operation) {
    return run([&](auto handler) {
      if (tls_) {
        operation(*tls_, handler);
      } else {
        operation(*plain_, handler);
      }
    });
  }

 private:
  template <typename Initiate>
  error_code run(Initiate initiate) {
    error_code result = asio::error::would_block;
    initiate([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  Status handshake(const std::string& host);

  // The TCP stream under the plain or TLS stream. Precondition: one of them exists.
  PlainStream& layer() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  const PlainStream& layer() const { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  asio::io_context& ioc_;
  std::optional<PlainStream> plain_;
  std::optional<TlsStream> tls_;
  beast::flat_buffer buffer_;
};

}  // namespace tollgate::client::detail

namespace tollgate::client {

struct HttpClient::Impl {
  detail::asio::io_context ioc;
  std::optional<detail::ssl::context> tls_context;  // set when options.tls and it was prepared
  Status tls_setup;                                 // why tls_context could not be prepared
  detail::Connection connection{ioc};

  explicit Impl(const ClientOptions& options) {
    if (!options.tls) return;
    auto context = detail::make_tls_context(options);
    if (context.ok()) {
      tls_context.emplace(std::move(context).value());
    } else {
      tls_setup = context.status();
    }
  }

  detail::ssl::context* tls() { return tls_context ? &*tls_context : nullptr; }
};

}  // namespace tollgate::client

namespace tollgate::client::detail {

// How one attempt at an exchange (a request and its response) went.
struct Exchange {
  error_code error;       // the connection failed: the result is not used
  bool got_some = false;  // any of the response had arrived before a failure
  Result<HttpResponse> result = Status(Code::internal, "no exchange");  // when no error
};

// Runs `attempt(connection)` on a client's connection, opened first when it is not (with TLS
// when `tls_context` is given; `tls_setup` tells why TLS could not be prepared). The
// server may close an idle keep-alive connection at any moment: when a reused connection
// failed that way before any of the response arrived, the attempt is made once more on a fresh
// one. Other connection failures close the connection and become unavailable, naming `what`.
// Exceptions from Asio or Beast end as unavailable or internal, never leaving this function.
template <typename Attempt>
Result<HttpResponse> run_exchange(Connection& connection, const Status& tls_setup,
                                  ssl::context* tls_context, const ClientOptions& options,
                                  std::string_view what, Attempt attempt) {
  TG_RETURN_IF_ERROR(tls_setup);
  try {
    for (int number = 0;; ++number) {
      const bool reused = connection.is_open();
      if (!reused) TG_RETURN_IF_ERROR(connection.open(options, tls_context));
      Exchange exchange = attempt(connection);
      if (!exchange.error) return std::move(exchange.result);
      connection.close();
      if (reused && number == 0 && is_closed_by_peer(exchange.error) && !exchange.got_some) {
        continue;
      }
      return connection_error(what, exchange.error);
    }
  } catch (const boost::system::system_error& e) {
    connection.close();
    return Status(Code::unavailable, e.what());
  } catch (const std::exception& e) {
    connection.close();
    return Status(Code::internal, e.what());
  }
}

}  // namespace tollgate::client::detail
