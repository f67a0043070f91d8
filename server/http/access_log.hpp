// The access log: one JSON line per response on stdout, when config.access_log is on.
//   {"time", "request_id", "remote", "method", "target", "route", "status", "bytes",
//    "duration_ms", "actor"}
// Knows no sockets: the session hands it the facts of an exchange once its response is ready.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "tollgate/time.hpp"

namespace tollgate::server {

// The facts of one exchange, as logged. The views need only outlive the call.
struct AccessLogEntry {
  std::string_view request_id;
  std::string_view remote;  // peer address and port, or "-"
  std::string_view method;
  std::string_view target;
  std::string_view route;  // the matched route pattern, or "unmatched"
  unsigned status = 0;
  std::uint64_t bytes = 0;  // of the response body (that of the full body for HEAD)
  double seconds = 0;       // from the request's headers to its response being ready
  std::string_view actor;   // the acting token's name; empty for none
};

// The line for `entry` at `time`, ending in '\n'; every string JSON-escaped (control characters
// as \uXXXX), duration_ms with three decimals.
std::string access_log_line(const AccessLogEntry& entry, Micros time);

class AccessLog {
 public:
  // Writes the line of `entry`, stamped with the wall clock now, to stdout and flushes it.
  // Thread-safe: lines of concurrent connections never interleave.
  void write(const AccessLogEntry& entry);

 private:
  std::mutex mu_;
};

}  // namespace tollgate::server
