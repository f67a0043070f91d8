#include "server/http/tls_policy.hpp"

namespace tollgate::server {

Status apply_tls_policy(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
    return internal_error("OpenSSL refused the TLS protocol versions 1.2 to 1.3");
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
    return internal_error("OpenSSL refused the TLS 1.2 cipher list");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Ciphersuites) != 1)
    return internal_error("OpenSSL refused the TLS 1.3 cipher suites");
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  return {};
}

}  // namespace tollgate::server
