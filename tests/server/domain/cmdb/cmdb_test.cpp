// CMDB services: types, CIs, optimistic updates, history and as-of, pagination, relationships,
// impact analysis.
#include <doctest/doctest.h>

#include <set>

#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/http/commands/cmdb.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/parse_then.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
using tollgate::testing::parse_then;
namespace json = boost::json;

namespace {
json::object obj(std::string_view text) {
  auto o = parse_object(text);
  REQUIRE(o.ok());
  return std::move(o).value();
}

struct Cmdb : AppFixture {
  Cmdb() {
    REQUIRE(define(R"({"name":"host","attributes":[{"name":"ip","type":"string"}]})").ok());
    REQUIRE(define(R"({"name":"service","attributes":[
                  {"name":"port","type":"int","required":true},
                  {"name":"tier","type":"enum","values":["gold","silver"]},
                  {"name":"public","type":"bool"},
                  {"name":"host","type":"ref"}]})")
                .ok());
  }
  Result<CiType> define(std::string_view body) {
    return parse_then(commands::parse_ci_type, obj(body), [&](CiType type) {
      return app->ci_types.create(std::move(type), admin_principal);
    });
  }
  Result<Ci> create(std::string_view body) {
    return parse_then(commands::parse_create_ci, obj(body),
                      [&](CreateCi ci) { return app->cis.create(std::move(ci), admin_principal); });
  }
  Result<Ci> patch(const std::string& id, std::string_view body, std::optional<std::uint64_t> rev,
                   const Principal* who = nullptr) {
    return parse_then(commands::parse_ci_patch, obj(body), [&](const CiPatch& patch) {
      return app->cis.patch(id, patch, ExpectedRevision{rev}, who ? *who : admin_principal);
    });
  }
  Result<std::pair<Relationship, bool>> relate(std::string_view body) {
    return parse_then(commands::parse_relationship_change, obj(body),
                      [&](const RelationshipChange& change) {
                        return app->relationships.add(change, admin_principal);
                      });
  }
  Status unrelate(std::string_view body) {
    return parse_then(commands::parse_relationship_change, obj(body),
                      [&](const RelationshipChange& change) {
                        return app->relationships.remove(change, admin_principal);
                      });
  }
};
}  // namespace

TEST_CASE("CI types: schemas are validated and names are unique") {
  Cmdb f;
  auto bad = f.define(R"({"name":"x","attributes":[
      {"name":"a","type":"enum"},
      {"name":"a","type":"string"},
      {"name":"b","type":"float"},
      {"name":"c","type":"string","values":["v"]}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().items().size() == 4);
  CHECK(f.define(R"({"name":"host","attributes":[]})").status().code() == Code::conflict);
  CHECK(f.define(R"({"name":"Bad Name","attributes":[]})").status().code() == Code::invalid);
  auto type = f.app->ci_types.get("service");
  REQUIRE(type.ok());
  CHECK(type->attributes.size() == 4);
  CHECK(f.app->ci_types.get("nope").status().code() == Code::not_found);
}

TEST_CASE("CI creation validates attributes against the type") {
  Cmdb f;
  CHECK(
      f.create(R"({"id":"h1","type":"host","name":"Host 1","attributes":{"ip":"10.0.0.1"}})").ok());
  auto ok = f.create(R"({"id":"svc","type":"service","name":"Svc","status":"live",
                         "attributes":{"port":80,"tier":"gold","public":true,"host":"h1"}})");
  REQUIRE(ok.ok());
  CHECK(ok->revision == 1);
  CHECK(ok->status == CiStatus::live);

  auto bad = f.create(R"({"id":"svc2","type":"service","name":"S",
                          "attributes":{"port":"80","tier":"bronze","public":"yes","host":"nowhere","extra":1}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::invalid);
  CHECK(bad.status().items().size() == 5);
  auto missing = f.create(R"({"id":"svc3","type":"service","name":"S","attributes":{}})");
  CHECK(missing.status().items().at(0) == "attributes.port: required by type 'service'");
  auto unknown_type = f.create(R"({"id":"x","type":"spaceship","name":"X"})");
  CHECK(unknown_type.status().code() == Code::invalid);
  CHECK(unknown_type.status().message().find("spaceship") != std::string::npos);
  CHECK(f.create(R"({"id":"svc","type":"host","name":"again"})").status().code() == Code::conflict);
  CHECK(f.create(R"({"id":"d","type":"host","name":"D","status":"disposed"})").status().code() ==
        Code::invalid);
  CHECK(f.create(R"({"id":"BAD ID","type":"host","name":"D"})").status().code() == Code::invalid);
  CHECK(f.app->cis.get("svc2").status().code() == Code::not_found);  // nothing kept
}

TEST_CASE("PATCH: optimistic concurrency, attribute merge, lifecycle, no-op") {
  Cmdb f;
  REQUIRE(
      f.create(
           R"({"id":"svc","type":"service","name":"Svc","attributes":{"port":80,"tier":"gold"}})")
          .ok());
  auto stale = f.patch("svc", R"({"name":"Other"})", 7);
  CHECK(stale.status().code() == Code::precondition_failed);
  CHECK(stale.status().reason() == "stale-revision");
  CHECK(f.app->cis.get("svc")->name == "Svc");

  auto merged =
      f.patch("svc", R"({"attributes":{"tier":null,"public":false},"owner":"team-a"})", 1);
  REQUIRE(merged.ok());
  CHECK(merged->revision == 2);
  CHECK_FALSE(merged->attributes.contains("tier"));
  CHECK(merged->attributes.at("port").as_int64() == 80);
  CHECK(merged->owner == "team-a");

  auto same = f.patch("svc", R"({"owner":"team-a"})", 2);
  REQUIRE(same.ok());
  CHECK(same->revision == 2);  // nothing changed, no new revision

  CHECK(f.patch("svc", R"({"attributes":{"port":null}})", 2).status().code() == Code::invalid);
  auto illegal = f.patch("svc", R"({"status":"live"})", 2);  // ordered -> live is not a step
  CHECK(illegal.status().code() == Code::conflict);
  CHECK(illegal.status().reason() == "illegal-transition");
  CHECK(f.patch("svc", R"({"status":"withdrawn"})", std::nullopt).ok());  // If-Match: *
  CHECK(f.patch("svc", R"({"status":"disposed"})", 3).ok());
  CHECK(f.patch("svc", R"({"name":"Zombie"})", 4).status().code() == Code::conflict);
  CHECK(f.patch("nope", R"({"name":"x"})", 1).status().code() == Code::not_found);
  CHECK(f.patch("svc", R"({"colour":"red"})", 4).status().code() == Code::invalid);
}

TEST_CASE("history records every change and as_of returns the CI as it was") {
  Cmdb f;
  const Micros t0 = f.clock.now();
  REQUIRE(f.create(R"({"id":"svc","type":"service","name":"One","attributes":{"port":1}})").ok());
  f.clock.advance(1'000'000);
  const Micros t1 = f.clock.now();
  Principal bob{"bob", {Role::change_manager}, {}};
  REQUIRE(f.patch("svc", R"({"name":"Two","rfc":"rfc-42"})", 1, &bob).ok());
  f.clock.advance(1'000'000);
  REQUIRE(f.patch("svc", R"({"attributes":{"port":3}})", 2).ok());

  CHECK(f.app->cis.get("svc", t0 - 1).status().code() == Code::not_found);
  CHECK(f.app->cis.get("svc", t0)->name == "One");
  CHECK(f.app->cis.get("svc", t1 - 1)->revision == 1);
  CHECK(f.app->cis.get("svc", t1)->name == "Two");
  CHECK(f.app->cis.get("svc", t1 + 500'000)->attributes.at("port").as_int64() == 1);
  CHECK(f.app->cis.get("svc", f.clock.now())->attributes.at("port").as_int64() == 3);
  CHECK(f.app->cis.get("svc", f.clock.now() + 1'000'000'000)->revision == 3);

  auto history = f.app->cis.history("svc", PageRequest{});
  REQUIRE(history.ok());
  REQUIRE(history->items.size() == 3);
  const auto& second = history->items[1];
  CHECK(second.at("revision").to_number<std::uint64_t>() == 2);
  CHECK(second.at("actor").as_string() == "bob");
  CHECK(second.at("rfc").as_string() == "rfc-42");
  CHECK(second.at("time").as_string() == format_rfc3339(t1));
  CHECK(second.at("changes").at("name").at("old").as_string() == "One");
  CHECK(second.at("changes").at("name").at("new").as_string() == "Two");
  CHECK_FALSE(second.contains("snapshot"));
  CHECK(history->items[0].at("changes").at("id").at("new").as_string() == "svc");
  CHECK(f.app->cis.history("nope", PageRequest{}).status().code() == Code::not_found);
}

TEST_CASE("pagination walks every CI exactly once, with and without filters") {
  Cmdb f;
  for (int i = 0; i < 25; ++i) {
    const std::string type = i % 2 ? "host" : "service";
    const std::string attrs = i % 2 ? "{}" : R"({"port":1})";
    REQUIRE(
        f.create(fmt::format(R"({{"id":"ci-{:02}","type":"{}","name":"CI {}","attributes":{}}})", i,
                             type, i, attrs))
            .ok());
  }
  auto walk = [&](const CiFilter& filter, std::size_t limit) {
    std::vector<std::string> seen;
    PageRequest page{limit, ""};
    for (int guard = 0; guard < 100; ++guard) {
      auto result = f.app->cis.list(filter, page);
      REQUIRE(result.ok());
      CHECK(result->items.size() <= limit);
      for (const auto& ci : result->items) seen.push_back(ci.id);
      if (!result->next_after) break;
      // Round-trip the cursor as a client would.
      auto parsed = parse_page(std::to_string(limit), encode_cursor(*result->next_after));
      REQUIRE(parsed.ok());
      page = *parsed;
    }
    return seen;
  };
  auto all = walk({}, 10);
  CHECK(all.size() == 25);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 25);
  CHECK(std::is_sorted(all.begin(), all.end()));
  CiFilter hosts;
  hosts.type = "host";
  CHECK(walk(hosts, 5).size() == 12);
  CiFilter q;
  q.q = "ci 1";  // CI 1, CI 10..19
  CHECK(walk(q, 3).size() == 11);
  CiFilter status;
  status.status = CiStatus::live;
  CHECK(walk(status, 10).empty());
  CHECK(walk({}, 25).size() == 25);  // exactly one full page: no empty trailing page needed
}

TEST_CASE("history pages by revision") {
  Cmdb f;
  REQUIRE(f.create(R"({"id":"svc","type":"service","name":"v0","attributes":{"port":1}})").ok());
  for (int i = 1; i < 7; ++i)
    REQUIRE(f.patch("svc", fmt::format(R"({{"name":"v{}"}})", i), i).ok());
  std::vector<std::uint64_t> revisions;
  PageRequest page{3, ""};
  for (;;) {
    auto h = f.app->cis.history("svc", page);
    REQUIRE(h.ok());
    for (const auto& e : h->items) revisions.push_back(e.at("revision").to_number<std::uint64_t>());
    if (!h->next_after) break;
    page.after = *h->next_after;
  }
  CHECK(revisions == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("relationships are checked, idempotent and removable") {
  Cmdb f;
  REQUIRE(f.create(R"({"id":"a","type":"host","name":"A"})").ok());
  REQUIRE(f.create(R"({"id":"b","type":"host","name":"B"})").ok());
  auto& rels = f.app->relationships;
  auto first = f.relate(R"({"from":"a","type":"runs_on","to":"b"})");
  REQUIRE(first.ok());
  CHECK(first->second);
  auto again = f.relate(R"({"from":"a","type":"runs_on","to":"b"})");
  REQUIRE(again.ok());
  CHECK_FALSE(again->second);
  CHECK(f.relate(R"({"from":"a","type":"loves","to":"b"})").status().code() == Code::invalid);
  CHECK(f.relate(R"({"from":"a","type":"runs_on","to":"zz"})").status().code() == Code::not_found);
  CHECK(f.relate(R"({"from":"a","type":"runs_on","to":"a"})").status().code() == Code::invalid);
  CHECK(rels.of("b")->size() == 1);
  CHECK(rels.of("a")->size() == 1);
  CHECK(f.unrelate(R"({"from":"a","type":"runs_on","to":"b"})").ok());
  CHECK(f.unrelate(R"({"from":"a","type":"runs_on","to":"b"})").code() == Code::not_found);
  CHECK(rels.of("b")->empty());
}

TEST_CASE("impact analysis walks both ways to a depth and terminates on cycles") {
  Cmdb f;
  for (const char* id : {"web", "api", "db", "disk", "cache"})
    REQUIRE(f.create(fmt::format(R"({{"id":"{}","type":"host","name":"{}"}})", id, id)).ok());
  auto relate = [&](const char* from, const char* type, const char* to) {
    REQUIRE(f.relate(fmt::format(R"({{"from":"{}","type":"{}","to":"{}"}})", from, type, to)).ok());
  };
  relate("web", "depends_on", "api");
  relate("api", "depends_on", "db");
  relate("api", "depends_on", "cache");
  relate("db", "runs_on", "disk");
  relate("disk", "depends_on", "web");  // a cycle back to the top

  auto down = f.app->relationships.impact("web", Direction::down, 32);
  REQUIRE(down.ok());
  CHECK(down->size() == 4);  // api, db, cache, disk; web itself is not repeated
  std::map<std::string, ImpactEntry> by_id;
  for (const auto& e : *down) by_id[e.id] = e;
  CHECK(by_id["api"].distance == 1);
  CHECK(by_id["disk"].distance == 3);
  CHECK(by_id["disk"].path == std::vector<std::string>{"web", "api", "db", "disk"});
  CHECK(by_id["disk"].via == RelType::runs_on);

  auto shallow = f.app->relationships.impact("web", Direction::down, 1);
  CHECK(shallow->size() == 1);

  auto up = f.app->relationships.impact("db", Direction::up, 2);
  REQUIRE(up.ok());
  REQUIRE(up->size() == 2);  // api (1), web (2)
  CHECK(up->at(0).id == "api");
  CHECK(up->at(1).id == "web");
  CHECK(f.app->relationships.impact("db", Direction::up, 0).status().code() == Code::invalid);
  CHECK(f.app->relationships.impact("nope", Direction::up, 3).status().code() == Code::not_found);
}
