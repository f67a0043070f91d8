#include "client/connection.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>

namespace tollgate::client::detail {
namespace {

bool is_ip_address(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

bool is_certificate_failure(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string host_header(const ClientOptions& options) {
  const bool v6 = options.host.find(':') != std::string::npos;
  return (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
}

bool is_closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == ssl::error::stream_truncated;
}

Status connection_error(std::string_view what, const error_code& ec) {
  if (ec == beast::error::timeout) return {Code::unavailable, std::string(what) + ": timed out"};
  return {Code::unavailable, std::string(what) + ": " + ec.message()};
}

namespace {

// Presents options.client_cert (with its key) when the server asks for a certificate.
Status use_client_certificate(ssl::context& context, const ClientOptions& options) {
  error_code ec;
  context.use_certificate_chain_file(options.client_cert, ec);
  if (ec)
    return Status(Code::invalid, "cannot load the client certificate '" + options.client_cert +
                                     "': " + ec.message());
  context.use_private_key_file(options.client_key, ssl::context::pem, ec);
  if (ec)
    return Status(Code::invalid,
                  "cannot load the client key '" + options.client_key + "': " + ec.message());
  if (SSL_CTX_check_private_key(context.native_handle()) != 1)
    return Status(Code::invalid, "the client key '" + options.client_key +
                                     "' does not belong to the certificate '" +
                                     options.client_cert + "'");
  return {};
}

}  // namespace

Result<ssl::context> make_tls_context(const ClientOptions& options) {
  if (options.client_cert.empty() != options.client_key.empty())
    return Status(Code::invalid, "a client certificate and its key must be given together");
  try {
    ssl::context context(ssl::context::tls_client);
    if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
      return Status(Code::internal, "cannot require TLS 1.2");
    }
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (options.ca_file.empty()) {
      context.set_default_verify_paths();
    } else {
      context.load_verify_file(options.ca_file);
    }
    context.set_verify_mode(ssl::verify_peer);
    if (!options.client_cert.empty()) TG_RETURN_IF_ERROR(use_client_certificate(context, options));
    return context;
  } catch (const boost::system::system_error& e) {
    return Status(Code::invalid, "cannot load the CA file '" + options.ca_file + "': " + e.what());
  }
}

void Connection::close() {
  if (tls_ || plain_) {
    error_code ignored;
    layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    layer().close();
  }
  plain_.reset();
  tls_.reset();
  buffer_.clear();
}

Status Connection::open(const ClientOptions& options, ssl::context* tls_context) {
  close();
  error_code ec;
  tcp::resolver resolver(ioc_);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) return connection_error("cannot resolve " + options.host, ec);

  if (tls_context != nullptr) {
    tls_.emplace(ioc_, *tls_context);
  } else {
    plain_.emplace(ioc_);
  }
  set_deadline(std::chrono::seconds(options.timeout_seconds));
  ec = run([&](auto handler) { layer().async_connect(endpoints, handler); });
  Status status = ec     ? connection_error("cannot connect to " + host_header(options), ec)
                  : tls_ ? handshake(options.host)
                         : Status();
  if (!status.ok()) close();
  return status;
}

Status Connection::handshake(const std::string& host) {
  // SNI carries DNS names only (RFC 6066), never an address literal. This is what the
  // SSL_set_tlsext_host_name macro expands to, without its C-style cast.
  if (!is_ip_address(host) &&
      SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(host.c_str())) != 1) {
    return {Code::internal, "cannot set the TLS server name"};
  }
  tls_->set_verify_callback(ssl::host_name_verification(host));
  const error_code ec =
      run([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
  if (!ec) return {};
  // A host name mismatch rejected by our verify callback leaves no specific X509 error.
  const long verify_result = SSL_get_verify_result(tls_->native_handle());
  if (verify_result == X509_V_ERR_UNSPECIFIED ||
      (verify_result == X509_V_OK && is_certificate_failure(ec))) {
    return {Code::invalid,
            "TLS certificate verification failed: the certificate is not valid for " + host};
  }
  if (verify_result != X509_V_OK) {
    return {Code::invalid, std::string("TLS certificate verification failed: ") +
                               X509_verify_cert_error_string(verify_result)};
  }
  return connection_error("TLS handshake failed", ec);
}

}  // namespace tollgate::client::detail
