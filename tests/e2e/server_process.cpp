#include "tests/e2e/server_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#ifndef TOLLGATED_PATH
#error "TOLLGATED_PATH must name the tollgated binary"
#endif

namespace tollgate::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(20);
// A fresh server may print its bootstrap token just after the listening line.
constexpr auto kTokenGrace = std::chrono::seconds(1);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

constexpr std::string_view kListeningPrefix = "tollgated listening on ";
constexpr std::string_view kTokenPrefix = "bootstrap admin token of user 'admin' written to ";

// The rest of the last complete line that contains `prefix`, starting after it; nullopt when
// there is none (a line still being written does not count).
std::optional<std::string> last_line_after(const std::string& text, std::string_view prefix) {
  std::optional<std::string> found;
  for (std::size_t at = text.find(prefix); at != std::string::npos;
       at = text.find(prefix, at + 1)) {
    const std::size_t start = at + prefix.size();
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    found = text.substr(start, end - start);
  }
  return found;
}

std::string last_word(const std::string& line) {
  const std::size_t end = line.find_last_not_of(" \t\r");
  if (end == std::string::npos) return {};
  const std::size_t start = line.find_last_of(" \t", end);
  return line.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// Parses "https://127.0.0.1:PORT" (anything after the address ignored) into scheme and port.
std::optional<std::pair<std::string, std::uint16_t>> parse_listening(const std::string& line) {
  const std::size_t scheme_end = line.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  const std::string address = last_word(line.substr(0, line.find_first_of(" \t\r", scheme_end)));
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 >= address.size()) return std::nullopt;
  const std::string digits = address.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5) {
    return std::nullopt;
  }
  const unsigned long port = std::stoul(digits);
  if (port == 0 || port > 65535) return std::nullopt;
  return std::make_pair(line.substr(0, scheme_end), static_cast<std::uint16_t>(port));
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Runs in the forked child: only async-signal-safe calls until execv. `open_files`: the
// RLIMIT_NOFILE to run with; null for the test's own.
[[noreturn]] void exec_child(pid_t parent, int stdin_fd, int log_fd, const rlimit* open_files,
                             char* const argv[]) {
  // Die with the test process, so a crashed test leaves no server behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);
  if (open_files != nullptr && setrlimit(RLIMIT_NOFILE, open_files) != 0) _exit(126);
  if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
      dup2(log_fd, STDERR_FILENO) < 0) {
    _exit(126);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv);
  constexpr char kMessage[] = "server_process: cannot execute " TOLLGATED_PATH "\n";
  [[maybe_unused]] const ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(127);
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  for (const auto& arg : extra_args_) {
    if (arg == "--no-tls") tls_ = false;
  }
}

ServerProcess::~ServerProcess() {
  if (running()) kill9();
}

Status ServerProcess::start() {
  if (running()) return {Code::conflict, "tollgated is already running"};
  port_ = 0;
  TG_RETURN_IF_ERROR(spawn());
  return wait_until_listening();
}

Status ServerProcess::spawn() {
  std::error_code ec;
  std::filesystem::create_directories(data_dir(), ec);
  if (ec) return io_error("cannot create " + data_dir() + ": " + ec.message());

  const Fd log_fd(open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  const Fd stdin_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (log_fd.get() < 0 || stdin_fd.get() < 0) {
    return io_error("cannot open " + log_path() + ": " + std::strerror(errno));
  }
  log_offset_ = std::filesystem::file_size(log_path(), ec);

  std::vector<std::string> args = {TOLLGATED_PATH, "--data-dir", data_dir(), "--listen",
                                   "127.0.0.1:0"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  rlimit open_files{};
  if (open_file_limit_) {
    open_files.rlim_cur = open_file_limit_->first;
    open_files.rlim_max = open_file_limit_->second;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return {Code::unavailable, std::string("fork: ") + std::strerror(errno)};
  if (pid == 0)
    exec_child(parent, stdin_fd.get(), log_fd.get(), open_file_limit_ ? &open_files : nullptr,
               argv.data());
  pid_ = pid;
  return {};
}

Status ServerProcess::wait_until_listening() {
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    const std::string output = last_start_log();
    if (const auto line = last_line_after(output, kListeningPrefix)) {
      const auto listening = parse_listening(*line);
      if (!listening) {
        kill9();
        return {Code::unavailable,
                "cannot parse the listening line '" + *line + "'; log:\n" + last_start_log()};
      }
      const std::string expected = tls_ ? "https" : "http";
      if (listening->first != expected) {
        kill9();
        return {Code::unavailable, "tollgated serves " + listening->first + ", expected " +
                                       expected + "; log:\n" + last_start_log()};
      }
      port_ = listening->second;
      const auto grace_end = Clock::now() + kTokenGrace;
      while (log_offset_ == 0 && !last_line_after(log(), kTokenPrefix) &&
             Clock::now() < grace_end) {
        std::this_thread::sleep_for(kPollInterval);
      }
      return {};
    }
    if (const auto exit_code = reap(false)) {
      return {Code::unavailable, "tollgated exited with status " + std::to_string(*exit_code) +
                                     " before listening; log:\n" + last_start_log()};
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  kill9();
  return {Code::unavailable, "tollgated did not report listening within " +
                                 std::to_string(kStartTimeout.count()) + " s; log:\n" +
                                 last_start_log()};
}

std::optional<int> ServerProcess::reap(bool block) {
  if (!running()) return std::nullopt;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == 0) return std::nullopt;
  pid_ = -1;
  return result < 0 ? -1 : decode_wait_status(status);
}

int ServerProcess::terminate(int signal_number) {
  if (!running()) return -1;
  kill(pid_, signal_number);
  if (signal_number != SIGKILL) {
    const auto deadline = Clock::now() + kStopTimeout;
    while (Clock::now() < deadline) {
      if (const auto exit_code = reap(false)) return *exit_code;
      std::this_thread::sleep_for(kPollInterval);
    }
    kill(pid_, SIGKILL);
  }
  return reap(true).value_or(-1);
}

int ServerProcess::stop() { return terminate(SIGTERM); }
int ServerProcess::kill9() { return terminate(SIGKILL); }

Status ServerProcess::restart() {
  stop();
  return start();
}

std::string ServerProcess::bootstrap_token() const {
  std::ifstream in(data_dir() + "/bootstrap-token");
  std::string token;
  in >> token;
  return token;
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path(), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ServerProcess::last_start_log() const {
  std::string text = log();
  return log_offset_ < text.size() ? text.substr(log_offset_) : std::string();
}

void ServerProcess::set_open_file_limit(std::uint64_t soft, std::uint64_t hard) {
  open_file_limit_.emplace(soft, hard);
}

void ServerProcess::use_config(const std::string& toml) {
  const std::string path = temp_.file("tollgate.toml");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << toml;
  for (std::size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--config") {
      extra_args_[i + 1] = path;
      return;
    }
  }
  extra_args_.insert(extra_args_.end(), {"--config", path});
}

client::ClientOptions ServerProcess::client_options(std::string token) const {
  client::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.tls = tls_;
  if (tls_) options.ca_file = ca_file();
  options.token = std::move(token);
  return options;
}

client::HttpClient ServerProcess::client(std::string token) const {
  return client::HttpClient(client_options(std::move(token)));
}

}  // namespace tollgate::e2e
