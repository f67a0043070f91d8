#include "server/domain/tables/release_tables.hpp"

#include <limits>

namespace tollgate::server::tables {

std::string ManifestKey::encode() const { return encode_text_be64(environment, version); }

std::optional<ManifestKey> ManifestKey::decode(std::string_view key) {
  auto parts = decode_text_be64(key);
  if (!parts) return std::nullopt;
  return ManifestKey{std::string(parts->first), parts->second};
}

std::string ManifestKey::prefix(std::string_view environment) { return key_prefix({environment}); }

ManifestKey ManifestKey::last(std::string_view environment) {
  return ManifestKey{std::string(environment), std::numeric_limits<std::uint64_t>::max()};
}

}  // namespace tollgate::server::tables
