// Connections per remote address against [server] max_connections_per_address, without sockets.
#include "server/http/address_counts.hpp"
#include "server/http/server_state.hpp"

#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using tollgate::server::connection::AddressCounts;

TEST_CASE("address counts: an address gets its cap of slots, no more, and others are apart") {
  AddressCounts counts(2, {});
  auto a1 = counts.try_acquire("192.0.2.1");
  auto a2 = counts.try_acquire("192.0.2.1");
  REQUIRE((a1 && a2));
  CHECK_FALSE(counts.try_acquire("192.0.2.1"));
  CHECK(counts.count("192.0.2.1") == 2);
  CHECK(counts.try_acquire("192.0.2.2"));  // released at once: a temporary
  CHECK(counts.count("192.0.2.2") == 0);
  a1.reset();  // a closed connection frees its slot
  CHECK(counts.count("192.0.2.1") == 1);
  CHECK(counts.try_acquire("192.0.2.1"));
}

TEST_CASE("address counts: loopback is capped like any address; exempt ones are only counted") {
  AddressCounts counts(1, {"10.0.0.5"});
  auto loopback = counts.try_acquire("127.0.0.1");
  REQUIRE(loopback);
  CHECK_FALSE(counts.try_acquire("127.0.0.1"));
  std::vector<AddressCounts::Slot> proxy;
  for (int i = 0; i < 5; ++i) {
    auto slot = counts.try_acquire("10.0.0.5");
    REQUIRE(slot);
    proxy.push_back(std::move(*slot));
  }
  CHECK(counts.count("10.0.0.5") == 5);
  proxy.clear();
  CHECK(counts.count("10.0.0.5") == 0);
}

TEST_CASE("address counts: a moved slot is released once, by its last owner") {
  AddressCounts counts(1, {});
  std::optional<AddressCounts::Slot> first = counts.try_acquire("::1");
  REQUIRE(first);
  AddressCounts::Slot moved = std::move(*first);
  first.reset();
  CHECK(counts.count("::1") == 1);
  AddressCounts::Slot other;
  other = std::move(moved);
  CHECK(counts.count("::1") == 1);
  other = AddressCounts::Slot();
  CHECK(counts.count("::1") == 0);
}

TEST_CASE("address keys: an IPv4 client of a dual-stack listener counts as its IPv4 address") {
  using tollgate::server::connection::ServerState;
  namespace ip = boost::asio::ip;
  CHECK(ServerState::address_key(ip::make_address("::ffff:192.0.2.7")) == "192.0.2.7");
  CHECK(ServerState::address_key(ip::make_address("192.0.2.7")) == "192.0.2.7");
  CHECK(ServerState::address_key(ip::make_address("2001:db8::1")) == "2001:db8::1");
  CHECK(ServerState::normalized_addresses({"::ffff:10.0.0.5", "10.0.0.6", "not an address"}) ==
        std::vector<std::string>{"10.0.0.5", "10.0.0.6", "not an address"});
}
