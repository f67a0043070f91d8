// `tollgate baseline`: create, list, show (and save), diff, and the baseline in force at a time.
#include "cli/baseline.hpp"

#include <fstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/local_file.hpp"
#include "cli/subcommands.hpp"
#include "cli/table.hpp"
#include "cli/verify.hpp"
#include "tollgate/time.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string scope_text(const json::value& scope) {
  if (!scope.is_object()) return "-";
  const json::object& o = scope.get_object();
  if (o.contains("all")) return "all";
  for (const char* key : {"cis", "environments"}) {
    if (!o.contains(key)) continue;
    std::string names;
    for (const auto& n : array_field(scope, key))
      names += (names.empty() ? "" : ",") + (n.is_string() ? std::string(n.get_string()) : "?");
    return fmt::format("{}={}", key, names);
  }
  return "-";
}

std::string baseline_path(const std::string& name) {
  return "/api/v1/baselines/" + percent_encode(name);
}

Result<client::HttpResponse> get(CommandContext& context, const std::string& target) {
  TG_ASSIGN_OR_RETURN(client::HttpResponse answer, context.http.request("GET", target));
  if (answer.status == 200) return answer;
  if (context.json && answer.header("content-type") == "application/problem+json")
    fmt::print(context.out, "{}\n", answer.body);
  return problem_status(answer);
}

Result<json::object> list_all(CommandContext& context, const BaselineOptions& options) {
  const std::string filter =
      options.environment.empty() ? "" : "&environment=" + percent_encode(options.environment);
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    TG_ASSIGN_OR_RETURN(
        const client::HttpResponse answer,
        get(context, "/api/v1/baselines?limit=1000" + filter +
                         (cursor.empty() ? "" : "&cursor=" + percent_encode(cursor))));
    TG_ASSIGN_OR_RETURN(json::object body, json_object(answer));
    for (const auto& item : array_field(body, "items")) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->get_string().empty())
      return json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
    cursor = std::string(next->get_string());
  }
  return internal_error("the server's baseline list does not end");
}

Status save_bytes(const std::string& path, std::string bytes) {
  if (!bytes.empty() && bytes.back() != '\n') bytes += '\n';
  return write_file_atomically(path, bytes);
}

Status create(CommandContext& context, const BaselineOptions& options) {
  TG_ASSIGN_OR_RETURN(const json::object body, create_baseline_body(options));
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.request("POST", "/api/v1/baselines", json::serialize(body)));
  if (answer.status != 201) {
    if (context.json && answer.header("content-type") == "application/problem+json")
      fmt::print(context.out, "{}\n", answer.body);
    return problem_status(answer);
  }
  TG_ASSIGN_OR_RETURN(const json::object record, json_object(answer));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(record));
    return {};
  }
  fmt::print(context.out, "baseline {} created at {} ({}); commit {} tag {}\n",
             field_text(record, "name"), field_text(record, "created_at"),
             scope_text(record.at("scope")), field_text(record, "commit"),
             field_text(record, "tag"));
  return {};
}

Status show(CommandContext& context, const BaselineOptions& options) {
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer, get(context, baseline_path(options.name)));
  TG_ASSIGN_OR_RETURN(const json::object document, json_object(answer));
  if (!options.save.empty()) TG_RETURN_IF_ERROR(save_bytes(options.save, answer.body));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(document));
    return {};
  }
  TG_ASSIGN_OR_RETURN(const BaselineDocument baseline, parse_baseline(document));
  fmt::print(context.out, "{}commit {}  tag {}\n", format_baseline(baseline),
             answer.header("x-tollgate-commit"), answer.header("x-tollgate-tag"));
  if (!options.save.empty()) fmt::print(context.out, "saved to {}\n", options.save);
  return {};
}

Status in_force(CommandContext& context, const BaselineOptions& options) {
  if (options.environment.empty()) return invalid("baseline at: --env ENV is required");
  TG_ASSIGN_OR_RETURN(const std::string instant, baseline_instant(options.when));
  TG_ASSIGN_OR_RETURN(const auto keys, trusted_keys(context, options.keys_file));
  TG_ASSIGN_OR_RETURN(
      const client::HttpResponse answer,
      get(context, "/api/v1/baselines?environment=" + percent_encode(options.environment) +
                       "&at=" + percent_encode(instant)));
  TG_ASSIGN_OR_RETURN(const json::object document, json_object(answer));
  TG_ASSIGN_OR_RETURN(const std::string key_id, verify_document(document, keys));
  if (context.json) {
    fmt::print(context.out, "{}\n",
               json::serialize(json::object{{"verified", true},
                                            {"key_id", key_id},
                                            {"environment", options.environment},
                                            {"at", instant},
                                            {"baseline", document}}));
    return {};
  }
  TG_ASSIGN_OR_RETURN(const BaselineDocument baseline, parse_baseline(document));
  fmt::print(context.out, "{} at {}:\n{}", options.environment, instant,
             format_baseline_in_force(baseline, key_id));
  return {};
}

}  // namespace

bool BaselineCommands::parsed() const { return command != nullptr && command->parsed(); }

void add_baseline_commands(CLI::App& app, BaselineCommands& commands) {
  BaselineOptions& o = commands.options;
  auto* command = app.add_subcommand(
      "baseline", "signed baselines and the production library: create, ls, show, diff, at");
  command->require_subcommand(1);
  auto* create = command->add_subcommand("create", "record a signed, immutable baseline");
  create->add_option("name", o.name, "its name (a git tag name)")->required();
  create->add_option("--ci", o.cis, "record this CI (repeatable)");
  create->add_option("--env", o.environments, "record this environment (repeatable)");
  create->add_option("--description", o.description, "what it is for");
  command->add_subcommand("ls", "list baselines")
      ->add_option("--env", o.environment, "only those recording this environment");
  auto* show = command->add_subcommand("show", "show a baseline (its signed document)");
  show->add_option("name", o.name, "the baseline")->required();
  show->add_option("--save", o.save, "also save the signed document (for `tollgate verify`)");
  auto* diff = command->add_subcommand("diff", "what changed between two baselines");
  diff->add_option("a", o.name, "the older baseline")->required();
  diff->add_option("b", o.other, "the newer baseline, or current")->required();
  auto* at = command->add_subcommand(
      "at", "what ran in ENV at WHEN and who approved it, verified offline");
  at->add_option("--env", o.environment, "the environment")->required();
  at->add_option("when", o.when, "YYYY-MM-DD (the end of that day UTC) or an RFC 3339 time")
      ->required();
  record_action(*command, o.action);
  commands.command = command;
}

Status baseline(CommandContext& context, const BaselineOptions& options) {
  const std::string& action = options.action;
  if (action == "create") return create(context, options);
  if (action == "show") return show(context, options);
  if (action == "at") return in_force(context, options);
  if (action == "ls") {
    TG_ASSIGN_OR_RETURN(const json::object list, list_all(context, options));
    fmt::print(context.out, "{}",
               context.json ? json::serialize(list) + "\n" : format_baseline_list(list));
    return {};
  }
  if (action == "diff") {
    TG_ASSIGN_OR_RETURN(
        const client::HttpResponse answer,
        get(context, baseline_path(options.name) + "/diff/" + percent_encode(options.other)));
    TG_ASSIGN_OR_RETURN(const json::object diff, json_object(answer));
    fmt::print(context.out, "{}",
               context.json ? json::serialize(diff) + "\n" : format_baseline_diff(diff));
    return {};
  }
  return invalid("baseline: no action given");
}

Result<json::object> create_baseline_body(const BaselineOptions& options) {
  if (options.name.empty()) return invalid("baseline create: name the baseline");
  if (!options.cis.empty() && !options.environments.empty())
    return invalid("baseline create: give --ci or --env, not both");
  json::object scope;
  if (!options.cis.empty())
    scope["cis"] = json::value_from(options.cis);
  else if (!options.environments.empty())
    scope["environments"] = json::value_from(options.environments);
  else
    scope["all"] = true;
  json::object body{{"name", options.name}, {"scope", std::move(scope)}};
  if (!options.description.empty()) body["description"] = options.description;
  return body;
}

Result<std::string> baseline_instant(std::string_view when) {
  if (auto day = parse_date(when)) return format_rfc3339(*day + kMicrosPerDay - 1);
  if (auto time = parse_rfc3339(when)) return format_rfc3339(*time);
  return invalid(fmt::format("'{}' is neither a date YYYY-MM-DD nor an RFC 3339 time", when));
}

}  // namespace tollgate::cli
