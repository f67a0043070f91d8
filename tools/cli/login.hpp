// `tollgate login [--user NAME]`: logs in with a directory (LDAP) password and keeps the session
// token for later commands.
//
// The password is read from the terminal without echo, or, when standard input is not a
// terminal, as one line from it (so scripts can pipe it). It goes to POST /api/v1/sessions
// {username, password}; the token of the answer is written as `token` into the CLI's config file
// (--config FILE, else the default one of cli/config.hpp), created 0600 (its directory 0700)
// and keeping the file's other settings; `server` and `ca` are added when the file has none.
// A TOLLGATE_TOKEN in the environment or --token still wins over the file.
#pragma once

#include <cstdio>
#include <string>

#include <boost/json/object.hpp>

#include "cli/commands.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct LoginOptions {
  std::string user;         // empty: $USER
  std::string config_file;  // where the token goes (set by main)
  std::string server;       // as resolved, written when the file names none
  std::string ca;
};

CLI::App* add_login(CLI::App& app, LoginOptions& options);

Status login(CommandContext& context, const LoginOptions& options);

// --- The pieces, for tests -------------------------------------------------------------------

// One line of `in` without its line end; with `echo_off` (a terminal), echo is off meanwhile.
// Errors: invalid when nothing was read.
Result<std::string> read_password(std::FILE* in, bool echo_off);

// Sets `token` (and `server`, `ca` when absent) in the config file at `path`, which may be
// missing, writing it 0600 through a temporary file and a rename. Errors: invalid for a file
// that does not parse; io.
Status save_token(const std::string& path, const std::string& token, const std::string& server,
                  const std::string& ca);

// "Logged in as alice (Alice Liddell): roles tester; every environment; until 2026-..."
std::string format_session(const boost::json::object& session);

}  // namespace tollgate::cli
