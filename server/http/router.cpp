#include "server/http/router.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/identity/certificate_auth.hpp"
#include "server/http/problem.hpp"
#include "server/http/request_target.hpp"
#include "server/http/route_table.hpp"

namespace tollgate::server {
namespace {

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
    out.reserve(routes().size());
    for (const Route& route : routes()) out.push_back(split_pattern(route.pattern));
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

// What a request's headers decide: the route it goes to and who sends it, or the answer that
// refuses it (a bad target, no route, a method the path has not, no or a bad credential, a role
// the route does not take, a JSON route's body in another media type).
struct Admission {
  const Route* route = nullptr;
  std::vector<std::string> params;
  Principal principal;
  std::optional<Response> refusal;
};

Admission admit(const Request& request, const RequestTarget& target, App& app) {
  Admission out;
  RouteMatch match = find_route(request.method, target.segments);
  if (match.route == nullptr) {
    if (match.allowed.empty()) {
      out.refusal = problem(not_found(fmt::format("no route for {}", target.path)));
      return out;
    }
    out.refusal = problem(Status(Code::method_not_allowed,
                                 fmt::format("{} is not allowed here; allowed: {}", request.method,
                                             fmt::join(match.allowed, ", "))));
    out.refusal->header("Allow", fmt::format("{}", fmt::join(match.allowed, ", ")));
    return out;
  }
  out.route = match.route;
  out.params = std::move(match.params);
  const Route& route = *out.route;
  AuditScope* audit = AuditScope::current();
  if (audit != nullptr) {
    audit->request().action = fmt::format("{} {}", route.method, route.pattern);
    // What the route does, until the service says what it changed.
    const std::string_view what = route.summary;
    audit->request().summary = std::string(what.substr(0, what.find(" (")));
  }
  if (route.allow.needs_token()) {
    auto principal = authenticate(request, app);
    if (!principal) {
      out.refusal = problem(principal.status());
      return out;
    }
    out.principal = std::move(principal).value();
    if (audit != nullptr) audit->request().actor = out.principal.name;
    const RoleSet roles = route.allow.roles(app.config);
    if (!roles.any_of(out.principal.roles)) {
      out.refusal =
          problem(Status(Code::forbidden,
                         fmt::format("{} {} needs the role {}; '{}' has none of them "
                                     "through this token",
                                     route.method, route.pattern, roles.text(), out.principal.name))
                      .with_reason("forbidden-role"));
      return out;
    }
  }
  const bool has_body = !request.body.empty() || request.body_unread;
  if (route.body == BodyKind::json && has_body && !json_media_type(request.header("content-type")))
    out.refusal =
        problem(Status(Code::unsupported_media, "the request body must be application/json"));
  return out;
}

Response dispatch(const Request& request, App& app, std::string_view& route_out) {
  auto target = parse_request_target(request.target);
  if (!target) return problem(target.status());
  Admission admitted = admit(request, *target, app);
  if (admitted.route != nullptr) route_out = admitted.route->pattern;
  if (admitted.refusal) return std::move(*admitted.refusal);
  // Its headers were refused a moment ago (headers_admit) but pass now: a token or a role
  // changed in between. The body was never read, so nothing can be done with it.
  if (request.body_unread)
    return problem(Status(Code::unavailable,
                          "the request was refused before its body was read; send it again"));
  Context ctx{request, app, std::move(admitted.principal), std::move(admitted.params),
              std::move(target->query)};
  Response response = admitted.route->handler(ctx);
  response.actor = ctx.principal.name;
  return response;
}

}  // namespace

RouteMatch find_route(std::string_view method, const std::vector<std::string>& segments) {
  if (method == "HEAD") method = "GET";
  RouteMatch out;
  for (std::size_t i = 0; i < routes().size(); ++i) {
    const Route& route = routes()[i];
    if (!match(route_segments()[i], segments, out.params)) continue;
    if (method == route.method) {
      out.route = &route;
      out.allowed.clear();
      return out;
    }
    out.allowed.emplace_back(route.method);
  }
  out.params.clear();
  return out;
}

BodyKind body_kind(std::string_view method, std::string_view target) {
  // The router's own reading of the target, so that a body is streamed exactly when the route
  // the request goes to streams it.
  const auto parsed = parse_request_target(target);
  if (!parsed) return BodyKind::json;
  const RouteMatch match = find_route(method, parsed->segments);
  return match.route != nullptr ? match.route->body : BodyKind::json;
}

Runs runs_of(std::string_view method, std::string_view target) {
  const auto parsed = parse_request_target(target);
  if (!parsed) return Runs::io;
  const RouteMatch match = find_route(method, parsed->segments);
  return match.route != nullptr ? match.route->runs : Runs::io;
}

bool headers_admit(const Request& request, App& app) {
  try {
    const auto target = parse_request_target(request.target);
    return target && !admit(request, *target, app).refusal;
  } catch (const std::exception&) {
    return false;  // handle() answers the failure
  }
}

bool is_mutating(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

namespace {

// Appends the audit entry of a mutating request that committed nothing.
void audit_uncommitted(App& app, AuditScope& audit, const Response& response) {
  AuditOutcome outcome;
  outcome.status = response.status;
  outcome.outcome = response.status < 400 ? "ok" : response.status < 500 ? "refused" : "failed";
  if (response.status >= 400) outcome.problem = response.problem;
  const Status status = app.audit_log.record_uncommitted(audit.request(), outcome);
  audit.set_recorded();
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
