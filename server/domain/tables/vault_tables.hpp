// The vault's tables: artifacts, the digest index of their blobs, and upload sessions. Records:
// Artifact::to_json/from_json (vault/artifacts.hpp); the digest index holds "" (the key is
// the fact); upload sessions are UploadRecord JSON (vault/uploads.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"
#include "tollgate/coordinate.hpp"

namespace tollgate::server::tables {

// Table::artifacts: `ci \0 version \0 file` -> Artifact JSON.
struct ArtifactKey {
  Coordinate at;

  std::string encode() const;
  static std::optional<ArtifactKey> decode(std::string_view key);
  // Every file of every version of `ci`, by version then file.
  static std::string prefix(std::string_view ci);
  // Every file of `ci` at `version`.
  static std::string prefix(std::string_view ci, std::string_view version);
  // Sorts after every file of `ci` at `version` and before the next version's.
  static std::string after_version(std::string_view ci, std::string_view version);

  friend bool operator==(const ArtifactKey&, const ArtifactKey&) = default;
};
inline constexpr KeyedTable<ArtifactKey> kArtifacts{storage::Table::artifacts};

// Table::artifact_blobs: `sha256 hex \0 ci \0 version \0 file` -> "": who uses a blob.
struct ArtifactBlobKey {
  std::string sha256;
  Coordinate at;

  std::string encode() const;
  static std::optional<ArtifactBlobKey> decode(std::string_view key);
  // Every artifact whose bytes are the blob `sha256`.
  static std::string prefix(std::string_view sha256);

  friend bool operator==(const ArtifactBlobKey&, const ArtifactBlobKey&) = default;
};
inline constexpr KeyedTable<ArtifactBlobKey> kArtifactBlobs{storage::Table::artifact_blobs};

// Table::uploads: upload session id -> session JSON.
inline constexpr KeyedTable<NameKey> kUploads{storage::Table::uploads};

}  // namespace tollgate::server::tables
