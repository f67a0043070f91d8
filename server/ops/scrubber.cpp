#include "server/ops/scrubber.hpp"

#include <algorithm>
#include <iostream>
#include <limits>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/ops/check_blobs.hpp"

namespace tollgate::server {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

namespace {
// Longer than any pass; keeps deadlines far from the clock's overflow.
constexpr std::uint64_t kMaxScrubSeconds = 100ull * 365 * 24 * 3600;
constexpr std::uint64_t kMebibyte = 1u << 20;
}  // namespace

std::chrono::steady_clock::duration scrub_time(std::uint64_t bytes,
                                               std::uint64_t rate_bytes_per_second) {
  const std::uint64_t rate = std::max<std::uint64_t>(rate_bytes_per_second, 1);
  const std::uint64_t whole = bytes / rate;
  if (whole >= kMaxScrubSeconds) return std::chrono::seconds(kMaxScrubSeconds);
  const std::chrono::duration<double> fraction(static_cast<double>(bytes % rate) /
                                               static_cast<double>(rate));
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::seconds(whole) + fraction);
}

ScrubberOptions scrubber_options(const Config& config) {
  ScrubberOptions options;
  const std::uint64_t max_mb = std::numeric_limits<std::uint64_t>::max() / kMebibyte;
  options.rate_bytes_per_second = std::min(config.scrub_rate_mb, max_mb) * kMebibyte;
  options.interval = std::chrono::hours(config.scrub_interval_hours);
  return options;
}

Scrubber::Scrubber(storage::BlobStore& blobs, Metrics& metrics, ScrubberOptions options)
    : blobs_(blobs),
      metrics_(metrics),
      options_(options),
      clock_(options_.clock ? *options_.clock : system_clock_),
      log_(options_.log ? *options_.log : std::cerr) {}

Scrubber::~Scrubber() { stop(); }

Status Scrubber::start() {
  if (thread_.joinable()) return conflict("the scrubber is running already");
  publish_quarantined();
  if (options_.rate_bytes_per_second == 0) return {};
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return internal_error(fmt::format("cannot start the scrubber thread: {}", e.what()));
  }
  return {};
}

void Scrubber::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scrubber::run() {
  SteadyClock::time_point next_pass = SteadyClock::now() + options_.first_pass_delay;
  while (wait_until(next_pass)) {
    next_pass = SteadyClock::now() + options_.interval;
    const Result<ScrubPassReport> pass = run_pass();
    if (!pass.ok()) log_event("scrub-failed", "", pass.status().to_string());
  }
}

bool Scrubber::wait_until(SteadyClock::time_point deadline) {
  std::unique_lock lock(mu_);
  return !wake_.wait_until(lock, deadline, [&] { return stopping_; });
}

bool Scrubber::stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

Result<ScrubPassReport> Scrubber::run_pass() {
  publish_quarantined();
  ScrubPassReport report;
  bool stopped = false;
  // The walk is the store's; each blob is hashed inside its callback, so a pass holds one
  // digest at a time however many blobs there are.
  TG_RETURN_IF_ERROR(blobs_.for_each([&](const storage::BlobInfo& info) {
    stopped = !scrub_blob(info, report);
    return !stopped;
  }));
  report.completed = !stopped;
  if (report.completed) metrics_.scrub_pass_completed(clock_.now());
  return report;
}

bool Scrubber::scrub_blob(const storage::BlobInfo& info, ScrubPassReport& report) {
  Result<std::unique_ptr<storage::BlobReader>> reader = blobs_.open(info.digest);
  if (!reader.ok()) {
    // Quarantined by someone else since the walk listed it (a promotion re-hashing it).
    if (reader.status().code() == Code::corrupt) publish_quarantined();
    if (reader.status().code() != Code::corrupt && reader.status().code() != Code::not_found)
      unreadable(info.digest, reader.status(), report);
    return !stopping();
  }
  bool stopped = false;
  SteadyClock::time_point chunk_began = SteadyClock::now();
  const Result<std::string> actual =
      rehash_blob(**reader, options_.chunk_bytes, [&](std::size_t bytes) {
        const std::uint64_t rate = options_.rate_bytes_per_second;
        stopped = rate != 0 ? !wait_until(chunk_began + scrub_time(bytes, rate)) : stopping();
        chunk_began = SteadyClock::now();
        return !stopped;
      });
  if (stopped) return false;
  if (!actual.ok()) {
    unreadable(info.digest, actual.status(), report);
    return true;
  }
  ++report.blobs_verified;
  report.bytes_verified += (*reader)->size();
  metrics_.scrub_blob_verified((*reader)->size());
  if (*actual != info.digest) confirm_corrupt(info.digest, report);
  return true;
}

void Scrubber::confirm_corrupt(const std::string& digest, ScrubPassReport& report) {
  const Status verdict = blobs_.verify(digest);
  if (verdict.ok()) {
    // The store's own read matched: our read was wrong, not the blob. Worth a line, no more.
    log_event("blob-misread", digest, "a scrub read did not match, a second read did");
  } else if (verdict.code() == Code::corrupt) {
    report.corrupt.push_back(digest);
    metrics_.scrub_corrupt_found();
    log_event("blob-corrupt", digest, verdict.message());
    publish_quarantined();
  } else {
    unreadable(digest, verdict, report);
  }
}

void Scrubber::unreadable(const std::string& digest, const Status& error, ScrubPassReport& report) {
  ++report.unreadable;
  metrics_.scrub_read_failed();
  log_event("blob-unreadable", digest, error.to_string());
}

void Scrubber::publish_quarantined() {
  const Result<std::vector<std::string>> quarantined = blobs_.quarantined();
  if (quarantined.ok())
    metrics_.set_blobs_quarantined(quarantined->size());
  else
    log_event("scrub-failed", "", "listing the quarantine: " + quarantined.status().to_string());
}

void Scrubber::log_event(const char* event, const std::string& digest, const std::string& detail) {
  json::object line;
  line["time"] = format_rfc3339(clock_.now());
  line["event"] = event;
  if (!digest.empty()) line["digest"] = digest;
  line["detail"] = detail;
  // One write per line, so lines from other threads do not interleave within it.
  log_ << json::serialize(line) + "\n" << std::flush;
}

}  // namespace tollgate::server
