// The audit capability's tables: the hash-chained audit log, configuration audit results and
// baselines. Records: audit log entries (JSON, audit/audit_log.hpp), audit results (JSON,
// audit/audits.hpp), BaselineRecord::to_json/from_json (audit/baselines.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"

namespace tollgate::server::tables {

// Table::audit_log: be64(sequence) -> audit entry. Sequences start at 1 with no gaps.
struct AuditLogKey {
  std::uint64_t sequence = 0;

  std::string encode() const { return encode_be64(sequence); }
  static std::optional<AuditLogKey> decode(std::string_view key);
  // The greatest possible key: scan back from it for the newest entry.
  static AuditLogKey last();

  friend bool operator==(const AuditLogKey&, const AuditLogKey&) = default;
};
inline constexpr KeyedTable<AuditLogKey> kAuditLog{storage::Table::audit_log};

// Table::audits: be64(N) -> the result of configuration audit "audit-N" (JSON: FCA or PCA).
struct AuditKey {
  std::uint64_t number = 0;

  std::string encode() const { return encode_be64(number); }
  static std::optional<AuditKey> decode(std::string_view key);
  // "audit-N" (N > 0, no leading zero) <-> the key of N.
  static std::optional<AuditKey> from_id(std::string_view id);
  std::string id() const;

  friend bool operator==(const AuditKey&, const AuditKey&) = default;
};
inline constexpr KeyedTable<AuditKey> kAudits{storage::Table::audits};

// Table::baselines: baseline name -> BaselineRecord JSON.
inline constexpr KeyedTable<NameKey> kBaselines{storage::Table::baselines};

}  // namespace tollgate::server::tables
