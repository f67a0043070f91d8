// The comparison of a PCA (pca.hpp tells the whole audit): a host's inventory against its
// environment's current manifest, one entry at a time, holding only the expected files (with a
// seen flag each), the findings and, with list_ok, the ok paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "server/domain/release/environments.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

inline constexpr const char* kInvalidPathReason = "invalid-path";
inline constexpr const char* kDuplicatePathReason = "duplicate-path";
inline constexpr const char* kInventoryTooLargeReason = "inventory-too-large";

inline constexpr std::size_t kMaxInventoryPath = 4096;

// An inventory path as pca.hpp describes it. Errors: invalid "invalid-path".
Status validate_inventory_path(std::string_view path);

// What one PCA may hold (Config [audits]).
struct PcaLimits {
  std::uint64_t max_entries = 10'000'000;  // beyond: too_large "inventory-too-large"
  std::uint64_t max_findings = 10'000;     // listed findings (and ok files); the rest counted
};

// Where an inventory entry came from, naming it in errors: an NDJSON line (`n` counts from 1) or
// files[n] of the JSON form (`n` counts from 0).
struct InventoryOrigin {
  bool json = false;
  std::size_t n = 0;
};

// One file as the host has it; sha256 as written (PcaComparison::add checks it).
struct InventoryEntry {
  std::string path;
  std::string sha256;
  std::uint64_t size = 0;
};

// An invalid Status with `reason`, its message naming `origin`: "inventory line 17: MESSAGE" or
// "files[17]: MESSAGE".
Status refuse_inventory_entry(const InventoryOrigin& origin, std::string_view message,
                              const char* reason);

// Compares inventory entries with one manifest as they arrive. Not thread-safe.
//
// Memory is bounded whatever the inventory: the expected files (the manifest's), at most
// limits.max_findings listed findings and ok paths, and 8 bytes per unexpected path beyond them
// (a hash, to find a path listed twice) — at most 80 MB for the default 10 million entries.
class PcaComparison {
 public:
  PcaComparison(const Manifest& manifest, bool list_ok, const PcaLimits& limits);

  // Checks the path and the digest of `entry`, then compares it. Errors, naming `origin`:
  // "invalid-path", "invalid-digest", "duplicate-path"; too_large "inventory-too-large" past
  // limits.max_entries; after one the comparison is spoilt.
  Status add(const InventoryOrigin& origin, InventoryEntry entry);

  // The result record (without host, id, created_at, created_by); marks unseen files missing.
  // Listed are the modified and missing files and the first unexpected ones by arrival, up to
  // limits.max_findings in all; "findings_unlisted" counts the rest (and "ok_files_unlisted" the
  // ok paths beyond the limit). Call once. Errors: invalid "duplicate-path" when an unlisted
  // unexpected path was sent twice.
  Result<boost::json::object> finish();

 private:
  struct Expected {
    std::string ci;
    std::string version;
    std::string file;
    std::string sha256;
    std::uint64_t size = 0;
    bool seen = false;
  };
  // A non-ok file; `expected` points into expected_ (stable: a node-based map).
  struct Finding {
    const char* status;  // "modified" | "unexpected" | "missing"
    const Expected* expected = nullptr;
    std::string actual_sha256;  // empty for missing
    std::uint64_t actual_size = 0;
  };

  // Adds a finding for every expected file not seen; returns how many.
  std::uint64_t mark_missing();
  // The findings as the record lists them, by path.
  boost::json::array findings_by_path() const;

  std::string environment_;
  std::uint64_t manifest_version_ = 0;
  bool list_ok_ = false;
  PcaLimits limits_;
  std::unordered_map<std::string, Expected> expected_;  // by install path
  std::unordered_map<std::string, Finding> findings_;   // non-ok files, by path
  std::vector<std::string> ok_files_;                   // only with list_ok
  std::uint64_t ok_files_unlisted_ = 0;
  std::vector<std::uint64_t> unlisted_;  // hashes of unexpected paths not listed
  std::uint64_t files_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t unexpected_ = 0;
};

}  // namespace tollgate::server
