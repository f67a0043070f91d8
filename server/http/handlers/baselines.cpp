// Handlers of baselines: create, list (and the baseline in force at an instant), get, diff.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/json_body.hpp"
#include "server/domain/release/schedule.hpp"
#include "server/http/commands/audit.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace {

// ?at=: an RFC 3339 instant, or a date YYYY-MM-DD meaning the end of that day (UTC).
Result<Micros> instant_of(std::string_view text) {
  if (auto day = parse_date(text)) return *day + kMicrosPerDay - 1;
  if (auto time = parse_rfc3339(text)) return *time;
  return invalid(fmt::format("at: '{}' is neither an RFC 3339 time nor a date YYYY-MM-DD",
                             text.substr(0, 40)));
}

// The signed document as the body; where it lives in the vault in headers.
Response document_response(const BaselineRecord& record) {
  Response r = json_response(200, record.document);
  r.header("X-Tollgate-Baseline", record.name);
  r.header("X-Tollgate-Commit", record.commit);
  r.header("X-Tollgate-Tag", record.tag);
  return r;
}

Response baseline_at(Context& ctx, std::string_view at_text) {
  auto environment = ctx.query_value("environment");
  if (!environment) return problem(invalid("at= needs environment= too"));
  auto at = instant_of(at_text);
  if (!at) return problem(at.status());
  auto record = ctx.app.baselines.at(*environment, *at);
  if (!record) return problem(record.status());
  return document_response(*record);
}

}  // namespace

Response create_baseline(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto command = commands::parse_create_baseline(*body);
  if (!command) return problem(command.status());
  auto record = ctx.app.baselines.create(*command, ctx.principal);
  if (!record) return problem(record.status());
  Response r = json_response(201, record->to_json());
  r.header("Location", "/api/v1/baselines/" + record->name);
  return r;
}

Response list_baselines(Context& ctx) {
  if (auto at = ctx.query_value("at")) return baseline_at(ctx, *at);
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  auto range = parse_date_range(ctx.query_value("from"), ctx.query_value("to"));
  if (!range) return problem(range.status());
  BaselineFilter filter;
  if (auto env = ctx.query_value("environment")) filter.environment = std::string(*env);
  filter.from = range->from;
  filter.to = range->to;
  auto list = ctx.app.baselines.list(filter, *page);
  if (!list) return problem(list.status());
  return page_response(*list, [](const BaselineRecord& r) { return r.summary(); });
}

Response get_baseline(Context& ctx) {
  auto record = ctx.app.baselines.get(ctx.params.at(0));
  if (!record) return problem(record.status());
  return document_response(*record);
}

Response baseline_diff(Context& ctx) {
  auto diff = ctx.app.baselines.diff(ctx.params.at(0), ctx.params.at(1));
  if (!diff) return problem(diff.status());
  return json_response(200, *diff);
}

}  // namespace tollgate::server::handlers
