// The command line of `tollgate user`, `tollgate token` and `tollgate whoami`, and the request
// bodies built from it.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/identity.hpp"
#include "cli/subcommands.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

constexpr const char* kRoles =
    "admin, cm_manager, change_manager, release_manager, requester, tester, business, "
    "management, build_agent, auditor or viewer";

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& value : values) out.emplace_back(value);
  return out;
}

void add_user_create(CLI::App& command, UserOptions& o) {
  auto* create = command.add_subcommand("create", "add a person");
  create->add_option("id", o.id, "the user's id, a slug such as alice")->required();
  create->add_option("--name", o.name, "their display name")->required();
  create->add_option("--email", o.email, "their e-mail address");
  one_value_each(
      create->add_option("--role", o.roles, fmt::format("a role (repeatable): {}", kRoles)))
      ->required();
  one_value_each(create->add_option(
      "--env", o.environments, "an environment they may act in (repeatable; default: every one)"));
  create->add_flag("--disable", o.disable, "create the user disabled");
}

void add_user_set(CLI::App& command, UserOptions& o) {
  auto* set = command.add_subcommand("set", "change a person (only what is given)");
  set->add_option("id", o.id, "the user")->required();
  set->add_option("--name", o.name, "a new display name");
  set->add_option("--email", o.email, "a new e-mail address");
  one_value_each(set->add_option(
      "--role", o.roles, fmt::format("a role (repeatable; replaces all their roles): {}", kRoles)));
  auto* env = one_value_each(set->add_option(
      "--env", o.environments, "an environment (repeatable; replaces their environments)"));
  set->add_flag("--all-envs", o.all_environments, "let them act in every environment")
      ->excludes(env);
  auto* disable = set->add_flag("--disable", o.disable, "disable the user: their tokens stop");
  set->add_flag("--enable", o.enable, "enable the user again")->excludes(disable);
}

void add_token_actions(CLI::App& command, TokenOptions& o) {
  auto* ls = command.add_subcommand("ls", "list API tokens (never their secrets)");
  ls->add_option("--user", o.user, "only this user's tokens");
  auto* create = command.add_subcommand("create", "mint an API token for a user");
  create->add_option("--user", o.user, "whom the token speaks for")->required();
  create->add_option("--name", o.name, "a label for it, e.g. laptop or ci-runner");
  one_value_each(create->add_option(
      "--role", o.roles,
      "narrow it to this role of the user's (repeatable; default: all of them)"));
  one_value_each(create->add_option(
      "--env", o.environments, "narrow it to this environment (repeatable; default: the user's)"));
  create->add_option("--expires", o.expires, "when it expires: YYYY-MM-DD or an RFC 3339 time");
  command.add_subcommand("revoke", "revoke a token: refused from its next request on")
      ->add_option("id", o.id, "the token's id (from `tollgate token ls`)")
      ->required();
}

}  // namespace

Result<json::object> create_user_body(const UserOptions& options) {
  if (options.roles.empty())
    return invalid(fmt::format("user create {}: give at least one --role", options.id));
  json::object body{{"id", options.id}, {"name", options.name}};
  if (!options.email.empty()) body["email"] = options.email;
  body["roles"] = strings(options.roles);
  if (!options.environments.empty()) body["environments"] = strings(options.environments);
  if (options.disable) body["disabled"] = true;
  return body;
}

Result<json::object> patch_user_body(const UserOptions& options) {
  if (options.all_environments && !options.environments.empty())
    return invalid("user set: --env and --all-envs contradict each other");
  if (options.disable && options.enable)
    return invalid("user set: --disable and --enable contradict each other");
  json::object body;
  if (!options.name.empty()) body["name"] = options.name;
  if (!options.email.empty()) body["email"] = options.email;
  if (!options.roles.empty()) body["roles"] = strings(options.roles);
  if (!options.environments.empty() || options.all_environments)
    body["environments"] = strings(options.environments);
  if (options.disable || options.enable) body["disabled"] = options.disable;
  if (body.empty())
    return invalid(fmt::format(
        "user set {}: nothing to change: give --name, --email, --role, --env, --all-envs, "
        "--disable or --enable",
        options.id));
  return body;
}

Result<json::object> create_token_body(const TokenOptions& options) {
  if (options.user.empty()) return invalid("token create: --user is required");
  json::object body{{"user", options.user}};
  if (!options.name.empty()) body["name"] = options.name;
  if (!options.roles.empty()) body["roles"] = strings(options.roles);
  if (!options.environments.empty()) body["environments"] = strings(options.environments);
  if (!options.expires.empty()) body["expires_at"] = options.expires;
  return body;
}

bool IdentityCommands::parsed() const {
  for (const CLI::App* command : {user_command, token_command, whoami_command})
    if (command != nullptr && command->parsed()) return true;
  return false;
}

void add_identity_commands(CLI::App& app, IdentityCommands& commands) {
  auto* user = app.add_subcommand("user", "people and their roles: create, show, ls, set");
  user->require_subcommand(1);
  user->add_subcommand("ls", "list users");
  user->add_subcommand("show", "a user: roles, environments, state")
      ->add_option("id", commands.user.id, "the user")
      ->required();
  add_user_create(*user, commands.user);
  add_user_set(*user, commands.user);
  record_action(*user, commands.user.action);
  commands.user_command = user;
  auto* token = app.add_subcommand("token", "API tokens: create, ls, revoke");
  token->require_subcommand(1);
  add_token_actions(*token, commands.token);
  record_action(*token, commands.token.action);
  commands.token_command = token;
  commands.whoami_command = app.add_subcommand(
      "whoami", "who the current token or client certificate speaks for, with which roles");
}

Status run_identity_commands(CommandContext& context, const IdentityCommands& commands) {
  if (commands.user_command != nullptr && commands.user_command->parsed())
    return user(context, commands.user);
  if (commands.token_command != nullptr && commands.token_command->parsed())
    return token(context, commands.token);
  if (commands.whoami_command != nullptr && commands.whoami_command->parsed())
    return whoami(context);
  return invalid("no user, token or whoami command was given");
}

}  // namespace tollgate::cli
