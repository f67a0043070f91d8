#include "client/http_client.hpp"

#include <exception>
#include <optional>

#include <boost/asio/write.hpp>

#include "client/connection.hpp"

namespace tollgate::client {
namespace {

using detail::Connection;
using detail::error_code;
using detail::ResponseParser;
namespace asio = detail::asio;
namespace beast = detail::beast;
namespace http = detail::http;

void apply_limits(ResponseParser& parser) {
  parser.body_limit(detail::kBodyLimit);
  parser.header_limit(detail::kHeaderLimit);
}

http::request<http::string_body> build_request(const ClientOptions& options,
                                               std::string_view method, std::string_view target,
                                               std::string_view body, const Headers& headers) {
  http::request<http::string_body> request;
  request.version(11);
  request.method_string(method);
  request.target(target);
  detail::add_fields(request, options, headers, body.empty() ? "" : "application/json");
  request.body() = std::string(body);
  request.prepare_payload();
  return request;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  const std::string wanted = detail::lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return {};
}

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                         std::string_view body, const Headers& headers) {
  if (!impl_) return Status(Code::internal, "HttpClient used after move");
  std::optional<http::request<http::string_body>> message;
  const std::string what = std::string(method) + " " + std::string(target);
  const auto attempt = [&](Connection& connection) {
    if (!message) message = build_request(options_, method, target, body, headers);
    connection.set_deadline(std::chrono::seconds(options_.timeout_seconds));
    ResponseParser parser;
    apply_limits(parser);
    parser.skip(beast::iequals(method, "HEAD"));
    detail::Exchange exchange;
    exchange.error = connection.exchange(
        [&](auto& stream, auto handler) { http::async_write(stream, *message, handler); }, parser);
    exchange.got_some = parser.got_some();
    if (exchange.error) return exchange;
    auto response = parser.release();
    if (response.keep_alive()) {
      connection.clear_deadline();
    } else {
      connection.close();
    }
    exchange.result = detail::to_response(std::move(response));
    return exchange;
  };
  return detail::run_exchange(impl_->connection, impl_->tls_setup, impl_->tls(), options_, what,
                              attempt);
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
    if (ec) return detail::connection_error("raw request", ec);
    return detail::to_response(parser.release());
  } catch (const boost::system::system_error& e) {
    connection.close();
    return Status(Code::unavailable, e.what());
  } catch (const std::exception& e) {
    connection.close();
    return Status(Code::internal, e.what());
  }
}

}  // namespace tollgate::client
