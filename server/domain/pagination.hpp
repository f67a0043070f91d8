// Pagination of lists: `limit` and an opaque `cursor` that names where the next page starts.
//
// A cursor is the base64url encoding of the last key a page returned; the next page starts
// strictly after it. Cursors stay valid across writes: entries added before the cursor are
// simply not seen by that walk.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/status.hpp"

namespace tollgate::server {

constexpr std::size_t kDefaultPageLimit = 100;
constexpr std::size_t kMaxPageLimit = 1000;

struct PageRequest {
  std::size_t limit = kDefaultPageLimit;
  std::string after;  // decoded cursor: the last key already seen; empty = from the start
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;  // key to continue after; nullopt = no more
};

// Parses `limit` (1..1000, default 100) and `cursor` query values. Errors: invalid.
Result<PageRequest> parse_page(std::optional<std::string_view> limit,
                               std::optional<std::string_view> cursor);

std::string encode_cursor(std::string_view last_key);

}  // namespace tollgate::server
