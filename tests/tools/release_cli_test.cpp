// `tollgate release`, `schedule` and `kpis`: the command line, the request bodies and the
// readable views.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/release.hpp"

using namespace tollgate;
using namespace tollgate::cli;
namespace json = boost::json;

namespace {

// Parses `args` (after the program name) with the release commands registered.
struct Parsed {
  CLI::App app{"test"};  // owns the subcommands `commands` points into
  ReleaseCommands commands;
  bool ok = true;
  std::string error;

  explicit Parsed(std::vector<std::string> args) {
    app.require_subcommand(1);
    add_release_commands(app, commands);
    std::vector<const char*> argv = {"tollgate"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      ok = false;
      error = e.what();
    }
  }
};

json::object parse_object(const std::string& text) { return json::parse(text).as_object(); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("release create: flags become the request body") {
  Parsed p({"release", "create", "--name", "payments", "--version", "2.3", "--type", "delta",
            "--category", "scheduled", "--rfc", "rfc-1", "--rfc", "rfc-2", "--planned",
            "CINTE=2026-12-01", "--planned", "production=2026-12-10"});
  REQUIRE_MESSAGE(p.ok, p.error);
  const ReleaseOptions& o = p.commands.release;
  CHECK(o.action == "create");
  CHECK(p.commands.release_command->parsed());
  auto body = create_release_body(o);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"name":"payments","version":"2.3","type":"delta",
      "category":"scheduled","rfcs":["rfc-1","rfc-2"],
      "planned":{"CINTE":"2026-12-01","production":"2026-12-10"}})"));

  Parsed package({"release", "create", "--name", "bundle", "--version", "1", "--type", "package",
                  "--category", "emergency", "--package", "rel-1", "--package", "rel-2"});
  REQUIRE(package.ok);
  auto bundle = create_release_body(package.commands.release);
  REQUIRE(bundle.ok());
  CHECK(bundle->at("packages") == json::array{"rel-1", "rel-2"});
  CHECK(bundle->at("rfcs").as_array().empty());
  CHECK_FALSE(bundle->contains("planned"));
}

TEST_CASE("release create: usage errors are caught before any request") {
  CHECK_FALSE(Parsed({"release", "create", "--name", "p", "--version", "1", "--type", "patch",
                      "--category", "scheduled"})
                  .ok);
  CHECK_FALSE(Parsed({"release", "create", "--name", "p", "--version", "1", "--type", "delta",
                      "--category", "urgent"})
                  .ok);
  CHECK_FALSE(Parsed({"release", "create", "--name", "p", "--type", "delta"}).ok);
  CHECK_FALSE(Parsed({"release"}).ok);

  ReleaseOptions o;
  o.planned = {"CINTE"};
  CHECK(create_release_body(o).status().code() == Code::invalid);
  o.planned = {"CINTE=tomorrow"};
  auto bad_date = create_release_body(o);
  CHECK(bad_date.status().code() == Code::invalid);
  CHECK(contains(bad_date.status().message(), "YYYY-MM-DD"));
  o.planned = {"SIT=2026-12-01", "SIT=2026-12-02"};
  CHECK(contains(create_release_body(o).status().message(), "twice"));
}

TEST_CASE("parse_assignment splits KEY=VALUE at the first '='") {
  auto pair = parse_assignment("app.tar=/opt/app/app.tar", "--install-path");
  REQUIRE(pair.ok());
  CHECK(pair->first == "app.tar");
  CHECK(pair->second == "/opt/app/app.tar");
  auto with_equals = parse_assignment("a=b=c", "--x");
  REQUIRE(with_equals.ok());
  CHECK(with_equals->second == "b=c");
  for (const char* bad : {"", "=", "a=", "=b", "ab"}) {
    auto r = parse_assignment(bad, "--install-path");
    CHECK(r.status().code() == Code::invalid);
    CHECK(contains(r.status().message(), "--install-path"));
  }
  CHECK(looks_like_date("2026-12-01"));
  for (const char* bad : {"2026-1-01", "2026/12/01", "20261201", "2026-12-011", "abcd-ef-gh"})
    CHECK_FALSE(looks_like_date(bad));
}

TEST_CASE("release add, doc and gate: positional release, options, bodies") {
  Parsed add({"release", "add", "rel-1", "--ci", "payments", "--version", "2.3", "--install-path",
              "app.tar=/opt/payments/app.tar"});
  REQUIRE_MESSAGE(add.ok, add.error);
  CHECK(add.commands.release.action == "add");
  CHECK(add.commands.release.id == "rel-1");
  auto item = add_item_body(add.commands.release);
  REQUIRE(item.ok());
  CHECK(*item == parse_object(R"({"ci":"payments","version":"2.3",
      "install_paths":{"app.tar":"/opt/payments/app.tar"}})"));

  Parsed doc({"release", "doc", "rel-1", "--kind", "test_plan", "--name", "plan.md", "-"});
  REQUIRE_MESSAGE(doc.ok, doc.error);
  CHECK(doc.commands.release.file == "-");
  CHECK(document_body(doc.commands.release, "# plan\n") ==
        parse_object(R"({"kind":"test_plan","name":"plan.md","content":"# plan\n"})"));
  CHECK_FALSE(Parsed({"release", "doc", "rel-1", "--kind", "test_plan", "--name", "x"}).ok);

  Parsed gate({"release", "gate", "rel-1", "rrr", "--verdict", "pass", "--notes", "ready",
               "--evidence", "plan.md", "--date", "2026-12-01"});
  REQUIRE_MESSAGE(gate.ok, gate.error);
  CHECK(gate.commands.release.gate == "rrr");
  auto body = gate_body(gate.commands.release);
  REQUIRE(body.ok());
  CHECK(*body == parse_object(R"({"verdict":"pass","notes":"ready","evidence":"plan.md",
      "date":"2026-12-01"})"));
  CHECK_FALSE(Parsed({"release", "gate", "rel-1", "uat", "--verdict", "maybe"}).ok);
  ReleaseOptions o;
  o.verdict = "pass";
  o.date = "1.12.2026";
  CHECK(gate_body(o).status().code() == Code::invalid);
}

TEST_CASE("release promote, backout, vdd, show, ls; schedule and kpis with a period") {
  Parsed promote({"release", "promote", "rel-1", "--env", "SIT"});
  REQUIRE(promote.ok);
  CHECK(promote.commands.release.action == "promote");
  CHECK(promote.commands.release.environment == "SIT");
  CHECK_FALSE(Parsed({"release", "promote", "rel-1"}).ok);
  Parsed backout({"release", "backout", "rel-1", "--env", "production"});
  REQUIRE(backout.ok);
  CHECK(backout.commands.release.action == "backout");
  Parsed vdd({"release", "vdd", "rel-1", "--markdown", "-o", "vdd.md"});
  REQUIRE(vdd.ok);
  CHECK(vdd.commands.release.markdown);
  CHECK(vdd.commands.release.output == "vdd.md");
  Parsed ls({"release", "ls", "--state", "deployed"});
  REQUIRE(ls.ok);
  CHECK(ls.commands.release.action == "ls");
  CHECK(ls.commands.release.state == "deployed");

  Parsed schedule({"schedule", "--from", "2026-12-01", "--to", "2026-12-31"});
  REQUIRE(schedule.ok);
  CHECK(schedule.commands.schedule_command->parsed());
  CHECK_FALSE(schedule.commands.release_command->parsed());
  auto query = report_query(schedule.commands.schedule);
  REQUIRE(query.ok());
  CHECK(*query == "?from=2026-12-01&to=2026-12-31");
  CHECK(*report_query(ReportOptions{}) == "");
  CHECK(*report_query(ReportOptions{"", "2027-01-01"}) == "?to=2027-01-01");
  CHECK(report_query(ReportOptions{"yesterday", ""}).status().code() == Code::invalid);
  Parsed kpis({"kpis", "--from", "2026-01-01"});
  REQUIRE(kpis.ok);
  CHECK(kpis.commands.kpis_command->parsed());
  CHECK(kpis.commands.kpis.from == "2026-01-01");
}

TEST_CASE("a refused promotion exits 4; a corrupt blob 3") {
  CHECK(exit_code(Status(Code::conflict, "x").with_reason("gates-unmet")) == kExitGatesUnmet);
  CHECK(exit_code(Status(Code::conflict, "x").with_reason("skipped-environment")) == 4);
  CHECK(exit_code(Status(Code::corrupt, "x").with_reason("corrupt-blob")) == kExitVerification);
  CHECK(exit_code(Status(Code::forbidden, "x").with_reason("forbidden-role")) == kExitFailure);
}

TEST_CASE("format_unmet prints every unmet requirement on its own line") {
  auto problem = parse_object(R"({"type":"urn:tollgate:problem:gates-unmet","unmet":[
      {"gate":"uat","reason":"missing","detail":"no uat was recorded"},
      {"gate":"rrr","reason":"stale","detail":"record it again"}]})");
  CHECK(format_unmet(problem) ==
        "unmet uat: missing: no uat was recorded\nunmet rrr: stale: record it again\n");
  CHECK(format_unmet(json::object{}).empty());
}

TEST_CASE("format_release shows digest, items, documents, gates and environments") {
  auto release = parse_object(R"({"id":"rel-1","name":"payments","version":"2.3",
      "type":"delta","category":"scheduled","state":"in_progress","digest":"abc123",
      "environment":"SIT","rfcs":["rfc-1"],"packages":[],"planned":{"SIT":"2026-12-02"},
      "items":[{"ci":"payments","version":"2.3","artifacts":[
        {"file":"app.tar","sha256":"d1","size":3,"install_path":"/opt/app.tar"}]}],
      "documents":[{"kind":"test_plan","name":"plan.md","blob":"b1","added_by":"rm"}],
      "known_errors":[],
      "gates":{"trr":{"status":"passed","latest":{"actor":"cm","time":"T1"}},
               "uat":{"status":"stale","latest":{"actor":"tess","time":"T2"}},
               "rrr":{"status":"missing","latest":null}},
      "environments":[{"time":"T3","action":"promote","environment":"CINTE",
                       "manifest_version":1,"actor":"rm"}]})");
  const std::string out = format_release(release);
  CHECK(out.starts_with("rel-1  payments 2.3  [in_progress]  delta, scheduled\n"));
  CHECK(contains(out, "digest: abc123\n"));
  CHECK(contains(out, "deployed in: SIT\n"));
  CHECK(contains(out, "planned: SIT 2026-12-02\n"));
  CHECK(contains(out, "payments  2.3      app.tar  d1      /opt/app.tar\n"));
  CHECK(contains(out, "test_plan  plan.md  b1"));
  CHECK(contains(out, "trr   passed   cm    T1"));
  CHECK(contains(out, "uat   stale    tess  T2"));
  CHECK(contains(out, "rrr   missing  -     -"));
  CHECK(contains(out, "promote  CINTE        1         rm"));
  CHECK(contains(out, "known errors: none\n"));
}

TEST_CASE("format_release_list, format_promotion, format_schedule and format_kpis") {
  auto list = json::parse(R"([{"id":"rel-1","name":"payments","version":"2.3","type":"delta",
      "category":"scheduled","state":"deployed","environment":"production"}])");
  CHECK(format_release_list(list.as_array()) ==
        "ID     NAME      VERSION  TYPE   CATEGORY   STATE     ENVIRONMENT\n"
        "rel-1  payments  2.3      delta  scheduled  deployed  production\n");
  CHECK(format_promotion(parse_object(R"({"release":{"id":"rel-1"},"environment":"SAT",
      "manifest_version":4})"),
                         "promote") == "rel-1 promoted to SAT: manifest version 4\n");
  CHECK(format_promotion(parse_object(R"({"release":{"id":"rel-1"},"environment":"SAT",
      "manifest_version":5})"),
                         "backout") == "rel-1 backed out of SAT: manifest version 5\n");

  auto schedule = parse_object(R"({"items":[{"id":"rel-1","name":"payments","version":"2.3",
      "category":"scheduled","state":"deployed",
      "environments":[{"environment":"production","planned":"2026-12-10","actual":"2026-12-09",
                       "backed_out":["2026-12-11"]}]}],
      "conflicts":[{"releases":["rel-1","rel-2"],"reason":"shared CI payments",
                    "date":"2026-12-10"}]})");
  const std::string table = format_schedule(schedule);
  CHECK(contains(table,
                 "rel-1    payments  2.3      scheduled  deployed  production   2026-12-10  "
                 "2026-12-09  2026-12-11\n"));
  CHECK(contains(table,
                 "conflicts:\nRELEASES     DATE        REASON\n"
                 "rel-1,rel-2  2026-12-10  shared CI payments\n"));
  CHECK(contains(format_schedule(json::object{{"items", json::array{}}}), "conflicts: none"));

  auto kpis = parse_object(R"({"releases":3,"by_category":{"scheduled":2,"emergency":1},
      "unplanned":{"count":1,"share":0.5},"backed_out":{"count":1,"releases":["rel-2"]},
      "lead_time_days":{"mean":2.5,"median":null,"releases":[{"id":"rel-1"},{"id":"rel-2"}]}})");
  CHECK(format_kpis(kpis) ==
        "releases: 3\nby_category: scheduled 2, emergency 1\nunplanned: count 1, share 0.5\n"
        "backed_out: count 1, releases rel-2\nlead_time_days: mean 2.5, median -, releases 2 "
        "entries\n");
}
