// `tollgate csa`, `tollgate fca` and `tollgate audits`: the auditor's reports.
#include "cli/audit.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

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

// The URL of the next page a CSV page names in its Link header (<URL>; rel="next"), or empty.
std::string next_link(const client::HttpResponse& answer) {
  const std::string link = answer.header("link");
  if (link.find("rel=\"next\"") == std::string::npos) return {};
  const auto open = link.find('<');
  const auto close = link.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return link.substr(open + 1, close - open - 1);
}

Status csa(CommandContext& context, const AuditOptions& o) {
  std::string target = "/api/v1/reports/csa";
  add_query(target, "type", o.type);
  add_query(target, "status", o.status);
  add_query(target, "owner", o.owner);
  add_query(target, "environment", o.environment);
  if (o.csv) {  // every page; the header row once
    add_query(target, "limit", "1000");
    for (int page = 0; page < kMaxPages && !target.empty(); ++page) {
      TG_ASSIGN_OR_RETURN(auto answer, get(context.http, target, {{"Accept", "text/csv"}}));
      std::string_view body = answer.body;
      if (page > 0) body.remove_prefix(std::min(body.size(), body.find('\n') + 1));
      fmt::print(context.out, "{}", body);
      const std::string next = next_link(answer);
      if (!next.starts_with("/api/v1/reports/csa?")) break;
      target = next;
    }
    return {};
  }
  const auto question = target.find('?');
  const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  TG_ASSIGN_OR_RETURN(const json::object report,
                      fetch_all_pages(context.http, "/api/v1/reports/csa", query,
                                      context.json ? context.out : nullptr));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(report));
    return {};
  }
  fmt::print(context.out, "{} CIs\nby status: {}\nby type: {}\n", field_text(report, "total"),
             counts_line(report, "by_status"), counts_line(report, "by_type"));
  std::vector<TableRow> rows;
  for (const json::value& item : array_field(report, "items")) {
    const json::array& history = array_field(item.as_object(), "status_history");
    rows.push_back({field_text(item, "id"), field_text(item, "type"), field_text(item, "owner"),
                    field_text(item, "status"), field_text(item, "revision"),
                    history.empty() ? "-" : field_text(history.back(), "from"),
                    std::to_string(history.size())});
  }
  fmt::print(context.out, "{}",
             render_table({"CI", "TYPE", "OWNER", "STATUS", "REV", "SINCE", "PERIODS"}, rows));
  return {};
}

void print_result(std::FILE* out, const json::object& record) {
  const bool passed = record.contains("passed") && record.at("passed") == json::value(true);
  const std::string subject =
      field_text(record, "kind") == "fca"
          ? "release " + field_text(record, "release")
          : field_text(record, "environment") + " host " + field_text(record, "host");
  const json::value* summary = record.if_contains("summary");
  fmt::print(out, "{} {} of {}: {} ({} findings in {} checks) by {} at {}\n",
             field_text(record, "id"), field_text(record, "kind"), subject,
             passed ? "PASSED" : "FAILED", summary ? field_text(*summary, "findings") : "-",
             summary ? field_text(*summary, "checks") : "-", field_text(record, "created_by"),
             field_text(record, "created_at"));
  if (const json::array& envs = array_field(record, "environments"); !envs.empty()) {
    std::string names;
    for (const auto& e : envs)
      names += fmt::format("{}{}", names.empty() ? "" : ", ",
                           e.is_string() ? std::string(e.get_string()) : json::serialize(e));
    fmt::print(out, "environments checked: {}\n", names);
  }
  std::vector<TableRow> rows;
  for (const json::value& f : array_field(record, "findings")) {
    std::string where = field_text(f, "ci");
    if (where == "-") where = field_text(f, "environment");
    if (where == "-") where = field_text(f, "rfc");
    if (where == "-") where = field_text(f, "path");
    rows.push_back({field_text(f, "check"), where, field_text(f, "detail")});
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
  return Status(Code::conflict, fmt::format("the functional configuration audit of {} found {} "
                                            "failures ({})",
                                            o.release, array_field(record, "findings").size(),
                                            field_text(record, "id")))
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
    for (const auto& item : array_field(body, "items")) items.push_back(item);
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
    const std::string subject = field_text(r, "kind") == "fca"
                                    ? field_text(r, "release")
                                    : field_text(r, "environment") + "/" + field_text(r, "host");
    rows.push_back({field_text(r, "id"), field_text(r, "kind"), subject,
                    passed ? "passed" : "FAILED",
                    std::to_string(array_field(r.as_object(), "findings").size()),
                    field_text(r, "created_at"), field_text(r, "created_by")});
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

Status audit_log(CommandContext& context, const AuditOptions& o) {
  std::string filter = fmt::format("/api/v1/audit-log?limit={}",
                                   o.limit == 0 ? 1000 : std::min<std::size_t>(o.limit, 1000));
  add_query(filter, "actor", o.actor);
  add_query(filter, "target", o.target);
  add_query(filter, "action", o.log_action);
  add_query(filter, "outcome", o.outcome);
  add_query(filter, "from", o.from);
  add_query(filter, "to", o.to);
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages && (o.limit == 0 || items.size() < o.limit); ++page) {
    std::string target = filter;
    add_query(target, "cursor", cursor);
    TG_ASSIGN_OR_RETURN(auto answer, get(context.http, target));
    TG_ASSIGN_OR_RETURN(const json::object body, json_object(answer));
    for (const auto& item : array_field(body, "items"))
      if (o.limit == 0 || items.size() < o.limit) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->get_string().empty()) break;
    cursor = std::string(next->get_string());
  }
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(json::object{{"items", std::move(items)}}));
    return {};
  }
  std::vector<TableRow> rows;
  for (const json::value& e : items) {
    std::string outcome = field_text(e, "outcome");
    if (e.as_object().contains("status")) outcome += " " + field_text(e, "status");
    if (e.as_object().contains("problem")) outcome += " " + field_text(e, "problem");
    rows.push_back({field_text(e, "sequence"), field_text(e, "time"), field_text(e, "actor"),
                    outcome, field_text(e, "action"), field_text(e, "target")});
  }
  fmt::print(context.out, "{}",
             render_table({"SEQ", "TIME", "ACTOR", "OUTCOME", "ACTION", "TARGET"}, rows));
  return {};
}

Status verify_log(CommandContext& context) {
  TG_ASSIGN_OR_RETURN(auto answer, get(context.http, "/api/v1/audit-log/verify"));
  TG_ASSIGN_OR_RETURN(const json::object report, json_object(answer));
  const bool valid = report.contains("valid") && report.at("valid") == json::value(true);
  if (context.json) fmt::print(context.out, "{}\n", json::serialize(report));
  if (valid) {
    if (!context.json)
      fmt::print(context.out,
                 "audit log intact: {} entries, head {} {}, {} vault checkpoints agree\n",
                 field_text(report, "entries"), field_text(report.at("head"), "sequence"),
                 field_text(report.at("head"), "hash"), field_text(report, "checkpoints_checked"));
    return {};
  }
  const json::value& broken = report.at("first_broken");
  return Status(Code::corrupt,
                fmt::format("the audit log is broken at entry {}: {}",
                            field_text(broken, "sequence"), field_text(broken, "reason")));
}

}  // namespace

bool AuditCommands::parsed() const {
  return (csa && csa->parsed()) || (fca && fca->parsed()) || (audits && audits->parsed()) ||
         (audit_log && audit_log->parsed());
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
  auto* log =
      app.add_subcommand("audit-log", "the audit log of every mutating request (admin, auditor)");
  log->add_option("--actor", o.actor, "only entries of this token name");
  log->add_option("--target", o.target, "only entries whose path is this or below it");
  log->add_option("--action", o.log_action, "only entries whose action contains this");
  log->add_option("--outcome", o.outcome, "committed, ok, refused or failed");
  log->add_option("--from", o.from, "from this date (YYYY-MM-DD) or RFC 3339 time");
  log->add_option("--to", o.to, "to this date (inclusive) or RFC 3339 time");
  log->add_option("--limit", o.limit, "at most this many entries (default: all)");
  log->callback([&o] {
    if (o.action.empty()) o.action = "audit-log";
  });
  auto* verify = log->add_subcommand("verify", "walk the hash chain and the vault's checkpoints");
  verify->callback([&o] { o.action = "audit-log-verify"; });
  commands.audit_log = log;
  commands.csa = csa;
  commands.fca = fca;
  commands.audits = audits;
}

Status audit(CommandContext& context, const AuditOptions& options) {
  if (options.action == "csa") return csa(context, options);
  if (options.action == "fca") return fca(context, options);
  if (options.action == "show") return show(context, options);
  if (options.action == "audit-log") return audit_log(context, options);
  if (options.action == "audit-log-verify") return verify_log(context);
  return audits(context, options);
}

}  // namespace tollgate::cli
