// The pieces every table key is made of, and the typed handle a table is read and written
// through. Only server/domain/tables/ spells a key layout; everything else names a key by its
// struct (CiHistoryKey, RelationshipKey, ...), which is how a layout stays one layout.
//
// Layout rules (storage/kv_store.hpp lists each table's):
//   - text parts (ids, names, versions) are joined by one '\0'; no id or name may hold a '\0'
//     (every service validates names before they reach a key), so the join is unambiguous;
//   - numbers are be64 (eight bytes, big-endian), so that keys sort numerically;
//   - a decode accepts exactly the bytes its encode produces: a wrong number of parts, an
//     empty text part or a number that is not eight bytes decodes to nullopt (corruption).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/kv_store.hpp"

namespace tollgate::server::tables {

inline constexpr char kSeparator = '\0';

// parts[0] \0 parts[1] \0 ... (no trailing separator).
std::string join_key(std::initializer_list<std::string_view> parts);

// The prefix of every key whose leading text parts are `parts`: each followed by '\0'. A prefix
// of "a" never matches the keys of "a-b".
std::string key_prefix(std::initializer_list<std::string_view> parts);

// Exactly n non-empty text parts, or nullopt.
std::optional<std::vector<std::string_view>> split_key(std::string_view key, std::size_t n);

// A text part: non-empty and free of '\0'.
bool valid_part(std::string_view part);

// Eight bytes, big-endian; decode_be64 accepts exactly eight bytes.
std::string encode_be64(std::uint64_t value);
std::optional<std::uint64_t> decode_be64(std::string_view bytes);

// `text \0 be64(n)` and back: the layout of per-thing sequences (history, manifests).
std::string encode_text_be64(std::string_view text, std::uint64_t n);
std::optional<std::pair<std::string_view, std::uint64_t>> decode_text_be64(std::string_view key);

// A key as text for a report: '\0' shown as "\0", other bytes outside printable ASCII as \xNN.
std::string show_key(std::string_view key);

// The smallest key that sorts after `key` (a scan from here skips `key` itself).
std::string key_after(std::string_view key);

// A table read and written by a typed key. Key provides `std::string encode() const` and
// `static std::optional<Key> decode(std::string_view)`. Values stay bytes: the record codec of a
// table is its record type's to_json/from_json (see the table's header).
template <class Key>
class KeyedTable {
 public:
  constexpr explicit KeyedTable(storage::Table table) : table_(table) {}

  storage::Table table() const { return table_; }

  std::optional<std::string_view> get(storage::ReadTxn& txn, const Key& key) const {
    return txn.get(table_, key.encode());
  }
  void put(storage::WriteTxn& txn, const Key& key, std::string_view value) const {
    txn.put(table_, key.encode(), value);
  }
  bool erase(storage::WriteTxn& txn, const Key& key) const {
    return txn.erase(table_, key.encode());
  }

  // Entries whose key starts with `prefix`, from `from` (which must start with prefix; empty:
  // the prefix itself), in key order while fn returns true. A key under the prefix that does
  // not decode is skipped; `check` is where such keys are reported.
  void scan(storage::ReadTxn& txn, std::string_view prefix, std::string_view from,
            const std::function<bool(const Key&, std::string_view value)>& fn) const {
    txn.scan(table_, from.empty() ? prefix : from, [&](std::string_view k, std::string_view v) {
      if (!k.starts_with(prefix)) return false;
      auto key = Key::decode(k);
      return !key || fn(*key, v);
    });
  }
  void scan(storage::ReadTxn& txn, std::string_view prefix,
            const std::function<bool(const Key&, std::string_view value)>& fn) const {
    scan(txn, prefix, {}, fn);
  }

  // The entry with the greatest key <= `last` that starts with `prefix`, if any.
  std::optional<std::pair<Key, std::string>> last(storage::ReadTxn& txn, std::string_view prefix,
                                                  const Key& last) const {
    std::optional<std::pair<Key, std::string>> out;
    txn.scan_back(table_, last.encode(), [&](std::string_view k, std::string_view v) {
      if (!k.starts_with(prefix)) return false;
      auto key = Key::decode(k);
      if (key) out.emplace(std::move(*key), std::string(v));
      return !key;
    });
    return out;
  }

 private:
  storage::Table table_;
};

}  // namespace tollgate::server::tables
