// Handlers of the reports: a release's VDD, the master schedule and the KPIs.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/release/kpis.hpp"
#include "server/domain/release/schedule.hpp"
#include "server/domain/release/vdd.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace {

enum class VddFormat { json, markdown };

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first media range of Accept that the VDD has a representation for (q values are not
// weighed: ranges are taken in the order given, and q=0 ones are skipped). No Accept: JSON.
// Errors: not_acceptable.
Result<VddFormat> vdd_format(std::string_view accept) {
  if (trim(accept).empty()) return VddFormat::json;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const std::string_view params = semi == std::string_view::npos ? "" : range.substr(semi);
    std::string type(trim(range.substr(0, semi)));
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string p(params);
    p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
    if (const auto q = p.find(";q="); q != std::string::npos && std::atof(p.c_str() + q + 3) <= 0)
      continue;
    if (type == "text/markdown" || type == "text/*") return VddFormat::markdown;
    if (type == "application/json" || type == "application/*" || type == "*/*")
      return VddFormat::json;
  }
  return Status(Code::not_acceptable,
                "the VDD is served as application/json or text/markdown; Accept names neither");
}

}  // namespace

Response get_vdd(Context& ctx) {
  auto format = vdd_format(ctx.request.header("accept"));
  if (!format) return problem(format.status());
  auto vdd = vdd_of(ctx.app.store, ctx.params[0]);
  if (!vdd) return problem(vdd.status());
  Response r;
  if (*format == VddFormat::markdown) {
    r.content_type = "text/markdown; charset=utf-8";
    r.body = render_vdd_markdown(*vdd);
  } else {
    r = json_response(200, *vdd);
  }
  r.header("Vary", "Accept");
  return r;
}

Response get_schedule(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  auto range = parse_date_range(ctx.query_value("from"), ctx.query_value("to"));
  if (!range) return problem(range.status());
  auto schedule = master_schedule(ctx.app.store, ctx.app.config, *range, *page);
  if (!schedule) return problem(schedule.status());
  return json_response(200, schedule->to_json());
}

Response get_kpis(Context& ctx) {
  auto range = parse_date_range(ctx.query_value("from"), ctx.query_value("to"));
  if (!range) return problem(range.status());
  auto report = kpi_report(ctx.app.store, ctx.app.promotion, ctx.app.config, *range);
  if (!report) return problem(report.status());
  return json_response(200, report->to_json());
}

}  // namespace tollgate::server::handlers
