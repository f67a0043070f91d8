// Transport and files against a real tollgated: the TLS policy seen by raw OpenSSL clients, the
// security headers on real responses, and the owner-only modes of everything in the data
// directory (new, and tightened at start-up when an older server left it readable by others).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e {
namespace {

namespace fs = std::filesystem;
using client::HttpClient;
using Headers = std::vector<std::pair<std::string, std::string>>;

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Freer<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Freer<SSL, SSL_free>>;

// What a raw OpenSSL client asked for, and what it got.
struct ClientHello {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string ciphers;     // TLS 1.2 and below; empty: OpenSSL's default
  int security_level = 0;  // 0: the client accepts anything, so a refusal is the server's
};
struct Negotiated {
  std::string version;  // "TLSv1.3"
  std::string cipher;   // "TLS_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256"
};

// A TLS connection to 127.0.0.1:port kept open, to compare certificates across a reload.
class RawTls {
 public:
  explicit RawTls(std::uint16_t port) : ctx_(SSL_CTX_new(TLS_client_method())) {
    REQUIRE(ctx_);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    REQUIRE(SSL_connect(ssl_.get()) == 1);
  }
  ~RawTls() {
    ssl_.reset();
    ::close(fd_);
  }
  RawTls(const RawTls&) = delete;
  RawTls& operator=(const RawTls&) = delete;

  // The certificate the server presented, as PEM.
  std::string peer_pem() const {
    std::unique_ptr<X509, Freer<X509, X509_free>> cert(SSL_get1_peer_certificate(ssl_.get()));
    REQUIRE(cert);
    std::unique_ptr<BIO, Freer<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
  }
  // The status line of GET /healthz on this connection.
  std::string healthz() {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    REQUIRE(SSL_write(ssl_.get(), request.data(), static_cast<int>(request.size())) > 0);
    std::string response;
    std::array<char, 4096> buffer{};
    while (response.find("\r\n") == std::string::npos) {
      const int n = SSL_read(ssl_.get(), buffer.data(), static_cast<int>(buffer.size()));
      if (n <= 0) break;
      response.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return response.substr(0, response.find("\r\n"));
  }

 private:
  SslCtxPtr ctx_;
  SslPtr ssl_;
  int fd_ = -1;
};

// One handshake with 127.0.0.1:port; nullopt when it fails. The certificate is not verified:
// these tests are about what the server agrees to, not about whom it is.
std::optional<Negotiated> handshake(std::uint16_t port, const ClientHello& hello) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  REQUIRE(ctx);
  SSL_CTX_set_security_level(ctx.get(), hello.security_level);
  REQUIRE(SSL_CTX_set_min_proto_version(ctx.get(), hello.min_version) == 1);
  REQUIRE(SSL_CTX_set_max_proto_version(ctx.get(), hello.max_version) == 1);
  if (!hello.ciphers.empty()) REQUIRE(SSL_CTX_set_cipher_list(ctx.get(), hello.ciphers.c_str()));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  SslPtr ssl(SSL_new(ctx.get()));
  REQUIRE(ssl);
  SSL_set_fd(ssl.get(), fd);
  std::optional<Negotiated> out;
  if (SSL_connect(ssl.get()) == 1) {
    out = Negotiated{SSL_get_version(ssl.get()),
                     SSL_CIPHER_get_name(SSL_get_current_cipher(ssl.get()))};
    SSL_shutdown(ssl.get());
  }
  ERR_clear_error();
  ssl.reset();
  ::close(fd);
  return out;
}

void require_started(ServerProcess& server) {
  const Status status = server.start();
  REQUIRE_MESSAGE(status.ok(), status.to_string());
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &info) == 0, path.string());
  return info.st_mode & 07777;
}

// Every file and directory under `root` (and root) that a user other than the owner could use.
std::vector<std::string> open_to_others(const fs::path& root) {
  std::vector<std::string> out;
  if ((mode_of(root) & 077) != 0) out.push_back(fmt::format("{:o} {}", mode_of(root), "."));
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_symlink()) continue;
    const unsigned mode = mode_of(entry.path());
    if ((mode & 077) != 0)
      out.push_back(fmt::format("{:o} {}", mode, fs::relative(entry.path(), root).string()));
  }
  return out;
}

// Uploads one artifact through a build agent; returns its digest.
std::string upload_artifact(ServerProcess& server) {
  HttpClient admin = server.admin_client();
  REQUIRE(must(admin.request("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})"))
              .status == 201);
  REQUIRE(must(admin.request("POST", "/api/v1/cis",
                             R"({"id":"payments-api","type":"component","name":"payments-api"})"))
              .status == 201);
  HttpClient agent = server.client(mint_token(admin, "ci-bot", "build_agent"));
  const std::string bytes = "transport security e2e artifact\n";
  const std::string digest = sha256_of(bytes);
  auto put = must(agent.request(
      "PUT", "/api/v1/artifacts/payments-api/1.0.0/payments-api.tar.gz", bytes,
      Headers{{"X-Checksum-Sha256", digest}, {"Content-Type", "application/octet-stream"}}));
  REQUIRE_MESSAGE(put.status == 201, put.body);
  return digest;
}

fs::path blob_path(const ServerProcess& server, const std::string& digest) {
  return fs::path(server.data_dir()) / "blobs" / "sha256" / digest.substr(0, 2) /
         digest.substr(2, 2) / digest;
}

void check_security_headers(const client::HttpResponse& r, const std::string& cache) {
  CHECK(r.header("strict-transport-security") == "max-age=31536000");
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.header("cache-control") == cache);
  CHECK(r.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'");
}

}  // namespace

TEST_CASE("TLS: 1.3 preferred, 1.2 only with ECDHE and AEAD, nothing older") {
  ServerProcess server;
  require_started(server);
  const std::uint16_t port = server.port();

  // A client offering 1.2 and 1.3 gets 1.3.
  auto tls13 = handshake(port, {});
  REQUIRE(tls13);
  CHECK(tls13->version == "TLSv1.3");

  ClientHello tls12{.min_version = TLS1_2_VERSION,
                    .max_version = TLS1_2_VERSION,
                    .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256",
                    .security_level = 0};
  auto gcm = handshake(port, tls12);
  REQUIRE(gcm);
  CHECK(gcm->version == "TLSv1.2");
  CHECK(gcm->cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");

  // The server's order decides: ChaCha20 first in the client's list, AES-GCM in the server's.
  tls12.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256";
  auto preferred = handshake(port, tls12);
  REQUIRE(preferred);
  CHECK(preferred->cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");

  // CBC with a SHA-1 MAC (both key types, as the server's key is ECDSA), and static RSA.
  for (const char* cbc : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-SHA",
                          "ECDHE-ECDSA-AES128-SHA256"}) {
    CAPTURE(cbc);
    tls12.ciphers = cbc;
    CHECK_FALSE(handshake(port, tls12));
  }

  // TLS 1.1 and 1.0, from a client at security level 0 that would accept them.
  const ClientHello old{.min_version = TLS1_VERSION,
                        .max_version = TLS1_1_VERSION,
                        .ciphers = "DEFAULT:@SECLEVEL=0",
                        .security_level = 0};
  CHECK_FALSE(handshake(port, old));
  // The same server still answers a good client afterwards.
  CHECK(handshake(port, {}));
}

TEST_CASE("security headers on answers, problems, 404s and artifact downloads") {
  ServerProcess server;
  require_started(server);
  const std::string digest = upload_artifact(server);
  HttpClient admin = server.admin_client();

  check_security_headers(must(admin.request("GET", "/healthz")), "no-store");
  check_security_headers(must(admin.request("GET", "/api/v1/cis")), "no-store");
  auto missing = must(admin.request("GET", "/api/v1/nothing-here"));
  check_problem(missing, 404, "not-found");
  check_security_headers(missing, "no-store");
  auto unauthorized = must(server.client().request("GET", "/api/v1/cis"));
  check_problem(unauthorized, 401, "unauthorized");
  check_security_headers(unauthorized, "no-store");

  // A download keeps its own caching (immutable content, addressed by digest) and its ETag.
  auto download =
      must(admin.request("GET", "/api/v1/artifacts/payments-api/1.0.0/payments-api.tar.gz"));
  REQUIRE_MESSAGE(download.status == 200, download.body);
  check_security_headers(download, "private, max-age=31536000, immutable");
  CHECK(download.header("etag").find(digest) != std::string::npos);
}

TEST_CASE("files: the data directory, blobs, keys, the TLS key and LMDB are the owner's only") {
  ServerProcess server;
  require_started(server);
  const std::string digest = upload_artifact(server);
  const fs::path data = server.data_dir();

  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(blob_path(server, digest)) == 0400);
  CHECK(mode_of(blob_path(server, digest).parent_path()) == 0700);
  CHECK(mode_of(data / "keys") == 0700);
  std::size_t keys = 0;
  for (const auto& key : fs::directory_iterator(data / "keys")) {
    CHECK(mode_of(key.path()) == 0600);
    ++keys;
  }
  CHECK(keys > 0);
  CHECK(mode_of(data / "tls" / "key.pem") == 0600);
  CHECK(mode_of(data / "bootstrap-token") == 0600);
  CHECK(mode_of(data / "db" / "data.mdb") == 0600);
  CHECK(mode_of(data / "db") == 0700);
  CHECK(mode_of(data / "vault.git") == 0700);
  CHECK(open_to_others(data) == std::vector<std::string>{});
}

TEST_CASE("files: a data directory left readable by others is tightened at start, once") {
  ServerProcess server;
  require_started(server);
  const std::string digest = upload_artifact(server);
  REQUIRE(server.stop() == 0);
  const fs::path data = server.data_dir();
  // What an older tollgated left behind.
  fs::permissions(data, fs::perms(0755));
  fs::permissions(data / "blobs", fs::perms(0755));
  fs::permissions(blob_path(server, digest), fs::perms(0444));
  fs::permissions(data / "tls" / "key.pem", fs::perms(0644));
  fs::permissions(data / "db" / "data.mdb", fs::perms(0644));
  REQUIRE(open_to_others(data).size() == 5);

  require_started(server);
  CHECK(contains(server.last_start_log(), "5 file(s) and directories under"));
  CHECK(open_to_others(data) == std::vector<std::string>{});
  CHECK(mode_of(blob_path(server, digest)) == 0400);
  CHECK(mode_of(data / "tls" / "key.pem") == 0600);
  CHECK(must(server.admin_client().request("GET", "/healthz")).status == 200);

  REQUIRE(server.restart().ok());
  CHECK_FALSE(contains(server.last_start_log(), "readable by other users"));
}

TEST_CASE("SIGHUP reloads the certificate: new handshakes get it, open connections go on") {
  ServerProcess server;
  require_started(server);
  const fs::path tls = fs::path(server.data_dir()) / "tls";
  RawTls before(server.port());
  CHECK(before.peer_pem() == read_file((tls / "cert.pem").string()));
  CHECK(before.healthz() == "HTTP/1.1 200 OK");

  // A new pair, written where the server reads it.
  const std::string made = run_command(
      fmt::format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                  "-subj /CN=reloaded -keyout {0}/new-key.pem -out {0}/new-cert.pem 2>&1",
                  server.temp_dir()));
  REQUIRE_MESSAGE(contains(made, "exit=0"), made);
  const std::string new_cert = read_file(server.temp_dir() + "/new-cert.pem");
  REQUIRE(new_cert != read_file((tls / "cert.pem").string()));
  fs::copy_file(server.temp_dir() + "/new-key.pem", tls / "key.pem",
                fs::copy_options::overwrite_existing);
  fs::copy_file(server.temp_dir() + "/new-cert.pem", tls / "cert.pem",
                fs::copy_options::overwrite_existing);

  auto wait_for_log = [&server](const std::string& text) {
    for (int i = 0; i < 200 && !contains(server.log(), text); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    return contains(server.log(), text);
  };
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  REQUIRE(wait_for_log("reloaded the TLS certificate"));
  RawTls after(server.port());
  CHECK(after.peer_pem() == new_cert);
  CHECK(after.healthz() == "HTTP/1.1 200 OK");
  // The connection opened before the reload is still served, with the certificate it had.
  CHECK(before.healthz() == "HTTP/1.1 200 OK");
  CHECK(before.peer_pem() != new_cert);

  // A broken file changes nothing: the server says so and keeps the pair it has.
  write_file((tls / "cert.pem").string(), "not a certificate\n");
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  REQUIRE(wait_for_log("kept the current TLS certificate"));
  RawTls kept(server.port());
  CHECK(kept.peer_pem() == new_cert);
  CHECK(server.running());
}

}  // namespace tollgate::e2e
