#include "tollgate/signed_document.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "tollgate/digest.hpp"
#include "tollgate/openssl.hpp"

namespace tollgate {

namespace {

constexpr std::size_t kPublicKeySize = 32;
constexpr std::size_t kSignatureSize = 64;
const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void append_canonical(const boost::json::value& value, std::string& out) {
  if (value.is_object()) {
    const auto& object = value.as_object();
    std::vector<const boost::json::key_value_pair*> members;
    members.reserve(object.size());
    for (const auto& member : object) members.push_back(&member);
    // std::string_view compares through char_traits<char>, which orders as unsigned bytes.
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += boost::json::serialize(boost::json::string(members[i]->key()));
      out.push_back(':');
      append_canonical(members[i]->value(), out);
    }
    out.push_back('}');
  } else if (value.is_array()) {
    out.push_back('[');
    bool first = true;
    for (const auto& element : value.as_array()) {
      if (!first) out.push_back(',');
      first = false;
      append_canonical(element, out);
    }
    out.push_back(']');
  } else {
    out += boost::json::serialize(value);
  }
}

Status malformed(std::string message) {
  return Status(Code::invalid, std::move(message)).with_reason("malformed-signature");
}

}  // namespace

std::string canonical_json(const boost::json::value& value) {
  std::string out;
  append_canonical(value, out);
  return out;
}

std::string signing_input(const boost::json::object& document) {
  boost::json::object unsigned_document = document;
  unsigned_document.erase(kSignatureMember);
  return canonical_json(unsigned_document);
}

std::string ed25519_key_id(std::string_view raw_public_key) {
  return "ed25519:" + sha256_hex(raw_public_key).substr(0, 16);
}

Result<DocumentSignature> read_signature(const boost::json::object& signed_document) {
  const auto* member = signed_document.if_contains(kSignatureMember);
  if (member == nullptr) return malformed("the document carries no signature");
  const auto* signature = member->if_object();
  if (signature == nullptr) return malformed("the signature member is not an object");
  const auto* algorithm = signature->if_contains("algorithm");
  if (algorithm == nullptr || !algorithm->is_string() ||
      algorithm->get_string() != kSignatureAlgorithm)
    return malformed("the signature's algorithm is not ed25519");
  const auto* key_id = signature->if_contains("key_id");
  if (key_id == nullptr || !key_id->is_string()) return malformed("the signature has no key_id");
  const auto* value = signature->if_contains("value");
  if (value == nullptr || !value->is_string()) return malformed("the signature has no value");
  auto raw = decode_base64url(value->get_string());
  if (!raw || raw->size() != kSignatureSize)
    return malformed("the signature value is not 64 bytes of base64url");
  return DocumentSignature{std::string(key_id->get_string()), std::move(*raw)};
}

bool ed25519_verify(std::string_view raw_public_key, std::string_view message,
                    std::string_view signature) {
  if (raw_public_key.size() != kPublicKeySize || signature.size() != kSignatureSize) return false;
  OpenSslPtr<EVP_PKEY, EVP_PKEY_free> key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, bytes_of(raw_public_key), raw_public_key.size()));
  OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return false;
  // Ed25519 hashes internally: no digest is named, and the message goes in one call.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(), bytes_of(message),
                          message.size()) == 1;
}

Status verify_signed_document(const boost::json::object& signed_document,
                              std::string_view public_key_base64url) {
  auto public_key = decode_base64url(public_key_base64url);
  if (!public_key || public_key->size() != kPublicKeySize)
    return Status(Code::invalid, "the public key is not 32 bytes of base64url")
        .with_reason("malformed-key");
  TG_ASSIGN_OR_RETURN(auto signature, read_signature(signed_document));
  const std::string key_id = ed25519_key_id(*public_key);
  if (signature.key_id != key_id)
    return Status(Code::invalid, "signed by " + signature.key_id + ", not by " + key_id)
        .with_reason("bad-signature");
  if (!ed25519_verify(*public_key, signing_input(signed_document), signature.value))
    return Status(Code::invalid, "the signature by " + key_id +
                                     " does not match the document: it was changed after signing")
        .with_reason("bad-signature");
  return Status::ok_status();
}

}  // namespace tollgate
