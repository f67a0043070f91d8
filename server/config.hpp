// Server configuration: defaults, conf/tollgate.toml, then command-line flags, validated once
// at start-up. Every limit the server enforces is named here and documented in
// conf/tollgate.toml.
#pragma once

#include <cstdint>
#include <string>

#include "tollgate/status.hpp"

namespace tollgate::server {

struct Config {
  // [server]
  std::string data_dir = "./var";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8443;
  unsigned threads = 0;          // I/O threads; 0 = one per core
  unsigned worker_threads = 64;  // threads running mutating requests
  unsigned max_connections = 10000;
  unsigned pipeline_limit = 16;            // requests read ahead on one connection
  std::uint32_t header_limit = 16 * 1024;  // bytes of request line + headers
  std::uint64_t body_limit = 1024 * 1024;  // bytes of a JSON request body
  unsigned read_timeout_seconds = 30;      // to read one request body
  unsigned idle_timeout_seconds = 60;      // keep-alive wait for the next request
  unsigned shutdown_grace_seconds = 30;    // drain time on SIGTERM before closing hard

  // [tls]
  bool tls = true;
  std::string tls_cert;  // empty: DATA/tls/cert.pem, generated on first start
  std::string tls_key;

  // [storage]
  std::uint64_t map_size_mb = 64;
  std::uint64_t max_map_size_mb = 64 * 1024;
  unsigned max_batch = 512;

  // [artifacts]
  std::uint64_t max_artifact_size_mb = 64 * 1024;  // one artifact, streamed (413 beyond)
  std::uint64_t resumable_threshold_mb = 64;       // the CLI uploads larger files in sessions
  unsigned upload_expiry_hours = 24;               // idle resumable uploads are removed after
  unsigned upload_threads = 64;                    // threads that stream request bodies to disk

  // [integrity]
  std::uint64_t scrub_rate_mb = 32;    // MiB/s re-hashed by the background scrubber; 0 = off
  unsigned scrub_interval_hours = 24;  // a full pass starts at most this often

  // [log]
  bool access_log = true;  // one JSON line per request on stdout

  std::string listen() const { return listen_host + ":" + std::to_string(listen_port); }
};

// Reads a TOML file over `config`. Unknown sections or keys, wrong types and values out of
// range are errors (invalid) naming the key and the file.
Status load_config_file(const std::string& path, Config& config);

// Parses "HOST:PORT" ("[::1]:8443" for IPv6) into config.listen_host/listen_port.
Status set_listen(const std::string& value, Config& config);

// Cross-field checks after all sources are applied.
Status validate(const Config& config);

}  // namespace tollgate::server
