// FaultyKvStore: a real store, except where a test tells a write to fail or the process to die.
//
//   FaultyKvStore faulty(lmdb);
//   faulty.arm(FaultyKvStore::When::fail, /*skip=*/1);          // the 2nd write fails (io)
//   faulty.arm(FaultyKvStore::When::crash_after, /*skip=*/0);   // the next write commits, then
//                                                               // SimulatedCrash is thrown
// A crash is an exception the test catches where the request was made: nothing after it in the
// request runs (no revert, no clean-up), as when the process is killed; the test then restarts
// what a new process would (AppFixture::restart) on the same data.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include "storage/kv_store.hpp"

namespace tollgate::testing {

struct SimulatedCrash {};

class FaultyKvStore final : public storage::KvStore {
 public:
  enum class When { fail, crash_before, crash_after };

  explicit FaultyKvStore(storage::KvStore& inner) : inner_(inner) {}

  // Lets `skip` further writes through, then acts on the next one (once). Replaces an earlier
  // rule.
  void arm(When when, int skip = 0,
           Status failure = Status(Code::io, "injected: the disk reported an I/O error")) {
    std::lock_guard lock(mu_);
    rule_ = Rule{when, skip, std::move(failure)};
  }
  void clear() {
    std::lock_guard lock(mu_);
    rule_.reset();
  }
  // Writes attempted so far, failed and crashed ones included.
  int writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  bool armed() const {
    std::lock_guard lock(mu_);
    return rule_.has_value();
  }

  Status read(const std::function<Status(storage::ReadTxn&)>& fn) override {
    return inner_.read(fn);
  }
  Status write(const std::function<Status(storage::WriteTxn&)>& fn) override {
    std::optional<Rule> fire;
    {
      std::lock_guard lock(mu_);
      ++writes_;
      if (rule_ && rule_->skip-- == 0) {
        fire = std::move(rule_);
        rule_.reset();
      }
    }
    if (!fire) return inner_.write(fn);
    switch (fire->when) {
      case When::fail:
        return fire->failure;
      case When::crash_before:
        throw SimulatedCrash{};
      case When::crash_after:
        (void)inner_.write(fn);
        throw SimulatedCrash{};
    }
    return inner_.write(fn);
  }
  storage::StoreStats stats() override { return inner_.stats(); }

 private:
  struct Rule {
    When when;
    int skip;
    Status failure;
  };
  storage::KvStore& inner_;
  mutable std::mutex mu_;
  std::optional<Rule> rule_;
  int writes_ = 0;
};

}  // namespace tollgate::testing
