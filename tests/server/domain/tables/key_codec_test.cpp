// The pieces of every key: '\0'-joined text parts, be64 numbers that sort numerically, strict
// decoding, and the typed handle's prefix scan that stops at its prefix.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"
#include "tests/server/domain/tables/table_store.hpp"

using namespace tollgate;
using namespace tollgate::server::tables;
using tollgate::testing::bytes;
using tollgate::testing::TableStore;

TEST_CASE("text parts are joined by one NUL, and a prefix ends in one") {
  CHECK(join_key({"a", "b", "c"}) == std::string("a\0b\0c", 5));
  CHECK(join_key({"only"}) == "only");
  CHECK(key_prefix({"a"}) == std::string("a\0", 2));
  CHECK(key_prefix({"a", "b"}) == std::string("a\0b\0", 4));
}

TEST_CASE("split_key wants exactly n non-empty parts") {
  const std::string key("a\0bc\0d", 6);  // the parts view into it
  auto parts = split_key(key, 3);
  REQUIRE(parts);
  CHECK(*parts == std::vector<std::string_view>{"a", "bc", "d"});
  CHECK_FALSE(split_key(std::string("a\0b", 3), 3));
  CHECK_FALSE(split_key(std::string("a\0b\0c\0d", 7), 3));
  CHECK_FALSE(split_key(std::string("a\0\0c", 4), 3));
  CHECK_FALSE(split_key(std::string("\0b\0c", 4), 3));
  CHECK_FALSE(split_key(std::string("a\0b\0", 4), 3));
  CHECK_FALSE(split_key("", 1));
}

TEST_CASE("be64 is eight big-endian bytes and sorts numerically") {
  CHECK(encode_be64(0) == std::string(8, '\0'));
  CHECK(encode_be64(1) == bytes({0, 0, 0, 0, 0, 0, 0, 1}));
  CHECK(encode_be64(0x0102030405060708) == bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  CHECK(encode_be64(UINT64_MAX) == std::string(8, '\xff'));
  CHECK(encode_be64(258) == storage::be64(258));

  std::vector<std::uint64_t> numbers = {
      0,         1,   2,     9,     10,       127,        128,        255,
      256,       257, 65535, 65536, 1u << 31, 1ull << 32, 1ull << 40, UINT64_MAX - 1,
      UINT64_MAX};
  std::vector<std::string> keys;
  for (auto n : numbers) keys.push_back(encode_be64(n));
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  for (auto n : numbers) CHECK(decode_be64(encode_be64(n)) == n);
}

TEST_CASE("decode_be64 accepts exactly eight bytes") {
  CHECK_FALSE(decode_be64(""));
  CHECK_FALSE(decode_be64(std::string(7, '\0')));
  CHECK_FALSE(decode_be64(std::string(9, '\0')));
}

TEST_CASE("text then be64: the number's NUL bytes do not confuse the decode") {
  const std::string key = encode_text_be64("ci", 256);
  CHECK(key == std::string("ci\0", 3) + bytes({0, 0, 0, 0, 0, 0, 1, 0}));
  auto decoded = decode_text_be64(key);
  REQUIRE(decoded);
  CHECK(decoded->first == "ci");
  CHECK(decoded->second == 256);
  CHECK_FALSE(decode_text_be64(std::string("ci", 2) + encode_be64(1)));      // no separator
  CHECK_FALSE(decode_text_be64(std::string("\0", 1) + encode_be64(1)));      // empty text
  CHECK_FALSE(decode_text_be64(std::string("a\0b\0", 4) + encode_be64(1)));  // NUL in text
  CHECK_FALSE(decode_text_be64(std::string("ci\0", 3) + std::string(7, '\1')));
}

TEST_CASE("key_after is the next key, show_key makes a key readable") {
  CHECK(key_after("abc") == std::string("abc\0", 4));
  CHECK(key_after("abc") > "abc");
  CHECK(key_after("abc") < "abc\x01");
  CHECK(show_key(std::string("a\0b\x01\\", 5)) == "a\\0b\\x01\\x5c");
}

TEST_CASE("NameKey is the name's bytes; empty names and NULs do not decode") {
  CHECK(NameKey{"rel-1"}.encode() == "rel-1");
  CHECK(NameKey::decode("rel-1") == NameKey{"rel-1"});
  CHECK_FALSE(NameKey::decode(""));
  CHECK_FALSE(NameKey::decode(std::string("a\0b", 3)));
}

namespace {
struct PairKey {
  std::string a, b;
  std::string encode() const { return join_key({a, b}); }
  static std::optional<PairKey> decode(std::string_view key) {
    auto parts = split_key(key, 2);
    if (!parts) return std::nullopt;
    return PairKey{std::string((*parts)[0]), std::string((*parts)[1])};
  }
};
}  // namespace

TEST_CASE("a prefix scan stays inside its prefix and skips keys that do not decode") {
  TableStore t;
  const KeyedTable<PairKey> table{storage::Table::documents};
  t.put(storage::Table::documents,
        {join_key({"a", "x"}), join_key({"a", "y"}), join_key({"a-b", "z"}), join_key({"ab", "w"}),
         std::string("a\0", 2), join_key({"b", "v"})});
  t.read([&](storage::ReadTxn& txn) {
    std::vector<std::string> seen;
    table.scan(txn, key_prefix({"a"}), [&](const PairKey& key, std::string_view value) {
      seen.push_back(key.a + "/" + key.b + "=" + std::string(value.substr(0, 2)));
      return true;
    });
    CHECK(seen == std::vector<std::string>{"a/x=v:", "a/y=v:"});

    seen.clear();
    table.scan(txn, key_prefix({"a"}), key_after(join_key({"a", "x"})),
               [&](const PairKey& key, std::string_view) {
                 seen.push_back(key.b);
                 return true;
               });
    CHECK(seen == std::vector<std::string>{"y"});

    auto last = table.last(txn, key_prefix({"a"}), PairKey{"a", "\xff"});
    REQUIRE(last);
    CHECK(last->first.b == "y");
    CHECK_FALSE(table.last(txn, key_prefix({"c"}), PairKey{"c", "\xff"}));
  });
}
