// Handlers of people and their credentials: users, tokens, whoami, and the route rules.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/domain/record_fields.hpp"
#include "server/http/commands/identity.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/problem.hpp"
#include "server/http/render.hpp"
#include "server/http/route_table.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

Result<PageRequest> page_of(const Context& ctx) {
  return parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
}

json::array role_names(const std::vector<Role>& roles) {
  json::array out;
  for (Role r : roles) out.emplace_back(role_name(r));
  return out;
}

Response no_store(Response r) {
  r.header("Cache-Control", "no-store");
  return r;
}

}  // namespace

Response list_routes(Context& ctx) {
  json::array items;
  for (const Route& route : routes()) {
    json::object o{{"method", route.method},
                   {"pattern", route.pattern},
                   {"summary", route.summary},
                   {"allow", route.allow.text(ctx.app.config)}};
    o["roles"] = route.allow.needs_token() ? role_names(route.allow.roles(ctx.app.config).roles())
                                           : json::array();
    o["token"] = route.allow.needs_token();
    items.push_back(std::move(o));
  }
  return json_response(200, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

Response whoami(Context& ctx) {
  const Principal& p = ctx.principal;
  json::array envs;
  for (const auto& e : p.environments) envs.emplace_back(e);
  json::object body{{"user", p.name},
                    {"name", p.display_name},
                    {"roles", role_names(p.roles)},
                    {"environments", std::move(envs)},
                    {"authenticated_by", p.authenticated_by}};
  const auto& cert = ctx.request.client_certificate;
  if (p.authenticated_by == "certificate" && cert) {
    body["token"] = nullptr;
    body["certificate"] = json::object{{"id", p.token_id},
                                       {"subject", cert->subject},
                                       {"fingerprint", cert->fingerprint},
                                       {"not_after", format_rfc3339(cert->not_after)}};
  } else {
    body["token"] = json::object{{"id", p.token_id}};
  }
  return json_response(200, std::move(body));
}

Response list_users(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  auto users = ctx.app.users.list(*page);
  if (!users) return problem(users.status());
  return page_response(*users, [](const User& u) { return u.to_json(); });
}

Response create_user(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto command = commands::parse_create_user(*body);
  if (!command) return problem(command.status());
  auto user = ctx.app.users.create(std::move(command).value(), ctx.principal.name);
  if (!user) return problem(user.status());
  return json_response(201, user->to_json()).header("Location", "/api/v1/users/" + user->id);
}

Response get_user(Context& ctx) {
  auto user = ctx.app.users.get(ctx.params.at(0));
  if (!user) return problem(user.status());
  return json_response(200, user->to_json());
}

Response patch_user(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto patch = commands::parse_user_patch(*body);
  if (!patch) return problem(patch.status());
  auto user = ctx.app.users.patch(ctx.params.at(0), *patch, ctx.principal.name);
  if (!user) return problem(user.status());
  return json_response(200, user->to_json());
}

Response list_tokens(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  std::optional<std::string> user;
  if (auto u = ctx.query_value("user")) user = std::string(*u);
  auto tokens = ctx.app.tokens.list(user, *page, ctx.principal);
  if (!tokens) return problem(tokens.status());
  return page_response(*tokens, [](const TokenRecord& t) { return t.to_json(); });
}

Response create_token(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto request = commands::parse_token_request(*body);
  if (!request) return problem(request.status());
  auto token = ctx.app.tokens.mint(*request, ctx.principal);
  if (!token) return problem(token.status());
  return no_store(json_response(201, token->to_json()));
}

Response revoke_token(Context& ctx) {
  auto token = ctx.app.tokens.revoke(ctx.params.at(0), ctx.principal);
  if (!token) return problem(token.status());
  return json_response(200, token->to_json());
}

Response create_session(Context& ctx) {
  constexpr std::size_t kMaxLoginBody = 4096;
  if (ctx.request.body.size() > kMaxLoginBody)
    return problem(
        Status(Code::too_large, fmt::format("a login body is at most {} bytes", kMaxLoginBody)));
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto request = commands::parse_login(*body);
  if (!request) return problem(request.status());
  request->remote = ctx.request.remote;
  unsigned retry_after = 0;
  auto session = ctx.app.sessions.login(*request, retry_after);
  if (!session) {
    Response r = problem(session.status());
    if (retry_after > 0) r.header("Retry-After", std::to_string(retry_after));
    return r;
  }
  json::object out{
      {"token", session->token.token},
      {"id", session->token.record.id},
      {"user", session->user.id},
      {"name", session->user.name},
      {"roles", role_names(session->token.record.roles)},
      {"environments", record_fields::string_array(session->token.record.environments)},
      {"expires_at", format_rfc3339(session->token.record.expires_at)}};
  return no_store(json_response(201, out));
}

}  // namespace tollgate::server::handlers
