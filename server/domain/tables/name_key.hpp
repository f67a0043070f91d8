// The key of every table keyed by one id or name (tokens, ci_types, cis, uploads, rfcs,
// releases, baselines, users): the name's bytes as they are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::server::tables {

struct NameKey {
  std::string name;

  std::string encode() const { return name; }
  // nullopt for an empty key or one holding '\0'.
  static std::optional<NameKey> decode(std::string_view key) {
    if (key.empty() || key.find('\0') != std::string_view::npos) return std::nullopt;
    return NameKey{std::string(key)};
  }

  friend bool operator==(const NameKey&, const NameKey&) = default;
};

}  // namespace tollgate::server::tables
