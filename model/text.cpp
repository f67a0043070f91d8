#include "text.hpp"

#include <fmt/format.h>

namespace tollgate::model {

namespace {

constexpr std::size_t kQuotedBytes = 64;

bool in(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

}  // namespace

std::optional<CodePoint> decode_utf8(std::string_view s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return CodePoint{lead, 1};
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the allowed range of the second byte
  if (in(lead, 0xc2, 0xdf)) {
    length = 2;
  } else if (in(lead, 0xe0, 0xef)) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (in(lead, 0xf0, 0xf4)) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return std::nullopt;
  }
  if (at + length > s.size() || !in(byte(1), low, high)) return std::nullopt;
  std::uint32_t value = lead & (0xffu >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    if (!in(byte(i), 0x80, 0xbf)) return std::nullopt;
    value = (value << 6) | (byte(i) & 0x3fu);
  }
  return CodePoint{value, length};
}

bool is_control(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  std::size_t at = 0;
  while (at < text.size() && at < kQuotedBytes) {
    const std::optional<CodePoint> cp = decode_utf8(text, at);
    const std::size_t length = cp ? cp->length : 1;
    if (cp && (cp->value == '"' || cp->value == '\\')) {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp->value));
    } else if (cp && !is_control(cp->value)) {
      out.append(text.substr(at, length));
    } else {
      for (const char c : text.substr(at, length))
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    at += length;
  }
  out += at < text.size() ? "\"..." : "\"";
  return out;
}

}  // namespace tollgate::model
