// Prometheus metrics of the HTTP front, the store and the background scrubber.
//
// Thread-safe: every call may come from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "storage/kv_store.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Why a connection was closed as soon as it was accepted.
enum class ConnectionRefusal { max_connections, per_address };
// What a client was too slow to send: a request's headers (past [server] header_timeout), a
// body (past read_timeout), or a streamed body (below min_body_rate).
enum class RequestTimeout { headers, body, body_rate };
// Which cap on resumable upload sessions refused a request.
enum class UploadLimit { sessions_per_user, sessions, bytes_per_user, bytes };

class Metrics {
 public:
  // Counts one answered request under its route pattern (not its concrete path). `route` must
  // have static storage (a pattern of the route table, or "unmatched").
  void observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

  // The connection cap in force (max_connections as the open-file limit allows) and that limit.
  void set_connection_cap(unsigned cap, std::uint64_t open_files) {
    max_connections_.store(cap, std::memory_order_relaxed);
    open_files_limit_.store(open_files, std::memory_order_relaxed);
  }
  void connection_refused(ConnectionRefusal why) {
    refused_connections_.at(static_cast<std::size_t>(why)).fetch_add(1, std::memory_order_relaxed);
  }
  // The accept loop paused because the process or system ran out of descriptors or memory.
  void accept_backoff() { accept_backoffs_.fetch_add(1, std::memory_order_relaxed); }
  void request_timed_out(RequestTimeout what) {
    request_timeouts_.at(static_cast<std::size_t>(what)).fetch_add(1, std::memory_order_relaxed);
  }
  void upload_refused(UploadLimit limit) {
    upload_refusals_.at(static_cast<std::size_t>(limit)).fetch_add(1, std::memory_order_relaxed);
  }
  // Open resumable upload sessions and the bytes they hold (set at each scrape).
  void set_upload_usage(std::uint64_t sessions, std::uint64_t bytes) {
    upload_sessions_.store(sessions, std::memory_order_relaxed);
    upload_bytes_.store(bytes, std::memory_order_relaxed);
  }

  // The background scrubber (server/ops/scrubber.hpp): one blob re-hashed in full, corrupt or not.
  void scrub_blob_verified(std::uint64_t bytes) {
    scrub_blobs_verified_.fetch_add(1, std::memory_order_relaxed);
    scrub_bytes_verified_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // A blob whose bytes no longer match its digest, found (and quarantined) by the scrubber.
  void scrub_corrupt_found() { scrub_corrupt_found_.fetch_add(1, std::memory_order_relaxed); }
  // A blob the scrubber could not read (an I/O error); it is tried again next pass.
  void scrub_read_failed() { scrub_read_errors_.fetch_add(1, std::memory_order_relaxed); }
  // How many blobs are in quarantine now, whoever put them there.
  void set_blobs_quarantined(std::uint64_t count) {
    blobs_quarantined_.store(count, std::memory_order_relaxed);
  }
  // A full scrub pass ended at wall-clock time `at`.
  void scrub_pass_completed(Micros at) {
    scrub_last_pass_completed_.store(at, std::memory_order_relaxed);
  }

  // Emergency releases whose post-implementation review is overdue (set at each scrape).
  // A mutating request refused before anyone was authenticated (it gets no audit entry).
  void count_unauthenticated_write() {
    unauthenticated_writes_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t unauthenticated_writes() const {
    return unauthenticated_writes_.load(std::memory_order_relaxed);
  }
  void set_pirs_overdue(std::uint64_t count) {
    pirs_overdue_.store(count, std::memory_order_relaxed);
  }

  // The text exposition format (version 0.0.4).
  std::string render(const storage::StoreStats& store) const;

  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

 private:
  void render_integrity(fmt::memory_buffer& out) const;
  void render_limits(fmt::memory_buffer& out) const;

  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // Keys view static strings only, so counting allocates nothing after a key's first use.
  std::map<std::tuple<std::string_view, std::string_view, unsigned>, std::uint64_t> requests_;
  std::map<std::string_view, Histogram> latency_;
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> scrub_blobs_verified_{0};
  std::atomic<std::uint64_t> scrub_bytes_verified_{0};
  std::atomic<std::uint64_t> scrub_corrupt_found_{0};
  std::atomic<std::uint64_t> scrub_read_errors_{0};
  std::atomic<std::uint64_t> blobs_quarantined_{0};
  std::atomic<Micros> scrub_last_pass_completed_{0};  // 0: no pass completed yet
  std::atomic<std::uint64_t> pirs_overdue_{0};
  std::atomic<std::uint64_t> unauthenticated_writes_{0};
  std::atomic<std::uint64_t> max_connections_{0};
  std::atomic<std::uint64_t> open_files_limit_{0};
  std::array<std::atomic<std::uint64_t>, 2> refused_connections_{};
  std::atomic<std::uint64_t> accept_backoffs_{0};
  std::array<std::atomic<std::uint64_t>, 3> request_timeouts_{};
  std::array<std::atomic<std::uint64_t>, 4> upload_refusals_{};
  std::atomic<std::uint64_t> upload_sessions_{0};
  std::atomic<std::uint64_t> upload_bytes_{0};
};

}  // namespace tollgate::server
