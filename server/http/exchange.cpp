#include "server/http/exchange.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>

#include "server/http/security_headers.hpp"

namespace tollgate::server::connection {

namespace http = beast::http;

namespace {

constexpr std::size_t kMaxRequestIdLength = 64;

template <class Body>
void fill_header(http::response<Body>& res, Exchange& exchange, Response& r, bool draining) {
  res.version(exchange.version);
  res.result(r.status);
  res.set(http::field::server, "tollgate");
  res.set("X-Request-Id", exchange.request_id);
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res.insert(name, value);
  exchange.keep_alive = exchange.keep_alive && !exchange.close_after && !draining;
  res.keep_alive(exchange.keep_alive);
}

}  // namespace

std::uint64_t prepare_response(Exchange& exchange, Response& r, bool draining) {
  add_security_headers(r);
  std::uint64_t length = 0;
  if (r.file && !exchange.head) {
    exchange.file_response = std::make_unique<http::response<BlobBody>>();
    auto& res = *exchange.file_response;
    fill_header(res, exchange, r, draining);
    length = r.file->length;
    res.body() = std::move(*r.file);
    res.prepare_payload();
    exchange.file_serializer = std::make_unique<http::response_serializer<BlobBody>>(res);
  } else {
    auto& res = exchange.response;
    fill_header(res, exchange, r, draining);
    length = r.file ? r.file->length : r.body.size();
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (exchange.head) {
      res.body().clear();
      res.content_length(length);  // that of the full body
    }
  }
  return length;
}

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  return true;
}

}  // namespace tollgate::server::connection
