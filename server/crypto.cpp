#include "server/crypto.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "storage/sha256_hasher.hpp"

namespace tollgate::server {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Maps a character to its 6-bit value, or -1 for anything outside the base64url alphabet.
constexpr std::array<std::int8_t, 256> make_base64url_values() {
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < 64; ++i) {
    values[static_cast<unsigned char>(kBase64UrlAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}
constexpr std::array<std::int8_t, 256> kBase64UrlValues = make_base64url_values();

std::uint32_t byte_at(std::string_view bytes, std::size_t i) {
  return static_cast<unsigned char>(bytes[i]);
}

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

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group =
        byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8 | byte_at(bytes, i + 2);
    for (const int shift : {18, 12, 6, 0}) {
      out.push_back(kBase64UrlAlphabet[(group >> shift) & 0x3f]);
    }
  }
  // A final one or two bytes become two or three characters, without padding.
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  const std::uint32_t group =
      byte_at(bytes, i) << 16 | (rest == 2 ? byte_at(bytes, i + 1) << 8 : 0);
  out.push_back(kBase64UrlAlphabet[(group >> 18) & 0x3f]);
  out.push_back(kBase64UrlAlphabet[(group >> 12) & 0x3f]);
  if (rest == 2) out.push_back(kBase64UrlAlphabet[(group >> 6) & 0x3f]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // A final group of one character cannot encode a whole byte.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const std::int8_t value = kBase64UrlValues[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero; otherwise several texts would decode to the same bytes, which
  // matters when the text is compared as a token.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace tollgate::server
