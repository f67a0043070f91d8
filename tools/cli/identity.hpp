// `tollgate user …`, `tollgate token …` and `tollgate whoami`: people, their API tokens, and who
// the current token speaks for.
//
//   user ls                            GET /api/v1/users (every page)
//   user show ID                       GET /api/v1/users/{id}
//   user create ID --name N [--email E] --role R... [--env E...] [--disable]
//       POST /api/v1/users {id, name, email?, roles, environments?, disabled?}
//   user set ID [--name N] [--email E] [--role R...] [--env E... | --all-envs]
//               [--disable | --enable]
//       PATCH /api/v1/users/{id}: only what is given; --role and --env replace the lists,
//       --all-envs sends environments [] (every environment)
//   token ls [--user U]                GET /api/v1/tokens[?user=] (every page)
//   token create --user U [--name LABEL] [--role R...] [--env E...] [--expires WHEN]
//       POST /api/v1/tokens {user, name?, roles?, environments?, expires_at?}: roles and
//       environments narrow the user's; WHEN is YYYY-MM-DD or RFC 3339, passed on as written.
//       The secret is in the answer once: printed on its own line with a warning that it is
//       never shown again (with json, the answer's "token" field).
//   token revoke ID                    DELETE /api/v1/tokens/{id}
//   whoami                             GET /api/v1/whoami
//
// The client passes role and environment names on as written; the server checks them. Every
// command prints a readable view, or with json the server's JSON (lists: every page merged into
// one "items" array); a refusal returns the problem as a Status, and with json the problem
// document is printed on standard output first.
#pragma once

#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "cli/commands.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct UserOptions {
  std::string action;  // ls, show, create, set
  std::string id;
  std::string name;
  std::string email;
  std::vector<std::string> roles;
  std::vector<std::string> environments;
  bool all_environments = false;  // set: environments []
  bool disable = false;
  bool enable = false;  // set
};

struct TokenOptions {
  std::string action;  // ls, create, revoke
  std::string id;      // revoke
  std::string user;    // create; ls: a filter
  std::string name;
  std::vector<std::string> roles;
  std::vector<std::string> environments;
  std::string expires;
};

struct IdentityCommands {
  UserOptions user;
  TokenOptions token;
  CLI::App* user_command = nullptr;
  CLI::App* token_command = nullptr;
  CLI::App* whoami_command = nullptr;

  // Whether `user`, `token` or `whoami` was given on the command line.
  bool parsed() const;
};

// Adds `user`, `token` (with their actions) and `whoami` to `app`. `commands` must outlive it.
void add_identity_commands(CLI::App& app, IdentityCommands& commands);

// Runs whichever of the commands was parsed; invalid when none was.
Status run_identity_commands(CommandContext& context, const IdentityCommands& commands);

Status user(CommandContext& context, const UserOptions& options);
Status token(CommandContext& context, const TokenOptions& options);
Status whoami(CommandContext& context);

// --- The pieces, for tests -------------------------------------------------------------------

// The request bodies. Errors: invalid (create: no --role; set: nothing to change, --env with
// --all-envs, --disable with --enable; token: no --user).
Result<boost::json::object> create_user_body(const UserOptions& options);
Result<boost::json::object> patch_user_body(const UserOptions& options);
Result<boost::json::object> create_token_body(const TokenOptions& options);

// The readable views.
std::string format_user(const boost::json::object& user);
std::string format_user_list(const boost::json::array& users);
// The minted token's record, then its secret on a line of its own and the warning that it is
// shown once.
std::string format_minted_token(const boost::json::object& minted);
std::string format_token_list(const boost::json::array& tokens);
std::string format_revoked_token(const boost::json::object& token);
std::string format_whoami(const boost::json::object& whoami);

}  // namespace tollgate::cli
