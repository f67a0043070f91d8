#include "server/domain/crypto.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "storage/sha256_hasher.hpp"
#include "tollgate/signed_document.hpp"

namespace tollgate::server {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tollgate: fatal: %s\n", what);
  std::abort();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  // One SHA-256 in the code base: the streaming hasher that also names every blob.
  storage::Sha256Hasher hasher;
  hasher.update(data);
  Result<std::string> hex = hasher.hex_digest();
  // It fails only on allocation failure or a broken provider; neither leaves anything sensible
  // to return, and a wrong hash must never be mistaken for a right one.
  if (!hex.ok()) die("SHA-256 failed in OpenSSL");
  return std::move(hex).value();
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(out.data());
  // RAND_bytes takes an int, so very large requests are filled in chunks.
  while (n > 0) {
    const std::size_t chunk = std::min<std::size_t>(n, INT_MAX);
    if (RAND_bytes(cursor, static_cast<int>(chunk)) != 1) die("OpenSSL RAND_bytes failed");
    cursor += chunk;
    n -= chunk;
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0f]);
  }
  return out;
}

// One base64url in the code base: the one the CLI verifies signatures with.
std::string base64url_encode(std::string_view bytes) { return encode_base64url(bytes); }

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_base64url(text);
}

}  // namespace tollgate::server
