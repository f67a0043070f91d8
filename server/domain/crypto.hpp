// Randomness from OpenSSL 3. SHA-256, hex and base64url are the shared model's
// (tollgate/digest.hpp, tollgate/encoding.hpp).
#pragma once

#include <cstddef>
#include <string>

namespace tollgate::server {

// n bytes from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if the CSPRNG fails, since
// nothing secure can be done without it.
std::string random_bytes(std::size_t n);

}  // namespace tollgate::server
