#include "git_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "storage/file_system.hpp"

namespace tollgate::storage::git {
namespace {

constexpr std::size_t kMaxPersonField = 256;
constexpr std::size_t kMaxOpenPackFiles = 32;
constexpr std::size_t kMaxMessageBytes = std::size_t{64} * 1024;

// Guards libgit2's init count together with the options set when it goes from 0 to 1:
// git_libgit2_shutdown to 0 resets the search paths, so they are set again on every first init.
std::mutex& library_mutex() {
  static std::mutex mu;
  return mu;
}

Status set_global_options() {
  // Objects, refs and their directories are fsynced; otherwise a power loss could leave a ref
  // naming a commit whose objects never reached the disk.
  TG_GIT(git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1), "enable fsync of the git directory");
  // Pack files held open at once (libgit2's default is unlimited): the server's open-file budget
  // keeps this many for the vault (server/http/open_files.hpp).
  TG_GIT(git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT, std::size_t{kMaxOpenPackFiles}),
         "limit the open pack files");
  // The server's behaviour must not depend on whoever's ~/.gitconfig or /etc/gitconfig.
  for (const int level : {GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM,
                          GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL}) {
    TG_GIT(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, ""), "clear the git config path");
  }
  return {};
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Status error_status(int rc, std::string_view what) {
  const git_error* e = git_error_last();
  const std::string message =
      fmt::format("{}: {}", what, e && e->message ? e->message : "libgit2 error");
  switch (rc) {
    case GIT_ENOTFOUND:
      return not_found(message);
    case GIT_EEXISTS:
    case GIT_EMODIFIED:
    case GIT_ELOCKED:
      return conflict(message);
    case GIT_EINVALIDSPEC:
    case GIT_EPEEL:
      return invalid(message);
    case GIT_EMISMATCH:
      return {Code::corrupt, message};
    default:
      return io_error(message);
  }
}

Library::Library() {
  std::lock_guard lock(library_mutex());
  const int rc = git_libgit2_init();
  if (rc < 0) {
    status_ = error_status(rc, "initialise libgit2");
    return;
  }
  initialised_ = true;
  if (rc == 1) status_ = set_global_options();
}

Library::~Library() {
  std::lock_guard lock(library_mutex());
  if (initialised_) git_libgit2_shutdown();
}

Status sync_object_directory(git_repository* repo) {
  return sync_directory(std::string(git_repository_commondir(repo)) + "objects");
}

Status sync_directory(const std::string& dir) {
  return storage::sync_directory(real_file_system(), dir);
}

Result<DirectoryLock> DirectoryLock::open(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return io_error(fmt::format("open {}: {}", dir, std::generic_category().message(errno)));
  return DirectoryLock(fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<DirectoryLock::Held> DirectoryLock::hold() const {
  int rc = 0;
  do {
    rc = ::flock(fd_, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0)
    return io_error(fmt::format("lock the vault: {}", std::generic_category().message(errno)));
  return Held(fd_);
}

DirectoryLock::Held::Held(Held&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DirectoryLock::Held::~Held() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

std::string to_hex(const git_oid& id) {
  std::string s(GIT_OID_HEXSZ, '0');
  git_oid_fmt(s.data(), &id);
  return s;
}

bool is_full_hex_id(std::string_view s) {
  if (s.size() != GIT_OID_HEXSZ) return false;
  for (const char c : s) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

Status parse_oid(std::string_view hex, git_oid* id) {
  if (!is_full_hex_id(hex)) {
    return invalid(fmt::format("'{}' is not a full object id (40 hex digits)", hex));
  }
  TG_GIT(git_oid_fromstrn(id, hex.data(), hex.size()), "parse object id");
  return {};
}

Status make_signature(const VaultAuthor& who, Micros when, SignaturePtr* sig) {
  const bool name_blank = who.name.find_first_not_of(" \t") == std::string::npos;
  if (name_blank) return invalid("the author's name is empty");
  for (const std::string* field : {&who.name, &who.email}) {
    if (field->size() > kMaxPersonField || has_control(*field) ||
        field->find_first_of("<>") != std::string::npos) {
      return invalid(
          fmt::format("'{}' cannot name an author: at most {} bytes, no '<', '>' or "
                      "control characters",
                      *field, kMaxPersonField));
    }
  }
  // Floor division: git times are whole seconds and an instant before 1970 rounds down too.
  const Micros seconds = when >= 0 ? when / 1'000'000 : -((-when + 999'999) / 1'000'000);
  const char* email = who.email.empty() ? kVaultNoEmail : who.email.c_str();
  TG_GIT(git_signature_new(out(*sig), who.name.c_str(), email, seconds, 0), "make signature");
  return {};
}

VaultAuthor author_of(const git_signature* sig) {
  if (!sig) return {};
  return {sig->name ? sig->name : "", sig->email ? sig->email : ""};
}

Micros micros_of(const git_time& t) { return static_cast<Micros>(t.time) * 1'000'000; }

Status normalise_message(std::string_view message, std::string* normalised) {
  if (message.find('\0') != std::string_view::npos) return invalid("the message contains NUL");
  if (message.size() > kMaxMessageBytes) {
    return invalid(fmt::format("the message is longer than {} bytes", kMaxMessageBytes));
  }
  std::size_t end = message.size();
  while (end > 0 && is_space(message[end - 1])) --end;
  if (end == 0) return invalid("the message is empty");
  normalised->assign(message.substr(0, end));
  normalised->push_back('\n');
  return {};
}

std::string trim_message(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && is_space(s.back())) s.pop_back();
  return s;
}

}  // namespace tollgate::storage::git
