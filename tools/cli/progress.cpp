#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace tollgate::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr std::size_t kMinBarWidth = 10;
constexpr std::size_t kDefaultWidth = 80;
// Sizes and rates are padded to this width ("123.4 MiB") so that the bar keeps its length.
constexpr std::size_t kNumberWidth = 9;

std::size_t terminal_width(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return kDefaultWidth;
}

std::string stats_text(std::uint64_t done, std::uint64_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string text;
  if (total > 0) {
    const std::uint64_t percent = std::min<std::uint64_t>(100, done * 100 / total);
    text = fmt::format("{:>3}% {:>{}}/{}", percent, format_bytes(done), kNumberWidth,
                       format_bytes(total));
  } else {
    text = fmt::format("{:>{}}", format_bytes(done), kNumberWidth);
  }
  if (rate >= 1) {
    text += fmt::format(" {:>{}}/s", format_bytes(static_cast<std::uint64_t>(rate)), kNumberWidth);
    if (total > done) {
      const auto eta = static_cast<std::uint64_t>(static_cast<double>(total - done) / rate);
      text += " ETA " + format_duration(eta);
    }
  }
  return text;
}

std::string bar_text(std::uint64_t done, std::uint64_t total, std::size_t width) {
  const auto filled =
      static_cast<std::size_t>(std::min<std::uint64_t>(done, total) * width / total);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string format_duration(std::uint64_t seconds) {
  const std::uint64_t hours = seconds / 3600, minutes = seconds / 60 % 60, rest = seconds % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, rest);
  return fmt::format("{}:{:02}", minutes, rest);
}

std::string format_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double seconds, std::size_t width) {
  const std::size_t room = width > 0 ? width - 1 : 0;
  const std::string stats = stats_text(done, total, seconds);
  // label, space, bar, space, stats: the bar takes what is left, when that is enough.
  const std::size_t fixed = label.size() + 1 + stats.size();
  std::string bar;
  if (total > 0 && fixed + 1 + 2 + kMinBarWidth <= room) {
    bar = bar_text(done, total, room - fixed - 1 - 2) + " ";
  }
  std::string line = std::string(label) + " " + bar + stats;
  if (line.size() > room) {
    // Keep the statistics; cut the label from its front, where names differ least.
    const std::size_t keep = room > stats.size() + 1 ? room - stats.size() - 1 : 0;
    const std::string_view cut = label.size() > keep ? label.substr(label.size() - keep) : label;
    line = (keep > 0 ? std::string(cut) + " " : std::string()) + stats;
    if (line.size() > room) line.resize(room);
  }
  return line;
}

ProgressBar ProgressBar::on_stderr() { return {STDERR_FILENO, isatty(STDERR_FILENO) == 1}; }

void ProgressBar::start(std::string label) {
  label_ = std::move(label);
  started_ = Clock::now();
  drawn_ = false;
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < kRedrawInterval && done != total) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  write_out("\r" + format_progress(label_, done, total, seconds, terminal_width(fd_)) + "\x1b[K");
}

void ProgressBar::finish() {
  if (!enabled_ || !drawn_) return;
  write_out("\r\x1b[K");
  drawn_ = false;
}

client::ProgressCallback ProgressBar::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

void ProgressBar::write_out(const std::string& text) const {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a progress bar that cannot be drawn is not worth failing for
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace tollgate::cli
