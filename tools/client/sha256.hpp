// SHA-256 of artifact bytes: a streaming hasher (OpenSSL EVP) and whole-file hashing.
//
// Digests are written as 64 lower-case hex characters, without the "sha256:" prefix, as the
// server's X-Checksum-Sha256 header carries them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "client/http_client.hpp"
#include "tollgate/status.hpp"

struct evp_md_ctx_st;

namespace tollgate::client {

// An incremental SHA-256. Move-only; not thread-safe.
class Sha256 {
 public:
  // Errors: internal when OpenSSL cannot set up a digest context.
  static Result<Sha256> create();

  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;
  ~Sha256() = default;

  // Feeds bytes. Errors: internal (OpenSSL failed), or after finish().
  Status update(std::string_view bytes);
  // The digest of everything fed, as lower-case hex; the hasher is spent afterwards.
  // Errors: internal.
  Result<std::string> finish();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* context) const;
  };
  explicit Sha256(std::unique_ptr<evp_md_ctx_st, Free> context) : context_(std::move(context)) {}
  std::unique_ptr<evp_md_ctx_st, Free> context_;
};

struct FileDigest {
  std::string sha256;      // lower-case hex
  std::uint64_t size = 0;  // bytes hashed
};

// Hashes the file at `path` from start to end in 1 MiB reads, never holding more than that.
// `progress` sees the bytes hashed of the file's size. Errors: not_found when it does not
// exist, invalid when it is not a regular file, io for any other failure to read it.
Result<FileDigest> sha256_file(const std::string& path, const ProgressCallback& progress = {});

// The same for an open file descriptor (not owned; read with pread from offset 0).
Result<FileDigest> sha256_fd(int fd, const ProgressCallback& progress = {});

// Whether `text` is 64 lower-case hex characters.
bool is_sha256_hex(std::string_view text);

// A digest as a server sends it ("<hex>" or "sha256:<hex>", any case) as 64 lower-case hex;
// empty when it is not one.
std::string normalize_sha256(std::string_view text);

}  // namespace tollgate::client
