// The resumable upload against a fake server that loses chunks and answers on purpose.
#include "cli/resumable_upload.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "cli/local_file.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/digest.hpp"

using namespace tollgate;
using namespace tollgate::cli;
using tollgate::client::FileBody;
using tollgate::client::Headers;
using tollgate::client::HttpResponse;

namespace {

constexpr std::string_view kSession = "/api/v1/uploads/s1";

HttpResponse answer(unsigned status, Headers headers = {}, std::string body = {}) {
  HttpResponse response;
  response.status = status;
  for (auto& [name, value] : headers) response.headers.emplace_back(name, value);
  response.body = std::move(body);
  return response;
}

HttpResponse problem(unsigned status, const std::string& slug) {
  return answer(status, {{"content-type", "application/problem+json"}},
                fmt::format(R"({{"type":"urn:tollgate:problem:{}","title":"T","status":{},)"
                            R"("detail":"D"}})",
                            slug, status));
}

std::string sha256_of(std::string_view bytes) { return sha256_hex(bytes); }

// One upload session's server side, with faults to order.
class FakeServer final : public UploadTransport {
 public:
  // PATCH calls (numbered from 1) whose answer is lost after the server kept `kept` bytes.
  std::set<int> drop_patches;
  std::size_t kept = 0;
  std::set<int> forbid_patches;  // PATCH calls answered 403
  // PATCH calls before which the server loses its last 1000 bytes (a crash before their fsync).
  std::set<int> forget_before_patches;
  int lose_completion_answers = 0;
  bool expire_on_drop = false;  // the session is gone when asked after a drop

  std::string stored;
  bool session = false;
  bool completed = false;
  int patches = 0;
  std::vector<std::string> calls;
  std::vector<std::chrono::milliseconds> pauses;
  Headers completion_headers;

  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               const Headers& headers) override {
    calls.push_back(fmt::format("{} {}", method, target));
    if (method == "POST" && target == "/api/v1/uploads") {
      session = true;
      return answer(
          202, {{"location", std::string(kSession)}, {"upload-offset", "0"}, {"range", "0-0"}});
    }
    if (method == "GET" && target == kSession) {
      if (!session) return problem(404, "not-found");
      return answer(204, {{"upload-offset", std::to_string(stored.size())}});
    }
    if (method == "DELETE" && target == kSession) {
      session = false;
      return answer(204);
    }
    if (method == "PUT" && target.starts_with(kSession)) return complete(target, headers);
    if (method == "PUT" && target.starts_with("/api/v1/artifacts/")) {
      return completed ? answer(200, {{"content-type", "application/json"}}, R"({"by":"deploy"})")
                       : problem(404, "blob-unknown");
    }
    return problem(404, "not-found");
  }

  Result<HttpResponse> send(std::string_view method, std::string_view target, const FileBody& body,
                            const Headers& headers,
                            const client::ProgressCallback& progress) override {
    calls.push_back(fmt::format("{} {} {}", method, target, headers.at(0).second));
    REQUIRE(method == "PATCH");
    REQUIRE(headers.at(0).first == "Content-Range");
    const int number = ++patches;
    if (!session) return problem(404, "not-found");
    if (forbid_patches.contains(number)) return problem(403, "forbidden");
    if (forget_before_patches.contains(number)) stored.resize(stored.size() - 1000);
    if (headers.at(0).second.substr(0, headers.at(0).second.find('-')) !=
        std::to_string(stored.size())) {
      return answer(416, {{"upload-offset", std::to_string(stored.size())}});
    }
    std::string bytes(body.length, '\0');
    REQUIRE(pread(body.fd, bytes.data(), bytes.size(), static_cast<off_t>(body.offset)) ==
            static_cast<ssize_t>(bytes.size()));
    if (drop_patches.contains(number)) {
      stored += bytes.substr(0, kept);
      if (expire_on_drop) session = false;
      return Status(Code::unavailable, "PATCH: connection reset by peer");
    }
    stored += bytes;
    if (progress) progress(body.length, body.length);
    return answer(202, {{"location", std::string(kSession)},
                        {"upload-offset", std::to_string(stored.size())},
                        {"range", fmt::format("0-{}", stored.size() - 1)}});
  }

  void pause(std::chrono::milliseconds delay) override { pauses.push_back(delay); }

 private:
  Result<HttpResponse> complete(std::string_view target, const Headers& headers) {
    if (!session) return problem(404, "not-found");
    const std::string expected = fmt::format("{}?digest=sha256:{}&coordinate=ci/1.0%201/big.bin",
                                             kSession, sha256_of(stored));
    if (target != expected) return problem(400, "digest-mismatch");
    session = false;
    completed = true;
    completion_headers = headers;
    if (lose_completion_answers-- > 0) return Status(Code::unavailable, "PUT: timed out");
    return answer(201, {{"content-type", "application/json"}}, R"({"by":"session"})");
  }
};

struct Upload {
  tollgate::testing::TempDir dir;
  std::string content;
  InputFile file;
  UploadSource source;
  ResumableOptions options;

  explicit Upload(std::size_t size) : content(pattern(size)), file(open_file(dir, content)) {
    source = {file.fd(),
              file.size(),
              sha256_of(content),
              {"ci", "1.0 1", "big.bin"},
              {{"Content-Type", "application/x-test"}}};
    options.chunk_size = 1024 * 1024;
    options.max_attempts = 3;
  }

  static std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131) >> 3);
    return bytes;
  }

  static InputFile open_file(const tollgate::testing::TempDir& dir, const std::string& bytes) {
    const std::string path = dir.file("big.bin");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto file = InputFile::open(path);
    REQUIRE(file.ok());
    return std::move(file).value();
  }
};

}  // namespace

TEST_CASE("resumable upload: chunks with Content-Range, then the completing PUT") {
  Upload upload(3 * 1024 * 1024 + 5);
  FakeServer server;
  std::uint64_t last_done = 0, last_total = 0;
  auto done = resumable_upload(server, upload.source, upload.options,
                               [&](std::uint64_t d, std::uint64_t t) {
                                 CHECK(d >= last_done);
                                 last_done = d;
                                 last_total = t;
                               });
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  CHECK(done->status == 201);
  CHECK(done->body == R"({"by":"session"})");
  CHECK(server.stored == upload.content);
  CHECK(server.patches == 4);
  CHECK(server.calls.at(1) == "PATCH /api/v1/uploads/s1 0-1048575");
  CHECK(server.calls.at(4) == "PATCH /api/v1/uploads/s1 3145728-3145732");
  CHECK(server.completion_headers.at(0).second == "application/x-test");
  CHECK(last_done == upload.content.size());
  CHECK(last_total == upload.content.size());
  CHECK(server.pauses.empty());
}

TEST_CASE("resumable upload: a dropped PATCH resumes from where the server got to") {
  Upload upload(3 * 1024 * 1024);
  FakeServer server;
  server.drop_patches = {2};
  server.kept = 12345;  // the server kept part of the lost chunk
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  CHECK(done->status == 201);
  CHECK(server.stored == upload.content);
  CHECK(server.pauses.size() == 1);
  CHECK(std::find(server.calls.begin(), server.calls.end(), "GET /api/v1/uploads/s1") !=
        server.calls.end());
  CHECK(std::find(server.calls.begin(), server.calls.end(),
                  fmt::format("PATCH /api/v1/uploads/s1 {}-{}", 1048576 + 12345,
                              1048576 + 12345 + 1048575)) != server.calls.end());
}

TEST_CASE("resumable upload: a chunk lost with nothing kept is sent again") {
  Upload upload(2 * 1024 * 1024);
  FakeServer server;
  server.drop_patches = {1};
  server.kept = 0;
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE(done.ok());
  CHECK(server.stored == upload.content);
  CHECK(server.patches == 3);
}

TEST_CASE("resumable upload: a 416 (the server has fewer bytes) makes it ask and resume") {
  Upload upload(3 * 1024 * 1024);
  FakeServer server;
  server.forget_before_patches = {2};
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  CHECK(server.stored == upload.content);
  CHECK(std::find(server.calls.begin(), server.calls.end(),
                  fmt::format("PATCH /api/v1/uploads/s1 {}-{}", 1048576 - 1000,
                              2 * 1048576 - 1000 - 1)) != server.calls.end());
}

TEST_CASE("resumable upload: gives up after max_attempts failures without progress") {
  Upload upload(2 * 1024 * 1024);
  FakeServer server;
  server.drop_patches = {1, 2, 3, 4, 5, 6};
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_FALSE(done.ok());
  CHECK(done.status().code() == Code::unavailable);
  CHECK(done.status().message().find("gave up after 3 attempts") != std::string::npos);
  CHECK(server.pauses.size() == 2);
  CHECK(server.pauses.at(1) == 2 * server.pauses.at(0));  // backs off
  CHECK(server.calls.back() == "DELETE /api/v1/uploads/s1");
  CHECK_FALSE(server.session);
}

TEST_CASE("resumable upload: a refusal is not retried, and the session is cancelled") {
  Upload upload(2 * 1024 * 1024);
  FakeServer server;
  server.forbid_patches = {2};
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_FALSE(done.ok());
  CHECK(done.status().code() == Code::forbidden);
  CHECK(server.pauses.empty());
  CHECK(server.calls.back() == "DELETE /api/v1/uploads/s1");
}

TEST_CASE("resumable upload: an expired session is an error") {
  Upload upload(2 * 1024 * 1024);
  FakeServer server;
  server.drop_patches = {1};
  server.expire_on_drop = true;
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_FALSE(done.ok());
  CHECK(done.status().code() == Code::not_found);
}

TEST_CASE("resumable upload: a lost completion answer is found out by checksum deploy") {
  Upload upload(1024 * 1024 + 1);
  FakeServer server;
  server.lose_completion_answers = 1;
  auto done = resumable_upload(server, upload.source, upload.options);
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  CHECK(done->status == 200);
  CHECK(done->body == R"({"by":"deploy"})");
  CHECK(server.calls.back().starts_with("PUT /api/v1/artifacts/ci/1.0%201/big.bin"));
}

TEST_CASE("upload_offset reads Upload-Offset, else a docker-style Range") {
  CHECK(upload_offset(answer(202, {{"upload-offset", "42"}})) == 42u);
  CHECK(upload_offset(answer(202, {{"range", "0-41"}})) == 42u);
  CHECK(upload_offset(answer(202, {{"range", "bytes=0-9"}})) == 10u);
  CHECK(upload_offset(answer(202, {{"range", "0-0"}})) == 0u);
  CHECK_FALSE(upload_offset(answer(202, {})).has_value());
  CHECK_FALSE(upload_offset(answer(202, {{"upload-offset", "x"}})).has_value());
  CHECK_FALSE(upload_offset(answer(202, {{"range", "5-9"}})).has_value());
}
