// Ed25519 signing of the documents auditors verify offline: environment manifests and baselines.
//
// A signed document is a JSON object with a member "signature":
//   {"key_id": "ed25519:<first 16 hex of sha256(raw public key)>", "algorithm": "ed25519",
//    "value": "<base64url of the 64-byte signature>"}
// over canonical_json() of the object *without* its "signature" member. Keys live in
// DATA/keys/ (one PEM per key, mode 0600, generated on first start); one key is active and
// signs, the others are kept (listed, verify) until retired.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "tollgate/signed_document.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::storage {
class FileSystem;
}

namespace tollgate::server {

// The canonical form that is signed: members sorted by key (byte order) at every level, no
// insignificant whitespace, strings escaped minimally as boost::json serializes them, numbers as
// boost::json serializes them. Same input value -> same bytes, whatever the member order.
// Defined in tollgate/signed_document.hpp, which the client links too.
using tollgate::canonical_json;

// Writes a secret file (mode 0600) with storage::write_file_atomically: a crash leaves the old
// file or the new one, never a torn one, and never a readable secret.
Status write_private_file(const std::filesystem::path& path, std::string_view data);

struct PublicKeyInfo {
  std::string key_id;      // ed25519:<16 hex>
  std::string public_key;  // base64url of the 32-byte raw public key
  bool active = false;     // the key that signs now
  Micros created_at = 0;
  std::optional<Micros> retired_at;
};

class Signer {
 public:
  // Opens DATA/keys (creating it and a first key when create is true and there is none).
  // Errors: io, corrupt (an unreadable key file), not_found (no key and !create).
  static Result<Signer> open(const std::filesystem::path& keys_dir, bool create);

  // Returns `document` with a "signature" member added (replacing one already there), made
  // with the active key. Thread-safe.
  boost::json::object sign(boost::json::object document) const;

  // Checks a signed document against the keys of this signer (active or not yet retired).
  // Errors: invalid (no or malformed signature member, reason "malformed-signature"), not_found
  // (unknown key id, reason "unknown-key"; a retired key, reason "retired-key"), invalid with
  // reason "bad-signature" when it does not verify.
  Status verify(const boost::json::object& signed_document) const;

  // Every key of the directory, active or not, retired ones included (with retired_at), oldest
  // first.
  std::vector<PublicKeyInfo> keys() const;

  // The key that signs now.
  const PublicKeyInfo& active_key() const;

  // As open(), with `now` as the creation time of a first key.
  static Result<Signer> open(const std::filesystem::path& keys_dir, bool create, Micros now);
  // The same, creating a first key's files through `files` (a test's faulty file system).
  static Result<Signer> open(const std::filesystem::path& keys_dir, bool create, Micros now,
                             storage::FileSystem& files);

  // Rotation, offline (`tollgated keys rotate|retire`); a running server sees the change when
  // restarted. rotate() adds a new key and makes it the active one; the previous keys stay
  // listed and verifying. retire() marks a key retired at `now`: it stays listed (with
  // retired_at) but no longer verifies. Errors: those of open(); for retire() not_found
  // (unknown key id), conflict (the active key, reason "active-key"; already retired, reason
  // "already-retired").
  static Result<PublicKeyInfo> rotate(const std::filesystem::path& keys_dir, Micros now);
  static Result<PublicKeyInfo> retire(const std::filesystem::path& keys_dir,
                                      std::string_view key_id, Micros now);

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// Offline verification for clients (`tollgate verify`, `tollgate fetch --env`): checks a signed
// document against a public key given as base64url raw 32 bytes. Errors: invalid with reason
// "bad-signature" or "malformed-signature".
// Defined in tollgate/signed_document.hpp (see there; also "malformed-key").
using tollgate::verify_signed_document;

}  // namespace tollgate::server
