#include "cli/login.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/local_file.hpp"

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::size_t kMaxPassword = 1024;

std::string toml_quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Turns terminal echo off for its lifetime.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

std::string join_names(const json::array& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n.as_string());
  return out;
}

}  // namespace

CLI::App* add_login(CLI::App& app, LoginOptions& options) {
  auto* command = app.add_subcommand(
      "login", "log in with your directory (LDAP) password and keep the session token");
  command->add_option("--user", options.user, "directory username (default $USER)");
  return command;
}

Result<std::string> read_password(std::FILE* in, bool echo_off) {
  std::optional<EchoOff> quiet;
  if (echo_off) quiet.emplace(::fileno(in));
  std::string line;
  int c = 0;
  while ((c = std::fgetc(in)) != EOF && c != '\n' && line.size() <= kMaxPassword)
    line += static_cast<char>(c);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return invalid("no password was given");
  return line;
}

Status save_token(const std::string& path, const std::string& token, const std::string& server,
                  const std::string& ca) {
  std::map<std::string, std::string> keys;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    try {
      const toml::table root = toml::parse_file(path);
      for (const auto& [key, node] : root)
        if (auto value = node.value<std::string>()) keys[std::string(key.str())] = *value;
    } catch (const toml::parse_error& e) {
      return invalid(fmt::format("{}: {}", path, e.description()));
    }
  }
  keys["token"] = token;
  if (!keys.contains("server") && !server.empty()) keys["server"] = server;
  if (!keys.contains("ca") && !ca.empty()) keys["ca"] = fs::absolute(ca, ec).string();
  std::string text = "# written by `tollgate login`\n";
  for (const auto& [key, value] : keys) text += key + " = " + toml_quoted(value) + "\n";

  const fs::path target(path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      return io_error(
          fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()));
  }
  // 0600: the file holds a token.
  return write_file_atomically(path, text, 0600);
}

std::string format_session(const json::object& session) {
  const auto& envs = session.at("environments").as_array();
  return fmt::format(
      "Logged in as {} ({}): roles {}; {}; until {}\n", std::string(session.at("user").as_string()),
      std::string(session.at("name").as_string()), join_names(session.at("roles").as_array()),
      envs.empty() ? std::string("every environment") : "environments " + join_names(envs),
      std::string(session.at("expires_at").as_string()));
}

Status login(CommandContext& context, const LoginOptions& options) {
  std::string user = options.user;
  if (user.empty())
    // Nothing in the CLI sets environment variables, so reading them is safe.
    if (const char* env = std::getenv("USER")) user = env;  // NOLINT(concurrency-mt-unsafe)
  if (user.empty()) return invalid("--user: no username given and $USER is unset");
  if (options.config_file.empty())
    return invalid("no config file to keep the token in: give --config FILE or set HOME");
  const bool terminal = ::isatty(STDIN_FILENO) != 0;
  if (terminal) {
    std::fprintf(stderr, "Password for %s: ", user.c_str());
    std::fflush(stderr);
  }
  auto password = read_password(stdin, terminal);
  if (terminal) std::fputc('\n', stderr);
  if (!password) return password.status();
  const json::object body{{"username", user}, {"password", *password}};
  std::fill(password->begin(), password->end(), '\0');
  TG_ASSIGN_OR_RETURN(const json::object session,
                      request_object(context.http, "POST", "/api/v1/sessions",
                                     json::serialize(body), 201, context.problem_out()));
  TG_RETURN_IF_ERROR(save_token(options.config_file, std::string(session.at("token").as_string()),
                                options.server, options.ca));
  json::object shown = session;
  shown.erase("token");  // kept in the file, not printed
  shown["config_file"] = options.config_file;
  print_result(context, shown,
               format_session(session) + fmt::format("Token saved in {}\n", options.config_file));
  return {};
}

}  // namespace tollgate::cli
