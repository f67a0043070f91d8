// Bounded requests against a real tollgated: a body is read only after its headers are
// admitted (route, token, role, media type), a streamed body that trickles is answered 408 and
// frees its upload thread, and resumable upload sessions are capped per user and in all, with
// their bytes, and live no longer than their lifetime whatever PATCHes come.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/e2e/server_process.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/time.hpp"

namespace tollgate::e2e {
namespace {

using client::HttpClient;
using client::HttpResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;
namespace json = boost::json;

// The head of a request whose 1 MiB body is never sent.
std::string head_of(const std::string& method, const std::string& target, const std::string& token,
                    const std::string& media = "application/json") {
  std::string head =
      fmt::format("{} {} HTTP/1.1\r\nHost: t\r\nContent-Type: {}\r\n", method, target, media);
  if (!token.empty()) head += fmt::format("Authorization: Bearer {}\r\n", token);
  return head + "Content-Length: 1048576\r\n\r\n";
}

// Sends `head` and no body; returns the answer, which must come although the body does not,
// and checks that the connection closes after it (its unread body cannot be skipped).
std::string answered_without_body(std::uint16_t port, const std::string& head) {
  RawSocket socket(port);
  REQUIRE(socket.send(head));
  std::string answer = socket.read_response();
  CHECK(socket.closed_by_server());
  return answer;
}

std::string slug_of(const std::string& answer) {
  boost::system::error_code ec;
  const json::value body = json::parse(body_after_head(answer), ec);
  if (ec || !body.is_object() || !body.as_object().contains("type")) return {};
  return slug_of_problem_type(body.at("type").as_string());
}

// An admin client and a CI `app` of type `component` to put artifacts of.
struct Fixture {
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};

  Fixture(std::vector<std::string> args, const std::string& toml) : server(std::move(args)) {
    server.use_config(toml);
    const Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    REQUIRE(
        must(admin.request("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})"))
            .status == 201);
    REQUIRE(must(admin.request("POST", "/api/v1/cis",
                               R"({"id":"app","type":"component","name":"App"})"))
                .status == 201);
  }
};

}  // namespace

TEST_CASE("a body is read only after its headers are admitted: refusals come without it") {
  // A server that waited for the body would wait read_timeout: far past the test's 60 s.
  Fixture f({"--no-tls"}, "[server]\nread_timeout = 600\n");
  const std::string viewer = mint_token(f.admin, "vera", "viewer");
  const std::string admin = f.server.bootstrap_token();
  const std::uint16_t port = f.server.port();

  std::string answer = answered_without_body(port, head_of("POST", "/api/v1/ci-types", viewer));
  CHECK(status_of(answer) == 403);
  CHECK(slug_of(answer) == "forbidden-role");
  answer = answered_without_body(port, head_of("POST", "/api/v1/ci-types", ""));
  CHECK(status_of(answer) == 401);
  answer = answered_without_body(port,
                                 head_of("POST", "/api/v1/ci-types", "tg_" + std::string(64, 'f')));
  CHECK(status_of(answer) == 401);
  answer = answered_without_body(port, head_of("POST", "/api/v1/ci-types", admin, "text/plain"));
  CHECK(status_of(answer) == 415);
  answer = answered_without_body(port, head_of("POST", "/api/v1/no-such-route", admin));
  CHECK(status_of(answer) == 404);
  // A chunked body of unknown length, and the JSON form of a PCA (a streamed route), the same.
  answer = answered_without_body(port,
                                 "POST /api/v1/ci-types HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                 "application/json\r\nAuthorization: Bearer " +
                                     viewer + "\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(status_of(answer) == 403);
  answer = answered_without_body(port, head_of("POST", "/api/v1/audits/pca", viewer));
  CHECK(status_of(answer) == 403);
  CHECK(slug_of(answer) == "forbidden-role");

  // An admitted request's body is read when it comes, in pieces.
  RawSocket socket(port);
  const std::string type = R"({"name":"host","attributes":[]})";
  REQUIRE(
      socket.send(fmt::format("POST /api/v1/ci-types HTTP/1.1\r\nHost: t\r\nContent-Type: "
                              "application/json\r\nAuthorization: Bearer {}\r\n"
                              "Content-Length: {}\r\n\r\n",
                              admin, type.size())));
  std::this_thread::sleep_for(200ms);
  REQUIRE(socket.send(type));
  CHECK(status_of(socket.read_response()) == 201);

  // The refusal of a known person is in the audit log, as any refusal is.
  auto log = must(f.admin.request("GET", "/api/v1/audit-log?actor=vera&outcome=refused"));
  REQUIRE(log.status == 200);
  CHECK(body_of(log).at("items").as_array().size() == 3);
}

TEST_CASE("over TLS too, a refused request's body is not waited for") {
  Fixture f({}, "[server]\nread_timeout = 600\n");
  const std::string viewer = mint_token(f.admin, "vera", "viewer");
  HttpClient c = f.server.client();
  auto answer = must(c.raw(head_of("POST", "/api/v1/cis", viewer)));
  check_problem(answer, 403, "forbidden-role");
}

TEST_CASE("a streamed body that trickles is answered 408 body-too-slow and frees its thread") {
  // One upload thread: the trickler holds it until the pace rule frees it.
  Fixture f({"--no-tls"},
            "[server]\nmin_body_rate = 1000\nbody_rate_window = 2\n[artifacts]\nupload_threads = "
            "1\n");
  const std::string bytes(100'000, 'x');
  const std::string digest = sha256_of(bytes);
  RawSocket slow(f.server.port());
  REQUIRE(slow.send(fmt::format(
      "PUT /api/v1/artifacts/app/1.0/slow.bin HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n"
      "Content-Type: application/octet-stream\r\nX-Checksum-Sha256: {}\r\nContent-Length: "
      "{}\r\n\r\n",
      f.server.bootstrap_token(), digest, bytes.size())));
  std::atomic<bool> answered{false};
  std::thread trickle([&] {  // 50 bytes a second, a twentieth of the pace asked for
    for (std::size_t at = 0; at < bytes.size() && !answered; at += 10) {
      if (!slow.send(bytes.substr(at, 10))) break;
      std::this_thread::sleep_for(200ms);
    }
  });
  const std::string answer = slow.read_response();
  answered = true;
  trickle.join();
  CHECK(status_of(answer) == 408);
  CHECK(slug_of(answer) == "body-too-slow");

  // The one upload thread is free again: a body that keeps the pace is stored.
  auto put = must(f.admin.request("PUT", "/api/v1/artifacts/app/1.0/fast.bin", bytes,
                                  {{"X-Checksum-Sha256", digest}}));
  CHECK_MESSAGE(put.status == 201, put.body);
  CHECK(must(f.admin.request("GET", "/api/v1/artifacts/app/1.0/slow.bin")).status == 404);
  CHECK(metric_value(f.admin, R"(tollgate_request_timeouts_total{phase="body_rate"})") == 1);
}

TEST_CASE("resumable upload sessions are capped per user and in all, and so are their bytes") {
  Fixture f({},
            "[artifacts]\nmax_upload_sessions_per_user = 2\nmax_upload_sessions = 3\n"
            "max_upload_bytes_per_user_mb = 1\nmax_upload_bytes_mb = 2\n");
  HttpClient agent = f.server.client(mint_token(f.admin, "agent-1", "build_agent"));
  HttpClient other = f.server.client(mint_token(f.admin, "agent-2", "build_agent"));
  auto start = [](HttpClient& c) { return must(c.request("POST", "/api/v1/uploads")); };
  const HttpResponse first = start(agent);
  const HttpResponse second = start(agent);
  REQUIRE((first.status == 202 && second.status == 202));
  check_problem(start(agent), 429, "upload-sessions-per-user");
  REQUIRE(start(other).status == 202);
  check_problem(start(other), 429, "upload-sessions-full");

  const Headers octets = {{"Content-Type", "application/octet-stream"}};
  const std::string mib(1024 * 1024, 'm');
  CHECK(must(agent.request("PATCH", first.header("location"), mib, octets)).status == 202);
  check_problem(must(agent.request("PATCH", second.header("location"), "x", octets)), 507,
                "upload-bytes-per-user");
  CHECK(must(agent.request("DELETE", first.header("location"))).status == 204);
  CHECK(must(agent.request("PATCH", second.header("location"), "x", octets)).status == 202);
  CHECK(start(agent).status == 202);

  CHECK(metric_value(f.admin, R"(tollgate_upload_refusals_total{limit="sessions_per_user"})") == 1);
  CHECK(metric_value(f.admin, R"(tollgate_upload_refusals_total{limit="sessions"})") == 1);
  CHECK(metric_value(f.admin, R"(tollgate_upload_refusals_total{limit="bytes_per_user"})") == 1);
  CHECK(metric_value(f.admin, "tollgate_upload_sessions") == 3);
  CHECK(metric_value(f.admin, "tollgate_upload_bytes") == 1);
}

TEST_CASE("a PATCH renews a session's idle expiry but never past its lifetime") {
  Fixture f({}, "[artifacts]\nupload_expiry_hours = 24\nupload_lifetime_hours = 1\n");
  HttpClient agent = f.server.client(mint_token(f.admin, "agent-1", "build_agent"));
  const HttpResponse started = must(agent.request("POST", "/api/v1/uploads"));
  REQUIRE(started.status == 202);
  const auto session = body_of(started);
  const auto created = parse_rfc3339(session.at("created_at").as_string());
  const auto expires = parse_rfc3339(session.at("expires_at").as_string());
  REQUIRE((created && expires));
  CHECK(*expires - *created == 3'600'000'000);  // the lifetime, shorter than the idle expiry
  const HttpResponse patched = must(agent.request("PATCH", started.header("location"), "abc",
                                                  {{"Content-Type", "application/octet-stream"}}));
  REQUIRE(patched.status == 202);
  CHECK(body_of(patched).at("expires_at") == session.at("expires_at"));
}

}  // namespace tollgate::e2e
