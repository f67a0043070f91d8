#include "cli/progress.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/table.hpp"

using namespace tollgate::cli;

TEST_CASE("format_bytes uses binary units with one decimal") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1024) == "1.0 KiB");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(3 * 1024 * 1024) == "3.0 MiB");
  CHECK(format_bytes(std::uint64_t{5} << 30) == "5.0 GiB");
  CHECK(format_bytes(std::uint64_t{2} << 40) == "2.0 TiB");
}

TEST_CASE("format_duration") {
  CHECK(format_duration(0) == "0:00");
  CHECK(format_duration(65) == "1:05");
  CHECK(format_duration(3723) == "1:02:03");
}

TEST_CASE("format_progress: bar, percentage, sizes, rate and ETA") {
  const std::uint64_t mib = 1024 * 1024;
  const std::string line = format_progress("app.tar.gz", 5 * mib, 10 * mib, 2.0, 80);
  CHECK(line.size() <= 79);
  CHECK(line.starts_with("app.tar.gz ["));
  CHECK(line.ends_with("]  50%   5.0 MiB/10.0 MiB   2.5 MiB/s ETA 0:02"));
  const std::size_t open = line.find('['), close = line.find(']');
  REQUIRE(close != std::string::npos);
  const std::string bar = line.substr(open + 1, close - open - 1);
  CHECK(bar.find_first_not_of('#') == bar.size() / 2);  // half filled
  CHECK(bar.find_first_not_of("#.") == std::string::npos);

  const std::string done = format_progress("x", 10 * mib, 10 * mib, 4.0, 60);
  CHECK(done.find("100%") != std::string::npos);
  CHECK(done.find("ETA") == std::string::npos);
  CHECK(done.find("[" + std::string(done.find(']') - done.find('[') - 1, '#') + "]") !=
        std::string::npos);
}

TEST_CASE("format_progress: unknown total and no time yet") {
  const std::string line = format_progress("blob", 2048, 0, 0.0, 80);
  CHECK(line == "blob   2.0 KiB");
}

TEST_CASE("format_progress: the bar keeps its length as the numbers change") {
  const std::uint64_t mib = 1024 * 1024;
  const std::string early = format_progress("f", 100 * mib, 900 * mib, 1.0, 100);
  const std::string late = format_progress("f", 899 * mib, 900 * mib, 3.0, 100);
  CHECK(early.find(']') == late.find(']'));
}

TEST_CASE("format_progress: narrow terminals lose the bar, then the label's front") {
  const std::uint64_t mib = 1024 * 1024;
  const std::string narrow =
      format_progress("a-rather-long-artifact-name.tar.gz", mib, 4 * mib, 1.0, 60);
  CHECK(narrow.size() <= 59);
  CHECK(narrow.find('[') == std::string::npos);
  CHECK(narrow.find("25%   1.0 MiB/4.0 MiB") != std::string::npos);
  const std::string tiny =
      format_progress("a-rather-long-artifact-name.tar.gz", mib, 4 * mib, 1.0, 53);
  CHECK(tiny.size() <= 52);
  CHECK(tiny.find("25%") != std::string::npos);
  CHECK(tiny.find(".tar.gz") != std::string::npos);  // the end of the name stays
  CHECK(format_progress("x", 1, 2, 1.0, 0).empty());
}

TEST_CASE("a disabled progress bar writes nothing; an enabled one draws and erases") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  ProgressBar quiet(fds[1], false);
  quiet.start("x");
  quiet.update(1, 2);
  quiet.finish();
  CHECK_FALSE(static_cast<bool>(quiet.callback()));

  ProgressBar bar(fds[1], true);
  bar.start("file.bin");
  bar.callback()(50, 100);
  bar.update(100, 100);  // the end is always drawn, however soon
  bar.finish();
  close(fds[1]);
  std::string written;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) written.append(buffer, n);
  close(fds[0]);
  CHECK(written.starts_with("\rfile.bin "));
  CHECK(written.find(" 50%") != std::string::npos);
  CHECK(written.find("100%") != std::string::npos);
  CHECK(written.ends_with("\r\x1b[K"));
}

TEST_CASE("render_table aligns columns without trailing blanks") {
  const std::string table =
      render_table({"FILE", "SIZE", "SHA256"}, {{"app.tar.gz", "3.0 MiB", "ab"}, {"x", "1 B"}});
  CHECK(table ==
        "FILE        SIZE     SHA256\n"
        "app.tar.gz  3.0 MiB  ab\n"
        "x           1 B\n");
  CHECK(render_table({"ID"}, {}) == "ID\n");
}
