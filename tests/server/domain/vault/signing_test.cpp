#include "server/domain/vault/signing.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cerrno>

#include <filesystem>
#include <fstream>
#include <string>

#include <boost/json/parse.hpp>

#include "server/domain/crypto.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {

using testing::TempDir;

namespace {

constexpr Micros kNow = 1'796'083'200'000'000;  // 2026-12-01T00:00:00Z

boost::json::object manifest() {
  return boost::json::parse(
             R"({"environment": "SIT", "version": 3, "expires_at": "2026-12-08T00:00:00.000000Z",
      "entries": [{"ci": "payments-api", "version": "1.2.0",
                   "artifacts": [{"file": "app.tar", "sha256": "ab", "size": 10}]}]})")
      .as_object();
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string hex_decode(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace

TEST_CASE("canonical_json sorts members at every level and drops whitespace") {
  auto a = boost::json::parse(R"({"b": 1, "a": {"z": [3, {"y": 1, "x": 2}], "c": null}})");
  auto b = boost::json::parse(R"({"a": {"c": null, "z": [3, {"x": 2, "y": 1}]}, "b": 1})");
  CHECK(canonical_json(a) == R"({"a":{"c":null,"z":[3,{"x":2,"y":1}]},"b":1})");
  CHECK(canonical_json(a) == canonical_json(b));
  // Array order is meaningful and kept.
  CHECK(canonical_json(boost::json::parse("[2, 1]")) == "[2,1]");
}

TEST_CASE("canonical_json has exact bytes for strings, escapes and numbers") {
  auto value = boost::json::parse(
      R"({"\u00e9t\u00e9": "caf\u00e9 \"q\" \\ \n\t\u0001", "B": true, "a": false,
          "n": [-7, 0, 18446744073709551615, 1.5, 1e300, -0.25], "": "", "é": 1})");
  // Keys in byte order: "" < "B" < "a" < "n" < "é" (0xC3 0xA9) < "été".
  CHECK(canonical_json(value) ==
        "{\"\":\"\",\"B\":true,\"a\":false,"
        "\"n\":[-7,0,18446744073709551615,1.5E0,1E300,-2.5E-1],"
        "\"\xc3\xa9\":1,"
        "\"\xc3\xa9t\xc3\xa9\":\"caf\xc3\xa9 \\\"q\\\" \\\\ \\n\\t\\u0001\"}");
  CHECK(canonical_json(boost::json::parse("[]")) == "[]");
  CHECK(canonical_json(boost::json::parse("{}")) == "{}");
}

TEST_CASE("ed25519_verify accepts the RFC 8032 test vector 1 and nothing else") {
  const std::string public_key =
      hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string signature = hex_decode(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(ed25519_verify(public_key, "", signature));
  CHECK_FALSE(ed25519_verify(public_key, "x", signature));
  CHECK(ed25519_key_id(public_key) == "ed25519:" + sha256_hex(public_key).substr(0, 16));
}

TEST_CASE("a signed document verifies, and a one-byte change does not") {
  TempDir dir;
  auto signer = Signer::open(dir.path() / "keys", true, kNow);
  REQUIRE(signer.ok());
  auto signed_doc = signer->sign(manifest());
  const auto& signature = signed_doc.at("signature").as_object();
  CHECK(signature.at("key_id").as_string() == signer->active_key().key_id);
  CHECK(signature.at("algorithm").as_string() == "ed25519");
  CHECK(signature.at("value").as_string().size() == 86);  // 64 bytes, unpadded base64url
  CHECK(signer->verify(signed_doc).ok());
  CHECK(verify_signed_document(signed_doc, signer->active_key().public_key).ok());

  // Member order does not matter: the canonical form is signed.
  auto reordered = boost::json::parse(canonical_json(signed_doc)).as_object();
  CHECK(verify_signed_document(reordered, signer->active_key().public_key).ok());

  auto changed = signed_doc;
  changed["version"] = 4;
  CHECK(signer->verify(changed).reason() == "bad-signature");
  Status offline = verify_signed_document(changed, signer->active_key().public_key);
  CHECK(offline.code() == Code::invalid);
  CHECK(offline.reason() == "bad-signature");

  // One byte of a string deep inside.
  auto digest = signed_doc;
  digest["entries"].as_array()[0].as_object()["artifacts"].as_array()[0].as_object()["sha256"] =
      "ac";
  CHECK(verify_signed_document(digest, signer->active_key().public_key).reason() ==
        "bad-signature");

  // One byte of the signature itself.
  auto forged = signed_doc;
  std::string value(forged["signature"].as_object()["value"].as_string());
  value[10] = value[10] == 'A' ? 'B' : 'A';
  forged["signature"].as_object()["value"] = value;
  CHECK(verify_signed_document(forged, signer->active_key().public_key).reason() ==
        "bad-signature");

  // Signing again replaces the signature rather than signing it.
  CHECK(signer->verify(signer->sign(signed_doc)).ok());
}

TEST_CASE("malformed signatures and keys are refused with their reasons") {
  TempDir dir;
  auto signer = Signer::open(dir.path() / "keys", true, kNow);
  REQUIRE(signer.ok());
  const std::string key = signer->active_key().public_key;
  CHECK(signer->verify(manifest()).reason() == "malformed-signature");
  CHECK(verify_signed_document(manifest(), key).reason() == "malformed-signature");
  auto doc = signer->sign(manifest());
  auto bad_algorithm = doc;
  bad_algorithm["signature"].as_object()["algorithm"] = "rsa";
  CHECK(verify_signed_document(bad_algorithm, key).reason() == "malformed-signature");
  auto short_value = doc;
  short_value["signature"].as_object()["value"] = "AAAA";
  CHECK(signer->verify(short_value).reason() == "malformed-signature");
  auto not_object = doc;
  not_object["signature"] = "x";
  CHECK(verify_signed_document(not_object, key).reason() == "malformed-signature");
  CHECK(verify_signed_document(doc, "not base64!").reason() == "malformed-key");
  CHECK(verify_signed_document(doc, "AAAA").reason() == "malformed-key");
}

TEST_CASE("an unknown key id does not verify") {
  TempDir a, b;
  auto first = Signer::open(a.path() / "keys", true, kNow);
  auto second = Signer::open(b.path() / "keys", true, kNow);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->active_key().key_id != second->active_key().key_id);
  auto doc = first->sign(manifest());
  Status st = second->verify(doc);
  CHECK(st.code() == Code::not_found);
  CHECK(st.reason() == "unknown-key");
  CHECK(verify_signed_document(doc, second->active_key().public_key).reason() == "bad-signature");
}

TEST_CASE("keys persist across reopen, with private files only the owner reads") {
  TempDir dir;
  const auto keys = dir.path() / "keys";
  CHECK(Signer::open(keys, false).status().code() == Code::not_found);
  auto first = Signer::open(keys, true, kNow);
  REQUIRE(first.ok());
  auto again = Signer::open(keys, false);
  REQUIRE(again.ok());
  REQUIRE(again->keys().size() == 1);
  const PublicKeyInfo key = again->keys()[0];
  CHECK(key.key_id == first->active_key().key_id);
  CHECK(key.public_key == first->active_key().public_key);
  CHECK(key.active);
  CHECK(key.created_at == kNow);
  CHECK_FALSE(key.retired_at);
  CHECK(key.key_id.rfind("ed25519:", 0) == 0);
  CHECK(key.key_id.size() == 8 + 16);
  CHECK(again->verify(first->sign(manifest())).ok());

  CHECK(mode_of(keys) == 0700);
  const auto pem = keys / ("ed25519-" + key.key_id.substr(8) + ".pem");
  CHECK(mode_of(pem) == 0600);
  CHECK(mode_of(keys / "keys.json") == 0600);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(keys)) ++files;
  CHECK(files == 2);  // no temporaries left behind
}

TEST_CASE("a first key goes through the file system seam; a failed write leaves no index") {
  TempDir dir;
  const auto keys = dir.path() / "keys";
  testing::FaultyFileSystem files;
  files.fail(testing::FaultyFileSystem::Op::fsync, EIO, /*skip=*/2);  // the index's fsync
  const Status failed = Signer::open(keys, true, kNow, files).status();
  CHECK(failed.code() == Code::io);
  CHECK(failed.message().find("keys.json") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(keys / "keys.json"));
  CHECK_FALSE(std::filesystem::exists(keys / ".keys.json.tmp"));
  CHECK(Signer::open(keys, false).status().code() == Code::not_found);

  files.fail(testing::FaultyFileSystem::Op::write, ENOSPC);
  CHECK(Signer::open(keys, true, kNow, files).status().code() == Code::storage_full);

  files.clear();
  REQUIRE(Signer::open(keys, true, kNow, files).ok());
  CHECK(files.calls(testing::FaultyFileSystem::Op::rename) >= 2);  // the PEM and the index
  CHECK(Signer::open(keys, false).ok());
}

TEST_CASE("rotation keeps old signatures verifying until the old key is retired") {
  TempDir dir;
  const auto keys = dir.path() / "keys";
  auto before = Signer::open(keys, true, kNow);
  REQUIRE(before.ok());
  const std::string old_id = before->active_key().key_id;
  auto old_doc = before->sign(manifest());

  auto added = Signer::rotate(keys, kNow + 1'000'000);
  REQUIRE(added.ok());
  CHECK(added->active);
  CHECK(added->key_id != old_id);
  CHECK(added->created_at == kNow + 1'000'000);

  auto rotated = Signer::open(keys, false);
  REQUIRE(rotated.ok());
  REQUIRE(rotated->keys().size() == 2);
  CHECK_FALSE(rotated->keys()[0].active);
  CHECK(rotated->keys()[1].active);
  CHECK(rotated->active_key().key_id == added->key_id);
  CHECK(rotated->verify(old_doc).ok());
  auto new_doc = rotated->sign(manifest());
  CHECK(new_doc.at("signature").at("key_id").as_string() == added->key_id);
  CHECK(rotated->verify(new_doc).ok());

  // The active key cannot be retired, nor an unknown one; a refusal changes nothing.
  auto active = Signer::retire(keys, added->key_id, kNow + 2'000'000);
  CHECK(active.status().code() == Code::conflict);
  CHECK(active.status().reason() == "active-key");
  CHECK(Signer::retire(keys, "ed25519:0000000000000000", kNow).status().code() == Code::not_found);
  CHECK(Signer::open(keys, false)->verify(old_doc).ok());

  auto retired = Signer::retire(keys, old_id, kNow + 3'000'000);
  REQUIRE(retired.ok());
  CHECK(retired->retired_at == kNow + 3'000'000);
  auto after = Signer::open(keys, false);
  REQUIRE(after.ok());
  REQUIRE(after->keys().size() == 2);
  CHECK(after->keys()[0].retired_at == kNow + 3'000'000);
  Status st = after->verify(old_doc);
  CHECK(st.code() == Code::not_found);
  CHECK(st.reason() == "retired-key");
  CHECK(after->verify(new_doc).ok());
  CHECK(Signer::retire(keys, old_id, kNow).status().reason() == "already-retired");
}

TEST_CASE("a damaged key directory is refused as corrupt") {
  TempDir dir;
  const auto keys = dir.path() / "keys";
  auto signer = Signer::open(keys, true, kNow);
  REQUIRE(signer.ok());
  const auto pem = keys / ("ed25519-" + signer->active_key().key_id.substr(8) + ".pem");
  {
    std::ofstream out(pem, std::ios::trunc);
    out << "not a key\n";
  }
  CHECK(Signer::open(keys, true).status().code() == Code::corrupt);
  {
    std::ofstream out(keys / "keys.json", std::ios::trunc);
    out << "{";
  }
  CHECK(Signer::open(keys, true).status().code() == Code::corrupt);
}

}  // namespace tollgate::server
