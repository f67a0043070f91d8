// What an HttpServer's listener and sessions share, and the one thing the server asks of every
// session. Private to server/http.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/domain/config.hpp"
#include "server/domain/crypto.hpp"
#include "server/domain/metrics.hpp"
#include "server/http/access_log.hpp"
#include "server/http/address_counts.hpp"
#include "server/http/http_server.hpp"
#include "tollgate/encoding.hpp"

namespace tollgate::server::connection {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is idle; otherwise it closes after its current response.
  virtual void drain() = 0;
};

// Owned by HttpServer::Impl; outlives every session. The atomics and the mutexes' members may be
// used from any thread; the rest is fixed at construction.
struct ServerState {
  ServerState(const Config& c, HttpServer::Handler h, HttpServer::Admission a, Metrics& m,
              boost::asio::thread_pool& pool, boost::asio::thread_pool& reader_pool,
              boost::asio::thread_pool& upload_pool)
      : config(c),
        handler(std::move(h)),
        admits(std::move(a)),
        metrics(m),
        workers(pool),
        readers(reader_pool),
        uploads(upload_pool),
        addresses(c.max_connections_per_address, normalized_addresses(c.per_address_exempt)) {}

  // How a peer's address is counted: its text, an IPv4 client of a dual-stack listener
  // (::ffff:a.b.c.d) as the IPv4 address it is.
  static std::string address_key(const boost::asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
      return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
          .to_string();
    return address.to_string();
  }

  // `addresses` as address_key names them; unreadable ones are kept as they are (config
  // validation refuses them).
  static std::vector<std::string> normalized_addresses(const std::vector<std::string>& addresses) {
    std::vector<std::string> out;
    for (const auto& text : addresses) {
      boost::system::error_code ec;
      const auto address = boost::asio::ip::make_address(text, ec);
      out.push_back(ec ? text : address_key(address));
    }
    return out;
  }

  const Config& config;
  HttpServer::Handler handler;
  HttpServer::Admission admits;
  Metrics& metrics;
  boost::asio::thread_pool& workers;  // mutating requests
  boost::asio::thread_pool& readers;  // read-only requests of routes that run on the pool
  boost::asio::thread_pool& uploads;  // requests whose bodies stream (a thread each meanwhile)
  std::uint64_t artifact_limit = config.max_artifact_size_mb << 20;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};  // the I/O contexts are stopping: nothing more will run
  std::atomic<unsigned> connections{0};
  // config.max_connections as the open-file limit allows (set by HttpServer::start).
  std::atomic<unsigned> max_connections{config.max_connections};
  AddressCounts addresses;  // open connections per remote address
  std::mutex sessions_mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::function<void()> on_drained;  // when the last connection closes during a drain
  std::string request_id_prefix = to_hex(random_bytes(4));
  std::atomic<std::uint64_t> request_counter{0};
  AccessLog access_log;

  // A new request id: this server's random prefix and a counter.
  std::string next_request_id() {
    return fmt::format("{}-{:08x}", request_id_prefix,
                       request_counter.fetch_add(1, std::memory_order_relaxed));
  }
};

}  // namespace tollgate::server::connection
