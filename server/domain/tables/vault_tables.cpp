#include "server/domain/tables/vault_tables.hpp"

namespace tollgate::server::tables {

std::string ArtifactKey::encode() const { return join_key({at.ci, at.version, at.file}); }

std::optional<ArtifactKey> ArtifactKey::decode(std::string_view key) {
  auto parts = split_key(key, 3);
  if (!parts) return std::nullopt;
  return ArtifactKey{
      Coordinate{std::string((*parts)[0]), std::string((*parts)[1]), std::string((*parts)[2])}};
}

std::string ArtifactKey::prefix(std::string_view ci) { return key_prefix({ci}); }

std::string ArtifactKey::prefix(std::string_view ci, std::string_view version) {
  return key_prefix({ci, version});
}

// The version's prefix ends in '\0'; '\x01' in its place sorts after all its files.
std::string ArtifactKey::after_version(std::string_view ci, std::string_view version) {
  std::string key = prefix(ci, version);
  key.back() = '\x01';
  return key;
}

std::string ArtifactBlobKey::encode() const {
  return join_key({sha256, at.ci, at.version, at.file});
}

std::optional<ArtifactBlobKey> ArtifactBlobKey::decode(std::string_view key) {
  auto parts = split_key(key, 4);
  if (!parts) return std::nullopt;
  return ArtifactBlobKey{
      std::string((*parts)[0]),
      Coordinate{std::string((*parts)[1]), std::string((*parts)[2]), std::string((*parts)[3])}};
}

std::string ArtifactBlobKey::prefix(std::string_view sha256) { return key_prefix({sha256}); }

}  // namespace tollgate::server::tables
