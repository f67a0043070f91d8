// Media types (RFC 9110) of controlled documents and release-gate documents: checking and
// normalising the one a writer names, guessing one from a file name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::server {

constexpr std::size_t kMaxMediaType = 255;
// What content of an unknown kind is.
inline constexpr const char* kDefaultMediaType = "application/octet-stream";

// An RFC 9110 token: one or more of A-Z, a-z, 0-9 and !#$%&'*+-.^_`|~.
bool is_http_token(std::string_view s);

// `type/subtype` with optional `; parameter=value`s (RFC 9110), at most 255 printable ASCII
// characters; type and subtype are returned in lower case. Errors: invalid.
Result<std::string> normalise_media_type(std::string_view media_type);

// The media type a first version gets when the writer names none, from the name's extension
// (".md" -> "text/markdown", ".pdf" -> "application/pdf", ...; application/octet-stream else).
std::string guess_media_type(std::string_view name);

}  // namespace tollgate::server
