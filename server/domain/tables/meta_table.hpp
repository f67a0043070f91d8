// Table::meta: named singletons. Each name is here, with the encoding of its value; the schema
// version ("schema_version", decimal) is storage's own (storage/lmdb_store.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/kv_store.hpp"

namespace tollgate::server::tables {

// "1" once the first admin token was minted (identity/auth.cpp).
inline constexpr std::string_view kMetaBootstrapped = "bootstrapped";
// be64: the last N given to an "audit-N" (audit/audits.cpp).
inline constexpr std::string_view kMetaAuditCounter = "audit_seq";
// be64: the last N given to a "rel-N" (release/release_service.cpp).
inline constexpr std::string_view kMetaReleaseCounter = "release_seq";
// Decimal text: the next N for an "rfc-N" (change/rfcs.cpp).
inline constexpr std::string_view kMetaNextRfc = "next_rfc";

// be64: the last N given to a vault intent (vault/vault_intents.cpp).
inline constexpr std::string_view kMetaIntentCounter = "intent_seq";
// be64, one per environment under manifest_version_key(): the greatest manifest version ever
// given out there, recorded or not (release/promotion.cpp), so that none is signed twice.
inline constexpr std::string_view kMetaManifestVersion = "manifest_version";
std::string manifest_version_key(std::string_view environment);

// A be64 counter; 0 when it is absent.
std::uint64_t get_be64_counter(storage::ReadTxn& txn, std::string_view name);
void put_be64_counter(storage::WriteTxn& txn, std::string_view name, std::uint64_t value);

// A decimal counter; nullopt when absent or not a positive decimal.
std::optional<std::uint64_t> get_decimal_counter(storage::ReadTxn& txn, std::string_view name);
void put_decimal_counter(storage::WriteTxn& txn, std::string_view name, std::uint64_t value);

}  // namespace tollgate::server::tables
