// Byte encodings shared by the server and the client: hex, and base64url.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// Lower-case hex of bytes, two digits per byte.
std::string to_hex(std::string_view bytes);

// Unpadded base64url (RFC 4648 §5) and back; decoding returns nullopt on any invalid input,
// padding and non-zero trailing bits included (so one byte string has exactly one text).
std::string encode_base64url(std::string_view bytes);
std::optional<std::string> decode_base64url(std::string_view text);

}  // namespace tollgate
