// Parsers of the release request bodies: documented bodies are accepted with their defaults, and
// wrong types, missing and unknown fields, unknown environments and malformed dates are refused
// with one list of problems.
#include "server/http/commands/release.hpp"

#include <doctest/doctest.h>

#include "tests/server/http/commands/parse_test_support.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::body;
using tollgate::testing::refusal;
using Items = std::vector<std::string>;

TEST_CASE("release creation: sorted links, planned dates, and every problem") {
  const Config config;
  auto release = commands::parse_create_release(
      body(R"({"name":"R1","version":"1.0","type":"delta","category":"scheduled",
               "rfcs":["rfc-2","rfc-1","rfc-2"],"planned":{"SIT":"2027-01-04"}})"),
      config);
  REQUIRE(release.ok());
  CHECK(release->name == "R1");
  CHECK(release->type == ReleaseType::delta);
  CHECK(release->category == ReleaseCategory::scheduled);
  CHECK(release->rfcs == Items{"rfc-1", "rfc-2"});
  CHECK(release->packages.empty());
  CHECK(release->planned == std::map<std::string, std::string>{{"SIT", "2027-01-04"}});

  CHECK(refusal(commands::parse_create_release(
            body(R"({"name":"","version":"1","type":"nightly","category":"urgent",
                     "planned":{"QA":"2027-01-04","SIT":"tomorrow"},"owner":"me"})"),
            config)) == Items{"name: must be 1..4096 characters",
                              "type: 'nightly' is not one of delta, full, package",
                              "category: 'urgent' is not one of scheduled, unscheduled, emergency",
                              "planned.QA: not a configured environment",
                              "planned.SIT: must be a date YYYY-MM-DD", "owner: unknown field"});

  auto empty_package = commands::parse_create_release(
      body(R"({"name":"P","version":"1","type":"package","category":"scheduled"})"), config);
  CHECK(empty_package.status().code() == Code::invalid);
  auto delta_with_packages = commands::parse_create_release(
      body(R"({"name":"D","version":"1","type":"delta","category":"scheduled",
               "packages":["rel-1"]})"),
      config);
  CHECK(delta_with_packages.status().code() == Code::invalid);
}

TEST_CASE("release item: install paths are relative, distinct, and strings") {
  auto item = commands::parse_release_item(
      body(R"({"ci":"web","version":"1.0","install_paths":{"web.jar":"opt/web/web.jar"}})"));
  REQUIRE(item.ok());
  CHECK(item->ci == "web");
  CHECK(item->install_paths == std::map<std::string, std::string>{{"web.jar", "opt/web/web.jar"}});

  const Items problems = refusal(commands::parse_release_item(
      body(R"({"ci":"web","version":"1","install_paths":{"a":"x/y","b":"x/y","c":3,
               "d":"../etc/passwd"}})")));
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == "install_paths.b: 'x/y' is the install path of another file too");
  CHECK(problems[1] == "install_paths.c: must be a string");
  CHECK(problems[2].starts_with("install_paths.d: "));
  CHECK(commands::parse_release_item(body(R"({"ci":"web","version":""})")).status().code() ==
        Code::invalid);
  CHECK(refusal(commands::parse_release_item(body(R"({"version":1})"))) ==
        Items{"ci: required", "version: must be a string"});
}

TEST_CASE("release document: kinds, a media type normalised or guessed from the name") {
  auto doc = commands::parse_release_document(
      body(R"({"kind":"test_plan","name":"plan.md","content":"# Plan"})"));
  REQUIRE(doc.ok());
  CHECK(doc->media_type == "text/markdown; charset=utf-8");
  auto typed = commands::parse_release_document(
      body(R"({"kind":"other","name":"x","content":"a","media_type":"Text/Plain"})"));
  REQUIRE(typed.ok());
  CHECK(typed->media_type.starts_with("text/plain"));
  const Items problems = refusal(
      commands::parse_release_document(body(R"({"kind":"memo","name":"a.md","content":""})")));
  CHECK(problems == Items{"kind: 'memo' is not one of build_instructions, test_plan, "
                          "backout_procedure, release_notes, other",
                          "content: must not be empty"});
}

TEST_CASE("known errors, notes and resolutions") {
  auto ke = commands::parse_known_error(body(R"({"summary":"slow start"})"));
  REQUIRE(ke.ok());
  CHECK(ke->workaround.empty());
  CHECK(refusal(commands::parse_known_error(body(R"({"summary":"","workaround":1})"))) ==
        Items{"workaround: must be a string", "summary: must be 1..4096 characters"});

  CHECK_FALSE(commands::parse_release_note(body("{}"), false)->note);
  CHECK(commands::parse_release_note(body(R"({"note":"why"})"), true)->note == "why");
  CHECK(refusal(commands::parse_release_note(body("{}"), true)) == Items{"note: required"});
  CHECK(refusal(commands::parse_release_note(body(R"({"note":""})"), true)) ==
        Items{"note: must be 1..4096 characters"});

  CHECK(commands::parse_known_error_resolution(body(R"({"resolution":"patched"})"))->resolution ==
        "patched");
  CHECK(refusal(commands::parse_known_error_resolution(body(R"({"resolution":""})"))) ==
        Items{"resolution: must be 1..4096 characters"});
}

TEST_CASE("release patch: planned dates or null, sorted RFC ids, something to correct") {
  const Config config;
  auto patch = commands::parse_release_patch(
      body(R"({"planned":{"SIT":"2027-02-01","SAT":null},"rfcs":["rfc-3","rfc-1"],"note":"n"})"),
      config);
  REQUIRE(patch.ok());
  REQUIRE(patch->planned);
  CHECK(patch->planned->at("SIT") == "2027-02-01");
  CHECK_FALSE(patch->planned->at("SAT"));
  CHECK(patch->rfcs == Items{"rfc-1", "rfc-3"});
  CHECK(patch->note == "n");

  auto clear = commands::parse_release_patch(body(R"({"rfcs":[]})"), config);
  REQUIRE(clear.ok());
  CHECK(clear->rfcs == Items{});
  CHECK_FALSE(clear->planned);

  CHECK(refusal(commands::parse_release_patch(body(R"({"note":"n"})"), config)) ==
        Items{"name what to correct: planned and/or rfcs"});
  CHECK(refusal(commands::parse_release_patch(
            body(R"({"planned":{"UAT":"2027-01-01","SIT":5},"rfcs":["RFC 1"]})"), config)) ==
        Items{"planned.UAT: not a configured environment",
              "planned.SIT: must be a date YYYY-MM-DD or null", "rfcs: 'RFC 1' is not an RFC id"});
}

TEST_CASE("gate record: verdict, notes, evidence and a well-formed date") {
  auto gate = commands::parse_gate_record(
      body(R"({"verdict":"pass","notes":"ok","evidence":"report.md","date":"2027-03-01"})"));
  REQUIRE(gate.ok());
  CHECK(gate->verdict == "pass");
  CHECK(gate->evidence == "report.md");
  CHECK(gate->date == "2027-03-01");
  auto bare = commands::parse_gate_record(body(R"({"verdict":"fail"})"));
  REQUIRE(bare.ok());
  CHECK(bare->notes.empty());
  CHECK_FALSE(bare->evidence);
  CHECK(refusal(commands::parse_gate_record(body(R"({"verdict":"maybe","date":"soon"})"))) ==
        Items{"verdict: 'maybe' is not pass or fail", "date: 'soon' is not a date YYYY-MM-DD"});
  CHECK(refusal(commands::parse_gate_record(body(R"({"verdict":"pass","by":"me"})"))) ==
        Items{"by: unknown field"});
}

TEST_CASE("promotion target: one environment name") {
  CHECK(*commands::parse_environment_target(body(R"({"environment":"SIT"})")) == "SIT");
  CHECK(refusal(commands::parse_environment_target(body(R"({"env":"SIT"})"))) ==
        Items{"environment: required", "env: unknown field"});
}
