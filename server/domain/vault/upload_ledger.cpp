#include "server/domain/vault/upload_ledger.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tollgate::server {

namespace {

constexpr Micros kMicrosPerHour = 3'600'000'000;

}  // namespace

UploadLimits UploadLimits::of(const Config& config) {
  UploadLimits limits;
  limits.expiry = static_cast<Micros>(config.upload_expiry_hours) * kMicrosPerHour;
  limits.lifetime = static_cast<Micros>(config.upload_lifetime_hours) * kMicrosPerHour;
  limits.max_size = config.max_artifact_size_mb << 20;
  limits.sessions_per_user = config.max_upload_sessions_per_user;
  limits.sessions = config.max_upload_sessions;
  limits.bytes_per_user = config.max_upload_bytes_per_user_mb << 20;
  limits.bytes = config.max_upload_bytes_mb << 20;
  return limits;
}

Micros UploadLimits::expires_at(Micros created_at, Micros updated_at) const {
  return std::min(updated_at + expiry, created_at + lifetime);
}

Status UploadLedger::open(const std::string& id, const std::string& owner, Micros expires_at,
                          Micros now) {
  if (usage(owner, now).sessions >= limits_.sessions_per_user)
    return Status(Code::too_many_requests,
                  fmt::format("'{}' has {} resumable upload sessions open, as many as [artifacts] "
                              "max_upload_sessions_per_user allows: finish or cancel one first",
                              owner, limits_.sessions_per_user))
        .with_reason(kUploadSessionsPerUserReason);
  if (usage({}, now).sessions >= limits_.sessions)
    return Status(Code::too_many_requests,
                  fmt::format("the server has {} resumable upload sessions open, as many as "
                              "[artifacts] max_upload_sessions allows: try again later",
                              limits_.sessions))
        .with_reason(kUploadSessionsFullReason);
  sessions_[id] = Entry{owner, 0, expires_at};
  return {};
}

void UploadLedger::restore(const std::string& id, const std::string& owner, std::uint64_t bytes,
                           Micros expires_at) {
  sessions_[id] = Entry{owner, bytes, expires_at};
}

Status UploadLedger::grow(const std::string& id, std::uint64_t bytes, Micros now) {
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return internal_error("an upload session the ledger does not know");
  Entry& entry = it->second;
  if (usage(entry.owner, now).bytes + bytes > limits_.bytes_per_user)
    return Status(Code::storage_full,
                  fmt::format("the resumable upload sessions of '{}' would hold over {} MiB "
                              "([artifacts] max_upload_bytes_per_user_mb): finish or cancel one",
                              entry.owner, limits_.bytes_per_user >> 20))
        .with_reason(kUploadBytesPerUserReason);
  // Over the server-wide cap is "try later" (503, which clients retry): the session is kept and
  // goes on once others end. Over the user's own cap is theirs to settle (507).
  if (usage({}, now).bytes + bytes > limits_.bytes)
    return Status(Code::unavailable,
                  fmt::format("the server's resumable upload sessions would hold over {} MiB "
                              "([artifacts] max_upload_bytes_mb): try again later",
                              limits_.bytes >> 20))
        .with_reason(kUploadBytesFullReason);
  entry.bytes += bytes;
  return {};
}

void UploadLedger::renew(const std::string& id, Micros expires_at) {
  if (const auto it = sessions_.find(id); it != sessions_.end()) it->second.expires_at = expires_at;
}

void UploadLedger::close(const std::string& id) {
  if (const auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

UploadLedger::Usage UploadLedger::usage(std::string_view owner, Micros now) const {
  Usage out;
  for (const auto& [id, entry] : sessions_) {
    if (entry.expires_at < now || (!owner.empty() && entry.owner != owner)) continue;
    ++out.sessions;
    out.bytes += entry.bytes;
  }
  return out;
}

}  // namespace tollgate::server
