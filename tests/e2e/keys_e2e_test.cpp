// Signing keys over HTTPS and the CLI: GET /api/v1/keys, offline rotation with `tollgated keys`,
// `tollgate keys --save` then `tollgate verify` on saved manifests, and `tollgate fetch --env`
// checking the signed manifest (signature, rollback) before the artifact's digest.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tollgate/digest.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;  // NOLINT(google-build-using-namespace)
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::read_file;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
namespace json = boost::json;

namespace {

const std::string kPayload = "payments 2.3 release bytes\n";

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct Fixture {
  ServerProcess server{{"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}};
  HttpClient admin{client::ClientOptions{}};

  Fixture() {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
  }

  std::string path(const std::string& name) const { return server.temp_dir() + "/" + name; }

  // `tollgate ARGS` against this server with the admin token; stdout+stderr, then "exit=N".
  std::string cli(const std::string& args) const {
    return run_command(
        fmt::format("XDG_CACHE_HOME={} XDG_CONFIG_HOME={} TOLLGATE_SERVER=https://127.0.0.1:{} "
                    "TOLLGATE_CA={} TOLLGATE_TOKEN={} {} {} 2>&1",
                    path("cache"), path("config"), server.port(), server.ca_file(),
                    server.bootstrap_token(), TOLLGATE_CLI_PATH, args));
  }

  std::string tollgated(const std::string& args) const {
    return run_command(
        fmt::format("{} {} --data-dir {} 2>&1", TOLLGATED_PATH, args, server.data_dir()));
  }

  json::object ok(const std::string& method, const std::string& target, const std::string& body,
                  unsigned status = 200, HttpClient* as = nullptr) {
    auto r = must((as ? *as : admin).request(method, target, body));
    REQUIRE_MESSAGE(r.status == status, (method + " " + target + ": " + r.body));
    return r.body.empty() ? json::object() : body_of(r);
  }

  json::array keys() {
    HttpClient anonymous = server.client();  // the route is open: public keys are public
    auto r = must(anonymous.request("GET", "/api/v1/keys"));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r).at("keys").as_array();
  }

  // A release of payments 2.3 promoted into CINTE (manifest version 1).
  void promote_to_cinte() {
    const std::string digest = sha256_hex(kPayload);
    ok("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})", 201);
    ok("POST", "/api/v1/cis",
       R"({"id":"payments","type":"service","name":"Payments","attributes":{}})", 201);
    auto put = must(admin.request(
        "PUT", "/api/v1/artifacts/payments/2.3/app.tar", kPayload,
        {{"X-Checksum-Sha256", digest}, {"Content-Type", "application/octet-stream"}}));
    REQUIRE_MESSAGE(put.status == 201, put.body);
    HttpClient rm = server.client(mint_token(admin, "rm", "release_manager"));
    HttpClient cm = server.client(mint_token(admin, "cm", "change_manager"));
    auto rfc = ok("POST", "/api/v1/rfcs",
                  R"({"title":"Payments 2.3","description":"fixes","cis":["payments"],
                      "category":"normal","impact":{"risk":"low"}})",
                  201, &rm);
    const std::string rfc_id(rfc.at("id").as_string());
    ok("POST", "/api/v1/rfcs/" + rfc_id + "/submit", "{}", 200, &rm);
    ok("POST", "/api/v1/rfcs/" + rfc_id + "/approve", "{}", 200, &cm);
    auto created = ok("POST", "/api/v1/releases",
                      fmt::format(R"({{"name":"payments","version":"2.3","type":"delta",
                                      "category":"scheduled","rfcs":["{}"]}})",
                                  rfc_id),
                      201, &rm);
    const std::string id(created.at("id").as_string());
    ok("POST", "/api/v1/releases/" + id + "/items", R"({"ci":"payments","version":"2.3"})", 200,
       &rm);
    for (const char* kind : {"build_instructions", "test_plan", "backout_procedure"})
      ok("POST", "/api/v1/releases/" + id + "/documents",
         fmt::format(R"({{"kind":"{}","name":"{}.md","content":"# {}\n"}})", kind, kind, kind), 201,
         &rm);
    ok("POST", "/api/v1/releases/" + id + "/gates/trr", R"({"verdict":"pass"})", 201, &cm);
    ok("POST", "/api/v1/releases/" + id + "/promote", R"({"environment":"CINTE"})", 200, &rm);
  }
};

}  // namespace

TEST_CASE("keys over HTTPS: listed openly, rotated offline, old signatures still verify") {
  Fixture f;
  const json::array first = f.keys();
  REQUIRE(first.size() == 1);
  const std::string old_id(first[0].at("key_id").as_string());
  CHECK(first[0].at("algorithm").as_string() == "ed25519");
  CHECK(first[0].at("active").as_bool());
  CHECK(first[0].at("public_key").as_string().size() == 43);

  // A manifest signed with the first key, saved, verifies offline against a saved key file.
  write_file(f.path("cinte-0.json"),
             must(f.admin.request("GET", "/api/v1/environments/CINTE/manifest")).body);
  std::string out = f.cli("keys --save " + f.path("keys-1.json"));
  CHECK_MESSAGE(out.find(old_id + "  active") != std::string::npos, out);
  out = f.cli("verify " + f.path("cinte-0.json") + " --keys " + f.path("keys-1.json"));
  CHECK_MESSAGE(out.find("OK signed by " + old_id) != std::string::npos, out);
  CHECK(out.ends_with("exit=0"));

  // A one-byte change is refused with the reason, exit 3.
  std::string tampered = read_file(f.path("cinte-0.json"));
  tampered.replace(tampered.find("CINTE"), 5, "CINTF");
  write_file(f.path("tampered.json"), tampered);
  out = f.cli("verify " + f.path("tampered.json") + " --keys " + f.path("keys-1.json"));
  CHECK_MESSAGE(out.find("does not match the document") != std::string::npos, out);
  CHECK(out.ends_with("exit=3"));

  // Rotation happens offline; after a restart both keys are listed and the new one signs.
  REQUIRE(f.server.stop() == 0);
  out = f.tollgated("keys rotate");
  CHECK_MESSAGE(out.ends_with("exit=0"), out);
  REQUIRE(f.server.start().ok());
  f.admin = f.server.admin_client();  // the port changed
  const json::array second = f.keys();
  REQUIRE(second.size() == 2);
  CHECK(second[0].at("key_id").as_string() == old_id);
  CHECK_FALSE(second[0].at("active").as_bool());
  CHECK(second[1].at("active").as_bool());
  const std::string new_id(second[1].at("key_id").as_string());
  auto manifest = body_of(must(f.admin.request("GET", "/api/v1/environments/CINTE/manifest")));
  CHECK(manifest.at("signature").at("key_id").as_string() == new_id);

  // The new key file verifies the old manifest too.
  CHECK(f.cli("keys --save " + f.path("keys-2.json")).ends_with("exit=0"));
  out = f.cli("verify " + f.path("cinte-0.json") + " --keys " + f.path("keys-2.json"));
  CHECK_MESSAGE(out.find("OK signed by " + old_id) != std::string::npos, out);

  // Retiring the active key is refused; retiring the old one shows it retired, and the old
  // manifest no longer verifies against the key file saved afterwards.
  REQUIRE(f.server.stop() == 0);
  CHECK(f.tollgated("keys retire " + new_id).ends_with("exit=1"));
  CHECK(f.tollgated("keys retire " + old_id).ends_with("exit=0"));
  out = f.tollgated("keys list");
  CHECK_MESSAGE(out.find(old_id + "  retired") != std::string::npos, out);
  REQUIRE(f.server.start().ok());
  f.admin = f.server.admin_client();  // the port changed
  CHECK(f.keys()[0].as_object().contains("retired_at"));
  CHECK(f.cli("keys --save " + f.path("keys-3.json")).ends_with("exit=0"));
  out = f.cli("verify " + f.path("cinte-0.json") + " --keys " + f.path("keys-3.json"));
  CHECK_MESSAGE(out.find("retired key") != std::string::npos, out);
  CHECK(out.ends_with("exit=3"));
}

TEST_CASE("fetch --env verifies the signed manifest, then the artifact's digest") {
  Fixture f;
  f.promote_to_cinte();
  CHECK(f.cli("keys --save " + f.path("keys.json")).ends_with("exit=0"));

  const std::string fetch = "fetch --env CINTE payments/app.tar --keys " + f.path("keys.json");
  std::string out = f.cli(fetch + " -o " + f.path("app.tar"));
  CHECK_MESSAGE(out.find("manifest version 1, signed") != std::string::npos, out);
  CHECK(out.ends_with("exit=0"));
  CHECK(read_file(f.path("app.tar")) == kPayload);

  // Without a key file the server's keys are used, and the CLI says they were taken on trust.
  out = f.cli("fetch --env CINTE payments/app.tar -o " + f.path("trusting.tar"));
  CHECK_MESSAGE(out.find("taken on trust") != std::string::npos, out);
  CHECK(out.ends_with("exit=0"));

  // A key file of another signer (RFC 8032's test key 1): the manifest is refused, nothing is
  // written.
  write_file(f.path("other-keys.json"),
             R"({"keys":[{"key_id":"ed25519:21fe31dfa154a261","algorithm":"ed25519",)"
             R"("public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","active":true,)"
             R"("created_at":"2026-12-01T00:00:00.000000Z"}]})");
  out = f.cli("fetch --env CINTE payments/app.tar --keys " + f.path("other-keys.json") + " -o " +
              f.path("untrusted.tar"));
  CHECK_MESSAGE(out.find("not in the trusted key file") != std::string::npos, out);
  CHECK(out.ends_with("exit=3"));
  CHECK_FALSE(std::ifstream(f.path("untrusted.tar")).good());

  // Not deployed there: refused by name.
  out = f.cli("fetch --env CINTE payments/other.tar --keys " + f.path("keys.json"));
  CHECK_MESSAGE(out.find("deploys no payments/other.tar") != std::string::npos, out);

  // The client remembers version 1; a cache saying it saw 7 makes version 1 a rollback.
  const std::string cache = f.path("cache/tollgate/manifests.json");
  auto remembered = json::parse(read_file(cache)).as_object();
  json::object& seen = remembered.begin()->value().as_object();
  CHECK(seen.at("CINTE").to_number<int>() == 1);
  seen["CINTE"] = 7;
  write_file(cache, json::serialize(remembered));
  out = f.cli(fetch + " -o " + f.path("rolled-back.tar"));
  CHECK_MESSAGE(out.find("rollback") != std::string::npos, out);
  CHECK(out.ends_with("exit=3"));
  CHECK_FALSE(std::ifstream(f.path("rolled-back.tar")).good());
}
