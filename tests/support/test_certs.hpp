// Test certificate authorities and client certificates, made with OpenSSL's C API (no openssl
// command needed): a CA per TestCa, and client certificates it issues with any subject,
// subjectAltNames, validity window (backdated for expired ones) and extended key usage.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "tollgate/openssl.hpp"

namespace tollgate::testing {

using TestPkey = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using TestX509 = OpenSslPtr<X509, X509_free>;

// What a client certificate says: CertSpec("agent1"), CertSpec("", "DNS:agent1"),
// CertSpec("agent1").valid(-30 * day, -day), CertSpec("agent1").usage("serverAuth").
struct CertSpec {
  std::string cn;                 // subject common name; empty: none
  std::string alt_names;          // subjectAltName value, e.g. "email:a@b.org,DNS:agent1"
  long not_before_seconds = -60;  // validity, relative to now
  long not_after_seconds = 86'400;
  std::string extended_key_usage = "clientAuth";  // empty: no extension

  explicit CertSpec(std::string common_name, std::string alt = {})
      : cn(std::move(common_name)), alt_names(std::move(alt)) {}
  CertSpec& valid(long from_seconds, long to_seconds) {
    not_before_seconds = from_seconds;
    not_after_seconds = to_seconds;
    return *this;
  }
  CertSpec& usage(std::string eku) {
    extended_key_usage = std::move(eku);
    return *this;
  }
};

// A certificate and its key, as PEM files.
struct CertFiles {
  std::string cert;
  std::string key;
};

inline void openssl_check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

inline TestPkey make_test_key() {
  TestPkey key(EVP_EC_gen("P-256"));
  openssl_check(key != nullptr, "EVP_EC_gen");
  return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  openssl_check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext.get(), -1);
}

inline void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* out = std::fopen(path.c_str(), "w");
  openssl_check(out != nullptr, "fopen");
  const bool ok = cert != nullptr
                      ? PEM_write_X509(out, cert) == 1
                      : PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(out);
  openssl_check(ok, "PEM_write");
}

class TestCa {
 public:
  explicit TestCa(const std::string& name) : key_(make_test_key()), cert_(X509_new()) {
    X509* cert = cert_.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), next_serial_++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 86'400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_set_pubkey(cert, key_.get());
    add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert, cert, NID_subject_key_identifier, "hash");
    openssl_check(X509_sign(cert, key_.get(), EVP_sha256()) > 0, "X509_sign");
  }

  // Writes the CA certificate (what [tls] client_ca names) to `path`.
  void write_cert(const std::string& path) const { write_pem(path, cert_.get(), nullptr); }

  // Issues a client certificate to `spec`, written to `stem`.pem and `stem`.key.
  CertFiles issue(const CertSpec& spec, const std::string& stem) {
    TestPkey key = make_test_key();
    TestX509 cert(X509_new());
    X509* c = cert.get();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), next_serial_++);
    X509_gmtime_adj(X509_getm_notBefore(c), spec.not_before_seconds);
    X509_gmtime_adj(X509_getm_notAfter(c), spec.not_after_seconds);
    if (!spec.cn.empty())
      X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1,
                                 0);
    X509_set_issuer_name(c, X509_get_subject_name(cert_.get()));
    X509_set_pubkey(c, key.get());
    add_extension(c, cert_.get(), NID_basic_constraints, "CA:FALSE");
    add_extension(c, cert_.get(), NID_key_usage, "critical,digitalSignature");
    if (!spec.extended_key_usage.empty())
      add_extension(c, cert_.get(), NID_ext_key_usage, spec.extended_key_usage);
    if (!spec.alt_names.empty())
      add_extension(c, cert_.get(), NID_subject_alt_name, spec.alt_names);
    openssl_check(X509_sign(c, key_.get(), EVP_sha256()) > 0, "X509_sign");
    CertFiles files{stem + ".pem", stem + ".key"};
    write_pem(files.cert, c, nullptr);
    write_pem(files.key, nullptr, key.get());
    return files;
  }

  X509* cert() const { return cert_.get(); }

 private:
  TestPkey key_;
  TestX509 cert_;
  long next_serial_ = 1;
};

// Reads a PEM certificate file.
inline TestX509 read_test_cert(const std::string& path) {
  FILE* in = std::fopen(path.c_str(), "r");
  openssl_check(in != nullptr, "fopen");
  TestX509 cert(PEM_read_X509(in, nullptr, nullptr, nullptr));
  std::fclose(in);
  openssl_check(cert != nullptr, "PEM_read_X509");
  return cert;
}

}  // namespace tollgate::testing
