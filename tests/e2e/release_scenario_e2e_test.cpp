// The release scenario end to end: one release driven from RFC to PIR through CINTE, SIT, SAT
// and production over HTTPS, mostly with the `tollgate` CLI and --json, by distinct people's
// tokens (admin, two change managers, a release manager, a tester, a business user, a manager,
// a build agent); and every refusal
// on the way, each with its problem type and nothing changed: missing gates listed at once, a
// skipped environment, wrong roles, self-approval, separation of duties, an unapproved RFC,
// stale gates after a content change, a corrupted blob at promotion, a back-out restoring the
// previous manifest exactly, and on a second server a freeze window and the emergency path.
//
// tollgated has no settable clock (it runs on SystemClock), so an *overdue* PIR cannot be
// produced here without waiting days: tests/server/domain/release/promotion_test.cpp covers it with
// a ManualClock; this test checks that the emergency release's PIR is listed as due, not overdue.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"
#include "tollgate/time.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::contains;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::read_file;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
using tollgate::e2e::write_file;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;

  json::object json() const {
    boost::system::error_code ec;
    json::value v = json::parse(out, ec);
    REQUIRE_MESSAGE(!ec, (out + err));
    REQUIRE(v.is_object());
    return v.as_object();
  }
};

// "gate reason" of every unmet requirement a refused promotion listed, sorted.
std::vector<std::string> unmet_of(const json::object& problem) {
  std::vector<std::string> out;
  for (const auto& u : problem.at("unmet").as_array())
    out.push_back(fmt::format("{} {}", std::string_view(u.at("gate").as_string()),
                              std::string_view(u.at("reason").as_string())));
  std::sort(out.begin(), out.end());
  return out;
}

// A server with the shipped policy plus `extra` configuration, and a token per role.
struct Site {
  tollgate::testing::TempDir work{"tollgate-release-e2e-"};
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  std::string admin_token, cm1, cm2, rm, tester, biz, boss, agent;
  std::string today = format_date(SystemClock().now());

  // `freeze_windows`: the [freeze] windows value, e.g. [{from = "...", to = "...", reason =
  // "..."}].
  explicit Site(const std::string& freeze_windows = "[]")
      : server({"--config", config(work, freeze_windows)}) {
    fs::create_directories(work.path() / "home");
    const Status started = server.start();
    REQUIRE_MESSAGE(started.ok(), started.to_string());
    admin_token = server.bootstrap_token();
    admin = server.admin_client();
    cm1 = mint_token(admin, "cm1", "change_manager");
    cm2 = mint_token(admin, "cm2", "change_manager");
    rm = mint_token(admin, "rm", "release_manager");
    tester = mint_token(admin, "tess", "tester");
    biz = mint_token(admin, "biz", "business");
    boss = mint_token(admin, "boss", "management");
    agent = mint_token(admin, "agent", "build_agent");
    http(admin, "POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})", 201);
    http(admin, "POST", "/api/v1/cis",
         R"({"id":"payments","type":"service","name":"Payments","attributes":{}})", 201);
  }

  // The shipped conf/tollgate.toml with these freeze windows, and no background scrubbing: the
  // corrupted blob must be found by the promotion.
  static std::string config(const tollgate::testing::TempDir& dir,
                            const std::string& freeze_windows) {
    const std::string path = dir.file("tollgate.toml");
    std::string text = read_file(TOLLGATE_SOURCE_DIR "/conf/tollgate.toml");
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"scrub_rate_mb = 32", "scrub_rate_mb = 0"},
          {"windows = []", "windows = " + freeze_windows}}) {
      REQUIRE(contains(text, from));
      text.replace(text.find(from), from.size(), to);
    }
    write_file(path, text);
    return path;
  }

  std::string file(const std::string& name) const { return work.file(name); }

  // `tollgate [--json] ARGS` as `token` in the work directory; stdin from `input`.
  CliRun cli(const std::string& token, const std::string& args,
             const std::string& input = "/dev/null", bool json = true) const {
    static int runs = 0;
    const std::string err = work.file(fmt::format("cli{}.err", ++runs));
    const std::string run = run_command(fmt::format(
        "cd {} && HOME={} {} --server https://127.0.0.1:{} --ca {} --token {} {} {} <{} 2>{}",
        work.str(), work.file("home"), TOLLGATE_CLI_PATH, server.port(), server.ca_file(), token,
        json ? "--json" : "", args, input, err));
    const auto end = run.rfind("\nexit=");
    REQUIRE(end != std::string::npos);
    return CliRun{std::stoi(run.substr(end + 6)), run.substr(0, end), read_file(err)};
  }

  // A CLI run that must succeed; its JSON.
  json::object ok(const std::string& token, const std::string& args,
                  const std::string& input = "/dev/null") const {
    const CliRun run = cli(token, args, input);
    REQUIRE_MESSAGE(run.exit_code == 0, (args + ": " + run.out + run.err));
    return run.json();
  }

  // A CLI run that must be refused with `exit_code` and problem `slug`; the problem.
  json::object refused(const std::string& token, const std::string& args, int exit_code,
                       unsigned status, const std::string& slug) const {
    const CliRun run = cli(token, args);
    CHECK_MESSAGE(run.exit_code == exit_code, (args + ": " + run.out + run.err));
    CHECK(run.err.starts_with("tollgate: "));
    json::object problem = run.json();
    CHECK_MESSAGE(problem.at("type").as_string() == "urn:tollgate:problem:" + slug, run.out);
    CHECK(problem.at("status").as_int64() == status);
    return problem;
  }

  json::object http(HttpClient& client, const std::string& method, const std::string& target,
                    const std::string& body = "", unsigned status = 200) {
    auto r = must(client.request(method, target, body));
    REQUIRE_MESSAGE(r.status == status, (method + " " + target + ": " + r.body));
    return body_of(r);
  }

  // What a refusal must leave alone: the release and every environment's manifest version.
  json::object snapshot(const std::string& release) {
    return {{"release", ok(rm, "release show " + release)},
            {"environments", http(admin, "GET", "/api/v1/environments")}};
  }

  std::string push(const std::string& version, const std::string& bytes) {
    const std::string dir = file("build-" + version);
    fs::create_directories(dir);
    write_file(dir + "/app.tar", bytes);
    const CliRun pushed =
        cli(agent, fmt::format("push {}/app.tar --ci payments --version {}", dir, version));
    REQUIRE_MESSAGE(pushed.exit_code == 0, (pushed.out + pushed.err));
    return sha256_of(bytes);
  }

  // The three build documents every release needs before CINTE, one of them from stdin.
  void build_documents(const std::string& release) {
    write_file(file("build.md"), "# Build\nmake release\n");
    write_file(file("plan.md"), "# Test plan\nrun the suite\n");
    write_file(file("backout.md"), "# Back-out\npromote the previous manifest\n");
    ok(rm, "release doc " + release + " --kind build_instructions --name build.md build.md");
    ok(rm, "release doc " + release + " --kind test_plan --name plan.md -", file("plan.md"));
    ok(rm, "release doc " + release + " --kind backout_procedure --name backout.md backout.md");
  }

  json::object manifest(const std::string& environment) {
    return http(admin, "GET", "/api/v1/environments/" + environment + "/manifest");
  }
};

const std::string kRelease23 = "payments 2.3: the release bytes\n";
const std::string kRelease24 = "payments 2.4: the next release bytes\n";

// Refusals on the way to production, then production, the verified fetch and the PIR.
void production_phase(Site& s, const std::string& rel, const std::string& rfc) {
  // Every production requirement at once, the unapproved RFC among them.
  auto before = s.snapshot(rel);
  auto all = s.refused(s.rm, "release promote " + rel + " --env production", 4, 409, "gates-unmet");
  CHECK(unmet_of(all) == std::vector<std::string>{"implementation_approval missing",
                                                  "rfc rfc-not-approved", "rrr missing",
                                                  "tests:SAT missing", "uat missing"});
  CHECK(s.snapshot(rel) == before);

  s.ok(s.tester, "release gate " + rel + " tests:SAT --verdict pass --evidence plan.md");
  s.ok(s.biz, "release gate " + rel + " uat --verdict pass --notes 'signed off'");
  s.ok(s.cm1, "release gate " + rel + " rrr --verdict pass --date " + s.today);
  s.ok(s.boss, "release gate " + rel + " implementation_approval --verdict pass");

  // Only the unapproved RFC is left; its author and submitter cannot approve it, the other
  // manager can.
  before = s.snapshot(rel);
  auto rfc_only =
      s.refused(s.rm, "release promote " + rel + " --env production", 4, 409, "gates-unmet");
  CHECK(unmet_of(rfc_only) == std::vector<std::string>{"rfc rfc-not-approved"});
  CHECK(s.snapshot(rel) == before);
  const CliRun self = s.cli(s.cm1, "rfc approve " + rfc);
  CHECK(self.exit_code == 1);
  CHECK(contains(self.err, "tollgate: Forbidden"));
  HttpClient submitter = s.server.client(s.cm1);
  check_problem(must(submitter.request("POST", "/api/v1/rfcs/" + rfc + "/approve", "{}")), 403,
                "self-approval");
  CHECK(s.ok(s.cm1, "rfc show " + rfc).at("state").as_string() == "submitted");
  CHECK(s.ok(s.cm2, "rfc approve " + rfc).at("state").as_string() == "approved");

  // A content change (release notes) makes every gate given for the old digest stale.
  const std::string old_digest(s.ok(s.rm, "release show " + rel).at("digest").as_string());
  write_file(s.file("notes.md"), "# Release notes\npayments 2.3\n");
  auto changed =
      s.ok(s.rm, "release doc " + rel + " --kind release_notes --name notes.md notes.md");
  CHECK(changed.at("digest").as_string() != old_digest);
  for (const char* gate : {"tests:SAT", "uat", "rrr", "implementation_approval", "trr"})
    CHECK(changed.at("gates").at(gate).at("status").as_string() == "stale");
  before = s.snapshot(rel);
  auto stale =
      s.refused(s.rm, "release promote " + rel + " --env production", 4, 409, "gates-unmet");
  CHECK(unmet_of(stale) == std::vector<std::string>{"implementation_approval stale", "rrr stale",
                                                    "tests:SAT stale", "uat stale"});
  CHECK(s.snapshot(rel) == before);
  s.ok(s.tester, "release gate " + rel + " tests:SAT --verdict pass");
  s.ok(s.biz, "release gate " + rel + " uat --verdict pass");
  s.ok(s.cm1, "release gate " + rel + " rrr --verdict pass --date " + s.today);
  s.ok(s.boss, "release gate " + rel + " implementation_approval --verdict pass");

  auto production = s.ok(s.rm, "release promote " + rel + " --env production");
  CHECK(production.at("environment").as_string() == "production");
  CHECK(production.at("release").at("state").as_string() == "deployed");
}

}  // namespace

TEST_CASE("release scenario: RFC to PIR through four environments with the CLI, every refusal") {
  Site s;
  const std::string rel = "rel-1";
  const std::string digest23 = s.push("2.3", kRelease23);

  // An RFC, created and submitted by one change manager (approved later by the other).
  auto rfc_json = s.ok(s.cm1, "rfc create --title 'Payments 2.3' --ci payments --risk low");
  const std::string rfc(rfc_json.at("id").as_string());
  CHECK(s.ok(s.cm1, "rfc submit " + rfc).at("state").as_string() == "submitted");

  // Wrong role: a change manager cannot create a release; nothing is created.
  s.refused(s.cm1,
            "release create --name payments --version 2.3 --type delta --category "
            "scheduled",
            1, 403, "forbidden-role");
  CHECK(s.ok(s.rm, "release ls").at("items").as_array().empty());

  auto created = s.ok(s.rm, fmt::format("release create --name payments --version 2.3 --type "
                                        "delta --category scheduled --rfc {} --planned "
                                        "CINTE={} --planned production={}",
                                        rfc, s.today, s.today));
  REQUIRE(created.at("id").as_string() == rel);
  CHECK(created.at("planned").at("production").as_string() == s.today);
  auto item = s.ok(s.rm, "release add " + rel +
                             " --ci payments --version 2.3 --install-path app.tar=opt/pay/app.tar");
  CHECK(item.at("items").at(0).at("artifacts").at(0).at("sha256").as_string() == digest23);
  CHECK(item.at("items").at(0).at("artifacts").at(0).at("install_path").as_string() ==
        "opt/pay/app.tar");

  // Every CINTE requirement is listed at once; a wrong role cannot promote; nothing changes.
  auto before = s.snapshot(rel);
  auto cinte = s.refused(s.rm, "release promote " + rel + " --env CINTE", 4, 409, "gates-unmet");
  CHECK(unmet_of(cinte) == std::vector<std::string>{"document:backout_procedure missing-document",
                                                    "document:build_instructions missing-document",
                                                    "document:test_plan missing-document",
                                                    "trr missing"});
  const CliRun people = s.cli(s.rm, "release promote " + rel + " --env CINTE", "/dev/null", false);
  CHECK(people.exit_code == 4);
  CHECK(contains(people.out, "unmet trr: missing: "));
  CHECK(contains(people.out, "unmet document:test_plan: missing-document: "));
  CHECK(contains(people.err, "tollgate: Conflict: rel-1 cannot enter CINTE"));
  s.refused(s.tester, "release promote " + rel + " --env CINTE", 1, 403, "forbidden-role");
  CHECK(s.snapshot(rel) == before);

  s.build_documents(rel);
  s.refused(s.tester, "release gate " + rel + " trr --verdict pass", 1, 403, "gate-role");
  s.ok(s.cm1, "release gate " + rel + " trr --verdict pass --evidence plan.md");

  // Skipping CINTE is refused, listing the skipped environment with the missing tests.
  before = s.snapshot(rel);
  auto skipped =
      s.refused(s.rm, "release promote " + rel + " --env SIT", 4, 409, "skipped-environment");
  CHECK(unmet_of(skipped) ==
        std::vector<std::string>{"environment:CINTE skipped-environment", "tests:CINTE missing"});
  CHECK(s.snapshot(rel) == before);

  CHECK(s.ok(s.rm, "release promote " + rel + " --env CINTE").at("manifest_version") == 1);
  for (const auto& [tested, next] : {std::pair{"CINTE", "SIT"}, std::pair{"SIT", "SAT"}}) {
    s.ok(s.tester, fmt::format("release gate {} tests:{} --verdict pass", rel, tested));
    auto promoted = s.ok(s.rm, fmt::format("release promote {} --env {}", rel, next));
    CHECK(promoted.at("environment").as_string() == next);
    CHECK(promoted.at("release").at("environment").as_string() == next);
  }

  production_phase(s, rel, rfc);

  // The signed production manifest names the bytes; `fetch --env` verifies them.
  auto manifest = s.manifest("production");
  CHECK(manifest.at("entries").at(0).at("artifacts").at(0).at("sha256").as_string() == digest23);
  s.ok(s.agent, "keys --save keys.json");
  const CliRun fetched =
      s.cli(s.agent, "--keys keys.json fetch --env production payments/app.tar -o fetched.tar");
  REQUIRE_MESSAGE(fetched.exit_code == 0, (fetched.out + fetched.err));
  CHECK(read_file(s.file("fetched.tar")) == kRelease23);

  // The PIR (by a change manager, not the tester) closes the release; show lists it passed.
  s.refused(s.tester, "release gate " + rel + " pir --verdict pass", 1, 403, "gate-role");
  s.ok(s.cm2, "release gate " + rel + " pir --verdict pass --notes 'no incidents'");
  auto shown = s.ok(s.rm, "release show " + rel);
  CHECK(shown.at("gates").at("pir").at("status").as_string() == "passed");
  CHECK(shown.at("environments").as_array().size() == 4);
  const CliRun readable = s.cli(s.rm, "release show " + rel, "/dev/null", false);
  CHECK(readable.exit_code == 0);
  CHECK(contains(readable.out, "digest: " + std::string(shown.at("digest").as_string())));
  CHECK(contains(readable.out, "pir "));
  CHECK(contains(readable.out, "deployed in: production"));

  // Separation of duties by person: whoever created a release cannot approve its
  // implementation, whichever of their tokens they use; admin approves nothing at all.
  const std::string boss_rm = mint_token(s.admin, "boss", "release_manager");
  auto own = s.ok(boss_rm,
                  "release create --name own --version 1 --type delta --category "
                  "scheduled");
  const std::string own_id(own.at("id").as_string());
  auto own_before = s.snapshot(own_id);
  s.refused(s.boss, "release gate " + own_id + " implementation_approval --verdict pass", 1, 403,
            "separation-of-duties");
  s.refused(s.admin_token, "release gate " + own_id + " implementation_approval --verdict pass", 1,
            403, "forbidden-role");
  CHECK(s.snapshot(own_id) == own_before);

  // The VDD, the master schedule and the KPIs of the period (CHECKs, not REQUIREs: the rest of
  // the scenario does not depend on them).
  const CliRun vdd = s.cli(s.rm, "release vdd " + rel + " --markdown -o vdd.md");
  CHECK_MESSAGE(vdd.exit_code == 0, (vdd.out + vdd.err));
  CHECK(contains(read_file(s.file("vdd.md")), digest23));
  const CliRun vdd_json = s.cli(s.rm, "release vdd " + rel);
  CHECK_MESSAGE(vdd_json.exit_code == 0, (vdd_json.out + vdd_json.err));
  CHECK(contains(vdd_json.out, digest23));
  const CliRun schedule = s.cli(s.rm, fmt::format("schedule --from {} --to {}", s.today, s.today));
  CHECK_MESSAGE(schedule.exit_code == 0, (schedule.out + schedule.err));
  CHECK(contains(schedule.out, "\"" + rel + "\""));
  const CliRun table = s.cli(s.rm, "schedule", "/dev/null", false);
  CHECK(contains(table.out, "rel-1    payments  2.3      scheduled  deployed  production   " +
                                s.today + "  " + s.today));
  CHECK(contains(table.out, "\nconflicts: "));
  const CliRun kpis = s.cli(s.rm, "kpis");
  CHECK_MESSAGE(kpis.exit_code == 0, (kpis.out + kpis.err));
  CHECK(kpis.out.starts_with("{"));
}

TEST_CASE("release scenario: a corrupted blob refuses promotion; back-out restores exactly") {
  Site s;
  s.push("2.3", kRelease23);
  const std::string digest24 = s.push("2.4", kRelease24);
  for (const char* version : {"2.3", "2.4"}) {
    auto created = s.ok(s.rm, fmt::format("release create --name payments --version {} --type "
                                          "delta --category scheduled",
                                          version));
    const std::string id(created.at("id").as_string());
    s.ok(s.rm, fmt::format("release add {} --ci payments --version {}", id, version));
    s.build_documents(id);
    s.ok(s.cm1, "release gate " + id + " trr --verdict pass");
  }
  s.ok(s.rm, "release promote rel-1 --env CINTE");
  const auto first = s.manifest("CINTE");
  CHECK(s.ok(s.rm, "release promote rel-2 --env CINTE").at("manifest_version") == 2);
  CHECK(s.manifest("CINTE").at("entries") != first.at("entries"));

  // Back-out of rel-1 is refused (rel-2 wrote the current manifest); rel-2's restores version 1.
  s.refused(s.rm, "release backout rel-1 --env CINTE", 1, 409, "not-current-release");
  auto backed = s.ok(s.rm, "release backout rel-2 --env CINTE");
  CHECK(backed.at("manifest_version") == 3);
  CHECK(backed.at("release").at("state").as_string() == "backed_out");
  const auto restored = s.manifest("CINTE");
  CHECK(restored.at("version") == 3);
  CHECK(restored.at("entries") == first.at("entries"));
  CHECK(restored.at("previous_version") == 2);

  // rel-2's blob rots on disk: promoting it again is refused (exit 3) and the blob quarantined.
  const std::string blob = fmt::format("{}/blobs/sha256/{}/{}/{}", s.server.data_dir(),
                                       digest24.substr(0, 2), digest24.substr(2, 2), digest24);
  REQUIRE(fs::exists(blob));
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  write_file(blob, "payments 2.4: rotten bytes\n");
  auto before = s.snapshot("rel-2");
  auto problem = s.refused(s.rm, "release promote rel-2 --env CINTE", 3, 409, "corrupt-blob");
  CHECK(contains(std::string(problem.at("detail").as_string()), digest24));
  CHECK(s.snapshot("rel-2") == before);
  CHECK(s.manifest("CINTE").at("version") == 3);
  CHECK(must(s.admin.request("GET", "/api/v1/artifacts/payments/2.4/app.tar")).status != 200);
}

TEST_CASE("release scenario: a freeze window stops production, not the emergency path") {
  const std::string today = format_date(SystemClock().now());
  Site s(fmt::format(R"([{{from = "{}", to = "{}", reason = "e2e freeze"}}])", today, today));
  s.push("2.3", kRelease23);
  // An approved RFC per release: the emergency release needs one of category emergency.
  std::vector<std::string> rfcs;
  for (const char* category : {"normal", "emergency"}) {
    const std::string rfc(s.ok(s.cm1, fmt::format("rfc create --title 'Payments 2.3' --ci payments "
                                                  "--risk high --category {}",
                                                  category))
                              .at("id")
                              .as_string());
    s.ok(s.cm1, "rfc submit " + rfc);
    s.ok(s.cm2, "rfc approve " + rfc);
    rfcs.push_back(rfc);
  }
  for (const auto& [category, rfc] :
       {std::pair{"scheduled", rfcs[0]}, std::pair{"emergency", rfcs[1]}}) {
    const std::string id(s.ok(s.rm, fmt::format("release create --name payments --version 2.3 "
                                                "--type delta --category {} --rfc {}",
                                                category, rfc))
                             .at("id")
                             .as_string());
    s.ok(s.rm, "release add " + id + " --ci payments --version 2.3");
    s.build_documents(id);
    s.ok(s.cm1, "release gate " + id + " trr --verdict pass");
    s.ok(s.rm, "release promote " + id + " --env CINTE");
    s.ok(s.tester, "release gate " + id + " tests:CINTE --verdict pass");
    s.ok(s.boss, "release gate " + id + " implementation_approval --verdict pass");
  }

  // rel-1 (scheduled) meets every production gate; only the freeze window stands in the way.
  for (const char* next : {"SIT", "SAT"}) {
    s.ok(s.rm, fmt::format("release promote rel-1 --env {}", next));
    s.ok(s.tester, fmt::format("release gate rel-1 tests:{} --verdict pass", next));
  }
  s.ok(s.biz, "release gate rel-1 uat --verdict pass");
  s.ok(s.cm1, "release gate rel-1 rrr --verdict pass --date " + today);
  auto before = s.snapshot("rel-1");
  auto frozen = s.refused(s.rm, "release promote rel-1 --env production", 4, 409, "gates-unmet");
  CHECK(unmet_of(frozen) == std::vector<std::string>{"freeze freeze-window"});
  CHECK(s.snapshot("rel-1") == before);

  // rel-2 (emergency) skips SIT and SAT, needs two distinct change managers, ignores the freeze.
  // Its PIR is too early before production.
  s.refused(s.cm2, "release gate rel-2 pir --verdict pass", 1, 409, "gate-too-early");
  s.refused(s.rm, "release promote rel-2 --env SIT", 1, 409, "not-on-path");
  s.ok(s.cm1, "release gate rel-2 emergency_approval --verdict pass");
  s.refused(s.cm1, "release gate rel-2 emergency_approval --verdict pass", 1, 409,
            "duplicate-approval");
  before = s.snapshot("rel-2");
  auto one = s.refused(s.rm, "release promote rel-2 --env production", 4, 409, "gates-unmet");
  CHECK(unmet_of(one) == std::vector<std::string>{"emergency_approval too-few-approvers"});
  CHECK(s.snapshot("rel-2") == before);
  s.ok(s.cm2, "release gate rel-2 emergency_approval --verdict pass");
  auto emergency = s.ok(s.rm, "release promote rel-2 --env production");
  CHECK(emergency.at("release").at("state").as_string() == "deployed");

  // Its PIR is now due (in [emergency] pir_due_days), not yet overdue; recording it is possible.
  auto overdue = s.http(s.admin, "GET", "/api/v1/reports/overdue-pirs");
  CHECK(overdue.at("items").as_array().empty());
  const auto metrics = must(s.admin.request("GET", "/metrics"));
  CHECK(contains(metrics.body, "\ntollgate_pir_overdue 0\n"));
  auto pir = s.ok(s.cm2, "release gate rel-2 pir --verdict pass");
  CHECK(pir.at("gates").at("pir").at("status").as_string() == "passed");
}

TEST_CASE("release scenario: corrections with the CLI are kept, audited, and end at production") {
  Site s;
  s.push("2.3", kRelease23);
  auto created = s.ok(s.rm,
                      "release create --name payments --version 2.3 --type delta --category "
                      "scheduled --planned SIT=2027-01-10 --planned production=2027-02-01");
  const std::string id(created.at("id").as_string());
  s.ok(s.rm, "release add " + id + " --ci payments --version 2.3");

  auto moved =
      s.ok(s.rm, "release reschedule " + id +
                     " --planned SIT=2027-01-17 --planned production=none --note 'a week'");
  CHECK(moved.at("planned") == json::parse(R"({"SIT":"2027-01-17"})"));
  s.refused(s.rm, "release link " + id + " --rfc rfc-404", 1, 400, "unknown-rfc");
  s.http(s.admin, "POST", "/api/v1/releases/" + id + "/known-errors", R"({"summary":"slow start"})",
         201);
  auto resolved = s.ok(s.tester, "release resolve " + id + " ke-1 --resolution 'fixed in 2.3.1'");
  CHECK(resolved.at("known_errors").as_array()[0].at("resolved") == true);
  auto removed = s.ok(s.rm, "release remove " + id + " --ci payments --note 'not ready'");
  CHECK(removed.at("items").as_array().empty());
  const CliRun readable = s.cli(s.rm, "release show " + id, "/dev/null", false);
  CHECK(contains(readable.out, "resolved by tess: fixed in 2.3.1"));
  CHECK(contains(readable.out, "remove-item"));

  auto cancelled = s.ok(s.rm, "release cancel " + id + " --note 'superseded'");
  CHECK(cancelled.at("state") == "cancelled");
  s.refused(s.rm, "release add " + id + " --ci payments --version 2.3", 1, 409,
            "release-cancelled");
  const auto actions = cancelled.at("corrections").as_array();
  std::vector<std::string> kinds;
  for (const auto& c : actions) kinds.emplace_back(c.at("action").as_string());
  CHECK(kinds ==
        std::vector<std::string>{"reschedule", "resolve-known-error", "remove-item", "cancel"});
  // Each correction is an audit entry naming the release and saying what changed.
  auto log = s.http(s.admin, "GET", "/api/v1/audit-log?target=/api/v1/releases/" + id);
  std::vector<std::string> summaries;
  for (const auto& e : log.at("items").as_array())
    if (e.at("outcome") == "committed") summaries.emplace_back(e.at("summary").as_string());
  CHECK(std::find(summaries.begin(), summaries.end(), "cancelled release " + id + ": superseded") !=
        summaries.end());
  CHECK(std::find(summaries.begin(), summaries.end(), "removed payments 2.3 from release " + id) !=
        summaries.end());
}
