// ServerProcess: runs the real `tollgated` binary as a child process for end-to-end tests.
//
// Each ServerProcess owns a fresh temporary directory holding the data directory (`data/`) and
// the server's combined stdout/stderr (`tollgated.log`; a file, never a pipe, so a chatty
// server can never block on it). The server listens on 127.0.0.1 with an ephemeral port that
// is read back from its "tollgated listening on ..." line. The destructor SIGKILLs a server
// that is still running and removes the directory (set TOLLGATE_TEST_KEEP=1 to keep it).
//
// Not thread-safe; one ServerProcess per test.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/status.hpp"

namespace tollgate::e2e {

using TempDir = testing::TempDir;

class ServerProcess {
 public:
  // Prepares (does not start) a server on a new, empty data directory. `extra_args` are
  // appended to `--data-dir DIR --listen 127.0.0.1:0`, e.g. {"--no-tls"} or
  // {"--config", FILE}; "--no-tls" among them switches clients to plain HTTP.
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts tollgated and waits (at most ~20 s) for its listening line. Errors: unavailable
  // when the server exits first, cannot be started or does not listen in time; the message
  // then carries the log of this run. Calling start() on a running server is an error.
  Status start();

  // SIGTERM, then waits up to ~20 s before SIGKILL. Returns the exit code, or 128 + signal
  // number when the server died from a signal, or -1 when no server was running.
  int stop();
  // SIGKILL, as a crash would; returns like stop().
  int kill9();
  // stop() then start() on the same data directory; the port may change.
  Status restart();

  // Starts the server, from the next start() on, with this RLIMIT_NOFILE (soft, hard) instead
  // of the test's own, as a host with a lower limit would.
  void set_open_file_limit(std::uint64_t soft, std::uint64_t hard);

  // Writes `toml` as the server's config file (TEMP/tollgate.toml) and passes it with --config
  // from the next start() on, e.g. "[tls]\nclient_ca = \"/path/ca.pem\"\n".
  void use_config(const std::string& toml);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  bool tls() const { return tls_; }
  std::uint16_t port() const { return port_; }
  // The bootstrap admin token from the most recent run that printed one (it stays valid across
  // restarts); empty when none was printed.
  std::string bootstrap_token() const;
  std::string temp_dir() const { return temp_.str(); }
  std::string data_dir() const { return temp_.file("data"); }
  // The generated certificate a client trusts: DATA/tls/cert.pem.
  std::string ca_file() const { return data_dir() + "/tls/cert.pem"; }
  std::string log_path() const { return temp_.file("tollgated.log"); }
  // The whole log of every run so far, and only that of the latest start().
  std::string log() const;
  std::string last_start_log() const;

  // A client for this server (TLS per mode, trusting ca_file()), sending `token` if not empty.
  client::HttpClient client(std::string token = {}) const;
  // The options client() uses, for a test to add to (e.g. a client certificate).
  client::ClientOptions client_options(std::string token = {}) const;
  // client(bootstrap_token()).
  client::HttpClient admin_client() const { return client(bootstrap_token()); }

 private:
  Status spawn();
  Status wait_until_listening();
  std::optional<int> reap(bool block);
  int terminate(int signal_number);

  TempDir temp_{"tollgate-e2e-"};
  std::vector<std::string> extra_args_;
  bool tls_ = true;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::size_t log_offset_ = 0;  // where the latest run's output starts in the log
  std::optional<std::pair<std::uint64_t, std::uint64_t>> open_file_limit_;
};

}  // namespace tollgate::e2e
