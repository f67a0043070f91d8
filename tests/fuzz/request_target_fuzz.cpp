// Request targets and their queries (server/http/request_target.hpp), and the paging parameters
// read from a query (server/domain/pagination.hpp). The input is the target as a client sent it.
// Checks: a target that parses has one segment per '/' of its path; re-encoding what was decoded
// gives a target that reads back the same; a cursor that is accepted is the one text of its key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/domain/pagination.hpp"
#include "server/http/request_target.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using tollgate::server::RequestTarget;

// Every byte but the unreserved ones (RFC 3986 §2.3) as %XX.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string encode(const RequestTarget& target) {
  std::string out;
  for (const std::string& segment : target.segments) out += "/" + percent_encode(segment);
  for (std::size_t i = 0; i < target.query.size(); ++i) {
    out += i == 0 ? "?" : "&";
    out += percent_encode(target.query[i].first) + "=" + percent_encode(target.query[i].second);
  }
  return out;
}

std::optional<std::string_view> query_value(const RequestTarget& target, std::string_view key) {
  for (const auto& [k, v] : target.query)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

void check_page(const RequestTarget& target) {
  const std::optional<std::string_view> cursor = query_value(target, "cursor");
  auto page = tollgate::server::parse_page(query_value(target, "limit"), cursor);
  if (!page) return;
  FUZZ_CHECK(page->limit >= 1 && page->limit <= tollgate::server::kMaxPageLimit, "limit %zu",
             page->limit);
  if (cursor && !cursor->empty())
    FUZZ_CHECK(tollgate::server::encode_cursor(page->after) == *cursor,
               "a cursor read as a key that encodes differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto target = tollgate::server::parse_request_target(text);
  if (!target) return 0;
  const std::string_view path = text.substr(0, text.find('?'));
  FUZZ_CHECK(target->segments.size() ==
                 static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')),
             "%zu segments", target->segments.size());
  const std::string again = encode(*target);
  auto reread = tollgate::server::parse_request_target(again);
  FUZZ_CHECK(reread.ok(), "the re-encoded target %s does not parse", again.c_str());
  FUZZ_CHECK(reread->segments == target->segments, "segments differ after %s", again.c_str());
  FUZZ_CHECK(reread->query == target->query, "query differs after %s", again.c_str());
  check_page(*target);
  return 0;
}
