// Byte ranges (server/http/http_range.hpp): the Range header of a download against a
// representation's size, and the Content-Range header of an upload chunk. The first eight bytes
// are the size (little-endian; its low bits mostly, so that small sizes come up often), the rest
// is the header value.
// Checks: a satisfiable range lies inside the representation and the Content-Range written for
// it reads back as the same range; an upload range that parses is ordered and below its total,
// and reads back from the header written for it.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "server/http/http_range.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using tollgate::server::ByteRange;
using tollgate::server::RangeDisposition;

std::uint64_t size_of(tollgate::fuzz::Input& input) {
  std::uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= std::uint64_t{input.byte()} << (8 * i);
  // One input in four keeps all 64 bits (sizes near 2^64); the others a size below 64 KiB.
  return (size & 3) == 0 ? size : (size >> 2) & 0xffff;
}

void check_download(std::string_view header, std::uint64_t size) {
  const auto request = tollgate::server::parse_range(header, size);
  if (request.disposition == RangeDisposition::unsatisfiable) {
    FUZZ_CHECK(!tollgate::server::unsatisfied_content_range(size).empty(), "no header");
    return;
  }
  if (request.disposition != RangeDisposition::satisfiable) return;
  const ByteRange range = request.range;
  FUZZ_CHECK(range.first <= range.last && range.last < size, "bytes %llu-%llu of %llu",
             static_cast<unsigned long long>(range.first),
             static_cast<unsigned long long>(range.last), static_cast<unsigned long long>(size));
  FUZZ_CHECK(range.length() >= 1 && range.length() <= size, "length");
  // "bytes a-b/size" as a request header names the same range.
  const std::string content_range = tollgate::server::content_range(range, size);
  const std::string as_request = "bytes=" + content_range.substr(6, content_range.find('/') - 6);
  const auto reread = tollgate::server::parse_range(as_request, size);
  FUZZ_CHECK(reread.disposition == RangeDisposition::satisfiable && reread.range == range,
             "%s reads back differently", content_range.c_str());
}

void check_upload(std::string_view value) {
  auto parsed = tollgate::server::parse_upload_content_range(value);
  if (!parsed) {
    FUZZ_CHECK(parsed.status().reason() == tollgate::server::kInvalidContentRangeReason,
               "a refusal without its reason: %s", parsed.status().message().c_str());
    return;
  }
  const ByteRange range = parsed->range;
  FUZZ_CHECK(range.first <= range.last, "a reversed range");
  if (parsed->total) FUZZ_CHECK(*parsed->total > range.last, "a total not past the last byte");
  std::string written = "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) +
                        "/" + (parsed->total ? std::to_string(*parsed->total) : std::string("*"));
  auto reread = tollgate::server::parse_upload_content_range(written);
  FUZZ_CHECK(reread.ok() && reread->range == range && reread->total == parsed->total,
             "%s reads back differently", written.c_str());
  // The registry's Range answer for an upload holding bytes 0..last.
  if (range.last < std::numeric_limits<std::uint64_t>::max()) {
    const std::string upload = tollgate::server::upload_range_header(range.last + 1);
    FUZZ_CHECK(upload == "0-" + std::to_string(range.last), "%s", upload.c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tollgate::fuzz::Input input(data, size);
  const std::uint64_t representation = size_of(input);
  const std::string_view header = input.rest();
  check_download(header, representation);
  check_upload(header);
  return 0;
}
