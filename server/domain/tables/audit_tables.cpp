#include "server/domain/tables/audit_tables.hpp"

#include <charconv>
#include <limits>

namespace tollgate::server::tables {

namespace {
constexpr std::string_view kAuditIdPrefix = "audit-";
}  // namespace

std::optional<AuditLogKey> AuditLogKey::decode(std::string_view key) {
  auto sequence = decode_be64(key);
  if (!sequence) return std::nullopt;
  return AuditLogKey{*sequence};
}

AuditLogKey AuditLogKey::last() { return AuditLogKey{std::numeric_limits<std::uint64_t>::max()}; }

std::optional<AuditKey> AuditKey::decode(std::string_view key) {
  auto number = decode_be64(key);
  if (!number) return std::nullopt;
  return AuditKey{*number};
}

std::optional<AuditKey> AuditKey::from_id(std::string_view id) {
  if (!id.starts_with(kAuditIdPrefix)) return std::nullopt;
  const std::string_view digits = id.substr(kAuditIdPrefix.size());
  if (digits.empty() || digits.front() == '0') return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return AuditKey{n};
}

std::string AuditKey::id() const { return std::string(kAuditIdPrefix) + std::to_string(number); }

}  // namespace tollgate::server::tables
