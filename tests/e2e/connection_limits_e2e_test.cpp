// Bounded connections against a real tollgated: the open-file limit raised at start and the
// connection cap fitted to it, the accept loop pausing (not spinning) while descriptors run out,
// the cap per remote address, and the whole-headers deadline against slowloris clients.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e {
namespace {

using client::HttpClient;
using namespace std::chrono_literals;

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

// The soft "Max open files" of process `pid`, from /proc.
std::uint64_t soft_open_files(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/limits", pid));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Max open files")) continue;
    std::istringstream fields(line.substr(std::string_view("Max open files").size()));
    std::uint64_t soft = 0;
    fields >> soft;
    return soft;
  }
  FAIL("no 'Max open files' in /proc/" << pid << "/limits");
  return 0;
}

// The lowest descriptor number process `pid` does not use: the one its next open would take.
int lowest_free_descriptor(pid_t pid) {
  std::set<int> used;
  for (const auto& entry : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid)))
    used.insert(std::stoi(entry.path().filename().string()));
  int fd = 0;
  while (used.contains(fd)) ++fd;
  return fd;
}

// CPU seconds process `pid` has used, user and system.
double cpu_seconds(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  for (int i = 3; i < 14; ++i) fields >> field;  // state .. cmajflt: fields 3 to 13
  unsigned long long user = 0, system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Waits up to `limit` for `condition`, checking every 100 ms.
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

}  // namespace

TEST_CASE("at start the open-file limit is raised and max_connections is fitted to it") {
  ServerProcess server({"--no-tls"});
  server.set_open_file_limit(256, 1024);
  REQUIRE(server.start().ok());
  CHECK(soft_open_files(server.pid()) == 1024);
  // (1024 - 320 kept for the store, the vault and upload files) / 2 descriptors a connection
  CHECK(contains(server.last_start_log(), "max_connections lowered from 10000 to 352"));
  HttpClient c = server.client();
  CHECK(metric_value(c, "tollgate_max_connections") == 352);
  CHECK(metric_value(c, "tollgate_open_files_limit") == 1024);

  server.use_config("[server]\nmax_connections = 100\n");
  REQUIRE(server.restart().ok());
  CHECK_FALSE(contains(server.last_start_log(), "max_connections lowered"));
  HttpClient after = server.client();
  CHECK(metric_value(after, "tollgate_max_connections") == 100);
}

TEST_CASE("out of descriptors, the accept loop pauses instead of spinning, and recovers") {
#if defined(__SANITIZE_ADDRESS__)
  // A sanitizer's runtime needs free descriptors of its own: UBSan checks the object of a
  // virtual call by asking the kernel, through a pipe, whether its memory is readable, so a
  // server with none free reports a false "invalid vptr" and halts. The normal build runs this.
  MESSAGE("not run under the sanitizers: their runtime needs free descriptors");
  return;
#endif
  ServerProcess server({"--no-tls"});
  REQUIRE(server.start().ok());
  RawSocket kept(server.port());
  REQUIRE(kept.send(kHealthz));
  REQUIRE(status_of(kept.read_response()) == 200);

  // The server's next descriptor would be over its soft limit: every accept fails with EMFILE.
  rlimit old{};
  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &old) == 0);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free_descriptor(server.pid()));
  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, &tight, nullptr) == 0);
  std::vector<std::unique_ptr<RawSocket>> waiting;  // in the listen backlog, not accepted
  for (int i = 0; i < 3; ++i) waiting.push_back(std::make_unique<RawSocket>(server.port()));
  CHECK(eventually([&] { return contains(server.log(), "pausing the accept loop"); }));

  // A spinning loop retries as fast as it can and burns a core; a pausing one retries a few
  // times a second at most (50 ms, doubling to 1 s): a handful of pauses in these seconds.
  const double before = cpu_seconds(server.pid());
  std::this_thread::sleep_for(3s);
  CHECK(cpu_seconds(server.pid()) - before < 0.3);
  REQUIRE(kept.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"));
  const std::string metrics = kept.read_response();
  REQUIRE(status_of(metrics) == 200);
  const std::string name = "\ntollgate_accept_backoffs_total ";
  const auto at = metrics.find(name);
  REQUIRE(at != std::string::npos);
  const double pauses = std::stod(metrics.substr(at + name.size()));
  CHECK(pauses >= 1);
  CHECK(pauses < 100);

  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, &old, nullptr) == 0);
  for (auto& socket : waiting) {
    REQUIRE(socket->send(kHealthz));
    CHECK(status_of(socket->read_response()) == 200);
  }
}

TEST_CASE("one address gets max_connections_per_address connections; more are closed before TLS") {
  ServerProcess server;
  server.use_config("[server]\nmax_connections_per_address = 2\n");
  REQUIRE(server.start().ok());
  HttpClient a = server.client();
  auto b = std::make_unique<HttpClient>(server.client());
  REQUIRE(must(a.request("GET", "/healthz")).status == 200);
  REQUIRE(must(b->request("GET", "/healthz")).status == 200);
  {
    // Accepted, a connection would wait 10 s for its ClientHello; refused, it closes at once.
    RawSocket third(server.port(), 5s);
    CHECK(third.closed_by_server());
  }
  CHECK_FALSE(server.client().request("GET", "/healthz").ok());
  CHECK(metric_value(a, R"(tollgate_connections_refused_total{reason="per_address"})") >= 2);
  CHECK(metric_value(a, R"(tollgate_connections_refused_total{reason="max_connections"})") == 0);
  b.reset();  // its connection closes: its place is free again
  CHECK(eventually([&] { return server.client().request("GET", "/healthz").ok(); }));
  CHECK(must(a.request("GET", "/healthz")).status == 200);  // the kept one is untouched
}

TEST_CASE("an exempt address is not capped per address") {
  ServerProcess server;
  server.use_config(
      "[server]\nmax_connections_per_address = 1\nper_address_exempt = [\"127.0.0.1\"]\n");
  REQUIRE(server.start().ok());
  std::vector<HttpClient> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(server.client());
  for (auto& c : clients) CHECK(must(c.request("GET", "/healthz")).status == 200);
  CHECK(metric_value(clients[0], R"(tollgate_connections_refused_total{reason="per_address"})") ==
        0);
}

TEST_CASE("headers must be in within header_timeout of their first byte; idle waits longer") {
  ServerProcess server({"--no-tls"});
  server.use_config("[server]\nheader_timeout = 1\nidle_timeout = 60\n");
  REQUIRE(server.start().ok());
  RawSocket idle(server.port());
  std::this_thread::sleep_for(4s);  // idle, not slow: the header deadline has not begun
  REQUIRE(idle.send(kHealthz));
  CHECK(status_of(idle.read_response()) == 200);

  // A slowloris client: a header byte every 200 ms, for longer than the header deadline. The
  // idle timeout alone (60 s) would keep it far past the 30 s this test waits.
  RawSocket slow(server.port(), 30s);
  REQUIRE(slow.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: "));
  for (int i = 0; i < 25; ++i) {
    if (!slow.send("a")) break;
    std::this_thread::sleep_for(200ms);
  }
  CHECK(slow.closed_by_server());
  HttpClient c = server.client();
  CHECK(metric_value(c, R"(tollgate_request_timeouts_total{phase="headers"})") >= 1);
}

}  // namespace tollgate::e2e
