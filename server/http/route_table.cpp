#include "server/http/route_table.hpp"

#include "server/http/handlers/documents.hpp"
#include "server/http/handlers/handlers.hpp"

namespace tollgate::server {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

// Who may call what. Admin administers users, tokens and keys and approves nothing; the
// approvals themselves (gates, RFC votes) are in [gates] and the ECCB's rule.
constexpr Allow kAdmin{Role::admin};
constexpr Allow kAudit{Role::admin, Role::auditor};
constexpr Allow kCiTypeWrite{Role::cm_manager, Role::admin};
constexpr Allow kCmdbWrite{Role::cm_manager, Role::change_manager, Role::release_manager,
                           Role::admin};
constexpr Allow kArtifactWrite{Role::build_agent, Role::release_manager, Role::admin};
constexpr Allow kRfcRaise{Role::requester, Role::change_manager, Role::release_manager,
                          Role::cm_manager, Role::admin};
constexpr Allow kRfcImplement{Role::change_manager, Role::release_manager};
constexpr Allow kEccb{Role::change_manager};
constexpr Allow kReleaseWrite{Role::release_manager, Role::admin};
constexpr Allow kReleaseDocuments{Role::release_manager, Role::change_manager, Role::requester,
                                  Role::admin};
constexpr Allow kKnownErrors{Role::release_manager, Role::change_manager, Role::tester,
                             Role::admin};
constexpr Allow kBaselineWrite{Role::cm_manager, Role::change_manager, Role::release_manager,
                               Role::auditor, Role::admin};
constexpr Allow kFca{Role::auditor, Role::change_manager, Role::admin};
constexpr Allow kPca{Role::auditor, Role::change_manager, Role::release_manager, Role::build_agent,
                     Role::admin};

// Shared parts of the route docs (route_doc.hpp).
const std::vector<const char*> kBlobHeaders = {"ETag", "X-Checksum-Sha256", "Accept-Ranges",
                                               "Cache-Control"};
constexpr ProblemRef kRfcControl[] = {"rfc-required", "rfc-unknown", "rfc-not-approved",
                                      "rfc-does-not-name-ci"};
const std::vector<const char*> kUploadHeaders = {"Location", "Range", "Upload-Offset",
                                                 "Docker-Upload-UUID"};

// The answers of a route that serves a blob's bytes: whole, a range, or not modified.
RouteDoc bytes(const char* what, std::vector<const char*> headers) {
  headers.insert(headers.end(), kBlobHeaders.begin(), kBlobHeaders.end());
  std::vector<const char*> partial = headers;
  partial.push_back("Content-Range");
  return RouteDoc::answers({.status = 200,
                            .schema = nullptr,
                            .description = what,
                            .media = "application/octet-stream",
                            .headers = headers})
      .also({.status = 206,
             .schema = nullptr,
             .description = "The range asked for",
             .media = "application/octet-stream",
             .headers = partial})
      .also({.status = 304, .schema = nullptr, .description = "If-None-Match holds"})
      .headers({{"Range", "string", "bytes=a-b, bytes=a- or bytes=-n; one range"},
                {"If-None-Match", "string", "\"sha256:<hex>\": answer 304 when it matches"}})
      .problems({"environment-forbidden", "range-not-satisfiable", {500, "corrupt-blob"}});
}

// An RFC step: POST /api/v1/rfcs/{id}/<step> with an optional {"note"}.
RouteDoc rfc_step(std::initializer_list<ProblemRef> problems) {
  return RouteDoc::ok("Rfc", "The RFC after the step")
      .json_body("OptionalNote", false)
      .problems({"not-found", "illegal-transition"})
      .problems(problems);
}

// A change to a release: its JSON body, the release after it.
RouteDoc release_change(unsigned status, const char* body) {
  return RouteDoc::answers({status, "Release", "The release after the change"})
      .json_body(body)
      .problems({"not-found", "release-deployed", "release-cancelled"});
}

const std::vector<Route> kRoutes = {
    {"GET", "/healthz", Allow::anyone(), healthz, "Liveness and store health",
     RouteDoc::ok("Health").problems({"unavailable"})},
    {"GET", "/metrics", Allow::anyone(), metrics, "Prometheus metrics",
     RouteDoc::answers({.status = 200,
                        .schema = nullptr,
                        .description = "Prometheus text exposition format 0.0.4",
                        .media = "text/plain"})},
    {"GET", "/api/v1/openapi.json", Allow::anyone(), openapi, "This API's description",
     RouteDoc::answers({200, nullptr, "This OpenAPI 3.0.3 document"})},
    {"GET", "/api/v1/routes", Allow::any_role(), list_routes,
     "Every route with the roles that may call it", RouteDoc::ok("RoutePage")},
    {"GET", "/api/v1/whoami", Allow::any_role(), whoami,
     "The person and the roles and environments of the calling token", RouteDoc::ok("Whoami")},
    {"GET", "/api/v1/users", kAudit, list_users, "List users (limit, cursor)",
     RouteDoc::ok("UserPage").paged()},
    {"POST", "/api/v1/users", kAdmin, create_user, "Create a user (a person)",
     RouteDoc::answers(
         {.status = 201, .schema = "User", .description = "Created", .headers = {"Location"}})
         .json_body("UserCreate")
         .problems({"invalid", "reserved-user", {400, "unknown-environment"}, "user-exists"})},
    {"GET", "/api/v1/users/{id}", kAudit, get_user, "Get a user",
     RouteDoc::ok("User").problems({"not-found"})},
    {"PATCH", "/api/v1/users/{id}", kAdmin, patch_user,
     "Change a user's name, e-mail, roles, environments or disabled flag",
     RouteDoc::ok("User")
         .json_body("UserPatch")
         .problems({"invalid", {400, "unknown-environment"}, "not-found"})},
    {"GET", "/api/v1/tokens", Allow::any_role(), list_tokens,
     "List tokens (admins and auditors every one, others their own; user, limit, cursor)",
     RouteDoc::ok("TokenPage")
         .paged()
         .query({{"user", "string",
                  "Only this user's tokens (others than one's own: admin, auditor)"}})
         .problems({"token-other-user"})},
    {"POST", "/api/v1/tokens", Allow::any_role(), create_token,
     "Mint a token for a user (admins for anyone, others for themselves; shown once)",
     RouteDoc::answers({.status = 201,
                        .schema = "MintedToken",
                        .description = "Minted; the secret is in token, shown this once",
                        .headers = {"Cache-Control"}})
         .json_body("TokenCreate")
         .problems({"token-expiry",
                    "token-widens-user",
                    "unknown-user",
                    {400, "unknown-environment"},
                    "token-other-user",
                    {403, "user-disabled"}})},
    {"DELETE", "/api/v1/tokens/{id}", Allow::any_role(), revoke_token,
     "Revoke a token (admins any, others their own); effective on the next request",
     RouteDoc::ok("Token", "Revoked").problems({"token-other-user", "not-found"})},
    // Anyone: logging in is how a person without a token gets one. Bounded by the lockout.
    {"POST", "/api/v1/sessions", Allow::anyone(), create_session,
     "Log in with a directory (LDAP) username and password; answers a session token",
     RouteDoc::answers({.status = 201,
                        .schema = "Session",
                        .description = "Logged in",
                        .headers = {"Cache-Control"}})
         .json_body("SessionCreate")
         .problems({"login-failed",
                    "login-locked",
                    "login-no-role",
                    {403, "user-disabled"},
                    "user-not-from-directory",
                    "login-not-configured",
                    "directory-unavailable"})},
    {"GET", "/api/v1/keys", Allow::anyone(), list_keys,
     "Public keys that sign manifests and baselines", RouteDoc::ok("KeyList")},
    {"GET", "/api/v1/ci-types", Allow::any_role(), list_ci_types, "List CI types",
     RouteDoc::ok("CiTypePage").paged()},
    {"POST", "/api/v1/ci-types", kCiTypeWrite, create_ci_type, "Define a CI type",
     RouteDoc::answers(
         {.status = 201, .schema = "CiType", .description = "Created", .headers = {"Location"}})
         .json_body("CiTypeCreate")
         .problems({"conflict"})},
    {"GET", "/api/v1/ci-types/{name}", Allow::any_role(), get_ci_type, "Get a CI type",
     RouteDoc::ok("CiType").problems({"not-found"})},
    {"GET", "/api/v1/cis", Allow::any_role(), list_cis, "List CIs (type, status, q, limit, cursor)",
     RouteDoc::ok("CiPage").paged().query(
         {{"type", "string", "Only CIs of this CI type"},
          {"status", "CiStatus", "Only CIs in this status"},
          {"q", "string", "Only CIs whose id or name contains this text"}})},
    {"POST", "/api/v1/cis", kCmdbWrite, create_ci, "Create a CI",
     RouteDoc::answers(
         {.status = 201, .schema = "Ci", .description = "Created", .headers = {"ETag", "Location"}})
         .json_body("CiCreate")
         .problems({"conflict"})},
    {"GET", "/api/v1/cis/{id}", Allow::any_role(), get_ci, "Get a CI, now or as_of an instant",
     RouteDoc::answers(
         {.status = 200, .schema = "Ci", .description = "The CI", .headers = {"ETag"}})
         .also({.status = 304, .schema = nullptr, .description = "If-None-Match holds"})
         .query({{"as_of", "date-time", "The CI as it was at this instant (RFC 3339)"}})
         .headers({{"If-None-Match", "string", "The ETag held: answer 304 when still current"}})
         .problems({"invalid", "not-found"})},
    {"PATCH", "/api/v1/cis/{id}", kCmdbWrite, patch_ci, "Change a CI (If-Match)",
     RouteDoc::answers({.status = 200,
                        .schema = "Ci",
                        .description = "The CI after the change",
                        .headers = {"ETag"}})
         .json_body("CiPatch")
         .headers({{"If-Match", "string", "The CI's ETag (\"<revision>\") or *", true}})
         .problems({"precondition-required", "stale-revision", "not-found", "illegal-transition"})
         .problems(kRfcControl)},
    {"GET", "/api/v1/cis/{id}/history", Allow::any_role(), ci_history, "A CI's change history",
     RouteDoc::ok("CiHistoryPage").paged().problems({"not-found"})},
    {"GET", "/api/v1/cis/{id}/impact", Allow::any_role(), ci_impact, "Impact analysis",
     RouteDoc::ok("Impact")
         .query({{"direction", "Direction",
                  "up: what depends on the CI (default); down: what it "
                  "depends on"},
                 {"depth", "integer", "How many relationships to follow, 1..32 (default 5)"}})
         .problems({"invalid", "not-found"})},
    {"GET", "/api/v1/cis/{id}/relationships", Allow::any_role(), ci_relationships,
     "A CI's relationships", RouteDoc::ok("RelationshipList").problems({"not-found"})},
    {"GET", "/api/v1/cis/{id}/documents", Allow::any_role(), list_documents, "A CI's documents",
     RouteDoc::ok("DocumentPage").paged().problems({"not-found"})},
    {"GET", "/api/v1/cis/{id}/documents/{name}", Allow::any_role(), get_document,
     "A document's content, now or at ?commit=",
     RouteDoc::answers(
         {.status = 200,
          .schema = nullptr,
          .description = "The document's bytes, in its media type",
          .media = "*/*",
          .headers = {"ETag", "X-Tollgate-Commit", "X-Tollgate-Blob", "X-Checksum-Sha256"}})
         .also({.status = 304, .schema = nullptr, .description = "If-None-Match holds"})
         .query({{"commit", "string", "The version at this vault commit"},
                 {"at", "string", "A synonym of commit"}})
         .headers({{"If-None-Match", "string", "A commit's ETag: answer 304 when it matches"}})
         .problems({"invalid", "not-found"})},
    {"PUT", "/api/v1/cis/{id}/documents/{name}", kCmdbWrite, put_document,
     "Write a document version (raw body, or JSON {content})",
     RouteDoc::answers({.status = 201,
                        .schema = "DocumentWritten",
                        .description = "The document's first version",
                        .headers = {"ETag", "Location", "X-Tollgate-Commit"}})
         .also({.status = 200,
                .schema = "DocumentWritten",
                .description = "A new version, or the current content again (committed false)",
                .headers = {"ETag", "X-Tollgate-Commit"}})
         .body({{{"application/json", "DocumentWrite"}, {"*/*", nullptr}},
                true,
                "The document's bytes in any media type, or application/json {content, message, "
                "media_type, rfc}"})
         .query({{"rfc", "string", "The approved RFC that authorises changing a controlled CI"}})
         .headers({{"If-Match", "string", "The commit the change expects as current"},
                   {"If-None-Match", "string", "*: only if the document does not exist"},
                   {"X-Tollgate-Message", "string", "The commit message"}})
         .problems({"not-found", "stale-document", "ci-disposed", "document-name-collision",
                    "media-type-mismatch", "vault-busy"})
         .problems(kRfcControl),
     BodyKind::raw},
    {"GET", "/api/v1/cis/{id}/documents/{name}/history", Allow::any_role(), document_history,
     "A document's versions, newest first",
     RouteDoc::ok("DocumentRevisionPage").paged().problems({"not-found"})},
    {"POST", "/api/v1/relationships", kCmdbWrite, add_relationship, "Relate two CIs",
     RouteDoc::created("Relationship")
         .also({200, "Relationship", "The relationship existed already"})
         .json_body("RelationshipInput")
         .problems({"not-found", "conflict"})
         .problems(kRfcControl)},
    {"DELETE", "/api/v1/relationships", kCmdbWrite, remove_relationship, "Remove a relationship",
     RouteDoc::answers({204, nullptr, "Removed"})
         .json_body("RelationshipInput")
         .problems({"not-found"})
         .problems(kRfcControl)},
    {"GET", "/api/v1/artifacts/{ci}", Allow::any_role(), list_artifact_versions,
     "Versions of a CI that have artifacts",
     RouteDoc::ok("ArtifactVersionPage").paged().problems({"not-found"})},
    {"GET", "/api/v1/artifacts/{ci}/{version}", Allow::any_role(), list_artifact_files,
     "Artifacts of a CI version", RouteDoc::ok("ArtifactFilePage").paged().problems({"not-found"})},
    {"GET", "/api/v1/artifacts/{ci}/{version}/{file}", Allow::any_role(), get_artifact,
     "Download an artifact (Range, If-None-Match)",
     bytes("The artifact's bytes, in its media type", {"Last-Modified"})
         .problems({"invalid-artifact-name", "not-found"})},
    {"PUT", "/api/v1/artifacts/{ci}/{version}/{file}", kArtifactWrite, put_artifact,
     "Upload an artifact (X-Checksum-Sha256; X-Checksum-Deploy)",
     RouteDoc::answers({.status = 201,
                        .schema = "Artifact",
                        .description = "Stored",
                        .headers = {"Location", "ETag", "X-Checksum-Sha256"}})
         .also({.status = 200,
                .schema = "Artifact",
                .description = "The same bytes were stored there already",
                .headers = {"Location", "ETag", "X-Checksum-Sha256"}})
         .body({{{"application/octet-stream", nullptr}},
                false,
                "The artifact's bytes, streamed (any media type: its Content-Type is recorded); "
                "empty with X-Checksum-Deploy"})
         .headers({{"X-Checksum-Sha256", "string", "SHA-256 of the bytes (64 hex)", true},
                   {"X-Checksum-Deploy", "string",
                    "true: store bytes already held under this digest, empty body"},
                   {"X-Tollgate-Source-Commit", "string", "Build information"},
                   {"X-Tollgate-Builder", "string", "Build information"},
                   {"X-Tollgate-Build-Url", "string", "Build information"}})
         .problems({"invalid", "invalid-artifact-name", "invalid-digest", "digest-mismatch",
                    "precondition-required", "not-found", "blob-unknown", "conflict",
                    "storage-full"}),
     BodyKind::stream},
    {"GET", "/api/v1/blobs/{digest}", Allow::any_role(), get_blob,
     "Download a blob by sha256:<hex>",
     bytes("The blob's bytes", {}).problems({"invalid-digest", "not-found"})},
    {"POST", "/api/v1/uploads", kArtifactWrite, start_upload, "Start a resumable upload",
     RouteDoc::answers(
         {.status = 202, .schema = "Upload", .description = "Started", .headers = kUploadHeaders})},
    {"GET", "/api/v1/uploads/{id}", kArtifactWrite, get_upload, "How far a resumable upload got",
     RouteDoc::answers({.status = 204,
                        .schema = nullptr,
                        .description = "Where it stands: Range and Upload-Offset",
                        .headers = kUploadHeaders})
         .problems({"not-found", "forbidden"})},
    {"PATCH", "/api/v1/uploads/{id}", kArtifactWrite, patch_upload,
     "Append to a resumable upload (Content-Range)",
     RouteDoc::answers(
         {.status = 202, .schema = "Upload", .description = "Appended", .headers = kUploadHeaders})
         .body({{{"application/octet-stream", nullptr}}, true, "The next bytes, streamed"})
         .headers({{"Content-Range", "string",
                    "bytes <first>-<last>/*: where the chunk goes; must continue the upload"}})
         .problems({"invalid-content-range", "upload-range-mismatch", "not-found", "forbidden",
                    "conflict", "storage-full"}),
     BodyKind::stream},
    {"PUT", "/api/v1/uploads/{id}", kArtifactWrite, finish_upload,
     "Finish a resumable upload (?digest=&coordinate=)",
     RouteDoc::answers({.status = 201,
                        .schema = "Artifact",
                        .description = "Stored as an artifact",
                        .headers = {"Location", "ETag", "X-Checksum-Sha256"}})
         .also({200, "Artifact", "The same bytes were stored there already"})
         .body({{{"application/octet-stream", nullptr}}, false, "The last bytes, if any"})
         .query({{"digest", "string", "sha256:<64 hex> of all the bytes", true},
                 {"coordinate", "string", "CI/VERSION/FILE", true}})
         .problems({"precondition-required", "invalid", "invalid-digest", "invalid-artifact-name",
                    "digest-mismatch", "not-found", "forbidden", "conflict", "storage-full"}),
     BodyKind::stream},
    {"DELETE", "/api/v1/uploads/{id}", kArtifactWrite, cancel_upload, "Cancel a resumable upload",
     RouteDoc::answers({204, nullptr, "Cancelled"}).problems({"not-found", "forbidden"})},
    {"GET", "/api/v1/rfcs", Allow::any_role(), list_rfcs, "List RFCs (state, ci, limit, cursor)",
     RouteDoc::ok("RfcPage").paged().query({{"state", "RfcState", "Only RFCs in this state"},
                                            {"ci", "string", "Only RFCs that name this CI"}})},
    {"POST", "/api/v1/rfcs", kRfcRaise, create_rfc, "Create an RFC (draft)",
     RouteDoc::answers({.status = 201,
                        .schema = "Rfc",
                        .description = "Created, in state draft",
                        .headers = {"Location"}})
         .json_body("RfcCreate")
         .problems({{400, "unknown-ci"}})},
    {"GET", "/api/v1/rfcs/{id}", Allow::any_role(), get_rfc, "Get an RFC with its impact analysis",
     RouteDoc::ok("Rfc").problems({"not-found"})},
    {"PATCH", "/api/v1/rfcs/{id}", kRfcRaise, update_rfc,
     "Edit a draft RFC (its author: title, description, category, cis, impact)",
     RouteDoc::ok("Rfc")
         .json_body("RfcPatch")
         .problems({"not-found", "not-rfc-author", "rfc-not-draft", {400, "unknown-ci"}})},
    {"POST", "/api/v1/rfcs/{id}/submit", kRfcRaise, submit_rfc, "Submit an RFC",
     rfc_step({"not-rfc-author"})},
    {"POST", "/api/v1/rfcs/{id}/approve", kEccb, approve_rfc,
     "Approve a submitted RFC (change_manager, admin; not its submitter)",
     rfc_step({"self-approval", "duplicate-vote"})},
    {"POST", "/api/v1/rfcs/{id}/reject", kEccb, reject_rfc,
     "Reject a submitted RFC (change_manager, admin; not its submitter)",
     rfc_step({"self-approval", "duplicate-vote"})},
    {"POST", "/api/v1/rfcs/{id}/implement", kRfcImplement, implement_rfc,
     "Mark an approved RFC implemented", rfc_step({})},
    {"POST", "/api/v1/rfcs/{id}/review", kEccb, review_rfc,
     "Review an implemented RFC (change_manager, admin)", rfc_step({})},
    {"POST", "/api/v1/rfcs/{id}/close", kEccb, close_rfc,
     "Close a reviewed or rejected RFC (change_manager, admin)", rfc_step({})},
    {"GET", "/api/v1/releases", Allow::any_role(), list_releases,
     "List releases (state, category, limit, cursor)",
     RouteDoc::ok("ReleasePage")
         .paged()
         .query({{"state", "ReleaseState", "Only releases in this state"},
                 {"category", "ReleaseCategory", "Only releases of this category"}})},
    {"POST", "/api/v1/releases", kReleaseWrite, create_release,
     "Create a release (release_manager, admin)",
     RouteDoc::answers({.status = 201,
                        .schema = "Release",
                        .description = "Created, in state planned",
                        .headers = {"Location"}})
         .json_body("ReleaseCreate")
         .problems({"invalid", "package-conflict"})},
    {"GET", "/api/v1/releases/{id}", Allow::any_role(), get_release,
     "Get a release with its digest and gates", RouteDoc::ok("Release").problems({"not-found"})},
    {"PATCH", "/api/v1/releases/{id}", kReleaseWrite, correct_release,
     "Reschedule a release or change its linked RFCs (planned, rfcs, note)",
     release_change(200, "ReleasePatch").problems({"unknown-rfc"})},
    {"POST", "/api/v1/releases/{id}/cancel", kReleaseWrite, cancel_release,
     "Cancel a release that is in no environment and never reached production (note)",
     release_change(200, "Note").problems({"release-in-environment"})},
    {"POST", "/api/v1/releases/{id}/items", kReleaseWrite, add_release_item,
     "Add a CI version with all its artifacts (release_manager, admin)",
     release_change(200, "ReleaseItemInput")
         .problems({"invalid", "no-artifacts", "duplicate-install-path"})},
    {"DELETE", "/api/v1/releases/{id}/items/{ci}", kReleaseWrite, remove_release_item,
     "Remove a release's item (note?)",
     RouteDoc::ok("Release", "The release after the change")
         .json_body("OptionalNote", false)
         .problems({"not-found", "unknown-item", "release-deployed", "release-cancelled"})},
    {"POST", "/api/v1/releases/{id}/documents", kReleaseDocuments, add_release_document,
     "Commit a release document to the vault (release_manager, admin)",
     release_change(201, "ReleaseDocumentInput")
         .problems({"requester-document", "vdd-name-taken", "conflict", "vault-busy"})},
    {"GET", "/api/v1/releases/{id}/documents/{name}", Allow::any_role(), get_release_document,
     "A release document's content",
     RouteDoc::answers(
         {.status = 200,
          .schema = nullptr,
          .description = "The document's bytes, in its media type",
          .media = "*/*",
          .headers = {"X-Tollgate-Commit", "X-Tollgate-Blob", "X-Tollgate-Document-Kind"}})
         .problems({"not-found"})},
    {"POST", "/api/v1/releases/{id}/known-errors", kKnownErrors, add_known_error,
     "Record a known error of a release", release_change(201, "KnownErrorInput")},
    {"POST", "/api/v1/releases/{id}/known-errors/{ke}/resolve", kKnownErrors, resolve_known_error,
     "Resolve a known error of a release (resolution)",
     release_change(200, "KnownErrorResolve")
         .problems({"unknown-known-error", "known-error-resolved"})},
    {"POST", "/api/v1/releases/{id}/gates/{gate}", Allow::gate_policy(), record_gate,
     "Record a gate verdict, bound to the current digest (roles per [gates])",
     RouteDoc::created("GateRecorded", "Recorded: the release, and for rrr its schedule conflicts")
         .json_body("GateInput")
         .problems({"not-found", "unknown-gate", "gate-role", "separation-of-duties",
                    "environment-forbidden", "unknown-evidence", "gate-too-early", "not-emergency",
                    "duplicate-approval", "release-cancelled", "vdd-name-taken", "vault-busy"})},
    {"POST", "/api/v1/releases/{id}/promote", kReleaseWrite, promote_release,
     "Promote a release into an environment (release_manager, admin)",
     RouteDoc::ok("Promotion", "Promoted: the new signed manifest")
         .json_body("EnvironmentInput")
         .problems({"not-found", "unknown-environment", "environment-forbidden", "gates-unmet",
                    "skipped-environment", "not-on-path", "already-promoted", "release-cancelled",
                    "concurrent-change", "corrupt-blob", "vault-busy"})},
    {"POST", "/api/v1/releases/{id}/backout", kReleaseWrite, backout_release,
     "Back a release out of an environment (release_manager, admin)",
     RouteDoc::ok("Promotion", "Backed out: the manifest before it, signed anew")
         .json_body("EnvironmentInput")
         .problems({"not-found", "unknown-environment", "environment-forbidden",
                    "not-current-release", "concurrent-change", "vault-busy"})},
    {"GET", "/api/v1/environments", Allow::any_role(), list_environments,
     "Environments in order, with their current manifest versions",
     RouteDoc::ok("EnvironmentList")},
    {"GET", "/api/v1/environments/{env}/manifest", Allow::any_role(), get_manifest,
     "An environment's signed manifest, current or ?version=N",
     RouteDoc::answers({.status = 200,
                        .schema = "SignedManifest",
                        .description = "The signed manifest",
                        .headers = {"Cache-Control"}})
         .query({{"version", "integer", "This manifest version instead of the current one"}})
         .problems({"invalid", "environment-forbidden", "unknown-environment", "not-found"})},
    {"GET", "/api/v1/environments/{env}/artifacts/{ci}/{file}", Allow::any_role(),
     get_environment_artifact, "Download an artifact as deployed in an environment now",
     bytes("The bytes deployed there, in the artifact's media type",
           {"Last-Modified", "X-Tollgate-Version", "X-Tollgate-Release"})
         .problems({"unknown-environment", "not-found"})},
    {"GET", "/api/v1/reports/overdue-pirs", Allow::any_role(), overdue_pirs,
     "Emergency releases whose post-implementation review is overdue",
     RouteDoc::ok("OverduePirPage").paged()},
    {"GET", "/api/v1/releases/{id}/vdd", Allow::any_role(), get_vdd,
     "A release's version description document (JSON, or text/markdown by Accept)",
     RouteDoc::answers(
         {.status = 200, .schema = "Vdd", .description = "The VDD as JSON", .headers = {"Vary"}})
         .also({200, nullptr, "The VDD as Markdown", "text/markdown"})
         .problems({"not-acceptable", "not-found"})},
    {"GET", "/api/v1/schedule", Allow::any_role(), get_schedule,
     "Master schedule with production conflicts (from, to, limit, cursor)",
     RouteDoc::ok("Schedule")
         .paged()
         .query({{"from", "date", "First day (YYYY-MM-DD)"},
                 {"to", "date", "Last day (YYYY-MM-DD)"}})},
    {"GET", "/api/v1/baselines", Allow::any_role(), list_baselines,
     "List baselines (environment, from, to, limit, cursor); with environment= and at= the "
     "signed baseline in force then",
     RouteDoc::ok("BaselinePage", "Baselines, oldest first")
         .also({200, "SignedBaseline", "With at=: the signed baseline in force then"})
         .paged()
         .query({{"environment", "string", "Only baselines that record this environment"},
                 {"from", "date", "Recorded on or after this day"},
                 {"to", "date", "Recorded on or before this day"},
                 {"at", "string",
                  "An RFC 3339 time or a day: answer the baseline of environment= in force then"}})
         .problems({"no-baseline", "unknown-environment"})},
    {"POST", "/api/v1/baselines", kBaselineWrite, create_baseline,
     "Record a signed, immutable baseline (admin, change_manager, release_manager, auditor)",
     RouteDoc::answers({.status = 201,
                        .schema = "BaselineRecord",
                        .description = "Recorded, committed and tagged in the vault",
                        .headers = {"Location"}})
         .json_body("BaselineCreate")
         .problems({"invalid-baseline-name", "reserved-baseline-name", "unknown-ci",
                    "unknown-environment", "baseline-exists", "vault-busy"})},
    {"GET", "/api/v1/baselines/{name}", Allow::any_role(), get_baseline,
     "A baseline's signed document (commit and tag in X-Tollgate-Commit, X-Tollgate-Tag)",
     RouteDoc::answers({.status = 200,
                        .schema = "SignedBaseline",
                        .description = "The signed document",
                        .headers = {"X-Tollgate-Baseline", "X-Tollgate-Commit", "X-Tollgate-Tag"}})
         .problems({"unknown-baseline"})},
    {"GET", "/api/v1/baselines/{a}/diff/{b}", Allow::any_role(), baseline_diff,
     "CIs and artifacts changed between two baselines (b may be `current`)",
     RouteDoc::ok("BaselineDiff").problems({"unknown-baseline"})},
    {"GET", "/api/v1/reports/kpis", Allow::any_role(), get_kpis,
     "Release KPIs of the plan's section 9.1 (from, to; by creation date)",
     RouteDoc::ok("Kpis")
         .query({{"from", "date", "First creation day counted"},
                 {"to", "date", "Last creation day counted"}})
         .problems({"invalid"})},
    {"GET", "/api/v1/reports/csa", Allow::any_role(), get_csa,
     "Configuration status accounting (type, status, owner, environment; JSON or text/csv)",
     RouteDoc::answers(
         {.status = 200, .schema = "Csa", .description = "The report as JSON", .headers = {"Vary"}})
         .also({200, nullptr, "One row per status period", "text/csv"})
         .query({{"type", "string", "Only CIs of this type"},
                 {"status", "CiStatus", "Only CIs in this status now"},
                 {"owner", "string", "Only CIs of this owner"},
                 {"environment", "string", "Only CIs deployed there now"}})
         .problems({"invalid", "not-acceptable", "unknown-environment"})},
    {"GET", "/api/v1/audits", Allow::any_role(), list_audits,
     "Stored configuration audit results (kind, environment, host, release, limit, cursor)",
     RouteDoc::ok("AuditResultPage")
         .paged()
         .query({{"kind", "AuditKind", "Only this kind of audit"},
                 {"environment", "string", "pca: its environment; fca: among those checked"},
                 {"host", "string", "Only PCAs of this host"},
                 {"release", "string", "Only FCAs of this release"}})},
    {"POST", "/api/v1/audits/fca", kFca, run_fca_audit,
     "Run and store a functional configuration audit of a release (auditor, admin, "
     "change_manager)",
     RouteDoc::answers({.status = 201,
                        .schema = "AuditResult",
                        .description = "Stored (passed or not)",
                        .headers = {"Location"}})
         .json_body("FcaInput")
         .problems({"not-found"})},
    {"GET", "/api/v1/audits/{id}", Allow::any_role(), get_audit, "A stored audit result",
     RouteDoc::ok("AuditResult").problems({"not-found"})},
    {"POST", "/api/v1/audits/pca", kPca, run_pca_audit,
     "Run and store a physical configuration audit of a host: JSON {environment, host, files} "
     "(environment and host before files) or NDJSON {path, sha256, size} per line with "
     "?environment=&host= (list_ok; auditor, admin, release_manager, build_agent)",
     RouteDoc::answers({.status = 201,
                        .schema = "AuditResult",
                        .description = "Stored (passed or not)",
                        .headers = {"Location"}})
         .body({{{"application/json", "PcaInventory"}, {"application/x-ndjson", nullptr}},
                true,
                "The host's inventory, streamed: JSON, or one InventoryFile object per line"})
         .query({{"environment", "string", "The environment (required with NDJSON)"},
                 {"host", "string", "The audited host (required with NDJSON)"},
                 {"list_ok", "boolean", "true: list the files that matched (ok_files)"}})
         .problems({"invalid", "invalid-host", "invalid-inventory", "invalid-digest",
                    "invalid-path", "duplicate-path", "environment-forbidden",
                    "unknown-environment", "no-manifest", "unsupported-media"}),
     BodyKind::stream},
    {"GET", "/api/v1/audit-log", kAudit, list_audit_log,
     "Audit log entries (actor, target, action, outcome, from, to, limit, cursor)",
     RouteDoc::ok("AuditLogPage")
         .paged()
         .query({{"actor", "string", "Only this actor's entries"},
                 {"target", "string", "Only entries of this target path"},
                 {"action", "string", "Only this action, e.g. POST /api/v1/cis"},
                 {"outcome", "string", "committed, ok, refused or failed"},
                 {"from", "string", "From this RFC 3339 time or day"},
                 {"to", "string", "Up to this RFC 3339 time or day"}})
         .problems({"invalid"})},
    {"GET", "/api/v1/audit-log/verify", kAudit, verify_audit_log_route,
     "Walk the audit log's hash chain and the vault's checkpoints; name the first broken entry",
     RouteDoc::ok("AuditVerification")},
};

}  // namespace

const std::vector<Route>& routes() { return kRoutes; }

}  // namespace tollgate::server
