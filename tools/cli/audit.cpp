// `tollgate csa`, `tollgate fca` and `tollgate audits`: the auditor's reports.
#include "cli/audit.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

constexpr int kMaxPages = 100'000;  // a server handing out cursors forever is a bug

std::string text(const json::value& item, std::string_view key) {
  const json::value* value = item.is_object() ? item.get_object().if_contains(key) : nullptr;
  if (value == nullptr || value->is_null()) return "-";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

const json::array& array_of(const json::object& o, std::string_view key) {
  static const json::array kNone;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : kNone;
}

Result<client::HttpResponse> get(client::HttpClient& http, const std::string& target,
                                 const client::Headers& headers = {}) {
  TG_ASSIGN_OR_RETURN(client::HttpResponse answer, http.request("GET", target, "", headers));
  if (answer.status != 200) return problem_status(answer);
  return answer;
}

void add_query(std::string& target, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += fmt::format("{}={}", key, percent_encode(value));
}

// "live 3, ordered 1": the non-zero counts of an object of counts.
std::string counts_line(const json::object& report, std::string_view key) {
  const json::value* counts = report.if_contains("counts");
  const json::value* by =
      counts && counts->is_object() ? counts->get_object().if_contains(key) : nullptr;
  std::string out;
  if (by && by->is_object())
    for (const auto& kv : by->get_object())
      if (!(kv.value().is_int64() && kv.value().get_int64() == 0))
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", std::string_view(kv.key()),
                           json::serialize(kv.value()));
  return out.empty() ? "-" : out;
}

Status csa(CommandContext& context, const AuditOptions& o) {
  std::string target = "/api/v1/reports/csa";
  add_query(target, "type", o.type);
  add_query(target, "status", o.status);
  add_query(target, "owner", o.owner);
  add_query(target, "environment", o.environment);
  if (o.csv) {
    TG_ASSIGN_OR_RETURN(auto answer, get(context.http, target, {{"Accept", "text/csv"}}));
    fmt::print(context.out, "{}", answer.body);
    return {};
  }
  TG_ASSIGN_OR_RETURN(auto answer, get(context.http, target));
  TG_ASSIGN_OR_RETURN(const json::object report, json_object(answer));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(report));
    return {};
  }
  fmt::print(context.out, "{} CIs\nby status: {}\nby type: {}\n", text(report, "total"),
             counts_line(report, "by_status"), counts_line(report, "by_type"));
  std::vector<TableRow> rows;
  for (const json::value& item : array_of(report, "items")) {
    const json::array& history = array_of(item.as_object(), "status_history");
    rows.push_back({text(item, "id"), text(item, "type"), text(item, "owner"), text(item, "status"),
                    text(item, "revision"), history.empty() ? "-" : text(history.back(), "from"),
                    std::to_string(history.size())});
  }
  fmt::print(context.out, "{}",
             render_table({"CI", "TYPE", "OWNER", "STATUS", "REV", "SINCE", "PERIODS"}, rows));
  return {};
}

void print_result(std::FILE* out, const json::object& record) {
  const bool passed = record.contains("passed") && record.at("passed") == json::value(true);
  const std::string subject = text(record, "kind") == "fca"
                                  ? "release " + text(record, "release")
                                  : text(record, "environment") + " host " + text(record, "host");
  const json::value* summary = record.if_contains("summary");
  fmt::print(out, "{} {} of {}: {} ({} findings in {} checks) by {} at {}\n", text(record, "id"),
             text(record, "kind"), subject, passed ? "PASSED" : "FAILED",
             summary ? text(*summary, "findings") : "-", summary ? text(*summary, "checks") : "-",
             text(record, "created_by"), text(record, "created_at"));
  if (const json::array& envs = array_of(record, "environments"); !envs.empty()) {
    std::string names;
    for (const auto& e : envs)
      names += fmt::format("{}{}", names.empty() ? "" : ", ",
                           e.is_string() ? std::string(e.get_string()) : json::serialize(e));
    fmt::print(out, "environments checked: {}\n", names);
  }
  std::vector<TableRow> rows;
  for (const json::value& f : array_of(record, "findings")) {
    std::string where = text(f, "ci");
    if (where == "-") where = text(f, "environment");
    if (where == "-") where = text(f, "rfc");
    if (where == "-") where = text(f, "path");
    rows.push_back({text(f, "check"), where, text(f, "detail")});
  }
  if (!rows.empty()) fmt::print(out, "{}", render_table({"CHECK", "WHERE", "DETAIL"}, rows));
}

Status fca(CommandContext& context, const AuditOptions& o) {
  const std::string body = json::serialize(json::object{{"release", o.release}});
  TG_ASSIGN_OR_RETURN(auto answer, context.http.request("POST", "/api/v1/audits/fca", body));
  if (answer.status != 201) return problem_status(answer);
  TG_ASSIGN_OR_RETURN(const json::object record, json_object(answer));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(record));
  else
    print_result(context.out, record);
  if (record.contains("passed") && record.at("passed") == json::value(true)) return {};
  return Status(Code::conflict,
                fmt::format("the functional configuration audit of {} found {} "
                            "failures ({})",
                            o.release, array_of(record, "findings").size(), text(record, "id")))
      .with_reason("drift");
}

Result<json::array> list_all(client::HttpClient& http, const AuditOptions& o) {
  std::string filter = "/api/v1/audits?limit=1000";
  add_query(filter, "environment", o.environment);
  add_query(filter, "host", o.host);
  add_query(filter, "kind", o.kind);
  add_query(filter, "release", o.release);
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    std::string target = filter;
    add_query(target, "cursor", cursor);
    TG_ASSIGN_OR_RETURN(auto answer, get(http, target));
    TG_ASSIGN_OR_RETURN(const json::object body, json_object(answer));
    for (const auto& item : array_of(body, "items")) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->get_string().empty()) return items;
    cursor = std::string(next->get_string());
  }
  return internal_error("the server's list of audit results does not end");
}

Status audits(CommandContext& context, const AuditOptions& o) {
  TG_ASSIGN_OR_RETURN(json::array items, list_all(context.http, o));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(json::object{{"items", std::move(items)}}));
    return {};
  }
  std::vector<TableRow> rows;
  for (const json::value& r : items) {
    const bool passed = r.as_object().contains("passed") && r.at("passed") == json::value(true);
    const std::string subject = text(r, "kind") == "fca"
                                    ? text(r, "release")
                                    : text(r, "environment") + "/" + text(r, "host");
    rows.push_back({text(r, "id"), text(r, "kind"), subject, passed ? "passed" : "FAILED",
                    std::to_string(array_of(r.as_object(), "findings").size()),
                    text(r, "created_at"), text(r, "created_by")});
  }
  fmt::print(context.out, "{}",
             render_table({"ID", "KIND", "SUBJECT", "RESULT", "FINDINGS", "CREATED", "BY"}, rows));
  return {};
}

Status show(CommandContext& context, const AuditOptions& o) {
  TG_ASSIGN_OR_RETURN(auto answer, get(context.http, "/api/v1/audits/" + percent_encode(o.id)));
  TG_ASSIGN_OR_RETURN(const json::object record, json_object(answer));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(record));
  else
    print_result(context.out, record);
  return {};
}

}  // namespace

bool AuditCommands::parsed() const {
  return (csa && csa->parsed()) || (fca && fca->parsed()) || (audits && audits->parsed());
}

void add_audit_commands(CLI::App& app, AuditCommands& commands) {
  AuditOptions& o = commands.options;
  auto* csa = app.add_subcommand("csa", "configuration status accounting: CI counts and histories");
  csa->add_option("--type", o.type, "only CIs of this type");
  csa->add_option("--status", o.status, "only CIs in this status now");
  csa->add_option("--owner", o.owner, "only CIs of this owner");
  csa->add_option("--env", o.environment, "only CIs deployed in this environment now");
  csa->add_flag("--csv", o.csv, "print CSV, one row per status period");
  csa->callback([&o] { o.action = "csa"; });
  auto* fca = app.add_subcommand(
      "fca", "functional configuration audit of a release (exit 5 when it fails)");
  fca->add_option("release", o.release, "the release, e.g. rel-1")->required();
  fca->callback([&o] { o.action = "fca"; });
  auto* audits = app.add_subcommand("audits", "stored configuration audit results (FCA, PCA)");
  audits->add_option("--env", o.environment, "only results about this environment");
  audits->add_option("--host", o.host, "only PCA results of this host");
  audits->add_option("--kind", o.kind, "fca or pca");
  audits->add_option("--release", o.release, "only FCA results of this release");
  audits->callback([&o] {
    if (o.action.empty()) o.action = "audits";
  });
  auto* show = audits->add_subcommand("show", "one stored result with its findings");
  show->add_option("id", o.id, "the result, e.g. audit-1")->required();
  show->callback([&o] { o.action = "show"; });
  commands.csa = csa;
  commands.fca = fca;
  commands.audits = audits;
}

Status audit(CommandContext& context, const AuditOptions& options) {
  if (options.action == "csa") return csa(context, options);
  if (options.action == "fca") return fca(context, options);
  if (options.action == "show") return show(context, options);
  return audits(context, options);
}

}  // namespace tollgate::cli
