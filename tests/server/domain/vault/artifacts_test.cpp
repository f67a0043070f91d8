// ArtifactService and UploadService without sockets: records, the digest index, conflicts,
// upload sessions (ownership, ranges, expiry on a settable clock), the offline check, and the
// disk or the store failing under an upload or a download.
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "server/ops/check.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/file_modes_apply.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {
namespace {

using testing::AppFixture;
using Op = testing::FaultyFileSystem::Op;
using When = testing::FaultyKvStore::When;
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

  // PUT of an artifact through the router, as a client sends it.
  Response upload(const std::string& path, const std::string& bytes) {
    return call("PUT", "/api/v1/artifacts/" + path, bytes, "use-admin",
                {{"x-checksum-sha256", sha256_hex(bytes)}});
  }

  fs::path blob_file(const std::string& digest) const {
    return fs::path(dir.str()) / "blobs" / "sha256" / digest.substr(0, 2) / digest.substr(2, 2) /
           digest;
  }

  // What a refused upload of `bytes` at `path` leaves: no record, no temporary file, no blob; and
  // the artifact stored before it is served as ever.
  void check_nothing_kept(const std::string& path, const std::string& bytes) {
    CHECK(call("GET", "/api/v1/artifacts/" + path).status == 404);
    CHECK(fs::is_empty(fs::path(dir.str()) / "blobs" / "tmp"));
    CHECK_FALSE(blobs->contains(sha256_hex(bytes)).value());
    const Response kept = call("GET", "/api/v1/artifacts/api/1.0/app.jar");
    CHECK(kept.status == 200);
    CHECK(kept.body == "bytes of the jar");
  }
};

std::string problem_type(const Response& r) {
  CHECK(r.content_type == "application/problem+json");
  return std::string(boost::json::parse(r.body).at("type").as_string());
}

// A fault, the answer it must give, and the problem type.
struct Fault {
  const char* name;
  Op op;
  int err;
  unsigned status;
  const char* type;
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

TEST_CASE("upload sessions: a PATCH renews the idle expiry, never the lifetime") {
  Fixture f;
  auto session = f.app->uploads.create(f.agent);
  REQUIRE(session.ok());
  CHECK(session->created_at == testing::kStart);
  for (int day = 0; day < 3; ++day) {
    f.clock.advance(23 * kHour);
    StringBodyReader chunk("x");
    auto appended = f.app->uploads.append(session->id, std::nullopt, chunk, f.agent);
    REQUIRE(appended.ok());
    CHECK(appended->expires_at <= testing::kStart + 72 * kHour);
  }
  f.clock.advance(4 * kHour);  // 73 h after the start, 4 h after the last chunk
  CHECK(f.app->uploads.status(session->id, f.agent).status().code() == Code::not_found);
  auto removed = f.app->uploads.expire();
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK(f.blobs->stat_upload(session->id).status().code() == Code::not_found);
}

TEST_CASE("upload sessions: capped per user and in all, with their bytes; counted in metrics") {
  Fixture f;
  UploadLimits limits = UploadLimits::of(f.config);
  limits.sessions_per_user = 2;
  limits.sessions = 3;
  limits.bytes_per_user = 10;
  limits.bytes = 14;
  UploadService uploads(f.app->store, *f.blobs, f.app->artifacts, f.clock, limits, f.metrics);
  auto a1 = uploads.create(f.agent);
  auto a2 = uploads.create(f.agent);
  REQUIRE((a1.ok() && a2.ok()));
  CHECK(uploads.create(f.agent).status().reason() == kUploadSessionsPerUserReason);
  auto b1 = uploads.create(f.other);
  REQUIRE(b1.ok());
  CHECK(uploads.create(f.admin_principal).status().reason() == kUploadSessionsFullReason);

  StringBodyReader eight("12345678");
  REQUIRE(uploads.append(a1->id, 0, eight, f.agent).ok());
  StringBodyReader three("abc");
  auto over = uploads.append(a2->id, 0, three, f.agent);
  CHECK(over.status().code() == Code::storage_full);
  CHECK(over.status().reason() == kUploadBytesPerUserReason);
  CHECK(uploads.status(a2->id, f.agent)->offset == 0);  // nothing of the refused chunk kept
  StringBodyReader seven("1234567");
  auto all = uploads.append(b1->id, 0, seven, f.other);
  CHECK(all.status().code() == Code::unavailable);
  CHECK(all.status().reason() == kUploadBytesFullReason);
  CHECK(uploads.usage()->sessions == 3);
  CHECK(uploads.usage()->bytes == 8);

  // A cancelled session frees its place and its bytes.
  REQUIRE(uploads.cancel(a1->id, f.agent).ok());
  CHECK(uploads.create(f.agent).ok());
  StringBodyReader six("123456");
  CHECK(uploads.append(b1->id, 0, six, f.other).ok());

  // A new service (a restart) counts what the records and files hold.
  UploadService restarted(f.app->store, *f.blobs, f.app->artifacts, f.clock, limits, f.metrics);
  CHECK(restarted.usage()->sessions == 3);
  CHECK(restarted.usage()->bytes == 6);
  CHECK(restarted.create(f.agent).status().reason() == kUploadSessionsPerUserReason);

  const std::string text = f.metrics.render({});
  CHECK(text.find("tollgate_upload_refusals_total{limit=\"sessions_per_user\"} 2") !=
        std::string::npos);
  CHECK(text.find("tollgate_upload_refusals_total{limit=\"bytes\"} 1") != std::string::npos);
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

TEST_CASE("an upload the disk refuses is 507 when it is full, 500 on an I/O error, keeps nothing") {
  const Fault faults[] = {
      {"ENOSPC writing", Op::write, ENOSPC, 507, "storage-full"},
      {"EIO writing", Op::write, EIO, 500, "io"},
      {"ENOSPC at fsync", Op::fsync, ENOSPC, 507, "storage-full"},
      {"EIO at fsync", Op::fsync, EIO, 500, "io"},
  };
  for (const Fault& fault : faults) {
    const std::string name = fault.name;
    CAPTURE(name);
    Fixture f;
    REQUIRE(f.put("api/1.0/app.jar", "bytes of the jar").ok());
    const std::string bytes = "bytes the disk refuses";
    f.blob_fs.fail(fault.op, fault.err);
    const Response refused = f.upload("api/2.0/x.bin", bytes);
    CHECK(refused.status == fault.status);
    CHECK(problem_type(refused) == std::string("urn:tollgate:problem:") + fault.type);
    f.blob_fs.clear();
    f.check_nothing_kept("api/2.0/x.bin", bytes);
    CHECK(f.upload("api/2.0/x.bin", bytes).status == 201);  // once the disk recovers
  }
}

TEST_CASE("a resumable upload the disk refuses mid-session is 507, and the session is gone") {
  Fixture f;
  REQUIRE(f.put("api/1.0/app.jar", "bytes of the jar").ok());
  const Response started = f.call("POST", "/api/v1/uploads");
  REQUIRE(started.status == 202);
  const std::string location =
      "/api/v1/uploads/" + std::string(boost::json::parse(started.body).at("id").as_string());
  REQUIRE(f.call("PATCH", location, "first ", "use-admin", {{"content-range", "0-5"}}).status ==
          202);
  f.blob_fs.fail(Op::write, ENOSPC);
  const Response refused =
      f.call("PATCH", location, "second", "use-admin", {{"content-range", "6-11"}});
  CHECK(refused.status == 507);
  CHECK(problem_type(refused) == "urn:tollgate:problem:storage-full");
  f.blob_fs.clear();
  CHECK(f.call("GET", location).status == 404);
  f.check_nothing_kept("api/2.0/big.bin", "first second");
}

TEST_CASE("an artifact record the store refuses is 507 or 500; its blob stays unreferenced") {
  const std::pair<Code, unsigned> failures[] = {{Code::storage_full, 507}, {Code::io, 500}};
  for (const auto& failure : failures) {
    const unsigned status = failure.second;
    CAPTURE(status);
    Fixture f;
    const std::string bytes = "bytes whose record fails";
    f.faulty->arm(When::fail, 0, Status(failure.first, "injected: the store refused the record"));
    const Response refused = f.upload("api/2.0/x.bin", bytes);
    CHECK(refused.status == status);
    CHECK(problem_type(refused) ==
          (status == 507 ? "urn:tollgate:problem:storage-full" : "urn:tollgate:problem:io"));
    CHECK(f.call("GET", "/api/v1/artifacts/api/2.0/x.bin").status == 404);
    // The verified blob is kept, unreferenced: harmless, and not a fault of the check.
    CHECK(f.blobs->contains(sha256_hex(bytes)).value());
    const std::string report = f.check();
    CHECK(report.find("1 blobs unused") != std::string::npos);
    CHECK(report.find("vault: ok") != std::string::npos);
    CHECK(f.upload("api/2.0/x.bin", bytes).status == 201);
    CHECK(f.call("GET", "/api/v1/artifacts/api/2.0/x.bin").body == bytes);
  }
}

TEST_CASE("a blob that cannot be read is a problem, never part of a body; other blobs are served") {
  Fixture f;
  REQUIRE(f.put("api/1.0/app.jar", "bytes of the jar").ok());
  REQUIRE(f.call("GET", "/api/v1/artifacts/api/1.0/app.jar").status == 200);
  auto stored = f.put("api/1.1/lost.bin", "bytes that will not be read");
  REQUIRE(stored.ok());
  const fs::path file = f.blob_file(stored->artifact.sha256);
  const auto unreadable = [&](const std::string& type) {
    const Response r = f.call("GET", "/api/v1/artifacts/api/1.1/lost.bin");
    CHECK(r.status == 500);
    CHECK(problem_type(r) == "urn:tollgate:problem:" + type);
    CHECK_FALSE(r.file.has_value());
  };

  SUBCASE("removed") {
    fs::remove(file);
    unreadable("corrupt-blob");
  }
  SUBCASE("EIO reading it") {
    f.blob_fs.fail(Op::pread, EIO, 0, -1);
    unreadable("io");
    f.blob_fs.clear();
  }
  SUBCASE("shorter than its record") {
    fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
    fs::resize_file(file, 5);
    unreadable("corrupt-blob");
  }
  SUBCASE("longer than its record") {
    fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(file, std::ios::app) << "and more";
    unreadable("corrupt-blob");
  }
  SUBCASE("no permission to read it") {
    testing::FileModesApply modes;
    if (modes.ok()) {
      fs::permissions(file, fs::perms::none);
      unreadable("io");
    }
  }
  const Response other = f.call("GET", "/api/v1/artifacts/api/1.0/app.jar");
  CHECK(other.status == 200);
  CHECK(other.body == "bytes of the jar");
}

}  // namespace tollgate::server
