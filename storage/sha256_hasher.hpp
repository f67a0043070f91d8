// Sha256Hasher: incremental SHA-256 (OpenSSL EVP) for data that arrives in pieces.
//
// The one SHA-256 of Tollgate: blobs are named and verified with it, and server/domain/crypto.hpp's
// one-shot sha256_hex (token hashes) is built on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

struct evp_md_ctx_st;

namespace tollgate::storage {

// Feed bytes with update() in any number of pieces, then take the digest once. Move-only; not
// thread-safe. An OpenSSL failure (in practice only allocation) is remembered and reported by
// hex_digest(), so update() needs no check.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void update(std::string_view data);

  // The lower-case hex digest of everything fed so far (64 characters). Ends the hasher: later
  // calls of update() or hex_digest() fail with internal.
  Result<std::string> hex_digest();

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
  bool failed_ = false;
};

}  // namespace tollgate::storage
