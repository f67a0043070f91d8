#include "server/domain/crypto.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace tollgate::server {

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tollgate: fatal: %s\n", what);
  std::abort();
}

}  // namespace

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

}  // namespace tollgate::server
