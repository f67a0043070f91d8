#include "server/domain/tables/meta_table.hpp"

#include <charconv>
#include <string>

namespace tollgate::server::tables {

std::string manifest_version_key(std::string_view environment) {
  std::string key(kMetaManifestVersion);
  key += '\0';
  key += environment;
  return key;
}

std::uint64_t get_be64_counter(storage::ReadTxn& txn, std::string_view name) {
  auto stored = txn.get(storage::Table::meta, name);
  return stored ? storage::from_be64(*stored) : 0;
}

void put_be64_counter(storage::WriteTxn& txn, std::string_view name, std::uint64_t value) {
  txn.put(storage::Table::meta, name, storage::be64(value));
}

std::optional<std::uint64_t> get_decimal_counter(storage::ReadTxn& txn, std::string_view name) {
  auto stored = txn.get(storage::Table::meta, name);
  if (!stored) return std::nullopt;
  std::uint64_t parsed = 0;
  const auto [end, ec] = std::from_chars(stored->data(), stored->data() + stored->size(), parsed);
  if (ec != std::errc() || end != stored->data() + stored->size() || parsed == 0)
    return std::nullopt;
  return parsed;
}

void put_decimal_counter(storage::WriteTxn& txn, std::string_view name, std::uint64_t value) {
  txn.put(storage::Table::meta, name, std::to_string(value));
}

}  // namespace tollgate::server::tables
