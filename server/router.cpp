#include "server/router.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "server/audit_log.hpp"
#include "server/handlers.hpp"
#include "server/handlers_documents.hpp"
#include "server/problem.hpp"

namespace tollgate::server {
namespace {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

const std::vector<Route> kRoutes = {
    {"GET", "/healthz", Access::open, healthz, "Liveness and store health"},
    {"GET", "/metrics", Access::open, metrics, "Prometheus metrics"},
    {"GET", "/api/v1/openapi.json", Access::open, openapi, "This API's description"},
    {"POST", "/api/v1/tokens", Access::admin, create_token, "Mint an API token (shown once)"},
    {"GET", "/api/v1/keys", Access::open, list_keys,
     "Public keys that sign manifests and baselines"},
    {"GET", "/api/v1/ci-types", Access::read, list_ci_types, "List CI types"},
    {"POST", "/api/v1/ci-types", Access::cmdb_write, create_ci_type, "Define a CI type"},
    {"GET", "/api/v1/ci-types/{name}", Access::read, get_ci_type, "Get a CI type"},
    {"GET", "/api/v1/cis", Access::read, list_cis, "List CIs (type, status, q, limit, cursor)"},
    {"POST", "/api/v1/cis", Access::cmdb_write, create_ci, "Create a CI"},
    {"GET", "/api/v1/cis/{id}", Access::read, get_ci, "Get a CI, now or as_of an instant"},
    {"PATCH", "/api/v1/cis/{id}", Access::cmdb_write, patch_ci, "Change a CI (If-Match)"},
    {"GET", "/api/v1/cis/{id}/history", Access::read, ci_history, "A CI's change history"},
    {"GET", "/api/v1/cis/{id}/impact", Access::read, ci_impact, "Impact analysis"},
    {"GET", "/api/v1/cis/{id}/relationships", Access::read, ci_relationships,
     "A CI's relationships"},
    {"GET", "/api/v1/cis/{id}/documents", Access::read, list_documents, "A CI's documents"},
    {"GET", "/api/v1/cis/{id}/documents/{name}", Access::read, get_document,
     "A document's content, now or at ?commit="},
    {"PUT", "/api/v1/cis/{id}/documents/{name}", Access::cmdb_write, put_document,
     "Write a document version (raw body, or JSON {content})", BodyKind::raw},
    {"GET", "/api/v1/cis/{id}/documents/{name}/history", Access::read, document_history,
     "A document's versions, newest first"},
    {"POST", "/api/v1/relationships", Access::cmdb_write, add_relationship, "Relate two CIs"},
    {"DELETE", "/api/v1/relationships", Access::cmdb_write, remove_relationship,
     "Remove a relationship"},
    {"GET", "/api/v1/artifacts/{ci}", Access::read, list_artifact_versions,
     "Versions of a CI that have artifacts"},
    {"GET", "/api/v1/artifacts/{ci}/{version}", Access::read, list_artifact_files,
     "Artifacts of a CI version"},
    {"GET", "/api/v1/artifacts/{ci}/{version}/{file}", Access::read, get_artifact,
     "Download an artifact (Range, If-None-Match)"},
    {"PUT", "/api/v1/artifacts/{ci}/{version}/{file}", Access::artifact_write, put_artifact,
     "Upload an artifact (X-Checksum-Sha256; X-Checksum-Deploy)", BodyKind::stream},
    {"GET", "/api/v1/blobs/{digest}", Access::read, get_blob, "Download a blob by sha256:<hex>"},
    {"POST", "/api/v1/uploads", Access::artifact_write, start_upload, "Start a resumable upload"},
    {"GET", "/api/v1/uploads/{id}", Access::artifact_write, get_upload,
     "How far a resumable upload got"},
    {"PATCH", "/api/v1/uploads/{id}", Access::artifact_write, patch_upload,
     "Append to a resumable upload (Content-Range)", BodyKind::stream},
    {"PUT", "/api/v1/uploads/{id}", Access::artifact_write, finish_upload,
     "Finish a resumable upload (?digest=&coordinate=)", BodyKind::stream},
    {"DELETE", "/api/v1/uploads/{id}", Access::artifact_write, cancel_upload,
     "Cancel a resumable upload"},
    {"GET", "/api/v1/rfcs", Access::read, list_rfcs, "List RFCs (state, ci, limit, cursor)"},
    {"POST", "/api/v1/rfcs", Access::cmdb_write, create_rfc, "Create an RFC (draft)"},
    {"GET", "/api/v1/rfcs/{id}", Access::read, get_rfc, "Get an RFC with its impact analysis"},
    {"POST", "/api/v1/rfcs/{id}/submit", Access::cmdb_write, submit_rfc, "Submit an RFC"},
    {"POST", "/api/v1/rfcs/{id}/approve", Access::cmdb_write, approve_rfc,
     "Approve a submitted RFC (change_manager, admin; not its submitter)"},
    {"POST", "/api/v1/rfcs/{id}/reject", Access::cmdb_write, reject_rfc,
     "Reject a submitted RFC (change_manager, admin; not its submitter)"},
    {"POST", "/api/v1/rfcs/{id}/implement", Access::cmdb_write, implement_rfc,
     "Mark an approved RFC implemented"},
    {"POST", "/api/v1/rfcs/{id}/review", Access::cmdb_write, review_rfc,
     "Review an implemented RFC (change_manager, admin)"},
    {"POST", "/api/v1/rfcs/{id}/close", Access::cmdb_write, close_rfc,
     "Close a reviewed or rejected RFC (change_manager, admin)"},
    {"GET", "/api/v1/releases", Access::read, list_releases,
     "List releases (state, category, limit, cursor)"},
    {"POST", "/api/v1/releases", Access::read, create_release,
     "Create a release (release_manager, admin)"},
    {"GET", "/api/v1/releases/{id}", Access::read, get_release,
     "Get a release with its digest and gates"},
    {"POST", "/api/v1/releases/{id}/items", Access::read, add_release_item,
     "Add a CI version with all its artifacts (release_manager, admin)"},
    {"POST", "/api/v1/releases/{id}/documents", Access::read, add_release_document,
     "Commit a release document to the vault (release_manager, admin)"},
    {"GET", "/api/v1/releases/{id}/documents/{name}", Access::read, get_release_document,
     "A release document's content"},
    {"POST", "/api/v1/releases/{id}/known-errors", Access::read, add_known_error,
     "Record a known error of a release"},
    {"POST", "/api/v1/releases/{id}/gates/{gate}", Access::read, record_gate,
     "Record a gate verdict, bound to the current digest (roles per [gates])"},
    {"POST", "/api/v1/releases/{id}/promote", Access::read, promote_release,
     "Promote a release into an environment (release_manager, admin)"},
    {"POST", "/api/v1/releases/{id}/backout", Access::read, backout_release,
     "Back a release out of an environment (release_manager, admin)"},
    {"GET", "/api/v1/environments", Access::read, list_environments,
     "Environments in order, with their current manifest versions"},
    {"GET", "/api/v1/environments/{env}/manifest", Access::read, get_manifest,
     "An environment's signed manifest, current or ?version=N"},
    {"GET", "/api/v1/environments/{env}/artifacts/{ci}/{file}", Access::read,
     get_environment_artifact, "Download an artifact as deployed in an environment now"},
    {"GET", "/api/v1/reports/overdue-pirs", Access::read, overdue_pirs,
     "Emergency releases whose post-implementation review is overdue"},
    {"GET", "/api/v1/releases/{id}/vdd", Access::read, get_vdd,
     "A release's version description document (JSON, or text/markdown by Accept)"},
    {"GET", "/api/v1/schedule", Access::read, get_schedule,
     "Master schedule with production conflicts (from, to, limit, cursor)"},
    {"GET", "/api/v1/baselines", Access::read, list_baselines,
     "List baselines (environment, from, to, limit, cursor); with environment= and at= the "
     "signed baseline in force then"},
    {"POST", "/api/v1/baselines", Access::read, create_baseline,
     "Record a signed, immutable baseline (admin, change_manager, release_manager, auditor)"},
    {"GET", "/api/v1/baselines/{name}", Access::read, get_baseline,
     "A baseline's signed document (commit and tag in X-Tollgate-Commit, X-Tollgate-Tag)"},
    {"GET", "/api/v1/baselines/{a}/diff/{b}", Access::read, baseline_diff,
     "CIs and artifacts changed between two baselines (b may be `current`)"},
    {"GET", "/api/v1/reports/kpis", Access::read, get_kpis,
     "Release KPIs of the plan's section 9.1 (from, to; by creation date)"},
    {"GET", "/api/v1/reports/csa", Access::read, get_csa,
     "Configuration status accounting (type, status, owner, environment; JSON or text/csv)"},
    {"GET", "/api/v1/audits", Access::read, list_audits,
     "Stored configuration audit results (kind, environment, host, release, limit, cursor)"},
    {"POST", "/api/v1/audits/fca", Access::read, run_fca_audit,
     "Run and store a functional configuration audit of a release (auditor, admin, "
     "change_manager)"},
    {"GET", "/api/v1/audits/{id}", Access::read, get_audit, "A stored audit result"},
    {"POST", "/api/v1/audits/pca", Access::read, run_pca_audit,
     "Run and store a physical configuration audit of a host: JSON {environment, host, files} "
     "(environment and host before files) or NDJSON {path, sha256, size} per line with "
     "?environment=&host= (list_ok; auditor, admin, release_manager, build_agent)",
     BodyKind::stream},
    {"GET", "/api/v1/audit-log", Access::audit, list_audit_log,
     "Audit log entries (actor, target, action, outcome, from, to, limit, cursor)"},
    {"GET", "/api/v1/audit-log/verify", Access::audit, verify_audit_log_route,
     "Walk the audit log's hash chain and the vault's checkpoints; name the first broken entry"},
};

std::vector<std::string_view> split_pattern(std::string_view pattern) {
  std::vector<std::string_view> out;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // '/'
    const auto slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash);
  }
  return out;
}

// Each route's pattern split into segments once.
const std::vector<std::vector<std::string_view>>& route_segments() {
  static const auto kSegments = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const Route& route : kRoutes) out.push_back(split_pattern(route.pattern));
    return out;
  }();
  return kSegments;
}

bool match(const std::vector<std::string_view>& parts, const std::vector<std::string>& segments,
           std::vector<std::string>& params) {
  if (parts.size() != segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].starts_with('{')) {
      if (segments[i].empty()) return false;
      params.push_back(segments[i]);
    } else if (parts[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

bool allowed(Access access, const Principal& p) {
  switch (access) {
    case Access::open:
    case Access::read:
      return true;
    case Access::cmdb_write:
      return p.has_any({Role::admin, Role::change_manager, Role::release_manager});
    case Access::artifact_write:
      return p.has_any({Role::admin, Role::release_manager, Role::build_agent});
    case Access::admin:
      return p.has(Role::admin);
    case Access::audit:
      return p.has_any({Role::admin, Role::auditor});
  }
  return false;
}

const char* access_text(Access access) {
  switch (access) {
    case Access::cmdb_write:
      return "admin, change_manager or release_manager";
    case Access::artifact_write:
      return "admin, release_manager or build_agent";
    case Access::admin:
      return "admin";
    case Access::audit:
      return "admin or auditor";
    default:
      return "any";
  }
}

bool json_media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string type(content_type.substr(0, semi));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

Response dispatch(const Request& request, App& app, std::string_view& route_out) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return problem(invalid("the request target is not a valid path"));
  std::vector<std::string> segments;
  for (auto seg : url->segments()) segments.push_back(seg);
  if (segments.empty()) segments.emplace_back();  // "/"
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);

  std::vector<std::string> params;
  std::vector<std::string> allow;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    const Route& route = kRoutes[i];
    if (!match(route_segments()[i], segments, params)) continue;
    if (method != route.method) {
      allow.emplace_back(route.method);
      continue;
    }
    route_out = route.pattern;
    AuditScope* audit = AuditScope::current();
    if (audit != nullptr)
      audit->request().action = fmt::format("{} {}", route.method, route.pattern);
    Context ctx{request, app, {}, std::move(params), {}};
    for (auto param : url->params()) ctx.query.emplace_back(param.key, param.value);
    if (route.access != Access::open) {
      auto principal = app.tokens.authenticate(request.header("authorization"));
      if (!principal) return problem(principal.status());
      ctx.principal = std::move(principal).value();
      if (audit != nullptr) audit->request().actor = ctx.principal.name;
      if (!allowed(route.access, ctx.principal))
        return problem(forbidden(fmt::format("{} {} needs the role {}; token '{}' has none of them",
                                             route.method, route.pattern, access_text(route.access),
                                             ctx.principal.name)));
    }
    if (route.body == BodyKind::json && !request.body.empty() &&
        !json_media_type(request.header("content-type")))
      return problem(Status(Code::unsupported_media, "the request body must be application/json"));
    Response response = route.handler(ctx);
    response.actor = ctx.principal.name;
    return response;
  }
  if (!allow.empty()) {
    Response r = problem(
        Status(Code::method_not_allowed, fmt::format("{} is not allowed here; allowed: {}",
                                                     request.method, fmt::join(allow, ", "))));
    r.header("Allow", fmt::format("{}", fmt::join(allow, ", ")));
    return r;
  }
  return problem(not_found(fmt::format("no route for {}", url->path())));
}

}  // namespace

BodyKind body_kind(std::string_view method, std::string_view target) {
  // Only a few routes take non-JSON bodies; a cheap path split avoids a URL parse per request.
  const auto query = target.find('?');
  std::string_view path = target.substr(0, query);
  std::vector<std::string> segments;
  while (!path.empty()) {
    path.remove_prefix(1);
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  std::vector<std::string> params;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    if (kRoutes[i].body == BodyKind::json || method != kRoutes[i].method) continue;
    if (match(route_segments()[i], segments, params)) return kRoutes[i].body;
  }
  return BodyKind::json;
}

std::optional<std::string_view> Context::query_value(std::string_view key) const {
  for (const auto& [k, v] : query)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

const std::vector<Route>& routes() { return kRoutes; }

bool is_mutating(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

namespace {

// "urn:tollgate:problem:gates-unmet" -> "gates-unmet"
std::string problem_reason(const Response& response) {
  if (!response.content_type.starts_with("application/problem+json")) return {};
  boost::system::error_code ec;
  auto parsed = boost::json::parse(response.body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* type = parsed.as_object().if_contains("type");
  if (type == nullptr || !type->is_string()) return {};
  std::string_view text = type->get_string();
  return std::string(text.substr(text.rfind(':') + 1));
}

// Appends the audit entry of a mutating request that committed nothing.
void audit_uncommitted(App& app, AuditScope& audit, const Response& response) {
  AuditOutcome outcome;
  outcome.status = response.status;
  outcome.outcome = response.status < 400 ? "ok" : response.status < 500 ? "refused" : "failed";
  if (response.status >= 400) outcome.problem = problem_reason(response);
  audit.set_recorded();  // so that the store writes this entry as it is, not a second one
  const Micros now = app.clock.now();
  const Status status = app.store.write([&](storage::WriteTxn& txn) {
    return append_audit_entry(txn, audit.request(), outcome, now);
  });
  if (!status.ok())
    fmt::print(stderr, "tollgated: the audit entry of {} {} was not written: {}\n",
               audit.request().request_id, audit.request().action, status.message());
}

}  // namespace

Response handle(const Request& request, App& app) {
  std::string_view route = "unmatched";
  Response response;
  std::optional<AuditScope> audit;
  if (is_mutating(request.method)) {
    AuditRequest audited;
    audited.action = fmt::format("{} unmatched", request.method);
    audited.target = request.target.substr(0, request.target.find('?'));
    audited.request_id = request.request_id;
    audit.emplace(std::move(audited));
  }
  try {
    response = dispatch(request, app, route);
  } catch (const std::exception& e) {
    response = problem(internal_error(fmt::format("unexpected failure: {}", e.what())));
  }
  response.route = route;
  if (audit && !audit->recorded()) audit_uncommitted(app, *audit, response);
  return response;
}

}  // namespace tollgate::server
