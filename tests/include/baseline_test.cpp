#include "tollgate/baseline.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace tollgate {
namespace {

namespace json = boost::json;

const std::string kSha(64, 'b');

BaselineDocument sample() {
  BaselineDocument b;
  b.name = "q4";
  b.description = "end of quarter";
  b.created_at = 1'700'000'000'000'000;
  b.created_by = "alice";
  b.scope = json::object{{"environments", json::array{"SIT", "production"}}};
  b.cis = json::array{json::object{{"id", "payments"}, {"revision", 3}}};
  b.environments = {{"SIT",
                     2,
                     "promote",
                     "REL-7",
                     1'699'000'000'000'000,
                     {{"payments", "1.2", "REL-7", {{"app.tar", kSha, 10, "opt/app.tar"}}}}},
                    {"production", 0, "", "", std::nullopt, {}}};
  BaselineRelease known{"REL-7", true, "payments", "1.2", "scheduled", kSha, {}, {}};
  known.gates = {{"tests:SIT", "pass", "tess", 1'698'000'000'000'000, kSha, "SIT", std::nullopt},
                 {"rrr", "pass", "rm", 1'698'100'000'000'000, kSha, std::nullopt, "2026-12-01"}};
  known.rfcs = {{"RFC-1", "Pay", "approved", "cm", 1'697'000'000'000'000},
                {"RFC-9", std::nullopt, "unknown", std::nullopt, std::nullopt}};
  b.releases = {known, BaselineRelease::unknown("REL-1")};
  return b;
}

TEST_CASE("baseline document: what to_json writes parse_baseline reads back") {
  const BaselineDocument b = sample();
  const json::object doc = b.to_json();
  CHECK(is_baseline(doc));
  CHECK_FALSE(is_manifest(doc));
  auto back = parse_baseline(doc);
  REQUIRE(back.ok());
  CHECK(json::serialize(back->to_json()) == json::serialize(doc));
  REQUIRE(back->environment("SIT") != nullptr);
  CHECK(back->environment("SIT")->entries.at(0).artifacts.at(0).install_path == "opt/app.tar");
  CHECK(back->environment("UAT") == nullptr);
  CHECK(back->releases.at(1).known == false);
  CHECK(back->releases.at(0).gates.at(1).date == "2026-12-01");
}

TEST_CASE("baseline document: the shape auditors rely on") {
  const json::object doc = sample().to_json();
  CHECK(doc.at("kind") == "baseline");
  CHECK(doc.at("created_at") == "2023-11-14T22:13:20.000000Z");
  const json::array& envs = doc.at("environments").as_array();
  CHECK(envs.at(1).at("created_at").is_null());  // version 0: nothing deployed
  CHECK(envs.at(0).at("entries").at(0).at("artifacts").at(0).at("sha256").as_string() == kSha);
  const json::array& releases = doc.at("releases").as_array();
  CHECK(releases.at(0).at("gates").at(0).at("environment") == "SIT");
  CHECK_FALSE(releases.at(0).at("gates").at(0).as_object().contains("date"));
  CHECK(releases.at(0).at("rfcs").at(1).at("title").is_null());
  CHECK(json::serialize(releases.at(1)) == R"({"id":"REL-1","gates":[],"rfcs":[]})");
}

TEST_CASE("baseline document: a malformed one is refused, naming what is wrong") {
  const auto refused = [](std::string_view text) {
    auto r = parse_baseline(json::parse(text).as_object());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::corrupt);
    CHECK(r.status().reason() == kMalformedBaselineReason);
    return r.status().message();
  };
  refused(R"({"name":"x"})");
  refused(R"({"name":"x","created_at":"yesterday","scope":{},"cis":[],"environments":[],
              "releases":[]})");
  CHECK(refused(R"({"name":"x","created_at":"2026-12-01T00:00:00Z","scope":{},"cis":[],
                    "environments":[{"environment":"SIT","version":1,"entries":[
                      {"ci":"a","version":"1","artifacts":[{"file":"f","sha256":"zz","size":1}]}]}],
                    "releases":[]})")
            .find("environment SIT") != std::string::npos);
  CHECK(refused(R"({"name":"x","created_at":"2026-12-01T00:00:00Z","scope":{},"cis":[],
                    "environments":[],"releases":[{"id":"R","gates":[{"gate":"uat"}],"rfcs":[]}]})")
            .find("release R") != std::string::npos);
}

}  // namespace
}  // namespace tollgate
