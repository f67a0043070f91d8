// Handlers of the CMDB routes: CI types, CIs, history, relationships, impact.
#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/http/commands/cmdb.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

Result<PageRequest> page_of(const Context& ctx) {
  return parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
}

std::string etag(const Ci& ci) { return fmt::format("\"{}\"", ci.revision); }

Response ci_response(unsigned status, const Ci& ci) {
  Response r = json_response(status, ci.to_json());
  r.header("ETag", etag(ci));
  return r;
}

// If-Match: "7", 7 or *. Anything else can never match.
Result<ExpectedRevision> expected_revision(const Request& request) {
  if (!request.has_header("if-match"))
    return Status(Code::precondition_required,
                  "PATCH needs If-Match with the CI's ETag (its revision), e.g. If-Match: \"3\"");
  std::string_view v = request.header("if-match");
  if (v == "*") return ExpectedRevision{};
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::uint64_t revision = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), revision);
  if (ec != std::errc() || end != v.data() + v.size())
    return Status(Code::precondition_failed, "If-Match names no revision of this CI")
        .with_reason("stale-revision");
  return ExpectedRevision{revision};
}

}  // namespace

Response list_ci_types(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  auto types = ctx.app.ci_types.list(*page);
  if (!types) return problem(types.status());
  return page_response(*types, [](const CiType& t) { return t.to_json(); });
}

Response create_ci_type(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto command = commands::parse_ci_type(*body);
  if (!command) return problem(command.status());
  auto type = ctx.app.ci_types.create(std::move(command).value(), ctx.principal);
  if (!type) return problem(type.status());
  return json_response(201, type->to_json()).header("Location", "/api/v1/ci-types/" + type->name);
}

Response get_ci_type(Context& ctx) {
  auto type = ctx.app.ci_types.get(ctx.params[0]);
  if (!type) return problem(type.status());
  return json_response(200, type->to_json());
}

Response list_cis(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  CiFilter filter;
  if (auto type = ctx.query_value("type")) filter.type = std::string(*type);
  if (auto status = ctx.query_value("status")) {
    filter.status = parse_status(*status);
    if (!filter.status)
      return problem(invalid(fmt::format("status: '{}' is not a CI status", *status)));
  }
  if (auto q = ctx.query_value("q")) filter.q = std::string(*q);
  auto cis = ctx.app.cis.list(filter, *page);
  if (!cis) return problem(cis.status());
  return page_response(*cis, [](const Ci& ci) { return ci.to_json(); });
}

Response create_ci(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto command = commands::parse_create_ci(*body);
  if (!command) return problem(command.status());
  auto ci = ctx.app.cis.create(std::move(command).value(), ctx.principal);
  if (!ci) return problem(ci.status());
  return ci_response(201, *ci).header("Location", "/api/v1/cis/" + ci->id);
}

Response get_ci(Context& ctx) {
  std::optional<Micros> as_of;
  if (auto text = ctx.query_value("as_of")) {
    as_of = parse_rfc3339(*text);
    if (!as_of)
      return problem(invalid("as_of must be an RFC 3339 date-time, e.g. 2026-12-01T10:00:00Z"));
  }
  auto ci = ctx.app.cis.get(ctx.params[0], as_of);
  if (!ci) return problem(ci.status());
  if (!as_of && ctx.request.header("if-none-match") == etag(*ci)) {
    Response r;
    r.status = 304;
    r.content_type.clear();
    return r.header("ETag", etag(*ci));
  }
  return ci_response(200, *ci);
}

Response patch_ci(Context& ctx) {
  auto expected = expected_revision(ctx.request);
  if (!expected) return problem(expected.status());
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto patch = commands::parse_ci_patch(*body);
  if (!patch) return problem(patch.status());
  auto ci = ctx.app.cis.patch(ctx.params[0], *patch, *expected, ctx.principal);
  if (!ci) return problem(ci.status());
  return ci_response(200, *ci);
}

Response ci_history(Context& ctx) {
  auto page = page_of(ctx);
  if (!page) return problem(page.status());
  auto history = ctx.app.cis.history(ctx.params[0], *page);
  if (!history) return problem(history.status());
  return page_response(*history, [](const json::object& entry) { return entry; });
}

Response ci_impact(Context& ctx) {
  Direction direction = Direction::up;
  if (auto d = ctx.query_value("direction")) {
    if (*d == "down")
      direction = Direction::down;
    else if (*d != "up")
      return problem(invalid("direction must be up or down"));
  }
  unsigned depth = 5;
  if (auto d = ctx.query_value("depth")) {
    const auto [end, ec] = std::from_chars(d->data(), d->data() + d->size(), depth);
    if (ec != std::errc() || end != d->data() + d->size())
      return problem(
          invalid(fmt::format("depth must be an integer from 1 to {}", kMaxImpactDepth)));
  }
  auto reached = ctx.app.relationships.impact(ctx.params[0], direction, depth);
  if (!reached) return problem(reached.status());
  json::array items;
  for (const ImpactEntry& e : *reached) items.emplace_back(e.to_json());
  json::object body;
  body["ci"] = ctx.params[0];
  body["direction"] = direction == Direction::up ? "up" : "down";
  body["depth"] = depth;
  body["items"] = std::move(items);
  return json_response(200, body);
}

Response ci_relationships(Context& ctx) {
  auto rels = ctx.app.relationships.of(ctx.params[0]);
  if (!rels) return problem(rels.status());
  json::array items;
  for (const auto& r : *rels) items.emplace_back(r.to_json());
  json::object body;
  body["items"] = std::move(items);
  return json_response(200, body);
}

Response add_relationship(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto change = commands::parse_relationship_change(*body);
  if (!change) return problem(change.status());
  auto added = ctx.app.relationships.add(*change, ctx.principal);
  if (!added) return problem(added.status());
  return json_response(added->second ? 201 : 200, added->first.to_json());
}

Response remove_relationship(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto change = commands::parse_relationship_change(*body);
  if (!change) return problem(change.status());
  Status st = ctx.app.relationships.remove(*change, ctx.principal);
  if (!st.ok()) return problem(st);
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace tollgate::server::handlers
