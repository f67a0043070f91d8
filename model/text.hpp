// Private to model/: UTF-8 decoding and quoting of user-supplied text for error messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::model {

struct CodePoint {
  std::uint32_t value = 0;
  std::size_t length = 0;  // bytes of its UTF-8 form
};

// Decodes the UTF-8 sequence at s[at] (Unicode 15, table 3-7: no overlong forms, surrogates or
// code points past U+10FFFF), or nullopt when it is malformed or cut short. `at` < s.size().
std::optional<CodePoint> decode_utf8(std::string_view s, std::size_t at);

// Unicode general category Cc: C0 controls, DEL and C1 controls.
bool is_control(std::uint32_t code_point);

// The text in double quotes for an error message: valid UTF-8 as is, except that '"' and '\'
// are escaped with '\' and control characters and bytes of invalid UTF-8 appear as \xNN (so they
// never reach a log line or a JSON body raw), cut with "..." after about 64 bytes.
std::string quoted(std::string_view text);

}  // namespace tollgate::model
