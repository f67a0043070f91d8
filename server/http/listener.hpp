// The listener: the listening socket and its accept loop. Each accepted connection goes to the
// next I/O context in turn, as a TlsSession (config.tls) or a PlainSession. A new connection is
// closed at once, before any TLS, when the server holds its cap of connections
// (ServerState::max_connections) or its remote address holds config.max_connections_per_address
// (unless exempt). When accepting fails for want of descriptors or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) the loop pauses, 50 ms and doubling up to 1 s while the failures last,
// instead of spinning on a connection it cannot take. Private to server/http.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "server/domain/config.hpp"
#include "server/http/server_state.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::connection {

class Listener {
 public:
  // None owned; all must outlive the listener. The acceptor lives on contexts[0]; `contexts`
  // must not change size. `tls` is used only with config.tls.
  Listener(std::vector<std::unique_ptr<boost::asio::io_context>>& contexts,
           boost::asio::ssl::context& tls, ServerState& shared);

  // Binds config.listen_host ("localhost" means 127.0.0.1) and config.listen_port and listens.
  // Returns the bound port (useful with port 0). Errors: invalid (not an IP address), io (open,
  // bind or listen failed).
  Result<std::uint16_t> listen(const Config& config);

  // Starts the accept loop; it runs on the I/O contexts until close(). A failed accept (e.g.
  // EMFILE) does not stop it.
  void accept();

  // The pause after the failed accept that follows one of `previous` (zero: none).
  static std::chrono::milliseconds next_backoff(std::chrono::milliseconds previous);

  // Stops accepting; connections already open are not touched. Call on contexts[0].
  void close();

 private:
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  // Pauses the loop after an accept that failed for want of descriptors or memory.
  void back_off(boost::beast::error_code ec);
  // Serves `socket` in a new session, or closes it at a connection cap.
  void open_session(boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket& socket, ConnectionRefusal why);

  std::vector<std::unique_ptr<boost::asio::io_context>>& contexts_;
  boost::asio::ssl::context& tls_;
  ServerState& shared_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;  // the backoff after a failed accept
  std::chrono::milliseconds backoff_{0};
  std::size_t next_context_ = 0;
};

}  // namespace tollgate::server::connection
