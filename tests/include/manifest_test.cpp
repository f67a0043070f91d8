#include "tollgate/manifest.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json/serialize.hpp>

namespace tollgate {
namespace {

namespace json = boost::json;

const std::string kSha(64, 'a');

Manifest sample() {
  Manifest m;
  m.environment = "SIT";
  m.version = 3;
  m.previous_version = 2;
  m.action = "promote";
  m.release = "REL-7";
  m.created_by = "alice";
  m.created_at = 1'700'000'000'000'000;
  m.expires_at = 1'700'086'400'000'000;
  m.entries = {{"payments-api", "1.2.0", "REL-7", {{"app.tar", kSha, 10, "opt/app.tar"}}},
               {"web", "2.0", "REL-6", {}}};
  return m;
}

void check_malformed(const json::object& document) {
  CAPTURE(json::serialize(document));
  const auto parsed = parse_manifest(document);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::corrupt);
  CHECK(parsed.status().reason() == kMalformedManifestReason);
}

json::object& first_artifact(json::object& document) {
  return document["entries"].as_array()[0].as_object()["artifacts"].as_array()[0].as_object();
}

}  // namespace

TEST_CASE("a manifest round trips through its document") {
  const Manifest m = sample();
  const json::object document = m.to_json();
  CHECK(is_manifest(document));
  auto parsed = parse_manifest(document);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  CHECK(parsed->to_json() == document);
  CHECK(parsed->environment == "SIT");
  CHECK(parsed->version == 3);
  CHECK(parsed->expires_at == m.expires_at);
  REQUIRE(parsed->entries.size() == 2);
  CHECK(parsed->entries[0].artifacts[0].install_path == "opt/app.tar");

  auto from_text = parse_manifest(std::string_view(json::serialize(document)));
  REQUIRE(from_text.ok());
  CHECK(from_text->to_json() == document);
}

TEST_CASE("a signature member is ignored, optional members default") {
  json::object document{
      {"environment", "SIT"},
      {"version", 1},
      {"expires_at", "2026-12-08T00:00:00Z"},
      {"entries",
       json::array{json::object{
           {"ci", "payments-api"},
           {"version", "1.2.0"},
           {"artifacts",
            json::array{json::object{{"file", "app.tar"}, {"sha256", kSha}, {"size", 10}}}}}}},
      {"signature", json::object{{"key_id", "x"}}}};
  auto parsed = parse_manifest(document);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  CHECK(parsed->previous_version == 0);
  CHECK(parsed->action.empty());
  CHECK(parsed->created_at == 0);
  CHECK(parsed->entries[0].release.empty());
  CHECK(parsed->entries[0].artifacts[0].install_path.empty());
}

TEST_CASE("entry() and artifact() find what a manifest deploys") {
  const Manifest m = sample();
  const ManifestEntry* entry = m.entry("payments-api");
  REQUIRE(entry != nullptr);
  CHECK(entry->version == "1.2.0");
  REQUIRE(entry->artifact("app.tar") != nullptr);
  CHECK(entry->artifact("app.tar")->sha256 == kSha);
  CHECK(entry->artifact("other.tar") == nullptr);
  CHECK(m.entry("nope") == nullptr);
}

TEST_CASE("parse_manifest refuses a document that is not a manifest") {
  const json::object good = sample().to_json();
  for (const char* required : {"environment", "version", "expires_at", "entries"}) {
    json::object missing = good;
    missing.erase(required);
    check_malformed(missing);
  }
  json::object negative = good;
  negative["version"] = -1;
  check_malformed(negative);
  json::object bad_time = good;
  bad_time["expires_at"] = "tomorrow";
  check_malformed(bad_time);
  json::object entry_not_object = good;
  entry_not_object["entries"].as_array()[0] = "payments-api";
  check_malformed(entry_not_object);
  json::object no_ci = good;
  no_ci["entries"].as_array()[0].as_object().erase("ci");
  check_malformed(no_ci);
  json::object upper_digest = good;
  first_artifact(upper_digest)["sha256"] = std::string(64, 'A');
  check_malformed(upper_digest);
  json::object no_size = good;
  first_artifact(no_size).erase("size");
  check_malformed(no_size);

  json::object before_year_0 = good;  // found by tests/fuzz/signed_document_fuzz.cpp
  before_year_0["expires_at"] = "0000-01-01T00:30:00+01:00";
  check_malformed(before_year_0);

  CHECK(parse_manifest(std::string_view("[1]")).status().reason() == kMalformedManifestReason);
  CHECK(parse_manifest(std::string_view("{")).status().reason() == kMalformedManifestReason);
  CHECK_FALSE(is_manifest(json::object{{"name", "baseline-1"}}));
}

}  // namespace tollgate
