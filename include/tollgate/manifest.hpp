// Environment manifests: what runs where, as the server signs them and `tollgate fetch --env` and
// `tollgate verify` read them back. One reader and one writer for both sides.
//
// A manifest document (other components and clients rely on exactly this shape):
//   {"environment", "version", "previous_version", "action": "promote" | "backout", "release",
//    "created_by", "created_at", "expires_at",
//    "entries": [{"ci", "version", "release",
//                 "artifacts": [{"file", "sha256", "size", "install_path"}]}],   (sorted by ci)
//    "signature": {"key_id", "algorithm": "ed25519", "value"}}
// Version 0 is the empty manifest of an environment nothing was deployed to. The signature is
// tollgate/signed_document.hpp's business; to_json() writes and parse_manifest() reads
// everything else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate {

// Status reason (with Code::corrupt) of a document that is not a manifest of this shape.
inline constexpr const char* kMalformedManifestReason = "malformed-manifest";

// One file a manifest deploys (and a release carries: server/releases.hpp uses the same type).
struct ManifestArtifact {
  std::string file;
  std::string sha256;  // lower-case hex
  std::uint64_t size = 0;
  std::string install_path;  // where a PCA expects it on a host; the file name by default
};

// One CI deployed in an environment, by the release that put it there.
struct ManifestEntry {
  std::string ci;
  std::string version;
  std::string release;
  std::vector<ManifestArtifact> artifacts;  // sorted by file

  // The artifact named `file`; nullptr when there is none.
  const ManifestArtifact* artifact(std::string_view file) const;
};

struct Manifest {
  std::string environment;
  std::uint64_t version = 0;
  std::uint64_t previous_version = 0;
  std::string action;  // promote | backout; empty for version 0
  std::string release;
  std::string created_by;
  Micros created_at = 0;
  Micros expires_at = 0;
  std::vector<ManifestEntry> entries;  // sorted by ci

  // The entry deploying `ci`; nullptr when there is none.
  const ManifestEntry* entry(std::string_view ci) const;

  // The document without its signature.
  boost::json::object to_json() const;
};

// One entry as a manifest (and a baseline's record of one) writes it: {ci, version, release,
// artifacts: [{file, sha256, size, install_path}]}.
boost::json::object manifest_entry_json(const ManifestEntry& entry);

// Reads one entry as manifest_entry_json() writes it (a baseline's environments hold them too).
// Errors: corrupt (reason malformed-manifest) naming what is wrong.
Result<ManifestEntry> parse_manifest_entry(const boost::json::value& value);

// True for a document that presents itself as a manifest: an object with "environment" and
// "expires_at" (a baseline has neither).
bool is_manifest(const boost::json::object& document);

// Reads a manifest document; a "signature" member is ignored (check it first). Required:
// environment (string), version (non-negative integer), expires_at (RFC 3339) and entries, each
// with ci and version (strings) and artifacts, each with file (string), sha256 (64 lower-case
// hex) and size (non-negative integer). Missing optional members read as empty or 0:
// previous_version, action, release, created_by, created_at, an entry's release, an artifact's
// install_path. Errors: corrupt (reason malformed-manifest) naming what is wrong.
Result<Manifest> parse_manifest(const boost::json::object& document);
// The same from JSON text (a stored copy). Errors: as above; also when the text is no JSON object.
Result<Manifest> parse_manifest(std::string_view json_text);

}  // namespace tollgate
