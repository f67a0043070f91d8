// `tollgate user`, `tollgate token` and `tollgate whoami`: people, their tokens, and who the
// current token speaks for.
#include "cli/identity.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string user_path(const std::string& id) { return "/api/v1/users/" + percent_encode(id); }

}  // namespace

Status user(CommandContext& context, const UserOptions& options) {
  const std::string& action = options.action;
  if (action == "ls") {
    TG_ASSIGN_OR_RETURN(const json::object list,
                        fetch_all_pages(context.http, "/api/v1/users", {}, context.problem_out()));
    print_result(context, list, format_user_list(list.at("items").get_array()));
    return {};
  }
  if (options.id.empty()) return invalid(fmt::format("user {}: name the user", action));
  json::object result;
  if (action == "show") {
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "GET", user_path(options.id), {}, 200,
                                               context.problem_out()));
  } else if (action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_user_body(options));
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "POST", "/api/v1/users",
                                               json::serialize(body), 201, context.problem_out()));
  } else if (action == "set") {
    TG_ASSIGN_OR_RETURN(const json::object body, patch_user_body(options));
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "PATCH", user_path(options.id),
                                               json::serialize(body), 200, context.problem_out()));
  } else {
    return invalid(fmt::format("user: no action '{}'", action));
  }
  print_result(context, result, format_user(result));
  return {};
}

Status token(CommandContext& context, const TokenOptions& options) {
  const std::string& action = options.action;
  if (action == "ls") {
    TG_ASSIGN_OR_RETURN(
        const json::object list,
        fetch_all_pages(context.http, "/api/v1/tokens", query_string({{"user", options.user}}),
                        context.problem_out()));
    print_result(context, list, format_token_list(list.at("items").get_array()));
    return {};
  }
  if (action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_token_body(options));
    TG_ASSIGN_OR_RETURN(const json::object minted,
                        request_object(context.http, "POST", "/api/v1/tokens",
                                       json::serialize(body), 201, context.problem_out()));
    print_result(context, minted, format_minted_token(minted));
    return {};
  }
  if (action == "revoke") {
    if (options.id.empty()) return invalid("token revoke: name the token's id");
    TG_ASSIGN_OR_RETURN(
        const json::object revoked,
        request_object(context.http, "DELETE", "/api/v1/tokens/" + percent_encode(options.id), {},
                       200, context.problem_out()));
    print_result(context, revoked, format_revoked_token(revoked));
    return {};
  }
  return invalid(fmt::format("token: no action '{}'", action));
}

Status whoami(CommandContext& context) {
  TG_ASSIGN_OR_RETURN(
      const json::object answer,
      request_object(context.http, "GET", "/api/v1/whoami", {}, 200, context.problem_out()));
  print_result(context, answer, format_whoami(answer));
  return {};
}

}  // namespace tollgate::cli
