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
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/audit/pca_compare.hpp"
#include "server/domain/audit/pca_inventory.hpp"
#include "server/domain/body_reader.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/release/environments.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// The refusal reasons and limits of the inventory are in pca_inventory.hpp (the inventory's
// form) and pca_compare.hpp (its entries), both included here for callers.
inline constexpr const char* kInvalidHostReason = "invalid-host";
inline constexpr const char* kNoManifestReason = "no-manifest";

inline constexpr std::size_t kMaxHostName = 253;

// A host name: 1..253 of [A-Za-z0-9._-]. Errors: invalid "invalid-host".
Status validate_host(std::string_view host);

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
