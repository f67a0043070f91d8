// The listener: the listening socket and its accept loop. Each accepted connection goes to the
// next I/O context in turn, as a TlsSession (config.tls) or a PlainSession; at
// config.max_connections open connections a new one is closed at once. Private to server/http.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
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

  // Stops accepting; connections already open are not touched. Call on contexts[0].
  void close();

 private:
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  // Serves `socket` in a new session, or closes it at the connection cap.
  void open_session(boost::asio::ip::tcp::socket socket);

  std::vector<std::unique_ptr<boost::asio::io_context>>& contexts_;
  boost::asio::ssl::context& tls_;
  ServerState& shared_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t next_context_ = 0;
};

}  // namespace tollgate::server::connection
