// Request and Response as the router and handlers see them: plain values, no sockets, no Beast.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/blob_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

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

// The client certificate a TLS connection presented, as checked once after its handshake
// (server/client_cert.hpp). Only present when [tls] client_ca is set and the client sent one.
struct ClientCertificate {
  enum class Verdict {
    trusted,        // the chain verified against [tls] client_ca, dates and purpose included
    untrusted,      // another CA, a broken chain or signature, a revoked or unusable cert
    expired,        // the certificate (or one in its chain) is past its notAfter
    not_yet_valid,  // before its notBefore
    wrong_purpose,  // its extended key usage does not allow clientAuth
  };
  Verdict verdict = Verdict::untrusted;
  std::string verify_error;  // OpenSSL's words for a verdict other than trusted
  // The user id the configured field ([tls] client_identity) names; empty when the field is
  // missing, repeated or not a user id. Meaningful only for a trusted certificate.
  std::string user;
  std::string email;        // for san-email: the whole address, to match the user's e-mail
  std::string subject;      // one-line subject DN, for messages and logs
  std::string fingerprint;  // lower-case hex SHA-256 of the DER certificate
  Micros not_after = 0;

  bool trusted() const { return verdict == Verdict::trusted; }
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/cis?limit=10"
  HeaderList headers;  // names in lower case
  std::string body;    // the whole body, unless it streams
  // For streaming routes: the body, to be pulled by the handler; null when the whole body is
  // in `body` (an empty one, or a test's).
  BodyReader* body_stream = nullptr;
  std::string remote;      // peer address, for the access log
  std::string request_id;  // unique per request, echoed as X-Request-Id
  // The connection's client certificate; null when none was asked for or presented. Shared by
  // every request of the connection, computed once after the handshake.
  std::shared_ptr<const ClientCertificate> client_certificate;

  // The first value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
  bool has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return true;
    return false;
  }
};

// A response body served from a stored blob in chunks, never copied whole into memory.
struct FileBody {
  std::shared_ptr<storage::BlobReader> reader;
  std::uint64_t offset = 0;  // first byte sent
  std::uint64_t length = 0;  // bytes sent (Content-Length)
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers
  std::string body;
  // When set, the body is these bytes of a blob instead of `body`.
  std::optional<FileBody> file;
  // Filled by the router: the matched route pattern (static storage; for metrics and logs) and
  // the acting token's name.
  std::string_view route = "unmatched";
  std::string actor;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace tollgate::server
