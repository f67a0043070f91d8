#include "server/router.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "server/audit_log.hpp"
#include "server/certificate_auth.hpp"
#include "server/handlers.hpp"
#include "server/handlers_documents.hpp"
#include "server/problem.hpp"

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

bool json_media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string type(content_type.substr(0, semi));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

// Who sends `request`. An Authorization header decides alone: with one, the connection's
// client certificate is ignored (a token is the narrower, explicit credential; a failing token
// never falls back to the certificate). Without one, a client certificate ([tls] client_ca
// set and one presented) authenticates the request, or refuses it with the certificate's
// reason; with neither, the token check answers 401 as before.
Result<Principal> authenticate(const Request& request, App& app) {
  const std::string_view authorization = request.header("authorization");
  if (!authorization.empty() || app.config.tls_client_ca.empty())
    return app.tokens.authenticate(authorization);
  if (request.client_certificate)
    return authenticate_certificate(*request.client_certificate, app.store);
  return Status(Code::unauthorized,
                "an Authorization: Bearer <token> header or a client certificate is required");
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
    if (audit != nullptr) {
      audit->request().action = fmt::format("{} {}", route.method, route.pattern);
      // What the route does, until the service says what it changed.
      const std::string_view what = route.summary;
      audit->request().summary = std::string(what.substr(0, what.find(" (")));
    }
    Context ctx{request, app, {}, std::move(params), {}};
    for (auto param : url->params()) ctx.query.emplace_back(param.key, param.value);
    if (route.allow.needs_token()) {
      auto principal = authenticate(request, app);
      if (!principal) return problem(principal.status());
      ctx.principal = std::move(principal).value();
      if (audit != nullptr) audit->request().actor = ctx.principal.name;
      const RoleSet roles = route.allow.roles(app.config);
      if (!roles.any_of(ctx.principal.roles))
        return problem(
            Status(Code::forbidden,
                   fmt::format("{} {} needs the role {}; '{}' has none of them through "
                               "this token",
                               route.method, route.pattern, roles.text(), ctx.principal.name))
                .with_reason("forbidden-role"));
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

RoleSet Allow::roles(const Config& config) const {
  if (kind_ != Kind::gates) return roles_;
  RoleSet out;
  for (const auto& [gate, names] : config.gate_roles)
    for (const auto& name : names)
      if (auto role = parse_role(name)) out.add(*role);
  return out;
}

std::string Allow::text(const Config& config) const {
  if (kind_ == Kind::anyone) return "anyone";
  if (roles(config) == RoleSet::all()) return "any role";
  return roles(config).text();
}

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
  // Only a person's requests enter the chain: an unauthenticated or unrouted one goes to the
  // access log and a counter, so that a flood of them cannot fill the store.
  if (audit && !audit->recorded()) {
    if (audit->request().actor == "-")
      app.metrics.count_unauthenticated_write();
    else
      audit_uncommitted(app, *audit, response);
  }
  return response;
}

}  // namespace tollgate::server
