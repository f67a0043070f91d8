// The store of configuration audit results: ids in storage order, filters, pagination, and the
// GET /api/v1/audits routes.
#include "server/domain/audit/audits.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "tests/server/domain/reports_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::body_of;
using testing::problem_type;
using testing::text_of;

struct Audits : testing::AppFixture {
  Result<json::object> put(json::object record, const std::string& by = "auditor") {
    Result<json::object> out = json::object{};
    Status written = store->write([&](storage::WriteTxn& txn) {
      out = put_audit_result(txn, record, by, clock.now());
      return out.status();
    });
    if (!written.ok()) return written;
    return out;
  }
  json::object fca(const std::string& release, bool passed, json::array envs) {
    return {{"kind", "fca"},
            {"release", release},
            {"passed", passed},
            {"environments", std::move(envs)},
            {"findings", json::array{}}};
  }
  json::object pca(const std::string& env, const std::string& host, bool passed) {
    return {{"kind", "pca"},
            {"environment", env},
            {"host", host},
            {"passed", passed},
            {"findings", json::array{}}};
  }
  static AuditFilter where(std::optional<std::string> kind, std::optional<std::string> env = {},
                           std::optional<std::string> host = {},
                           std::optional<std::string> release = {}) {
    AuditFilter f;
    f.kind = std::move(kind);
    f.environment = std::move(env);
    f.host = std::move(host);
    f.release = std::move(release);
    return f;
  }
  Page<json::object> list(const AuditFilter& filter, PageRequest page = {}) {
    Result<Page<json::object>> out = Page<json::object>{};
    REQUIRE(store
                ->read([&](storage::ReadTxn& txn) {
                  out = list_audit_results(txn, filter, page);
                  return out.status();
                })
                .ok());
    return *out;
  }
  std::vector<std::string> ids(const Page<json::object>& page) {
    std::vector<std::string> out;
    for (const auto& r : page.items) out.push_back(text_of(r.at("id")));
    return out;
  }
  void seed() {
    REQUIRE(put(fca("rel-1", true, {"CINTE", "SIT"})).ok());  // audit-1
    REQUIRE(put(pca("SIT", "web-1", false)).ok());            // audit-2
    REQUIRE(put(pca("production", "web-1", true)).ok());      // audit-3
    REQUIRE(put(fca("rel-2", false, {"CINTE"})).ok());        // audit-4
    REQUIRE(put(pca("SIT", "web-2", true)).ok());             // audit-5
  }
};

TEST_CASE_FIXTURE(Audits, "audits store: ids follow the order results were stored") {
  clock.set(testing::kStart + 5'000'000);
  auto first = put(fca("rel-1", true, {}), "ann");
  REQUIRE(first.ok());
  CHECK(text_of(first->at("id")) == "audit-1");
  CHECK(text_of(first->at("created_by")) == "ann");
  CHECK(text_of(first->at("created_at")) == format_rfc3339(testing::kStart + 5'000'000));
  CHECK(text_of(first->at("release")) == "rel-1");
  auto second = put(pca("SIT", "web-1", false));
  REQUIRE(second.ok());
  CHECK(text_of(second->at("id")) == "audit-2");

  json::object stored;
  REQUIRE(store
              ->read([&](storage::ReadTxn& txn) {
                auto got = get_audit_result(txn, "audit-2");
                if (got) stored = *got;
                return got.status();
              })
              .ok());
  CHECK(stored == *second);
}

TEST_CASE_FIXTURE(Audits, "audits store: a record without kind or passed is refused, no id used") {
  CHECK(put(json::object{{"passed", true}}).status().code() == Code::invalid);
  CHECK(put(json::object{{"kind", "fca"}}).status().code() == Code::invalid);
  CHECK(put(json::object{{"kind", "fca"}, {"passed", "yes"}}).status().code() == Code::invalid);
  CHECK(list({}).items.empty());
  auto ok = put(fca("rel-1", true, {}));
  REQUIRE(ok.ok());
  CHECK(text_of(ok->at("id")) == "audit-1");
}

TEST_CASE_FIXTURE(Audits, "audits store: unknown and malformed ids are not found") {
  seed();
  REQUIRE(store
              ->read([&](storage::ReadTxn& txn) {
                for (const char* id : {"audit-6", "audit-0", "audit-01", "audit-", "audit-x",
                                       "rel-1", "audit-99999999999999999999"})
                  CHECK_MESSAGE(get_audit_result(txn, id).status().code() == Code::not_found, id);
                return Status();
              })
              .ok());
}

TEST_CASE_FIXTURE(Audits, "audits store: filters by kind, environment, host and release") {
  seed();
  using V = std::vector<std::string>;
  CHECK(ids(list({})) == V{"audit-1", "audit-2", "audit-3", "audit-4", "audit-5"});
  CHECK(ids(list(where("pca"))) == V{"audit-2", "audit-3", "audit-5"});
  CHECK(ids(list(where("fca"))) == V{"audit-1", "audit-4"});
  // environment: a PCA's environment, or among those an FCA checked
  CHECK(ids(list(where({}, "SIT"))) == V{"audit-1", "audit-2", "audit-5"});
  CHECK(ids(list(where({}, "CINTE"))) == V{"audit-1", "audit-4"});
  CHECK(ids(list(where({}, {}, "web-1"))) == V{"audit-2", "audit-3"});
  CHECK(ids(list(where({}, "SIT", "web-1"))) == V{"audit-2"});
  CHECK(ids(list(where({}, {}, {}, "rel-2"))) == V{"audit-4"});
  CHECK(ids(list(where("pca", {}, {}, "rel-2"))).empty());
}

TEST_CASE_FIXTURE(Audits, "audits store: pages continue after their cursor") {
  seed();
  PageRequest page;
  page.limit = 2;
  auto first = list(where("pca"), page);
  CHECK(ids(first) == std::vector<std::string>{"audit-2", "audit-3"});
  REQUIRE(first.next_after);
  page.after = *first.next_after;
  auto second = list(where("pca"), page);
  CHECK(ids(second) == std::vector<std::string>{"audit-5"});
  CHECK_FALSE(second.next_after);
}

TEST_CASE_FIXTURE(Audits, "GET /api/v1/audits lists, filters and pages; any token reads") {
  seed();
  const std::string viewer = token_with(Role::viewer, "vic");
  auto r = call("GET", "/api/v1/audits?kind=pca&environment=SIT&limit=1", "", viewer);
  REQUIRE(r.status == 200);
  auto body = body_of(r);
  REQUIRE(body.at("items").as_array().size() == 1);
  CHECK(text_of(body.at("items").as_array()[0].at("id")) == "audit-2");
  const std::string cursor = text_of(body.at("next_cursor"));
  r = call("GET", "/api/v1/audits?kind=pca&environment=SIT&limit=1&cursor=" + cursor, "", viewer);
  REQUIRE(r.status == 200);
  body = body_of(r);
  REQUIRE(body.at("items").as_array().size() == 1);
  CHECK(text_of(body.at("items").as_array()[0].at("id")) == "audit-5");
  CHECK(body.at("next_cursor").is_null());

  r = call("GET", "/api/v1/audits?release=rel-1", "", viewer);
  REQUIRE(r.status == 200);
  CHECK(body_of(r).at("items").as_array().size() == 1);

  r = call("GET", "/api/v1/audits/audit-3", "", viewer);
  REQUIRE(r.status == 200);
  CHECK(text_of(body_of(r).at("host")) == "web-1");
}

TEST_CASE_FIXTURE(Audits, "GET /api/v1/audits refuses bad queries and unknown ids") {
  seed();
  auto r = call("GET", "/api/v1/audits?kind=xca");
  CHECK(r.status == 400);
  CHECK(problem_type(r) == "urn:tollgate:problem:invalid");
  CHECK(call("GET", "/api/v1/audits?limit=0").status == 400);
  CHECK(call("GET", "/api/v1/audits?cursor=!!").status == 400);
  r = call("GET", "/api/v1/audits/audit-9");
  CHECK(r.status == 404);
  CHECK(problem_type(r) == "urn:tollgate:problem:not-found");
  CHECK(call("GET", "/api/v1/audits", "", "").status == 401);
}

}  // namespace
}  // namespace tollgate::server
