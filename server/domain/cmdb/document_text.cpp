#include "server/domain/cmdb/document_text.hpp"

#include <cctype>

#include <fmt/format.h>

namespace tollgate::server {

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string printable(std::string_view s) {
  std::string out(s.substr(0, 64));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return s.size() > 64 ? out + "..." : out;
}

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80   ? 1
                          : c < 0xc2 ? 0
                          : c < 0xe0 ? 2
                          : c < 0xf0 ? 3
                          : c < 0xf5 ? 4
                                     : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    const auto next = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xe0 && next < 0xa0) || (c == 0xed && next > 0x9f) || (c == 0xf0 && next < 0x90) ||
        (c == 0xf4 && next > 0x8f))
      return false;
    i += n;
  }
  return true;
}

Result<std::string> normalise_note(std::string_view note) {
  if (note.size() > kMaxDocumentNote)
    return invalid(fmt::format("message: at most {} bytes", kMaxDocumentNote));
  if (!is_utf8(note)) return invalid("message: must be UTF-8");
  std::string out;
  for (const char c : note) {
    if (c == '\r') continue;
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return invalid("message: must not contain control characters");
    out.push_back(c);
  }
  const auto first = out.find_first_not_of(" \t\n");
  if (first == std::string::npos) return std::string();
  return out.substr(first, out.find_last_not_of(" \t\n") - first + 1);
}

}  // namespace tollgate::server
