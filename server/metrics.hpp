// Prometheus metrics of the HTTP front and the store.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "storage/kv_store.hpp"

namespace tollgate::server {

class Metrics {
 public:
  // Counts one answered request under its route pattern (not its concrete path). `route` must
  // have static storage (a pattern of the route table, or "unmatched").
  void observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

  // The text exposition format (version 0.0.4).
  std::string render(const storage::StoreStats& store) const;

  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

 private:
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
};

}  // namespace tollgate::server
