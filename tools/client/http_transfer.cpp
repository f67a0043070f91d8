// HttpClient::upload and HttpClient::download: artifact bodies streamed from and to files.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include <boost/asio/write.hpp>

#include "client/connection.hpp"
#include "client/http_client.hpp"

namespace tollgate::client {
namespace {

using detail::Connection;
using detail::error_code;
using detail::ResponseParser;
namespace asio = detail::asio;
namespace http = detail::http;

constexpr std::size_t kChunkSize = std::size_t{256} * 1024;
constexpr std::size_t kErrorBodyLimit =
    std::size_t{1024} * 1024;  // of a non-2xx body during download()

// Reads exactly buffer.size() bytes at `offset`. Errors: io, also when the file ends first.
Status read_exactly(int fd, std::uint64_t offset, std::span<char> buffer) {
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n =
        pread(fd, buffer.data() + got, buffer.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return io_error("cannot read the upload file: " +
                      std::error_code(errno, std::generic_category()).message());
    }
    if (n == 0) return io_error("the upload file is shorter than the size being sent");
    got += static_cast<std::size_t>(n);
  }
  return {};
}

// Writes the request head, then the file's bytes chunk by chunk, each under its own deadline.
// A file that cannot be read ends the attempt through `file_status` (the connection error is
// then empty).
error_code write_upload(Connection& connection, std::chrono::seconds timeout,
                        http::request<http::empty_body>& head, const FileBody& body,
                        std::vector<char>& buffer, const ProgressCallback& progress,
                        Status& file_status) {
  http::request_serializer<http::empty_body> serializer(head);
  connection.set_deadline(timeout);
  error_code ec = connection.run_on_stream(
      [&](auto& stream, auto handler) { http::async_write_header(stream, serializer, handler); });
  std::uint64_t sent = 0;
  if (progress) progress(0, body.length);
  while (!ec && sent < body.length) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), body.length - sent));
    file_status = read_exactly(body.fd, body.offset + sent, std::span<char>(buffer.data(), n));
    if (!file_status.ok()) return {};
    connection.set_deadline(timeout);
    ec = connection.run_on_stream([&](auto& stream, auto handler) {
      asio::async_write(stream, asio::buffer(buffer.data(), n), handler);
    });
    if (ec) break;
    sent += n;
    if (progress) progress(sent, body.length);
  }
  return ec;
}

// Keeps a connection whose exchange completed cleanly and that the server keeps alive.
template <typename Message>
void settle(Connection& connection, const Message& message, bool complete) {
  if (complete && message.keep_alive()) {
    connection.clear_deadline();
  } else {
    connection.close();
  }
}

http::request<http::empty_body> upload_head(const ClientOptions& options, std::string_view method,
                                            std::string_view target, const Headers& headers,
                                            std::uint64_t length) {
  http::request<http::empty_body> head;
  head.version(11);
  head.method_string(method);
  head.target(target);
  detail::add_fields(head, options, headers, "application/octet-stream");
  head.content_length(length);
  return head;
}

// One attempt at an upload: head and body, then the response.
detail::Exchange upload_once(Connection& connection, std::chrono::seconds timeout,
                             http::request<http::empty_body>& head, const FileBody& body,
                             std::vector<char>& buffer, const ProgressCallback& progress) {
  detail::Exchange exchange;
  Status file_status;
  const error_code write_error =
      write_upload(connection, timeout, head, body, buffer, progress, file_status);
  if (!file_status.ok()) {
    connection.close();
    exchange.result = std::move(file_status);
    return exchange;
  }
  ResponseParser parser;
  parser.body_limit(detail::kBodyLimit);
  parser.header_limit(detail::kHeaderLimit);
  connection.set_deadline(timeout);
  exchange.error = connection.read_response(write_error, parser);
  exchange.got_some = parser.got_some();
  if (exchange.error) return exchange;
  auto message = parser.release();
  // An early answer (the write failed) leaves the request half sent: never reuse that.
  settle(connection, message, !write_error);
  exchange.result = detail::to_response(std::move(message));
  return exchange;
}

}  // namespace

Result<HttpResponse> HttpClient::upload(std::string_view method, std::string_view target,
                                        const FileBody& body, const Headers& headers,
                                        const ProgressCallback& progress) {
  if (!impl_) return Status(Code::internal, "HttpClient used after move");
  if (body.fd < 0) return Status(Code::invalid, "upload without an open file");
  const auto timeout = std::chrono::seconds(options_.timeout_seconds);
  std::optional<http::request<http::empty_body>> head;
  std::vector<char> buffer;
  const std::string what = std::string(method) + " " + std::string(target);
  const auto attempt = [&](Connection& connection) {
    if (!head) {
      head = upload_head(options_, method, target, headers, body.length);
      buffer.resize(kChunkSize);
    }
    return upload_once(connection, timeout, *head, body, buffer, progress);
  };
  return detail::run_exchange(impl_->connection, impl_->tls_setup, impl_->tls(), options_, what,
                              attempt);
}

namespace {

using StreamParser = http::response_parser<http::buffer_body>;

// The Content-Length of a response (which the parser checked), or 0 when it has none. Read from
// the header rather than parser.content_length(), whose boost::optional g++ 12 falsely reports
// as maybe uninitialized under the sanitizers.
std::uint64_t content_length(const HttpResponse& response) {
  const std::string text = response.header("content-length");
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : 0;
}

// Reads the rest of the body after its head: a 2xx body to the sink, any other into
// response.body (its first kErrorBodyLimit bytes). A sink error comes back as it is.
Status read_body(Connection& connection, std::chrono::seconds timeout, StreamParser& parser,
                 std::vector<char>& buffer, HttpResponse& response, const BodySink& sink,
                 const ProgressCallback& progress, std::string_view what) {
  const bool to_sink = response.status / 100 == 2;
  const std::uint64_t total = content_length(response);
  std::uint64_t done = 0;
  if (to_sink && progress) progress(0, total);
  while (!parser.is_done()) {
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    connection.set_deadline(timeout);
    error_code ec = connection.run_on_stream([&](auto& stream, auto handler) {
      http::async_read(stream, connection.buffer(), parser, handler);
    });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return detail::connection_error(std::string(what) + ": reading the body", ec);
    const std::size_t n = buffer.size() - parser.get().body().size;
    if (n == 0) continue;
    done += n;
    if (!to_sink) {
      const std::size_t room = kErrorBodyLimit - std::min(kErrorBodyLimit, response.body.size());
      response.body.append(buffer.data(), std::min(n, room));
      continue;
    }
    TG_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), n)));
    if (progress) progress(done, total);
  }
  return {};
}

// One attempt at a download: the request, the response's head, then its body as it comes.
// Once body bytes reached the sink, failures come back in the result (no retry).
detail::Exchange download_once(Connection& connection, std::chrono::seconds timeout,
                               http::request<http::empty_body>& message, std::vector<char>& buffer,
                               const BodySink& sink, const ProgressCallback& progress,
                               std::string_view what) {
  StreamParser parser;
  parser.body_limit(boost::none);  // streamed: any size
  parser.header_limit(detail::kHeaderLimit);
  connection.set_deadline(timeout);
  detail::Exchange exchange;
  exchange.error = connection.run_on_stream(
      [&](auto& stream, auto handler) { http::async_write(stream, message, handler); });
  if (!exchange.error) {
    exchange.error = connection.run_on_stream([&](auto& stream, auto handler) {
      http::async_read_header(stream, connection.buffer(), parser, handler);
    });
  }
  exchange.got_some = parser.got_some();
  if (exchange.error) return exchange;
  HttpResponse response = detail::response_head(parser.get());
  Status body = read_body(connection, timeout, parser, buffer, response, sink, progress, what);
  settle(connection, parser.get(), body.ok());
  if (body.ok()) {
    exchange.result = std::move(response);
  } else {
    exchange.result = std::move(body);
  }
  return exchange;
}

}  // namespace

Result<HttpResponse> HttpClient::download(std::string_view target, const BodySink& sink,
                                          const Headers& headers,
                                          const ProgressCallback& progress) {
  if (!impl_) return Status(Code::internal, "HttpClient used after move");
  const auto timeout = std::chrono::seconds(options_.timeout_seconds);
  std::optional<http::request<http::empty_body>> message;
  std::vector<char> buffer;
  const std::string what = "GET " + std::string(target);
  const auto attempt = [&](Connection& connection) {
    if (!message) {
      message.emplace();
      message->version(11);
      message->method(http::verb::get);
      message->target(target);
      detail::add_fields(*message, options_, headers, "");
      buffer.resize(kChunkSize);
    }
    return download_once(connection, timeout, *message, buffer, sink, progress, what);
  };
  return detail::run_exchange(impl_->connection, impl_->tls_setup, impl_->tls(), options_, what,
                              attempt);
}

}  // namespace tollgate::client
