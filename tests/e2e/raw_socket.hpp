// RawSocket: a plain TCP connection to 127.0.0.1 for end-to-end tests that speak HTTP by hand,
// a byte at a time if need be (the server runs with --no-tls), or that only watch whether the
// server closes a connection. Every read waits at most the receive timeout, so a test that
// expects an answer fails instead of hanging when none comes.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::e2e {

class RawSocket {
 public:
  // Connects; fails the test if it cannot. Reads wait at most `receive_timeout` for data.
  explicit RawSocket(std::uint16_t port,
                     std::chrono::seconds receive_timeout = std::chrono::seconds(60))
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(receive_timeout.count());
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Sends all of `bytes`; false once the server has closed (or reset) the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // How a read ended.
  enum class End { data, closed, timed_out };

  // Reads what is there (waiting up to the receive timeout) and appends it to `out`.
  End read_some(std::string& out) {
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      return End::data;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return End::timed_out;
    return End::closed;  // EOF or a reset
  }

  // Reads one response: its head and the Content-Length bytes of body after it. Stops early
  // (returning what came) when the server closes or the receive timeout passes.
  std::string read_response() {
    std::string out;
    for (;;) {
      const auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos && out.size() >= head_end + 4 + content_length(out))
        return out;
      if (read_some(out) != End::data) return out;
    }
  }

  // Reads until the server closes the connection; false if the receive timeout passes first.
  bool closed_by_server() {
    std::string ignored;
    for (;;) {
      switch (read_some(ignored)) {
        case End::data:
          continue;
        case End::closed:
          return true;
        case End::timed_out:
          return false;
      }
    }
  }

 private:
  static std::size_t content_length(const std::string& head) {
    const auto at = head.find("Content-Length: ");
    if (at == std::string::npos) return 0;
    return std::stoul(head.substr(at + 16, head.find("\r\n", at) - at - 16));
  }

  int fd_;
};

// The status code of a response read by RawSocket::read_response; 0 when none came.
inline unsigned status_of(const std::string& response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return static_cast<unsigned>(std::stoul(response.substr(9, 3)));
}

// The body of such a response.
inline std::string body_after_head(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

}  // namespace tollgate::e2e
