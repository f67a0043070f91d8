#include "server/http/http_range.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace tollgate::server {

namespace {

constexpr std::uint64_t kMaxPosition = std::numeric_limits<std::uint64_t>::max();

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

// The value of a digit string, or nullopt when it does not fit 64 bits.
std::optional<std::uint64_t> exact_value(std::string_view digits) {
  std::uint64_t value = 0;
  for (const char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMaxPosition - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// A range position past 2^64-1 lies beyond any representation, so it acts as that maximum.
std::uint64_t saturating_value(std::string_view digits) {
  return exact_value(digits).value_or(kMaxPosition);
}

// Whether the number written as `a` is less than the one written as `b` (digit strings of any
// length, leading zeros allowed).
bool decimal_less(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The only non-empty element of a comma-separated list, or nullopt when there is none or more
// than one. Empty elements ("a,,b", "a,") are skipped, as RFC 9110 §5.6.1 asks of recipients.
std::optional<std::string_view> single_element(std::string_view list) {
  std::optional<std::string_view> found;
  for (;;) {
    const std::size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) {
      if (found) return std::nullopt;
      found = element;
    }
    if (comma == std::string_view::npos) return found;
    list.remove_prefix(comma + 1);
  }
}

constexpr RangeRequest kIgnore{};
constexpr RangeRequest kUnsatisfiable{RangeDisposition::unsatisfiable, {}};

RangeRequest suffix_range(std::string_view digits, std::uint64_t size) {
  if (!is_digits(digits)) return kIgnore;
  const std::uint64_t n = saturating_value(digits);
  if (n == 0) return kUnsatisfiable;
  if (size == 0) return kIgnore;
  return {RangeDisposition::satisfiable, {size - std::min(n, size), size - 1}};
}

Status content_range_error(std::string message) {
  return invalid("Content-Range: " + std::move(message)).with_reason(kInvalidContentRangeReason);
}

Result<std::uint64_t> upload_position(std::string_view digits, const char* which) {
  if (!is_digits(digits))
    return content_range_error(fmt::format("the {} position is not a decimal number", which));
  const auto value = exact_value(digits);
  if (!value) return content_range_error(fmt::format("the {} position is too large", which));
  return *value;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  header = trim_ows(header);
  const std::size_t equals = header.find('=');
  if (equals == std::string_view::npos || !equals_ignoring_case(header.substr(0, equals), "bytes"))
    return kIgnore;
  const std::optional<std::string_view> spec = single_element(header.substr(equals + 1));
  if (!spec) return kIgnore;
  const std::size_t dash = spec->find('-');
  if (dash == std::string_view::npos) return kIgnore;
  const std::string_view first = spec->substr(0, dash);
  const std::string_view last = spec->substr(dash + 1);
  if (first.empty()) return suffix_range(last, size);
  if (!is_digits(first) || (!last.empty() && !is_digits(last))) return kIgnore;
  if (!last.empty() && decimal_less(last, first)) return kIgnore;
  const std::uint64_t from = saturating_value(first);
  if (from >= size) return kUnsatisfiable;
  const std::uint64_t to = last.empty() ? size - 1 : std::min(saturating_value(last), size - 1);
  return {RangeDisposition::satisfiable, {from, to}};
}

std::string content_range(const ByteRange& range, std::uint64_t size) {
  return fmt::format("bytes {}-{}/{}", range.first, range.last, size);
}

std::string unsatisfied_content_range(std::uint64_t size) {
  return fmt::format("bytes */{}", size);
}

Result<UploadContentRange> parse_upload_content_range(std::string_view value) {
  constexpr std::string_view kUnit = "bytes ";
  std::string_view rest = trim_ows(value);
  if (rest.empty()) return content_range_error("the value is empty");
  UploadContentRange out;
  if (rest.size() >= kUnit.size() && equals_ignoring_case(rest.substr(0, kUnit.size()), kUnit)) {
    rest.remove_prefix(kUnit.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos)
      return content_range_error("\"bytes first-last/total\" needs \"/total\" or \"/*\"");
    const std::string_view total = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (total != "*") {
      if (!is_digits(total)) return content_range_error("the total is not a number or \"*\"");
      const auto parsed = exact_value(total);
      if (!parsed) return content_range_error("the total is too large");
      out.total = *parsed;
    }
  }
  const std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos)
    return content_range_error("expected \"first-last\" or \"bytes first-last/total\"");
  TG_ASSIGN_OR_RETURN(out.range.first, upload_position(rest.substr(0, dash), "first"));
  TG_ASSIGN_OR_RETURN(out.range.last, upload_position(rest.substr(dash + 1), "last"));
  if (out.range.last < out.range.first)
    return content_range_error(fmt::format("the last position {} is before the first {}",
                                           out.range.last, out.range.first));
  if (out.total && *out.total <= out.range.last)
    return content_range_error(fmt::format("the total {} does not exceed the last position {}",
                                           *out.total, out.range.last));
  return out;
}

std::string upload_range_header(std::uint64_t size) {
  return fmt::format("0-{}", size == 0 ? 0 : size - 1);
}

}  // namespace tollgate::server
