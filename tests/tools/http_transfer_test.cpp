// HttpClient::upload and ::download against a minimal HTTP/1.1 server on a loopback socket in
// this process (no outside network): streaming both ways, bodies past the old 1 GiB response
// limit, problems kept whole, a failing sink, and keep-alive reuse after each.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "client/http_client.hpp"
#include "client/sha256.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/digest.hpp"

using namespace tollgate;
using tollgate::client::HttpClient;

namespace {

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Serves requests one connection at a time, several requests per connection, until stopped.
class LoopbackServer {
 public:
  // Gets the request head and the socket, with `pending` holding bytes read past the head.
  // Returns false to close the connection.
  using Handler = std::function<bool(int fd, const std::string& head, std::string& pending)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listen_fd_, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    if (const int fd = connection_.load(); fd >= 0) shutdown(fd, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }

  // Reads until `pending` holds `count` bytes (or the peer goes).
  static bool read_at_least(int fd, std::string& pending, std::size_t count) {
    char buffer[65536];
    while (pending.size() < count) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) return false;
      pending.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      ++connections_;
      connection_ = fd;
      std::string pending;
      while (!stopping_) {
        std::size_t end;
        char buffer[65536];
        while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
          const ssize_t n = read(fd, buffer, sizeof buffer);
          if (n <= 0) break;
          pending.append(buffer, static_cast<std::size_t>(n));
        }
        if (end == std::string::npos) break;
        const std::string head = pending.substr(0, end + 4);
        pending.erase(0, end + 4);
        if (!handler_(fd, head, pending)) break;
      }
      connection_ = -1;
      close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connection_{-1};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::uint64_t content_length(const std::string& head) {
  const std::size_t at = head.find("Content-Length: ");
  return at == std::string::npos ? 0 : std::stoull(head.substr(at + 16));
}

// GET /big: kBigSize bytes of a cheap pattern; GET /missing: a problem; PUT /upload: answers
// with the SHA-256 and size of the body it received; GET /small: "hi".
constexpr std::uint64_t kBigSize = (std::uint64_t{1} << 30) + 4096 + 7;

char pattern_byte(std::uint64_t offset) { return static_cast<char>(offset % 251); }

bool handle(int fd, const std::string& head, std::string& pending) {
  if (head.starts_with("GET /big ")) {
    if (!send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", kBigSize))) {
      return false;
    }
    std::string block(251 * 4096, '\0');
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = pattern_byte(i);
    for (std::uint64_t sent = 0; sent < kBigSize;) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), kBigSize - sent));
      if (!send_all(fd, std::string_view(block.data(), n))) return false;
      sent += n;
    }
    return true;
  }
  if (head.starts_with("GET /missing ")) {
    const std::string body = R"({"type":"urn:tollgate:problem:not-found","title":"Not found"})";
    return send_all(fd, fmt::format("HTTP/1.1 404 Not Found\r\nContent-Type: "
                                    "application/problem+json\r\nContent-Length: {}\r\n\r\n{}",
                                    body.size(), body));
  }
  if (head.starts_with("PUT /upload ")) {
    const std::uint64_t length = content_length(head);
    Sha256Hasher hasher;
    std::uint64_t received = 0;
    while (received < length) {
      if (pending.empty() && !LoopbackServer::read_at_least(fd, pending, 1)) return false;
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(pending.size(), length - received));
      hasher.update(std::string_view(pending).substr(0, n));
      pending.erase(0, n);
      received += n;
    }
    const std::string body = fmt::format("{} {}", hasher.hex_digest().value(), received);
    const bool octets = head.find("Content-Type: application/octet-stream") != std::string::npos;
    return send_all(fd, fmt::format("HTTP/1.1 201 Created\r\nContent-Length: {}\r\n"
                                    "X-Octet-Stream: {}\r\n\r\n{}",
                                    body.size(), octets ? "yes" : "no", body));
  }
  return send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
}

HttpClient client_for(const LoopbackServer& server) {
  client::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = server.port();
  options.tls = false;
  options.timeout_seconds = 30;
  return HttpClient(options);
}

}  // namespace

TEST_CASE("download streams a body over 1 GiB to the sink, then the connection is reused") {
  LoopbackServer server(handle);
  HttpClient http = client_for(server);
  std::uint64_t received = 0, chunks = 0, largest = 0, last_total = 0;
  bool in_order = true;
  auto answer = http.download(
      "/big",
      [&](std::string_view chunk) {
        in_order = in_order && chunk.front() == pattern_byte(received) &&
                   chunk.back() == pattern_byte(received + chunk.size() - 1);
        received += chunk.size();
        largest = std::max<std::uint64_t>(largest, chunk.size());
        ++chunks;
        return Status();
      },
      {}, [&](std::uint64_t, std::uint64_t total) { last_total = total; });
  REQUIRE_MESSAGE(answer.ok(), answer.status().to_string());
  CHECK(answer->status == 200);
  CHECK(answer->body.empty());
  CHECK(answer->header("content-length") == std::to_string(kBigSize));
  CHECK(received == kBigSize);
  CHECK(in_order);
  CHECK(largest <= 256 * 1024);
  CHECK(last_total == kBigSize);

  auto small = http.request("GET", "/small");
  REQUIRE(small.ok());
  CHECK(small->body == "hi");
  CHECK(server.connections() == 1);
}

TEST_CASE("download keeps a non-2xx body in the response and leaves the sink alone") {
  LoopbackServer server(handle);
  HttpClient http = client_for(server);
  bool sink_called = false;
  auto answer = http.download("/missing", [&](std::string_view) {
    sink_called = true;
    return Status();
  });
  REQUIRE(answer.ok());
  CHECK(answer->status == 404);
  CHECK(answer->header("content-type") == "application/problem+json");
  CHECK(answer->body.find("not-found") != std::string::npos);
  CHECK_FALSE(sink_called);
}

TEST_CASE("download stops at a sink error, which comes back as it is") {
  LoopbackServer server(handle);
  HttpClient http = client_for(server);
  int calls = 0;
  auto answer = http.download("/big", [&](std::string_view) {
    ++calls;
    return Status(Code::storage_full, "disk full");
  });
  REQUIRE_FALSE(answer.ok());
  CHECK(answer.status().code() == Code::storage_full);
  CHECK(answer.status().message() == "disk full");
  CHECK(calls == 1);
  // The half-read connection was dropped; the next request gets a fresh one.
  auto small = http.request("GET", "/small");
  REQUIRE_MESSAGE(small.ok(), small.status().to_string());
  CHECK(small->body == "hi");
}

TEST_CASE("upload streams a slice of a file with Content-Length and reports progress") {
  tollgate::testing::TempDir dir;
  std::string content(3 * 1024 * 1024 + 1003, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + 1);
  std::ofstream(dir.file("f"), std::ios::binary) << content;
  auto digest = client::sha256_file(dir.file("f"));
  REQUIRE(digest.ok());
  const int fd = open(dir.file("f").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);

  LoopbackServer server(handle);
  HttpClient http = client_for(server);
  const std::string slice = content.substr(1000, 3 * 1024 * 1024 + 3);
  std::vector<std::uint64_t> progress;
  auto answer = http.upload("PUT", "/upload", {fd, 1000, slice.size()}, {},
                            [&](std::uint64_t done, std::uint64_t total) {
                              CHECK(total == slice.size());
                              progress.push_back(done);
                            });
  REQUIRE_MESSAGE(answer.ok(), answer.status().to_string());
  CHECK(answer->status == 201);
  CHECK(answer->body == fmt::format("{} {}", sha256_hex(slice), slice.size()));
  CHECK(answer->header("x-octet-stream") == "yes");
  REQUIRE(progress.size() >= 2);
  CHECK(progress.front() == 0);
  CHECK(progress.back() == slice.size());
  CHECK(std::is_sorted(progress.begin(), progress.end()));

  // An empty body, on the same connection.
  auto empty = http.upload("PUT", "/upload", {fd, 0, 0});
  REQUIRE(empty.ok());
  CHECK(empty->body.ends_with(" 0"));
  CHECK(server.connections() == 1);

  // A file shorter than the length claimed is an io error, not a hang.
  auto short_file = http.upload("PUT", "/upload", {fd, content.size() - 10, 100});
  REQUIRE_FALSE(short_file.ok());
  CHECK(short_file.status().code() == Code::io);
  close(fd);
}
