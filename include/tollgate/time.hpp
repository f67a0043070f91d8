// Timestamps: microseconds since the Unix epoch, rendered as RFC 3339 UTC.
//
// Every stored time in Tollgate is a Micros. Rendering always uses six fractional digits so
// that a time read back from the API and sent again (for example as `as_of=`) names exactly the
// same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tollgate {

using Micros = std::int64_t;

// A source of the current time; tests use ManualClock to set it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros now() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros now() const override { return now_; }
  void set(Micros t) { now_ = t; }
  void advance(Micros d) { now_ += d; }

 private:
  Micros now_;
};

namespace detail {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

inline bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}
}  // namespace detail

constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

// "2026-12-01T06:35:12.000123Z"
inline std::string format_rfc3339(Micros t) {
  std::int64_t days = t / kMicrosPerDay;
  Micros rem = t % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  const auto c = detail::civil_from_days(days);
  const auto secs = rem / kMicrosPerSecond;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.y, c.m, c.d, secs / 3600,
                     (secs / 60) % 60, secs % 60, rem % kMicrosPerSecond);
}

// "2026-12-01"
inline std::string format_date(Micros t) { return format_rfc3339(t).substr(0, 10); }

// Parses "YYYY-MM-DD" as midnight UTC of that day.
inline std::optional<Micros> parse_date(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !detail::read_digits(s, 0, 4, y) ||
      !detail::read_digits(s, 5, 2, m) || !detail::read_digits(s, 8, 2, d))
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > detail::days_in_month(y, m))
    return std::nullopt;
  return detail::days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) *
         kMicrosPerDay;
}

// The instants format_rfc3339 writes as it reads them: the years 0000 to 9999 in UTC.
inline constexpr Micros kFirstRfc3339 = detail::days_from_civil(0, 1, 1) * kMicrosPerDay;
inline constexpr Micros kLastRfc3339 = detail::days_from_civil(10000, 1, 1) * kMicrosPerDay - 1;

// Parses an RFC 3339 date-time ("2026-12-01T06:35:12Z", "...12.5+02:00"); fractions beyond
// microseconds are truncated. Returns nullopt for anything else, and for an instant that an
// offset moves out of kFirstRfc3339..kLastRfc3339 ("0000-01-01T00:30:00+01:00"), which
// format_rfc3339 could not write back in a form this reads.
inline std::optional<Micros> parse_rfc3339(std::string_view s) {
  if (s.size() < 20) return std::nullopt;
  auto day = parse_date(s.substr(0, 10));
  if (!day || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!detail::read_digits(s, 11, 2, hh) || s[13] != ':' || !detail::read_digits(s, 14, 2, mm) ||
      s[16] != ':' || !detail::read_digits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  std::size_t pos = 19;
  Micros frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    Micros scale = 100000;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  Micros offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!detail::read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !detail::read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * kMicrosPerSecond * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const Micros t =
      *day + (hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss)) * kMicrosPerSecond + frac - offset;
  if (t < kFirstRfc3339 || t > kLastRfc3339) return std::nullopt;
  return t;
}

}  // namespace tollgate
