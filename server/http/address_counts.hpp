// Open connections per remote address, held against [server] max_connections_per_address.
// Knows no sockets: the listener names the address, and the session keeps the Slot it was given
// for as long as it lives. Private to server/http.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::server::connection {

class AddressCounts {
 public:
  // One connection counted against its address until the slot is destroyed (or moved from).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

   private:
    friend class AddressCounts;
    Slot(AddressCounts* counts, std::string address)
        : counts_(counts), address_(std::move(address)) {}
    void release();

    AddressCounts* counts_ = nullptr;
    std::string address_;
  };

  // `cap`: connections one address may hold at once. `exempt`: addresses in the form the
  // listener names them (asio's to_string()), counted but never capped. Slots must not
  // outlive the counts.
  AddressCounts(unsigned cap, std::vector<std::string> exempt);

  // A slot for one more connection from `address`; nullopt when the address holds `cap`
  // already. Thread-safe.
  std::optional<Slot> try_acquire(const std::string& address);

  // Connections counted for `address` now. Thread-safe.
  unsigned count(const std::string& address) const;

 private:
  void release(const std::string& address);

  const unsigned cap_;
  const std::set<std::string, std::less<>> exempt_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, unsigned> open_;
};

}  // namespace tollgate::server::connection
