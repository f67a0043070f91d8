// Baseline documents: the signed record of what was where and who approved it, as the server
// writes them (`POST /baselines`) and `tollgate baseline show|verify`, the baseline diff and the
// production baselines read them back. One reader and one writer for both sides.
//
// A baseline document (auditors keep these; other tools rely on exactly this shape):
//   {"kind": "baseline", "name", "description", "created_at", "created_by",
//    "scope": {"all": true} | {"cis": [ids]} | {"environments": [names]},
//    "cis": [CI records as the CMDB holds them],
//    "environments": [{"environment", "version", "action", "release", "created_at" | null,
//                      "entries": [manifest entries, tollgate/manifest.hpp]}],
//    "releases": [{"id", "name", "version", "category", "digest",
//                  "gates": [{"gate", "verdict", "by", "at", "digest", "environment"?, "date"?}],
//                  "rfcs": [{"id", "title" | null, "state", "approved_by" | null,
//                            "approved_at" | null}]}],
//    "signature": {...}}
// A release the server no longer knows is recorded as {"id", "gates": [], "rfcs": []}; an RFC
// it no longer knows with state "unknown". The signature is tollgate/signed_document.hpp's
// business; to_json() writes and parse_baseline() reads everything else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "tollgate/manifest.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate {

// Status reason (with Code::corrupt) of a document that is not a baseline of this shape.
inline constexpr const char* kMalformedBaselineReason = "malformed-baseline";

// One environment as the baseline saw it: its manifest then, restricted to the baseline's scope.
struct BaselineEnvironment {
  std::string environment;
  std::uint64_t version = 0;  // 0: nothing was deployed there
  std::string action;         // promote | backout; empty for version 0
  std::string release;
  std::optional<Micros> created_at;  // none for version 0
  std::vector<ManifestEntry> entries;

  boost::json::object to_json() const;
};

// One gate record of a release, as it stood.
struct BaselineGate {
  std::string gate;  // "rfc", "trr", "tests:SIT", ...
  std::string verdict;
  std::string by;
  Micros at = 0;
  std::string digest;                      // the release contents it was recorded against
  std::optional<std::string> environment;  // for per-environment gates ("tests:SIT" -> SIT)
  std::optional<std::string> date;         // a gate's own date, where it has one

  boost::json::object to_json() const;
};

// One RFC of a release with who approved it.
struct BaselineRfc {
  std::string id;
  std::optional<std::string> title;  // none when the RFC is unknown
  std::string state;                 // "unknown" when the RFC is unknown
  std::optional<std::string> approved_by;
  std::optional<Micros> approved_at;

  boost::json::object to_json() const;
};

// A release that put something the baseline records in place, with its approvals.
struct BaselineRelease {
  std::string id;
  bool known = true;  // false: only id, no gates and no RFCs are recorded
  std::string name;
  std::string version;
  std::string category;
  std::string digest;
  std::vector<BaselineGate> gates;
  std::vector<BaselineRfc> rfcs;

  // A release the server no longer knows: only its id is recorded.
  static BaselineRelease unknown(std::string id);

  boost::json::object to_json() const;
};

struct BaselineDocument {
  std::string name;
  std::string description;
  Micros created_at = 0;
  std::string created_by;
  boost::json::object scope;  // exactly one of all, cis, environments
  boost::json::array cis;     // CI records as stored: their shape is the CI type's business
  std::vector<BaselineEnvironment> environments;
  std::vector<BaselineRelease> releases;

  // The environment named `env`; nullptr when the baseline does not record it.
  const BaselineEnvironment* environment(std::string_view env) const;

  // The document without its signature.
  boost::json::object to_json() const;
};

// True for a document that presents itself as a baseline ("kind": "baseline").
bool is_baseline(const boost::json::object& document);

// Reads a baseline document; a "signature" member is ignored (check it first). Required: name
// (string), created_at (RFC 3339), scope (object), cis, environments and releases (arrays) with
// members of the shapes above; description and created_by read as empty when missing. Errors:
// corrupt (reason malformed-baseline) naming what is wrong.
Result<BaselineDocument> parse_baseline(const boost::json::object& document);

}  // namespace tollgate
