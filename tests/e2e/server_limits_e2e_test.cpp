// The server's limits and lifecycle against a real tollgated: pipelining, header limits, the
// connection cap, a full store (507), and a drain on SIGTERM that loses no acknowledged write.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e {
namespace {

using client::HttpClient;
using client::HttpResponse;
namespace json = boost::json;

// Sends bytes over plain TCP and reads until the server closes.
std::string exchange_plain(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string write_config(const TempDir& dir, const std::string& text) {
  const std::string path = dir.file("tollgate.toml");
  std::ofstream(path) << text;
  return path;
}

const char* kType = R"({"name":"host","attributes":[{"name":"note","type":"string"}]})";

}  // namespace

TEST_CASE("pipelined requests are all answered, in order") {
  ServerProcess server({"--no-tls"});
  REQUIRE(server.start().ok());
  const std::string auth = "Authorization: Bearer " + server.bootstrap_token() + "\r\n";
  std::string requests;
  for (int i = 0; i < 5; ++i)
    requests +=
        fmt::format("GET /healthz?n={} HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-{}\r\n\r\n", i, i);
  requests += "GET /api/v1/cis HTTP/1.1\r\nHost: t\r\n" + auth + "Connection: close\r\n\r\n";
  const std::string answers = exchange_plain(server.port(), requests);
  CHECK(count_of(answers, "HTTP/1.1 200 OK") == 6);
  CHECK(answers.find("pipe-0") < answers.find("pipe-4"));
  CHECK(answers.find("pipe-4") < answers.find("\"items\""));
}

TEST_CASE("headers over the limit are refused with 431") {
  ServerProcess server;
  REQUIRE(server.start().ok());
  HttpClient c = server.client();
  auto r = must(
      c.raw("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  CHECK(r.status == 431);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(must(server.client().request("GET", "/healthz")).status == 200);
}

TEST_CASE("connections beyond the cap are closed; those within it are served") {
  TempDir dir;
  ServerProcess server({"--config", write_config(dir, "[server]\nmax_connections = 2\n")});
  REQUIRE(server.start().ok());
  HttpClient a = server.client(), b = server.client();
  REQUIRE(must(a.request("GET", "/healthz")).status == 200);
  REQUIRE(must(b.request("GET", "/healthz")).status == 200);
  HttpClient third = server.client();
  CHECK_FALSE(third.request("GET", "/healthz").ok());
  CHECK(must(a.request("GET", "/healthz")).status == 200);  // the kept connections still work
}

TEST_CASE("a full store answers 507 and keeps every write it acknowledged") {
  TempDir dir;
  ServerProcess server(
      {"--config", write_config(dir, "[storage]\nmap_size_mb = 1\nmax_map_size_mb = 1\n")});
  REQUIRE(server.start().ok());
  HttpClient c = server.admin_client();
  REQUIRE(must(c.request("POST", "/api/v1/ci-types", kType)).status == 201);
  const std::string note(4000, 'n');
  int created = 0;
  HttpResponse last;
  for (int i = 0; i < 2000; ++i) {
    last = must(c.request(
        "POST", "/api/v1/cis",
        fmt::format(R"({{"id":"h{}","type":"host","name":"h","attributes":{{"note":"{}"}}}})", i,
                    note)));
    if (last.status != 201) break;
    ++created;
  }
  REQUIRE(last.status == 507);
  CHECK(created > 10);
  auto problem = json::parse(last.body).as_object();
  CHECK(problem.at("type").as_string() == "urn:tollgate:problem:storage-full");
  CHECK(must(c.request("GET", "/api/v1/cis/h0")).status == 200);
  CHECK(must(c.request("GET", fmt::format("/api/v1/cis/h{}", created))).status == 404);
  REQUIRE(server.restart().ok());
  HttpClient after = server.admin_client();
  CHECK(must(after.request("GET", fmt::format("/api/v1/cis/h{}", created - 1))).status == 200);
}

TEST_CASE(
    "SIGTERM drains: in-flight writes finish, the server exits 0, nothing acknowledged is lost") {
  ServerProcess server;
  REQUIRE(server.start().ok());
  HttpClient setup = server.admin_client();
  REQUIRE(must(setup.request("POST", "/api/v1/ci-types", kType)).status == 201);
  std::atomic<bool> go{true};
  std::vector<std::vector<std::string>> acknowledged(4);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      HttpClient c = server.admin_client();
      for (int i = 0; go && i < 100000; ++i) {
        const std::string id = fmt::format("w{}-{}", t, i);
        auto r = c.request("POST", "/api/v1/cis",
                           fmt::format(R"({{"id":"{}","type":"host","name":"w"}})", id));
        if (!r.ok()) break;  // the server closed
        if (r->status == 201) acknowledged[t].push_back(id);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(server.stop() == 0);
  go = false;
  for (auto& w : writers) w.join();
  REQUIRE(server.restart().ok());
  HttpClient c = server.admin_client();
  std::size_t total = 0;
  for (const auto& ids : acknowledged) {
    total += ids.size();
    for (const auto& id : ids) {
      if (must(c.request("GET", "/api/v1/cis/" + id)).status != 200)
        FAIL("lost acknowledged write " << id);
    }
  }
  CHECK(total > 0);
}

}  // namespace tollgate::e2e
