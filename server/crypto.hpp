// Small cryptographic helpers on OpenSSL 3: randomness, encodings. SHA-256 and hex are the
// shared model's (tollgate/digest.hpp, tollgate/encoding.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::server {

// n bytes from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if the CSPRNG fails, since
// nothing secure can be done without it.
std::string random_bytes(std::size_t n);

// Unpadded base64url (RFC 4648 §5) and back; decode returns nullopt on any invalid input.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tollgate::server
