#include "server/http/listener.hpp"

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>

#include "server/http/session.hpp"

namespace tollgate::server::connection {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{1000};

// An accept that failed for want of a resource a moment may free: trying again at once would
// fail the same way, as fast as the pending connection is reported.
bool out_of_resources(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory ||
         ec == beast::error_code(ENFILE, boost::system::system_category());
}

}  // namespace

Listener::Listener(std::vector<std::unique_ptr<net::io_context>>& contexts, net::ssl::context& tls,
                   ServerState& shared)
    : contexts_(contexts),
      tls_(tls),
      shared_(shared),
      acceptor_(*contexts[0]),
      pause_(*contexts[0]) {}

std::chrono::milliseconds Listener::next_backoff(std::chrono::milliseconds previous) {
  if (previous.count() == 0) return kFirstBackoff;
  return std::min(previous * 2, kMaxBackoff);
}

Result<std::uint16_t> Listener::listen(const Config& config) {
  beast::error_code ec;
  const std::string host = config.listen_host == "localhost" ? "127.0.0.1" : config.listen_host;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    return invalid(fmt::format("cannot listen on '{}': not an IP address", config.listen_host));
  const tcp::endpoint endpoint(address, config.listen_port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return io_error(fmt::format("cannot listen on {}: {}", config.listen(), ec.message()));
  return acceptor_.local_endpoint().port();
}

void Listener::accept() {
  net::io_context& next = *contexts_[next_context_++ % contexts_.size()];
  acceptor_.async_accept(
      next, [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void Listener::close() {
  beast::error_code ec;
  acceptor_.close(ec);
  pause_.cancel();
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    if (out_of_resources(ec)) return back_off(ec);
    return accept();  // a connection that failed on its way in must not stop serving
  }
  backoff_ = std::chrono::milliseconds(0);
  open_session(std::move(socket));
  accept();
}

void Listener::back_off(beast::error_code ec) {
  if (backoff_.count() == 0)
    fmt::print(stderr, "tollgated: accepting connections: {}; pausing the accept loop\n",
               ec.message());
  backoff_ = next_backoff(backoff_);
  shared_.metrics.accept_backoff();
  pause_.expires_after(backoff_);
  pause_.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec && acceptor_.is_open()) accept();
  });
}

void Listener::open_session(tcp::socket socket) {
  if (shared_.connections.load() >= shared_.max_connections.load())
    return refuse(socket, ConnectionRefusal::max_connections);
  beast::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec) {  // the peer is gone already
    socket.close(peer_ec);
    return;
  }
  auto slot = shared_.addresses.try_acquire(ServerState::address_key(peer.address()));
  if (!slot) return refuse(socket, ConnectionRefusal::per_address);
  std::string remote = fmt::format("{}:{}", peer.address().to_string(), peer.port());
  if (shared_.config.tls)
    std::make_shared<TlsSession>(std::move(socket), tls_, shared_, std::move(remote),
                                 std::move(*slot))
        ->start();
  else
    std::make_shared<PlainSession>(std::move(socket), shared_, std::move(remote), std::move(*slot))
        ->start();
}

void Listener::refuse(tcp::socket& socket, ConnectionRefusal why) {
  shared_.metrics.connection_refused(why);
  beast::error_code ignored;
  socket.close(ignored);
}

}  // namespace tollgate::server::connection
