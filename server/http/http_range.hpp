// HTTP byte ranges: the Range request header of downloads (RFC 9110 §14.2), the Content-Range
// response header (§14.4), and the Content-Range request header of resumable uploads (the
// Docker registry's "first-last" and the RFC's "bytes first-last/total").
//
// Pure functions on header values: nothing here knows Beast, sockets or the blob store, so the
// request handlers stay a few lines and the parsing can be fuzzed on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tollgate/status.hpp"

namespace tollgate::server {

// Status reason of a malformed upload Content-Range (with Code::invalid).
inline constexpr const char* kInvalidContentRangeReason = "invalid-content-range";

// An inclusive range of byte positions: first <= last.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  std::uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// What to answer to a GET or HEAD given its Range header.
enum class RangeDisposition {
  ignore,         // serve the whole representation: 200
  satisfiable,    // serve `range`: 206 with Content-Range: bytes first-last/size
  unsatisfiable,  // 416 with Content-Range: bytes */size
};

struct RangeRequest {
  RangeDisposition disposition = RangeDisposition::ignore;
  ByteRange range;  // meaningful only when satisfiable; then range.last < size
};

// Decides a Range header value against a representation of `size` bytes. `header` is the field
// value, empty when the request has none. Accepts one range-spec of the "bytes" unit (compared
// case-insensitively), in the three forms of RFC 9110 §14.1.2:
//   "bytes=a-b"  bytes a..b; b beyond the end is clamped to size-1
//   "bytes=a-"   bytes a..size-1
//   "bytes=-n"   the last n bytes; all of them when n >= size
// Answers ignore (serve it all, as §14.2 allows) for an empty header, another unit, malformed
// syntax (including b < a, whitespace inside a range-spec, non-digits) and for more than one
// range, since multipart/byteranges is not offered; empty list elements ("bytes=0-1,") are
// skipped as §5.6.1 asks. Also ignore for a suffix range of an empty representation, which has
// no byte to name: the whole (empty) body is the answer. Answers unsatisfiable when a >= size or
// n == 0. Positions of any number of digits are accepted: a value past 2^64-1 behaves as that
// maximum, and "a-b" compares the written numbers exactly, so an overflow never turns an
// invalid range into a valid one.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// The Content-Range value of a 206: "bytes first-last/size".
std::string content_range(const ByteRange& range, std::uint64_t size);

// The Content-Range value of a 416: "bytes */size".
std::string unsatisfied_content_range(std::uint64_t size);

// The bytes a PATCH of a resumable upload claims to carry.
struct UploadContentRange {
  ByteRange range;
  std::optional<std::uint64_t> total;  // the declared complete length; nullopt for "*" or absent
};

// Parses the Content-Range request header of an upload chunk, either Docker registry style
// "first-last" or "bytes first-last/total" / "bytes first-last/*" (unit case-insensitive, one
// space after it). Surrounding spaces and tabs are ignored; nothing else is tolerated.
// Errors: invalid (reason invalid-content-range) for an empty or malformed value, a number
// that does not fit 64 bits, last < first, or a total that does not exceed last.
Result<UploadContentRange> parse_upload_content_range(std::string_view value);

// The Docker registry Range response header of an upload holding `size` bytes: "0-<size-1>",
// and "0-0" for an empty upload (the registry protocol's quirk, kept for its clients).
std::string upload_range_header(std::uint64_t size);

}  // namespace tollgate::server
