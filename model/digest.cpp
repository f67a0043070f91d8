#include "tollgate/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "text.hpp"
#include "tollgate/encoding.hpp"
#include "tollgate/openssl.hpp"

namespace tollgate {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

// OpenSSL 3 looks an algorithm up in its providers on every init given EVP_sha256(); fetched
// once, it is not (this was a few percent of a small GET, which hashes the token). Kept for the
// life of the process.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

void Sha256Hasher::ContextFree::operator()(evp_md_ctx_st* context) const {
  OpenSslDeleter<EVP_MD_CTX_free>{}(context);
}

Sha256Hasher::Sha256Hasher() : context_(EVP_MD_CTX_new()) {
  const EVP_MD* md = sha256_md();
  failed_ = !context_ || !md || EVP_DigestInit_ex(context_.get(), md, nullptr) != 1;
}

Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::update(std::string_view data) {
  if (failed_ || !context_) {
    failed_ = true;
    return;
  }
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) failed_ = true;
}

Result<std::string> Sha256Hasher::hex_digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  const bool ok =
      !failed_ && context_ && EVP_DigestFinal_ex(context_.get(), md.data(), &length) == 1;
  context_.reset();
  failed_ = true;
  if (!ok) return internal_error("SHA-256 failed in OpenSSL");
  return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), length));
}

std::string sha256_hex(std::string_view data) {
  Sha256Hasher hasher;
  hasher.update(data);
  Result<std::string> hex = hasher.hex_digest();
  // It fails only on allocation failure or a broken provider; neither leaves anything sensible
  // to return, and a wrong hash must never be mistaken for a right one.
  if (!hex.ok()) {
    std::fprintf(stderr, "tollgate: fatal: SHA-256 failed in OpenSSL\n");
    std::abort();
  }
  return std::move(hex).value();
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == kSha256HexLength &&
         text.find_first_not_of(kHexDigits) == std::string_view::npos;
}

Result<std::string> parse_sha256_digest(std::string_view text) {
  std::string_view hex = text;
  if (hex.starts_with(kSha256Prefix)) hex.remove_prefix(kSha256Prefix.size());
  std::string digest;
  if (hex.size() == kSha256HexLength) {
    digest.reserve(kSha256HexLength);
    for (const char c : hex) {
      if (!is_hex_digit(c)) break;
      digest.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  if (digest.size() == kSha256HexLength) return digest;
  return invalid(fmt::format("not a SHA-256 digest: {} (expected 64 hex digits, optionally after "
                             "\"sha256:\")",
                             model::quoted(text)))
      .with_reason(kInvalidDigestReason);
}

}  // namespace tollgate
