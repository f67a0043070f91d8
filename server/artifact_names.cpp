#include "server/artifact_names.hpp"

#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace tollgate::server {

namespace {

constexpr std::size_t kQuotedBytes = 64;

struct CodePoint {
  std::uint32_t value = 0;
  std::size_t length = 0;  // bytes of its UTF-8 form
};

bool in(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

// Decodes the UTF-8 sequence at s[at] (Unicode 15, table 3-7: no overlong forms, surrogates or
// code points past U+10FFFF), or nullopt when it is malformed or cut short.
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

// Unicode general category Cc: C0 controls, DEL and C1 controls.
bool is_control(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

// The name in double quotes for an error message: valid UTF-8 as is, except that control
// characters and bytes of invalid UTF-8 appear as \xNN (so they never reach a log line or a
// JSON body raw), cut after about kQuotedBytes bytes.
std::string quoted(std::string_view name) {
  std::string out = "\"";
  std::size_t at = 0;
  while (at < name.size() && at < kQuotedBytes) {
    const std::optional<CodePoint> cp = decode_utf8(name, at);
    const std::size_t length = cp ? cp->length : 1;
    if (cp && (cp->value == '"' || cp->value == '\\')) {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp->value));
    } else if (cp && !is_control(cp->value)) {
      out.append(name.substr(at, length));
    } else {
      for (const char c : name.substr(at, length))
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    at += length;
  }
  out += at < name.size() ? "\"..." : "\"";
  return out;
}

// Why the characters of a name are refused, or an empty string when they are fine.
std::string character_fault(std::string_view name) {
  for (std::size_t at = 0; at < name.size();) {
    const std::optional<CodePoint> cp = decode_utf8(name, at);
    if (!cp) return fmt::format("is not valid UTF-8 at byte {}", at);
    if (is_control(cp->value))
      return fmt::format("has the control character U+{:04X} at byte {}", cp->value, at);
    if (cp->value == '/' || cp->value == '\\')
      return fmt::format("must not contain '{}'", static_cast<char>(cp->value));
    at += cp->length;
  }
  return {};
}

}  // namespace

const char* artifact_part_name(ArtifactPart part) {
  switch (part) {
    case ArtifactPart::ci:
      return "ci";
    case ArtifactPart::version:
      return "version";
    case ArtifactPart::file:
      return "file";
  }
  return "name";
}

Status validate_artifact_name(ArtifactPart part, std::string_view name) {
  std::string fault;
  if (name.empty())
    fault = "is empty";
  else if (name.size() > kMaxArtifactNameBytes)
    fault =
        fmt::format("is {} bytes long; at most {} are allowed", name.size(), kMaxArtifactNameBytes);
  else if (name == ".")
    fault = "is not a name";
  else if (name.find("..") != std::string_view::npos)
    fault = "must not contain \"..\"";
  else if (name.front() == '-')
    fault = "must not start with '-'";
  else
    fault = character_fault(name);
  if (fault.empty()) return {};
  return invalid(fmt::format("artifact {} {} {}", artifact_part_name(part), quoted(name), fault))
      .with_reason(kInvalidArtifactNameReason);
}

Status validate_artifact_coordinate(std::string_view ci, std::string_view version,
                                    std::string_view file) {
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, ci));
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::version, version));
  return validate_artifact_name(ArtifactPart::file, file);
}

}  // namespace tollgate::server
