// The KPI report on a small known set of releases: counts by type and category, unplanned share,
// back-outs, delays, lead times, first-time gate passes and overdue PIRs.
#include "server/domain/release/kpis.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "tests/server/domain/reports_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::body_of;
using testing::day;
using testing::problem_type;
using testing::text_of;

struct Kpis : testing::ReportFixture {
  Kpis() {
    // rel-1: scheduled delta, on time: production on its planned day, 4.5 days after creation.
    clock.set(day("2026-12-01"));
    release("On time", "scheduled", R"("planned":{"production":"2026-12-05"})");
    gate("rel-1", "trr", "pass", cm);
    event("rel-1", "CINTE", "promote", day("2026-12-02"));
    event("rel-1", "production", "promote", day("2026-12-05", 12));
    // rel-2: unscheduled full, two days late, backed out; its trr failed the first time.
    clock.set(day("2026-12-02"));
    release("Late", "unscheduled", R"("planned":{"production":"2026-12-04"})", "full");
    gate("rel-2", "trr", "fail", cm);
    gate("rel-2", "trr", "pass", cm);
    event("rel-2", "production", "promote", day("2026-12-06"));
    event("rel-2", "production", "backout", day("2026-12-07"));
    // rel-3: emergency, in production six hours after creation, never reviewed (pir overdue).
    clock.set(day("2026-12-03"));
    release("Hotfix", "emergency");
    event("rel-3", "CINTE", "promote", day("2026-12-03", 1));
    gate("rel-3", "tests:CINTE", "pass", tester);
    event("rel-3", "production", "promote", day("2026-12-03", 6));
    // rel-4: created in January, planned only.
    clock.set(day("2027-01-10"));
    release("Next", "scheduled", R"("planned":{"production":"2027-02-01"})");
  }

  json::object kpis(const std::string& query = "") {
    auto r = call("GET", "/api/v1/reports/kpis" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }
};

TEST_CASE("kpis: the plan's measures over the releases created in December") {
  Kpis f;
  auto k = f.kpis("?from=2026-12-01&to=2026-12-31");
  CHECK(text_of(k.at("from")) == "2026-12-01");
  CHECK(text_of(k.at("to")) == "2026-12-31");
  CHECK(text_of(k.at("counted_by")) == "created_at");
  CHECK(k.at("releases").as_int64() == 3);
  CHECK(k.at("by_type").at("delta").as_int64() == 2);
  CHECK(k.at("by_type").at("full").as_int64() == 1);
  CHECK(k.at("by_type").at("package").as_int64() == 0);
  CHECK(k.at("by_category").at("scheduled").as_int64() == 1);
  CHECK(k.at("by_category").at("unscheduled").as_int64() == 1);
  CHECK(k.at("by_category").at("emergency").as_int64() == 1);
  CHECK(k.at("unplanned").at("count").as_int64() == 2);
  CHECK(k.at("unplanned").at("share").as_double() == doctest::Approx(2.0 / 3));

  CHECK(k.at("backed_out").at("count").as_int64() == 1);
  CHECK(text_of(k.at("backed_out").at("releases").at(0)) == "rel-2");

  const auto& delayed = k.at("delayed");
  CHECK(delayed.at("count").as_int64() == 1);
  CHECK(text_of(delayed.at("releases").at(0).at("id")) == "rel-2");
  CHECK(text_of(delayed.at("releases").at(0).at("planned")) == "2026-12-04");
  CHECK(text_of(delayed.at("releases").at(0).at("actual")) == "2026-12-06");
  CHECK(delayed.at("releases").at(0).at("days").as_int64() == 2);

  const auto& lead = k.at("lead_time_days");
  CHECK(lead.at("mean").as_double() == doctest::Approx((4.5 + 4 + 0.25) / 3));
  CHECK(lead.at("median").as_double() == doctest::Approx(4));
  REQUIRE(lead.at("releases").as_array().size() == 3);
  CHECK(text_of(lead.at("releases").at(0).at("id")) == "rel-1");
  CHECK(lead.at("releases").at(0).at("days").as_double() == doctest::Approx(4.5));
  CHECK(text_of(lead.at("releases").at(0).at("production_at")) ==
        format_rfc3339(day("2026-12-05", 12)));

  const auto& gates = k.at("gates_first_time");
  CHECK(gates.at("gates").as_int64() == 3);
  CHECK(gates.at("passed").as_int64() == 2);
  CHECK(gates.at("share").as_double() == doctest::Approx(2.0 / 3));

  // The clock is in January: rel-3's pir was due five days after production.
  const auto& overdue = k.at("overdue_pirs");
  CHECK(overdue.at("count").as_int64() == 1);
  CHECK(text_of(overdue.at("releases").at(0).at("release")) == "rel-3");
}

TEST_CASE("kpis: the period decides which releases count; empty periods have null shares") {
  Kpis f;
  auto all = f.kpis();
  CHECK(all.at("from").is_null());
  CHECK(all.at("releases").as_int64() == 4);
  CHECK(all.at("unplanned").at("share").as_double() == doctest::Approx(0.5));
  CHECK(all.at("lead_time_days").at("releases").as_array().size() == 3);

  auto january = f.kpis("?from=2027-01-01");
  CHECK(january.at("releases").as_int64() == 1);
  CHECK(january.at("delayed").at("count").as_int64() == 0);
  CHECK(january.at("lead_time_days").at("mean").is_null());
  CHECK(january.at("lead_time_days").at("median").is_null());
  CHECK(january.at("gates_first_time").at("share").is_null());
  CHECK(january.at("overdue_pirs").at("count").as_int64() == 0);

  auto one_day = f.kpis("?from=2026-12-02&to=2026-12-02");
  CHECK(one_day.at("releases").as_int64() == 1);
  CHECK(one_day.at("unplanned").at("share").as_double() == doctest::Approx(1.0));
  CHECK(one_day.at("gates_first_time").at("share").as_double() == doctest::Approx(0.0));

  auto none = f.kpis("?from=2030-01-01");
  CHECK(none.at("releases").as_int64() == 0);
  CHECK(none.at("unplanned").at("share").is_null());

  // With a pir the emergency release is no longer overdue.
  f.gate("rel-3", "pir", "pass", f.cm);
  CHECK(f.kpis().at("overdue_pirs").at("count").as_int64() == 0);
}

TEST_CASE("kpis: invalid periods are refused with 400") {
  Kpis f;
  for (const char* query :
       {"?from=2026-02-30", "?to=2026/12/01", "?from=2027-01-01&to=2026-12-31"}) {
    auto r = f.call("GET", std::string("/api/v1/reports/kpis") + query);
    CHECK_MESSAGE(r.status == 400, query);
    CHECK(problem_type(r) == "urn:tollgate:problem:invalid");
  }
}

}  // namespace
}  // namespace tollgate::server
