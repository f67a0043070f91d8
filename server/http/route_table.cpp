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

const std::vector<Route> kRoutes = {
    {"GET", "/healthz", Allow::anyone(), healthz, "Liveness and store health"},
    {"GET", "/metrics", Allow::anyone(), metrics, "Prometheus metrics"},
    {"GET", "/api/v1/openapi.json", Allow::anyone(), openapi, "This API's description"},
    {"GET", "/api/v1/routes", Allow::any_role(), list_routes,
     "Every route with the roles that may call it"},
    {"GET", "/api/v1/whoami", Allow::any_role(), whoami,
     "The person and the roles and environments of the calling token"},
    {"GET", "/api/v1/users", kAudit, list_users, "List users (limit, cursor)"},
    {"POST", "/api/v1/users", kAdmin, create_user, "Create a user (a person)"},
    {"GET", "/api/v1/users/{id}", kAudit, get_user, "Get a user"},
    {"PATCH", "/api/v1/users/{id}", kAdmin, patch_user,
     "Change a user's name, e-mail, roles, environments or disabled flag"},
    {"GET", "/api/v1/tokens", Allow::any_role(), list_tokens,
     "List tokens (admins and auditors every one, others their own; user, limit, cursor)"},
    {"POST", "/api/v1/tokens", Allow::any_role(), create_token,
     "Mint a token for a user (admins for anyone, others for themselves; shown once)"},
    {"DELETE", "/api/v1/tokens/{id}", Allow::any_role(), revoke_token,
     "Revoke a token (admins any, others their own); effective on the next request"},
    // Anyone: logging in is how a person without a token gets one. Bounded by the lockout.
    {"POST", "/api/v1/sessions", Allow::anyone(), create_session,
     "Log in with a directory (LDAP) username and password; answers a session token"},
    {"GET", "/api/v1/keys", Allow::anyone(), list_keys,
     "Public keys that sign manifests and baselines"},
    {"GET", "/api/v1/ci-types", Allow::any_role(), list_ci_types, "List CI types"},
    {"POST", "/api/v1/ci-types", kCiTypeWrite, create_ci_type, "Define a CI type"},
    {"GET", "/api/v1/ci-types/{name}", Allow::any_role(), get_ci_type, "Get a CI type"},
    {"GET", "/api/v1/cis", Allow::any_role(), list_cis,
     "List CIs (type, status, q, limit, cursor)"},
    {"POST", "/api/v1/cis", kCmdbWrite, create_ci, "Create a CI"},
    {"GET", "/api/v1/cis/{id}", Allow::any_role(), get_ci, "Get a CI, now or as_of an instant"},
    {"PATCH", "/api/v1/cis/{id}", kCmdbWrite, patch_ci, "Change a CI (If-Match)"},
    {"GET", "/api/v1/cis/{id}/history", Allow::any_role(), ci_history, "A CI's change history"},
    {"GET", "/api/v1/cis/{id}/impact", Allow::any_role(), ci_impact, "Impact analysis"},
    {"GET", "/api/v1/cis/{id}/relationships", Allow::any_role(), ci_relationships,
     "A CI's relationships"},
    {"GET", "/api/v1/cis/{id}/documents", Allow::any_role(), list_documents, "A CI's documents"},
    {"GET", "/api/v1/cis/{id}/documents/{name}", Allow::any_role(), get_document,
     "A document's content, now or at ?commit="},
    {"PUT", "/api/v1/cis/{id}/documents/{name}", kCmdbWrite, put_document,
     "Write a document version (raw body, or JSON {content})", BodyKind::raw},
    {"GET", "/api/v1/cis/{id}/documents/{name}/history", Allow::any_role(), document_history,
     "A document's versions, newest first"},
    {"POST", "/api/v1/relationships", kCmdbWrite, add_relationship, "Relate two CIs"},
    {"DELETE", "/api/v1/relationships", kCmdbWrite, remove_relationship, "Remove a relationship"},
    {"GET", "/api/v1/artifacts/{ci}", Allow::any_role(), list_artifact_versions,
     "Versions of a CI that have artifacts"},
    {"GET", "/api/v1/artifacts/{ci}/{version}", Allow::any_role(), list_artifact_files,
     "Artifacts of a CI version"},
    {"GET", "/api/v1/artifacts/{ci}/{version}/{file}", Allow::any_role(), get_artifact,
     "Download an artifact (Range, If-None-Match)"},
    {"PUT", "/api/v1/artifacts/{ci}/{version}/{file}", kArtifactWrite, put_artifact,
     "Upload an artifact (X-Checksum-Sha256; X-Checksum-Deploy)", BodyKind::stream},
    {"GET", "/api/v1/blobs/{digest}", Allow::any_role(), get_blob,
     "Download a blob by sha256:<hex>"},
    {"POST", "/api/v1/uploads", kArtifactWrite, start_upload, "Start a resumable upload"},
    {"GET", "/api/v1/uploads/{id}", kArtifactWrite, get_upload, "How far a resumable upload got"},
    {"PATCH", "/api/v1/uploads/{id}", kArtifactWrite, patch_upload,
     "Append to a resumable upload (Content-Range)", BodyKind::stream},
    {"PUT", "/api/v1/uploads/{id}", kArtifactWrite, finish_upload,
     "Finish a resumable upload (?digest=&coordinate=)", BodyKind::stream},
    {"DELETE", "/api/v1/uploads/{id}", kArtifactWrite, cancel_upload, "Cancel a resumable upload"},
    {"GET", "/api/v1/rfcs", Allow::any_role(), list_rfcs, "List RFCs (state, ci, limit, cursor)"},
    {"POST", "/api/v1/rfcs", kRfcRaise, create_rfc, "Create an RFC (draft)"},
    {"GET", "/api/v1/rfcs/{id}", Allow::any_role(), get_rfc, "Get an RFC with its impact analysis"},
    {"PATCH", "/api/v1/rfcs/{id}", kRfcRaise, update_rfc,
     "Edit a draft RFC (its author: title, description, category, cis, impact)"},
    {"POST", "/api/v1/rfcs/{id}/submit", kRfcRaise, submit_rfc, "Submit an RFC"},
    {"POST", "/api/v1/rfcs/{id}/approve", kEccb, approve_rfc,
     "Approve a submitted RFC (change_manager, admin; not its submitter)"},
    {"POST", "/api/v1/rfcs/{id}/reject", kEccb, reject_rfc,
     "Reject a submitted RFC (change_manager, admin; not its submitter)"},
    {"POST", "/api/v1/rfcs/{id}/implement", kRfcImplement, implement_rfc,
     "Mark an approved RFC implemented"},
    {"POST", "/api/v1/rfcs/{id}/review", kEccb, review_rfc,
     "Review an implemented RFC (change_manager, admin)"},
    {"POST", "/api/v1/rfcs/{id}/close", kEccb, close_rfc,
     "Close a reviewed or rejected RFC (change_manager, admin)"},
    {"GET", "/api/v1/releases", Allow::any_role(), list_releases,
     "List releases (state, category, limit, cursor)"},
    {"POST", "/api/v1/releases", kReleaseWrite, create_release,
     "Create a release (release_manager, admin)"},
    {"GET", "/api/v1/releases/{id}", Allow::any_role(), get_release,
     "Get a release with its digest and gates"},
    {"PATCH", "/api/v1/releases/{id}", kReleaseWrite, correct_release,
     "Reschedule a release or change its linked RFCs (planned, rfcs, note)"},
    {"POST", "/api/v1/releases/{id}/cancel", kReleaseWrite, cancel_release,
     "Cancel a release that is in no environment and never reached production (note)"},
    {"POST", "/api/v1/releases/{id}/items", kReleaseWrite, add_release_item,
     "Add a CI version with all its artifacts (release_manager, admin)"},
    {"DELETE", "/api/v1/releases/{id}/items/{ci}", kReleaseWrite, remove_release_item,
     "Remove a release's item (note?)"},
    {"POST", "/api/v1/releases/{id}/documents", kReleaseDocuments, add_release_document,
     "Commit a release document to the vault (release_manager, admin)"},
    {"GET", "/api/v1/releases/{id}/documents/{name}", Allow::any_role(), get_release_document,
     "A release document's content"},
    {"POST", "/api/v1/releases/{id}/known-errors", kKnownErrors, add_known_error,
     "Record a known error of a release"},
    {"POST", "/api/v1/releases/{id}/known-errors/{ke}/resolve", kKnownErrors, resolve_known_error,
     "Resolve a known error of a release (resolution)"},
    {"POST", "/api/v1/releases/{id}/gates/{gate}", Allow::gate_policy(), record_gate,
     "Record a gate verdict, bound to the current digest (roles per [gates])"},
    {"POST", "/api/v1/releases/{id}/promote", kReleaseWrite, promote_release,
     "Promote a release into an environment (release_manager, admin)"},
    {"POST", "/api/v1/releases/{id}/backout", kReleaseWrite, backout_release,
     "Back a release out of an environment (release_manager, admin)"},
    {"GET", "/api/v1/environments", Allow::any_role(), list_environments,
     "Environments in order, with their current manifest versions"},
    {"GET", "/api/v1/environments/{env}/manifest", Allow::any_role(), get_manifest,
     "An environment's signed manifest, current or ?version=N"},
    {"GET", "/api/v1/environments/{env}/artifacts/{ci}/{file}", Allow::any_role(),
     get_environment_artifact, "Download an artifact as deployed in an environment now"},
    {"GET", "/api/v1/reports/overdue-pirs", Allow::any_role(), overdue_pirs,
     "Emergency releases whose post-implementation review is overdue"},
    {"GET", "/api/v1/releases/{id}/vdd", Allow::any_role(), get_vdd,
     "A release's version description document (JSON, or text/markdown by Accept)"},
    {"GET", "/api/v1/schedule", Allow::any_role(), get_schedule,
     "Master schedule with production conflicts (from, to, limit, cursor)"},
    {"GET", "/api/v1/baselines", Allow::any_role(), list_baselines,
     "List baselines (environment, from, to, limit, cursor); with environment= and at= the "
     "signed baseline in force then"},
    {"POST", "/api/v1/baselines", kBaselineWrite, create_baseline,
     "Record a signed, immutable baseline (admin, change_manager, release_manager, auditor)"},
    {"GET", "/api/v1/baselines/{name}", Allow::any_role(), get_baseline,
     "A baseline's signed document (commit and tag in X-Tollgate-Commit, X-Tollgate-Tag)"},
    {"GET", "/api/v1/baselines/{a}/diff/{b}", Allow::any_role(), baseline_diff,
     "CIs and artifacts changed between two baselines (b may be `current`)"},
    {"GET", "/api/v1/reports/kpis", Allow::any_role(), get_kpis,
     "Release KPIs of the plan's section 9.1 (from, to; by creation date)"},
    {"GET", "/api/v1/reports/csa", Allow::any_role(), get_csa,
     "Configuration status accounting (type, status, owner, environment; JSON or text/csv)"},
    {"GET", "/api/v1/audits", Allow::any_role(), list_audits,
     "Stored configuration audit results (kind, environment, host, release, limit, cursor)"},
    {"POST", "/api/v1/audits/fca", kFca, run_fca_audit,
     "Run and store a functional configuration audit of a release (auditor, admin, "
     "change_manager)"},
    {"GET", "/api/v1/audits/{id}", Allow::any_role(), get_audit, "A stored audit result"},
    {"POST", "/api/v1/audits/pca", kPca, run_pca_audit,
     "Run and store a physical configuration audit of a host: JSON {environment, host, files} "
     "(environment and host before files) or NDJSON {path, sha256, size} per line with "
     "?environment=&host= (list_ok; auditor, admin, release_manager, build_agent)",
     BodyKind::stream},
    {"GET", "/api/v1/audit-log", kAudit, list_audit_log,
     "Audit log entries (actor, target, action, outcome, from, to, limit, cursor)"},
    {"GET", "/api/v1/audit-log/verify", kAudit, verify_audit_log_route,
     "Walk the audit log's hash chain and the vault's checkpoints; name the first broken entry"},
};

}  // namespace

const std::vector<Route>& routes() { return kRoutes; }

}  // namespace tollgate::server
