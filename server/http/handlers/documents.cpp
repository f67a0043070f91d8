#include "server/http/handlers/documents.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/documents.hpp"
#include "server/domain/json_body.hpp"
#include "server/http/commands/cmdb.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

std::string etag(std::string_view commit) { return fmt::format("\"{}\"", commit); }

// The entity tags of an If-Match / If-None-Match list, unquoted; weak ones keep their "W/" so
// that they never match (documents compare strongly).
std::vector<std::string> entity_tags(std::string_view header) {
  std::vector<std::string> out;
  while (!header.empty()) {
    const auto comma = std::min(header.find(','), header.size());
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.front())))
      tag.remove_prefix(1);
    while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.back())))
      tag.remove_suffix(1);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
      tag = tag.substr(1, tag.size() - 2);
    if (!tag.empty()) out.emplace_back(tag);
    header.remove_prefix(std::min(comma + 1, header.size()));
  }
  return out;
}

bool is_json_wrapper(std::string_view content_type) {
  std::string essence(
      content_type.substr(0, std::min(content_type.find(';'), content_type.size())));
  essence.erase(std::remove(essence.begin(), essence.end(), ' '), essence.end());
  std::transform(essence.begin(), essence.end(), essence.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return essence == "application/json";
}

// The body as the document (any media type), or a JSON wrapper {content, message, media_type,
// rfc}; ?rfc= names the RFC that authorises changing a controlled CI's documents.
Result<DocumentWrite> document_write(const Context& ctx) {
  const Request& request = ctx.request;
  DocumentWrite write;
  if (auto rfc = ctx.query_value("rfc")) write.rfc = std::string(*rfc);
  write.note = std::string(request.header("x-tollgate-message"));
  if (!is_json_wrapper(request.header("content-type"))) {
    write.content = request.body;
    if (request.has_header("content-type"))
      write.media_type = std::string(request.header("content-type"));
    return write;
  }
  TG_ASSIGN_OR_RETURN(const json::object body, parse_object(request.body));
  TG_ASSIGN_OR_RETURN(commands::DocumentWriteBody parsed, commands::parse_document_write(body));
  write.content = std::move(parsed.content);
  write.media_type = std::move(parsed.media_type);
  if (parsed.rfc) write.rfc = std::move(parsed.rfc);
  if (parsed.message) write.note = std::move(*parsed.message);
  return write;
}

Result<PageRequest> page_of(const Context& ctx) {
  return parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
}

// ?commit=<id>, or its synonym ?at=<id>.
Result<std::optional<std::string>> version_asked(const Context& ctx) {
  auto commit = ctx.query_value("commit");
  auto at = ctx.query_value("at");
  if (commit && at && *commit != *at) return invalid("commit and at name different commits");
  if (!commit) commit = at;
  if (!commit) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*commit));
}

void version_headers(Response& r, const DocumentVersion& v) {
  r.header("ETag", etag(v.revision.commit));
  r.header("X-Tollgate-Commit", v.revision.commit);
  r.header("X-Tollgate-Blob", v.revision.blob);
  r.header("X-Checksum-Sha256", v.sha256);
}

}  // namespace

Response list_documents(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  auto documents = ctx.app.documents.list(ctx.params[0], *page);
  if (!documents) return problem(documents.status());
  return page_response(*documents, [](const Document& d) { return d.to_json(); });
}

Response put_document(Context& ctx) {
  auto write = document_write(ctx);
  if (!write) return problem(write.status());
  DocumentPrecondition precondition{entity_tags(ctx.request.header("if-match")),
                                    entity_tags(ctx.request.header("if-none-match"))};
  auto put =
      ctx.app.documents.put(ctx.params[0], ctx.params[1], *write, precondition, ctx.principal);
  if (!put) return problem(put.status());
  json::object body = put->version.to_json();
  body["versions"] = put->versions ? json::value(put->versions) : json::value(nullptr);
  body["committed"] = put->committed;
  body["indexed"] = put->indexed;
  Response r = json_response(put->first ? 201 : 200, body);
  version_headers(r, put->version);
  if (put->first)
    r.header("Location", fmt::format("/api/v1/cis/{}/documents/{}", ctx.params[0], ctx.params[1]));
  return r;
}

Response get_document(Context& ctx) {
  auto at = version_asked(ctx);
  if (!at) return problem(at.status());
  auto document = ctx.app.documents.get(ctx.params[0], ctx.params[1], *at);
  if (!document) return problem(document.status());
  const DocumentVersion& version = document->version;
  Response r;
  const auto not_modified = entity_tags(ctx.request.header("if-none-match"));
  if (std::any_of(not_modified.begin(), not_modified.end(), [&](const std::string& t) {
        return t == "*" || t == version.revision.commit ||
               t == "W/" + etag(version.revision.commit);
      })) {
    r.status = 304;
    r.content_type.clear();
  } else {
    r.content_type = version.revision.media_type;
    r.body = std::move(document->content);
  }
  version_headers(r, version);
  r.header("Content-Disposition", fmt::format("inline; filename=\"{}\"", version.name));
  r.header("X-Content-Type-Options", "nosniff");
  r.header("Content-Security-Policy", "sandbox");
  return r;
}

Response document_history(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  auto history = ctx.app.documents.history(ctx.params[0], ctx.params[1], *page);
  if (!history) return problem(history.status());
  return page_response(*history, [](const DocumentRevision& r) { return r.to_json(); });
}

}  // namespace tollgate::server::handlers
