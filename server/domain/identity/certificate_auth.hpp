// Authentication by client certificate (build agents; [tls] client_ca).
//
// A certificate that verified against client_ca authenticates as the user its configured field
// names ([tls] client_identity): an existing, enabled user, who acts with all of their current
// roles and environments (a certificate narrows nothing, unlike a token). As with tokens,
// nothing is cached: disabling the user or changing their roles counts from the next request.
//
// A request that carries an Authorization header is authenticated by it alone; the
// connection's certificate is then ignored and never a fallback (see the router).
#pragma once

#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/client_certificate.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// The principal `cert` authenticates: name = the user id, authenticated_by = "certificate",
// token_id = "cert:" + the first 16 hex characters of the certificate's SHA-256. A san-email
// identity must also be the user's recorded e-mail address (case aside). Errors: unauthorized
// with reason "certificate-untrusted" (another CA, a broken chain), "certificate-expired",
// "certificate-not-yet-valid", "certificate-purpose" (no clientAuth), "certificate-no-user"
// (the configured field is missing or names no valid user id), "certificate-unknown-user",
// "user-disabled".
Result<Principal> authenticate_certificate(const ClientCertificate& cert, storage::KvStore& store);

}  // namespace tollgate::server
