#include "cli/resumable_upload.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include <fmt/format.h>

namespace tollgate::cli {
namespace {

using client::Headers;
using client::HttpResponse;

constexpr std::string_view kUploadsPath = "/api/v1/uploads";
constexpr auto kMaxRetryDelay = std::chrono::milliseconds(30'000);

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Whether trying again may help: the connection failed, or the server was busy, timed out,
// failed inside, or wants the bytes from another offset (416).
bool retryable(const Result<HttpResponse>& result) {
  if (!result.ok()) return result.status().code() == Code::unavailable;
  const unsigned status = result->status;
  return status == 408 || status == 416 || status == 429 ||
         (status >= 500 && status != 501 && status != 507);
}

Status failure_of(const Result<HttpResponse>& result) {
  return result.ok() ? problem_status(*result) : result.status();
}

// A Location header as a request target: an absolute URL loses its scheme and authority.
std::string location_target(std::string_view location) {
  const std::size_t scheme = location.find("://");
  if (scheme == std::string_view::npos) return std::string(location);
  const std::size_t path = location.find('/', scheme + 3);
  return path == std::string_view::npos ? "/" : std::string(location.substr(path));
}

// One upload session from POST to the completing PUT.
class Session {
 public:
  Session(UploadTransport& transport, const UploadSource& source, const ResumableOptions& options,
          const client::ProgressCallback& progress)
      : transport_(transport), source_(source), options_(options), progress_(progress) {}

  Result<HttpResponse> run() {
    TG_RETURN_IF_ERROR(open());
    if (Status sent = send_all(); !sent.ok()) {
      cancel();
      return sent;
    }
    return complete();
  }

 private:
  Status open();
  Status send_all();
  // One PATCH of the chunk at offset_; advances offset_ when the server took it.
  Result<HttpResponse> send_chunk();
  // Asks the server how far the session got. Errors: not_found when it is gone.
  Result<std::uint64_t> query_offset();
  Result<HttpResponse> complete();
  Result<HttpResponse> deploy_by_checksum();
  void cancel() { (void)transport_.request("DELETE", location_, {}); }

  // Counts a failure; false once the attempts are spent. Pauses before the next attempt.
  bool another_attempt(int& failures) {
    if (++failures >= options_.max_attempts) return false;
    auto delay = options_.first_retry_delay * (1 << std::min(failures - 1, 16));
    transport_.pause(std::min<std::chrono::milliseconds>(delay, kMaxRetryDelay));
    return true;
  }

  Status checked_offset(std::uint64_t offset) const {
    if (offset > source_.size) {
      return internal_error(
          fmt::format("the server reports {} bytes of an upload of {}", offset, source_.size));
    }
    return {};
  }

  UploadTransport& transport_;
  const UploadSource& source_;
  const ResumableOptions& options_;
  const client::ProgressCallback& progress_;
  std::string location_;
  std::uint64_t offset_ = 0;
};

Status Session::open() {
  for (int failures = 0;;) {
    auto opened = transport_.request("POST", kUploadsPath, {});
    if (opened.ok() && (opened->status == 202 || opened->status == 201)) {
      location_ = location_target(opened->header("location"));
      if (location_.empty()) {
        TG_ASSIGN_OR_RETURN(auto body, json_object(*opened));
        const auto* id = body.if_contains("id");
        if (id == nullptr || !id->is_string()) return internal_error("upload session without id");
        location_ = fmt::format("{}/{}", kUploadsPath, percent_encode(id->get_string()));
      }
      offset_ = upload_offset(*opened).value_or(0);
      return checked_offset(offset_);
    }
    if (!retryable(opened) || !another_attempt(failures)) return failure_of(opened);
  }
}

Status Session::send_all() {
  int failures = 0;
  while (offset_ < source_.size) {
    const std::uint64_t before = offset_;
    auto sent = send_chunk();
    if (sent.ok() && sent->status / 100 == 2 && offset_ > before) {
      failures = 0;
      continue;
    }
    if (sent.ok() && sent->status / 100 == 2) {
      sent = Status(Code::unavailable, "the server took a chunk but did not advance");
    } else if (!retryable(sent)) {
      return failure_of(sent);
    }
    if (!another_attempt(failures)) {
      return {Code::unavailable, fmt::format("upload gave up after {} attempts at byte {}: {}",
                                             failures, offset_, failure_of(sent).message())};
    }
    auto reached = query_offset();
    if (!reached.ok() && reached.status().code() != Code::unavailable) return reached.status();
    if (reached.ok()) {
      if (*reached > offset_) failures = 0;
      offset_ = *reached;
    }
  }
  return {};
}

Result<HttpResponse> Session::send_chunk() {
  const std::uint64_t length = std::min(options_.chunk_size, source_.size - offset_);
  const std::uint64_t start = offset_;
  const Headers headers = {{"Content-Range", fmt::format("{}-{}", start, start + length - 1)},
                           {"Content-Type", "application/octet-stream"}};
  client::ProgressCallback chunk_progress;
  if (progress_) {
    chunk_progress = [&](std::uint64_t done, std::uint64_t) {
      progress_(start + done, source_.size);
    };
  }
  auto sent =
      transport_.send("PATCH", location_, {source_.fd, start, length}, headers, chunk_progress);
  if (sent.ok() && sent->status / 100 == 2) {
    const std::uint64_t reached = upload_offset(*sent).value_or(start + length);
    TG_RETURN_IF_ERROR(checked_offset(reached));
    offset_ = reached;
  }
  return sent;
}

Result<std::uint64_t> Session::query_offset() {
  TG_ASSIGN_OR_RETURN(const HttpResponse answer, transport_.request("GET", location_, {}));
  if (answer.status / 100 != 2) return problem_status(answer);
  const auto reached = upload_offset(answer);
  if (!reached) return internal_error("the upload session's status has no Upload-Offset");
  TG_RETURN_IF_ERROR(checked_offset(*reached));
  return *reached;
}

Result<HttpResponse> Session::complete() {
  const Coordinate& at = source_.coordinate;
  const std::string target =
      fmt::format("{}{}digest=sha256:{}&coordinate={}/{}/{}", location_,
                  location_.find('?') == std::string::npos ? '?' : '&', source_.sha256,
                  percent_encode(at.ci), percent_encode(at.version), percent_encode(at.file));
  bool lost = false;
  for (int failures = 0;;) {
    auto done = transport_.request("PUT", target, source_.headers);
    // A completed session is gone: a 404 after an answer went missing means "look it up".
    if (lost && done.ok() && done->status == 404) return deploy_by_checksum();
    if (!retryable(done)) return done;
    lost = true;
    if (!another_attempt(failures)) return failure_of(done);
  }
}

Result<HttpResponse> Session::deploy_by_checksum() {
  Headers headers = source_.headers;
  headers.emplace_back("X-Checksum-Sha256", source_.sha256);
  headers.emplace_back("X-Checksum-Deploy", "true");
  return transport_.request("PUT", artifact_path(source_.coordinate), headers);
}

}  // namespace

Result<HttpResponse> HttpTransport::request(std::string_view method, std::string_view target,
                                            const Headers& headers) {
  return http_.request(method, target, {}, headers);
}

Result<HttpResponse> HttpTransport::send(std::string_view method, std::string_view target,
                                         const client::FileBody& body, const Headers& headers,
                                         const client::ProgressCallback& progress) {
  return http_.upload(method, target, body, headers, progress);
}

void HttpTransport::pause(std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); }

std::optional<std::uint64_t> upload_offset(const HttpResponse& response) {
  if (const std::string offset = response.header("upload-offset"); !offset.empty()) {
    return parse_number(offset);
  }
  const std::string range_header = response.header("range");
  std::string_view range = range_header;
  if (range.starts_with("bytes=")) range.remove_prefix(6);
  if (!range.starts_with("0-")) return std::nullopt;
  const auto last = parse_number(range.substr(2));
  if (!last) return std::nullopt;
  return *last == 0 ? 0 : *last + 1;
}

Result<HttpResponse> resumable_upload(UploadTransport& transport, const UploadSource& source,
                                      const ResumableOptions& options,
                                      const client::ProgressCallback& progress) {
  if (options.chunk_size == 0 || options.max_attempts < 1) {
    return invalid("resumable upload: chunk size and attempts must be positive");
  }
  return Session(transport, source, options, progress).run();
}

}  // namespace tollgate::cli
