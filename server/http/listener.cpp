#include "server/http/listener.hpp"

#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>

#include "server/http/session.hpp"

namespace tollgate::server::connection {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(std::vector<std::unique_ptr<net::io_context>>& contexts, net::ssl::context& tls,
                   ServerState& shared)
    : contexts_(contexts), tls_(tls), shared_(shared), acceptor_(*contexts[0]) {}

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
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (acceptor_.is_open()) accept();  // a failed accept (e.g. EMFILE) must not stop serving
    return;
  }
  open_session(std::move(socket));
  accept();
}

void Listener::open_session(tcp::socket socket) {
  if (shared_.connections.load() >= shared_.config.max_connections) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  beast::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  std::string remote =
      peer_ec ? "-" : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  if (shared_.config.tls)
    std::make_shared<TlsSession>(std::move(socket), tls_, shared_, std::move(remote))->start();
  else
    std::make_shared<PlainSession>(std::move(socket), shared_, std::move(remote))->start();
}

}  // namespace tollgate::server::connection
