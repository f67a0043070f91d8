// Resumable uploads: a large artifact sent as an upload session, chunk by chunk, resuming from
// where the server says it got to after a failed or dropped chunk.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/api.hpp"
#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::cli {

// The HTTP calls an upload session makes. HttpTransport sends them with an HttpClient; tests put
// a fake server behind this interface that drops chunks on purpose.
class UploadTransport {
 public:
  virtual ~UploadTransport() = default;
  // A request without a body.
  virtual Result<client::HttpResponse> request(std::string_view method, std::string_view target,
                                               const client::Headers& headers) = 0;
  // A request whose body is a range of a file.
  virtual Result<client::HttpResponse> send(std::string_view method, std::string_view target,
                                            const client::FileBody& body,
                                            const client::Headers& headers,
                                            const client::ProgressCallback& progress) = 0;
  // Waits before a retry.
  virtual void pause(std::chrono::milliseconds delay) = 0;
};

// UploadTransport over an HttpClient, which must outlive it; pause() sleeps.
class HttpTransport final : public UploadTransport {
 public:
  explicit HttpTransport(client::HttpClient& http) : http_(http) {}
  Result<client::HttpResponse> request(std::string_view method, std::string_view target,
                                       const client::Headers& headers) override;
  Result<client::HttpResponse> send(std::string_view method, std::string_view target,
                                    const client::FileBody& body, const client::Headers& headers,
                                    const client::ProgressCallback& progress) override;
  void pause(std::chrono::milliseconds delay) override;

 private:
  client::HttpClient& http_;
};

// What a session uploads.
struct UploadSource {
  int fd = -1;             // the file, open for reading; not owned
  std::uint64_t size = 0;  // bytes to send, from offset 0
  std::string sha256;      // its digest, lower-case hex
  Coordinate coordinate;   // where the artifact goes
  // Sent with the completing PUT (and a checksum deploy): Content-Type, X-Tollgate-*.
  client::Headers headers;
};

struct ResumableOptions {
  std::uint64_t chunk_size = std::uint64_t{32} << 20;  // bytes per PATCH
  int max_attempts = 5;  // failed attempts in a row without progress before giving up
  std::chrono::milliseconds first_retry_delay{500};  // doubled after each failure, up to 30 s
};

// Sends `source` as an upload session: POST /api/v1/uploads, PATCH chunks with Content-Range,
// then PUT {session}?digest=sha256:<hex>&coordinate=<ci>/<version>/<file> to complete it.
// After a PATCH that failed (connection lost, 416, 408, 429, a 5xx other than 507) it asks
// GET {session} how far the server got and resumes from there. Progress covers the whole file.
//
// Returns the answer of the completing PUT for the caller to judge: 201/200 with the artifact
// record, or the server's refusal (400 digest mismatch, 409 conflict, ...). Should that PUT's
// answer get lost and its retry find the session gone (it completed), a checksum deploy to the
// coordinate finds out what happened and its answer is returned instead.
// Errors: the last failure once max_attempts is spent; problem_status of a refusal of the
// session itself (401, 403, 404 for an expired session, 413, 507). A session given up on is
// cancelled (DELETE), on a best-effort basis.
Result<client::HttpResponse> resumable_upload(UploadTransport& transport,
                                              const UploadSource& source,
                                              const ResumableOptions& options,
                                              const client::ProgressCallback& progress = {});

// How far an upload session got, from a response's Upload-Offset header, or else from its
// docker-style Range "0-<last byte>" ("0-0" meaning nothing yet); nullopt when neither is there
// or they are malformed.
std::optional<std::uint64_t> upload_offset(const client::HttpResponse& response);

}  // namespace tollgate::cli
