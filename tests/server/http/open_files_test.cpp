// The open-file limit and the connection cap it allows; the accept loop's backoff.
#include "server/http/open_files.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <limits>

#include "server/http/listener.hpp"

using namespace tollgate::server::connection;

TEST_CASE("the connection cap leaves the reserve and two descriptors a connection") {
  CHECK(connection_cap(10000, 1'048'576) == 10000);
  CHECK(connection_cap(10000, 1024) == (1024 - kReservedFiles) / 2);
  CHECK(connection_cap(100, 1024) == 100);
  CHECK(connection_cap(10000, kReservedFiles + 21) == 10);
  CHECK(connection_cap(10000, 16) == 1);  // never none at all
  CHECK(connection_cap(10000, std::numeric_limits<std::uint64_t>::max()) == 10000);
}

TEST_CASE("raising the open-file limit lifts the soft limit to the hard one") {
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
  auto raised = raise_open_file_limit();
  REQUIRE(raised.ok());
  rlimit after{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &after) == 0);
  CHECK(after.rlim_cur == after.rlim_max);
  CHECK(*raised == static_cast<std::uint64_t>(after.rlim_cur));
}

TEST_CASE("the accept loop's pause starts at 50 ms and doubles up to a second") {
  using std::chrono::milliseconds;
  milliseconds pause{0};
  std::vector<long> seen;
  for (int i = 0; i < 7; ++i) {
    pause = Listener::next_backoff(pause);
    seen.push_back(static_cast<long>(pause.count()));
  }
  CHECK(seen == std::vector<long>{50, 100, 200, 400, 800, 1000, 1000});
}
