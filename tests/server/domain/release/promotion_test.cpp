// Promotion through the environments, the emergency path, freeze windows, back-out, manifests
// and overdue PIRs, through the router with a settable clock.
#include "server/domain/release/promotion.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/app_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::kStart;

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

std::string type_of(const Response& r) { return std::string(body_of(r).at("type").as_string()); }

// The unmet requirements of a refused promotion as "gate reason" strings.
std::vector<std::string> unmet_of(const Response& r) {
  std::vector<std::string> out;
  const json::object body = body_of(r);
  for (const auto& u : body.at("unmet").as_array())
    out.push_back(std::string(u.at("gate").as_string()) + " " +
                  std::string(u.at("reason").as_string()));
  return out;
}

std::string header_of(const Response& r, const std::string& name) {
  for (const auto& [key, value] : r.headers)
    if (key == name) return value;
  return "<none>";
}

// A vault commit's subject (its trailers tie it to a vault intent).
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

struct Promo : testing::AppFixture {
  std::string rm = token_with(Role::release_manager, "rm");
  std::string payload = "payments build 2.3\n";
  std::string digest;

  Promo() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})").status ==
            201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"payments","type":"service","name":"Payments","attributes":{}})")
                .status == 201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"ledger","type":"service","name":"Ledger","attributes":{}})")
                .status == 201);
    digest = put_artifact("payments", "2.3", "app.tar", payload);
    put_artifact("payments", "2.4", "app.tar", "payments build 2.4\n");
    put_artifact("ledger", "1.0", "ledger.jar", "ledger 1.0\n");
    store_rfc("rfc-1", RfcState::approved);
    store_rfc("rfc-e", RfcState::approved, "emergency");
  }

  std::string put_artifact(const std::string& ci, const std::string& version,
                           const std::string& file, const std::string& content) {
    const std::string sha = testing::sha256_of(content);
    auto r = call("PUT", "/api/v1/artifacts/" + ci + "/" + version + "/" + file, content,
                  "use-admin", {{"x-checksum-sha256", sha}});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return sha;
  }

  void store_rfc(const std::string& id, RfcState state, const std::string& category = "normal") {
    Rfc rfc;
    rfc.id = id;
    rfc.title = "change " + id;
    rfc.category = category;
    rfc.cis = {"ledger", "payments"};
    rfc.state = state;
    rfc.created_by = "cm";
    rfc.created_at = kStart;
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  txn.put(storage::Table::rfcs, id, json::serialize(rfc.to_record()));
                  return Status();
                })
                .ok());
  }

  void add_item(Release& release, const std::string& ci, const std::string& version) {
    ReleaseItem item{ci, version, {}, "rm", kStart};
    auto files = app->artifacts.files(ci, version, PageRequest{});
    REQUIRE(files.ok());
    for (const auto& a : files->items)
      item.artifacts.push_back({a.coordinate.file, a.sha256, a.size, a.coordinate.file});
    std::erase_if(release.items, [&](const ReleaseItem& i) { return i.ci == ci; });
    release.items.push_back(std::move(item));
    std::sort(release.items.begin(), release.items.end(),
              [](const auto& a, const auto& b) { return a.ci < b.ci; });
  }

  // A release of payments 2.3 (or `version`) with the three build documents and rfc-1.
  void make_release(const std::string& id, ReleaseCategory category = ReleaseCategory::scheduled,
                    const std::string& version = "2.3") {
    Release r;
    r.id = id;
    r.name = "payments";
    r.version = version;
    r.category = category;
    r.rfcs = {category == ReleaseCategory::emergency ? "rfc-e" : "rfc-1"};
    add_item(r, "payments", version);
    for (const char* kind : {"build_instructions", "test_plan", "backout_procedure"})
      r.documents.push_back({kind, std::string(kind) + ".md", "releases/" + id + "/" + kind,
                             std::string(40, 'a'), std::string(40, 'b'), "rm", kStart, ""});
    r.created_by = "rm";
    r.created_at = kStart;
    save(r);
  }

  void gate(const std::string& id, const std::string& name, const std::string& actor,
            std::optional<std::string> date = std::nullopt, const std::string& verdict = "pass") {
    Release r = load(id);
    r.gates.push_back(
        {name, verdict, "", std::nullopt, std::move(date), r.digest(), actor, clock.now()});
    save(r);
  }

  // Records what entering `env` needs on the normal path.
  void pass_for(const std::string& id, const std::string& env) {
    if (env == "CINTE") gate(id, "trr", "cm");
    if (env == "SIT") gate(id, "tests:CINTE", "tester");
    if (env == "SAT") gate(id, "tests:SIT", "tester");
    if (env == "production") {
      gate(id, "tests:SAT", "tester");
      gate(id, "uat", "tester");
      gate(id, "rrr", "cm", format_date(clock.now()));
      gate(id, "implementation_approval", "admin");
    }
  }

  Response promote(const std::string& id, const std::string& env, const std::string& token = "") {
    return call("POST", "/api/v1/releases/" + id + "/promote",
                R"({"environment":")" + env + R"("})", token.empty() ? rm : token);
  }
  Response backout(const std::string& id, const std::string& env, const std::string& token = "") {
    return call("POST", "/api/v1/releases/" + id + "/backout",
                R"({"environment":")" + env + R"("})", token.empty() ? rm : token);
  }

  void promote_ok(const std::string& id, const std::string& env) {
    pass_for(id, env);
    auto r = promote(id, env);
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }

  json::object manifest(const std::string& env, const std::string& query = "") {
    auto r = call("GET", "/api/v1/environments/" + env + "/manifest" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }

  std::uint64_t manifest_count() { return count(storage::Table::manifests); }

  // A refusal changed nothing: no manifest, no environment event, no vault file.
  void check_unchanged(const std::string& id, std::uint64_t manifests, std::size_t events,
                       const std::string& env) {
    CHECK(manifest_count() == manifests);
    CHECK(load(id).environments.size() == events);
    if (manifests == 0) CHECK_FALSE(vault->read(manifest_vault_path(env)).ok());
  }
};

TEST_CASE("promotion: a release goes CINTE -> SIT -> SAT -> production, signed and in the vault") {
  Promo f;
  f.make_release("rel-1");
  for (const char* env : {"CINTE", "SIT", "SAT", "production"}) {
    f.pass_for("rel-1", env);
    auto r = f.promote("rel-1", env);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto body = body_of(r);
    CHECK(body.at("environment").as_string() == env);
    CHECK(body.at("manifest_version").as_int64() == 1);
    CHECK(body.at("release").at("id").as_string() == "rel-1");

    auto m = f.manifest(env);
    CHECK(m.at("version").as_int64() == 1);
    CHECK(m.at("previous_version").as_int64() == 0);
    CHECK(m.at("action").as_string() == "promote");
    CHECK(m.at("release").as_string() == "rel-1");
    CHECK(m.at("created_by").as_string() == "rm");
    const auto& entries = m.at("entries").as_array();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].at("ci").as_string() == "payments");
    CHECK(entries[0].at("version").as_string() == "2.3");
    CHECK(entries[0].at("release").as_string() == "rel-1");
    CHECK(entries[0].at("artifacts").at(0).at("sha256").as_string() == f.digest);
    CHECK(entries[0].at("artifacts").at(0).at("size").as_int64() ==
          static_cast<std::int64_t>(f.payload.size()));
    CHECK(m.at("signature").at("algorithm").as_string() == "ed25519");
    CHECK_MESSAGE(f.app->signer.verify(m).ok(), json::serialize(m));
    json::object tampered = m;
    tampered["version"] = 7;
    CHECK_FALSE(f.app->signer.verify(tampered).ok());

    // The vault holds the version as stored, committed by the promoter.
    auto stored = f.vault->read(manifest_vault_path(env));
    REQUIRE(stored.ok());
    auto in_vault = json::parse(*stored).as_object();
    CHECK(in_vault.at("version").as_int64() == 1);
    CHECK(f.app->signer.verify(in_vault).ok());
    auto history = f.vault->history(manifest_vault_path(env));
    REQUIRE(history.ok());
    REQUIRE(history->size() == 1);
    CHECK(history->front().author.name == "rm");
    CHECK(first_line(history->front().message) ==
          std::string("Promote rel-1 (payments 2.3) to ") + env);
  }
  Release rel = f.load("rel-1");
  REQUIRE(rel.environments.size() == 4);
  CHECK(rel.environments.back().environment == "production");
  CHECK(rel.environments.back().action == "promote");
  CHECK(rel.environments.back().manifest_version == 1);
  CHECK(rel.current_environment() == "production");

  auto list = body_of(f.call("GET", "/api/v1/environments"));
  REQUIRE(list.at("items").as_array().size() == 4);
  CHECK(list.at("order").at(3).as_string() == "production");
  CHECK(list.at("items").at(3).at("version").as_int64() == 1);
  CHECK(list.at("items").at(3).at("release").as_string() == "rel-1");
  CHECK(list.at("items").at(3).at("promoted_at").as_string() == format_rfc3339(kStart));

  // Promoting again where it already is.
  auto again = f.promote("rel-1", "SAT");
  CHECK(again.status == 409);
  CHECK(type_of(again) == "urn:tollgate:problem:already-promoted");
}

TEST_CASE("promotion: the stored manifest expires after the validity; GET re-signs the current") {
  Promo f;
  f.make_release("rel-1");
  f.promote_ok("rel-1", "CINTE");
  f.clock.advance(10 * kMicrosPerDay);
  auto current = f.manifest("CINTE");
  CHECK(current.at("created_at").as_string() == format_rfc3339(kStart));
  CHECK(current.at("expires_at").as_string() ==
        format_rfc3339(kStart + 10 * kMicrosPerDay + 168 * 3600 * kMicrosPerSecond));
  CHECK(f.app->signer.verify(current).ok());
  auto stored = f.manifest("CINTE", "?version=1");
  CHECK(stored.at("expires_at").as_string() ==
        format_rfc3339(kStart + 168 * 3600 * kMicrosPerSecond));
  CHECK(f.app->signer.verify(stored).ok());
  auto empty = f.manifest("SIT");
  CHECK(empty.at("version").as_int64() == 0);
  CHECK(empty.at("entries").as_array().empty());
  CHECK(f.app->signer.verify(empty).ok());
  CHECK(f.call("GET", "/api/v1/environments/CINTE/manifest?version=9").status == 404);
  // Only versions that exist: no freshly signed empty "version 0" on request.
  CHECK(f.call("GET", "/api/v1/environments/production/manifest?version=0").status == 404);
  CHECK(f.call("GET", "/api/v1/environments/CINTE/manifest?version=x").status == 400);
  CHECK(type_of(f.call("GET", "/api/v1/environments/staging/manifest")) ==
        "urn:tollgate:problem:unknown-environment");
}

TEST_CASE("promotion: every unmet gate is listed at once and nothing changes") {
  Promo f;
  Release bare;
  bare.id = "rel-1";
  bare.name = "payments";
  bare.version = "2.3";
  bare.created_by = "rm";
  f.add_item(bare, "payments", "2.3");
  f.save(bare);
  auto r = f.promote("rel-1", "CINTE");
  CHECK(r.status == 409);
  CHECK(type_of(r) == "urn:tollgate:problem:gates-unmet");
  const auto unmet = unmet_of(r);
  CHECK(unmet.size() == 4);
  CHECK(contains(unmet, "trr missing"));
  CHECK(contains(unmet, "document:build_instructions missing-document"));
  CHECK(contains(unmet, "document:test_plan missing-document"));
  CHECK(contains(unmet, "document:backout_procedure missing-document"));
  f.check_unchanged("rel-1", 0, 0, "CINTE");

  SUBCASE("a failed gate is named as failed") {
    f.make_release("rel-1");
    f.gate("rel-1", "trr", "cm", std::nullopt, "fail");
    auto failed = f.promote("rel-1", "CINTE");
    CHECK(unmet_of(failed) == std::vector<std::string>{"trr failed"});
  }
  SUBCASE("production lists each missing gate, the RFC and nothing that holds") {
    f.store_rfc("rfc-1", RfcState::submitted);
    f.make_release("rel-1");
    for (const char* env : {"CINTE", "SIT", "SAT"}) f.promote_ok("rel-1", env);
    auto prod = f.promote("rel-1", "production");
    CHECK(prod.status == 409);
    const auto missing = unmet_of(prod);
    CHECK(missing == std::vector<std::string>{"tests:SAT missing", "uat missing", "rrr missing",
                                              "rfc rfc-not-approved",
                                              "implementation_approval missing"});
    f.check_unchanged("rel-1", 3, 3, "production");
    CHECK_FALSE(f.vault->read(manifest_vault_path("production")).ok());
  }
}

TEST_CASE("promotion: skipping an environment is refused, after a back-out too") {
  Promo f;
  f.make_release("rel-1");
  f.promote_ok("rel-1", "CINTE");
  f.gate("rel-1", "tests:SIT", "tester");
  auto r = f.promote("rel-1", "SAT");
  CHECK(r.status == 409);
  CHECK(type_of(r) == "urn:tollgate:problem:skipped-environment");
  CHECK(unmet_of(r) == std::vector<std::string>{"environment:SIT skipped-environment"});
  f.check_unchanged("rel-1", 1, 1, "SAT");

  f.promote_ok("rel-1", "SIT");
  REQUIRE(f.backout("rel-1", "SIT").status == 200);
  auto after = f.promote("rel-1", "SAT");
  CHECK(type_of(after) == "urn:tollgate:problem:skipped-environment");
}

TEST_CASE("promotion: a content change makes passed gates stale") {
  Promo f;
  f.make_release("rel-1");
  f.gate("rel-1", "trr", "cm");
  Release changed = f.load("rel-1");
  f.add_item(changed, "ledger", "1.0");
  f.save(changed);
  auto r = f.promote("rel-1", "CINTE");
  CHECK(r.status == 409);
  CHECK(unmet_of(r) == std::vector<std::string>{"trr stale"});
  f.check_unchanged("rel-1", 0, 0, "CINTE");
  f.gate("rel-1", "trr", "cm");
  REQUIRE(f.promote("rel-1", "CINTE").status == 200);
  CHECK(f.manifest("CINTE").at("entries").as_array().size() == 2);
}

TEST_CASE("promotion: production inside a freeze window only for emergencies") {
  Promo f;
  f.config.freeze_windows = {{"2026-12-01", "2026-12-03", "year end"}};
  f.make_release("rel-1");
  for (const char* env : {"CINTE", "SIT", "SAT"}) f.promote_ok("rel-1", env);
  f.pass_for("rel-1", "production");
  auto r = f.promote("rel-1", "production");
  CHECK(r.status == 409);
  CHECK(unmet_of(r) == std::vector<std::string>{"freeze freeze-window"});
  CHECK(body_of(r).at("unmet").at(0).at("detail").as_string().find("year end") !=
        std::string::npos);
  f.check_unchanged("rel-1", 3, 3, "production");

  f.make_release("rel-2", ReleaseCategory::emergency, "2.4");
  f.promote_ok("rel-2", "CINTE");
  f.gate("rel-2", "tests:CINTE", "tester");
  f.gate("rel-2", "emergency_approval", "cm1");
  f.gate("rel-2", "emergency_approval", "cm2");
  f.gate("rel-2", "implementation_approval", "admin");
  auto emergency = f.promote("rel-2", "production");
  CHECK_MESSAGE(emergency.status == 200, emergency.body);

  f.clock.set(*parse_date("2026-12-04"));  // the day after the window
  f.gate("rel-1", "rrr", "cm", "2026-12-04");
  CHECK(f.promote("rel-1", "production").status == 200);
}

TEST_CASE("promotion: production needs today within the RRR's implementation window") {
  Promo f;
  f.make_release("rel-1");
  for (const char* env : {"CINTE", "SIT", "SAT"}) f.promote_ok("rel-1", env);
  f.pass_for("rel-1", "production");
  f.gate("rel-1", "rrr", "cm", "2026-12-05");
  auto early = f.promote("rel-1", "production");
  CHECK(unmet_of(early) == std::vector<std::string>{"rrr before-implementation-date"});

  f.gate("rel-1", "rrr", "cm", "2026-11-23");  // 8 days before today: past the 7-day window
  auto late = f.promote("rel-1", "production");
  CHECK(unmet_of(late) == std::vector<std::string>{"rrr implementation-window-passed"});
  f.check_unchanged("rel-1", 3, 3, "production");

  f.gate("rel-1", "rrr", "cm", "2026-11-24");  // the window's last day
  CHECK(f.promote("rel-1", "production").status == 200);

  SUBCASE("an RRR without a date counts from the day it was recorded") {
    f.make_release("rel-2", ReleaseCategory::scheduled, "2.4");
    for (const char* env : {"CINTE", "SIT", "SAT"}) f.promote_ok("rel-2", env);
    f.pass_for("rel-2", "production");
    f.gate("rel-2", "rrr", "cm");
    f.clock.advance(8 * kMicrosPerDay);
    CHECK(unmet_of(f.promote("rel-2", "production")) ==
          std::vector<std::string>{"rrr implementation-window-passed"});
  }
}

TEST_CASE("promotion: production needs a linked RFC that is approved") {
  Promo f;
  f.make_release("rel-1");
  for (const char* env : {"CINTE", "SIT", "SAT"}) f.promote_ok("rel-1", env);
  f.pass_for("rel-1", "production");
  Release r = f.load("rel-1");
  r.rfcs = {"rfc-1", "rfc-2", "rfc-9"};
  f.save(r);
  f.store_rfc("rfc-2", RfcState::rejected);
  auto refused = f.promote("rel-1", "production");
  CHECK(unmet_of(refused) == std::vector<std::string>{"rfc rfc-not-approved", "rfc rfc-unknown"});
  r.rfcs.clear();
  f.save(r);
  CHECK(unmet_of(f.promote("rel-1", "production")) == std::vector<std::string>{"rfc no-rfc"});
  f.check_unchanged("rel-1", 3, 3, "production");
  // A closed RFC, or one about other CIs, authorises nothing.
  r.rfcs = {"rfc-1"};
  f.save(r);
  f.store_rfc("rfc-1", RfcState::closed);
  CHECK(unmet_of(f.promote("rel-1", "production")) ==
        std::vector<std::string>{"rfc rfc-not-approved"});
  Rfc other;
  other.id = "rfc-1";
  other.title = "about the ledger only";
  other.category = "normal";
  other.state = RfcState::approved;
  other.cis = {"ledger"};
  f.put_record(storage::Table::rfcs, "rfc-1", json::serialize(other.to_record()));
  CHECK(unmet_of(f.promote("rel-1", "production")) ==
        std::vector<std::string>{"rfc ci-not-covered"});
  f.check_unchanged("rel-1", 3, 3, "production");
  f.store_rfc("rfc-1", RfcState::implemented);
  CHECK(f.promote("rel-1", "production").status == 200);
}

TEST_CASE("promotion: an emergency release needs an emergency RFC") {
  Promo f;
  f.make_release("rel-1", ReleaseCategory::emergency);
  Release r = f.load("rel-1");
  r.rfcs = {"rfc-1"};  // a normal RFC
  f.save(r);
  f.promote_ok("rel-1", "CINTE");
  f.gate("rel-1", "tests:CINTE", "tester");
  f.gate("rel-1", "implementation_approval", "boss");
  f.gate("rel-1", "emergency_approval", "cm1");
  f.gate("rel-1", "emergency_approval", "cm2");
  CHECK(unmet_of(f.promote("rel-1", "production")) ==
        std::vector<std::string>{"rfc rfc-not-emergency"});
}

TEST_CASE("promotion: emergency releases take the short path with two distinct approvers") {
  Promo f;
  f.make_release("rel-1", ReleaseCategory::emergency);
  f.promote_ok("rel-1", "CINTE");
  auto sit = f.promote("rel-1", "SIT");
  CHECK(sit.status == 409);
  CHECK(type_of(sit) == "urn:tollgate:problem:not-on-path");
  f.gate("rel-1", "tests:CINTE", "tester");
  f.gate("rel-1", "implementation_approval", "admin");
  f.gate("rel-1", "emergency_approval", "cm1");
  f.gate("rel-1", "emergency_approval", "cm1");
  auto one = f.promote("rel-1", "production");
  CHECK(unmet_of(one) == std::vector<std::string>{"emergency_approval too-few-approvers"});
  f.check_unchanged("rel-1", 1, 1, "production");
  f.gate("rel-1", "emergency_approval", "cm2");
  auto r = f.promote("rel-1", "production");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(f.load("rel-1").current_environment() == "production");
}

// What the server does each minute (server/main.cpp): the gauge /metrics reads.
void refresh_gauge(Promo& f) {
  auto overdue = f.app->promotion.count_overdue_pirs();
  REQUIRE(overdue.ok());
  f.metrics.set_pirs_overdue(*overdue);
}

TEST_CASE("promotion: an emergency release's overdue PIR is listed and exported") {
  Promo f;
  f.make_release("rel-1", ReleaseCategory::emergency);
  f.promote_ok("rel-1", "CINTE");
  f.gate("rel-1", "tests:CINTE", "tester");
  f.gate("rel-1", "implementation_approval", "admin");
  f.gate("rel-1", "emergency_approval", "cm1");
  f.gate("rel-1", "emergency_approval", "cm2");
  REQUIRE(f.promote("rel-1", "production").status == 200);

  auto overdue = [&] {
    return body_of(f.call("GET", "/api/v1/reports/overdue-pirs")).at("items").as_array();
  };
  f.clock.advance(5 * kMicrosPerDay);
  CHECK(overdue().empty());
  refresh_gauge(f);
  CHECK(f.call("GET", "/metrics").body.find("\ntollgate_pir_overdue 0\n") != std::string::npos);
  f.clock.advance(1);
  REQUIRE(overdue().size() == 1);
  CHECK(overdue()[0].at("release").as_string() == "rel-1");
  CHECK(overdue()[0].at("due_at").as_string() == format_rfc3339(kStart + 5 * kMicrosPerDay));
  CHECK(f.call("GET", "/metrics").body.find("\ntollgate_pir_overdue 0\n") != std::string::npos);
  refresh_gauge(f);  // a scrape reads the gauge; the server refreshes it each minute
  CHECK(f.call("GET", "/metrics").body.find("\ntollgate_pir_overdue 1\n") != std::string::npos);
  f.gate("rel-1", "pir", "cm1");
  CHECK(overdue().empty());
}

TEST_CASE("promotion: a corrupted blob refuses the promotion and is quarantined") {
  Promo f;
  f.make_release("rel-1");
  f.gate("rel-1", "trr", "cm");
  const fs::path path = fs::path(f.dir.str()) / "blobs" / "sha256" / f.digest.substr(0, 2) /
                        f.digest.substr(2, 2) / f.digest;
  REQUIRE(fs::exists(path));
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "payments build 2.3 tampered\n";
  }
  auto r = f.promote("rel-1", "CINTE");
  CHECK(r.status == 409);
  CHECK(type_of(r) == "urn:tollgate:problem:corrupt-blob");
  f.check_unchanged("rel-1", 0, 0, "CINTE");
  auto quarantined = f.blobs->quarantined();
  REQUIRE(quarantined.ok());
  CHECK(*quarantined == std::vector<std::string>{f.digest});
  // Still refused: the bytes are gone from service.
  CHECK(type_of(f.promote("rel-1", "CINTE")) == "urn:tollgate:problem:corrupt-blob");
}

TEST_CASE("back-out restores exactly the previous manifest's entries") {
  Promo f;
  f.make_release("rel-1");
  f.promote_ok("rel-1", "CINTE");
  f.make_release("rel-2", ReleaseCategory::scheduled, "2.4");
  Release two = f.load("rel-2");
  f.add_item(two, "ledger", "1.0");
  f.save(two);
  f.promote_ok("rel-2", "CINTE");
  const auto v1 = f.manifest("CINTE", "?version=1");
  const auto v2 = f.manifest("CINTE", "?version=2");
  CHECK(v2.at("entries").as_array().size() == 2);
  CHECK(v2.at("previous_version").as_int64() == 1);

  auto wrong = f.backout("rel-1", "CINTE");
  CHECK(wrong.status == 409);
  CHECK(type_of(wrong) == "urn:tollgate:problem:not-current-release");
  CHECK(f.manifest_count() == 2);
  CHECK(f.call("POST", "/api/v1/releases/rel-2/backout", R"({"environment":"CINTE","x":1})", f.rm)
            .status == 400);
  CHECK(f.backout("rel-2", "CINTE", f.token_with(Role::tester, "tess")).status == 403);
  CHECK(f.manifest_count() == 2);

  auto r = f.backout("rel-2", "CINTE");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(body_of(r).at("manifest_version").as_int64() == 3);
  auto v3 = f.manifest("CINTE");
  CHECK(v3.at("version").as_int64() == 3);
  CHECK(v3.at("previous_version").as_int64() == 2);
  CHECK(v3.at("action").as_string() == "backout");
  CHECK(v3.at("release").as_string() == "rel-2");
  CHECK(v3.at("entries") == v1.at("entries"));
  CHECK(f.app->signer.verify(v3).ok());
  Release backed = f.load("rel-2");
  CHECK(backed.backed_out_of("CINTE"));
  CHECK(backed.environments.back().action == "backout");
  CHECK(backed.environments.back().manifest_version == 3);
  auto history = f.vault->history(manifest_vault_path("CINTE"));
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK(first_line(history->front().message) == "Back out rel-2 (payments 2.4) from CINTE");
  // A back-out cannot itself be backed out.
  CHECK(type_of(f.backout("rel-2", "CINTE")) == "urn:tollgate:problem:not-current-release");

  SUBCASE("backing out an environment's first version leaves it empty") {
    f.gate("rel-2", "tests:CINTE", "tester");
    REQUIRE(f.backout("rel-2", "CINTE").status == 409);  // rel-2 was backed out of CINTE
    f.promote_ok("rel-1", "SIT");
    REQUIRE(f.backout("rel-1", "SIT").status == 200);
    auto sit = f.manifest("SIT");
    CHECK(sit.at("version").as_int64() == 2);
    CHECK(sit.at("entries").as_array().empty());
    CHECK(f.call("GET", "/api/v1/environments/SIT/artifacts/payments/app.tar").status == 404);
  }
}

TEST_CASE("back-out of an earlier environment keeps later history; production stays frozen") {
  Promo f;
  f.make_release("rel-1");
  for (const char* env : {"CINTE", "SIT", "SAT", "production"}) f.promote_ok("rel-1", env);
  REQUIRE(f.backout("rel-1", "SAT").status == 200);
  Release r = f.load("rel-1");
  CHECK(r.was_in("production"));
  CHECK(r.current_environment() == std::optional<std::string>("production"));
  CHECK(r.environments.size() == 5);  // four promotions and the back-out, none erased

  auto item =
      f.call("POST", "/api/v1/releases/rel-1/items", R"({"ci":"payments","version":"2.4"})", f.rm);
  CHECK(item.status == 409);
  CHECK(type_of(item) == "urn:tollgate:problem:release-deployed");
  // Out of production too: what ran there stays the record of what ran there.
  REQUIRE(f.backout("rel-1", "production").status == 200);
  item =
      f.call("POST", "/api/v1/releases/rel-1/items", R"({"ci":"payments","version":"2.4"})", f.rm);
  CHECK(type_of(item) == "urn:tollgate:problem:release-deployed");
  CHECK(f.load("rel-1").items.at(0).version == "2.3");
}

TEST_CASE("promotion: roles, environments and request bodies") {
  Promo f;
  f.make_release("rel-1");
  f.gate("rel-1", "trr", "cm");
  auto tester = f.promote("rel-1", "CINTE", f.token_with(Role::tester, "tess"));
  CHECK(tester.status == 403);
  CHECK(type_of(tester) == "urn:tollgate:problem:forbidden-role");
  auto cm = f.promote("rel-1", "CINTE", f.token_with(Role::change_manager, "cm"));
  CHECK(cm.status == 403);
  auto limited = f.mint("sit-only", {Role::release_manager}, {"SIT"});
  auto other_env = f.promote("rel-1", "CINTE", limited.token);
  CHECK(other_env.status == 403);
  CHECK(type_of(other_env) == "urn:tollgate:problem:environment-forbidden");
  CHECK(type_of(f.promote("rel-1", "staging")) == "urn:tollgate:problem:unknown-environment");
  CHECK(f.promote("rel-9", "CINTE").status == 404);
  CHECK(f.call("POST", "/api/v1/releases/rel-1/promote", R"({"environment":"CINTE","now":true})",
               f.rm)
            .status == 400);
  CHECK(f.call("POST", "/api/v1/releases/rel-1/promote", "{}", f.rm).status == 400);
  f.check_unchanged("rel-1", 0, 0, "CINTE");
  CHECK(f.promote("rel-1", "CINTE", f.admin).status == 200);
}

TEST_CASE("environments: the artifact route serves what the current manifest names") {
  Promo f;
  CHECK(f.call("GET", "/api/v1/environments/CINTE/artifacts/payments/app.tar").status == 404);
  f.make_release("rel-1");
  f.promote_ok("rel-1", "CINTE");
  auto r = f.call("GET", "/api/v1/environments/CINTE/artifacts/payments/app.tar");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(header_of(r, "X-Checksum-Sha256") == f.digest);
  CHECK(header_of(r, "X-Tollgate-Version") == "2.3");
  if (r.file)  // streamed from the blob file, or (small blobs) read into the body
    CHECK(r.file->length == f.payload.size());
  else
    CHECK(r.body == f.payload);
  CHECK(f.call("GET", "/api/v1/environments/CINTE/artifacts/payments/other.tar").status == 404);
  CHECK(f.call("GET", "/api/v1/environments/SIT/artifacts/payments/app.tar").status == 404);
}

TEST_CASE("environments: a token limited to environments reads only bytes deployed there") {
  Promo f;
  const std::string cinte = f.mint("agent-cinte", {Role::build_agent}, {"CINTE"}).token;
  const std::string sit = f.mint("agent-sit", {Role::build_agent}, {"SIT"}).token;
  const std::string anywhere = f.token_with(Role::build_agent, "agent");
  const std::string artifact = "/api/v1/artifacts/payments/2.3/app.tar";
  const std::string blob = "/api/v1/blobs/sha256:" + f.digest;
  auto refused = [&](const std::string& target, const std::string& token) {
    auto r = f.call("GET", target, "", token);
    CHECK(r.status == 403);
    CHECK(type_of(r) == "urn:tollgate:problem:environment-forbidden");
  };
  // Nothing is deployed anywhere yet: only the unlimited token reads.
  CHECK(f.call("GET", artifact, "", anywhere).status == 200);
  CHECK(f.call("GET", blob, "", anywhere).status == 200);
  refused(artifact, cinte);
  refused(blob, cinte);

  f.make_release("rel-1");
  f.promote_ok("rel-1", "CINTE");
  CHECK(f.call("GET", artifact, "", cinte).status == 200);
  CHECK(f.call("GET", blob, "", cinte).status == 200);
  refused(artifact, sit);
  refused(blob, sit);
  // Another version of the same CI is not deployed in CINTE.
  refused("/api/v1/artifacts/payments/2.4/app.tar", cinte);
  // Metadata stays readable; bytes are what the scope guards.
  CHECK(f.call("GET", "/api/v1/artifacts/payments", "", sit).status == 200);
}

}  // namespace
}  // namespace tollgate::server

namespace tollgate::server {
namespace {

Status load_policy(const std::string& toml) {
  testing::TempDir dir;
  const std::string path = dir.file("tollgate.toml");
  std::ofstream(path) << toml;
  Config config;
  TG_RETURN_IF_ERROR(load_config_file(path, config));
  return validate(config);
}

TEST_CASE("promotion policy: the config is parsed strictly") {
  Config config;
  CHECK(load_config_file(TOLLGATE_SOURCE_DIR "/conf/tollgate.toml", config).ok());
  CHECK(validate(config).ok());
  CHECK(config.environments.back() == "production");
  CHECK(config.promotion.gates.at("production").size() == 5);
  CHECK(config.emergency.pir_due_days == 5);

  CHECK(load_policy("[environments]\norder = [\"dev\", \"prod\"]\n[promotion.gates]\n"
                    "dev = [\"trr\"]\nprod = [\"tests:dev\", \"rfc\"]\n[emergency]\n"
                    "path = [\"prod\"]\n[emergency.gates]\nprod = [\"emergency_approval\"]\n")
            .ok());
  CHECK(load_policy("[freeze]\nwindows = [{from = \"2026-12-20\", to = \"2027-01-04\", "
                    "reason = \"year end\"}]\n")
            .ok());
  // Defaults naming environments the order no longer has.
  CHECK_FALSE(load_policy("[environments]\norder = [\"dev\", \"prod\"]\n").ok());
  CHECK_FALSE(load_policy("[promotion.gates]\nstaging = [\"trr\"]\n").ok());
  CHECK_FALSE(load_policy("[promotion.gates]\nSIT = [\"tests:staging\"]\n").ok());
  CHECK_FALSE(load_policy("[promotion.gates]\nSIT = [\"signoff\"]\n").ok());
  CHECK_FALSE(load_policy("[promotion.gates]\nSIT = [\"document:poem\"]\n").ok());
  CHECK_FALSE(load_policy("[emergency]\npath = [\"SAT\", \"CINTE\", \"production\"]\n").ok());
  CHECK_FALSE(load_policy("[emergency]\npath = [\"CINTE\", \"SAT\"]\n").ok());
  CHECK_FALSE(load_policy("[emergency.gates]\nSIT = [\"trr\"]\n").ok());
  CHECK_FALSE(load_policy("[environments]\norder = [\"SIT\", \"SIT\"]\n").ok());
  CHECK_FALSE(load_policy("[promotion]\nwindow = 3\n").ok());
  CHECK_FALSE(
      load_policy("[freeze]\nwindows = [{from = \"2027-01-04\", to = \"2026-12-20\"}]\n").ok());
  CHECK_FALSE(load_policy("[freeze]\nwindows = [{from = \"2026-12-20\", until = \"x\"}]\n").ok());
}

}  // namespace
}  // namespace tollgate::server
