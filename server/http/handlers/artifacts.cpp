// Handlers of the artifact vault: artifacts by coordinate, blobs by digest, resumable uploads.
#include <ctime>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>

#include "server/domain/release/environments.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/http_range.hpp"
#include "server/http/render.hpp"
#include "tollgate/coordinate.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxHeaderValue = 2048;

std::string encode_segment(std::string_view segment) {
  return boost::urls::encode(segment, boost::urls::pchars);
}

std::string artifact_location(const Coordinate& at) {
  return fmt::format("/api/v1/artifacts/{}/{}/{}", encode_segment(at.ci),
                     encode_segment(at.version), encode_segment(at.file));
}

std::string etag_of(std::string_view digest) { return fmt::format("\"sha256:{}\"", digest); }

// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Tue, 01 Dec 2026 10:00:00 GMT".
std::string http_date(Micros t) {
  const auto seconds = static_cast<std::time_t>(t / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[64];
  const std::size_t n = std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(out, n);
}

Result<Coordinate> coordinate_of(const Context& ctx) {
  Coordinate at{ctx.params.at(0), ctx.params.at(1), ctx.params.at(2)};
  TG_RETURN_IF_ERROR(validate_artifact_coordinate(at.ci, at.version, at.file));
  return at;
}

Status check_header_text(std::string_view name, std::string_view value) {
  if (value.size() > kMaxHeaderValue)
    return invalid(fmt::format("{} is longer than {} bytes", name, kMaxHeaderValue));
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return invalid(fmt::format("{} has a control character", name));
  return {};
}

// Media type and build information from the request's headers.
Result<ArtifactMeta> meta_of(const Request& request) {
  ArtifactMeta meta;
  if (std::string_view type = request.header("content-type"); !type.empty()) {
    TG_RETURN_IF_ERROR(check_header_text("Content-Type", type));
    // curl --data-binary labels every body as a form unless told otherwise: not a media type
    // of an artifact.
    if (!type.starts_with("application/x-www-form-urlencoded")) meta.media_type = std::string(type);
  }
  const std::pair<const char*, std::string*> fields[] = {
      {"x-tollgate-source-commit", &meta.build.source_commit},
      {"x-tollgate-builder", &meta.build.builder},
      {"x-tollgate-build-url", &meta.build.build_url},
  };
  for (const auto& [name, out] : fields) {
    const std::string_view value = request.header(name);
    TG_RETURN_IF_ERROR(check_header_text(name, value));
    *out = std::string(value);
  }
  return meta;
}

// The declared digest of an upload: X-Checksum-Sha256, required.
Result<std::string> declared_digest(const Request& request) {
  if (!request.has_header("x-checksum-sha256"))
    return Status(Code::precondition_required,
                  "an upload needs X-Checksum-Sha256 with the SHA-256 of its bytes (64 hex "
                  "characters): nothing is stored unverified");
  return parse_sha256_digest(request.header("x-checksum-sha256"));
}

bool header_true(std::string_view value) { return value == "true" || value == "1"; }

Response put_response(const PutResult& put) {
  Response r = json_response(put.created ? 201 : 200, put.artifact.to_json());
  r.header("Location", artifact_location(put.artifact.coordinate));
  r.header("ETag", etag_of(put.artifact.sha256));
  r.header("X-Checksum-Sha256", put.artifact.sha256);
  return r;
}

// Whether If-None-Match lists the representation's ETag (or is "*").
bool none_match(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  return false;
}

// Bodies up to this size are read into the response; larger ones stream from the file.
constexpr std::uint64_t kInlineBody = 64 * 1024;

// Serves the bytes of a blob: conditional, ranged, streamed from the file. With
// `recorded_size` (an artifact's record), a blob of another size is corrupt and not served: its
// bytes cannot be the ones recorded, and a client would be told a wrong Content-Length.
Response serve_blob(Context& ctx, std::string_view digest, std::string_view media_type,
                    std::optional<Micros> modified,
                    std::optional<std::uint64_t> recorded_size = std::nullopt) {
  auto reader = ctx.app.artifacts.open_blob(digest);
  if (!reader) {
    if (reader.status().code() == Code::not_found)
      return problem(not_found(fmt::format("no blob sha256:{} is stored", digest)));
    return problem(reader.status());
  }
  const std::uint64_t size = (*reader)->size();
  if (recorded_size && size != *recorded_size)
    return problem(storage::corrupt_blob_error(
        digest, fmt::format("it holds {} bytes where its record says {}", size, *recorded_size)));
  const std::string etag = etag_of(digest);

  Response r;
  r.header("ETag", etag);
  r.header("X-Checksum-Sha256", std::string(digest));
  r.header("Accept-Ranges", "bytes");
  r.header("Cache-Control", "private, max-age=31536000, immutable");
  if (modified) r.header("Last-Modified", http_date(*modified));
  if (none_match(ctx.request.header("if-none-match"), etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  const RangeRequest range = parse_range(ctx.request.header("range"), size);
  if (range.disposition == RangeDisposition::unsatisfiable) {
    Response refused = range_not_satisfiable(
        invalid(fmt::format("the range '{}' is outside the {} bytes of sha256:{}",
                            ctx.request.header("range"), size, digest))
            .with_reason("range-not-satisfiable"));
    refused.header("Content-Range", unsatisfied_content_range(size));
    refused.header("ETag", etag);
    return refused;
  }
  r.content_type = std::string(media_type);
  FileBody body{std::shared_ptr<storage::BlobReader>(std::move(reader).value()), 0, size};
  if (range.disposition == RangeDisposition::satisfiable) {
    r.status = 206;
    body.offset = range.range.first;
    body.length = range.range.length();
    r.header("Content-Range", content_range(range.range, size));
  }
  if (body.length <= kInlineBody && ctx.request.method != "HEAD") {
    // A small body goes out with the headers in one write, like any other response.
    r.body.resize(static_cast<std::size_t>(body.length));
    auto got = body.reader->read_at(body.offset, r.body);
    if (!got) return problem(got.status());
    if (*got != body.length)
      return problem(storage::corrupt_blob_error(digest, "the blob is shorter than recorded"));
    return r;
  }
  r.file = std::move(body);
  return r;
}

Response upload_response(unsigned status, const UploadState& state) {
  Response r;
  r.status = status;
  const std::string location = "/api/v1/uploads/" + state.id;
  r.header("Location", location);
  r.header("Range", upload_range_header(state.offset));
  r.header("Upload-Offset", std::to_string(state.offset));
  r.header("Docker-Upload-UUID", state.id);
  if (status == 204) {
    r.content_type.clear();
  } else {
    r.body = json::serialize(state.to_json());
  }
  return r;
}

// 416 for a chunk that does not continue the session, telling where it stands.
Response range_mismatch(const Status& st, std::string_view id) {
  std::uint64_t offset = 0;
  if (const auto* member = st.members().if_contains("offset"); member && member->is_uint64())
    offset = member->get_uint64();
  Response r = range_not_satisfiable(st);
  r.header("Location", fmt::format("/api/v1/uploads/{}", id));
  r.header("Range", upload_range_header(offset));
  r.header("Upload-Offset", std::to_string(offset));
  return r;
}

}  // namespace

Response put_artifact(Context& ctx) {
  auto at = coordinate_of(ctx);
  if (!at) return problem(at.status());
  auto digest = declared_digest(ctx.request);
  if (!digest) return problem(digest.status());
  auto meta = meta_of(ctx.request);
  if (!meta) return problem(meta.status());
  if (header_true(ctx.request.header("x-checksum-deploy"))) {
    if (ctx.request.body_stream || !ctx.request.body.empty())
      return problem(
          invalid("X-Checksum-Deploy takes an empty body: the bytes are known by "
                  "their digest, or must be sent without that header"));
    auto deployed = ctx.app.artifacts.deploy(*at, *digest, *meta, ctx.principal);
    if (!deployed) return problem(deployed.status());
    return put_response(*deployed);
  }
  StringBodyReader whole(ctx.request.body);
  BodyReader& body = ctx.request.body_stream ? *ctx.request.body_stream : whole;
  auto put = ctx.app.artifacts.put(*at, *digest, body, *meta, ctx.principal);
  if (!put) return problem(put.status());
  return put_response(*put);
}

Response serve_artifact(Context& ctx, const Artifact& artifact) {
  Response r =
      serve_blob(ctx, artifact.sha256, artifact.media_type, artifact.created_at, artifact.size);
  if (r.status == 404)  // the record names a blob that is gone: an integrity fault
    return problem(storage::corrupt_blob_error(artifact.sha256, "the blob is missing"));
  return r;
}

namespace {

// A token limited to environments reads only the bytes that the current manifest of one of them
// names: what is deployed where it may act. Errors: forbidden (reason "environment-forbidden").
Status check_bytes_in_scope(const Context& ctx, std::string_view sha256) {
  const auto& environments = ctx.principal.environments;
  if (environments.empty()) return {};
  bool named = false;
  TG_RETURN_IF_ERROR(ctx.app.store.read([&](storage::ReadTxn& txn) {
    for (const std::string& env : environments) {
      const auto manifest = load_current_manifest(txn, env);
      if (!manifest) continue;
      for (const ManifestEntry& entry : manifest->entries)
        for (const ReleaseArtifact& artifact : entry.artifacts)
          if (artifact.sha256 == sha256) named = true;
      if (named) break;
    }
    return Status();
  }));
  if (named) return {};
  return Status(Code::forbidden,
                fmt::format("'{}' acts in {} through this token, and no current manifest there "
                            "names these bytes",
                            ctx.principal.name, fmt::join(environments, ", ")))
      .with_reason("environment-forbidden");
}

}  // namespace

Response get_artifact(Context& ctx) {
  auto at = coordinate_of(ctx);
  if (!at) return problem(at.status());
  auto artifact = ctx.app.artifacts.get(*at);
  if (!artifact) return problem(artifact.status());
  if (Status scope = check_bytes_in_scope(ctx, artifact->sha256); !scope.ok())
    return problem(scope);
  return serve_artifact(ctx, *artifact);
}

Response get_blob(Context& ctx) {
  std::string_view text = ctx.params.at(0);
  if (!text.starts_with("sha256:"))
    return problem(invalid("a blob is named sha256:<64 hex>").with_reason(kInvalidDigestReason));
  auto digest = parse_sha256_digest(text);
  if (!digest) return problem(digest.status());
  if (Status scope = check_bytes_in_scope(ctx, *digest); !scope.ok()) return problem(scope);
  return serve_blob(ctx, *digest, "application/octet-stream", std::nullopt);
}

Response list_artifact_versions(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  const std::string& ci = ctx.params.at(0);
  auto versions = ctx.app.artifacts.versions(ci, *page);
  if (!versions) return problem(versions.status());
  json::object body = page_body(*versions, [](const VersionSummary& v) { return v.to_json(); });
  body["ci"] = ci;
  return json_response(200, body);
}

Response list_artifact_files(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  const std::string& ci = ctx.params.at(0);
  const std::string& version = ctx.params.at(1);
  auto files = ctx.app.artifacts.files(ci, version, *page);
  if (!files) return problem(files.status());
  json::object body = page_body(*files, [](const Artifact& a) { return a.to_json(); });
  body["ci"] = ci;
  body["version"] = version;
  return json_response(200, body);
}

Response start_upload(Context& ctx) {
  auto state = ctx.app.uploads.create(ctx.principal);
  if (!state) return problem(state.status());
  return upload_response(202, *state);
}

Response get_upload(Context& ctx) {
  auto state = ctx.app.uploads.status(ctx.params.at(0), ctx.principal);
  if (!state) return problem(state.status());
  return upload_response(204, *state);
}

Response patch_upload(Context& ctx) {
  const std::string& id = ctx.params.at(0);
  std::optional<std::uint64_t> first;
  if (std::string_view range = ctx.request.header("content-range"); !range.empty()) {
    auto parsed = parse_upload_content_range(range);
    if (!parsed) return problem(parsed.status());
    first = parsed->range.first;
    if (std::string_view length = ctx.request.header("content-length"); !length.empty()) {
      if (length != std::to_string(parsed->range.length()))
        return problem(invalid(fmt::format("Content-Range {} names {} bytes but Content-Length "
                                           "is {}",
                                           range, parsed->range.length(), length))
                           .with_reason(kInvalidContentRangeReason));
    }
  }
  StringBodyReader whole(ctx.request.body);
  BodyReader& body = ctx.request.body_stream ? *ctx.request.body_stream : whole;
  auto state = ctx.app.uploads.append(id, first, body, ctx.principal);
  if (!state) {
    if (state.status().reason() == kRangeMismatchReason) return range_mismatch(state.status(), id);
    return problem(state.status());
  }
  return upload_response(202, *state);
}

Response finish_upload(Context& ctx) {
  const std::string& id = ctx.params.at(0);
  auto digest_text = ctx.query_value("digest");
  if (!digest_text)
    return problem(Status(Code::precondition_required,
                          "finishing an upload needs ?digest=sha256:<64 hex> of all its bytes"));
  auto digest = parse_sha256_digest(*digest_text);
  if (!digest) return problem(digest.status());
  auto coordinate_text = ctx.query_value("coordinate");
  if (!coordinate_text)
    return problem(invalid("finishing an upload needs ?coordinate=CI/VERSION/FILE"));
  auto at = parse_coordinate(*coordinate_text);
  if (!at) return problem(at.status());
  auto meta = meta_of(ctx.request);
  if (!meta) return problem(meta.status());
  StringBodyReader whole(ctx.request.body);
  BodyReader& body = ctx.request.body_stream ? *ctx.request.body_stream : whole;
  auto put = ctx.app.uploads.complete(id, *at, *digest, body, *meta, ctx.principal);
  if (!put) return problem(put.status());
  return put_response(*put);
}

Response cancel_upload(Context& ctx) {
  if (Status st = ctx.app.uploads.cancel(ctx.params.at(0), ctx.principal); !st.ok())
    return problem(st);
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace tollgate::server::handlers
