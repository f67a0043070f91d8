// Handlers of the change-control routes: RFCs and their steps.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/http/commands/change.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

Response rfc_response(Context& ctx, unsigned status, const Rfc& rfc) {
  auto view = ctx.app.rfcs.view(rfc);
  if (!view) return problem(view.status());
  return json_response(status, view->to_json());
}

// A step's body is optional: none, or {"note"}.
Response step(Context& ctx, RfcAction action) {
  json::object body;
  if (!ctx.request.body.empty()) {
    auto parsed = parse_object(ctx.request.body);
    if (!parsed) return problem(parsed.status());
    body = std::move(parsed).value();
  }
  auto command = commands::parse_rfc_step(body);
  if (!command) return problem(command.status());
  auto rfc = ctx.app.rfcs.transition(ctx.params[0], action, *command, ctx.principal);
  if (!rfc) return problem(rfc.status());
  return rfc_response(ctx, 200, *rfc);
}

}  // namespace

Response list_rfcs(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  RfcFilter filter;
  if (auto state = ctx.query_value("state")) {
    filter.state = parse_rfc_state(*state);
    if (!filter.state)
      return problem(invalid(fmt::format(
          "state: '{}' is not one of draft, submitted, approved, rejected, implemented, "
          "reviewed, closed",
          *state)));
  }
  if (auto ci = ctx.query_value("ci")) filter.ci = std::string(*ci);
  auto rfcs = ctx.app.rfcs.list(filter, *page);
  if (!rfcs) return problem(rfcs.status());
  return page_response(*rfcs, [](const Rfc& rfc) { return rfc.to_record(); });
}

Response create_rfc(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto command = commands::parse_create_rfc(*body);
  if (!command) return problem(command.status());
  auto rfc = ctx.app.rfcs.create(std::move(command).value(), ctx.principal);
  if (!rfc) return problem(rfc.status());
  return rfc_response(ctx, 201, *rfc).header("Location", "/api/v1/rfcs/" + rfc->id);
}

Response get_rfc(Context& ctx) {
  auto rfc = ctx.app.rfcs.get(ctx.params[0]);
  if (!rfc) return problem(rfc.status());
  return rfc_response(ctx, 200, *rfc);
}

Response update_rfc(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto patch = commands::parse_rfc_patch(*body);
  if (!patch) return problem(patch.status());
  auto rfc = ctx.app.rfcs.update(ctx.params[0], *patch, ctx.principal);
  if (!rfc) return problem(rfc.status());
  return rfc_response(ctx, 200, *rfc);
}

Response submit_rfc(Context& ctx) { return step(ctx, RfcAction::submit); }
Response approve_rfc(Context& ctx) { return step(ctx, RfcAction::approve); }
Response reject_rfc(Context& ctx) { return step(ctx, RfcAction::reject); }
Response implement_rfc(Context& ctx) { return step(ctx, RfcAction::implement); }
Response review_rfc(Context& ctx) { return step(ctx, RfcAction::review); }
Response close_rfc(Context& ctx) { return step(ctx, RfcAction::close); }

}  // namespace tollgate::server::handlers
