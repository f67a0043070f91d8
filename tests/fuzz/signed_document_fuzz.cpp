// Signed documents (tollgate/signed_document.hpp): environment manifests
// (tollgate/manifest.hpp), baselines (tollgate/baseline.hpp), their signatures, and the client's
// checks of them against a key file (tools/cli/verify.hpp). The input is a JSON document.
// Checks: the canonical form of a value reads back as the same canonical form; a manifest or a
// baseline that parses reads back the same from the document written for it; the document,
// signed with a fixed key, written, read back and verified, verifies; a signature that is not
// the fixed key's never verifies with it.
// The checks that read written text back skip documents holding a number that is not an
// integer: Boost.JSON 1.81 reads many decimals one unit in the last place off (and a number too
// large for a double as infinity, which it writes as "Infinity"), so such a number does not
// survive being written and read. No document Tollgate signs or chains holds one: the request
// parsers refuse fractions wherever a number is taken.
#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "cli/verify.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tollgate/baseline.hpp"
#include "tollgate/manifest.hpp"
#include "tollgate/openssl.hpp"
#include "tollgate/signed_document.hpp"

namespace {

namespace json = boost::json;
using tollgate::OpenSslPtr;

// A fixed Ed25519 key: its raw public key (base64url), its id, and signing with it.
class FixedKey {
 public:
  FixedKey() {
    const std::string seed(32, '\x5a');
    key_.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            reinterpret_cast<const unsigned char*>(seed.data()),
                                            seed.size()));
    std::string raw(32, '\0');
    std::size_t length = raw.size();
    FUZZ_CHECK(key_ && EVP_PKEY_get_raw_public_key(
                           key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &length) == 1,
               "no key");
    public_key_ = tollgate::encode_base64url(raw);
    key_id_ = tollgate::ed25519_key_id(raw);
  }

  const std::string& public_key() const { return public_key_; }
  const std::string& key_id() const { return key_id_; }

  // `document` with a signature member made with this key.
  json::object sign(json::object document) const {
    const std::string message = tollgate::signing_input(document);
    std::string signature(64, '\0');
    std::size_t length = signature.size();
    OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
    FUZZ_CHECK(ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
                   EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
                                  &length, reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size()) == 1,
               "signing failed");
    document["signature"] = {{"key_id", key_id_},
                             {"algorithm", "ed25519"},
                             {"value", tollgate::encode_base64url(signature)}};
    return document;
  }

 private:
  OpenSslPtr<EVP_PKEY, EVP_PKEY_free> key_;
  std::string public_key_;
  std::string key_id_;
};

const FixedKey& fixed_key() {
  static const FixedKey kKey;
  return kKey;
}

// Whether every number in `value` is an integer (no double).
bool integers_only(const json::value& value) {
  if (value.is_double()) return false;
  if (const json::object* object = value.if_object()) {
    return std::all_of(object->begin(), object->end(), [](const json::key_value_pair& member) {
      return integers_only(member.value());
    });
  }
  if (const json::array* array = value.if_array())
    return std::all_of(array->begin(), array->end(), integers_only);
  return true;
}

void check_canonical(const json::value& value) {
  const std::string canonical = tollgate::canonical_json(value);
  boost::system::error_code ec;
  const json::value reread = json::parse(canonical, ec);
  FUZZ_CHECK(!ec, "the canonical form does not parse: %s", canonical.c_str());
  FUZZ_CHECK(tollgate::canonical_json(reread) == canonical, "the canonical form is not stable: %s",
             canonical.c_str());
}

void check_manifest(const json::object& document) {
  auto manifest = tollgate::parse_manifest(document);
  if (!manifest) {
    FUZZ_CHECK(manifest.status().reason() == tollgate::kMalformedManifestReason, "reason");
    return;
  }
  const std::string written = json::serialize(manifest->to_json());
  auto reread = tollgate::parse_manifest(std::string_view(written));
  FUZZ_CHECK(reread.ok(), "a manifest written as %s does not read back: %s", written.c_str(),
             reread.status().message().c_str());
  FUZZ_CHECK(json::serialize(reread->to_json()) == written, "a manifest reads back as another: %s",
             written.c_str());
  (void)tollgate::cli::check_manifest(document, 0);
}

void check_baseline(const json::object& document) {
  auto baseline = tollgate::parse_baseline(document);
  if (!baseline) {
    FUZZ_CHECK(baseline.status().reason() == tollgate::kMalformedBaselineReason, "reason");
    return;
  }
  const json::object written = baseline->to_json();
  auto reread = tollgate::parse_baseline(written);
  FUZZ_CHECK(reread.ok(), "a baseline written as %s does not read back: %s",
             json::serialize(written).c_str(), reread.status().message().c_str());
  FUZZ_CHECK(json::serialize(reread->to_json()) == json::serialize(written),
             "a baseline reads back as another: %s", json::serialize(written).c_str());
}

void check_signatures(const json::object& document) {
  const FixedKey& key = fixed_key();
  const tollgate::Status as_given = tollgate::verify_signed_document(document, key.public_key());
  // Only the fixed key makes signatures that verify with it, and the fuzzer does not hold it.
  FUZZ_CHECK(!as_given.ok(), "a signature verified that the fixed key did not make");
  const std::vector<tollgate::cli::TrustedKey> keys = {{key.key_id(), key.public_key(), false}};
  FUZZ_CHECK(!tollgate::cli::verify_document(document, keys).ok(), "the client verified it");
  // The client reads a key file of the same shape as any document.
  (void)tollgate::cli::parse_key_file(document);
  if (!integers_only(document)) return;
  const json::object signed_document = key.sign(document);
  const json::value reread = json::parse(json::serialize(signed_document));
  const tollgate::Status status =
      tollgate::verify_signed_document(reread.as_object(), key.public_key());
  FUZZ_CHECK(status.ok(), "a document signed, written and read back does not verify: %s",
             status.message().c_str());
  auto verified = tollgate::cli::verify_document(reread.as_object(), keys);
  FUZZ_CHECK(verified.ok() && *verified == key.key_id(), "the client does not verify it: %s",
             verified.ok() ? verified->c_str() : verified.status().message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  const json::value value =
      json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  if (integers_only(value)) check_canonical(value);
  if (!value.is_object()) return 0;
  const json::object& document = value.get_object();
  check_manifest(document);
  check_baseline(document);
  check_signatures(document);
  return 0;
}
