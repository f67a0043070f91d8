#include "server/http/address_counts.hpp"

#include <utility>

namespace tollgate::server::connection {

AddressCounts::Slot::Slot(Slot&& other) noexcept
    : counts_(std::exchange(other.counts_, nullptr)), address_(std::move(other.address_)) {}

AddressCounts::Slot& AddressCounts::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    counts_ = std::exchange(other.counts_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

void AddressCounts::Slot::release() {
  if (counts_ != nullptr) std::exchange(counts_, nullptr)->release(address_);
}

AddressCounts::AddressCounts(unsigned cap, std::vector<std::string> exempt)
    : cap_(cap), exempt_(exempt.begin(), exempt.end()) {}

std::optional<AddressCounts::Slot> AddressCounts::try_acquire(const std::string& address) {
  std::lock_guard lock(mu_);
  unsigned& open = open_[address];
  if (open >= cap_ && !exempt_.contains(address)) return std::nullopt;  // open >= cap >= 1
  ++open;
  return Slot(this, address);
}

unsigned AddressCounts::count(const std::string& address) const {
  std::lock_guard lock(mu_);
  const auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

void AddressCounts::release(const std::string& address) {
  std::lock_guard lock(mu_);
  const auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace tollgate::server::connection
