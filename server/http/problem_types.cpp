#include "server/http/problem_types.hpp"

#include <algorithm>

namespace tollgate::server {

const std::vector<ProblemType>& problem_types() {
  static const std::vector<ProblemType> kTypes = {
      // 400: the request is wrong; nothing was changed.
      {"invalid", 400, "The request is not acceptable (a parameter, a header or the body)"},
      {"validation", 400, "The JSON body has wrong types, missing or unknown fields ('errors')"},
      {"malformed-json", 400, "The body is not JSON"},
      {"bad-signature", 400, "A signed document does not verify"},
      {"digest-mismatch", 400,
       "The bytes' SHA-256 is not the declared one ('declared', 'actual'); nothing is kept"},
      {"duplicate-install-path", 400, "Two items of a release install files at the same path"},
      {"duplicate-path", 400, "An inventory names the same path twice"},
      {"inventory-too-large", 413,
       "An inventory has more entries than [audits] pca_max_entries allows: audit the host in "
       "parts"},
      {"invalid-artifact-name", 400, "A CI, version or file name an artifact cannot have"},
      {"invalid-baseline-name", 400, "A name a baseline cannot have"},
      {"invalid-content-range", 400, "A Content-Range header that is not 'bytes a-b/*'"},
      {"invalid-digest", 400, "A digest that is not sha256:<64 hex>"},
      {"invalid-host", 400, "A host name an inventory cannot have"},
      {"invalid-inventory", 400, "A PCA inventory line or entry that cannot be read"},
      {"invalid-path", 400, "An inventory path that is absolute, empty or climbs out"},
      {"reserved-baseline-name", 400, "The name belongs to the production baseline library"},
      {"reserved-user", 400, "The user id is reserved for the server's own records"},
      {"token-expiry", 400, "expires_at is past, or beyond [tokens] max_expiry_days"},
      {"token-widens-user", 400, "A token may narrow its user's roles or environments, not widen"},
      {"unknown-evidence", 400, "The evidence names no document of the release"},
      {"unknown-rfc", 400, "A linked RFC does not exist"},
      {"unknown-user", 400, "The token's user does not exist"},
      {"malformed-key", 400, "A public key that is not 32 bytes of base64url"},
      {"malformed-signature", 400, "A signature member that cannot be read"},
      // 401: who is asking is not known.
      {"unauthorized", 401, "No, a malformed or an unknown token (or client certificate)"},
      {"token-revoked", 401, "The token was revoked"},
      {"token-expired", 401, "The token expired"},
      {"token-outgrown", 401, "The token holds a role its user no longer has"},
      {"user-disabled", 401, "The token's user is disabled"},
      {"login-failed", 401, "The directory refused the username and password"},
      {"certificate-expired", 401, "The client certificate has expired"},
      {"certificate-not-yet-valid", 401, "The client certificate is not valid yet"},
      {"certificate-purpose", 401, "The client certificate is not for client authentication"},
      {"certificate-untrusted", 401, "The client certificate is not issued by [tls] client_ca"},
      {"certificate-no-user", 401, "The client certificate names no user"},
      {"certificate-unknown-user", 401, "The client certificate names an unknown user"},
      // 403: known, but not allowed.
      {"forbidden", 403, "Not allowed"},
      {"forbidden-role", 403, "The token holds none of the roles the route needs"},
      {"environment-forbidden", 403, "The token is limited to other environments"},
      {"gate-role", 403, "The token holds none of the roles [gates] names for this gate"},
      {"login-locked", 403, "Too many failed logins: wait (Retry-After)"},
      {"login-no-role", 403, "The directory grants this person no role"},
      {"not-rfc-author", 403, "Only the RFC's author edits or submits it"},
      {"requester-document", 403, "A requester adds only build and test documents of own RFCs"},
      {"self-approval", 403, "The submitter of an RFC cannot approve or reject it"},
      {"separation-of-duties", 403, "The release's author cannot record this gate"},
      {"token-other-user", 403, "Only an admin mints or revokes tokens of another user"},
      {"user-not-from-directory", 403, "A local user cannot log in through the directory"},
      // 404: the named thing does not exist.
      {"not-found", 404, "The named thing does not exist"},
      {"blob-unknown", 404, "No blob with this digest is stored"},
      {"login-not-configured", 404, "No directory is configured: use an API token"},
      {"no-baseline", 404, "No baseline was in force then"},
      {"retired-key", 404, "Signed by a retired key"},
      {"unknown-baseline", 404, "No such baseline"},
      {"unknown-ci", 404, "No such CI"},
      {"unknown-environment", 404, "No such environment in the configuration"},
      {"unknown-gate", 404, "No such gate"},
      {"unknown-item", 404, "The release carries no item of that CI"},
      {"unknown-key", 404, "Signed by an unknown key"},
      {"unknown-known-error", 404, "The release has no such known error"},
      // 405, 406
      {"method-not-allowed", 405, "The path exists, the method does not (Allow lists them)"},
      {"not-acceptable", 406, "Accept names no representation the route has"},
      // 409: the request contradicts the current state.
      {"conflict", 409, "The request contradicts the current state"},
      {"active-key", 409, "The active signing key cannot be retired"},
      {"already-promoted", 409, "The release is in that environment already"},
      {"already-retired", 409, "The key is retired already"},
      {"baseline-exists", 409, "Baselines are immutable: the name is taken"},
      {"ci-disposed", 409, "A disposed CI takes no new documents"},
      {"concurrent-change", 409, "The environment changed while promoting: try again"},
      {"corrupt-blob", 409,
       "A stored blob no longer matches its digest (quarantined); as 500 when serving it"},
      {"document-name-collision", 409, "Another document's name differs only in case"},
      {"duplicate-approval", 409, "This person approved this emergency release already"},
      {"duplicate-vote", 409, "This person voted on this RFC already"},
      {"gate-too-early", 409, "A gate recorded before the one it follows"},
      {"gates-unmet", 409, "Promotion refused: 'unmet' lists every gate not met"},
      {"illegal-transition", 409, "The state does not allow this step"},
      {"known-error-resolved", 409, "The known error was resolved already"},
      {"media-type-mismatch", 409, "The document's new version has another media type"},
      {"no-artifacts", 409, "The CI version has no artifacts"},
      {"no-manifest", 409, "Nothing was ever deployed in that environment"},
      {"not-current-release", 409, "Only the release whose promotion wrote the manifest backs out"},
      {"not-emergency", 409, "Only an emergency release takes this gate"},
      {"not-on-path", 409, "The environment is not on the release's path"},
      {"package-conflict", 409, "Packaged releases carry one CI at different versions"},
      {"release-cancelled", 409, "The release was cancelled"},
      {"release-deployed", 409, "The release reached production: its contents are frozen"},
      {"release-in-environment", 409, "The release is in an environment: back it out first"},
      {"rfc-does-not-name-ci", 409, "The RFC does not name this controlled CI"},
      {"rfc-not-approved", 409, "The RFC is not approved"},
      {"rfc-not-draft", 409, "Only a draft RFC is edited"},
      {"rfc-required", 409, "A controlled CI changes only with an approved RFC"},
      {"rfc-unknown", 409, "The named RFC does not exist"},
      {"skipped-environment", 409, "Promotion refused: an earlier environment was skipped"},
      {"user-exists", 409, "The user id is taken"},
      {"vdd-mismatch", 409, "The committed VDD no longer describes the release"},
      {"vdd-name-taken", 409, "A document of the release is named like the VDD"},
      // 412, 413, 415, 416, 428, 431
      {"stale-revision", 412, "If-Match names an older revision"},
      {"stale-document", 412, "If-Match / If-None-Match do not hold for the document"},
      {"too-large", 413, "The body is over its limit"},
      {"unsupported-media", 415, "The body's Content-Type is not one the route reads"},
      {"range-not-satisfiable", 416, "Range is outside the bytes (Content-Range: bytes */size)"},
      {"upload-range-mismatch", 416, "The chunk does not continue the upload ('offset')"},
      {"precondition-required", 428, "A required precondition header or parameter is missing"},
      {"headers-too-large", 431, "The request headers are over [server] header_limit"},
      // 5xx: the server's own trouble.
      {"internal", 500, "A bug"},
      {"corrupt", 500, "Stored data failed verification"},
      {"io", 500, "The operating system refused"},
      {"unavailable", 503, "Shutting down, overloaded, or a body read timed out"},
      {"directory-unavailable", 503, "The directory (LDAP) cannot be reached"},
      {"vault-busy", 503, "The vault is busy with other writes: try again"},
      {"storage-full", 507, "The store cannot grow"},
  };
  return kTypes;
}

const ProblemType* find_problem_type(std::string_view slug) {
  const auto& types = problem_types();
  const auto at = std::find_if(types.begin(), types.end(),
                               [&](const ProblemType& t) { return slug == t.slug; });
  return at == types.end() ? nullptr : &*at;
}

}  // namespace tollgate::server
