// BlobBody, the body of a response served from a stored blob: whole and in chunks from its
// offset, and cut short with an I/O error (which closes the connection: the client sees fewer
// bytes than Content-Length, never other bytes) when the blob fails to read or shrinks.
#include "server/http/body_stream.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <boost/beast/http/message.hpp>

namespace tollgate::server::connection {
namespace {

namespace http = beast::http;

// A blob of `bytes` that claims `size` bytes, and whose reads from `fail_from` on fail.
class ScriptedReader final : public storage::BlobReader {
 public:
  ScriptedReader(std::string bytes, std::uint64_t size, std::optional<std::uint64_t> fail_from)
      : bytes_(std::move(bytes)), size_(size), fail_from_(fail_from) {}

  const std::string& digest() const override { return digest_; }
  std::uint64_t size() const override { return size_; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override {
    if (fail_from_ && offset >= *fail_from_) return io_error("read: Input/output error");
    if (offset >= bytes_.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(buffer.size(), bytes_.size() - offset);
    std::copy_n(bytes_.data() + offset, n, buffer.data());
    return n;
  }
  Result<std::size_t> read(std::span<char>) override { return internal_error("not used"); }

 private:
  std::string bytes_;
  std::string digest_ = std::string(64, '0');
  std::uint64_t size_;
  std::optional<std::uint64_t> fail_from_;
};

// What Beast's serializer gets from BlobBody::writer for `body`: the bytes, and the error that
// ended them (none when the body ended as declared).
std::pair<std::string, beast::error_code> serve(const FileBody& body) {
  http::response<BlobBody> response;
  response.body() = body;
  BlobBody::writer writer(response.base(), response.body());
  beast::error_code ec;
  writer.init(ec);
  std::string out;
  while (!ec) {
    auto chunk = writer.get(ec);
    if (ec || !chunk) break;
    out.append(static_cast<const char*>(chunk->first.data()), chunk->first.size());
    if (!chunk->second) break;
  }
  return {out, ec};
}

std::string pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + i % 23);
  return out;
}

}  // namespace

TEST_CASE("a blob body is served whole, chunk by chunk, from its offset") {
  const std::string bytes = pattern(2 * kFileChunk + 1000);
  auto reader = std::make_shared<ScriptedReader>(bytes, bytes.size(), std::nullopt);
  const auto whole = serve({reader, 0, bytes.size()});
  CHECK_FALSE(whole.second);
  CHECK(whole.first == bytes);
  const auto range = serve({reader, 10, kFileChunk + 5});
  CHECK_FALSE(range.second);
  CHECK(range.first == bytes.substr(10, kFileChunk + 5));
}

TEST_CASE("a blob that fails mid-body ends the body short with an I/O error") {
  const std::string bytes = pattern(3 * kFileChunk);
  auto reader = std::make_shared<ScriptedReader>(bytes, bytes.size(), kFileChunk);
  const auto served = serve({reader, 0, bytes.size()});
  CHECK(served.second == boost::system::errc::io_error);
  CHECK(served.first == bytes.substr(0, kFileChunk));
}

TEST_CASE("a blob shorter than recorded ends the body short with an I/O error") {
  const std::string bytes = pattern(kFileChunk + 10);
  auto reader = std::make_shared<ScriptedReader>(bytes, 2 * kFileChunk, std::nullopt);
  const auto served = serve({reader, 0, 2 * kFileChunk});
  CHECK(served.second == boost::system::errc::io_error);
  CHECK(served.first == bytes);
}

}  // namespace tollgate::server::connection
