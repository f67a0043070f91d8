// The pace a streamed request body must keep ([server] min_body_rate, body_rate_window): the
// rule that frees an upload thread from a client that trickles its body a byte at a time.
// Knows no sockets: the session tells it how long each read waited and what it brought.
// Private to server/http.
//
// Only time spent waiting for the client counts. While the handler works on what it got (a
// disk write, a hash, a commit) nothing is read, and the client is not late for that.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace tollgate::server::connection {

class BodyPace {
 public:
  using Duration = std::chrono::steady_clock::duration;

  // `min_rate`: bytes a second the body must keep, 0 for no pace at all. `window`: the waiting
  // over which the rate is measured. `length`: the declared Content-Length, if any.
  BodyPace(std::uint64_t min_rate, std::chrono::seconds window,
           std::optional<std::uint64_t> length);

  // A read that waited `waited` for the client brought `bytes`. False once the body has fallen
  // behind: a window's worth of waiting brought fewer than min_rate bytes a second, or the
  // waiting for a declared length L went past window + L / min_rate (the whole-body deadline).
  // Once false, always false.
  bool keep_up(Duration waited, std::uint64_t bytes);

  // The whole-body deadline in waiting time; Duration::max() without a declared length or pace.
  Duration deadline() const { return deadline_; }

 private:
  std::uint64_t min_rate_;
  Duration window_;
  Duration deadline_;
  Duration waited_{};            // in all
  Duration waited_in_window_{};  // since the current window began
  std::uint64_t bytes_in_window_ = 0;
  bool behind_ = false;
};

}  // namespace tollgate::server::connection
