// `tollgate ci`: create, show, list, change configuration items and read their history.
#include "cli/ci.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/baseline.hpp"  // baseline_instant: WHEN as an RFC 3339 instant

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string ci_path(const std::string& id) { return "/api/v1/cis/" + percent_encode(id); }

// The If-Match of `ci set`: the revision given, or the CI's current one.
Result<std::string> expected_revision(CommandContext& context, const CiOptions& options) {
  if (!options.if_match.empty()) return if_match_value(options.if_match);
  TG_ASSIGN_OR_RETURN(
      const json::object current,
      request_object(context.http, "GET", ci_path(options.id), {}, 200, context.problem_out()));
  const json::value* revision = current.if_contains("revision");
  if (revision == nullptr || !revision->is_number())
    return invalid(fmt::format("the server's CI '{}' has no revision", options.id));
  return fmt::format("\"{}\"", json::serialize(*revision));
}

Result<json::object> set(CommandContext& context, const CiOptions& options) {
  TG_ASSIGN_OR_RETURN(const json::object body, patch_ci_body(options));
  TG_ASSIGN_OR_RETURN(const std::string revision, expected_revision(context, options));
  return request_object(context.http, "PATCH", ci_path(options.id), json::serialize(body), 200,
                        context.problem_out(), {{"If-Match", revision}});
}

Result<json::object> show(CommandContext& context, const CiOptions& options) {
  std::string target = ci_path(options.id);
  if (!options.as_of.empty()) {
    TG_ASSIGN_OR_RETURN(const std::string instant, baseline_instant(options.as_of));
    target += "?as_of=" + percent_encode(instant);
  }
  return request_object(context.http, "GET", target, {}, 200, context.problem_out());
}

}  // namespace

Status ci(CommandContext& context, const CiOptions& options) {
  const std::string& action = options.action;
  if (action == "ls") {
    const std::string query = query_string(
        {{"type", options.type_filter}, {"status", options.status_filter}, {"q", options.query}});
    TG_ASSIGN_OR_RETURN(const json::object list,
                        fetch_all_pages(context.http, "/api/v1/cis", query, context.problem_out()));
    print_result(context, list, format_ci_list(list.at("items").get_array()));
    return {};
  }
  if (options.id.empty()) return invalid(fmt::format("ci {}: name the CI", action));
  if (action == "history") {
    TG_ASSIGN_OR_RETURN(
        const json::object list,
        fetch_all_pages(context.http, ci_path(options.id) + "/history", {}, context.problem_out()));
    print_result(context, list, format_ci_history(list.at("items").get_array()));
    return {};
  }
  json::object result;
  if (action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_ci_body(options));
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "POST", "/api/v1/cis",
                                               json::serialize(body), 201, context.problem_out()));
  } else if (action == "show") {
    TG_ASSIGN_OR_RETURN(result, show(context, options));
  } else if (action == "set") {
    TG_ASSIGN_OR_RETURN(result, set(context, options));
  } else {
    return invalid(fmt::format("ci: no action '{}'", action));
  }
  print_result(context, result, format_ci(result));
  return {};
}

}  // namespace tollgate::cli
