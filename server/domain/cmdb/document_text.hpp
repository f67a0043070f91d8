// Text rules that controlled documents share: ASCII classes whatever the locale, names as error
// messages may echo them, and the author's note of a version.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::server {

constexpr std::size_t kMaxDocumentNote = 4096;  // bytes of the author's message

// [A-Za-z0-9], whatever the locale.
bool is_ascii_alnum(char c);

// `s` with A-Z in lower case, whatever the locale.
std::string ascii_lower(std::string_view s);

// A name as error messages may echo it: printable ASCII only ('?' for anything else), at most 64
// characters, then "...".
std::string printable(std::string_view s);

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view s);

// The author's note: UTF-8, CR dropped, no other control characters but newline and tab,
// trimmed of spaces, tabs and newlines. Errors: invalid ("message: ...").
Result<std::string> normalise_note(std::string_view note);

}  // namespace tollgate::server
