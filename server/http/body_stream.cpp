#include "server/http/body_stream.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace tollgate::server::connection {

namespace http = beast::http;

namespace {

// How often a waiting read looks whether the server is stopping.
constexpr auto kStopPoll = std::chrono::milliseconds(200);

}  // namespace

void BlobBody::writer::init(beast::error_code& ec) {
  ec = {};
  position_ = body_.offset;
  remaining_ = body_.length;
  buffer_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kFileChunk, remaining_)));
}

boost::optional<std::pair<BlobBody::writer::const_buffers_type, bool>> BlobBody::writer::get(
    beast::error_code& ec) {
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
  return std::make_pair(boost::asio::const_buffer(buffer_.data(), *got), remaining_ > 0);
}

Result<std::size_t> StreamReader::read(std::span<char> buffer) {
  if (buffer.empty()) return std::size_t{0};
  if (!read_ahead_) return read_direct(buffer);
  if (ready_.empty()) {
    TG_ASSIGN_OR_RETURN(const std::size_t n, take_read_ahead());
    if (n == 0) return std::size_t{0};
  }
  const std::size_t n = std::min(buffer.size(), ready_.size());
  std::copy_n(ready_.data(), n, buffer.data());
  ready_ = ready_.subspan(n);
  delivered_ += n;
  return n;
}

std::optional<std::uint64_t> StreamReader::remaining() const {
  if (!length_) return std::nullopt;
  return *length_ - std::min(*length_, delivered_);
}

Result<std::size_t> StreamReader::read_direct(std::span<char> buffer) {
  if (source_->body_done()) return std::size_t{0};
  auto fill = start(buffer, nullptr);
  TG_ASSIGN_OR_RETURN(const std::size_t n, wait(fill));
  delivered_ += n;
  return n;
}

Result<std::size_t> StreamReader::take_read_ahead() {
  if (!in_flight_) {
    if (source_->body_done()) return std::size_t{0};
    begin_read_ahead(nullptr);
  }
  TG_ASSIGN_OR_RETURN(const std::size_t n, wait(std::exchange(in_flight_, nullptr)));
  // The buffer just filled becomes current; the one before it is free for the next fill.
  std::shared_ptr<char[]> free = std::exchange(current_, std::exchange(filling_, nullptr));
  if (n == 0) return std::size_t{0};
  ready_ = std::span<const char>(current_.get(), n);
  // The next buffer fills while the handler works on this one.
  if (!source_->body_done()) begin_read_ahead(std::move(free));
  return n;
}

std::shared_ptr<ChunkPromise> StreamReader::start(std::span<char> buffer,
                                                  std::shared_ptr<char[]> keep) {
  auto fill = std::make_shared<ChunkPromise>();
  fill->keep = std::move(keep);
  source_->fill(buffer, fill);
  return fill;
}

void StreamReader::begin_read_ahead(std::shared_ptr<char[]> buffer) {
  if (!buffer) buffer = std::shared_ptr<char[]>(new char[kReadAheadBuffer]);
  filling_ = buffer;
  in_flight_ = start(std::span<char>(buffer.get(), kReadAheadBuffer), buffer);
}

Result<std::size_t> StreamReader::wait(const std::shared_ptr<ChunkPromise>& fill) {
  auto future = fill->promise.get_future();
  while (future.wait_for(kStopPoll) == std::future_status::timeout)
    if (source_->stopped()) return Status(Code::unavailable, "the server is stopping");
  return future.get();
}

std::optional<std::uint64_t> declared_length(std::string_view field) {
  if (field.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec == std::errc() && end == field.data() + field.size()) return value;
  return std::nullopt;
}

Status body_read_failure(beast::error_code ec, std::uint64_t limit) {
  if (ec == http::error::body_limit)
    return Status(Code::too_large,
                  fmt::format("the request body is over the limit of {} bytes", limit));
  if (ec == beast::error::timeout)
    return Status(Code::unavailable, "timed out waiting for the request body");
  return Status(Code::unavailable, fmt::format("reading the request body: {}", ec.message()));
}

Status body_too_slow(std::uint64_t min_rate, unsigned window_seconds) {
  return Status(Code::request_timeout,
                fmt::format("the request body came slower than {} bytes a second (over {} s of "
                            "waiting, [server] min_body_rate): the server stopped reading it",
                            min_rate, window_seconds))
      .with_reason(kBodyTooSlowReason);
}

}  // namespace tollgate::server::connection
