#include "client/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace tollgate::client {
namespace {

constexpr std::size_t kReadSize = std::size_t{1024} * 1024;
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kPrefix = "sha256:";

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

// Closes a file descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Result<Sha256> Sha256::create() {
  std::unique_ptr<evp_md_ctx_st, Free> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return internal_error("cannot set up a SHA-256 context");
  }
  return Sha256(std::move(context));
}

Status Sha256::update(std::string_view bytes) {
  if (!context_) return internal_error("SHA-256 used after finish");
  if (EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) != 1) {
    return internal_error("SHA-256 update failed");
  }
  return {};
}

Result<std::string> Sha256::finish() {
  if (!context_) return internal_error("SHA-256 used after finish");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const int done = EVP_DigestFinal_ex(context_.get(), digest, &length);
  context_.reset();
  if (done != 1) return internal_error("SHA-256 final failed");
  std::string hex;
  hex.reserve(std::size_t{2} * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHexDigits[digest[i] >> 4];
    hex += kHexDigits[digest[i] & 0x0f];
  }
  return hex;
}

Result<FileDigest> sha256_fd(int fd, const ProgressCallback& progress) {
  struct stat info {};
  if (fstat(fd, &info) != 0) return io_error("cannot stat the file: " + errno_text());
  const auto total = static_cast<std::uint64_t>(info.st_size);
  TG_ASSIGN_OR_RETURN(Sha256 hasher, Sha256::create());
  std::vector<char> buffer(kReadSize);
  FileDigest result;
  if (progress) progress(0, total);
  for (;;) {
    const ssize_t n = pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(result.size));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read the file: " + errno_text());
    if (n == 0) break;
    TG_RETURN_IF_ERROR(hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
    result.size += static_cast<std::uint64_t>(n);
    if (progress) progress(result.size, total);
  }
  TG_ASSIGN_OR_RETURN(result.sha256, hasher.finish());
  return result;
}

Result<FileDigest> sha256_file(const std::string& path, const ProgressCallback& progress) {
  const ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const Code code = errno == ENOENT ? Code::not_found : Code::io;
    return Status(code, "cannot open " + path + ": " + errno_text());
  }
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return io_error("cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(info.st_mode)) return invalid(path + " is not a regular file");
  (void)posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto digest = sha256_fd(fd.get(), progress);
  if (!digest.ok()) return Status(digest.status().code(), path + ": " + digest.status().message());
  return digest;
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of(kHexDigits) == std::string_view::npos;
}

std::string normalize_sha256(std::string_view text) {
  std::string hex(text);
  for (char& c : hex) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (std::string_view(hex).substr(0, kPrefix.size()) == kPrefix) hex.erase(0, kPrefix.size());
  return is_sha256_hex(hex) ? hex : std::string();
}

}  // namespace tollgate::client
