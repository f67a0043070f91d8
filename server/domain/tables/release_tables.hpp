// The tables of change and release control: RFCs, releases and the signed environment
// manifests. Records: Rfc::to_record/from_record (change/rfcs.hpp), Release::to_record
// (release/releases.hpp), and a manifest's signed JSON (parse_manifest, tollgate/manifest.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"

namespace tollgate::server::tables {

// Table::rfcs: RFC id (`rfc-N`) -> Rfc record JSON.
inline constexpr KeyedTable<NameKey> kRfcs{storage::Table::rfcs};
// Table::releases: release id (`rel-N`) -> Release record JSON.
inline constexpr KeyedTable<NameKey> kReleases{storage::Table::releases};

// Table::manifests: `environment \0 be64(version)` -> the signed manifest's JSON.
struct ManifestKey {
  std::string environment;
  std::uint64_t version = 0;

  std::string encode() const;
  static std::optional<ManifestKey> decode(std::string_view key);
  // Every version of `environment`'s manifest, oldest first.
  static std::string prefix(std::string_view environment);
  // The greatest possible key of `environment`: scan back from it for the newest manifest.
  static ManifestKey last(std::string_view environment);

  friend bool operator==(const ManifestKey&, const ManifestKey&) = default;
};
inline constexpr KeyedTable<ManifestKey> kManifests{storage::Table::manifests};

}  // namespace tollgate::server::tables
