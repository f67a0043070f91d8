// HttpServer in-process, over plain HTTP on a loopback port, with a handler of the test's own:
// where handlers run. One I/O thread serves every connection here, so a read-only request that
// ran on it would hold every other connection until it ended.
#include "server/http/http_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "server/http/route.hpp"
#include "server/http/route_table.hpp"
#include "server/http/router.hpp"
#include "tests/e2e/raw_socket.hpp"

namespace tollgate::server {
namespace {

using e2e::RawSocket;

constexpr auto kPatience = std::chrono::seconds(10);

// Reads from `socket` until a whole response with an empty body has come ("\r\n\r\n" seen and
// Content-Length reached), or the socket ends.
std::string read_response(RawSocket& socket) {
  std::string out;
  while (out.find("\r\n\r\n") == std::string::npos || !out.ends_with("ok")) {
    if (socket.read_some(out) != RawSocket::End::data) break;
  }
  return out;
}

}  // namespace

TEST_CASE("the routes that run on an I/O thread are chosen one by one: constant work only") {
  std::set<std::string> on_io;
  for (const Route& route : routes()) {
    if (route.runs != Runs::io) continue;
    CHECK_MESSAGE(std::string_view(route.method) == "GET", route.pattern);
    on_io.insert(fmt::format("{} {}", route.method, route.pattern));
  }
  // A route added here must do a bounded amount of work before its first byte: one lookup, one
  // open file. Lists, reports, audits and the vault's documents run on the reader pool.
  CHECK(on_io == std::set<std::string>{"GET /healthz", "GET /metrics", "GET /api/v1/blobs/{digest}",
                                       "GET /api/v1/artifacts/{ci}/{version}/{file}"});
}

TEST_CASE("a read-only request of a pooled route runs off the I/O thread; a download's on it") {
  CHECK(runs_of("GET", "/api/v1/cis") == Runs::pool);
  CHECK(runs_of("GET", "/api/v1/reports/kpis") == Runs::pool);
  CHECK(runs_of("HEAD", "/api/v1/artifacts/a/1/f.bin") == Runs::io);
  CHECK(runs_of("GET", "/healthz") == Runs::io);
  CHECK(runs_of("GET", "/no/such/route") == Runs::io);
  CHECK(runs_of("GET", "not a target") == Runs::io);

  Config config;
  config.tls = false;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  config.threads = 1;
  config.reader_threads = 1;
  Metrics metrics;

  std::mutex mu;
  std::thread::id list_thread;
  std::thread::id health_thread;
  std::promise<void> health_answered;
  auto health_future = health_answered.get_future().share();
  bool list_saw_health = false;
  HttpServer server(
      config,
      [&](const Request& request) {
        Response response;
        response.content_type = "text/plain";
        response.body = "ok";
        if (request.target == "/healthz") {
          const std::lock_guard lock(mu);
          health_thread = std::this_thread::get_id();
          health_answered.set_value();
        } else {
          // Holds its thread until /healthz has been answered, which only another thread can do
          // when the server has one I/O thread.
          const bool saw = health_future.wait_for(kPatience) == std::future_status::ready;
          const std::lock_guard lock(mu);
          list_thread = std::this_thread::get_id();
          list_saw_health = saw;
        }
        return response;
      },
      [](const Request&) { return true; }, metrics);
  auto port = server.start("", "");
  REQUIRE(port.ok());
  std::thread serving([&server] { server.run(); });

  RawSocket list(*port);
  REQUIRE(list.send("GET /api/v1/cis HTTP/1.1\r\nHost: t\r\n\r\n"));
  RawSocket health(*port);
  REQUIRE(health.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  const std::string health_response = read_response(health);
  const std::string list_response = read_response(list);
  server.stop();
  serving.join();

  CHECK(health_response.starts_with("HTTP/1.1 200"));
  CHECK(list_response.starts_with("HTTP/1.1 200"));
  const std::lock_guard lock(mu);
  CHECK(list_saw_health);
  CHECK(list_thread != health_thread);
}

}  // namespace tollgate::server
