#include "server/domain/config.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::server;

namespace {
Status load(const std::string& text, Config& config) {
  tollgate::testing::TempDir dir;
  const std::string path = dir.str() + "/t.toml";
  std::ofstream(path) << text;
  return load_config_file(path, config);
}
}  // namespace

TEST_CASE("the shipped conf/tollgate.toml loads and equals the built-in defaults") {
  Config from_file;
  REQUIRE(load_config_file(TOLLGATE_SOURCE_DIR "/conf/tollgate.toml", from_file).ok());
  Config defaults;
  CHECK(from_file.data_dir == defaults.data_dir);
  CHECK(from_file.listen() == defaults.listen());
  CHECK(from_file.worker_threads == defaults.worker_threads);
  CHECK(from_file.body_limit == defaults.body_limit);
  CHECK(from_file.header_limit == defaults.header_limit);
  CHECK(from_file.pipeline_limit == defaults.pipeline_limit);
  CHECK(from_file.max_connections == defaults.max_connections);
  CHECK(from_file.idle_timeout_seconds == defaults.idle_timeout_seconds);
  CHECK(from_file.read_timeout_seconds == defaults.read_timeout_seconds);
  CHECK(from_file.map_size_mb == defaults.map_size_mb);
  CHECK(from_file.max_map_size_mb == defaults.max_map_size_mb);
  CHECK(from_file.tls == defaults.tls);
  CHECK(from_file.access_log == defaults.access_log);
  CHECK(from_file.max_connections_per_address == defaults.max_connections_per_address);
  CHECK(from_file.per_address_exempt == defaults.per_address_exempt);
  CHECK(from_file.header_timeout_seconds == defaults.header_timeout_seconds);
  CHECK(from_file.min_body_rate == defaults.min_body_rate);
  CHECK(from_file.body_rate_window_seconds == defaults.body_rate_window_seconds);
  CHECK(from_file.upload_lifetime_hours == defaults.upload_lifetime_hours);
  CHECK(from_file.max_upload_sessions_per_user == defaults.max_upload_sessions_per_user);
  CHECK(from_file.max_upload_sessions == defaults.max_upload_sessions);
  CHECK(from_file.max_upload_bytes_per_user_mb == defaults.max_upload_bytes_per_user_mb);
  CHECK(from_file.max_upload_bytes_mb == defaults.max_upload_bytes_mb);
  CHECK(validate(from_file).ok());
}

TEST_CASE("values are applied") {
  Config c;
  REQUIRE(load("[server]\nlisten = \"[::1]:9000\"\nbody_limit = 2048\n[tls]\nenabled = false\n", c)
              .ok());
  CHECK(c.listen_host == "::1");
  CHECK(c.listen_port == 9000);
  CHECK(c.body_limit == 2048);
  CHECK_FALSE(c.tls);
}

TEST_CASE("mistakes are refused with a message naming the key") {
  Config c;
  auto message = [&](const std::string& text) { return load(text, c).message(); };
  CHECK(message("[server]\nbody_limt = 5\n").find("body_limt: unknown setting") !=
        std::string::npos);
  CHECK(message("[nope]\n").find("unknown section") != std::string::npos);
  CHECK(message("[server]\nthreads = \"two\"\n").find("threads: must be an integer") !=
        std::string::npos);
  CHECK(message("[server]\nbody_limit = 10\n").find("out of range") != std::string::npos);
  CHECK(message("[tls]\nenabled = 1\n").find("true or false") != std::string::npos);
  CHECK(message("[server\n").find("t.toml:") != std::string::npos);
  CHECK(message("[server]\nlisten = \"nohost\"\n").find("HOST:PORT") != std::string::npos);
}

TEST_CASE("cross-field validation and listen parsing") {
  Config c;
  c.map_size_mb = 100;
  c.max_map_size_mb = 10;
  CHECK_FALSE(validate(c).ok());
  Config d;
  d.tls_cert = "/x.pem";
  CHECK_FALSE(validate(d).ok());
  Config e;
  CHECK(set_listen("0.0.0.0:0", e).ok());
  CHECK(e.listen_port == 0);
  CHECK_FALSE(set_listen("127.0.0.1:70000", e).ok());
  CHECK_FALSE(set_listen("127.0.0.1:", e).ok());
}

TEST_CASE("the limits of connections, slow clients and upload sessions") {
  Config c;
  REQUIRE(load("[server]\nmax_connections_per_address = 8\nper_address_exempt = [\"10.0.0.5\", "
               "\"::1\"]\nheader_timeout = 5\nmin_body_rate = 0\nbody_rate_window = 10\n"
               "[artifacts]\nupload_lifetime_hours = 48\nmax_upload_sessions_per_user = 4\n"
               "max_upload_sessions = 40\nmax_upload_bytes_per_user_mb = 1024\n"
               "max_upload_bytes_mb = 4096\n",
               c)
              .ok());
  CHECK(c.max_connections_per_address == 8);
  CHECK(c.per_address_exempt == std::vector<std::string>{"10.0.0.5", "::1"});
  CHECK(c.header_timeout_seconds == 5);
  CHECK(c.min_body_rate == 0);
  CHECK(c.body_rate_window_seconds == 10);
  CHECK(c.upload_lifetime_hours == 48);
  CHECK(c.max_upload_sessions_per_user == 4);
  CHECK(c.max_upload_sessions == 40);
  CHECK(c.max_upload_bytes_per_user_mb == 1024);
  CHECK(c.max_upload_bytes_mb == 4096);
  CHECK(validate(c).ok());
  c.per_address_exempt.emplace_back("proxy.example");
  CHECK(validate(c).message().find("'proxy.example' is not an IP address") != std::string::npos);
  Config d;
  CHECK(load("[server]\nmax_connections_per_address = 0\n", d).message().find("out of range") !=
        std::string::npos);
}

TEST_CASE("[tls] client_ca and client_identity") {
  Config c;
  CHECK(c.tls_client_ca.empty());
  CHECK(c.tls_client_identity == ClientIdentity::cn);
  REQUIRE(load("[tls]\nclient_ca = \"/etc/tollgate/agents-ca.pem\"\n"
               "client_identity = \"san-email\"\n",
               c)
              .ok());
  CHECK(c.tls_client_ca == "/etc/tollgate/agents-ca.pem");
  CHECK(c.tls_client_identity == ClientIdentity::san_email);
  CHECK(validate(c).ok());
  for (const char* name : {"cn", "san-email", "san-dns", "san-uri"}) {
    REQUIRE(parse_client_identity(name));
    CHECK(client_identity_name(*parse_client_identity(name)) == name);
  }
  Config d;
  const Status refused = load("[tls]\nclient_identity = \"serial\"\n", d);
  CHECK(refused.message().find("client_identity: 'serial' is not one of") != std::string::npos);
  d.tls_client_ca = "/ca.pem";
  d.tls = false;
  CHECK(validate(d).message().find("client_ca needs TLS") != std::string::npos);
}
