// Small cryptographic helpers on OpenSSL 3: hashing, randomness, encodings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::server {

// Lower-case hex SHA-256 of data (64 characters), through storage::Sha256Hasher (one SHA-256
// implementation for tokens and blobs alike). Aborts the process if OpenSSL fails, like
// random_bytes: a wrong digest must never pass for a right one.
std::string sha256_hex(std::string_view data);

// n bytes from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if the CSPRNG fails, since
// nothing secure can be done without it.
std::string random_bytes(std::size_t n);

// Lower-case hex of bytes.
std::string to_hex(std::string_view bytes);

// Unpadded base64url (RFC 4648 §5) and back; decode returns nullopt on any invalid input.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tollgate::server
