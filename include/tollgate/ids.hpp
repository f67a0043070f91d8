// Identifiers that users choose: CI ids, CI type names, token names.
#pragma once

#include <string_view>

namespace tollgate {

constexpr std::size_t kMaxSlugLength = 128;

// A slug: 1..128 characters of [a-z0-9._-], starting with a letter or digit
// (e.g. "payments-api", "db01.prod"). Slugs are safe in URLs, file names and git refs.
constexpr bool is_slug(std::string_view s) {
  if (s.empty() || s.size() > kMaxSlugLength) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

}  // namespace tollgate
