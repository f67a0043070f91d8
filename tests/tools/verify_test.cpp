// Offline verification in the CLI: key files, signatures, expiry, rollback memory, and the
// `tollgate verify` command on saved documents.
#include "cli/verify.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "server/domain/vault/signing.hpp"
#include "tests/support/temp_dir.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;
using testing::TempDir;

constexpr Micros kNow = 1'796'083'200'000'000;  // 2026-12-01T00:00:00Z

server::Signer open_signer(const TempDir& dir) {
  auto signer = server::Signer::open(dir.path() / "keys", true, kNow);
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

// A key file as `tollgate keys --save` writes it (the shape of GET /api/v1/keys).
json::object key_file(const server::Signer& signer) {
  json::array keys;
  for (const auto& key : signer.keys()) {
    json::object entry{{"key_id", key.key_id},
                       {"algorithm", "ed25519"},
                       {"public_key", key.public_key},
                       {"active", key.active},
                       {"created_at", format_rfc3339(key.created_at)}};
    if (key.retired_at) entry["retired_at"] = format_rfc3339(*key.retired_at);
    keys.push_back(std::move(entry));
  }
  return json::object{{"keys", std::move(keys)}};
}

std::vector<TrustedKey> trusted(const server::Signer& signer) {
  auto keys = parse_key_file(key_file(signer));
  REQUIRE(keys.ok());
  return std::move(keys).value();
}

json::object manifest(std::uint64_t version, Micros expires_at) {
  return json::object{
      {"environment", "SIT"},
      {"version", version},
      {"expires_at", format_rfc3339(expires_at)},
      {"entries", json::array{json::object{
                      {"ci", "payments-api"},
                      {"version", "1.2.0"},
                      {"artifacts", json::array{json::object{{"file", "app.tar"},
                                                             {"sha256", std::string(64, 'a')},
                                                             {"size", 10}}}}}}}};
}

void write(const std::string& path, const json::value& value) {
  std::ofstream out(path, std::ios::trunc);
  out << json::serialize(value);
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a key file parses, and one whose id does not match its key is refused") {
  TempDir dir;
  const server::Signer signer = open_signer(dir);
  auto keys = parse_key_file(key_file(signer));
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 1);
  CHECK((*keys)[0].key_id == signer.active_key().key_id);
  CHECK_FALSE((*keys)[0].retired);

  json::object lying = key_file(signer);
  lying["keys"].as_array()[0].as_object()["key_id"] = "ed25519:0000000000000000";
  CHECK(parse_key_file(lying).status().code() == Code::invalid);
  json::object rsa = key_file(signer);
  rsa["keys"].as_array()[0].as_object()["algorithm"] = "rsa";
  CHECK(parse_key_file(rsa).status().code() == Code::invalid);
  CHECK(parse_key_file(json::object{}).status().code() == Code::invalid);
  CHECK(load_key_file(dir.file("missing.json")).status().code() == Code::not_found);
}

TEST_CASE("verify_document names the signer, and refuses a change, an unknown or retired key") {
  TempDir dir, other_dir;
  const server::Signer signer = open_signer(dir);
  const server::Signer other = open_signer(other_dir);
  const json::object signed_doc = signer.sign(manifest(3, kNow + 1));

  auto ok = verify_document(signed_doc, trusted(signer));
  REQUIRE(ok.ok());
  CHECK(*ok == signer.active_key().key_id);

  json::object changed = signed_doc;
  changed["entries"].as_array()[0].as_object()["version"] = "1.2.1";
  Status st = verify_document(changed, trusted(signer)).status();
  CHECK(st.code() == Code::corrupt);
  CHECK(st.reason() == "bad-signature");

  CHECK(verify_document(signed_doc, trusted(other)).status().reason() == "unknown-key");
  CHECK(verify_document(manifest(3, kNow), trusted(signer)).status().reason() ==
        "malformed-signature");

  auto retired_keys = trusted(signer);
  retired_keys[0].retired = true;
  CHECK(verify_document(signed_doc, retired_keys).status().reason() == "retired-key");
}

TEST_CASE("check_manifest refuses an expired or malformed manifest") {
  auto head = check_manifest(manifest(3, kNow + 1), kNow);
  REQUIRE(head.ok());
  CHECK(head->environment == "SIT");
  CHECK(head->version == 3);
  CHECK(head->expires_at == kNow + 1);

  Status expired = check_manifest(manifest(3, kNow), kNow).status();
  CHECK(expired.code() == Code::corrupt);
  CHECK(expired.reason() == "expired-manifest");

  json::object no_version = manifest(3, kNow + 1);
  no_version.erase("version");
  CHECK(check_manifest(no_version, kNow).status().reason() == "malformed-manifest");
  json::object bad_time = manifest(3, kNow + 1);
  bad_time["expires_at"] = "tomorrow";
  CHECK(check_manifest(bad_time, kNow).status().reason() == "malformed-manifest");
  CHECK(is_manifest(manifest(1, kNow)));
  CHECK_FALSE(is_manifest(json::object{{"name", "baseline-1"}}));
}

TEST_CASE("the manifest cache detects a rollback per server and environment") {
  TempDir dir;
  const std::string cache = dir.file("cache/tollgate/manifests.json");
  const std::string a = "https://a:8443";
  CHECK(check_not_rolled_back(cache, a, "SIT", 3).ok());
  CHECK(check_not_rolled_back(cache, a, "SIT", 3).ok());  // the same version again is fine

  Status rollback = check_not_rolled_back(cache, a, "SIT", 2);
  CHECK(rollback.code() == Code::corrupt);
  CHECK(rollback.reason() == "rollback");
  CHECK(rollback.message().find("version 3") != std::string::npos);

  // Other environments and other servers are remembered apart.
  CHECK(check_not_rolled_back(cache, a, "SAT", 1).ok());
  CHECK(check_not_rolled_back(cache, "https://b:8443", "SIT", 1).ok());
  CHECK(check_not_rolled_back(cache, a, "SIT", 4).ok());
  CHECK(check_not_rolled_back(cache, a, "SIT", 3).reason() == "rollback");

  // A refusal remembers nothing new; the file holds the newest versions.
  auto saved = json::parse(read(cache)).as_object();
  CHECK(saved.at(a).at("SIT").to_number<std::uint64_t>() == 4);
  CHECK(saved.at(a).at("SAT").to_number<std::uint64_t>() == 1);

  CHECK(check_not_rolled_back("", a, "SIT", 1).ok());  // no cache: nothing remembered
  write(cache, json::string("not an object"));
  CHECK(check_not_rolled_back(cache, a, "SIT", 5).code() == Code::invalid);
}

TEST_CASE("manifest_cache_file follows XDG_CACHE_HOME, then HOME") {
  std::map<std::string, std::string> vars;
  const Environment env = [&vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  CHECK(manifest_cache_file(env).empty());
  vars["HOME"] = "/home/u";
  CHECK(manifest_cache_file(env) == "/home/u/.cache/tollgate/manifests.json");
  vars["XDG_CACHE_HOME"] = "/var/cache/u";
  CHECK(manifest_cache_file(env) == "/var/cache/u/tollgate/manifests.json");
  vars["XDG_CACHE_HOME"] = "relative";
  CHECK(manifest_cache_file(env) == "/home/u/.cache/tollgate/manifests.json");
}

TEST_CASE("tollgate verify checks a saved document offline") {
  TempDir dir;
  const server::Signer signer = open_signer(dir);
  write(dir.file("keys.json"), key_file(signer));
  write(dir.file("manifest.json"), signer.sign(manifest(3, kNow + 1'000'000)));
  json::object changed = signer.sign(manifest(3, kNow + 1'000'000));
  changed["version"] = 4;
  write(dir.file("changed.json"), changed);
  write(dir.file("baseline.json"),
        signer.sign(json::object{{"name", "prod-2026-12"}, {"cis", json::array{}}}));

  client::HttpClient http(client::ClientOptions{});  // never used: verify is offline
  ProgressBar progress(-1, false);
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  CommandContext context{http, progress, false, out};
  auto run = [&](const std::string& file, Micros now) {
    return verify_signed(context, {dir.file(file), dir.file("keys.json"), now});
  };

  CHECK(run("manifest.json", kNow).ok());
  CHECK(run("baseline.json", kNow).ok());
  Status changed_status = run("changed.json", kNow);
  CHECK(changed_status.reason() == "bad-signature");
  CHECK(exit_code(changed_status) == kExitVerification);
  CHECK(run("manifest.json", kNow + 1'000'000).reason() == "expired-manifest");
  CHECK(verify_signed(context, {dir.file("manifest.json"), "", kNow}).code() == Code::invalid);

  std::rewind(out);
  std::string printed(4096, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), out));
  std::fclose(out);
  CHECK(printed.find("OK signed by " + signer.active_key().key_id +
                     " (manifest of SIT version 3") != std::string::npos);
  CHECK(printed.find("OK signed by " + signer.active_key().key_id + "\n") != std::string::npos);
}

}  // namespace tollgate::cli
