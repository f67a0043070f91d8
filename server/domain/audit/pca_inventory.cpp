#include "server/domain/audit/pca_inventory.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 256 * 1024;
// After a refused line the rest of the body is read (up to this much) so that the client, still
// sending, gets the answer instead of a reset connection.
constexpr std::uint64_t kDrainLimit = std::uint64_t{16} << 20;

Status refuse_line(std::size_t number, std::string_view message) {
  return refuse_inventory_entry(InventoryOrigin{false, number}, message, kInvalidInventoryReason);
}

std::string_view without_cr(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Turns NDJSON lines into entries, reusing one JSON parser for every line.
class LineParser {
 public:
  // A line's members (`number` counts from 1 and names it in errors); sha256 as written.
  Result<InventoryEntry> parse(std::size_t number, std::string_view text) {
    if (text.size() > kMaxInventoryLine)
      return refuse_line(number, fmt::format("is longer than {} bytes", kMaxInventoryLine));
    if (text.empty()) return refuse_line(number, "is blank");
    parser_.reset();
    boost::system::error_code ec;
    parser_.write(text, ec);
    if (ec) return refuse_line(number, fmt::format("malformed JSON: {}", ec.message()));
    const json::value value = parser_.release();
    if (!value.is_object()) return refuse_line(number, "must be a JSON object");
    const json::object& object = value.get_object();
    const json::value* path = object.if_contains("path");
    const json::value* sha256 = object.if_contains("sha256");
    const json::value* size = object.if_contains("size");
    // The common case without Fields' bookkeeping; anything else gets its full diagnosis.
    if (object.size() != 3 || !path || !path->is_string() || !sha256 || !sha256->is_string() ||
        !size || !size->is_int64()) {
      Fields fields(object);
      (void)fields.string("path", true);
      (void)fields.string("sha256", true);
      (void)fields.integer("size", true);
      if (Status st = fields.finish(); !st.ok()) return refuse_line(number, st.message());
      if (!size->is_int64()) return refuse_line(number, "size: too large");
    }
    if (size->get_int64() < 0) return refuse_line(number, "size: must not be negative");
    return InventoryEntry{std::string(path->get_string()), std::string(sha256->get_string()),
                          static_cast<std::uint64_t>(size->get_int64())};
  }

  // Parses line `number` (without its '\n') and compares it.
  Status add(PcaComparison& comparison, std::size_t number, std::string_view text) {
    TG_ASSIGN_OR_RETURN(InventoryEntry entry, parse(number, text));
    return comparison.add(InventoryOrigin{false, number}, std::move(entry));
  }

 private:
  json::parser parser_;
};

Status feed_lines(BodyReader& body, PcaComparison& comparison) {
  BodyBuffer buffer(body, kReadChunk);
  LineParser lines;
  std::string pending;  // the start of a line that continues in the next chunk
  std::size_t number = 0;
  for (;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t n, body.read(buffer.span()));
    if (n == 0) break;
    std::string_view chunk(buffer.data(), n);
    while (!chunk.empty()) {
      const auto newline = chunk.find('\n');
      const std::string_view part = chunk.substr(0, newline);
      if (pending.size() + part.size() > kMaxInventoryLine + 1)
        return refuse_line(number + 1, fmt::format("is longer than {} bytes", kMaxInventoryLine));
      if (newline == std::string_view::npos) {
        pending.append(part);
        break;
      }
      std::string_view line = part;
      if (!pending.empty()) line = pending.append(part);
      TG_RETURN_IF_ERROR(lines.add(comparison, ++number, without_cr(line)));
      pending.clear();
      chunk.remove_prefix(newline + 1);
    }
  }
  if (!pending.empty()) TG_RETURN_IF_ERROR(lines.add(comparison, ++number, without_cr(pending)));
  return {};
}

}  // namespace

void drain_inventory(BodyReader& body) {
  BodyBuffer buffer(body, kReadChunk);
  std::uint64_t drained = 0;
  while (drained < kDrainLimit) {
    auto n = body.read(buffer.span());
    if (!n.ok() || *n == 0) return;
    drained += *n;
  }
}

Status read_ndjson_inventory(BodyReader& body, PcaComparison& comparison) {
  Status st = feed_lines(body, comparison);
  if (st.code() == Code::invalid) drain_inventory(body);
  return st;
}

}  // namespace tollgate::server
