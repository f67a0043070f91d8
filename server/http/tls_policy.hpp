// The server's TLS policy, applied to its one SSL_CTX before any handshake.
#pragma once

#include <openssl/ssl.h>

#include "tollgate/status.hpp"

namespace tollgate::server {

// The TLS 1.2 cipher list: forward secrecy (ECDHE) and authenticated encryption (AES-GCM,
// ChaCha20-Poly1305) only, ECDSA before RSA and AES-128 before AES-256. No CBC, no SHA-1 MAC,
// no static RSA key exchange, no finite-field DHE.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// The TLS 1.3 suites (all three are AEAD; TLS 1.3 key exchange is always ephemeral).
inline constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// Restricts `ctx` to TLS 1.2 and 1.3 (a client offering 1.3 gets 1.3), the suites above in the
// server's order of preference, no compression and no renegotiation. Session resumption stays,
// but without stateless tickets (SSL_OP_NO_TICKET): a TLS 1.2 ticket is encrypted under a key
// that lives as long as the process, so whoever learns it could decrypt every resumed session;
// TLS 1.2 resumes from the server's session cache instead, and TLS 1.3 gets stateful tickets
// whose resumption still runs an ECDHE exchange. Errors: internal when OpenSSL refuses a setting.
Status apply_tls_policy(SSL_CTX* ctx);

}  // namespace tollgate::server
