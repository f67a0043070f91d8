// ArtifactService and UploadService without sockets: records, the digest index, conflicts,
// upload sessions (ownership, ranges, expiry on a settable clock), and the offline check.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/domain/crypto.hpp"
#include "server/ops/check.hpp"
#include "tests/support/app_fixture.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {
namespace {

using testing::AppFixture;
namespace fs = std::filesystem;

constexpr Micros kHour = 3'600'000'000;

struct Fixture : AppFixture {
  Principal agent{"ci-bot", {Role::build_agent}, {}};
  Principal other{"other-bot", {Role::build_agent}, {}};

  Fixture() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})").status ==
            201);
    REQUIRE(call("POST", "/api/v1/cis", R"({"id":"api","type":"component","name":"API"})").status ==
            201);
  }

  Result<PutResult> put(const std::string& path, const std::string& bytes) {
    auto at = parse_coordinate(path);
    REQUIRE(at.ok());
    StringBodyReader body(bytes);
    return app->artifacts.put(*at, sha256_hex(bytes), body, {}, agent);
  }

  std::string check() {
    std::ostringstream out;
    check_vault(*store, *blobs, *vault, out);
    return out.str();
  }
};

}  // namespace

TEST_CASE("artifact records: created once, idempotent, immutable, indexed by digest") {
  Fixture f;
  auto first = f.put("api/1.0/app.jar", "bytes of the jar");
  REQUIRE(first.ok());
  CHECK(first->created);
  CHECK(first->artifact.size == 16);
  CHECK(first->artifact.created_by == "ci-bot");
  CHECK(first->artifact.created_at == testing::kStart);

  auto again = f.put("api/1.0/app.jar", "bytes of the jar");
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);

  auto changed = f.put("api/1.0/app.jar", "other bytes");
  CHECK(changed.status().code() == Code::conflict);
  CHECK(changed.status().members().at("existing").as_string() ==
        "sha256:" + sha256_hex("bytes of the jar"));
  CHECK(changed.status().members().at("declared").as_string() ==
        "sha256:" + sha256_hex("other bytes"));

  // Same bytes at a second coordinate: one blob, two records, both in the digest index.
  REQUIRE(f.put("api/1.1/app.jar", "bytes of the jar").ok());
  std::size_t index_entries = 0;
  REQUIRE(f.store
              ->read([&](storage::ReadTxn& txn) {
                index_entries = txn.count(storage::Table::artifact_blobs);
                return Status();
              })
              .ok());
  CHECK(index_entries == 2);
  std::size_t blobs = 0;
  REQUIRE(f.blobs->for_each([&](const storage::BlobInfo&) { return ++blobs, true; }).ok());
  CHECK(blobs == 1);
  CHECK(f.check().find("vault: ok") != std::string::npos);
}

TEST_CASE("artifact puts refuse what they cannot keep, before and after the bytes") {
  Fixture f;
  auto at = parse_coordinate("api/1.0/x.bin");
  REQUIRE(at.ok());
  StringBodyReader body("payload");
  auto mismatch = f.app->artifacts.put(*at, sha256_hex("something else"), body, {}, f.agent);
  CHECK(mismatch.status().reason() == storage::kDigestMismatchReason);
  CHECK(f.app->artifacts.get(*at).status().code() == Code::not_found);

  auto unknown = parse_coordinate("nope/1.0/x.bin");
  REQUIRE(unknown.ok());
  StringBodyReader body2("payload");
  CHECK(f.app->artifacts.put(*unknown, sha256_hex("payload"), body2, {}, f.agent).status().code() ==
        Code::not_found);

  CHECK_FALSE(parse_coordinate("api/1.0").ok());
  CHECK_FALSE(parse_coordinate("api/1.0/a/b").ok());
  CHECK_FALSE(parse_coordinate("api/../x").ok());

  auto deploy = f.app->artifacts.deploy(*at, sha256_hex("payload"), {}, f.agent);
  CHECK(deploy.status().reason() == kBlobUnknownReason);
}

TEST_CASE("upload sessions: owner only, ranges, finish, and expiry on the clock") {
  Fixture f;
  auto session = f.app->uploads.create(f.agent);
  REQUIRE(session.ok());
  CHECK(session->offset == 0);
  CHECK(session->expires_at == testing::kStart + 24 * kHour);

  StringBodyReader part1("hello ");
  auto appended = f.app->uploads.append(session->id, 0, part1, f.agent);
  REQUIRE(appended.ok());
  CHECK(appended->offset == 6);

  StringBodyReader gap("x");
  auto refused = f.app->uploads.append(session->id, 7, gap, f.agent);
  CHECK(refused.status().reason() == kRangeMismatchReason);
  CHECK(f.app->uploads.status(session->id, f.agent)->offset == 6);
  CHECK(f.app->uploads.status(session->id, f.other).status().code() == Code::forbidden);
  CHECK(f.app->uploads.status(session->id, f.admin_principal).ok());

  auto at = parse_coordinate("api/2.0/greeting.txt");
  REQUIRE(at.ok());
  StringBodyReader rest("world");
  auto done =
      f.app->uploads.complete(session->id, *at, sha256_hex("hello world"), rest, {}, f.agent);
  REQUIRE_MESSAGE(done.ok(), done.status().to_string());
  CHECK(done->artifact.size == 11);
  CHECK(f.app->uploads.status(session->id, f.agent).status().code() == Code::not_found);

  // An idle session expires; a recently used one does not.
  auto idle = f.app->uploads.create(f.agent);
  auto busy = f.app->uploads.create(f.agent);
  REQUIRE((idle.ok() && busy.ok()));
  f.clock.advance(23 * kHour);
  StringBodyReader touch("x");
  REQUIRE(f.app->uploads.append(busy->id, std::nullopt, touch, f.agent).ok());
  f.clock.advance(2 * kHour);
  CHECK(f.app->uploads.status(idle->id, f.agent).status().code() == Code::not_found);
  auto removed = f.app->uploads.expire();
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK(f.blobs->stat_upload(idle->id).status().code() == Code::not_found);
  CHECK(f.app->uploads.status(busy->id, f.agent)->offset == 1);
  CHECK(f.check().find("vault: ok") != std::string::npos);
}

TEST_CASE("the offline check finds records whose blobs are gone or changed") {
  Fixture f;
  auto put = f.put("api/1.0/app.jar", "bytes of the jar");
  REQUIRE(put.ok());
  const std::string digest = put->artifact.sha256;
  const fs::path file = fs::path(f.dir.str()) / "blobs" / "sha256" / digest.substr(0, 2) /
                        digest.substr(2, 2) / digest;
  REQUIRE(fs::exists(file));
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(file, std::ios::trunc) << "short";
  std::string report = f.check();
  CHECK(report.find("FAULT artifact api/1.0/app.jar") != std::string::npos);
  CHECK(report.find("vault: 1 fault(s)") != std::string::npos);
  fs::remove(file);
  report = f.check();
  CHECK(report.find("FAULT artifact api/1.0/app.jar") != std::string::npos);
}

}  // namespace tollgate::server
