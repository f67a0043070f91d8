#include "server/domain/pagination.hpp"

#include <charconv>

#include <fmt/format.h>

#include "server/domain/crypto.hpp"
#include "tollgate/encoding.hpp"

namespace tollgate::server {

Result<PageRequest> parse_page(std::optional<std::string_view> limit,
                               std::optional<std::string_view> cursor) {
  PageRequest page;
  if (limit) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > kMaxPageLimit)
      return invalid(fmt::format("limit must be an integer from 1 to {}", kMaxPageLimit));
    page.limit = n;
  }
  if (cursor && !cursor->empty()) {
    auto decoded = decode_base64url(*cursor);
    if (!decoded || decoded->empty()) return invalid("cursor is not one this server handed out");
    page.after = std::move(*decoded);
  }
  return page;
}

std::string encode_cursor(std::string_view last_key) { return encode_base64url(last_key); }

}  // namespace tollgate::server
