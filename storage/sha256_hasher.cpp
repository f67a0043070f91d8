#include "storage/sha256_hasher.hpp"

#include <openssl/evp.h>

#include <array>

namespace tollgate::storage {

void Sha256Hasher::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

namespace {

// OpenSSL 3 looks an algorithm up in its providers on every init given EVP_sha256(); fetched
// once, it is not (this was a few percent of a small GET, which hashes the token). Kept for the
// life of the process.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  const EVP_MD* md = sha256_md();
  failed_ = !ctx_ || !md || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1;
}

Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::update(std::string_view data) {
  if (failed_ || !ctx_) {
    failed_ = true;
    return;
  }
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) failed_ = true;
}

Result<std::string> Sha256Hasher::hex_digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  const bool ok = !failed_ && ctx_ && EVP_DigestFinal_ex(ctx_.get(), md.data(), &length) == 1;
  ctx_.reset();
  failed_ = true;
  if (!ok) return internal_error("SHA-256 failed in OpenSSL");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * std::size_t{length});
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0f]);
  }
  return out;
}

}  // namespace tollgate::storage
