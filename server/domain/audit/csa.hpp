// Configuration status accounting (CSA): where every CI stands and how it got there.
//
// GET /api/v1/reports/csa?type=&status=&owner=&environment=&limit=&cursor= answers, for the CIs
// that match every given filter (status: the current status; owner: exact; environment: deployed
// in that environment's current manifest), in id order, one page of items (limit 1..1000,
// default 100) with the total and the counts over every match:
//   {"generated_at", "filters": {"type", "status", "owner", "environment"} (null when not given),
//    "total": N,
//    "counts": {"by_type": {type: n}, "by_status": {status: n (every status, zeros too)},
//               "by_type_status": {type: {status: n (every status)}}},
//    "items": [{"id", "name", "type", "owner", "status", "revision", "controlled",
//               "status_history": [{"status", "from", "to", "revision", "actor"}]}],
//    "next_cursor": where the next page starts, or null}
// A CI's status history has one period per status it entered, oldest first, from its
// ci_history entries: "from" is the time of the entry that set the status, "revision" that
// entry's revision, "actor" who made it; "to" is when the next period began (null for the
// current one).
//
// As CSV (CsaReport::to_csv, RFC 4180: CRLF line ends; a field holding a comma, a quote, CR or LF
// is quoted with its quotes doubled; a field starting with '=', '+', '-', '@', a tab or CR, which
// a spreadsheet would run as a formula, gets a leading "'" and is quoted), a header row then one
// row per status period:
//   ci,type,owner,current_status,status,from,to,revision
// with "to" empty for the current period. A CSV page names the next one in a Link header
// (rel="next").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/pagination.hpp"
#include "server/domain/release/environments.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

struct CsaFilter {
  std::optional<std::string> type;
  std::optional<CiStatus> status;
  std::optional<std::string> owner;
  std::optional<std::string> environment;
};

// One period of a CI's status: from the history entry that set it to the one that set the next.
struct CsaPeriod {
  std::string status;
  std::string from;               // RFC 3339, as the history entry records it
  std::optional<std::string> to;  // nullopt for the current period
  std::uint64_t revision = 0;
  std::string actor;
};

struct CsaItem {
  Ci ci;
  std::vector<CsaPeriod> status_history;  // oldest first
};

struct CsaReport {
  Micros generated_at = 0;
  CsaFilter filter;
  std::vector<CsaItem> items;             // one page, in CI id order
  std::optional<std::string> next_after;  // the last id of this page when more follow
  std::uint64_t total = 0;                // every match, not only this page
  // Every match by type, then status name.
  std::map<std::string, std::map<std::string, std::uint64_t>> by_type_status;

  // The JSON document described above.
  boost::json::object to_json() const;
  // The items as CSV (see above).
  std::string to_csv() const;
};

// The report, read in one snapshot: counts over every match, items (with their history) of one
// page. Errors: not_found (reason unknown-environment), corrupt (an unreadable CI or history
// entry), io.
Result<CsaReport> csa_report(storage::KvStore& store, const EnvironmentService& environments,
                             const Clock& clock, const CsaFilter& filter,
                             const PageRequest& page = {});

// One CSV field per RFC 4180, neutralised against formula injection (see above): =1+2 becomes
// "'=1+2".
std::string csv_field(std::string_view value);

}  // namespace tollgate::server
