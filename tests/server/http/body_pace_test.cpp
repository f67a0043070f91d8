// The pace a streamed body must keep, on made-up waits: no sockets, no sleeps.
#include "server/http/body_pace.hpp"

#include <doctest/doctest.h>

#include <chrono>

using std::chrono::milliseconds;
using std::chrono::seconds;
using tollgate::server::connection::BodyPace;

TEST_CASE("body pace: a steady body keeps up; a trickle falls behind after one window") {
  BodyPace steady(1000, seconds(2), std::nullopt);
  for (int i = 0; i < 100; ++i) CHECK(steady.keep_up(milliseconds(100), 200));

  BodyPace trickle(1000, seconds(2), std::nullopt);
  int reads = 0;
  while (trickle.keep_up(milliseconds(100), 1)) ++reads;
  CHECK(reads == 19);  // the 20th read ends the first window, 20 bytes short of 2000
  CHECK_FALSE(trickle.keep_up(milliseconds(1), 1'000'000));  // behind for good
}

TEST_CASE("body pace: credit does not carry over from one window to the next") {
  BodyPace pace(1000, seconds(2), std::nullopt);
  CHECK(pace.keep_up(milliseconds(10), 10'000'000));  // a burst
  CHECK(pace.keep_up(seconds(2), 0));                 // the window is over, and it brought plenty
  CHECK(pace.keep_up(seconds(1), 10));
  CHECK_FALSE(pace.keep_up(seconds(1), 10));  // this window brought 20 bytes in 2 s
}

TEST_CASE("body pace: a declared length must be in within window + length / rate of waiting") {
  BodyPace pace(1000, seconds(2), 10'000);
  CHECK(pace.deadline() == seconds(12));
  // 2000 bytes every 2 s keeps each window; six such reads reach the deadline, a seventh ends
  // past it.
  for (int i = 0; i < 6; ++i) CHECK(pace.keep_up(seconds(2), 2000));
  CHECK_FALSE(pace.keep_up(seconds(1), 1));
}

TEST_CASE("body pace: no rate asks for nothing") {
  BodyPace pace(0, seconds(2), 10);
  CHECK(pace.deadline() == BodyPace::Duration::max());
  CHECK(pace.keep_up(seconds(1000), 0));
  CHECK(BodyPace(1, seconds(1), std::uint64_t{1} << 62).deadline() == BodyPace::Duration::max());
}
