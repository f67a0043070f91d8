// A stream of bytes a service pulls in chunks: the body of a request that is not held in memory
// (an artifact upload, a PCA inventory). The HTTP front implements it over the connection; a
// service sees only this interface, so it knows nothing of sockets or HTTP.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::server {

// A request body that is streamed rather than held in memory (routes with BodyKind::stream).
// The handler pulls it in chunks; it is used from one thread at a time.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Copies the next bytes of the body into buffer and returns how many; 0 once the body is
  // over. Errors: too_large past the configured limit; unavailable when the connection failed,
  // timed out or the server is stopping.
  virtual Result<std::size_t> read(std::span<char> buffer) = 0;
  // How many bytes are left, when that is known (a Content-Length): lets a handler size its
  // buffer to a small body instead of allocating for a large one.
  virtual std::optional<std::uint64_t> remaining() const { return std::nullopt; }
};

// A handler's buffer for pulling a body: `limit` bytes, or less when the body is known to be
// smaller. Not zero-filled: every byte is written by a read before it is used.
class BodyBuffer {
 public:
  BodyBuffer(const BodyReader& body, std::size_t limit)
      : size_(std::max<std::size_t>(1, static_cast<std::size_t>(std::min<std::uint64_t>(
                                           limit, body.remaining().value_or(limit))))),
        data_(new char[size_]) {}
  std::span<char> span() { return {data_.get(), size_}; }
  const char* data() const { return data_.get(); }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
};

// A BodyReader over bytes already in memory (for bodies the server read whole, and for tests).
class StringBodyReader final : public BodyReader {
 public:
  explicit StringBodyReader(std::string_view bytes) : rest_(bytes) {}
  Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t n = std::min(buffer.size(), rest_.size());
    rest_.copy(buffer.data(), n);
    rest_.remove_prefix(n);
    return n;
  }
  std::optional<std::uint64_t> remaining() const override { return rest_.size(); }

 private:
  std::string_view rest_;
};

}  // namespace tollgate::server
