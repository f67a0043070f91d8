// The CMDB's tables: CI types, CIs, their history, relationships (both directions) and the
// document index. Records: CiType and Ci to_json/from_json (cmdb/cmdb_model.hpp), history entries
// (JSON written by cmdb/cis.cpp), Relationship::to_json, and the document index's
// document_record_json/document_record_from_json (cmdb/document_index.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/domain/cmdb/relationships.hpp"
#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"

namespace tollgate::server::tables {

// Table::ci_types: type name -> CiType JSON.
inline constexpr KeyedTable<NameKey> kCiTypes{storage::Table::ci_types};
// Table::cis: CI id -> the current Ci JSON.
inline constexpr KeyedTable<NameKey> kCis{storage::Table::cis};

// Table::ci_history: `ci \0 be64(revision)` -> history entry (JSON: revision, action, actor,
// time, rfc, changes, snapshot).
struct CiHistoryKey {
  std::string ci;
  std::uint64_t revision = 0;

  std::string encode() const;
  static std::optional<CiHistoryKey> decode(std::string_view key);
  // Every revision of `ci`, oldest first.
  static std::string prefix(std::string_view ci);

  friend bool operator==(const CiHistoryKey&, const CiHistoryKey&) = default;
};
inline constexpr KeyedTable<CiHistoryKey> kCiHistory{storage::Table::ci_history};

// Which index of a relationship: rel_out is keyed by its `from` end, rel_in by its `to` end.
enum class RelIndex { out, in };

// Table::rel_out: `from \0 type \0 to`; Table::rel_in: `to \0 type \0 from`; both ->
// Relationship JSON. A relationship is written to both or neither.
struct RelationshipKey {
  std::string from;
  RelType type = RelType::depends_on;
  std::string to;

  std::string encode(RelIndex index) const;
  // nullopt also for a type name that is not a RelType.
  static std::optional<RelationshipKey> decode(RelIndex index, std::string_view key);
  // In either index: every relationship whose indexed end is `ci` (optionally of one type).
  static std::string prefix(std::string_view ci);
  static std::string prefix(std::string_view ci, RelType type);
  static storage::Table table(RelIndex index);

  friend bool operator==(const RelationshipKey&, const RelationshipKey&) = default;
};

// Table::documents: `ci \0 name` -> the document index record.
struct DocumentKey {
  std::string ci;
  std::string name;

  std::string encode() const;
  static std::optional<DocumentKey> decode(std::string_view key);
  // Every document of `ci`.
  static std::string prefix(std::string_view ci);

  friend bool operator==(const DocumentKey&, const DocumentKey&) = default;
};
inline constexpr KeyedTable<DocumentKey> kDocuments{storage::Table::documents};

}  // namespace tollgate::server::tables
