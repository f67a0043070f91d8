// Signed documents, checkable by anyone holding a public key: the part of signing that both
// the server (which signs) and the `tollgate` client (which verifies offline) need.
//
// A signed document is a JSON object with a member "signature":
//   {"key_id": "ed25519:<first 16 hex of sha256(raw public key)>", "algorithm": "ed25519",
//    "value": "<base64url of the 64-byte signature>"}
// over canonical_json() of the object *without* its "signature" member.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "tollgate/encoding.hpp"  // base64url, in which keys and signatures travel
#include "tollgate/status.hpp"

namespace tollgate {

inline constexpr std::string_view kSignatureAlgorithm = "ed25519";
inline constexpr std::string_view kSignatureMember = "signature";

// The canonical form that is signed: members sorted by key (byte order) at every level, no
// insignificant whitespace, strings escaped minimally as boost::json serializes them, numbers as
// boost::json serializes them. Same input value -> same bytes, whatever the member order.
std::string canonical_json(const boost::json::value& value);

// The bytes a signature covers: canonical_json of the document without its "signature" member.
std::string signing_input(const boost::json::object& document);

// "ed25519:" + the first 16 hex digits of SHA-256 over the 32-byte raw public key.
std::string ed25519_key_id(std::string_view raw_public_key);

// The "signature" member of a document, decoded. Errors: invalid with reason
// "malformed-signature" (missing, not an object, unknown algorithm, value not 64 bytes of
// base64url, a key id that is not a string).
struct DocumentSignature {
  std::string key_id;
  std::string value;  // the 64 raw signature bytes
};
Result<DocumentSignature> read_signature(const boost::json::object& signed_document);

// Checks a signed document against a public key given as base64url of its raw 32 bytes.
// Errors: invalid with reason "malformed-key" (not 32 bytes of base64url), "malformed-signature"
// (see read_signature) or "bad-signature" (signed by another key, or the bytes do not verify:
// the document was changed after signing).
Status verify_signed_document(const boost::json::object& signed_document,
                              std::string_view public_key_base64url);

// Ed25519 over raw keys (OpenSSL 3 EVP): true when `signature` (64 bytes) is the signature of
// `message` by `raw_public_key` (32 bytes).
bool ed25519_verify(std::string_view raw_public_key, std::string_view message,
                    std::string_view signature);

}  // namespace tollgate
