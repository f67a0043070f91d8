// The routes of change and release: RFCs, releases, environments, the schedule.
#include "server/http/handlers/handlers.hpp"
#include "server/http/route_table_detail.hpp"

namespace tollgate::server::route_table_detail {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

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

}  // namespace

// Requests for change: raise, edit, vote on, implement, review and close them.
std::vector<Route> rfc_routes() {
  return {
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
      {"GET", "/api/v1/rfcs/{id}", Allow::any_role(), get_rfc,
       "Get an RFC with its impact analysis", RouteDoc::ok("Rfc").problems({"not-found"})},
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
  };
}

// Releases, environments and their manifests, the VDD, overdue PIRs and the schedule.
std::vector<Route> release_routes() {
  return {
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
       RouteDoc::created("GateRecorded",
                         "Recorded: the release, and for rrr its schedule conflicts")
           .json_body("GateInput")
           .problems({"not-found", "unknown-gate", "gate-role", "separation-of-duties",
                      "environment-forbidden", "unknown-evidence", "gate-too-early",
                      "not-emergency", "duplicate-approval", "release-cancelled", "vdd-name-taken",
                      "vault-busy"})},
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
  };
}

}  // namespace tollgate::server::route_table_detail
