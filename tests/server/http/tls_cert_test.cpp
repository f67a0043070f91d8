#include "server/http/tls_cert.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/openssl.hpp"

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>

namespace tollgate::server {
namespace {

namespace fs = std::filesystem;

using X509Ptr = OpenSslPtr<X509, X509_free>;
using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using SslCtxPtr = OpenSslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = OpenSslPtr<SSL, SSL_free>;

using tollgate::testing::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

mode_t permissions(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

X509Ptr load_cert(const std::string& path) {
  const BioPtr bio(BIO_new_file(path.c_str(), "r"));
  REQUIRE(bio);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

PkeyPtr load_key(const std::string& path) {
  const BioPtr bio(BIO_new_file(path.c_str(), "r"));
  REQUIRE(bio);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(key);
  return key;
}

CertificatePaths ensure(const fs::path& dir) {
  auto paths = ensure_self_signed_certificate(dir.string());
  REQUIRE_MESSAGE(paths.ok(), paths.status().to_string());
  return *paths;
}

// The subjectAltName entries as "DNS:name" and "IP:address" strings.
std::set<std::string> subject_alt_names(X509* cert) {
  const GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  REQUIRE(names);
  std::set<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(value));
    const std::string bytes(data, static_cast<std::size_t>(ASN1_STRING_length(value)));
    if (type == GEN_DNS) out.insert("DNS:" + bytes);
    if (type == GEN_IPADD && bytes == std::string("\x7f\0\0\1", 4)) out.insert("IP:127.0.0.1");
    if (type == GEN_IPADD && bytes == std::string(15, '\0') + '\1') out.insert("IP:::1");
  }
  return out;
}

std::string host_name() {
  std::array<char, HOST_NAME_MAX + 1> buffer{};
  REQUIRE(::gethostname(buffer.data(), buffer.size() - 1) == 0);
  return buffer.data();
}

// X509_verify_cert with the certificate as its own trust anchor, like
// `openssl verify -CAfile cert.pem cert.pem`.
int verify_against_itself(X509* cert, unsigned long flags, int purpose) {
  const StorePtr store(X509_STORE_new());
  REQUIRE(store);
  REQUIRE(X509_STORE_add_cert(store.get(), cert) == 1);
  const StoreCtxPtr ctx(X509_STORE_CTX_new());
  REQUIRE(ctx);
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) == 1);
  if (flags != 0) X509_STORE_CTX_set_flags(ctx.get(), flags);
  if (purpose != 0) REQUIRE(X509_STORE_CTX_set_purpose(ctx.get(), purpose) == 1);
  const int ok = X509_verify_cert(ctx.get());
  INFO(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  CHECK(X509_STORE_CTX_get_error(ctx.get()) == X509_V_OK);
  return ok;
}

TEST_CASE("ensure_self_signed_certificate creates the directory, key and certificate") {
  const TempDir temp;
  const fs::path dir = temp.path() / "data" / "tls";
  const CertificatePaths paths = ensure(dir);

  CHECK(paths.cert == (dir / "cert.pem").string());
  CHECK(paths.key == (dir / "key.pem").string());
  CHECK(fs::is_regular_file(paths.cert));
  CHECK(fs::is_regular_file(paths.key));
  CHECK(permissions(paths.key) == 0600);
  CHECK(permissions(paths.cert) == 0600);
  CHECK(permissions(dir.string()) == 0700);
  CHECK(read_file(paths.key).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  CHECK(read_file(paths.cert).starts_with("-----BEGIN CERTIFICATE-----\n"));

  // Nothing but the two files: no temporaries left behind.
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
}

TEST_CASE("the key is ECDSA P-256 and belongs to the certificate") {
  const TempDir temp;
  const CertificatePaths paths = ensure(temp.path());
  const X509Ptr cert = load_cert(paths.cert);
  const PkeyPtr key = load_key(paths.key);

  CHECK(EVP_PKEY_is_a(key.get(), "EC") == 1);
  std::array<char, 64> group{};
  REQUIRE(EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), nullptr) == 1);
  CHECK(OBJ_txt2nid(group.data()) == NID_X9_62_prime256v1);
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) == 1);
}

TEST_CASE("the certificate is a self-signed v3 CA for tollgate") {
  const TempDir temp;
  const X509Ptr cert = load_cert(ensure(temp.path()).cert);

  CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(cert.get())) == 1);
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  CHECK(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0);
  std::array<char, 64> common_name{};
  CHECK(X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName,
                                  common_name.data(), common_name.size()) > 0);
  CHECK(std::string(common_name.data()) == "tollgate");

  const BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  REQUIRE(serial);
  CHECK(BN_is_negative(serial.get()) == 0);
  CHECK(BN_num_bits(serial.get()) <= 128);
  CHECK(BN_num_bits(serial.get()) > 64);  // 2^-64 chance of a false failure
}

TEST_CASE("the certificate carries the promised extensions") {
  const TempDir temp;
  const X509Ptr cert = load_cert(ensure(temp.path()).cert);

  CHECK(X509_check_ca(cert.get()) == 1);
  const int basic_constraints = X509_get_ext_by_NID(cert.get(), NID_basic_constraints, -1);
  REQUIRE(basic_constraints >= 0);
  CHECK(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), basic_constraints)) == 1);
  CHECK(X509_get_key_usage(cert.get()) == (KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN));
  CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_SERVER);
  CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);

  const std::set<std::string> names = subject_alt_names(cert.get());
  CHECK(names.count("DNS:localhost") == 1);
  CHECK(names.count("IP:127.0.0.1") == 1);
  CHECK(names.count("IP:::1") == 1);
  const std::string host = host_name();
  if (!host.empty() && host != "localhost") CHECK(names.count("DNS:" + host) == 1);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
}

TEST_CASE("the certificate is valid now and for about ten years") {
  const TempDir temp;
  const X509Ptr cert = load_cert(ensure(temp.path()).cert);
  constexpr std::time_t kYear = 365L * 24 * 60 * 60;
  std::time_t now = std::time(nullptr);
  std::time_t in_nine_years = now + 9 * kYear;
  std::time_t in_eleven_years = now + 11 * kYear;

  // X509_cmp_time: -1 when the certificate's time is at or before the given one, 1 after it.
  CHECK(X509_cmp_time(X509_get0_notBefore(cert.get()), &now) == -1);
  CHECK(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_nine_years) == 1);
  CHECK(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_eleven_years) == -1);
}

TEST_CASE("the certificate verifies as its own CA") {
  const TempDir temp;
  const X509Ptr cert = load_cert(ensure(temp.path()).cert);

  SUBCASE("like openssl verify -CAfile cert.pem cert.pem") {
    CHECK(verify_against_itself(cert.get(), 0, 0) == 1);
  }
  SUBCASE("strictly, for a TLS server") {
    CHECK(verify_against_itself(cert.get(), X509_V_FLAG_X509_STRICT, X509_PURPOSE_SSL_SERVER) == 1);
  }
}

// Drives both ends of a handshake over an in-memory BIO pair until neither wants more.
bool handshake(SSL* client, SSL* server) {
  for (int round = 0; round < 100; ++round) {
    const int client_result = SSL_do_handshake(client);
    const int server_result = SSL_do_handshake(server);
    if (client_result == 1 && server_result == 1) return true;
    const int client_error = SSL_get_error(client, client_result);
    const int server_error = SSL_get_error(server, server_result);
    const bool waiting = (client_result == 1 || client_error == SSL_ERROR_WANT_READ) &&
                         (server_result == 1 || server_error == SSL_ERROR_WANT_READ);
    if (!waiting) return false;
  }
  return false;
}

TEST_CASE("a TLS client trusting cert.pem accepts the server for localhost") {
  const TempDir temp;
  const CertificatePaths paths = ensure(temp.path());

  const SslCtxPtr server_ctx(SSL_CTX_new(TLS_server_method()));
  REQUIRE(server_ctx);
  REQUIRE(SSL_CTX_use_certificate_chain_file(server_ctx.get(), paths.cert.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(server_ctx.get(), paths.key.c_str(), SSL_FILETYPE_PEM) == 1);
  REQUIRE(SSL_CTX_check_private_key(server_ctx.get()) == 1);

  const SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  REQUIRE(client_ctx);
  REQUIRE(SSL_CTX_load_verify_file(client_ctx.get(), paths.cert.c_str()) == 1);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_PEER, nullptr);

  const SslPtr server(SSL_new(server_ctx.get()));
  const SslPtr client(SSL_new(client_ctx.get()));
  REQUIRE(server);
  REQUIRE(client);
  REQUIRE(SSL_set1_host(client.get(), "localhost") == 1);
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  REQUIRE(BIO_new_bio_pair(&client_end, 0, &server_end, 0) == 1);
  SSL_set_bio(client.get(), client_end, client_end);  // each SSL now owns its end
  SSL_set_bio(server.get(), server_end, server_end);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());

  CHECK(handshake(client.get(), server.get()));
  CHECK(SSL_get_verify_result(client.get()) == X509_V_OK);
}

TEST_CASE("existing files are kept byte for byte") {
  const TempDir temp;
  const CertificatePaths first = ensure(temp.path());
  const std::string cert = read_file(first.cert);
  const std::string key = read_file(first.key);

  const CertificatePaths second = ensure(temp.path());
  CHECK(second.cert == first.cert);
  CHECK(second.key == first.key);
  CHECK(read_file(second.cert) == cert);
  CHECK(read_file(second.key) == key);
}

TEST_CASE("a lone key or certificate is replaced by a matching pair") {
  const TempDir temp;
  const CertificatePaths first = ensure(temp.path());
  const std::string old_key = read_file(first.key);

  SUBCASE("certificate missing") { fs::remove(first.cert); }
  SUBCASE("key missing") { fs::remove(first.key); }

  const CertificatePaths second = ensure(temp.path());
  CHECK(read_file(second.key) != old_key);
  CHECK(permissions(second.key) == 0600);
  const X509Ptr cert = load_cert(second.cert);
  const PkeyPtr key = load_key(second.key);
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) == 1);
}

TEST_CASE("key and certificate go through the file system seam; a failure leaves no pair") {
  const TempDir temp;
  const fs::path dir = temp.path() / "tls";
  testing::FaultyFileSystem files;
  files.fail(testing::FaultyFileSystem::Op::rename, EIO, /*skip=*/1);  // the certificate's
  const auto failed = ensure_self_signed_certificate(dir.string(), files);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::io);
  CHECK(fs::exists(dir / "key.pem"));
  CHECK_FALSE(fs::exists(dir / "cert.pem"));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);

  files.fail(testing::FaultyFileSystem::Op::fsync, ENOSPC);
  CHECK(ensure_self_signed_certificate(dir.string(), files).status().code() == Code::storage_full);

  files.clear();
  const auto done = ensure_self_signed_certificate(dir.string(), files);
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  const X509Ptr cert = load_cert(done->cert);
  const PkeyPtr key = load_key(done->key);
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) == 1);
}

TEST_CASE("an unusable directory is an io error") {
  const TempDir temp;
  const fs::path file = temp.path() / "file";
  std::ofstream(file) << "not a directory";

  SUBCASE("the directory is a file") {
    const auto result = ensure_self_signed_certificate(file.string());
    CHECK(result.status().code() == Code::io);
  }
  SUBCASE("a parent is a file") {
    const auto result = ensure_self_signed_certificate((file / "tls").string());
    CHECK(result.status().code() == Code::io);
  }
}

}  // namespace
}  // namespace tollgate::server
