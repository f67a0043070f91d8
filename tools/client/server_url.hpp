// The server address a user gives ("https://tollgate.example:8443"), as ClientOptions.
#pragma once

#include <string_view>

#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::client {

// Parses `url` into options.host, options.port and options.tls, keeping the other fields of
// `options`. Accepted: "https://HOST[:PORT][/]" and "http://HOST[:PORT][/]" (HOST a DNS name,
// an IPv4 address or a bracketed IPv6 address; the port defaults to 443 and 80), and a bare
// "HOST[:PORT]", taken as https. Errors: invalid for anything else (another scheme, user
// information, a path, a query or a fragment, a port out of 1..65535), naming what is wrong.
Result<ClientOptions> parse_server_url(std::string_view url, ClientOptions options = {});

}  // namespace tollgate::client
