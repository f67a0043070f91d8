// Handlers of the audit log: GET /api/v1/audit-log and GET /api/v1/audit-log/verify.
#include <fmt/format.h>

#include "server/domain/audit/audit_log.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {
namespace {

// An RFC 3339 time, or a date: its first microsecond for `from`, its last for `to`.
Result<std::optional<Micros>> parse_bound(std::optional<std::string_view> text, bool end) {
  if (!text) return std::optional<Micros>();
  if (auto time = parse_rfc3339(*text)) return std::optional<Micros>(*time);
  if (auto day = parse_date(*text))
    return std::optional<Micros>(end ? *day + kMicrosPerDay - 1 : *day);
  return invalid(fmt::format("'{}' is neither a date (YYYY-MM-DD) nor an RFC 3339 time", *text));
}

std::optional<std::string> opt(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

}  // namespace

Response list_audit_log(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  AuditFilterQuery filter;
  filter.actor = opt(ctx.query_value("actor"));
  filter.target = opt(ctx.query_value("target"));
  filter.action = opt(ctx.query_value("action"));
  filter.outcome = opt(ctx.query_value("outcome"));
  auto from = parse_bound(ctx.query_value("from"), false);
  if (!from) return problem(from.status());
  auto to = parse_bound(ctx.query_value("to"), true);
  if (!to) return problem(to.status());
  filter.from = *from;
  filter.to = *to;
  if (filter.from && filter.to && *filter.from > *filter.to)
    return problem(invalid("from is after to"));
  Result<Page<boost::json::object>> entries = Page<boost::json::object>{};
  Status status = ctx.app.store.read([&](storage::ReadTxn& txn) {
    entries = list_audit_entries(txn, filter, *page);
    return entries.status();
  });
  if (!status.ok()) return problem(status);
  return page_response(*entries, [](const boost::json::object& entry) { return entry; });
}

Response verify_audit_log_route(Context& ctx) {
  auto verification = verify_audit_log(ctx.app.store, &ctx.app.vault);
  if (!verification) return problem(verification.status());
  return json_response(200, verification->to_json());
}

}  // namespace tollgate::server::handlers
