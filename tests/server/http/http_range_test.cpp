#include "server/http/http_range.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace tollgate::server {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

bool ignored(std::string_view header, std::uint64_t size = 1000) {
  return parse_range(header, size).disposition == RangeDisposition::ignore;
}

bool unsatisfiable(std::string_view header, std::uint64_t size = 1000) {
  return parse_range(header, size).disposition == RangeDisposition::unsatisfiable;
}

// The range served, or {kMax, kMax} when the request is not satisfiable, so that a CHECK shows
// both positions on a failure.
ByteRange served(std::string_view header, std::uint64_t size = 1000) {
  const RangeRequest r = parse_range(header, size);
  if (r.disposition != RangeDisposition::satisfiable) return {kMax, kMax};
  return r.range;
}

}  // namespace

TEST_CASE("parse_range: the three forms of a byte range") {
  CHECK(served("bytes=0-499") == ByteRange{0, 499});
  CHECK(served("bytes=500-999") == ByteRange{500, 999});
  CHECK(served("bytes=7-7") == ByteRange{7, 7});
  CHECK(served("bytes=900-") == ByteRange{900, 999});
  CHECK(served("bytes=0-") == ByteRange{0, 999});
  CHECK(served("bytes=-100") == ByteRange{900, 999});
  CHECK(served("bytes=-1") == ByteRange{999, 999});
  CHECK(served("bytes=0-0", 1) == ByteRange{0, 0});
  CHECK(served("bytes=0-499").length() == 500);
}

TEST_CASE("parse_range clamps what reaches past the end") {
  CHECK(served("bytes=500-5000") == ByteRange{500, 999});
  CHECK(served("bytes=999-1000") == ByteRange{999, 999});
  CHECK(served("bytes=-1000") == ByteRange{0, 999});
  CHECK(served("bytes=-1001") == ByteRange{0, 999});
  CHECK(served("bytes=-5", 3) == ByteRange{0, 2});
}

TEST_CASE("parse_range: unsatisfiable ranges") {
  CHECK(unsatisfiable("bytes=1000-"));
  CHECK(unsatisfiable("bytes=1000-1000"));
  CHECK(unsatisfiable("bytes=1000-2000"));
  CHECK(unsatisfiable("bytes=5000-"));
  CHECK(unsatisfiable("bytes=-0"));
  CHECK(unsatisfiable("bytes=-000"));
  SUBCASE("an empty representation has no byte to start at") {
    CHECK(unsatisfiable("bytes=0-", 0));
    CHECK(unsatisfiable("bytes=0-0", 0));
    CHECK(unsatisfiable("bytes=-0", 0));
  }
}

TEST_CASE("parse_range: a suffix of an empty representation serves the empty whole") {
  CHECK(ignored("bytes=-1", 0));
  CHECK(ignored("bytes=-500", 0));
}

TEST_CASE("parse_range ignores an absent header, other units and several ranges") {
  CHECK(ignored(""));
  CHECK(ignored("   "));
  CHECK(ignored("items=0-5"));
  CHECK(ignored("bytesx=0-5"));
  CHECK(ignored("byte=0-5"));
  CHECK(ignored("=0-5"));
  CHECK(ignored("bytes=0-1,5-6"));
  CHECK(ignored("bytes=0-1, -5"));
  CHECK(ignored("bytes=0-1,0-1"));
}

TEST_CASE("parse_range: the unit is case-insensitive") {
  CHECK(served("Bytes=0-1") == ByteRange{0, 1});
  CHECK(served("BYTES=-2") == ByteRange{998, 999});
}

TEST_CASE("parse_range skips empty list elements and optional whitespace around them") {
  CHECK(served("bytes=0-1,") == ByteRange{0, 1});
  CHECK(served("bytes=,0-1") == ByteRange{0, 1});
  CHECK(served("bytes= 0-1 ") == ByteRange{0, 1});
  CHECK(served("bytes=\t0-1 , ,") == ByteRange{0, 1});
  CHECK(served("  bytes=0-1  ") == ByteRange{0, 1});
  CHECK(ignored("bytes=,"));
  CHECK(ignored("bytes= , "));
}

TEST_CASE("parse_range ignores malformed syntax") {
  for (const char* header : {
           "bytes",       "bytes=",      "bytes=-",     "bytes=--5",  "bytes=5",      "bytes=a-b",
           "bytes=1-x",   "bytes=x-1",   "bytes=0x1-2", "bytes=+1-2", "bytes=1-+2",   "bytes=1-2-3",
           "bytes=1 - 2", "bytes=1- 2",  "bytes=1 -2",  "bytes =0-1", "bytes= =0-1",  "bytes=- 5",
           "bytes=-5-",   "bytes=1.5-2", "bytes=-1e3",  "bytes=0-1;", "bytes=\xff-1", "bytes=0–1",
       }) {
    CAPTURE(header);
    CHECK(ignored(header));
  }
}

TEST_CASE("parse_range: last before first is invalid, hence ignored") {
  CHECK(ignored("bytes=5-4"));
  CHECK(ignored("bytes=999-0"));
  CHECK(ignored("bytes=10-9", 5));  // invalid takes precedence over unsatisfiable
}

TEST_CASE("parse_range: leading zeros are plain digits") {
  CHECK(served("bytes=0005-0009") == ByteRange{5, 9});
  CHECK(served("bytes=-0010") == ByteRange{990, 999});
  CHECK(ignored("bytes=010-9"));
}

TEST_CASE("parse_range: numbers of any length") {
  const std::string huge = "99999999999999999999999999999";  // far past 2^64
  SUBCASE("a huge first position is past any end") {
    CHECK(unsatisfiable("bytes=" + huge + "-"));
    CHECK(unsatisfiable("bytes=" + huge + "-" + huge + "9"));
    CHECK(unsatisfiable("bytes=18446744073709551615-", kMax));
    CHECK(unsatisfiable("bytes=18446744073709551616-", kMax));
  }
  SUBCASE("a huge last position is clamped") {
    CHECK(served("bytes=0-" + huge) == ByteRange{0, 999});
    CHECK(served("bytes=1-18446744073709551616") == ByteRange{1, 999});
  }
  SUBCASE("a huge suffix is the whole representation") {
    CHECK(served("bytes=-" + huge) == ByteRange{0, 999});
  }
  SUBCASE("order is decided on the written numbers, not on saturated values") {
    // Both saturate to 2^64-1, but last < first: invalid, not merely unsatisfiable.
    CHECK(ignored("bytes=" + huge + "-" + huge.substr(1)));
    CHECK(ignored("bytes=99999999999999999999999999999-99999999999999999999999999998"));
    CHECK(ignored("bytes=18446744073709551616-18446744073709551615"));
  }
  SUBCASE("the largest representation") {
    CHECK(served("bytes=18446744073709551614-", kMax) ==
          ByteRange{18446744073709551614u, 18446744073709551614u});
    CHECK(served("bytes=-2", kMax) == ByteRange{kMax - 2, kMax - 1});
  }
}

TEST_CASE("content_range and unsatisfied_content_range") {
  CHECK(content_range({0, 499}, 1000) == "bytes 0-499/1000");
  CHECK(content_range({999, 999}, 1000) == "bytes 999-999/1000");
  CHECK(content_range({0, kMax - 1}, kMax) == "bytes 0-18446744073709551614/18446744073709551615");
  CHECK(unsatisfied_content_range(1000) == "bytes */1000");
  CHECK(unsatisfied_content_range(0) == "bytes */0");
}

TEST_CASE("parse_range and content_range agree") {
  const RangeRequest r = parse_range("bytes=-10", 25);
  REQUIRE(r.disposition == RangeDisposition::satisfiable);
  CHECK(content_range(r.range, 25) == "bytes 15-24/25");
}

namespace {

UploadContentRange upload_range(std::string_view value) {
  auto parsed = parse_upload_content_range(value);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  return *parsed;
}

void check_rejected(std::string_view value) {
  CAPTURE(value);
  auto parsed = parse_upload_content_range(value);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::invalid);
  CHECK(parsed.status().reason() == kInvalidContentRangeReason);
}

}  // namespace

TEST_CASE("parse_upload_content_range: Docker registry style") {
  const UploadContentRange r = upload_range("0-1023");
  CHECK(r.range == ByteRange{0, 1023});
  CHECK_FALSE(r.total);
  CHECK(upload_range("1024-1024").range == ByteRange{1024, 1024});
  CHECK(upload_range(" 5-9\t").range == ByteRange{5, 9});
  CHECK(upload_range("0-18446744073709551615").range == ByteRange{0, kMax});
}

TEST_CASE("parse_upload_content_range: RFC 9110 style") {
  UploadContentRange r = upload_range("bytes 0-99/1000");
  CHECK(r.range == ByteRange{0, 99});
  REQUIRE(r.total);
  CHECK(*r.total == 1000);
  r = upload_range("bytes 100-199/*");
  CHECK(r.range == ByteRange{100, 199});
  CHECK_FALSE(r.total);
  CHECK(upload_range("Bytes 0-0/1").total == std::optional<std::uint64_t>(1));
  CHECK(upload_range("BYTES 0-9/*").range == ByteRange{0, 9});
}

TEST_CASE("parse_upload_content_range rejects malformed values") {
  for (const char* value : {
           "",
           " ",
           "-",
           "5",
           "5-",
           "-5",
           "a-b",
           "1-2-3",
           "1 -2",
           "1- 2",
           "+1-2",
           "0x1-2",
           "bytes=0-1",
           "bytes 0-1",
           "bytes 0-1/",
           "bytes 0-1/x",
           "bytes  0-1/*",
           "bytes */100",
           "bytes 0-1/*/2",
           "bytes 0-1/-5",
           "bytes\t0-1/*",
           "items 0-1/*",
           "bytes0-1/*",
           "0-1/100",
       }) {
    check_rejected(value);
  }
}

TEST_CASE("parse_upload_content_range rejects last before first and a short total") {
  check_rejected("9-5");
  check_rejected("bytes 9-5/*");
  check_rejected("bytes 0-99/99");
  check_rejected("bytes 0-99/50");
  check_rejected("bytes 0-0/0");
  CHECK(upload_range("bytes 0-99/100").total == std::optional<std::uint64_t>(100));
}

TEST_CASE("parse_upload_content_range rejects numbers past 64 bits") {
  check_rejected("0-18446744073709551616");
  check_rejected("18446744073709551616-18446744073709551617");
  check_rejected("bytes 0-1/18446744073709551616");
  check_rejected("0-99999999999999999999999999999");
}

TEST_CASE("upload_range_header: the Docker registry's Range of an upload") {
  CHECK(upload_range_header(0) == "0-0");
  CHECK(upload_range_header(1) == "0-0");
  CHECK(upload_range_header(1024) == "0-1023");
}

}  // namespace tollgate::server
