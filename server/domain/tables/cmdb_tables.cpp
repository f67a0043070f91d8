#include "server/domain/tables/cmdb_tables.hpp"

namespace tollgate::server::tables {

std::string CiHistoryKey::encode() const { return encode_text_be64(ci, revision); }

std::optional<CiHistoryKey> CiHistoryKey::decode(std::string_view key) {
  auto parts = decode_text_be64(key);
  if (!parts) return std::nullopt;
  return CiHistoryKey{std::string(parts->first), parts->second};
}

std::string CiHistoryKey::prefix(std::string_view ci) { return key_prefix({ci}); }

std::string RelationshipKey::encode(RelIndex index) const {
  const std::string_view near = index == RelIndex::out ? from : to;
  const std::string_view far = index == RelIndex::out ? to : from;
  return join_key({near, rel_type_name(type), far});
}

std::optional<RelationshipKey> RelationshipKey::decode(RelIndex index, std::string_view key) {
  auto parts = split_key(key, 3);
  if (!parts) return std::nullopt;
  auto type = parse_rel_type((*parts)[1]);
  if (!type) return std::nullopt;
  const std::string near((*parts)[0]), far((*parts)[2]);
  return index == RelIndex::out ? RelationshipKey{near, *type, far}
                                : RelationshipKey{far, *type, near};
}

std::string RelationshipKey::prefix(std::string_view ci) { return key_prefix({ci}); }

std::string RelationshipKey::prefix(std::string_view ci, RelType type) {
  return key_prefix({ci, rel_type_name(type)});
}

storage::Table RelationshipKey::table(RelIndex index) {
  return index == RelIndex::out ? storage::Table::rel_out : storage::Table::rel_in;
}

std::string DocumentKey::encode() const { return join_key({ci, name}); }

std::optional<DocumentKey> DocumentKey::decode(std::string_view key) {
  auto parts = split_key(key, 2);
  if (!parts) return std::nullopt;
  return DocumentKey{std::string((*parts)[0]), std::string((*parts)[1])};
}

std::string DocumentKey::prefix(std::string_view ci) { return key_prefix({ci}); }

}  // namespace tollgate::server::tables
