#include "server/ops/scrubber.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "tests/storage/blob_test_support.hpp"
#include "tests/support/faulty_file_system.hpp"
#include "tests/support/temp_dir.hpp"

namespace tollgate::server {
namespace {

using testing::has_line;
using testing::stored;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::FaultyFileSystem;
using testing::pattern;

constexpr Micros kNow = 1'767'225'600'000'123;  // 2026-01-01T00:00:00.000123Z

// Overwrites one byte of a stored blob in place, as bit rot would.
void corrupt_blob_file(const std::string& root, const std::string& digest, std::uint64_t at) {
  const fs::path path =
      fs::path(root) / "sha256" / digest.substr(0, 2) / digest.substr(2, 2) / digest;
  REQUIRE(fs::exists(path));
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(at));
  const char old = static_cast<char>(file.get());
  file.seekp(static_cast<std::streamoff>(at));
  file.put(static_cast<char>(old ^ 0x01));
  REQUIRE(file.good());
}

std::vector<boost::json::object> json_lines(const std::string& text) {
  std::vector<boost::json::object> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(boost::json::parse(line).as_object());
  return out;
}

std::string field(const boost::json::object& line, const char* key) {
  const boost::json::value* v = line.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string("<missing>");
}

// A store with three blobs, the second of which has rotted on disk.
struct Fixture {
  testing::TempDir dir;
  std::string root = dir.file("blobs");
  std::unique_ptr<storage::FsBlobStore> store = testing::open_blob_store(root);
  std::string small = stored(*store, pattern(1000, 1));
  std::string rotten = stored(*store, pattern(70'000, 2));
  std::string large = stored(*store, pattern(300'000, 3));
  std::uint64_t total_bytes = 1000 + 70'000 + 300'000;
  Metrics metrics;
  std::ostringstream log;
  ManualClock clock{kNow};

  Fixture() { corrupt_blob_file(root, rotten, 12'345); }

  ScrubberOptions options(std::uint64_t rate = 0) {
    ScrubberOptions o;
    o.rate_bytes_per_second = rate;
    o.chunk_bytes = 16 * 1024;
    o.log = &log;
    o.clock = &clock;
    return o;
  }
  std::string metrics_text() const { return metrics.render(storage::StoreStats{}); }
};

}  // namespace

TEST_CASE("scrub_time is the time bytes take at a rate") {
  CHECK(scrub_time(0, 100) == 0s);
  CHECK(scrub_time(1u << 20, 1u << 20) == 1s);
  CHECK(scrub_time(3u << 20, 1u << 20) == 3s);
  CHECK(scrub_time(512 * 1024, 1u << 20) == 500ms);
  CHECK(scrub_time(1, 1000) == 1ms);
  CHECK(scrub_time(1, 3) > 333ms);
  CHECK(scrub_time(1, 3) < 334ms);
  // Absurd values saturate at a century instead of overflowing the clock.
  CHECK(scrub_time(~std::uint64_t{0}, 1) == std::chrono::hours(24 * 365 * 100));
  CHECK(scrub_time(1000, 0) == 1000s);  // a rate of 0 is treated as 1 byte/s, never a division
}

TEST_CASE("scrubber_options converts the [integrity] settings") {
  Config config;
  config.scrub_rate_mb = 32;
  config.scrub_interval_hours = 6;
  const ScrubberOptions options = scrubber_options(config);
  CHECK(options.rate_bytes_per_second == 32u << 20);
  CHECK(options.interval == 6h);
  config.scrub_rate_mb = 0;
  CHECK(scrubber_options(config).rate_bytes_per_second == 0);
}

TEST_CASE("a scrub pass re-hashes every blob and quarantines the corrupt one") {
  Fixture f;
  Scrubber scrubber(*f.store, f.metrics, f.options());
  auto pass = scrubber.run_pass();
  REQUIRE_MESSAGE(pass.ok(), pass.status().to_string());
  CHECK(pass->completed);
  CHECK(pass->blobs_verified == 3);
  CHECK(pass->bytes_verified == f.total_bytes);
  CHECK(pass->unreadable == 0);
  CHECK(pass->corrupt == std::vector<std::string>{f.rotten});

  SUBCASE("the blob is in quarantine, the others are served") {
    CHECK_FALSE(f.store->contains(f.rotten).value());
    CHECK(f.store->quarantined().value() == std::vector<std::string>{f.rotten});
    CHECK(f.store->contains(f.small).value());
    CHECK(testing::read_blob(*f.store, f.large) == pattern(300'000, 3));
  }
  SUBCASE("one JSON line on the log names the blob") {
    const auto lines = json_lines(f.log.str());
    REQUIRE(lines.size() == 1);
    CHECK(field(lines[0], "event") == "blob-corrupt");
    CHECK(field(lines[0], "digest") == f.rotten);
    CHECK(field(lines[0], "time") == "2026-01-01T00:00:00.000123Z");
    CHECK(field(lines[0], "detail").find("quarantine") != std::string::npos);
  }
  SUBCASE("the metrics count it") {
    const std::string text = f.metrics_text();
    CHECK(has_line(text, "tollgate_scrub_blobs_verified_total 3"));
    CHECK(has_line(text, "tollgate_scrub_bytes_verified_total 371000"));
    CHECK(has_line(text, "tollgate_scrub_corrupt_found_total 1"));
    CHECK(has_line(text, "tollgate_scrub_read_errors_total 0"));
    CHECK(has_line(text, "tollgate_blobs_quarantined 1"));
    CHECK(has_line(text, "tollgate_scrub_last_pass_completed_timestamp_seconds 1767225600.000123"));
    CHECK(has_line(text, "# TYPE tollgate_blobs_quarantined gauge"));
    CHECK(has_line(text, "# TYPE tollgate_scrub_corrupt_found_total counter"));
  }
  SUBCASE("the next pass skips the quarantined blob and finds nothing new") {
    f.clock.advance(kMicrosPerSecond);
    auto second = scrubber.run_pass();
    REQUIRE(second.ok());
    CHECK(second->blobs_verified == 2);
    CHECK(second->corrupt.empty());
    const std::string text = f.metrics_text();
    CHECK(has_line(text, "tollgate_scrub_blobs_verified_total 5"));
    CHECK(has_line(text, "tollgate_scrub_corrupt_found_total 1"));
    CHECK(has_line(text, "tollgate_blobs_quarantined 1"));
    CHECK(has_line(text, "tollgate_scrub_last_pass_completed_timestamp_seconds 1767225601.000123"));
    CHECK(json_lines(f.log.str()).size() == 1);
  }
}

TEST_CASE("a pass over a healthy store finds nothing and logs nothing") {
  testing::TempDir dir;
  auto store = testing::open_blob_store(dir.file("blobs"));
  for (unsigned i = 0; i < 20; ++i) (void)stored(*store, pattern(100 + i * 1000, i));
  Metrics metrics;
  std::ostringstream log;
  ScrubberOptions options;
  options.rate_bytes_per_second = 0;
  options.log = &log;
  Scrubber scrubber(*store, metrics, options);
  auto pass = scrubber.run_pass();
  REQUIRE(pass.ok());
  CHECK(pass->blobs_verified == 20);
  CHECK(pass->corrupt.empty());
  CHECK(log.str().empty());
  CHECK(store->quarantined().value().empty());
  CHECK(has_line(metrics.render({}), "tollgate_blobs_quarantined 0"));
}

TEST_CASE("a blob that cannot be read is logged, counted and left alone") {
  testing::TempDir dir;
  FaultyFileSystem faulty;
  auto store = testing::open_blob_store(dir.file("blobs"), &faulty);
  const std::string a = stored(*store, pattern(5000, 1));
  const std::string b = stored(*store, pattern(5000, 2));
  Metrics metrics;
  std::ostringstream log;
  ScrubberOptions options;
  options.rate_bytes_per_second = 0;
  options.chunk_bytes = 1 << 20;
  options.log = &log;
  Scrubber scrubber(*store, metrics, options);
  faulty.fail(FaultyFileSystem::Op::pread, EIO);  // the first blob's only read
  auto pass = scrubber.run_pass();
  REQUIRE(pass.ok());
  CHECK(pass->completed);
  CHECK(pass->unreadable == 1);
  CHECK(pass->blobs_verified == 1);
  CHECK(pass->corrupt.empty());
  const auto lines = json_lines(log.str());
  REQUIRE(lines.size() == 1);
  CHECK(field(lines[0], "event") == "blob-unreadable");
  CHECK(field(lines[0], "digest") == std::min(a, b));
  CHECK(has_line(metrics.render({}), "tollgate_scrub_read_errors_total 1"));
  CHECK(store->contains(a).value());
  CHECK(store->contains(b).value());
}

TEST_CASE("a failing walk fails the pass") {
  testing::TempDir dir;
  FaultyFileSystem faulty;
  auto store = testing::open_blob_store(dir.file("blobs"), &faulty);
  (void)stored(*store, "x");
  Metrics metrics;
  std::ostringstream log;
  ScrubberOptions options;
  options.log = &log;
  Scrubber scrubber(*store, metrics, options);
  faulty.fail(FaultyFileSystem::Op::list_dir, EIO, /*skip=*/1);  // after the quarantine listing
  auto pass = scrubber.run_pass();
  REQUIRE_FALSE(pass.ok());
  CHECK(pass.status().code() == Code::io);
  CHECK(has_line(metrics.render({}),
                 "tollgate_scrub_last_pass_completed_timestamp_seconds 0.000000"));
}

TEST_CASE("the scrubber reads no faster than its rate") {
  Fixture f;
  // 371 000 bytes at 1.5 MB/s: at least ~247 ms, spread over chunks of 16 KiB.
  constexpr std::uint64_t kRate = 1'500'000;
  Scrubber scrubber(*f.store, f.metrics, f.options(kRate));
  const auto began = std::chrono::steady_clock::now();
  auto pass = scrubber.run_pass();
  const auto took = std::chrono::steady_clock::now() - began;
  REQUIRE(pass.ok());
  CHECK(pass->bytes_verified == f.total_bytes);
  CHECK(took >= scrub_time(f.total_bytes, kRate) - 5ms);
  CHECK(took < 10s);
}

TEST_CASE("the scrubber thread runs a pass at start and stops promptly while waiting") {
  Fixture f;
  ScrubberOptions options = f.options(1ull << 40);
  options.interval = 24h;
  Scrubber scrubber(*f.store, f.metrics, options);
  REQUIRE(scrubber.start().ok());
  CHECK(scrubber.start().code() == Code::conflict);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!has_line(f.metrics_text(), "tollgate_scrub_corrupt_found_total 1") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  // Wait for the pass to complete (its timestamp), then stop during the 24 h wait.
  while (!has_line(f.metrics_text(),
                   "tollgate_scrub_last_pass_completed_timestamp_seconds 1767225600.000123") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  const auto stopping = std::chrono::steady_clock::now();
  scrubber.stop();
  CHECK(std::chrono::steady_clock::now() - stopping < 2s);
  CHECK(has_line(f.metrics_text(), "tollgate_scrub_blobs_verified_total 3"));
  CHECK(f.store->quarantined().value() == std::vector<std::string>{f.rotten});
  scrubber.stop();  // idempotent
}

TEST_CASE("stop() interrupts a slow pass between chunks") {
  Fixture f;
  // The whole pass would take about six minutes at 1 KB/s.
  Scrubber scrubber(*f.store, f.metrics, f.options(1000));
  REQUIRE(scrubber.start().ok());
  std::this_thread::sleep_for(50ms);
  const auto stopping = std::chrono::steady_clock::now();
  scrubber.stop();
  CHECK(std::chrono::steady_clock::now() - stopping < 2s);
  const std::string text = f.metrics_text();
  CHECK(has_line(text, "tollgate_scrub_last_pass_completed_timestamp_seconds 0.000000"));
  CHECK(has_line(text, "tollgate_scrub_blobs_verified_total 0"));
}

TEST_CASE("the first pass waits for first_pass_delay") {
  Fixture f;
  ScrubberOptions options = f.options(1ull << 40);
  options.first_pass_delay = 1h;
  Scrubber scrubber(*f.store, f.metrics, options);
  REQUIRE(scrubber.start().ok());
  std::this_thread::sleep_for(50ms);
  scrubber.stop();
  CHECK(has_line(f.metrics_text(), "tollgate_scrub_blobs_verified_total 0"));
}

TEST_CASE("a rate of 0 turns scrubbing off but still publishes the quarantine") {
  Fixture f;
  REQUIRE(f.store->verify(f.rotten).code() == Code::corrupt);  // quarantined before start
  Scrubber scrubber(*f.store, f.metrics, f.options(0));
  REQUIRE(scrubber.start().ok());
  std::this_thread::sleep_for(20ms);
  const std::string text = f.metrics_text();
  CHECK(has_line(text, "tollgate_blobs_quarantined 1"));
  CHECK(has_line(text, "tollgate_scrub_blobs_verified_total 0"));
  scrubber.stop();
}

TEST_CASE("blobs already in quarantine are not walked, only published") {
  Fixture f;
  REQUIRE(f.store->verify(f.rotten).code() == Code::corrupt);
  Scrubber scrubber(*f.store, f.metrics, f.options());
  auto pass = scrubber.run_pass();
  REQUIRE(pass.ok());
  CHECK(pass->blobs_verified == 2);
  CHECK(pass->corrupt.empty());
  CHECK(has_line(f.metrics_text(), "tollgate_blobs_quarantined 1"));
  CHECK(has_line(f.metrics_text(), "tollgate_scrub_corrupt_found_total 0"));
}

}  // namespace tollgate::server
