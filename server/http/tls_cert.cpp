#include "server/http/tls_cert.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "server/domain/crypto.hpp"
#include "storage/file_system.hpp"
#include "tollgate/openssl.hpp"

namespace tollgate::server {

namespace {

constexpr const char* kCertName = "cert.pem";
constexpr const char* kKeyName = "key.pem";
constexpr const char* kCommonName = "tollgate";
constexpr int kValidityYears = 10;
constexpr std::size_t kSerialBytes = 16;  // 128 random bits, as CA/B Forum asks for >= 64
constexpr unsigned kDirMode = 0700;
constexpr unsigned kKeyMode = 0600;
// Public, but inside the owner-only data directory like everything else the server writes.
constexpr unsigned kCertMode = 0600;

using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1StringPtr = OpenSslPtr<ASN1_STRING, ASN1_STRING_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;

// Turns the OpenSSL error queue into a Status and empties it, so that a later, unrelated failure
// on this thread does not report a stale error.
Status openssl_error(std::string_view what) {
  std::array<char, 256> text{};
  const unsigned long code = ERR_peek_last_error();
  if (code != 0) ERR_error_string_n(code, text.data(), text.size());
  ERR_clear_error();
  return internal_error(code != 0 ? fmt::format("{}: {}", what, text.data())
                                  : fmt::format("{} failed in OpenSSL", what));
}

// ---- key and certificate -----------------------------------------------------------------

Result<PkeyPtr> generate_p256_key() {
  // EVP_EC_gen is a macro with a C cast; this is what it expands to. The curve is passed as a
  // char* because EVP_PKEY_Q_keygen reads it with va_arg(char*).
  char curve[] = "P-256";
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
  if (!key) return openssl_error("generating the P-256 key");
  return key;
}

Status set_random_serial(X509* cert) {
  const std::string bytes = random_bytes(kSerialBytes);
  const BignumPtr number(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<int>(bytes.size()), nullptr));
  if (!number) return openssl_error("making the serial number");
  const Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    return openssl_error("setting the serial number");
  }
  return {};
}

Status set_validity(X509* cert) {
  const std::time_t now = std::time(nullptr);
  std::tm until{};
  if (::gmtime_r(&now, &until) == nullptr) return internal_error("the clock is out of range");
  until.tm_year += kValidityYears;  // timegm normalises 29 February to 1 March
  const std::time_t not_after = ::timegm(&until);
  if (ASN1_TIME_set(X509_getm_notBefore(cert), now) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), not_after) == nullptr) {
    return openssl_error("setting the validity period");
  }
  return {};
}

Status set_names(X509* cert) {
  const X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(kCommonName), -1, -1,
                                 0) != 1 ||
      X509_set_subject_name(cert, name.get()) != 1 || X509_set_issuer_name(cert, name.get()) != 1) {
    return openssl_error("setting the subject and issuer");
  }
  return {};
}

// The host name only goes into the certificate when it is a plain DNS name; anything else
// (empty, "localhost" already listed, odd characters) is left out rather than encoded wrongly.
std::string dns_host_name() {
  std::array<char, HOST_NAME_MAX + 1> buffer{};
  if (::gethostname(buffer.data(), buffer.size() - 1) != 0) return {};
  std::string host(buffer.data());
  if (host.empty() || host.size() > 253 || host == "localhost") return {};
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return {};
  }
  return host;
}

Status push_name(GENERAL_NAMES* names, int type, Asn1StringPtr value) {
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name || !value) return openssl_error("making a subjectAltName entry");
  GENERAL_NAME_set0_value(name.get(), type, value.release());
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) {
    return openssl_error("making a subjectAltName entry");
  }
  static_cast<void>(name.release());  // now owned by `names`
  return {};
}

Status push_dns_name(GENERAL_NAMES* names, const std::string& host) {
  Asn1StringPtr value(ASN1_IA5STRING_new());
  if (value && ASN1_STRING_set(value.get(), host.data(), static_cast<int>(host.size())) != 1) {
    return openssl_error("encoding a DNS name");
  }
  return push_name(names, GEN_DNS, std::move(value));
}

Status add_subject_alt_name(X509* cert) {
  const GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return openssl_error("making the subjectAltName");
  TG_RETURN_IF_ERROR(push_dns_name(names.get(), "localhost"));
  if (const std::string host = dns_host_name(); !host.empty()) {
    TG_RETURN_IF_ERROR(push_dns_name(names.get(), host));
  }
  for (const char* ip : {"127.0.0.1", "::1"}) {
    TG_RETURN_IF_ERROR(push_name(names.get(), GEN_IPADD, Asn1StringPtr(a2i_IPADDRESS(ip))));
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_error("adding the subjectAltName");
  }
  return {};
}

// Adds the extensions given in openssl.cnf syntax. The subject key identifier comes before the
// authority key identifier, which copies it (the certificate is its own issuer).
Status add_config_extensions(X509* cert) {
  static constexpr std::pair<int, const char*> kExtensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : kExtensions) {
    const X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
      return openssl_error(fmt::format("adding the {} extension", OBJ_nid2sn(nid)));
    }
  }
  return {};
}

Result<X509Ptr> make_certificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert) return openssl_error("allocating the certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return openssl_error("setting the version and public key");
  }
  TG_RETURN_IF_ERROR(set_random_serial(cert.get()));
  TG_RETURN_IF_ERROR(set_validity(cert.get()));
  TG_RETURN_IF_ERROR(set_names(cert.get()));
  TG_RETURN_IF_ERROR(add_subject_alt_name(cert.get()));
  TG_RETURN_IF_ERROR(add_config_extensions(cert.get()));
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0)
    return openssl_error("signing the certificate");
  return cert;
}

Result<std::string> bio_contents(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (out.size() > INT_MAX ||
      BIO_read(bio, out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    return openssl_error("reading PEM from memory");
  }
  return out;
}

Result<std::string> key_pem(EVP_PKEY* key) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("encoding the private key");
  }
  return bio_contents(bio.get());
}

Result<std::string> cert_pem(X509* cert) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return openssl_error("encoding the certificate");
  }
  return bio_contents(bio.get());
}

}  // namespace

Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir) {
  return ensure_self_signed_certificate(dir, storage::real_file_system());
}

Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir,
                                                        storage::FileSystem& files) {
  CertificatePaths paths{(std::filesystem::path(dir) / kCertName).string(),
                         (std::filesystem::path(dir) / kKeyName).string()};
  TG_RETURN_IF_ERROR(storage::make_directories(files, dir, kDirMode));
  storage::FileInfo info;
  if (files.stat(paths.cert, &info) == 0 && files.stat(paths.key, &info) == 0) return paths;

  TG_ASSIGN_OR_RETURN(const PkeyPtr key, generate_p256_key());
  TG_ASSIGN_OR_RETURN(const X509Ptr cert, make_certificate(key.get()));
  TG_ASSIGN_OR_RETURN(const std::string key_text, key_pem(key.get()));
  TG_ASSIGN_OR_RETURN(const std::string cert_text, cert_pem(cert.get()));

  // The key goes in first and the certificate last, so "both files exist" means a matching
  // pair. A certificate left from an earlier, interrupted run would not match the new key.
  if (const int err = files.unlink(paths.cert); err == 0) {
    TG_RETURN_IF_ERROR(storage::sync_directory(files, dir));
  } else if (err != ENOENT) {
    return storage::os_error(err, "unlink", paths.cert);
  }
  TG_RETURN_IF_ERROR(storage::write_file_atomically(files, dir, kKeyName, key_text, kKeyMode));
  TG_RETURN_IF_ERROR(storage::write_file_atomically(files, dir, kCertName, cert_text, kCertMode));
  return paths;
}

}  // namespace tollgate::server
