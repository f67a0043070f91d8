// Re-hashing stored blobs: the offline check of `tollgated check` and the read loop that the
// background scrubber (server/ops/scrubber.hpp) shares with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "storage/blob_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Reads a blob through `reader` from its first byte to its end in chunks of `chunk_bytes` and
// returns the lower-case hex SHA-256 of what was read. `after_chunk`, when given, is called
// with each chunk's size after it is hashed; returning false abandons the read and the call
// answers unavailable ("stopped"). Errors: those of BlobReader::read_at (io).
Result<std::string> rehash_blob(storage::BlobReader& reader, std::size_t chunk_bytes,
                                const std::function<bool(std::size_t)>& after_chunk = {});

struct BlobCheckOptions {
  unsigned workers = 0;                // threads re-hashing at once; 0: one per core
  std::size_t chunk_bytes = 1u << 20;  // read size of each worker
};

struct BlobCheckReport {
  std::uint64_t blobs_checked = 0;       // blobs read to the end (good or corrupt)
  std::uint64_t bytes_checked = 0;       // their bytes
  std::vector<std::string> corrupt;      // digests whose bytes hash to something else
  std::vector<std::string> unreadable;   // digests that could not be opened or read
  std::vector<std::string> quarantined;  // digests found in quarantine (from earlier findings)
  std::vector<std::string> errors;       // failures of the walk itself (listing the store)

  // Every corrupt or unreadable blob and every failure of the walk; quarantined blobs are
  // known, already-handled findings and do not count.
  std::size_t faults() const { return corrupt.size() + unreadable.size() + errors.size(); }
};

// Re-hashes every stored blob, on `options.workers` threads that take digests from a shared
// queue, and compares each result with the blob's name. Lists the quarantine as well.
//
// Reports only: unlike BlobStore::verify it moves nothing into quarantine, because `check` is
// an inspection that must not change the data directory it inspects (it may run against a
// copy, a backup, or a store whose server is stopped for forensics). The server quarantines
// what it finds on its own (the scrubber, promotions); an operator can act on this report.
//
// Prints one line per finding to `out`, in digest order, in the style of check_store:
//   FAULT blob sha256:<hex>: corrupt, its bytes hash to sha256:<hex>
//   FAULT blob sha256:<hex>: unreadable: <error>
//   FAULT blobs: <error>
//   quarantined blob sha256:<hex>
// then "checked N blobs (B bytes)" and "blobs: ok" or "blobs: N fault(s)". Lists are sorted.
BlobCheckReport check_blobs(storage::BlobStore& blobs, std::ostream& out,
                            const BlobCheckOptions& options = {});

}  // namespace tollgate::server
