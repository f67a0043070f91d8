// Smoke tests of a real tollgated: TLS, bootstrap token, authentication, errors, shutdown.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e {
namespace {

using client::HttpResponse;

// Starts `server` or fails the test with the status, which carries the server's log.
void require_started(ServerProcess& server) {
  const Status status = server.start();
  REQUIRE_MESSAGE(status.ok(), status.to_string());
}

HttpResponse require_response(Result<HttpResponse> response) {
  REQUIRE_MESSAGE(response.ok(), response.status().to_string());
  return std::move(response).value();
}

bool is_problem(const HttpResponse& response) {
  return response.header("content-type").rfind("application/problem+json", 0) == 0;
}

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST_CASE("healthz answers over HTTPS verified against the generated certificate") {
  ServerProcess server;
  require_started(server);
  CHECK(server.port() != 0);

  auto client = server.client();
  const auto health = require_response(client.request("GET", "/healthz"));
  CHECK(health.status == 200);
  // The same connection serves a second request.
  CHECK(require_response(client.request("GET", "/healthz")).status == 200);
}

TEST_CASE("the client reconnects when the server closed its idle connection") {
  TempDir config_dir;
  const std::string config = config_dir.file("tollgate.toml");
  std::ofstream(config) << "[server]\nidle_timeout = 1\n";
  ServerProcess server({"--config", config});
  require_started(server);

  auto client = server.client();
  CHECK(require_response(client.request("GET", "/healthz")).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(require_response(client.request("GET", "/healthz")).status == 200);
}

TEST_CASE("a raw request on its own connection is answered") {
  ServerProcess server;
  require_started(server);
  auto client = server.client();
  const auto response = require_response(
      client.raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  CHECK(response.status == 200);
}

TEST_CASE("the bootstrap token is written to a private file on the first start only") {
  ServerProcess server;
  require_started(server);
  const std::string token = server.bootstrap_token();
  REQUIRE_FALSE(token.empty());
  const std::string token_file = server.data_dir() + "/bootstrap-token";
  CHECK(count_of(server.last_start_log(), "bootstrap admin token of user 'admin' written to " +
                                              token_file + " (mode 0600)\n") == 1);
  CHECK(std::filesystem::status(token_file).permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK(server.log().find(token) == std::string::npos);  // never printed

  const Status restarted = server.restart();
  REQUIRE_MESSAGE(restarted.ok(), restarted.to_string());
  CHECK(count_of(server.last_start_log(), "bootstrap admin token") == 0);
  CHECK(count_of(server.log(), "bootstrap admin token") == 1);
  CHECK(server.log().find(token) == std::string::npos);

  // It stays valid across restarts and belongs to the user admin.
  auto client = server.client(token);
  CHECK(require_response(client.request("GET", "/api/v1/cis")).status == 200);
  const auto me = require_response(client.request("GET", "/api/v1/whoami"));
  CHECK(me.status == 200);
  CHECK_MESSAGE(me.body.find(R"("user":"admin")") != std::string::npos, me.body);
}

TEST_CASE("a client that does not trust the server's certificate refuses it") {
  ServerProcess server;
  require_started(server);

  SUBCASE("the system trust store") {
    client::ClientOptions options = server.client().options();
    options.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    client::HttpClient client(options);
    const auto response = client.request("GET", "/healthz");
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Code::invalid);
  }

  SUBCASE("another self-signed certificate") {
    TempDir other;
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=x "
        "-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
        other.file("key.pem") + " -out " + other.file("cert.pem") + " 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    client::ClientOptions options = server.client().options();
    options.ca_file = other.file("cert.pem");
    client::HttpClient client(options);
    const auto response = client.request("GET", "/healthz");
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Code::invalid);
  }
}

TEST_CASE("the API requires a token and answers errors as problem+json") {
  ServerProcess server;
  require_started(server);

  auto anonymous = server.client();
  const auto unauthorized = require_response(anonymous.request("GET", "/api/v1/cis"));
  CHECK(unauthorized.status == 401);
  CHECK(is_problem(unauthorized));

  auto admin = server.admin_client();
  const auto listed = require_response(admin.request("GET", "/api/v1/cis"));
  CHECK(listed.status == 200);

  const auto missing = require_response(admin.request("GET", "/api/v1/no-such-route"));
  CHECK(missing.status == 404);
  CHECK(is_problem(missing));
}

TEST_CASE("--no-tls serves plain HTTP") {
  ServerProcess server({"--no-tls"});
  require_started(server);
  REQUIRE_FALSE(server.tls());

  auto client = server.client();
  CHECK(require_response(client.request("GET", "/healthz")).status == 200);

  client::ClientOptions tls_options = client.options();
  tls_options.tls = true;
  client::HttpClient tls_client(tls_options);
  CHECK_FALSE(tls_client.request("GET", "/healthz").ok());
}

TEST_CASE("SIGTERM stops the server with exit status 0") {
  ServerProcess server;
  require_started(server);
  auto client = server.client();
  REQUIRE(require_response(client.request("GET", "/healthz")).status == 200);

  CHECK(server.stop() == 0);
  CHECK_FALSE(server.running());
  CHECK_FALSE(client.request("GET", "/healthz").ok());
}

}  // namespace
}  // namespace tollgate::e2e
