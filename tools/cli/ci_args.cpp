// The command line of `tollgate ci` and `tollgate ci-type`, and the request bodies built from it.
#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/ci.hpp"
#include "cli/release.hpp"  // parse_assignment
#include "cli/subcommands.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

constexpr const char* kStatuses =
    "ordered, received, under_test, live, under_repair, withdrawn or disposed";
constexpr const char* kAttrHelp =
    "KEY=VALUE: an attribute (repeatable). VALUE becomes a number when it is an integer "
    "(no leading zeros), a boolean for true/false, null for null, else a string; use "
    "--attr-json for anything else (e.g. a string \"42\")";
constexpr const char* kAttrJsonHelp = "KEY=JSON: an attribute with exactly this JSON value";

bool is_integer(std::string_view text) {
  if (text.starts_with('-')) text.remove_prefix(1);
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  return text.find_first_not_of("0123456789") == std::string_view::npos;
}

void add_attribute_flags(CLI::App& command, CiOptions& o) {
  one_value_each(command.add_option("--attr", o.attributes, kAttrHelp));
  one_value_each(command.add_option("--attr-json", o.json_attributes, kAttrJsonHelp));
}

void add_ci_create(CLI::App& command, CiOptions& o) {
  auto* create = command.add_subcommand("create", "create a CI");
  create->add_option("id", o.id, "the CI's id, a slug such as payments-api")->required();
  create->add_option("--type", o.type, "its CI type (see `tollgate ci-type ls`)")->required();
  create->add_option("--name", o.name, "its display name")->required();
  create->add_option("--owner", o.owner, "who owns it");
  create->add_option("--status", o.status, fmt::format("{} (default ordered)", kStatuses));
  create->add_flag("--controlled", o.controlled,
                   "under configuration control: changes need an approved RFC naming it");
  add_attribute_flags(*create, o);
}

void add_ci_set(CLI::App& command, CiOptions& o) {
  auto* set = command.add_subcommand("set", "change a CI (only the fields given)");
  set->add_option("id", o.id, "the CI")->required();
  set->add_option("--name", o.name, "a new display name");
  set->add_option_function<std::string>(
      "--owner",
      [&o](const std::string& owner) {
        o.owner = owner;
        o.owner_given = true;
      },
      "a new owner (\"\" clears it)");
  set->add_option("--status", o.status, fmt::format("the new status: {}", kStatuses));
  add_attribute_flags(*set, o);
  set->add_option("--rfc", o.rfc, "the approved RFC a change of a controlled CI goes under");
  set->add_option("--if-match", o.if_match,
                  "the revision you read: refused (412) when the CI has changed since "
                  "(default: its current revision)");
}

void add_ci_reads(CLI::App& command, CiOptions& o) {
  auto* show = command.add_subcommand("show", "a CI, now or as it was at a time");
  show->add_option("id", o.id, "the CI")->required();
  show->add_option("--as-of", o.as_of, "YYYY-MM-DD (end of that day, UTC) or an RFC 3339 time");
  auto* ls = command.add_subcommand("ls", "list CIs");
  ls->add_option("--type", o.type_filter, "only CIs of this type");
  ls->add_option("--status", o.status_filter, "only CIs in this status");
  ls->add_option("--q", o.query, "only CIs whose id or name contains this text");
  command.add_subcommand("history", "a CI's changes: revision, time, actor, RFC, fields")
      ->add_option("id", o.id, "the CI")
      ->required();
}

void add_ci_type_actions(CLI::App& command, CiTypeOptions& o) {
  command.add_subcommand("ls", "list CI types");
  command.add_subcommand("show", "a CI type and its attributes")
      ->add_option("name", o.name, "the CI type")
      ->required();
  auto* create = command.add_subcommand("create", "define a CI type");
  create->add_option("name", o.name, "its name, a slug such as service (or the --file's)");
  create->add_option("--description", o.description, "what CIs of this type are");
  one_value_each(create->add_option(
      "--attr", o.attributes,
      "NAME:TYPE[:required][:V1|V2|...]: an attribute (repeatable); TYPE is string, int, bool, "
      "enum or ref (the id of a CI); an enum lists its values"));
  create->add_option("--file", o.file, "the whole request body as JSON (instead of --attr)");
}

}  // namespace

Result<json::value> attribute_value(std::string_view text) {
  if (text == "true") return json::value(true);
  if (text == "false") return json::value(false);
  if (text == "null") return json::value(nullptr);
  if (!is_integer(text)) return json::value(json::string(text));
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size())
    return invalid(fmt::format("--attr: {} does not fit in 64 bits; use --attr-json", text));
  return json::value(number);
}

Result<json::object> attributes_object(const std::vector<std::string>& attributes,
                                       const std::vector<std::string>& json_attributes) {
  json::object out;
  auto add = [&out](const std::string& key, json::value value) -> Status {
    if (out.contains(key)) return invalid(fmt::format("attribute '{}' is given twice", key));
    out[key] = std::move(value);
    return {};
  };
  for (const auto& text : attributes) {
    TG_ASSIGN_OR_RETURN(auto pair, parse_assignment(text, "--attr"));
    TG_ASSIGN_OR_RETURN(json::value value, attribute_value(pair.second));
    TG_RETURN_IF_ERROR(add(pair.first, std::move(value)));
  }
  for (const auto& text : json_attributes) {
    TG_ASSIGN_OR_RETURN(auto pair, parse_assignment(text, "--attr-json"));
    boost::system::error_code ec;
    json::value value = json::parse(pair.second, ec);
    if (ec)
      return invalid(fmt::format("--attr-json {}: '{}' is not JSON", pair.first, pair.second));
    TG_RETURN_IF_ERROR(add(pair.first, std::move(value)));
  }
  return out;
}

Result<json::object> create_ci_body(const CiOptions& options) {
  TG_ASSIGN_OR_RETURN(json::object attributes,
                      attributes_object(options.attributes, options.json_attributes));
  json::object body{{"id", options.id}, {"type", options.type}, {"name", options.name}};
  if (!options.owner.empty()) body["owner"] = options.owner;
  if (!options.status.empty()) body["status"] = options.status;
  if (options.controlled) body["controlled"] = true;
  body["attributes"] = std::move(attributes);
  return body;
}

Result<json::object> patch_ci_body(const CiOptions& options) {
  TG_ASSIGN_OR_RETURN(json::object attributes,
                      attributes_object(options.attributes, options.json_attributes));
  json::object body;
  if (!options.name.empty()) body["name"] = options.name;
  if (options.owner_given) body["owner"] = options.owner;
  if (!options.status.empty()) body["status"] = options.status;
  if (!attributes.empty()) body["attributes"] = std::move(attributes);
  if (body.empty())
    return invalid(fmt::format(
        "ci set {}: nothing to change: give --name, --owner, --status or --attr", options.id));
  if (!options.rfc.empty()) body["rfc"] = options.rfc;
  return body;
}

Result<std::string> if_match_value(std::string_view revision) {
  std::string_view digits = revision;
  if (digits.size() >= 2 && digits.front() == '"' && digits.back() == '"')
    digits = digits.substr(1, digits.size() - 2);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return invalid(fmt::format("--if-match '{}' is not a revision number", revision));
  return fmt::format("\"{}\"", digits);
}

bool CiCommands::parsed() const {
  return (ci_command != nullptr && ci_command->parsed()) ||
         (ci_type_command != nullptr && ci_type_command->parsed());
}

void add_ci_commands(CLI::App& app, CiCommands& commands) {
  auto* ci = app.add_subcommand("ci", "configuration items: create, show, ls, set, history");
  ci->require_subcommand(1);
  add_ci_create(*ci, commands.ci);
  add_ci_reads(*ci, commands.ci);
  add_ci_set(*ci, commands.ci);
  record_action(*ci, commands.ci.action);
  commands.ci_command = ci;
  auto* type = app.add_subcommand("ci-type", "CI types and their attributes: create, show, ls");
  type->require_subcommand(1);
  add_ci_type_actions(*type, commands.ci_type);
  record_action(*type, commands.ci_type.action);
  commands.ci_type_command = type;
}

Status run_ci_commands(CommandContext& context, const CiCommands& commands) {
  if (commands.ci_command != nullptr && commands.ci_command->parsed())
    return ci(context, commands.ci);
  if (commands.ci_type_command != nullptr && commands.ci_type_command->parsed())
    return ci_type(context, commands.ci_type);
  return invalid("no ci command was given");
}

}  // namespace tollgate::cli
