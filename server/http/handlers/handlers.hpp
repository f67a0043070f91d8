// Route handlers: each parses its input, calls one domain service and renders the result.
#pragma once

#include "server/http/route.hpp"

namespace tollgate::server::handlers {

// System (handlers_system.cpp)
Response healthz(Context& ctx);
Response metrics(Context& ctx);
Response openapi(Context& ctx);

// People and credentials (handlers_identity.cpp)
Response list_routes(Context& ctx);
Response whoami(Context& ctx);
Response list_users(Context& ctx);
Response create_user(Context& ctx);
Response get_user(Context& ctx);
Response patch_user(Context& ctx);
Response list_tokens(Context& ctx);
Response create_token(Context& ctx);
Response revoke_token(Context& ctx);
Response create_session(Context& ctx);

// Signing keys (handlers_keys.cpp)
Response list_keys(Context& ctx);

// CMDB (handlers_cmdb.cpp)
Response list_ci_types(Context& ctx);
Response create_ci_type(Context& ctx);
Response get_ci_type(Context& ctx);
Response list_cis(Context& ctx);
Response create_ci(Context& ctx);
Response get_ci(Context& ctx);
Response patch_ci(Context& ctx);
Response ci_history(Context& ctx);
Response ci_impact(Context& ctx);
Response ci_relationships(Context& ctx);
Response add_relationship(Context& ctx);
Response remove_relationship(Context& ctx);

// Artifact vault (handlers_artifacts.cpp)
Response put_artifact(Context& ctx);
Response get_artifact(Context& ctx);
Response get_blob(Context& ctx);
Response list_artifact_versions(Context& ctx);
Response list_artifact_files(Context& ctx);
Response start_upload(Context& ctx);
Response get_upload(Context& ctx);
Response patch_upload(Context& ctx);
Response finish_upload(Context& ctx);
Response cancel_upload(Context& ctx);
// Streams an artifact's blob like GET /api/v1/artifacts/{ci}/{version}/{file} (Range, ETag,
// X-Checksum-Sha256), for every route that serves artifact bytes.
Response serve_artifact(Context& ctx, const Artifact& artifact);

// Change control: RFCs (handlers_rfcs.cpp)
Response list_rfcs(Context& ctx);
Response create_rfc(Context& ctx);
Response get_rfc(Context& ctx);
Response submit_rfc(Context& ctx);
Response approve_rfc(Context& ctx);
Response reject_rfc(Context& ctx);
Response implement_rfc(Context& ctx);
Response review_rfc(Context& ctx);
Response close_rfc(Context& ctx);

// Environments, promotion and back-out (handlers_environments.cpp)
Response list_environments(Context& ctx);
Response get_manifest(Context& ctx);
Response get_environment_artifact(Context& ctx);
Response promote_release(Context& ctx);
Response backout_release(Context& ctx);
Response overdue_pirs(Context& ctx);

// Releases: items, documents, known errors, gates (handlers_releases.cpp)
Response list_releases(Context& ctx);
Response create_release(Context& ctx);
Response get_release(Context& ctx);
Response add_release_item(Context& ctx);
Response add_release_document(Context& ctx);
Response get_release_document(Context& ctx);
Response add_known_error(Context& ctx);
Response record_gate(Context& ctx);
Response correct_release(Context& ctx);
Response remove_release_item(Context& ctx);
Response cancel_release(Context& ctx);
Response resolve_known_error(Context& ctx);
Response update_rfc(Context& ctx);

// Baselines (handlers_baselines.cpp)
Response create_baseline(Context& ctx);
Response list_baselines(Context& ctx);
Response get_baseline(Context& ctx);
Response baseline_diff(Context& ctx);

// Reports: VDD, master schedule, KPIs (handlers_reports.cpp)
Response get_vdd(Context& ctx);
Response get_schedule(Context& ctx);
Response get_kpis(Context& ctx);

// Configuration audits and status accounting (handlers_audits.cpp)
Response list_audits(Context& ctx);
Response get_audit(Context& ctx);
Response run_fca_audit(Context& ctx);
Response get_csa(Context& ctx);

// Physical configuration audits (handlers_pca.cpp)
Response run_pca_audit(Context& ctx);

// handlers_audit_log.cpp
Response list_audit_log(Context& ctx);
Response verify_audit_log_route(Context& ctx);

}  // namespace tollgate::server::handlers
