// What the HTTP front learnt about a connection's client certificate, as identity sees it: a
// verdict and the names the certificate carries. Identity maps it to a user
// (certificate_auth.hpp); the TLS code that fills it in is server/http/client_cert.hpp.
#pragma once

#include <string>

#include "tollgate/time.hpp"

namespace tollgate::server {

// The client certificate a TLS connection presented, as checked once after its handshake
// (server/http/client_cert.hpp). Only present when [tls] client_ca is set and the client sent one.
struct ClientCertificate {
  enum class Verdict {
    trusted,        // the chain verified against [tls] client_ca, dates and purpose included
    untrusted,      // another CA, a broken chain or signature, a revoked or unusable cert
    expired,        // the certificate (or one in its chain) is past its notAfter
    not_yet_valid,  // before its notBefore
    wrong_purpose,  // its extended key usage does not allow clientAuth
  };
  Verdict verdict = Verdict::untrusted;
  std::string verify_error;  // OpenSSL's words for a verdict other than trusted
  // The user id the configured field ([tls] client_identity) names; empty when the field is
  // missing, repeated or not a user id. Meaningful only for a trusted certificate.
  std::string user;
  std::string email;        // for san-email: the whole address, to match the user's e-mail
  std::string subject;      // one-line subject DN, for messages and logs
  std::string fingerprint;  // lower-case hex SHA-256 of the DER certificate
  Micros not_after = 0;

  bool trusted() const { return verdict == Verdict::trusted; }
};

}  // namespace tollgate::server
