// Release KPIs: the measures of the seed plan's section 9.1 (BSD/ECMPO performance goals).
//
// A release counts in a period by its creation date (Release::created_at, UTC day). For the
// releases of the period the report gives:
//   "releases"          how many
//   "by_type"           {delta, full, package}: counts
//   "by_category"       {scheduled, unscheduled, emergency}: counts
//   "unplanned"         {count, share}: unscheduled + emergency over all (goal: fewer urgent
//                       releases); share is null when there are no releases
//   "backed_out"        {count, releases: [ids]}: releases with any back-out event (goal: fewer
//                       releases with adverse impact)
//   "delayed"           {count, releases: [{id, planned, actual, days}]}: first promotion to
//                       production on a later day than planned (goal: fewer delayed releases)
//   "lead_time_days"    {mean, median, releases: [{id, created_at, production_at, days}]}: from
//                       creation to the first promotion to production, in days (fractions kept)
//   "gates_first_time"  {gates, passed, share}: (release, gate) pairs with a record, and those
//                       whose first record passed
//   "overdue_pirs"      {count, releases: [OverduePir::to_json()]}: emergency releases of the
//                       period whose pir is overdue (PromotionService::overdue_pirs)
// plus "from", "to" and "counted_by": "created_at".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/release/promotion.hpp"
#include "server/domain/release/schedule.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// A release that reached production on a later day than planned.
struct KpiDelay {
  std::string id;
  std::string planned;  // YYYY-MM-DD
  Micros actual_day = 0;
  std::int64_t days = 0;
};

// From creation to the first promotion to production.
struct KpiLeadTime {
  std::string id;
  Micros created_at = 0;
  Micros production_at = 0;
  double days = 0;
};

struct KpiReport {
  DateRange period;
  std::size_t releases = 0;
  std::array<std::size_t, 3> by_type{};      // indexed by ReleaseType
  std::array<std::size_t, 3> by_category{};  // indexed by ReleaseCategory
  std::size_t unplanned = 0;                 // unscheduled + emergency
  std::vector<std::string> backed_out;       // ids
  std::vector<KpiDelay> delayed;
  std::vector<KpiLeadTime> lead_times;
  std::optional<double> lead_time_mean;
  std::optional<double> lead_time_median;
  std::size_t gates = 0;         // (release, gate) pairs with a record
  std::size_t gates_passed = 0;  // of those, whose first record passed
  std::vector<OverduePir> overdue_pirs;

  // The document described above.
  boost::json::object to_json() const;
};

// GET /api/v1/reports/kpis. Errors: io, corrupt (from the store).
Result<KpiReport> kpi_report(storage::KvStore& store, const PromotionService& promotion,
                             const Config& config, const DateRange& period);

}  // namespace tollgate::server
