// Handler of the physical configuration audit: POST /api/v1/audits/pca with an inventory as NDJSON
// (environment and host in the query) or as the JSON body {environment, host, files} (see
// server/domain/audit/pca.hpp).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/pca.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace {

constexpr std::string_view kInventoryMediaType = "application/x-ndjson";

enum class InventoryForm { ndjson, json, other };

// The query's part of the request. The NDJSON form needs environment and host there; the JSON
// form may name them in the body instead (an empty PcaRequest field: not named).
Result<PcaRequest> pca_request_of(const Context& ctx, InventoryForm form) {
  PcaRequest request;
  const auto environment = ctx.query_value("environment");
  const auto host = ctx.query_value("host");
  if (form == InventoryForm::ndjson && (!environment || environment->empty() || !host))
    return invalid(
        "a physical configuration audit needs ?environment=ENV&host=HOST (or a JSON body "
        "{environment, host, files})");
  if (environment && environment->empty())
    return invalid("?environment= must not be empty when given");
  // With both, check_request checks the host (after the role); alone or empty, it is checked
  // here (an empty one would otherwise read as "not named").
  if (host && (!environment || host->empty())) TG_RETURN_IF_ERROR(validate_host(*host));
  request.limits = {ctx.app.config.pca_max_entries, ctx.app.config.pca_max_findings};
  if (environment) request.environment = std::string(*environment);
  if (host) request.host = std::string(*host);
  if (const auto list_ok = ctx.query_value("list_ok")) {
    if (*list_ok != "true" && *list_ok != "false")
      return invalid(fmt::format("list_ok '{}' must be true or false", *list_ok));
    request.list_ok = *list_ok == "true";
  }
  return request;
}

InventoryForm form_of(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (type == kInventoryMediaType) return InventoryForm::ndjson;
  if (type == "application/json" || (type.starts_with("application/") && type.ends_with("+json")))
    return InventoryForm::json;
  return InventoryForm::other;
}

}  // namespace

Response run_pca_audit(Context& ctx) {
  const InventoryForm form = form_of(ctx.request.header("content-type"));
  auto request = pca_request_of(ctx, form);
  if (!request) return problem(request.status());
  const PcaService service(ctx.app.store, ctx.app.environments, ctx.app.clock);
  // What the query alone decides is answered before the media type and the body.
  if (!request->environment.empty() && !request->host.empty())
    if (Status st = service.check_request(*request, ctx.principal); !st.ok()) return problem(st);
  if (form == InventoryForm::other)
    return problem(Status(Code::unsupported_media,
                          fmt::format("the inventory must be {} (one JSON object per line) or "
                                      "application/json ({{environment, host, files}})",
                                      kInventoryMediaType)));
  StringBodyReader whole(ctx.request.body);
  BodyReader& body = ctx.request.body_stream ? *ctx.request.body_stream : whole;
  auto record = form == InventoryForm::json ? service.audit_json(*request, body, ctx.principal)
                                            : service.audit(*request, body, ctx.principal);
  if (!record) return problem(record.status());
  Response r = json_response(201, *record);
  r.header("Location", fmt::format("/api/v1/audits/{}", record->at("id").as_string()));
  return r;
}

}  // namespace tollgate::server::handlers
