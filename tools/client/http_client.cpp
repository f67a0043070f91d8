#include "client/http_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace tollgate::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::uint64_t kBodyLimit = std::uint64_t{1} << 30;  // 1 GiB: artifacts are large
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::string_view kUserAgent = "tollgate-client/0.1";

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using ResponseParser = http::response_parser<http::string_body>;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ip_address(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

// "host:port", with brackets around an IPv6 literal.
std::string host_header(const ClientOptions& options) {
  const bool v6 = options.host.find(':') != std::string::npos;
  return (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
}

// An error that means the server closed a connection we wanted to reuse.
bool is_closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == ssl::error::stream_truncated;
}

bool is_certificate_failure(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

Status connection_error(std::string_view what, const error_code& ec) {
  if (ec == beast::error::timeout) return {Code::unavailable, std::string(what) + ": timed out"};
  return {Code::unavailable, std::string(what) + ": " + ec.message()};
}

void apply_limits(ResponseParser& parser) {
  parser.body_limit(kBodyLimit);
  parser.header_limit(kHeaderLimit);
}

HttpResponse to_response(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = message.result_int();
  for (const auto& field : message) {
    response.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return {};
}

namespace {

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

  void close() {
    if (tls_ || plain_) {
      error_code ignored;
      layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
      layer().close();
    }
    plain_.reset();
    tls_.reset();
    buffer_.clear();
  }

  // Opens a fresh connection; with a TLS context, also completes a verified handshake.
  Status open(const ClientOptions& options, ssl::context* tls_context) {
    close();
    error_code ec;
    tcp::resolver resolver(ioc_);
    const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec) return connection_error("cannot resolve " + options.host, ec);

    if (tls_context != nullptr) {
      tls_.emplace(ioc_, *tls_context);
    } else {
      plain_.emplace(ioc_);
    }
    set_deadline(std::chrono::seconds(options.timeout_seconds));
    ec = run([&](auto handler) { layer().async_connect(endpoints, handler); });
    Status status = ec     ? connection_error("cannot connect to " + host_header(options), ec)
                    : tls_ ? handshake(options.host)
                           : Status();
    if (!status.ok()) close();
    return status;
  }

  // Writes the request with `write(stream, handler)`, then reads one response into `parser`.
  // A failed write still reads when the socket is open: the server may have answered early
  // (413, 431) before it stopped reading. Returns the first error of a failed exchange.
  template <typename Write>
  error_code exchange(Write write, ResponseParser& parser) {
    const error_code write_error = run_on_stream(write);
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

  Status handshake(const std::string& host) {
    // SNI carries DNS names only (RFC 6066), never an address literal. This is what the
    // SSL_set_tlsext_host_name macro expands to, without its C-style cast.
    if (!is_ip_address(host) &&
        SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
      return {Code::internal, "cannot set the TLS server name"};
    }
    tls_->set_verify_callback(ssl::host_name_verification(host));
    const error_code ec =
        run([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
    if (!ec) return {};
    // A host name mismatch rejected by our verify callback leaves no specific X509 error.
    const long verify_result = SSL_get_verify_result(tls_->native_handle());
    if (verify_result == X509_V_ERR_UNSPECIFIED ||
        (verify_result == X509_V_OK && is_certificate_failure(ec))) {
      return {Code::invalid,
              "TLS certificate verification failed: the certificate is not valid for " + host};
    }
    if (verify_result != X509_V_OK) {
      return {Code::invalid, std::string("TLS certificate verification failed: ") +
                                 X509_verify_cert_error_string(verify_result)};
    }
    return connection_error("TLS handshake failed", ec);
  }

  // The TCP stream under the plain or TLS stream. Precondition: one of them exists.
  PlainStream& layer() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  const PlainStream& layer() const { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  asio::io_context& ioc_;
  std::optional<PlainStream> plain_;
  std::optional<TlsStream> tls_;
  beast::flat_buffer buffer_;
};

Result<ssl::context> make_tls_context(const ClientOptions& options) {
  try {
    ssl::context context(ssl::context::tls_client);
    if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
      return Status(Code::internal, "cannot require TLS 1.2");
    }
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (options.ca_file.empty()) {
      context.set_default_verify_paths();
    } else {
      context.load_verify_file(options.ca_file);
    }
    context.set_verify_mode(ssl::verify_peer);
    return context;
  } catch (const boost::system::system_error& e) {
    return Status(Code::invalid, "cannot load the CA file '" + options.ca_file + "': " + e.what());
  }
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> tls_context;  // set when options.tls and it could be prepared
  Status tls_setup;                         // why tls_context could not be prepared
  Connection connection{ioc};

  explicit Impl(const ClientOptions& options) {
    if (!options.tls) return;
    auto context = make_tls_context(options);
    if (context.ok()) {
      tls_context.emplace(std::move(context).value());
    } else {
      tls_setup = context.status();
    }
  }

  ssl::context* tls() { return tls_context ? &*tls_context : nullptr; }
};

namespace {

http::request<http::string_body> build_request(
    const ClientOptions& options, std::string_view method, std::string_view target,
    std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request;
  request.version(11);
  request.method_string(method);
  request.target(target);
  const auto given = [&headers](std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [name](const auto& header) { return beast::iequals(header.first, name); });
  };
  if (!given("host")) request.set(http::field::host, host_header(options));
  if (!given("user-agent")) request.set(http::field::user_agent, kUserAgent);
  if (!options.token.empty() && !given("authorization")) {
    request.set(http::field::authorization, "Bearer " + options.token);
  }
  if (!body.empty() && !given("content-type")) {
    request.set(http::field::content_type, "application/json");
  }
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  return request;
}

}  // namespace

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::request(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!impl_) return Status(Code::internal, "HttpClient used after move");
  TG_RETURN_IF_ERROR(impl_->tls_setup);
  Connection& connection = impl_->connection;
  try {
    auto message = build_request(options_, method, target, body, headers);
    for (int attempt = 0;; ++attempt) {
      const bool reused = connection.is_open();
      if (!reused) TG_RETURN_IF_ERROR(connection.open(options_, impl_->tls()));
      connection.set_deadline(std::chrono::seconds(options_.timeout_seconds));

      ResponseParser parser;
      apply_limits(parser);
      parser.skip(beast::iequals(method, "HEAD"));
      const error_code ec = connection.exchange(
          [&](auto& stream, auto handler) { http::async_write(stream, message, handler); }, parser);
      if (ec) {
        connection.close();
        // The server may close an idle keep-alive connection at any moment: try once more on a
        // fresh one when nothing of the response had arrived.
        if (reused && attempt == 0 && is_closed_by_peer(ec) && !parser.got_some()) continue;
        return connection_error(std::string(method) + " " + std::string(target), ec);
      }
      auto response = parser.release();
      if (response.keep_alive()) {
        connection.clear_deadline();
      } else {
        connection.close();
      }
      return to_response(std::move(response));
    }
  } catch (const boost::system::system_error& e) {
    connection.close();
    return Status(Code::unavailable, e.what());
  } catch (const std::exception& e) {
    connection.close();
    return Status(Code::internal, e.what());
  }
}

Result<HttpResponse> HttpClient::raw(std::string_view bytes) {
  if (!impl_) return Status(Code::internal, "HttpClient used after move");
  TG_RETURN_IF_ERROR(impl_->tls_setup);
  Connection connection(impl_->ioc);
  try {
    TG_RETURN_IF_ERROR(connection.open(options_, impl_->tls()));
    connection.set_deadline(std::chrono::seconds(options_.timeout_seconds));
    ResponseParser parser;
    apply_limits(parser);
    const error_code ec = connection.exchange(
        [&](auto& stream, auto handler) {
          asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), handler);
        },
        parser);
    connection.close();
    if (ec) return connection_error("raw request", ec);
    return to_response(parser.release());
  } catch (const boost::system::system_error& e) {
    connection.close();
    return Status(Code::unavailable, e.what());
  } catch (const std::exception& e) {
    connection.close();
    return Status(Code::internal, e.what());
  }
}

}  // namespace tollgate::client
