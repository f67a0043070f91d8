// Bodies that stream over a connection, both ways, so that memory stays flat whatever their size:
// BlobBody serves a response from a stored blob one large chunk at a time; StreamReader is the
// domain's BodyReader over a request body that the connection's I/O thread reads as the handler
// pulls it. Private to server/http (with session.*, listener.* and http_server.*, the only files
// that include Beast and Asio).
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include "server/domain/body_reader.hpp"
#include "server/http/http_types.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::connection {

namespace beast = boost::beast;

// Bytes read from a blob per write of a file response.
inline constexpr std::size_t kFileChunk = 256 * 1024;
// Socket reads of a streaming request body.
inline constexpr std::size_t kStreamReadBuffer = 256 * 1024;

// A Beast body that serves FileBody: a range of a stored blob, one chunk at a time. A blob that
// shrinks or fails to read ends the response short with an I/O error.
struct BlobBody {
  using value_type = FileBody;

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(beast::error_code& ec);
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec);

   private:
    const value_type& body_;
    std::uint64_t position_ = 0;
    std::uint64_t remaining_ = 0;
    std::vector<char> buffer_;
  };
};

// One fill of a buffer by the connection's I/O thread. `keep` holds the buffer while the fill
// runs when the reader owns it (a read-ahead may outlive the handler's interest in it).
struct ChunkPromise {
  std::promise<Result<std::size_t>> promise;
  std::shared_ptr<char[]> keep;
  void set_value(Result<std::size_t> result) { promise.set_value(std::move(result)); }
};

// The connection's side of a streaming request body, as a StreamReader sees it (the session).
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Hands a fill of `buffer` to the connection's I/O thread, which sets `promise` to the bytes
  // it put there (0: the body ended) or to why it could not.
  virtual void fill(std::span<char> buffer, std::shared_ptr<ChunkPromise> promise) = 0;
  // The body is all in: set on the I/O thread before the fill that took its last bytes is
  // handed over, so that the handler needs no further hand-over to learn that it ended.
  virtual bool body_done() const = 0;
  // The server is stopping: no fill will complete any more.
  virtual bool stopped() const = 0;
};

// Bodies at least this large (or of unknown length) are read ahead.
inline constexpr std::size_t kReadAheadBuffer = 1024 * 1024;
inline constexpr std::uint64_t kReadAheadFrom = 2 * kReadAheadBuffer;

// The BodyReader handed to a streaming handler; read() runs on the handler's thread. A small
// body is read straight into the handler's buffer, one hand-over to the I/O thread per read. A
// large one is read ahead into two buffers of the reader's, so that receiving (and TLS
// decryption) overlaps with the handler's work; the handler's read then copies from the buffer
// filled last. A read that waits while the server stops fails with unavailable.
class StreamReader final : public BodyReader {
 public:
  // `length`: the declared Content-Length; nullopt for a chunked body.
  StreamReader(std::shared_ptr<ChunkSource> source, std::optional<std::uint64_t> length)
      : source_(std::move(source)),
        length_(length),
        read_ahead_(!length || *length >= kReadAheadFrom) {}

  ~StreamReader() override { settle(); }

  Result<std::size_t> read(std::span<char> buffer) override;
  std::optional<std::uint64_t> remaining() const override;

  // Waits for a read-ahead still in flight, so that the connection can go on once the handler
  // has answered (the fill ends with the bytes the client sends or with the read timeout).
  void settle() {
    if (in_flight_) (void)wait(std::exchange(in_flight_, nullptr));
  }

 private:
  Result<std::size_t> read_direct(std::span<char> buffer);
  // Makes the next read-ahead buffer ready when none is; 0 at the end of the body.
  Result<std::size_t> take_read_ahead();
  std::shared_ptr<ChunkPromise> start(std::span<char> buffer, std::shared_ptr<char[]> keep);
  void begin_read_ahead(std::shared_ptr<char[]> buffer);
  Result<std::size_t> wait(const std::shared_ptr<ChunkPromise>& fill);

  std::shared_ptr<ChunkSource> source_;
  std::optional<std::uint64_t> length_;
  bool read_ahead_;
  std::uint64_t delivered_ = 0;
  std::shared_ptr<ChunkPromise> in_flight_;  // the read-ahead being filled
  std::shared_ptr<char[]> filling_;          // its buffer
  std::shared_ptr<char[]> current_;          // the buffer `ready_` points into
  std::span<const char> ready_;              // filled bytes the handler has not taken yet
};

// The Content-Length a request's header declares (`field`, its value); nullopt when it has none
// (a chunked body) or it is not a number.
std::optional<std::uint64_t> declared_length(std::string_view field);

// Why reading a streaming body failed, as the handler's read answers it: too_large over `limit`,
// unavailable for a timeout or anything else.
Status body_read_failure(beast::error_code ec, std::uint64_t limit);

// Status reason of a streamed body that fell behind its pace (BodyPace): 408.
inline constexpr const char* kBodyTooSlowReason = "body-too-slow";

// The read failure of a body slower than `min_rate` bytes a second over `window_seconds`:
// request_timeout "body-too-slow".
Status body_too_slow(std::uint64_t min_rate, unsigned window_seconds);

}  // namespace tollgate::server::connection
