// Byte encodings shared by the server and the client: hex, and base64url.
#pragma once

#include <string>
#include <string_view>

namespace tollgate {

// Lower-case hex of bytes, two digits per byte.
std::string to_hex(std::string_view bytes);

}  // namespace tollgate
