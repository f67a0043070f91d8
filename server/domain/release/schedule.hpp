// The master schedule: when each release is planned into and actually reached each environment,
// and which releases conflict in production.
//
// A release's dates per environment: `planned` (Release::planned), `actual` (its first promotion
// into the environment) and `backed_out` (every back-out from it), all as YYYY-MM-DD (UTC).
// Its production date is the actual one once it was promoted to production (the last configured
// environment), the planned one before.
//
// Two releases conflict when both have a production date, the dates are at most
// [schedule] conflict_window_days apart, and their items share a CI or a CI of one depends_on
// (directly, Table::rel_out) a CI of the other. Each such reason is one conflict:
//   {"releases": [a, b], "reason": "shared CI payments-api" | "payments-api depends_on ledger",
//    "date": the earlier production date, "dates": [date of a, date of b]}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/pagination.hpp"
#include "server/domain/release/releases.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// Days from..to, both inclusive and optional (unbounded), as midnight UTC.
struct DateRange {
  std::optional<Micros> from;
  std::optional<Micros> to;

  bool contains(Micros time) const;
  // {"from": "YYYY-MM-DD" | null, "to": ...}
  void add_to(boost::json::object& out) const;
};

// Parses ?from=YYYY-MM-DD&to=YYYY-MM-DD. Errors: invalid (not a date, from after to).
Result<DateRange> parse_date_range(std::optional<std::string_view> from,
                                   std::optional<std::string_view> to);

// Midnight UTC of the day `time` falls on.
Micros day_of_time(Micros time);

// The first promotion of `release` into `environment`, if any.
std::optional<Micros> first_promotion(const Release& release, std::string_view environment);

// The production date (midnight UTC): actual when promoted to production, else planned.
std::optional<Micros> production_day(const Release& release, const Config& config);

// A conflict between two releases (see above): `releases` as [a, b] with their production days.
struct ScheduleConflict {
  std::string release;  // a
  std::string other;    // b
  std::string reason;
  Micros release_day = 0;
  Micros other_day = 0;

  // {"releases": [a, b], "reason", "date": the earlier day, "dates": [day of a, day of b]}
  boost::json::object to_json() const;
};

// A release's dates in one environment.
struct ScheduleDates {
  std::string environment;
  std::optional<std::string> planned;  // YYYY-MM-DD as planned
  std::optional<Micros> actual;        // its first promotion into the environment
  std::vector<Micros> backed_out;      // every back-out from it

  // {"environment", "planned", "actual", "backed_out": [dates]}
  boost::json::object to_json() const;
};

// One release of the schedule.
struct ScheduleEntry {
  std::string id;
  std::string name;
  std::string version;
  ReleaseCategory category = ReleaseCategory::scheduled;
  std::string state;
  std::optional<Micros> production_day;
  std::vector<ScheduleDates> environments;  // in the configured order

  // {"id", "name", "version", "category", "state", "production_date", "environments": [...]}
  boost::json::object to_json() const;
};
ScheduleEntry schedule_entry(const Release& release, const Config& config);

// Conflicts of `release` with every other stored release, in release id order; releases as
// [release.id, other]. Empty when the release has no production date. For the RRR response.
std::vector<ScheduleConflict> conflicts_for(storage::ReadTxn& txn, const Config& config,
                                            const Release& release);

// conflicts_for(release `id`) in a read of its own, for callers without a transaction (the RRR
// response of handlers/releases.cpp). Errors: not_found.
Result<std::vector<ScheduleConflict>> release_conflicts(storage::KvStore& store,
                                                        const Config& config,
                                                        const std::string& id);

// GET /api/v1/schedule: the releases with a planned or actual date in `range`, in id order,
// paginated (cursor = the last release id of the previous page), and the conflicts among them
// whose first release is on this page.
struct MasterSchedule {
  DateRange range;
  unsigned conflict_window_days = 0;
  std::vector<ScheduleEntry> items;
  std::vector<ScheduleConflict> conflicts;
  std::optional<std::string> next_after;  // the last id of this page, when more follow

  // {"from", "to", "conflict_window_days", "items": [...], "conflicts": [...], "next_cursor"}
  boost::json::object to_json() const;
};
Result<MasterSchedule> master_schedule(storage::KvStore& store, const Config& config,
                                       const DateRange& range, const PageRequest& page);

}  // namespace tollgate::server
