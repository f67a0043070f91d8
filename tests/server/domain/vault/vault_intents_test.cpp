// One truth across the vault and the store: every change that writes both (promotion, back-out,
// baselines, release documents, the VDD) failed or crashed at each step, then restarted and
// reconciled. After each: `tollgated check` finds nothing, no manifest version is signed twice,
// and what the caller was told is what is stored.
#include "server/domain/vault/vault_intents.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "server/domain/release/vdd.hpp"
#include "server/domain/vault/vault_busy.hpp"
#include "server/ops/check.hpp"
#include "tests/storage/blob_test_support.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/file_modes_apply.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::FaultyKvStore;
using testing::SimulatedCrash;
using When = FaultyKvStore::When;

// Writes of one change through a vault intent: the intent, the record, the intent forgotten
// (after the tag, when there is one).
constexpr int kIntentWrite = 0;
constexpr int kRecordWrite = 1;
constexpr int kForgetWrite = 2;

struct Intents : testing::AppFixture {
  Principal rm{"rm", {Role::release_manager}, {}};
  Principal cm{"cm", {Role::change_manager}, {}};

  Intents() {
    config.environments = {"SIT", "production"};
    config.promotion.gates.clear();
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})").status ==
            201);
    REQUIRE(call("POST", "/api/v1/cis",
                 R"({"id":"payments","type":"service","name":"Payments","attributes":{}})")
                .status == 201);
    for (const char* version : {"1.0", "1.1", "1.2"}) {
      const std::string content = std::string("payments ") + version + "\n";
      auto r = call("PUT", std::string("/api/v1/artifacts/payments/") + version + "/app.tar",
                    content, "use-admin", {{"x-checksum-sha256", testing::sha256_of(content)}});
      REQUIRE_MESSAGE(r.status == 201, r.body);
    }
    for (const char* id : {"rel-1", "rel-2", "rel-3"}) make_release(id);
  }

  void make_release(const std::string& id) {
    const std::string version = "1." + std::string(1, static_cast<char>(id.back() - 1));
    Release r;
    r.id = id;
    r.name = "payments";
    r.version = version;
    ReleaseItem item{"payments", version, {}, "rm", testing::kStart};
    auto files = app->artifacts.files("payments", version, PageRequest{});
    REQUIRE(files.ok());
    for (const auto& a : files->items)
      item.artifacts.push_back({a.coordinate.file, a.sha256, a.size, a.coordinate.file});
    r.items.push_back(std::move(item));
    r.created_by = "rm";
    r.created_at = testing::kStart;
    save(r);
  }

  // The faults `tollgated check` reports, with its report on failure.
  std::size_t faults() {
    std::ostringstream out;
    std::size_t n = check_store(*store, out);
    n += check_vault(*store, *blobs, *vault, out);
    n += check_signed_documents(*store, *vault, signer->keys(), out);
    if (n != 0) MESSAGE(out.str());
    return n;
  }

  std::uint64_t intents() { return count(storage::Table::intents); }

  // The manifest version the store holds for `env`; 0 for none.
  std::uint64_t stored_version(const std::string& env) {
    std::uint64_t version = 0;
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  if (auto m = load_current_manifest(txn, env)) version = m->version;
                  return Status();
                })
                .ok());
    return version;
  }

  bool in(const std::string& id, const std::string& env) {
    const Release r = load(id);
    return r.current_environment() == env;
  }

  ReconcileReport restart_and_reconcile() {
    restart();
    auto report = app->intents.reconcile();
    REQUIRE_MESSAGE(report.ok(), report.status().message());
    return *report;
  }

  // Makes git refuse to move `ref` (a stale lock, as another writer would hold).
  fs::path lock_ref(const std::string& ref) {
    const fs::path lock = dir.path() / "vault.git" / (ref + ".lock");
    fs::create_directories(lock.parent_path());
    std::ofstream(lock) << "locked\n";
    return lock;
  }
};

struct CrashPoint {
  const char* name;
  When when;
  int skip;
  bool recorded;  // whether the change counts afterwards
};

constexpr CrashPoint kCrashPoints[] = {
    {"before the intent", When::crash_before, kIntentWrite, false},
    {"after the intent, before the vault commit", When::crash_after, kIntentWrite, false},
    {"after the vault commit, before the record", When::crash_before, kRecordWrite, false},
    {"after the record, before the tag", When::crash_after, kRecordWrite, true},
    {"after the tag, before the intent is forgotten", When::crash_before, kForgetWrite, true},
};

TEST_CASE("vault intents: a promotion to production is recorded, tagged and leaves no intent") {
  Intents f;
  REQUIRE(f.app->promotion.promote("rel-1", "SIT", f.rm).ok());
  auto r = f.app->promotion.promote("rel-1", "production", f.rm);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->manifest.version == 1);
  CHECK(f.intents() == 0);
  CHECK(f.vault->tag_target("production-v1").ok());
  auto log = f.vault->log(1);
  REQUIRE(log.ok());
  CHECK(log->front().message.find(std::string("\n") + kIntentTrailer) != std::string::npos);
  CHECK(f.faults() == 0);
}

TEST_CASE(
    "vault intents: a promotion to production crashed at any step is completed or taken "
    "back at restart, and its version is never signed again") {
  for (const CrashPoint& point : kCrashPoints) {
    const std::string name = point.name;
    CAPTURE(name);
    Intents f;
    REQUIRE(f.app->promotion.promote("rel-1", "SIT", f.rm).ok());
    f.faulty->arm(point.when, point.skip);
    CHECK_THROWS_AS((void)f.app->promotion.promote("rel-1", "production", f.rm), SimulatedCrash);
    const ReconcileReport report = f.restart_and_reconcile();
    CHECK(report.left == 0);
    CHECK(f.intents() == 0);
    CHECK(f.faults() == 0);
    CHECK(f.in("rel-1", "production") == point.recorded);
    if (point.recorded) {
      CHECK(f.stored_version("production") == 1);
      CHECK(f.vault->tag_target("production-v1").ok());
      continue;
    }
    CHECK(f.stored_version("production") == 0);
    CHECK_FALSE(f.vault->tag_target("production-v1").ok());
    // Again, now without faults: the version the lost attempt took is not given out twice.
    auto again = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_MESSAGE(again.ok(), again.status().message());
    const bool reserved = point.when != When::crash_before || point.skip != kIntentWrite;
    CHECK(again->manifest.version == (reserved ? 2U : 1U));
    CHECK(f.vault->tag_target(fmt::format("production-v{}", again->manifest.version)).ok());
    CHECK(f.faults() == 0);
  }
}

TEST_CASE("vault intents: a back-out crashed at any step agrees with the vault after restart") {
  for (const CrashPoint& point : kCrashPoints) {
    if (point.skip == kForgetWrite) continue;  // no tag outside production
    const std::string name = point.name;
    CAPTURE(name);
    Intents f;
    REQUIRE(f.app->promotion.promote("rel-1", "SIT", f.rm).ok());
    REQUIRE(f.app->promotion.promote("rel-2", "SIT", f.rm).ok());
    f.faulty->arm(point.when, point.skip);
    CHECK_THROWS_AS((void)f.app->promotion.backout("rel-2", "SIT", f.rm), SimulatedCrash);
    f.restart_and_reconcile();
    CHECK(f.intents() == 0);
    CHECK(f.faults() == 0);
    CHECK(f.stored_version("SIT") == (point.recorded ? 3U : 2U));
    if (!point.recorded) {
      auto again = f.app->promotion.backout("rel-2", "SIT", f.rm);
      REQUIRE_MESSAGE(again.ok(), again.status().message());
      CHECK(f.faults() == 0);
    }
  }
}

TEST_CASE("vault intents: a failed store write at each step of a promotion") {
  Intents f;
  REQUIRE(f.app->promotion.promote("rel-1", "SIT", f.rm).ok());

  SUBCASE("the intent cannot be written: refused, nothing written anywhere") {
    const auto head = f.vault->head();
    f.faulty->arm(When::fail, kIntentWrite);
    auto r = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::io);
    CHECK(f.vault->head().value() == head.value());
  }
  SUBCASE("the record cannot be written: refused, and the vault commit is taken back") {
    f.faulty->arm(When::fail, kRecordWrite);
    auto r = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::io);
    CHECK_FALSE(f.vault->read(manifest_vault_path("production")).ok());
    auto log = f.vault->log(1);
    REQUIRE(log.ok());
    CHECK(log->front().message.starts_with("Revert \"Promote rel-1"));
  }
  SUBCASE("the intent cannot be forgotten: the promotion counts, reconciliation forgets it") {
    f.faulty->arm(When::fail, kForgetWrite);
    auto r = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(f.intents() == 1);
    auto report = f.app->intents.reconcile();
    REQUIRE(report.ok());
    CHECK(report->tagged == 1);
    CHECK(f.intents() == 0);
    CHECK(f.in("rel-1", "production"));
  }
  CHECK(f.intents() == 0);
  CHECK(f.faults() == 0);
}

TEST_CASE("vault intents: the vault refusing a commit or a tag") {
  Intents f;
  REQUIRE(f.app->promotion.promote("rel-1", "SIT", f.rm).ok());

  SUBCASE("the branch is locked: refused as busy (503), no intent left") {
    const fs::path lock = f.lock_ref("refs/heads/main");
    auto r = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::unavailable);
    CHECK(r.status().reason() == kVaultBusyReason);
    fs::remove(lock);
    CHECK(f.intents() == 0);
    CHECK_FALSE(f.in("rel-1", "production"));
  }
  SUBCASE("the vault is read-only: refused with io, nothing committed, no intent left") {
    testing::FileModesApply modes;
    if (modes.ok()) {
      const std::string head = f.vault->head().value();
      std::optional<Result<PromotionResult>> r;
      {
        testing::ReadOnlyDirectories frozen(f.dir.path() / "vault.git" / "objects");
        r = f.app->promotion.promote("rel-1", "production", f.rm);
        // Reads go on meanwhile.
        CHECK(f.call("GET", "/api/v1/environments/SIT/manifest").status == 200);
      }
      REQUIRE_FALSE(r->ok());
      CHECK(r->status().code() == Code::io);
      CHECK(f.vault->head().value() == head);
      CHECK_FALSE(f.in("rel-1", "production"));
      CHECK(f.stored_version("production") == 0);
      // Once the vault is writable again the promotion goes through, on a version of its own.
      auto again = f.app->promotion.promote("rel-1", "production", f.rm);
      REQUIRE_MESSAGE(again.ok(), again.status().message());
      CHECK(again->manifest.version == 2);
    }
  }
  SUBCASE("the tag cannot be made: the promotion counts and the tag is made by reconciliation") {
    const fs::path lock = f.lock_ref("refs/tags/production-v1");
    auto r = f.app->promotion.promote("rel-1", "production", f.rm);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(f.in("rel-1", "production"));
    CHECK(f.intents() == 1);
    CHECK(f.faults() > 0);  // the pending intent, and the baseline's missing tag
    fs::remove(lock);
    auto report = f.app->intents.reconcile();
    REQUIRE(report.ok());
    CHECK(report->tagged == 1);
    CHECK(f.vault->tag_target("production-v1").ok());
  }
  CHECK(f.intents() == 0);
  CHECK(f.faults() == 0);
}

TEST_CASE("vault intents: a baseline crashed at any step is completed or taken back at restart") {
  for (const CrashPoint& point : kCrashPoints) {
    const std::string name = point.name;
    CAPTURE(name);
    Intents f;
    CreateBaseline command{"before-change", "", BaselineScope{}};
    f.faulty->arm(point.when, point.skip);
    CHECK_THROWS_AS((void)f.app->baselines.create(command, f.cm), SimulatedCrash);
    f.restart_and_reconcile();
    CHECK(f.intents() == 0);
    CHECK(f.faults() == 0);
    CHECK(f.app->baselines.get("before-change").ok() == point.recorded);
    CHECK(f.vault->tag_target("before-change").ok() == point.recorded);
    if (!point.recorded) {
      CHECK_FALSE(f.vault->read(baseline_vault_path("before-change")).ok());
      auto again = f.app->baselines.create(command, f.cm);  // the name is free again
      REQUIRE_MESSAGE(again.ok(), again.status().message());
      CHECK(f.faults() == 0);
    }
  }
}

TEST_CASE("vault intents: a baseline whose record fails leaves neither file nor tag") {
  Intents f;
  f.faulty->arm(When::fail, kRecordWrite);
  auto r = f.app->baselines.create({"before-change", "", BaselineScope{}}, f.cm);
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(f.vault->read(baseline_vault_path("before-change")).ok());
  CHECK_FALSE(f.vault->tag_target("before-change").ok());
  CHECK(f.intents() == 0);
  CHECK(f.faults() == 0);
  CHECK(f.app->baselines.create({"before-change", "", BaselineScope{}}, f.cm).ok());
}

TEST_CASE("vault intents: a release document crashed or failed at any step") {
  const AddReleaseDocument notes{"release_notes", "notes.md", "# Notes\n", "text/markdown"};
  const AddReleaseDocument edited{"release_notes", "notes.md", "# Notes, edited\n",
                                  "text/markdown"};
  const std::string path = "releases/rel-1/notes.md";
  for (const CrashPoint& point : kCrashPoints) {
    if (point.skip == kForgetWrite) continue;  // no tag: the record forgets the intent
    const std::string name = point.name;
    CAPTURE(name);
    Intents f;
    REQUIRE(f.app->releases.add_document("rel-1", notes, f.rm).ok());
    f.faulty->arm(point.when, point.skip);
    CHECK_THROWS_AS((void)f.app->releases.add_document("rel-1", edited, f.rm), SimulatedCrash);
    f.restart_and_reconcile();
    CHECK(f.intents() == 0);
    CHECK(f.faults() == 0);
    // The vault's head and the record tell the same version.
    auto content = f.app->releases.document("rel-1", "notes.md");
    REQUIRE(content.ok());
    CHECK(content->content == (point.recorded ? edited.content : notes.content));
    CHECK(f.vault->read(path).value() == content->content);
  }
  SUBCASE("a failed record takes the commit back") {
    Intents f;
    REQUIRE(f.app->releases.add_document("rel-1", notes, f.rm).ok());
    f.faulty->arm(When::fail, kRecordWrite);
    CHECK_FALSE(f.app->releases.add_document("rel-1", edited, f.rm).ok());
    CHECK(f.vault->read(path).value() == notes.content);
    CHECK(f.intents() == 0);
  }
}

TEST_CASE("vault intents: the VDD of an RRR whose record fails or crashes is taken back") {
  const RecordGate pass{"pass", "", std::nullopt, std::nullopt};
  for (const CrashPoint& point : kCrashPoints) {
    if (point.skip == kForgetWrite) continue;
    const std::string name = point.name;
    CAPTURE(name);
    Intents f;
    f.faulty->arm(point.when, point.skip);
    CHECK_THROWS_AS((void)f.app->releases.record_gate("rel-1", "rrr", pass, f.cm), SimulatedCrash);
    f.restart_and_reconcile();
    CHECK(f.intents() == 0);
    CHECK(f.faults() == 0);
    auto committed = committed_vdd(*f.vault, "rel-1");
    REQUIRE(committed.ok());
    CHECK(committed->has_value() == point.recorded);
    CHECK((f.load("rel-1").gates.size() == 1) == point.recorded);
  }
  SUBCASE("a failed record") {
    Intents f;
    f.faulty->arm(When::fail, kRecordWrite);
    CHECK_FALSE(f.app->releases.record_gate("rel-1", "rrr", pass, f.cm).ok());
    CHECK_FALSE(committed_vdd(*f.vault, "rel-1").value().has_value());
    CHECK(f.load("rel-1").gates.empty());
    CHECK(f.faults() == 0);
  }
}

TEST_CASE("vault intents: a manifest the vault holds beyond the store takes its version") {
  // A vault written by a server without intents, whose promotion crashed after its vault commit.
  Intents f;
  auto first = f.app->promotion.promote("rel-1", "SIT", f.rm);
  REQUIRE(first.ok());
  json::object orphan = first->signed_manifest;
  orphan["version"] = 7;
  storage::VaultChanges changes;
  changes.writes[manifest_vault_path("SIT")] = json::serialize(orphan) + "\n";
  REQUIRE(f.vault->commit(changes, {"old", ""}, "an interrupted promotion").ok());
  auto next = f.app->promotion.promote("rel-2", "SIT", f.rm);
  REQUIRE_MESSAGE(next.ok(), next.status().message());
  CHECK(next->manifest.version == 8);
}

TEST_CASE("vault intents: the trailer joins a trailer paragraph, or starts one") {
  Intents f;
  REQUIRE(
      f.app->releases.add_document("rel-1", {"release_notes", "n.md", "x\n", "text/markdown"}, f.rm)
          .ok());
  auto log = f.vault->log(1);
  REQUIRE(log.ok());
  const std::string& message = log->front().message;
  CHECK(message.find("\n\nMedia-Type: text/markdown\nTollgate-Intent: ") != std::string::npos);
}

TEST_CASE("vault intents: reconciliation leaves an intent in flight alone") {
  Intents f;
  // A change whose record write waits for a reconciliation on another thread: its own intent
  // is in flight then, and must not be taken for an interrupted one.
  VaultPlan plan;
  plan.author = {"rm", ""};
  plan.message = "a change";
  plan.changes.writes["notes/a.txt"] = "a\n";
  std::optional<Result<ReconcileReport>> during;
  auto r = f.app->intents.apply(
      f.app->store, plan, [&](storage::WriteTxn&, const storage::CommitInfo&) -> Status {
        if (!during) std::thread([&] { during = f.app->intents.reconcile(); }).join();
        return {};
      });
  REQUIRE(r.ok());
  REQUIRE(during);
  REQUIRE(during->ok());
  CHECK((*during)->reverted == 0);
  CHECK((*during)->dropped == 0);
  CHECK(f.vault->read("notes/a.txt").value() == "a\n");
  CHECK(f.intents() == 0);
}

}  // namespace
}  // namespace tollgate::server
