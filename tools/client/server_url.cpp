#include "client/server_url.hpp"

#include <string>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace tollgate::client {
namespace {

Status bad_url(std::string_view url, std::string_view why) {
  return invalid("server URL '" + std::string(url) + "': " + std::string(why));
}

}  // namespace

Result<ClientOptions> parse_server_url(std::string_view url, ClientOptions options) {
  const std::string text =
      url.find("://") == std::string_view::npos ? "https://" + std::string(url) : std::string(url);
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return bad_url(url, "not a URL (" + parsed.error().message() + ")");
  const boost::urls::url_view& view = *parsed;
  if (view.scheme() != "https" && view.scheme() != "http") {
    return bad_url(url, "the scheme must be https or http");
  }
  if (view.has_userinfo()) return bad_url(url, "user information is not supported");
  if (view.has_query() || view.has_fragment()) return bad_url(url, "no query or fragment");
  if (!view.encoded_path().empty() && view.encoded_path() != "/") {
    return bad_url(url, "a path prefix is not supported");
  }
  const auto host_type = view.host_type();
  if (host_type != boost::urls::host_type::name && host_type != boost::urls::host_type::ipv4 &&
      host_type != boost::urls::host_type::ipv6) {
    return bad_url(url, "no host");
  }
  std::string host = view.host_address();
  if (host.empty()) return bad_url(url, "no host");
  options.tls = view.scheme() == "https";
  if (view.has_port()) {
    const std::string_view port = view.port();
    if (port.empty() || port.size() > 5 || view.port_number() == 0) {
      return bad_url(url, "the port must be 1..65535");
    }
    options.port = view.port_number();
  } else {
    options.port = options.tls ? 443 : 80;
  }
  options.host = std::move(host);
  return options;
}

}  // namespace tollgate::client
