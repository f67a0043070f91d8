// Client certificates of build agents, on the TLS side: asking for them in the handshake and
// reading, once per connection, what the client presented ([tls] client_ca, client_identity).
//
// The server asks for a certificate but never requires one, and a certificate that does not
// verify does not fail the handshake: the connection carries the verdict (ClientCertificate in
// server/http/http_types.hpp) and a request that relies on it is answered 401 naming the reason
// (server/domain/identity/certificate_auth.hpp). Only a certificate that verifies against client_ca
// — chain, signatures, validity dates and, when present, an extended key usage allowing clientAuth
// — names a user; nothing else in a certificate is believed.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>

#include "server/domain/config.hpp"
#include "server/http/http_types.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Makes the server context `ctx` ask clients for a certificate issued by a CA in `ca_file`
// (PEM, one or more certificates): the CAs are trusted for client certificates and named in
// the certificate request. Verification during the handshake records but never refuses; see
// read_client_certificate. Errors: invalid when `ca_file` cannot be read or holds no
// certificate.
Status request_client_certificates(SSL_CTX* ctx, const std::string& ca_file);

// After a completed handshake: the certificate the client of `ssl` presented, verified anew
// against the context's trusted CAs (purpose ssl_client, at the current time), with the user
// the `identity` field names. Null when the client presented none.
std::shared_ptr<const ClientCertificate> read_client_certificate(SSL* ssl, ClientIdentity identity);

// The parts of `cert` read_client_certificate reports, for a certificate whose verification
// ended with `verify_result` (an X509_V_* code). Exposed for tests.
ClientCertificate describe_client_certificate(X509* cert, long verify_result,
                                              ClientIdentity identity);

}  // namespace tollgate::server
