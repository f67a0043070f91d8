#include "server/ops/check_blobs.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "tollgate/digest.hpp"

namespace tollgate::server {

namespace {

constexpr std::size_t kQueuedPerWorker = 4;

// Digests handed from the walk to the workers. Bounded, so the walk of a store with millions
// of blobs holds only a few of them at a time.
class DigestQueue {
 public:
  explicit DigestQueue(std::size_t capacity) : capacity_(capacity) {}

  void push(std::string digest) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(digest));
    not_empty_.notify_one();
  }

  // The next digest, or nullopt once the queue is closed and empty.
  std::optional<std::string> pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    std::string digest = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return digest;
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::string> items_;
  bool closed_ = false;
};

// The findings of all workers.
class Findings {
 public:
  void checked(std::uint64_t bytes) {
    std::lock_guard lock(mu_);
    ++report_.blobs_checked;
    report_.bytes_checked += bytes;
  }
  void corrupt(const std::string& digest, std::string actual) {
    std::lock_guard lock(mu_);
    report_.corrupt.push_back(digest);
    details_[digest] = fmt::format("corrupt, its bytes hash to sha256:{}", actual);
  }
  void unreadable(const std::string& digest, const Status& error) {
    std::lock_guard lock(mu_);
    report_.unreadable.push_back(digest);
    details_[digest] = fmt::format("unreadable: {}", error.to_string());
  }
  // Call after the workers are done.
  BlobCheckReport& report() { return report_; }
  const std::string& detail(const std::string& digest) { return details_[digest]; }

 private:
  std::mutex mu_;
  BlobCheckReport report_;
  std::map<std::string, std::string> details_;
};

void check_one(storage::BlobStore& blobs, const std::string& digest, std::size_t chunk_bytes,
               Findings& findings) {
  Result<std::unique_ptr<storage::BlobReader>> reader = blobs.open(digest);
  if (!reader.ok()) return findings.unreadable(digest, reader.status());
  Result<std::string> actual = rehash_blob(**reader, chunk_bytes);
  if (!actual.ok()) return findings.unreadable(digest, actual.status());
  findings.checked((*reader)->size());
  if (*actual != digest) findings.corrupt(digest, std::move(actual).value());
}

// Starts up to n workers draining `queue`; fewer if the system refuses threads.
std::vector<std::thread> start_workers(unsigned n, DigestQueue& queue, storage::BlobStore& blobs,
                                       std::size_t chunk_bytes, Findings& findings) {
  std::vector<std::thread> workers;
  try {
    for (unsigned i = 0; i < n; ++i)
      workers.emplace_back([&queue, &blobs, &findings, chunk_bytes] {
        while (std::optional<std::string> digest = queue.pop())
          check_one(blobs, *digest, chunk_bytes, findings);
      });
  } catch (const std::system_error&) {
    // Fewer workers only make the check slower; with none, the walk checks inline.
  }
  return workers;
}

void print_report(BlobCheckReport& report, Findings& findings, std::ostream& out) {
  std::sort(report.corrupt.begin(), report.corrupt.end());
  std::sort(report.unreadable.begin(), report.unreadable.end());
  std::vector<std::string> faulty = report.corrupt;
  faulty.insert(faulty.end(), report.unreadable.begin(), report.unreadable.end());
  std::sort(faulty.begin(), faulty.end());
  for (const std::string& digest : faulty)
    fmt::print(out, "FAULT blob sha256:{}: {}\n", digest, findings.detail(digest));
  for (const std::string& error : report.errors) fmt::print(out, "FAULT blobs: {}\n", error);
  for (const std::string& digest : report.quarantined)
    fmt::print(out, "quarantined blob sha256:{}\n", digest);
  fmt::print(out, "checked {} blobs ({} bytes)\n", report.blobs_checked, report.bytes_checked);
  fmt::print(
      out, "{}\n",
      report.faults() == 0 ? "blobs: ok" : fmt::format("blobs: {} fault(s)", report.faults()));
}

}  // namespace

Result<std::string> rehash_blob(storage::BlobReader& reader, std::size_t chunk_bytes,
                                const std::function<bool(std::size_t)>& after_chunk) {
  Sha256Hasher hasher;
  std::vector<char> buffer(std::max<std::size_t>(chunk_bytes, 1));
  for (std::uint64_t offset = 0;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t got, reader.read_at(offset, buffer));
    if (got == 0) break;
    hasher.update(std::string_view(buffer.data(), got));
    offset += got;
    if (after_chunk && !after_chunk(got)) return Status(Code::unavailable, "stopped");
  }
  return hasher.hex_digest();
}

BlobCheckReport check_blobs(storage::BlobStore& blobs, std::ostream& out,
                            const BlobCheckOptions& options) {
  const unsigned wanted =
      options.workers != 0 ? options.workers : std::max(1u, std::thread::hardware_concurrency());
  Findings findings;
  DigestQueue queue(std::size_t{wanted} * kQueuedPerWorker);
  std::vector<std::thread> workers =
      start_workers(wanted, queue, blobs, options.chunk_bytes, findings);
  const Status walked = blobs.for_each([&](const storage::BlobInfo& info) {
    if (workers.empty())
      check_one(blobs, info.digest, options.chunk_bytes, findings);
    else
      queue.push(info.digest);
    return true;
  });
  queue.close();
  for (std::thread& worker : workers) worker.join();

  BlobCheckReport& report = findings.report();
  if (!walked.ok()) report.errors.push_back("listing the stored blobs: " + walked.to_string());
  if (Result<std::vector<std::string>> quarantined = blobs.quarantined(); quarantined.ok())
    report.quarantined = std::move(quarantined).value();
  else
    report.errors.push_back("listing the quarantine: " + quarantined.status().to_string());
  print_report(report, findings, out);
  return std::move(report);
}

}  // namespace tollgate::server
