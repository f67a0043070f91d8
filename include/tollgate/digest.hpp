// SHA-256 digests: the one hasher, hex and the digest syntax of Tollgate, shared by the server,
// storage and the `tollgate` client.
//
// A digest is written as 64 lower-case hex characters ("sha256hex"), the form the blob store,
// every record, manifest and X-Checksum-Sha256 header use. On the wire it may also carry the
// prefix "sha256:" (?digest=, /api/v1/blobs/sha256:{hex}); parse_sha256_digest() is the one
// place that says what is accepted.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

struct evp_md_ctx_st;

namespace tollgate {

// Status reason (with Code::invalid) of a malformed digest; the HTTP layer turns it into a
// problem type.
inline constexpr const char* kInvalidDigestReason = "invalid-digest";
inline constexpr std::string_view kSha256Prefix = "sha256:";
inline constexpr std::size_t kSha256HexLength = 64;

// An incremental SHA-256 (OpenSSL 3 EVP) for data that arrives in pieces. Feed bytes with
// update() in any number of pieces, then take the digest once. Move-only; not thread-safe. An
// OpenSSL failure (in practice only allocation) is remembered and reported by hex_digest(), so
// update() needs no check.
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
  // calls of update() or hex_digest() fail with internal. Errors: internal (OpenSSL failed).
  Result<std::string> hex_digest();

 private:
  // Defined beside the hasher (OpenSslDeleter<EVP_MD_CTX_free>) so that this header needs no
  // OpenSSL header.
  struct ContextFree {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextFree> context_;
  bool failed_ = false;
};

// Lower-case hex SHA-256 of `data` (64 characters). Aborts the process if OpenSSL fails: a wrong
// digest must never pass for a right one, and nothing sensible is left to return.
std::string sha256_hex(std::string_view data);

// Whether `text` is a digest as stored: exactly 64 lower-case hex characters, no prefix.
bool is_sha256_hex(std::string_view text);

// Parses a digest as accepted on the wire: "sha256:<64 hex>" or "<64 hex>". The prefix is
// lower-case only; hex digits may be either case (Windows tools print upper case) and come back
// lower-case, the form is_sha256_hex() accepts. Nothing else is tolerated, surrounding
// whitespace included. Errors: invalid (reason invalid-digest), quoting the text.
Result<std::string> parse_sha256_digest(std::string_view text);

}  // namespace tollgate
