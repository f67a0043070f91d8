#include "server/http/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace tollgate::server::connection {

namespace {

std::uint64_t as_count(rlim_t limit) {
  return limit == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                                : static_cast<std::uint64_t>(limit);
}

}  // namespace

Result<std::uint64_t> raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return io_error(
        fmt::format("cannot read the open-file limit: {}", std::generic_category().message(errno)));
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return as_count(limit.rlim_cur);
}

unsigned connection_cap(unsigned configured, std::uint64_t open_files) {
  const std::uint64_t spare = open_files > kReservedFiles ? open_files - kReservedFiles : 0;
  const std::uint64_t allowed = std::max<std::uint64_t>(1, spare / kFilesPerConnection);
  return static_cast<unsigned>(std::min<std::uint64_t>(configured, allowed));
}

}  // namespace tollgate::server::connection
