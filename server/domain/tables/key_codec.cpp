#include "server/domain/tables/key_codec.hpp"

namespace tollgate::server::tables {

std::string join_key(std::initializer_list<std::string_view> parts) {
  std::string key;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) key.push_back(kSeparator);
    key += part;
    first = false;
  }
  return key;
}

std::string key_prefix(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view part : parts) {
    key += part;
    key.push_back(kSeparator);
  }
  return key;
}

bool valid_part(std::string_view part) {
  return !part.empty() && part.find(kSeparator) == std::string_view::npos;
}

std::optional<std::vector<std::string_view>> split_key(std::string_view key, std::size_t n) {
  std::vector<std::string_view> parts;
  parts.reserve(n);
  for (;;) {
    const auto at = key.find(kSeparator);
    parts.push_back(key.substr(0, at));
    if (parts.back().empty() || parts.size() > n) return std::nullopt;
    if (at == std::string_view::npos) break;
    key.remove_prefix(at + 1);
  }
  if (parts.size() != n) return std::nullopt;
  return parts;
}

std::string encode_be64(std::uint64_t value) { return storage::be64(value); }

std::optional<std::uint64_t> decode_be64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return storage::from_be64(bytes);
}

std::string encode_text_be64(std::string_view text, std::uint64_t n) {
  return key_prefix({text}) + encode_be64(n);
}

// The number's bytes may hold '\0', so the text is what precedes the last nine bytes.
std::optional<std::pair<std::string_view, std::uint64_t>> decode_text_be64(std::string_view key) {
  if (key.size() < 10 || key[key.size() - 9] != kSeparator) return std::nullopt;
  const std::string_view text = key.substr(0, key.size() - 9);
  if (!valid_part(text)) return std::nullopt;
  return std::make_pair(text, storage::from_be64(key.substr(key.size() - 8)));
}

std::string show_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) {
      out += "\\0";
    } else if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string key_after(std::string_view key) {
  std::string out(key);
  out.push_back('\0');
  return out;
}

}  // namespace tollgate::server::tables
