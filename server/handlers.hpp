// Route handlers: each parses its input, calls one domain service and renders the result.
#pragma once

#include "server/router.hpp"

namespace tollgate::server::handlers {

// System (handlers_system.cpp)
Response healthz(Context& ctx);
Response metrics(Context& ctx);
Response openapi(Context& ctx);
Response create_token(Context& ctx);

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

}  // namespace tollgate::server::handlers
