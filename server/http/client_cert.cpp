#include "server/http/client_cert.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "server/domain/crypto.hpp"
#include "tollgate/encoding.hpp"
#include "tollgate/ids.hpp"
#include "tollgate/openssl.hpp"

namespace tollgate::server {
namespace {

using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using X509Ptr = OpenSslPtr<X509, X509_free>;

// Names the certificate-request carries and the session cache needs once peers are verified.
constexpr unsigned char kSessionContext[] = "tollgate-client-certificates";
constexpr std::string_view kUserUrnPrefix = "urn:tollgate:user:";

// Accepts whatever the handshake's verification found: the result is judged per request
// (read_client_certificate verifies again), so that a token user whose client happens to send
// some other certificate still gets in, and a bad certificate gets a 401 that says why.
int accept_for_later_judgement(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

// The text of an ASN1 string as UTF-8; nullopt when it does not convert or holds a NUL (a
// classic trick to make "agent1\0.evil" read as "agent1").
std::optional<std::string> utf8_text(const ASN1_STRING* value) {
  unsigned char* out = nullptr;
  const int length = ASN1_STRING_to_UTF8(&out, value);
  if (length < 0) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
  OPENSSL_free(out);
  if (text.find('\0') != std::string::npos) return std::nullopt;
  return text;
}

// The subject's one common name; nullopt when there is none or more than one.
std::optional<std::string> common_name(X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0) return std::nullopt;
  return utf8_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
}

// The certificate's one subjectAltName entry of `type` (GEN_EMAIL, GEN_DNS, GEN_URI); nullopt
// when there is none or more than one of that type.
std::optional<std::string> alt_name(X509* cert, int type) {
  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) return std::nullopt;
  std::optional<std::string> found;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int name_type = 0;
    auto* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(name, &name_type));
    if (name_type != type) continue;
    if (found) return std::nullopt;
    found = utf8_text(value);
    if (!found) return std::nullopt;
  }
  return found;
}

// Fills cert_info.user (and .email) from the configured field; left empty when it names no
// user id.
void read_identity(X509* cert, ClientIdentity identity, ClientCertificate& info) {
  std::optional<std::string> candidate;
  switch (identity) {
    case ClientIdentity::cn:
      candidate = common_name(cert);
      break;
    case ClientIdentity::san_dns:
      candidate = alt_name(cert, GEN_DNS);
      break;
    case ClientIdentity::san_uri:
      if (auto uri = alt_name(cert, GEN_URI); uri && uri->starts_with(kUserUrnPrefix))
        candidate = uri->substr(kUserUrnPrefix.size());
      break;
    case ClientIdentity::san_email:
      if (auto email = alt_name(cert, GEN_EMAIL)) {
        const auto at = email->find('@');
        if (at != std::string::npos && at > 0 && email->find('@', at + 1) == std::string::npos) {
          candidate = email->substr(0, at);
          info.email = *email;
        }
      }
      break;
  }
  if (candidate && is_slug(*candidate)) info.user = *candidate;
}

std::string subject_text(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return {};
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::string fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return {};
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Micros not_after(X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return 0;
  return static_cast<Micros>(timegm(&tm)) * 1'000'000;
}

ClientCertificate::Verdict verdict_of(long verify_result) {
  switch (verify_result) {
    case X509_V_OK:
      return ClientCertificate::Verdict::trusted;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return ClientCertificate::Verdict::expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return ClientCertificate::Verdict::not_yet_valid;
    case X509_V_ERR_INVALID_PURPOSE:
      return ClientCertificate::Verdict::wrong_purpose;
    default:
      return ClientCertificate::Verdict::untrusted;
  }
}

// Verifies `cert` with the chain the client sent against the context's trusted store, as a
// TLS client certificate at the current time; the X509_V_* result of the first failure (the
// store has no verify callback, so verification stops there; the handshake's lenient callback
// is the SSL_CTX's, not the store's).
long verify(SSL* ssl, X509* cert) {
  X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, cert, SSL_get_peer_cert_chain(ssl)) != 1)
    return X509_V_ERR_UNSPECIFIED;
  // "ssl_client": the purpose a server checks (extended key usage clientAuth when present).
  if (X509_STORE_CTX_set_default(ctx.get(), "ssl_client") != 1) return X509_V_ERR_UNSPECIFIED;
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  return error == X509_V_OK ? X509_V_ERR_UNSPECIFIED : error;
}

}  // namespace

Status request_client_certificates(SSL_CTX* ctx, const std::string& ca_file) {
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1)
    return invalid(fmt::format("[tls] client_ca: cannot load CA certificates from {}", ca_file));
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr)
    return invalid(fmt::format("[tls] client_ca: {} holds no CA certificate", ca_file));
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_for_later_judgement);
  // Sessions of verified peers only resume under a session id context.
  if (SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1) != 1)
    return internal_error("cannot set the TLS session id context");
  return {};
}

std::shared_ptr<const ClientCertificate> read_client_certificate(SSL* ssl,
                                                                 ClientIdentity identity) {
  X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return nullptr;
  return std::make_shared<const ClientCertificate>(
      describe_client_certificate(cert.get(), verify(ssl, cert.get()), identity));
}

ClientCertificate describe_client_certificate(X509* cert, long verify_result,
                                              ClientIdentity identity) {
  ClientCertificate info;
  info.verdict = verdict_of(verify_result);
  if (verify_result != X509_V_OK) info.verify_error = X509_verify_cert_error_string(verify_result);
  info.subject = subject_text(cert);
  info.fingerprint = fingerprint(cert);
  info.not_after = not_after(cert);
  read_identity(cert, identity, info);
  return info;
}

}  // namespace tollgate::server
