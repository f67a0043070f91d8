// The master schedule through the router: dates per environment, ranges, pagination, and
// production conflicts by shared CI and by depends_on, within the configured window.
#include "server/domain/release/schedule.hpp"
#include "server/domain/release/vdd.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
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

struct Schedule : testing::ReportFixture {
  Schedule() {
    for (const char* id : {"payments", "ledger", "web"}) ci(id);
    artifact("payments/1.0/p.jar", "payments");
    artifact("ledger/1.0/l.jar", "ledger");
    artifact("web/1.0/w.tar", "web");
    depends_on("payments", "ledger");
    // rel-1 and rel-2 share payments; rel-3 carries ledger, which payments depends on; rel-4 is
    // unrelated; rel-5 shares payments but goes to production ten days later.
    planned("A", "payments", R"("CINTE":"2026-12-05","production":"2026-12-10")");
    planned("B", "payments", R"("production":"2026-12-10")");
    planned("C", "ledger", R"("production":"2026-12-10")");
    planned("D", "web", R"("production":"2026-12-10")");
    planned("E", "payments", R"("production":"2026-12-20")");
  }

  void planned(const std::string& name, const std::string& ci, const std::string& dates) {
    const std::string id = release(name, "scheduled", R"("planned":{)" + dates + "}");
    item(id, ci, "1.0");
  }

  json::object schedule(const std::string& query = "") {
    auto r = call("GET", "/api/v1/schedule" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }
};

std::vector<std::string> ids_of(const json::object& s) {
  std::vector<std::string> out;
  for (const auto& item : s.at("items").as_array()) out.push_back(text_of(item.at("id")));
  return out;
}

// "a b reason" for each conflict.
std::set<std::string> conflicts_of(const json::array& conflicts) {
  std::set<std::string> out;
  for (const auto& c : conflicts)
    out.insert(text_of(c.at("releases").at(0)) + " " + text_of(c.at("releases").at(1)) + " " +
               text_of(c.at("reason")));
  return out;
}

TEST_CASE("schedule: planned dates per environment and conflicts by shared CI and depends_on") {
  Schedule f;
  auto s = f.schedule();
  CHECK(s.at("from").is_null());
  CHECK(s.at("to").is_null());
  CHECK(s.at("conflict_window_days").as_int64() == 0);
  CHECK(ids_of(s) == std::vector<std::string>{"rel-1", "rel-2", "rel-3", "rel-4", "rel-5"});
  CHECK(s.at("next_cursor").is_null());

  const auto& a = s.at("items").at(0);
  CHECK(text_of(a.at("name")) == "A");
  CHECK(text_of(a.at("category")) == "scheduled");
  CHECK(text_of(a.at("state")) == "planned");
  CHECK(text_of(a.at("production_date")) == "2026-12-10");
  const auto& envs = a.at("environments").as_array();
  REQUIRE(envs.size() == 4);
  CHECK(text_of(envs[0].at("environment")) == "CINTE");
  CHECK(text_of(envs[0].at("planned")) == "2026-12-05");
  CHECK(envs[0].at("actual").is_null());
  CHECK(envs[1].at("planned").is_null());
  CHECK(text_of(envs[3].at("planned")) == "2026-12-10");

  CHECK(conflicts_of(s.at("conflicts").as_array()) ==
        std::set<std::string>{"rel-1 rel-2 shared CI payments",
                              "rel-1 rel-3 payments depends_on ledger",
                              "rel-2 rel-3 payments depends_on ledger"});
  const auto& first = s.at("conflicts").at(0);
  CHECK(text_of(first.at("date")) == "2026-12-10");
  CHECK(text_of(first.at("dates").at(1)) == "2026-12-10");

  // The same conflicts for one release, as the RRR response will carry them.
  std::vector<json::object> for_c;
  const auto as_json = [](const std::vector<ScheduleConflict>& found) {
    std::vector<json::object> out;
    for (const ScheduleConflict& c : found) out.push_back(c.to_json());
    return out;
  };
  REQUIRE(f.store
              ->read([&](storage::ReadTxn& txn) {
                for_c = as_json(conflicts_for(txn, f.config, f.load("rel-3")));
                return Status();
              })
              .ok());
  REQUIRE(for_c.size() == 2);
  CHECK(text_of(for_c[0].at("releases").at(0)) == "rel-3");
  CHECK(text_of(for_c[0].at("releases").at(1)) == "rel-1");
  CHECK(text_of(for_c[0].at("reason")) == "payments depends_on ledger");
  REQUIRE(f.store
              ->read([&](storage::ReadTxn& txn) {
                for_c = as_json(conflicts_for(txn, f.config, f.load("rel-4")));
                return Status();
              })
              .ok());
  CHECK(for_c.empty());

  auto found = release_conflicts(*f.store, f.config, "rel-1");
  REQUIRE(found.ok());
  const auto of_a = as_json(*found);
  REQUIRE(of_a.size() == 2);
  CHECK(text_of(of_a.at(0).at("reason")) == "shared CI payments");
  CHECK(text_of(of_a.at(1).at("releases").at(1)) == "rel-3");
  auto missing = release_conflicts(*f.store, f.config, "rel-99");
  CHECK(missing.status().code() == Code::not_found);
}

TEST_CASE("schedule: a passing RRR answers with the release's conflicts and commits its VDD") {
  Schedule f;
  auto r = f.post("rel-3", "gates/rrr", R"({"verdict":"pass","date":"2026-12-10"})", f.cm);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  const auto body = body_of(r);
  CHECK(conflicts_of(body.at("conflicts").as_array()) ==
        std::set<std::string>{"rel-3 rel-1 payments depends_on ledger",
                              "rel-3 rel-2 payments depends_on ledger"});
  auto vdd = committed_vdd(*f.vault, "rel-3");
  REQUIRE(vdd.ok());
  REQUIRE(vdd->has_value());
  CHECK(vdd_matches(**vdd, f.load("rel-3")));
  CHECK(f.vault->history(vdd_markdown_path("rel-3"))->front().author.name == "cm");

  // A failing RRR commits nothing and still shows the conflicts to the reviewer.
  const std::string head = *f.vault->head();
  auto failed = f.post("rel-4", "gates/rrr", R"({"verdict":"fail"})", f.cm);
  REQUIRE_MESSAGE(failed.status == 201, failed.body);
  CHECK(body_of(failed).at("conflicts").as_array().empty());
  CHECK(*f.vault->head() == head);
}

TEST_CASE("schedule: actual dates from promotions and back-outs; ranges; the window") {
  Schedule f;
  f.event("rel-5", "CINTE", "promote", day("2026-12-08", 9));
  f.event("rel-5", "production", "promote", day("2026-12-10", 15));
  f.event("rel-5", "production", "backout", day("2026-12-12", 1));
  f.event("rel-5", "production", "promote", day("2026-12-14", 1));  // a second try

  auto s = f.schedule("?from=2026-12-10&to=2026-12-10");
  CHECK(ids_of(s) == std::vector<std::string>{"rel-1", "rel-2", "rel-3", "rel-4", "rel-5"});
  const auto& e = s.at("items").at(4);
  CHECK(text_of(e.at("state")) == "deployed");
  CHECK(text_of(e.at("production_date")) == "2026-12-10");  // actual, not the planned 12-20
  const auto& envs = e.at("environments").as_array();
  CHECK(text_of(envs[0].at("actual")) == "2026-12-08");
  CHECK(text_of(envs[3].at("planned")) == "2026-12-20");
  CHECK(text_of(envs[3].at("actual")) == "2026-12-10");
  REQUIRE(envs[3].at("backed_out").as_array().size() == 1);
  CHECK(text_of(envs[3].at("backed_out").at(0)) == "2026-12-12");
  // rel-5 reached production on the day the others plan it: it conflicts now.
  const auto conflicts = conflicts_of(s.at("conflicts").as_array());
  CHECK(conflicts.size() == 6);
  CHECK(conflicts.contains("rel-1 rel-5 shared CI payments"));
  CHECK(conflicts.contains("rel-3 rel-5 payments depends_on ledger"));

  // Only releases with a date in range are listed.
  CHECK(ids_of(f.schedule("?from=2026-12-11")) == std::vector<std::string>{"rel-5"});
  CHECK(ids_of(f.schedule("?to=2026-12-05")) == std::vector<std::string>{"rel-1"});
  CHECK(ids_of(f.schedule("?from=2027-01-01")).empty());
  CHECK(text_of(f.schedule("?from=2026-12-11").at("from")) == "2026-12-11");
}

TEST_CASE("schedule: no conflict when production dates are apart, unless within the window") {
  Schedule f;
  auto s = f.schedule();
  for (const auto& c : s.at("conflicts").as_array()) {
    CHECK(text_of(c.at("releases").at(0)) != "rel-5");
    CHECK(text_of(c.at("releases").at(1)) != "rel-5");
    CHECK(text_of(c.at("releases").at(1)) != "rel-4");
  }
  f.config.schedule.conflict_window_days = 9;
  CHECK(f.schedule().at("conflicts").as_array().size() == 3);
  f.config.schedule.conflict_window_days = 10;
  s = f.schedule();
  CHECK(s.at("conflict_window_days").as_int64() == 10);
  const auto conflicts = conflicts_of(s.at("conflicts").as_array());
  CHECK(conflicts.size() == 6);
  CHECK(conflicts.contains("rel-1 rel-5 shared CI payments"));
  CHECK(conflicts.contains("rel-2 rel-5 shared CI payments"));
  CHECK(conflicts.contains("rel-3 rel-5 payments depends_on ledger"));
  const auto& last = s.at("conflicts").as_array().back();
  CHECK(text_of(last.at("date")) == "2026-12-10");
  CHECK(text_of(last.at("dates").at(1)) == "2026-12-20");
}

TEST_CASE("schedule: pages by release id; each conflict on the page of its first release") {
  Schedule f;
  auto first = f.schedule("?limit=2");
  CHECK(ids_of(first) == std::vector<std::string>{"rel-1", "rel-2"});
  CHECK(first.at("conflicts").as_array().size() == 3);
  REQUIRE(first.at("next_cursor").is_string());
  auto second = f.schedule("?limit=2&cursor=" + text_of(first.at("next_cursor")));
  CHECK(ids_of(second) == std::vector<std::string>{"rel-3", "rel-4"});
  CHECK(second.at("conflicts").as_array().empty());
  auto third = f.schedule("?limit=2&cursor=" + text_of(second.at("next_cursor")));
  CHECK(ids_of(third) == std::vector<std::string>{"rel-5"});
  CHECK(third.at("next_cursor").is_null());
}

TEST_CASE("schedule: invalid ranges and pages are refused with 400") {
  Schedule f;
  for (const char* query : {"?from=2026-13-01", "?to=tomorrow", "?from=2026-12-10&to=2026-12-01",
                            "?limit=0", "?from=2026-12-1"}) {
    auto r = f.call("GET", std::string("/api/v1/schedule") + query);
    CHECK_MESSAGE(r.status == 400, query);
    CHECK(problem_type(r) == "urn:tollgate:problem:invalid");
  }
  CHECK(f.call("GET", "/api/v1/schedule", "", "").status == 401);
}

TEST_CASE("schedule: [schedule] conflict_window_days is read, checked and shipped as 0") {
  testing::TempDir dir;
  auto load = [&](const std::string& text, Config& config) {
    const std::string path = dir.file("t.toml");
    std::ofstream(path) << text;
    return load_config_file(path, config);
  };
  Config c;
  REQUIRE(load("[schedule]\nconflict_window_days = 3\n", c).ok());
  CHECK(c.schedule.conflict_window_days == 3);
  CHECK(load("[schedule]\nconflict_window_days = -1\n", c).message().find("out of range") !=
        std::string::npos);
  CHECK(load("[schedule]\nwindow = 1\n", c).message().find("window: unknown setting") !=
        std::string::npos);
  CHECK(c.schedule.conflict_window_days == 3);
  Config shipped;
  REQUIRE(load_config_file(TOLLGATE_SOURCE_DIR "/conf/tollgate.toml", shipped).ok());
  CHECK(shipped.schedule.conflict_window_days == Config().schedule.conflict_window_days);
}

}  // namespace
}  // namespace tollgate::server
