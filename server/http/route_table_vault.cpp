// The routes of the vault: artifacts, blobs and resumable uploads.
#include "server/http/handlers/handlers.hpp"
#include "server/http/route_table_detail.hpp"

namespace tollgate::server::route_table_detail {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

// Shared parts of the route docs (route_doc.hpp).
const std::vector<const char*> kBlobHeaders = {"ETag", "X-Checksum-Sha256", "Accept-Ranges",
                                               "Cache-Control"};
const std::vector<const char*> kUploadHeaders = {"Location", "Range", "Upload-Offset",
                                                 "Docker-Upload-UUID"};

}  // namespace

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

std::vector<Route> vault_routes() {
  return {
      {"GET", "/api/v1/artifacts/{ci}", Allow::any_role(), list_artifact_versions,
       "Versions of a CI that have artifacts",
       RouteDoc::ok("ArtifactVersionPage").paged().problems({"not-found"})},
      {"GET", "/api/v1/artifacts/{ci}/{version}", Allow::any_role(), list_artifact_files,
       "Artifacts of a CI version",
       RouteDoc::ok("ArtifactFilePage").paged().problems({"not-found"})},
      {"GET", "/api/v1/artifacts/{ci}/{version}/{file}", Allow::any_role(), get_artifact,
       "Download an artifact (Range, If-None-Match)",
       bytes("The artifact's bytes, in its media type", {"Last-Modified"})
           .problems({"invalid-artifact-name", "not-found"}),
       BodyKind::json, Runs::io},
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
       bytes("The blob's bytes", {}).problems({"invalid-digest", "not-found"}), BodyKind::json,
       Runs::io},
      {"POST", "/api/v1/uploads", kArtifactWrite, start_upload, "Start a resumable upload",
       RouteDoc::answers(
           {.status = 202, .schema = "Upload", .description = "Started", .headers = kUploadHeaders})
           .problems({"upload-sessions-per-user", "upload-sessions-full"})},
      {"GET", "/api/v1/uploads/{id}", kArtifactWrite, get_upload, "How far a resumable upload got",
       RouteDoc::answers({.status = 204,
                          .schema = nullptr,
                          .description = "Where it stands: Range and Upload-Offset",
                          .headers = kUploadHeaders})
           .problems({"not-found", "forbidden"})},
      {"PATCH", "/api/v1/uploads/{id}", kArtifactWrite, patch_upload,
       "Append to a resumable upload (Content-Range)",
       RouteDoc::answers({.status = 202,
                          .schema = "Upload",
                          .description = "Appended",
                          .headers = kUploadHeaders})
           .body({{{"application/octet-stream", nullptr}}, true, "The next bytes, streamed"})
           .headers({{"Content-Range", "string",
                      "bytes <first>-<last>/*: where the chunk goes; must continue the upload"}})
           .problems({"invalid-content-range", "upload-range-mismatch", "not-found", "forbidden",
                      "conflict", "storage-full", "upload-bytes-per-user", "upload-bytes-full"}),
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
                      "digest-mismatch", "not-found", "forbidden", "conflict", "storage-full",
                      "upload-bytes-per-user", "upload-bytes-full"}),
       BodyKind::stream},
      {"DELETE", "/api/v1/uploads/{id}", kArtifactWrite, cancel_upload, "Cancel a resumable upload",
       RouteDoc::answers({204, nullptr, "Cancelled"}).problems({"not-found", "forbidden"})},
  };
}

}  // namespace tollgate::server::route_table_detail
