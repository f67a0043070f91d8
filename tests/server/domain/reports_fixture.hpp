// A fixture for the report tests (VDD, schedule, KPIs): CIs, artifacts, relationships, releases,
// items, documents and gates through the router, and environment events as a promotion records
// them.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/vault/artifacts.hpp"
#include "tests/support/app_fixture.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::testing {

inline boost::json::object body_of(const server::Response& r) {
  return boost::json::parse(r.body).as_object();
}
inline std::string text_of(const boost::json::value& v) { return std::string(v.as_string()); }
inline std::string problem_type(const server::Response& r) {
  CHECK(r.content_type == "application/problem+json");
  return text_of(body_of(r).at("type"));
}

struct ReportFixture : AppFixture {
  std::string rm = token_with(server::Role::release_manager, "rm");
  std::string cm = token_with(server::Role::change_manager, "cm");
  std::string tester = token_with(server::Role::tester, "tess");
  server::Principal agent{"ci-bot", {server::Role::build_agent}, {}};

  ReportFixture() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})").status ==
            201);
  }

  void ci(const std::string& id) {
    auto r = call("POST", "/api/v1/cis",
                  fmt::format(R"({{"id":"{}","type":"component","name":"{}"}})", id, id));
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  void artifact(const std::string& path, const std::string& bytes) {
    auto at = parse_coordinate(path);
    REQUIRE(at.ok());
    server::StringBodyReader body(bytes);
    REQUIRE(app->artifacts.put(*at, sha256_hex(bytes), body, {}, agent).ok());
  }
  void depends_on(const std::string& from, const std::string& to) {
    auto r = call("POST", "/api/v1/relationships",
                  fmt::format(R"({{"from":"{}","type":"depends_on","to":"{}"}})", from, to));
    REQUIRE_MESSAGE((r.status == 201 || r.status == 200), r.body);
  }
  // A release created by rm; `extra` are more JSON members, e.g. R"("planned":{...})".
  std::string release(const std::string& name, const std::string& category = "scheduled",
                      const std::string& extra = "", const std::string& type = "delta") {
    auto r = call("POST", "/api/v1/releases",
                  fmt::format(R"({{"name":"{}","version":"1.0","type":"{}","category":"{}"{}{}}})",
                              name, type, category, extra.empty() ? "" : ",", extra),
                  rm);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return text_of(body_of(r).at("id"));
  }
  server::Response post(const std::string& id, const std::string& what, const std::string& body,
                        const std::string& token) {
    return call("POST", fmt::format("/api/v1/releases/{}/{}", id, what), body, token);
  }
  void item(const std::string& id, const std::string& ci, const std::string& version) {
    auto r = post(id, "items", fmt::format(R"({{"ci":"{}","version":"{}"}})", ci, version), rm);
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }
  void doc(const std::string& id, const std::string& kind, const std::string& name,
           const std::string& content) {
    auto r =
        post(id, "documents",
             fmt::format(R"({{"kind":"{}","name":"{}","content":"{}"}})", kind, name, content), rm);
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  void gate(const std::string& id, const std::string& gate, const std::string& verdict,
            const std::string& token) {
    auto r = post(id, "gates/" + gate, fmt::format(R"({{"verdict":"{}"}})", verdict), token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  // Records a promotion or back-out at `time` as PromotionService does (the event only).
  void event(const std::string& id, const std::string& env, const std::string& action,
             Micros time) {
    REQUIRE(store
                ->write([&](storage::WriteTxn& txn) {
                  auto r = server::load_release(txn, id);
                  REQUIRE(r);
                  r->environments.push_back({env, action, "rm", time, 1});
                  server::store_release(txn, *r);
                  return Status();
                })
                .ok());
  }
};

// Midnight UTC of a YYYY-MM-DD day, plus `hours`.
inline Micros day(const char* date, int hours = 0) {
  return *parse_date(date) + static_cast<Micros>(hours) * 3600 * kMicrosPerSecond;
}

}  // namespace tollgate::testing
