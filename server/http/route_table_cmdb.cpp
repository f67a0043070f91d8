// The routes of the CMDB: CI types, CIs, their documents and relationships.
#include "server/http/handlers/documents.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/route_table_detail.hpp"

namespace tollgate::server::route_table_detail {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

// Shared parts of the route docs (route_doc.hpp).
constexpr ProblemRef kRfcControl[] = {"rfc-required", "rfc-unknown", "rfc-not-approved",
                                      "rfc-does-not-name-ci"};

}  // namespace

std::vector<Route> cmdb_routes() {
  return {
      {"GET", "/api/v1/ci-types", Allow::any_role(), list_ci_types, "List CI types",
       RouteDoc::ok("CiTypePage").paged()},
      {"POST", "/api/v1/ci-types", kCiTypeWrite, create_ci_type, "Define a CI type",
       RouteDoc::answers(
           {.status = 201, .schema = "CiType", .description = "Created", .headers = {"Location"}})
           .json_body("CiTypeCreate")
           .problems({"conflict"})},
      {"GET", "/api/v1/ci-types/{name}", Allow::any_role(), get_ci_type, "Get a CI type",
       RouteDoc::ok("CiType").problems({"not-found"})},
      {"GET", "/api/v1/cis", Allow::any_role(), list_cis,
       "List CIs (type, status, q, limit, cursor)",
       RouteDoc::ok("CiPage").paged().query(
           {{"type", "string", "Only CIs of this CI type"},
            {"status", "CiStatus", "Only CIs in this status"},
            {"q", "string", "Only CIs whose id or name contains this text"}})},
      {"POST", "/api/v1/cis", kCmdbWrite, create_ci, "Create a CI",
       RouteDoc::answers({.status = 201,
                          .schema = "Ci",
                          .description = "Created",
                          .headers = {"ETag", "Location"}})
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
  };
}

}  // namespace tollgate::server::route_table_detail
