#include "server/domain/metrics.hpp"

#include <fmt/format.h>

namespace tollgate::server {

namespace {
// The method as a static string; anything unusual is counted as OTHER.
std::string_view canonical_method(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view m : kMethods)
    if (m == method) return m;
  return "OTHER";
}

// One metric without labels: its HELP and TYPE lines and its sample.
template <typename Value>
void write_metric(fmt::memory_buffer& out, std::string_view name, std::string_view type,
                  std::string_view help, Value value) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name,
                 type, name, value);
}

// One labelled counter: its HELP and TYPE lines and a sample per label value.
template <std::size_t N>
void write_counters(fmt::memory_buffer& out, std::string_view name, std::string_view help,
                    std::string_view label, const std::array<std::string_view, N>& values,
                    const std::array<std::atomic<std::uint64_t>, N>& counts) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (std::size_t i = 0; i < N; ++i)
    fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", name, label, values.at(i),
                   counts.at(i).load(std::memory_order_relaxed));
}

}  // namespace

void Metrics::observe(std::string_view route, std::string_view method, unsigned status,
                      double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, canonical_method(method), status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::render_integrity(fmt::memory_buffer& out) const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  write_metric(out, "tollgate_scrub_blobs_verified_total", "counter",
               "Blobs re-hashed in full by the background scrubber.",
               scrub_blobs_verified_.load(kRelaxed));
  write_metric(out, "tollgate_scrub_bytes_verified_total", "counter",
               "Bytes re-hashed by the background scrubber.", scrub_bytes_verified_.load(kRelaxed));
  write_metric(out, "tollgate_scrub_corrupt_found_total", "counter",
               "Blobs the scrubber found not to match their digest (and quarantined).",
               scrub_corrupt_found_.load(kRelaxed));
  write_metric(out, "tollgate_scrub_read_errors_total", "counter",
               "Blobs the scrubber could not read; they are tried again next pass.",
               scrub_read_errors_.load(kRelaxed));
  write_metric(out, "tollgate_unauthenticated_writes_total", "counter",
               "Mutating requests refused before authentication (kept out of the audit log).",
               unauthenticated_writes_.load(kRelaxed));
  write_metric(out, "tollgate_pir_overdue", "gauge",
               "Emergency releases in production whose pir is overdue.",
               pirs_overdue_.load(kRelaxed));
  write_metric(out, "tollgate_blobs_quarantined", "gauge",
               "Blobs in quarantine: failed verification, never served.",
               blobs_quarantined_.load(kRelaxed));
  // Seconds with microseconds, as Prometheus timestamps are; 0 until a pass completes.
  const Micros last = scrub_last_pass_completed_.load(kRelaxed);
  write_metric(out, "tollgate_scrub_last_pass_completed_timestamp_seconds", "gauge",
               "Unix time at which the scrubber last completed a full pass; 0 for never.",
               fmt::format("{}.{:06}", last / kMicrosPerSecond, last % kMicrosPerSecond));
}

void Metrics::render_limits(fmt::memory_buffer& out) const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  write_metric(out, "tollgate_max_connections", "gauge",
               "Open connections at most: [server] max_connections as the open-file limit allows.",
               max_connections_.load(kRelaxed));
  write_metric(out, "tollgate_open_files_limit", "gauge",
               "The process's open-file limit (RLIMIT_NOFILE) after start-up raised it.",
               open_files_limit_.load(kRelaxed));
  write_counters(out, "tollgate_connections_refused_total",
                 "Connections closed at accept: over max_connections or "
                 "max_connections_per_address.",
                 "reason", std::array<std::string_view, 2>{"max_connections", "per_address"},
                 refused_connections_);
  write_metric(out, "tollgate_accept_backoffs_total", "counter",
               "Pauses of the accept loop for want of file descriptors or memory.",
               accept_backoffs_.load(kRelaxed));
  write_counters(out, "tollgate_request_timeouts_total",
                 "Requests whose headers or body came too slowly (the connection was closed or "
                 "answered 408).",
                 "phase", std::array<std::string_view, 3>{"headers", "body", "body_rate"},
                 request_timeouts_);
  write_counters(
      out, "tollgate_upload_refusals_total",
      "Resumable upload requests refused at a cap on sessions or their bytes.", "limit",
      std::array<std::string_view, 4>{"sessions_per_user", "sessions", "bytes_per_user", "bytes"},
      upload_refusals_);
  write_metric(out, "tollgate_upload_sessions", "gauge", "Open resumable upload sessions.",
               upload_sessions_.load(kRelaxed));
  write_metric(out, "tollgate_upload_bytes", "gauge",
               "Bytes held by open resumable upload sessions.", upload_bytes_.load(kRelaxed));
}

std::string Metrics::render(const storage::StoreStats& store) const {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(
      it,
      "# HELP tollgate_http_requests_total HTTP requests answered, by route, method and status.\n");
  fmt::format_to(it, "# TYPE tollgate_http_requests_total counter\n");
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    fmt::format_to(it,
                   "tollgate_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                   route, method, status, n);
  }
  fmt::format_to(
      it,
      "# HELP tollgate_http_request_duration_seconds Time from request read to response ready.\n");
  fmt::format_to(it, "# TYPE tollgate_http_request_duration_seconds histogram\n");
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      fmt::format_to(it,
                     "tollgate_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                     route, kBuckets[i], h.counts[i]);
    fmt::format_to(it,
                   "tollgate_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                   route, h.count);
    fmt::format_to(it, "tollgate_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route,
                   h.sum);
    fmt::format_to(it, "tollgate_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                   h.count);
  }
  fmt::format_to(it, "# HELP tollgate_open_connections Client connections open now.\n");
  fmt::format_to(it, "# TYPE tollgate_open_connections gauge\n");
  fmt::format_to(it, "tollgate_open_connections {}\n",
                 open_connections_.load(std::memory_order_relaxed));
  fmt::format_to(it, "# HELP tollgate_lmdb_map_size_bytes Bytes reserved for the LMDB map.\n");
  fmt::format_to(it, "# TYPE tollgate_lmdb_map_size_bytes gauge\n");
  fmt::format_to(it, "tollgate_lmdb_map_size_bytes {}\n", store.map_size);
  fmt::format_to(it, "# HELP tollgate_lmdb_map_used_bytes Bytes of the LMDB map in use.\n");
  fmt::format_to(it, "# TYPE tollgate_lmdb_map_used_bytes gauge\n");
  fmt::format_to(it, "tollgate_lmdb_map_used_bytes {}\n", store.used_size);
  fmt::format_to(it,
                 "# HELP tollgate_lmdb_commits_total Write batches committed (one fsync each).\n");
  fmt::format_to(it, "# TYPE tollgate_lmdb_commits_total counter\n");
  fmt::format_to(it, "tollgate_lmdb_commits_total {}\n", store.commits);
  fmt::format_to(it, "# HELP tollgate_lmdb_writes_total Write operations committed.\n");
  fmt::format_to(it, "# TYPE tollgate_lmdb_writes_total counter\n");
  fmt::format_to(it, "tollgate_lmdb_writes_total {}\n", store.writes);
  render_integrity(out);
  render_limits(out);
  return fmt::to_string(out);
}

}  // namespace tollgate::server
