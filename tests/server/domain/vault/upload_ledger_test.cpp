// The caps on resumable upload sessions, as the ledger keeps them: no store, no clock but `now`.
#include "server/domain/vault/upload_ledger.hpp"

#include <doctest/doctest.h>

using namespace tollgate;
using namespace tollgate::server;

namespace {

constexpr Micros kHour = 3'600'000'000;

UploadLimits small_limits() {
  UploadLimits limits;
  limits.expiry = 24 * kHour;
  limits.lifetime = 72 * kHour;
  limits.max_size = 1000;
  limits.sessions_per_user = 2;
  limits.sessions = 3;
  limits.bytes_per_user = 100;
  limits.bytes = 150;
  return limits;
}

}  // namespace

TEST_CASE("upload ledger: sessions per user and in all") {
  UploadLedger ledger(small_limits());
  REQUIRE(ledger.open("a1", "alice", 10 * kHour, 0).ok());
  REQUIRE(ledger.open("a2", "alice", 10 * kHour, 0).ok());
  const Status third = ledger.open("a3", "alice", 10 * kHour, 0);
  CHECK(third.code() == Code::too_many_requests);
  CHECK(third.reason() == kUploadSessionsPerUserReason);
  REQUIRE(ledger.open("b1", "bob", 10 * kHour, 0).ok());
  const Status full = ledger.open("c1", "carol", 10 * kHour, 0);
  CHECK(full.code() == Code::too_many_requests);
  CHECK(full.reason() == kUploadSessionsFullReason);
  ledger.close("a1");
  CHECK(ledger.open("c1", "carol", 10 * kHour, 0).ok());
  CHECK(ledger.usage("alice", 0).sessions == 1);
  CHECK(ledger.usage({}, 0).sessions == 3);
}

TEST_CASE("upload ledger: bytes per user and in all; a refused chunk counts nothing") {
  UploadLedger ledger(small_limits());
  REQUIRE(ledger.open("a1", "alice", 10 * kHour, 0).ok());
  REQUIRE(ledger.open("a2", "alice", 10 * kHour, 0).ok());
  REQUIRE(ledger.open("b1", "bob", 10 * kHour, 0).ok());
  CHECK(ledger.grow("a1", 60, 0).ok());
  const Status over = ledger.grow("a2", 41, 0);
  CHECK(over.code() == Code::storage_full);
  CHECK(over.reason() == kUploadBytesPerUserReason);
  CHECK(ledger.grow("a2", 40, 0).ok());
  CHECK(ledger.usage("alice", 0).bytes == 100);
  const Status all = ledger.grow("b1", 51, 0);
  CHECK(all.code() == Code::unavailable);
  CHECK(all.reason() == kUploadBytesFullReason);
  CHECK(ledger.grow("b1", 50, 0).ok());
  CHECK(ledger.usage({}, 0).bytes == 150);
}

TEST_CASE("upload ledger: expired sessions count for nothing, renewed ones go on counting") {
  UploadLedger ledger(small_limits());
  ledger.restore("a1", "alice", 90, 5 * kHour);
  ledger.restore("a2", "alice", 10, 5 * kHour);
  CHECK(ledger.usage("alice", 5 * kHour).sessions == 2);
  ledger.renew("a2", 9 * kHour);
  CHECK(ledger.usage("alice", 6 * kHour).sessions == 1);
  CHECK(ledger.usage("alice", 6 * kHour).bytes == 10);
  CHECK(ledger.open("a3", "alice", 30 * kHour, 6 * kHour).ok());
}

TEST_CASE("upload limits: a session expires idle, or at the end of its lifetime however busy") {
  const UploadLimits limits = small_limits();
  CHECK(limits.expires_at(0, 0) == 24 * kHour);
  CHECK(limits.expires_at(0, 40 * kHour) == 64 * kHour);
  CHECK(limits.expires_at(0, 60 * kHour) == 72 * kHour);
  Config config;
  config.max_upload_bytes_per_user_mb = 3;
  const UploadLimits from_config = UploadLimits::of(config);
  CHECK(from_config.lifetime == 72 * kHour);
  CHECK(from_config.bytes_per_user == 3u << 20);
  CHECK(from_config.sessions_per_user == 16);
}
