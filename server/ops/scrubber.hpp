// Scrubber: a background thread that re-reads every stored blob, slowly, to find bit rot and
// tampering before a download or a promotion does.
//
// Each pass walks BlobStore::for_each and re-hashes every blob through a BlobReader, reading
// at most `rate_bytes_per_second` on average (it sleeps by the bytes read, chunk by chunk, so a
// large blob does not read at full disk speed and stop() need not wait for it to end). A blob
// whose bytes do not match its digest is handed to BlobStore::verify, which re-hashes it once
// more and moves it to quarantine; the finding is counted and logged as one JSON line
//   {"time":"<RFC 3339>","event":"blob-corrupt","digest":"<hex>","detail":"..."}
// A blob that cannot be read is logged as event "blob-unreadable" and tried again next pass.
// A pass starts at most once every `interval`, measured from the start of the previous one.
//
// Usage: Scrubber s(blobs, metrics, scrubber_options(config)); TG_RETURN_IF_ERROR(s.start());
//        ... s.stop();   (the destructor stops it too)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "server/domain/config.hpp"
#include "server/domain/metrics.hpp"
#include "storage/blob_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

struct ScrubberOptions {
  std::uint64_t rate_bytes_per_second = 32u << 20;  // 0: scrubbing is off, start() does nothing
  std::chrono::seconds interval = std::chrono::hours(24);  // between the starts of two passes
  std::chrono::seconds first_pass_delay{0};                // after start(), before pass one
  std::size_t chunk_bytes = 1u << 20;                      // bytes read (and paced) at once
  std::ostream* log = nullptr;   // where the JSON lines go; nullptr: std::cerr. Not owned.
  const Clock* clock = nullptr;  // wall time of log lines and the last-pass metric; nullptr:
                                 // the system clock. Not owned. Pacing uses steady_clock.
};

// Options from [integrity] scrub_rate_mb (MiB/s) and scrub_interval_hours.
ScrubberOptions scrubber_options(const Config& config);

// What one pass did.
struct ScrubPassReport {
  std::uint64_t blobs_verified = 0;  // re-hashed to the end, good or corrupt
  std::uint64_t bytes_verified = 0;
  std::vector<std::string> corrupt;  // digests found corrupt (and quarantined) in this pass
  std::size_t unreadable = 0;        // blobs skipped after a read error
  bool completed = false;            // false when stop() cut the pass short
};

class Scrubber {
 public:
  // `blobs` and `metrics` are not owned and must outlive the scrubber.
  Scrubber(storage::BlobStore& blobs, Metrics& metrics, ScrubberOptions options);
  ~Scrubber();  // stop()
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // Publishes the quarantine's size to the metrics and starts the thread, unless the rate is 0.
  // Errors: internal when the thread cannot be started; conflict when already started.
  Status start();

  // Asks the thread to stop and waits for it: it notices during a sleep or between two chunks,
  // so this returns within the time of reading one chunk (or, rarely, of the store re-checking
  // one corrupt blob in full). Idempotent. start() and stop() belong to one owning thread.
  void stop();

  // Runs one full pass on the calling thread, as the background thread does every interval,
  // pacing at the configured rate (an unlimited one when the rate is 0). Must not run while
  // the background thread does. For tests and for a pass on demand; after stop() it ends at
  // the first chunk (completed = false). Errors: those of BlobStore::for_each (listing the store);
  // one blob's failure is not one.
  Result<ScrubPassReport> run_pass();

 private:
  void run();
  // Sleeps until `deadline` unless stop() comes first; returns false when stopping.
  bool wait_until(std::chrono::steady_clock::time_point deadline);
  bool stopping();
  // Re-hashes one blob, adding to `report`; false when stop() cut it short.
  bool scrub_blob(const storage::BlobInfo& info, ScrubPassReport& report);
  // Our read did not match: let the store re-check and quarantine.
  void confirm_corrupt(const std::string& digest, ScrubPassReport& report);
  void unreadable(const std::string& digest, const Status& error, ScrubPassReport& report);
  void publish_quarantined();
  // One JSON line on the log; `digest` is left out when empty.
  void log_event(const char* event, const std::string& digest, const std::string& detail);

  storage::BlobStore& blobs_;
  Metrics& metrics_;
  const ScrubberOptions options_;
  const SystemClock system_clock_;
  const Clock& clock_;
  std::ostream& log_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// How long `bytes` take at `rate_bytes_per_second` (0 counts as 1), saturating at a century
// instead of overflowing the clock.
std::chrono::steady_clock::duration scrub_time(std::uint64_t bytes,
                                               std::uint64_t rate_bytes_per_second);

}  // namespace tollgate::server
