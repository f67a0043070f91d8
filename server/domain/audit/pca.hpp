// The physical configuration audit (PCA): does a deployed host still match its environment's
// current manifest?
//
// POST /api/v1/audits/pca takes the inventory of a host in one of two forms, chosen by the
// Content-Type (anything else: 415 "unsupported-media"); ?list_ok=true|false is a query parameter
// in both.
//
// application/x-ndjson (what the CLI sends): ?environment=ENV&host=HOST in the query, and one
// file per line:
//   {"path": "bin/app", "sha256": "<64 hex>", "size": 123}
// path: relative to the audited directory, '/'-separated, 1..4096 bytes, no NUL, not absolute,
// no empty, "." or ".." component; sha256: as parse_sha256_digest accepts it; size: an integer
// >= 0; no other member. Lines end with '\n' (a '\r' before it is dropped; the last line may
// lack it); blank lines and lines over kMaxInventoryLine bytes are refused. Refusals name the
// line: "inventory line 17: ...".
//
// application/json (or any +json type), DESIGN.md's form:
//   {"environment": "SIT", "host": "web-1", "files": [{"path", "sha256", "size"}, ...]}
// read with a SAX parser as it streams in: each entry of files is compared when its object
// closes, so the body is never held. environment and host may instead (or also) be in the query;
// naming different ones in both is refused. environment and host MUST come before files in the
// body: the manifest to compare with is chosen when files begins (one after files is refused,
// nothing is buffered). Entries are checked as NDJSON lines are, and refusals name the entry's
// index in files: "files[17]: ...". Also refused: a body that is not an object, an unknown or
// repeated member (top level or entry), files not an array or missing, an entry not an object,
// a missing entry member, nesting deeper than kMaxInventoryDepth, any string or member name over
// kMaxInventoryString bytes, anything after the document.
//
// The manifest names, per CI, artifacts with an install_path (the file name unless the release
// item set one). Install paths are taken relative to the audited directory: empty and "."
// components are dropped ("/opt/./app" is expected at "opt/app"). Should two artifacts of a
// manifest share an install path, the first (by CI order) is the one expected there.
//
// Each inventory entry is compared as it arrives, never holding the inventory: only the expected
// files (with a seen flag each), the findings, and with list_ok the ok paths. A file is
//   ok          expected, same digest and size;
//   modified    expected, another digest or size (both are reported);
//   unexpected  not named by the manifest;
// and after the last entry every expected file not seen is missing.
//
// The stored result (server/domain/audit/audits.hpp, kind "pca"):
//   {"kind": "pca", "environment", "host", "manifest_version", "passed",
//    "summary": {"files", "ok", "missing", "modified", "unexpected"},
//    "findings": [{"status", "path", "ci"?, "version"?, "file"?,
//                  "expected"?: {"sha256", "size"}, "actual"?: {"sha256", "size"}}],  (by path)
//    "ok_files"?: [paths]}                                           (only with list_ok)
// plus the id, created_at and created_by put_audit_result adds. passed: no finding at all.
//
// Refusals (Status code, reason), each storing nothing:
//   forbidden "forbidden-role" (none of auditor, admin, release_manager, build_agent),
//   "environment-forbidden" (the token is limited to other environments); invalid
//   "invalid-host"; not_found "unknown-environment"; conflict "no-manifest" (nothing was ever
//   deployed there); invalid, naming the line or entry, "invalid-inventory" (not JSON, not an
//   object, unknown or missing member, wrong type, negative size, blank or overlong line; for
//   the JSON form also its structure and limits above), "invalid-digest", "invalid-path",
//   "duplicate-path"; invalid "invalid" (no environment or host, or query and body disagree);
//   unsupported_media "unsupported-media"; whatever reading the body answered (too_large,
//   unavailable). After a refused entry the rest of the body is read (up to 16 MiB) and
//   dropped, so that a client still sending gets the answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>

#include "server/domain/body_reader.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/release/environments.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

inline constexpr const char* kInvalidInventoryReason = "invalid-inventory";
inline constexpr const char* kInvalidPathReason = "invalid-path";
inline constexpr const char* kDuplicatePathReason = "duplicate-path";
inline constexpr const char* kInvalidHostReason = "invalid-host";
inline constexpr const char* kNoManifestReason = "no-manifest";

inline constexpr std::size_t kMaxInventoryLine = 16 * 1024;
inline constexpr std::size_t kMaxInventoryPath = 4096;
inline constexpr std::size_t kMaxHostName = 253;
// The JSON form's limits: containers open at once (the body, files, an entry: 3 are needed) and
// bytes of any string or member name.
inline constexpr std::size_t kMaxInventoryDepth = 4;
inline constexpr std::size_t kMaxInventoryString = 4096;

// A host name: 1..253 of [A-Za-z0-9._-]. Errors: invalid "invalid-host".
Status validate_host(std::string_view host);

// An inventory path as the header describes it. Errors: invalid "invalid-path".
Status validate_inventory_path(std::string_view path);

// Compares inventory lines with one manifest as they arrive. Not thread-safe.
class PcaComparison {
 public:
  PcaComparison(const Manifest& manifest, bool list_ok);

  // Where an entry came from, naming it in errors: an NDJSON line (`n` counts from 1) or
  // files[n] of the JSON form (`n` counts from 0).
  struct Origin {
    bool json = false;
    std::size_t n = 0;
  };

  // One inventory line (without its '\n'); `number` counts from 1 and names it in errors.
  // Errors: the inventory refusals of the header. After an error the comparison is spoilt.
  Status add_line(std::size_t number, std::string_view line);

  // One entry of the JSON form's files, its members already read; `index` counts from 0 and
  // names it in errors. Errors: "invalid-path", "invalid-digest", "duplicate-path" (and after
  // one the comparison is spoilt).
  Status add_entry(std::size_t index, std::string path, std::string_view sha256,
                   std::uint64_t size);

  // The result record (without id, created_at, created_by); marks unseen files missing.
  boost::json::object finish();

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
  struct Line {
    std::string path;
    std::string sha256;
    std::uint64_t size = 0;
  };

  // A line's members; sha256 as written (add checks it).
  Result<Line> parse_line(std::size_t number, std::string_view text);
  // Checks the path and the digest of `line`, then compares it.
  Status add(const Origin& origin, Line line);

  std::string environment_;
  std::uint64_t manifest_version_ = 0;
  bool list_ok_ = false;
  boost::json::parser parser_;                          // reused for every line
  std::unordered_map<std::string, Expected> expected_;  // by install path
  std::unordered_map<std::string, Finding> findings_;   // non-ok files, by path
  std::vector<std::string> ok_files_;                   // only with list_ok
  std::uint64_t files_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t unexpected_ = 0;
};

struct PcaRequest {
  std::string environment;
  std::string host;
  bool list_ok = false;
};

// Runs PCAs and stores their results. Thread-safe (no state of its own).
class PcaService {
 public:
  // None owned; all must outlive the service.
  PcaService(storage::KvStore& store, const EnvironmentService& environments, const Clock& clock)
      : store_(store), environments_(environments), clock_(clock) {}

  // Checks the actor, the host, the environment and its current manifest, then reads
  // `inventory` to its end comparing each line, and stores the result in one write.
  // Returns the stored record. Errors: the refusals of the header.
  Result<boost::json::object> audit(const PcaRequest& request, BodyReader& inventory,
                                    const Principal& actor) const;

  // The JSON form: `query` holds what the query named (an empty environment or host: not
  // named), the body {environment?, host?, files} the rest (see the header). Checks the actor,
  // host, environment and manifest when files begins, compares each entry as it arrives, and
  // stores the result in one write. Returns the stored record. Errors: the refusals of the
  // header.
  Result<boost::json::object> audit_json(const PcaRequest& query, BodyReader& body,
                                         const Principal& actor) const;

  // The refusals that need no body: role, host, environment, the token's environments (so that
  // a caller can answer them before looking at the body's media type).
  Status check_request(const PcaRequest& request, const Principal& actor) const;

 private:
  // check_request, then the environment's current manifest. Errors: those of check_request,
  // conflict "no-manifest".
  Result<Manifest> manifest_for(const PcaRequest& request, const Principal& actor) const;
  // Finishes `comparison` and stores its result for request.host in one write.
  Result<boost::json::object> store_result(PcaComparison& comparison, const PcaRequest& request,
                                           const Principal& actor) const;

  storage::KvStore& store_;
  const EnvironmentService& environments_;
  const Clock& clock_;
};

}  // namespace tollgate::server
