// UploadLedger: what the open resumable upload sessions hold, held against the caps of
// [artifacts] — sessions and bytes, per user and in all — so that no user, and no crowd of
// them, can fill the disk with uploads that never finish. Knows no storage: UploadService
// loads it from the session records at first use, tells it of every session opened, grown,
// renewed and closed, and guards it with its lock (the ledger is not thread-safe).
//
// A session counts until it expires (UploadLimits::expires_at), even before expire() removes
// its bytes: an expired session can no longer be used, so what it holds is on its way out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "server/domain/config.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Status reasons of the caps: too_many_requests (429) for sessions, storage_full (507) for
// bytes.
inline constexpr const char* kUploadSessionsPerUserReason = "upload-sessions-per-user";
inline constexpr const char* kUploadSessionsFullReason = "upload-sessions-full";
inline constexpr const char* kUploadBytesPerUserReason = "upload-bytes-per-user";
inline constexpr const char* kUploadBytesFullReason = "upload-bytes-full";

// The limits of resumable upload sessions, from [artifacts].
struct UploadLimits {
  Micros expiry = 0;           // idle time after which a session is gone
  Micros lifetime = 0;         // time after its start at which a session is gone, however busy
  std::uint64_t max_size = 0;  // bytes one session may hold
  std::uint64_t sessions_per_user = 0;
  std::uint64_t sessions = 0;
  std::uint64_t bytes_per_user = 0;
  std::uint64_t bytes = 0;

  static UploadLimits of(const Config& config);

  // When a session started at `created_at` and last used at `updated_at` expires: the earlier of
  // its idle expiry and the end of its lifetime.
  Micros expires_at(Micros created_at, Micros updated_at) const;
};

class UploadLedger {
 public:
  struct Usage {
    std::uint64_t sessions = 0;
    std::uint64_t bytes = 0;
  };

  explicit UploadLedger(const UploadLimits& limits) : limits_(limits) {}

  // Counts a new session `id` of `owner`, live until `expires_at`. Errors: too_many_requests
  // "upload-sessions-per-user" (the owner holds sessions_per_user live sessions) or
  // "upload-sessions-full" (everyone together holds `sessions`); nothing is counted then.
  Status open(const std::string& id, const std::string& owner, Micros expires_at, Micros now);

  // Counts a session as it is, without a check (loading what the records say).
  void restore(const std::string& id, const std::string& owner, std::uint64_t bytes,
               Micros expires_at);

  // Counts `bytes` more in session `id` (which must be counted). Errors: storage_full
  // "upload-bytes-per-user" (its owner's live sessions would hold over bytes_per_user) or
  // unavailable "upload-bytes-full" (all of them, over `bytes`); nothing is counted then.
  Status grow(const std::string& id, std::uint64_t bytes, Micros now);

  // Session `id` was used: it now expires at `expires_at`.
  void renew(const std::string& id, Micros expires_at);

  // Session `id` is over (finished, cancelled, discarded or expired); unknown ids are ignored.
  void close(const std::string& id);

  // What the live sessions of `owner` hold, and all of them (an empty owner).
  Usage usage(std::string_view owner, Micros now) const;

 private:
  struct Entry {
    std::string owner;
    std::uint64_t bytes = 0;
    Micros expires_at = 0;
  };

  const UploadLimits limits_;
  std::map<std::string, Entry, std::less<>> sessions_;
};

}  // namespace tollgate::server
