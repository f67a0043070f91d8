// Offline verification of signed documents (environment manifests, baselines) against a key
// file, and the client's memory of manifest versions that detects a rollback (as TUF does).
//
// A key file is the answer of GET /api/v1/keys as `tollgate keys --save FILE` writes it:
//   {"keys": [{"key_id", "algorithm": "ed25519", "public_key" (base64url raw), "active",
//              "created_at", "retired_at"?}]}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "cli/config.hpp"
#include "tollgate/manifest.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::cli {

struct CommandContext;

struct TrustedKey {
  std::string key_id;
  std::string public_key;  // base64url of the raw 32 bytes
  bool retired = false;    // listed with retired_at: no longer trusted
};

// The keys of a key file's JSON. Errors: invalid (not the shape above, or a key id that does
// not match its public key).
Result<std::vector<TrustedKey>> parse_key_file(const boost::json::object& file);
// Reads and parses a key file. Errors: not_found, io, invalid.
Result<std::vector<TrustedKey>> load_key_file(const std::string& path);

// The keys signed documents must verify with: the key file when one is given, else the server's
// GET /api/v1/keys, taken on trust (a warning says so on standard error). Defined in fetch.cpp.
// Errors: those of load_key_file; the server's problem.
Result<std::vector<TrustedKey>> trusted_keys(CommandContext& context, const std::string& keys_file);

// Checks a signed document's signature with the key it names. Returns that key id. Errors:
// corrupt with reason "unknown-key" (no such key in the file), "retired-key",
// "malformed-signature" or "bad-signature" (the document changed after signing).
Result<std::string> verify_document(const boost::json::object& document,
                                    const std::vector<TrustedKey>& keys);

// A manifest read with the server's parse_manifest (tollgate/manifest.hpp), and that it has not
// expired at `now`. Errors: corrupt with reason "malformed-manifest" (see parse_manifest),
// "expired-manifest" (expires_at at or before now).
Result<Manifest> check_manifest(const boost::json::object& manifest, Micros now);

// Where the client remembers the newest manifest version it saw per server and environment:
// $XDG_CACHE_HOME/tollgate/manifests.json, or ~/.cache/tollgate/manifests.json; empty when
// neither variable is set.
std::string manifest_cache_file(const Environment& env);

// Refuses `version` when it is lower than the newest this client saw for server+environment
// (corrupt, reason "rollback"), else remembers it (the file is rewritten through a temporary
// and a rename, its directory created). An empty cache_file remembers nothing. Errors: io,
// invalid (a cache file that is not JSON).
Status check_not_rolled_back(const std::string& cache_file, const std::string& server,
                             const std::string& environment, std::uint64_t version);

}  // namespace tollgate::cli
