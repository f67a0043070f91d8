#include "server/http/http_server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/http/client_cert.hpp"
#include "server/http/listener.hpp"
#include "server/http/open_files.hpp"
#include "server/http/server_state.hpp"
#include "server/http/tls_policy.hpp"

namespace tollgate::server {

namespace net = boost::asio;
namespace ssl = net::ssl;
using connection::Listener;
using connection::ServerState;
using connection::SessionBase;

// One io_context per I/O thread: a connection lives on one context for its whole life, so its
// handlers never run concurrently and need no strand; contexts share nothing on the hot path.
struct HttpServer::Impl {
  Impl(const Config& c, Handler h, Admission a, Metrics& m)
      : config(c),
        workers(c.worker_threads),
        readers(c.reader_threads),
        uploads(c.upload_threads),
        tls(ssl::context::tls_server),
        shared(config, std::move(h), std::move(a), m, workers, readers, uploads) {
    const unsigned n = c.threads ? c.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      keep_running.push_back(net::make_work_guard(*contexts.back()));
    }
    listener.emplace(contexts, tls, shared);
    signals.emplace(*contexts[0], SIGINT, SIGTERM);
    reload_signal.emplace(*contexts[0], SIGHUP);
    grace.emplace(*contexts[0]);
    shared.on_drained = [this] { net::post(*contexts[0], [this] { grace->cancel(); }); };
  }

  // Applies the TLS policy, loads the certificate and key, and asks for client certificates
  // when configured.
  Status configure_tls(const std::string& cert, const std::string& key) {
    cert_file = cert;
    key_file = key;
    tls.set_options(ssl::context::default_workarounds);
    TG_RETURN_IF_ERROR(apply_tls_policy(tls.native_handle()));
    TG_RETURN_IF_ERROR(load_certificate(tls, cert_file, key_file));
    if (!config.tls_client_ca.empty())
      return request_client_certificates(tls.native_handle(), config.tls_client_ca);
    return {};
  }

  static Status load_certificate(ssl::context& ctx, const std::string& cert,
                                 const std::string& key) {
    boost::system::error_code ec;
    ctx.use_certificate_chain_file(cert, ec);
    if (ec)
      return invalid(fmt::format("cannot load the TLS certificate {}: {}", cert, ec.message()));
    ctx.use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return invalid(fmt::format("cannot load the TLS key {}: {}", key, ec.message()));
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
      return invalid(fmt::format("the TLS key {} does not match the certificate {}", key, cert));
    return {};
  }

  // SIGHUP: reads the certificate and key files again into a scratch context, so that a
  // half-written or mismatched pair changes nothing, then hands the loaded pair (and chain) to
  // `tls`. Runs on contexts[0], the only thread that creates SSL objects from `tls` (the
  // listener's), so no handshake sees a certificate without its key; an SSL takes its own
  // reference to the pair when it is created, so open connections keep the one they began with.
  void reload_certificate() {
    ssl::context scratch(ssl::context::tls_server);
    Status st = load_certificate(scratch, cert_file, key_file);
    if (st.ok()) st = take_certificate(scratch.native_handle(), tls.native_handle());
    if (st.ok())
      fmt::print("tollgated: SIGHUP: reloaded the TLS certificate {} and key {}\n", cert_file,
                 key_file);
    else
      fmt::print(stderr, "tollgated: SIGHUP: kept the current TLS certificate: {}\n", st.message());
    std::fflush(stdout);
  }

  // A pair of another key type would land in another of OpenSSL's certificate slots and leave
  // the old certificate served beside it, so a key type change needs a restart.
  static Status take_certificate(SSL_CTX* from, SSL_CTX* to) {
    if (EVP_PKEY_get_base_id(SSL_CTX_get0_privatekey(from)) !=
        EVP_PKEY_get_base_id(SSL_CTX_get0_privatekey(to)))
      return invalid("the new key is of another type than the current one; restart to change it");
    STACK_OF(X509)* chain = nullptr;
    if (SSL_CTX_get0_chain_certs(from, &chain) != 1 ||
        SSL_CTX_use_certificate(to, SSL_CTX_get0_certificate(from)) != 1 ||
        SSL_CTX_use_PrivateKey(to, SSL_CTX_get0_privatekey(from)) != 1 ||
        SSL_CTX_set1_chain(to, chain) != 1)
      return internal_error("OpenSSL refused the reloaded certificate");
    return {};
  }

  void await_reload() {
    reload_signal->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;  // cancelled: draining
      if (config.tls) reload_certificate();
      await_reload();
    });
  }

  // Raises the open-file limit and lowers the connection cap to what it allows.
  Status fit_connection_cap() {
    TG_ASSIGN_OR_RETURN(const std::uint64_t open_files, connection::raise_open_file_limit());
    const unsigned cap = connection::connection_cap(config.max_connections, open_files);
    shared.max_connections = cap;
    shared.metrics.set_connection_cap(cap, open_files);
    if (cap < config.max_connections)
      fmt::print(
          "tollgated: max_connections lowered from {} to {}: the open-file limit is {} ({} kept "
          "for the store, vault and uploads, {} per connection)\n",
          config.max_connections, cap, open_files, connection::kReservedFiles,
          connection::kFilesPerConnection);
    return {};
  }

  void stop_all() {
    shared.stopped = true;
    for (auto& ctx : contexts) ctx->stop();
  }

  // Stops accepting and signals, asks every session to close once idle, and gives the rest
  // config.shutdown_grace_seconds before stopping everything.
  void begin_drain() {
    if (shared.draining.exchange(true)) return;
    boost::system::error_code ec;
    listener->close();
    signals->cancel(ec);
    reload_signal->cancel(ec);
    keep_running.clear();  // contexts now end when their last connection does
    drain_sessions();
    if (shared.connections.load() == 0) return;
    grace->expires_after(std::chrono::seconds(config.shutdown_grace_seconds));
    grace->async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec) stop_all();  // grace over: close what is left
    });
  }

  void drain_sessions() {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(shared.sessions_mu);
      for (auto& [raw, weak] : shared.sessions)
        if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    for (auto& session : live) session->drain();
  }

  const Config& config;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  net::thread_pool workers;
  net::thread_pool readers;
  net::thread_pool uploads;
  ssl::context tls;
  std::optional<net::signal_set> signals;
  std::optional<net::signal_set> reload_signal;  // SIGHUP
  std::string cert_file, key_file;
  std::optional<net::steady_timer> grace;
  ServerState shared;
  std::optional<Listener> listener;
};

HttpServer::HttpServer(const Config& config, Handler handler, Admission admits, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, std::move(handler), std::move(admits), metrics)) {}

HttpServer::~HttpServer() {
  impl_->stop_all();
  impl_->workers.join();
  impl_->readers.join();
  impl_->uploads.join();
}

Result<std::uint16_t> HttpServer::start(const std::string& cert_file, const std::string& key_file) {
  TG_RETURN_IF_ERROR(impl_->fit_connection_cap());
  if (impl_->config.tls) TG_RETURN_IF_ERROR(impl_->configure_tls(cert_file, key_file));
  return impl_->listener->listen(impl_->config);
}

void HttpServer::run() {
  auto& impl = *impl_;
  impl.signals->async_wait([this](boost::system::error_code ec, int) {
    if (!ec) impl_->begin_drain();
  });
  impl.await_reload();
  impl.listener->accept();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i)
    threads.emplace_back([ctx = impl.contexts[i].get()] { ctx->run(); });
  impl.contexts[0]->run();
  for (auto& t : threads) t.join();
  impl.shared.stopped = true;  // handlers still pulling a body give up
  impl.workers.join();
  impl.readers.join();
  impl.uploads.join();
}

void HttpServer::stop() {
  net::post(*impl_->contexts[0], [this] { impl_->begin_drain(); });
}

}  // namespace tollgate::server
