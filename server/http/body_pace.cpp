#include "server/http/body_pace.hpp"

namespace tollgate::server::connection {

namespace {

using Seconds = std::chrono::duration<double>;

// Longer than any body may take: a deadline past it is none.
constexpr double kNoDeadlineSeconds = 1e9;

}  // namespace

BodyPace::BodyPace(std::uint64_t min_rate, std::chrono::seconds window,
                   std::optional<std::uint64_t> length)
    : min_rate_(min_rate), window_(window), deadline_(Duration::max()) {
  if (min_rate_ == 0 || !length) return;
  const double seconds = static_cast<double>(window.count()) +
                         static_cast<double>(*length) / static_cast<double>(min_rate_);
  if (seconds < kNoDeadlineSeconds)
    deadline_ = std::chrono::duration_cast<Duration>(Seconds(seconds));
}

bool BodyPace::keep_up(Duration waited, std::uint64_t bytes) {
  if (min_rate_ == 0) return true;
  if (behind_) return false;
  waited_ += waited;
  waited_in_window_ += waited;
  bytes_in_window_ += bytes;
  // A window is over when its waiting is: it must have brought min_rate bytes for every second.
  const bool window_over = waited_in_window_ >= window_;
  const double owed = static_cast<double>(min_rate_) * Seconds(waited_in_window_).count();
  if (waited_ > deadline_ || (window_over && static_cast<double>(bytes_in_window_) < owed)) {
    behind_ = true;
    return false;
  }
  if (window_over) {
    waited_in_window_ = {};
    bytes_in_window_ = 0;
  }
  return true;
}

}  // namespace tollgate::server::connection
