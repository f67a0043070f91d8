// Handlers of the configuration audits (stored results, FCA) and status accounting (CSA).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/csa.hpp"
#include "server/domain/audit/fca.hpp"
#include "server/domain/json_body.hpp"
#include "server/http/commands/audit.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

enum class CsaFormat { json, csv };

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first media range of Accept the CSA has a representation for, as the VDD negotiates
// (ranges in the order given, q=0 skipped). No Accept: JSON. Errors: not_acceptable.
Result<CsaFormat> csa_format(std::string_view accept) {
  if (trim(accept).empty()) return CsaFormat::json;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const auto semi = range.find(';');
    std::string params(semi == std::string_view::npos ? "" : range.substr(semi));
    std::string type(trim(range.substr(0, semi)));
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
    if (const auto q = params.find(";q=");
        q != std::string::npos && std::atof(params.c_str() + q + 3) <= 0)
      continue;
    if (type == "text/csv" || type == "text/*") return CsaFormat::csv;
    if (type == "application/json" || type == "application/*" || type == "*/*")
      return CsaFormat::json;
  }
  return Status(Code::not_acceptable,
                "status accounting is served as application/json or text/csv; Accept names "
                "neither");
}

std::optional<std::string> query_string(Context& ctx, std::string_view key) {
  auto v = ctx.query_value(key);
  if (!v) return std::nullopt;
  return std::string(*v);
}

Result<CsaFilter> csa_filter(Context& ctx) {
  CsaFilter filter;
  filter.type = query_string(ctx, "type");
  filter.owner = query_string(ctx, "owner");
  filter.environment = query_string(ctx, "environment");
  if (auto status = ctx.query_value("status")) {
    filter.status = parse_status(*status);
    if (!filter.status)
      return invalid(fmt::format(
          "status: '{}' is not one of ordered, received, under_test, live, under_repair, "
          "withdrawn, disposed",
          *status));
  }
  return filter;
}

// `target` with its cursor parameter (if any) replaced by `cursor` (base64url: no escaping).
std::string with_cursor(std::string_view target, std::string_view cursor) {
  const auto question = target.find('?');
  std::string out(target.substr(0, question));
  char separator = '?';
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (param.empty() || param.starts_with("cursor=") || param == "cursor") continue;
    out += separator;
    out += param;
    separator = '&';
  }
  out += separator;
  out += "cursor=";
  out += cursor;
  return out;
}

}  // namespace

Response list_audits(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  AuditFilter filter;
  filter.kind = query_string(ctx, "kind");
  filter.environment = query_string(ctx, "environment");
  filter.host = query_string(ctx, "host");
  filter.release = query_string(ctx, "release");
  if (filter.kind && *filter.kind != "fca" && *filter.kind != "pca")
    return problem(invalid(fmt::format("kind: '{}' is not fca or pca", *filter.kind)));
  auto results = read_audit_results(ctx.app.store, filter, *page);
  if (!results) return problem(results.status());
  return page_response(*results, [](const json::object& o) { return o; });
}

Response get_audit(Context& ctx) {
  auto result = read_audit_result(ctx.app.store, ctx.params[0]);
  if (!result) return problem(result.status());
  return json_response(200, *result);
}

Response run_fca_audit(Context& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body) return problem(body.status());
  auto request = commands::parse_fca_request(*body);
  if (!request) return problem(request.status());
  auto result =
      run_fca(ctx.app.store, ctx.app.vault, ctx.app.config, ctx.app.clock, *request, ctx.principal);
  if (!result) return problem(result.status());
  const std::string id(result->at("id").as_string());
  return json_response(201, *result).header("Location", "/api/v1/audits/" + id);
}

Response get_csa(Context& ctx) {
  auto format = csa_format(ctx.request.header("accept"));
  if (!format) return problem(format.status());
  auto filter = csa_filter(ctx);
  if (!filter) return problem(filter.status());
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  auto report = csa_report(ctx.app.store, ctx.app.environments, ctx.app.clock, *filter, *page);
  if (!report) return problem(report.status());
  Response r;
  if (*format == CsaFormat::csv) {
    r.content_type = "text/csv; charset=utf-8; header=present";
    r.body = report->to_csv();
    if (report->next_after)
      r.header("Link",
               fmt::format("<{}>; rel=\"next\"",
                           with_cursor(ctx.request.target, encode_cursor(*report->next_after))));
  } else {
    r = json_response(200, report->to_json());
  }
  r.header("Vary", "Accept");
  return r;
}

}  // namespace tollgate::server::handlers
