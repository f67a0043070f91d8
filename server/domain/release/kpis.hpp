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

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/release/promotion.hpp"
#include "server/domain/release/schedule.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// GET /api/v1/reports/kpis. Errors: io, corrupt (from the store).
Result<boost::json::object> kpi_report(storage::KvStore& store, const PromotionService& promotion,
                                       const Config& config, const DateRange& period);

}  // namespace tollgate::server
