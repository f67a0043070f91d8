#include "client/server_url.hpp"

#include <doctest/doctest.h>

using namespace tollgate;
using tollgate::client::ClientOptions;
using tollgate::client::parse_server_url;

TEST_CASE("server URL: scheme, host and port") {
  auto https = parse_server_url("https://tollgate.example:8443");
  REQUIRE_MESSAGE(https.ok(), https.status().to_string());
  CHECK(https->tls);
  CHECK(https->host == "tollgate.example");
  CHECK(https->port == 8443);

  auto http = parse_server_url("http://127.0.0.1:8080/");
  REQUIRE(http.ok());
  CHECK_FALSE(http->tls);
  CHECK(http->host == "127.0.0.1");
  CHECK(http->port == 8080);

  auto v6 = parse_server_url("https://[::1]:9443");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9443);
}

TEST_CASE("server URL: default ports and a bare host") {
  auto https = parse_server_url("https://tollgate.example");
  REQUIRE(https.ok());
  CHECK(https->port == 443);
  auto http = parse_server_url("http://tollgate.example");
  REQUIRE(http.ok());
  CHECK(http->port == 80);
  auto bare = parse_server_url("localhost:8443");
  REQUIRE(bare.ok());
  CHECK(bare->tls);
  CHECK(bare->host == "localhost");
  CHECK(bare->port == 8443);
}

TEST_CASE("server URL: the other options are kept") {
  ClientOptions options;
  options.token = "t";
  options.ca_file = "/ca.pem";
  options.timeout_seconds = 7;
  auto parsed = parse_server_url("https://h:1", options);
  REQUIRE(parsed.ok());
  CHECK(parsed->token == "t");
  CHECK(parsed->ca_file == "/ca.pem");
  CHECK(parsed->timeout_seconds == 7);
}

TEST_CASE("server URL: what is refused") {
  for (const char* bad : {"ftp://h:21", "https://user:pw@h:1", "https://h:1/prefix",
                          "https://h:1?x=1", "https://h:1#top", "https://h:0", "https://h:70000",
                          "https://", "https://:8443", "", "https://h:port"}) {
    CAPTURE(bad);
    auto parsed = parse_server_url(bad);
    CHECK_FALSE(parsed.ok());
    if (!parsed.ok()) CHECK(parsed.status().code() == Code::invalid);
  }
}
