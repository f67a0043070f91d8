// Environments and their manifests: what runs where, signed and versioned.
//
// The environments and their order come from Config::environments. Each environment has a
// sequence of manifests; version N describes every CI deployed there after the N-th promotion or
// back-out. Version 0 is the empty manifest of an environment nothing was deployed to (never
// stored).
//
// A manifest as stored and served is tollgate/manifest.hpp's document (the CLI reads it with the
// same parse_manifest), signed with the server's Signer over canonical_json of everything but
// "signature". The stored
// copy expires [promotion] manifest_validity_hours after its creation; the current version is
// served re-signed with a fresh expires_at (same version and entries), so that clients can tell a
// stale copy from a current one.
//
// Storage: Table::manifests, key = tables::ManifestKey{environment, version}
// (tables/release_tables.hpp), value = the signed manifest's JSON. Every version is also committed
// to the git vault at environments/<env>/manifest.json by the promoting service
// (server/domain/release/promotion.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/vault/signing.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/manifest.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// The vault path of an environment's manifest: environments/<env>/manifest.json.
std::string manifest_vault_path(std::string_view environment);

// The newest stored manifest of an environment inside a caller's transaction; nullopt when none
// was stored (version 0) or the record is unreadable.
std::optional<Manifest> load_current_manifest(storage::ReadTxn& txn, std::string_view environment);
// A stored version's signed JSON text; nullopt when there is none.
std::optional<std::string> load_manifest_text(storage::ReadTxn& txn, std::string_view environment,
                                              std::uint64_t version);
void store_manifest(storage::WriteTxn& txn, const Manifest& manifest, std::string_view signed_json);

// What GET /api/v1/environments lists for one environment.
struct EnvironmentSummary {
  std::string name;
  std::uint64_t version = 0;
  std::string release;  // of the current manifest; empty at version 0
  std::string action;
  std::optional<Micros> promoted_at;  // created_at of the current manifest

  boost::json::object to_json() const;
};

// Reads environments and their manifests. Thread-safe.
class EnvironmentService {
 public:
  // None owned; all must outlive the service.
  EnvironmentService(storage::KvStore& store, const Signer& signer, const Config& config,
                     const Clock& clock)
      : store_(store), signer_(signer), config_(config), clock_(clock) {}

  // Errors: not_found (reason unknown-environment) when `name` is not configured.
  Status check_environment(std::string_view name) const;

  // Every configured environment in order, with its current manifest version.
  Result<std::vector<EnvironmentSummary>> list() const;

  // The current manifest re-signed with expires_at = now + validity (version 0 when nothing was
  // deployed), or stored version `version` exactly as signed then: only versions that exist
  // are served, so no request gets the server to sign anything but the current truth.
  // Errors: not_found (unknown environment, no such version), corrupt.
  Result<boost::json::object> manifest(std::string_view environment,
                                       std::optional<std::uint64_t> version) const;

  // The entry of the current manifest that deploys `ci`, and its artifact `file`.
  // Errors: not_found (unknown environment, CI not deployed there, no such file).
  Result<std::pair<ManifestEntry, ReleaseArtifact>> deployed(std::string_view environment,
                                                             std::string_view ci,
                                                             std::string_view file) const;

  // A manifest signed as it is stored (expires_at = created_at + validity, or `expires_at`).
  boost::json::object sign(Manifest manifest, std::optional<Micros> expires_at = {}) const;

  Micros validity() const;

 private:
  storage::KvStore& store_;
  const Signer& signer_;
  const Config& config_;
  const Clock& clock_;
};

}  // namespace tollgate::server
