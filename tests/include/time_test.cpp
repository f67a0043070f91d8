#include "tollgate/time.hpp"

#include <doctest/doctest.h>

using namespace tollgate;

TEST_CASE("RFC 3339 rendering uses UTC with six fractional digits") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_rfc3339(1'796'107'712'000'123) == "2026-12-01T06:48:32.000123Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_date(1'796'107'712'000'123) == "2026-12-01");
}

TEST_CASE("parsing reads back what rendering wrote, and offsets") {
  for (Micros t : {Micros{0}, Micros{1'796'107'712'000'123}, Micros{951'782'400'000'000}}) {
    CHECK(parse_rfc3339(format_rfc3339(t)) == t);
  }
  CHECK(parse_rfc3339("2026-12-01T06:48:32Z") == 1'796'107'712'000'000);
  CHECK(parse_rfc3339("2026-12-01T08:48:32+02:00") == 1'796'107'712'000'000);
  CHECK(parse_rfc3339("2026-12-01T06:18:32.5-00:30") == 1'796'107'712'500'000);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
}

TEST_CASE("an instant an offset moves out of the years 0000..9999 is refused") {
  // format_rfc3339 writes such an instant as "-001-12-31T..." or "10000-01-01T...", which no
  // parse reads back: a manifest that parsed would not parse once written again.
  CHECK_FALSE(parse_rfc3339("0000-01-01T00:30:00+01:00").has_value());
  CHECK_FALSE(parse_rfc3339("9999-12-31T23:59:59-00:01").has_value());
  CHECK(parse_rfc3339("0000-01-01T00:00:00Z") == kFirstRfc3339);
  CHECK(parse_rfc3339("9999-12-31T23:59:60.9999999Z") == kLastRfc3339);
  CHECK(format_rfc3339(kFirstRfc3339) == "0000-01-01T00:00:00.000000Z");
  CHECK(format_rfc3339(kLastRfc3339) == "9999-12-31T23:59:59.999999Z");
  CHECK(parse_rfc3339("0001-01-01T00:30:00+01:00") == parse_rfc3339("0000-12-31T23:30:00Z"));
}

TEST_CASE("malformed instants are refused") {
  for (const char* bad :
       {"", "2026-12-01", "2026-12-01T06:48:32", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T06:48:32.Z",
        "2026-12-01T06:48:32Zjunk", "yesterday", "2026-12-01T06:48:32+2:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
  CHECK(parse_date("2026-12-01") == 1'796'083'200'000'000);
  CHECK_FALSE(parse_date("2026-12-1").has_value());
}

TEST_CASE("ManualClock can be set and advanced") {
  ManualClock clock(100);
  CHECK(clock.now() == 100);
  clock.advance(5);
  CHECK(clock.now() == 105);
  clock.set(1);
  CHECK(clock.now() == 1);
}
