// Progress bars for transfers and hashing, drawn on standard error when it is a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/http_client.hpp"

namespace tollgate::cli {

// A byte count for people: "512 B", "1.5 KiB", "3.0 MiB", "2.1 GiB", "1.0 TiB".
std::string format_bytes(std::uint64_t bytes);

// A duration for people: "0:05", "12:34", "1:02:03".
std::string format_duration(std::uint64_t seconds);

// One progress line of at most `width` - 1 columns (so that it never wraps), e.g.
//   "app.tar.gz [########........]  45%    1.2 MiB/2.7 MiB    3.4 MiB/s ETA 0:03"
// (the bytes done and the rate are right-aligned in fixed fields, so the bar keeps its length)
// `total` 0 means unknown: no bar, percentage or ETA then. `seconds` is the time since the
// start (the rate is left out while it is 0). The bar shrinks, then goes, then the label is cut
// when the width is small.
std::string format_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double seconds, std::size_t width);

// Draws one progress line at a time on a terminal, redrawn at most every 100 ms. A disabled bar
// ignores every call, so callers need not care whether output is a terminal. Not thread-safe.
class ProgressBar {
 public:
  // Draws on `fd` when `enabled`.
  ProgressBar(int fd, bool enabled) : fd_(fd), enabled_(enabled) {}
  // A bar on standard error, enabled when standard error is a terminal.
  static ProgressBar on_stderr();

  bool enabled() const { return enabled_; }
  // Begins a new line for `label` (a file name), restarting the clock.
  void start(std::string label);
  void update(std::uint64_t done, std::uint64_t total);
  // Erases the line, so that what is printed next starts on a clean line.
  void finish();
  // update() as a callback for client transfers. The bar must outlive the callback.
  client::ProgressCallback callback();

 private:
  using Clock = std::chrono::steady_clock;
  void write_out(const std::string& text) const;

  int fd_;
  bool enabled_;
  std::string label_;
  Clock::time_point started_{};
  Clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace tollgate::cli
