// Change control: RFCs (lifecycle, illegal steps, self-approval, roles, body validation,
// pagination, impact analysis) and configuration control of controlled CIs.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"
#include "server/domain/json_body.hpp"
#include "server/http/commands/change.hpp"
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

json::object body_of(const Response& r) {
  auto o = parse_object(r.body);
  REQUIRE(o.ok());
  return std::move(o).value();
}

// POST /api/v1/rfcs as its handler runs it: parse, then the service.
Result<Rfc> raise(RfcService& rfcs, std::string_view body, const Principal& who) {
  return parse_then(commands::parse_create_rfc, obj(body),
                    [&](CreateRfc command) { return rfcs.create(std::move(command), who); });
}

// POST /api/v1/rfcs/{id}/{action} as its handler runs it.
Result<Rfc> take_step(RfcService& rfcs, const std::string& id, RfcAction action,
                      std::string_view body, const Principal& who) {
  return parse_then(commands::parse_rfc_step, obj(body), [&](const RfcStep& command) {
    return rfcs.transition(id, action, command, who);
  });
}

std::string type_of(const Response& r) { return std::string(body_of(r).at("type").as_string()); }

constexpr const char* kRfcBody =
    R"({"title":"Upgrade payments","description":"Move to 2.0","cis":["pay-api"],
        "category":"normal","impact":{"risk":"medium","resources":"2 engineers",
        "cycle_time":"3 days"}})";

struct Change : AppFixture {
  Principal rm{"rm", {Role::release_manager}, {}};
  Principal cm1{"cm1", {Role::change_manager}, {}};
  Principal cm2{"cm2", {Role::change_manager}, {}};
  Principal tester{"tester", {Role::tester}, {}};
  std::string rm_token, cm1_token, cm2_token, viewer_token;

  Change() {
    REQUIRE(call("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})").status ==
            201);
    for (const char* id : {"pay-api", "pay-db", "web", "other"})
      REQUIRE(call("POST", "/api/v1/cis",
                   fmt::format(R"({{"id":"{}","type":"component","name":"{}"}})", id, id))
                  .status == 201);
    rm_token = token_with(Role::release_manager, "rm");
    cm1_token = token_with(Role::change_manager, "cm1");
    cm2_token = token_with(Role::change_manager, "cm2");
    viewer_token = token_with(Role::viewer, "viewer");
  }

  Rfc create(std::string_view body = kRfcBody) {
    auto rfc = raise(app->rfcs, body, rm);
    REQUIRE(rfc.ok());
    return std::move(rfc).value();
  }
  Result<Rfc> step(const std::string& id, RfcAction action, const Principal& who,
                   std::string_view body = "{}") {
    return take_step(app->rfcs, id, action, body, who);
  }
  // An RFC in `state`, reached through the legal path.
  Rfc in_state(RfcState state, std::string_view body = kRfcBody) {
    Rfc rfc = create(body);
    auto go = [&](RfcAction a, const Principal& who) {
      auto r = step(rfc.id, a, who);
      REQUIRE(r.ok());
      rfc = *r;
    };
    if (state == RfcState::draft) return rfc;
    go(RfcAction::submit, rm);
    if (state == RfcState::submitted) return rfc;
    if (state == RfcState::rejected || state == RfcState::closed) {
      if (state == RfcState::closed) {
        go(RfcAction::approve, cm1);
        go(RfcAction::implement, rm);
        go(RfcAction::review, cm1);
        go(RfcAction::close, cm1);
      } else {
        go(RfcAction::reject, cm1);
      }
      return rfc;
    }
    go(RfcAction::approve, cm1);
    if (state == RfcState::approved) return rfc;
    go(RfcAction::implement, rm);
    if (state == RfcState::implemented) return rfc;
    go(RfcAction::review, cm1);
    return rfc;
  }
  std::uint64_t rfc_count() { return count(storage::Table::rfcs); }
  Response patch_ci(const std::string& id, const std::string& body, const std::string& token) {
    return call("PATCH", "/api/v1/cis/" + id, body, token, {{"if-match", "*"}});
  }
};
}  // namespace

TEST_CASE("rfc: the whole life of an RFC records each step's actor and time") {
  Change f;
  Rfc rfc = f.create();
  CHECK(rfc.id == "rfc-1");
  CHECK(rfc.state == RfcState::draft);
  CHECK(rfc.created_by == "rm");
  CHECK(rfc.cis == std::vector<std::string>{"pay-api"});
  CHECK(rfc.impact.at("risk").as_string() == "medium");
  CHECK(f.create().id == "rfc-2");

  const std::vector<std::tuple<RfcAction, Principal, RfcState>> path = {
      {RfcAction::submit, f.rm, RfcState::submitted},
      {RfcAction::approve, f.cm1, RfcState::approved},
      {RfcAction::implement, f.rm, RfcState::implemented},
      {RfcAction::review, f.cm2, RfcState::reviewed},
      {RfcAction::close, f.cm1, RfcState::closed}};
  for (const auto& [action, who, state] : path) {
    f.clock.advance(1'000'000);
    auto next = f.step(rfc.id, action, who, R"({"note":"step"})");
    REQUIRE(next.ok());
    CHECK(next->state == state);
    CHECK(next->events.back().action == rfc_action_name(action));
    CHECK(next->events.back().actor == who.name);
    CHECK(next->events.back().time == f.clock.now());
    CHECK(next->events.back().note == "step");
  }
  auto stored = f.app->rfcs.get(rfc.id);
  REQUIRE(stored.ok());
  CHECK(stored->state == RfcState::closed);
  CHECK(stored->events.size() == 6);
  CHECK(stored->events.front().action == "create");
  CHECK(stored->submitted_by == "rm");
  CHECK(stored->decided_by == "cm1");
  CHECK(stored->approved_or_later());
  CHECK(stored->names_ci("pay-api"));
  CHECK_FALSE(stored->names_ci("web"));
  CHECK(f.app->rfcs.get("rfc-99").status().code() == Code::not_found);
}

TEST_CASE("rfc: a rejected RFC can be closed and never counts as approved") {
  Change f;
  Rfc rfc = f.in_state(RfcState::rejected);
  CHECK(rfc.decided_by == "cm1");
  CHECK_FALSE(rfc.approved_or_later());
  auto closed = f.step(rfc.id, RfcAction::close, f.cm2);
  REQUIRE(closed.ok());
  CHECK(closed->state == RfcState::closed);
  CHECK_FALSE(closed->approved_or_later());
}

TEST_CASE("rfc: every illegal step is refused with the current state and changes nothing") {
  Change f;
  const RfcState states[] = {RfcState::draft,    RfcState::submitted,   RfcState::approved,
                             RfcState::rejected, RfcState::implemented, RfcState::reviewed,
                             RfcState::closed};
  const RfcAction actions[] = {RfcAction::submit,    RfcAction::approve, RfcAction::reject,
                               RfcAction::implement, RfcAction::review,  RfcAction::close};
  auto legal = [](RfcState s, RfcAction a) {
    return (s == RfcState::draft && a == RfcAction::submit) ||
           (s == RfcState::submitted && (a == RfcAction::approve || a == RfcAction::reject)) ||
           (s == RfcState::approved && a == RfcAction::implement) ||
           (s == RfcState::implemented && a == RfcAction::review) ||
           ((s == RfcState::reviewed || s == RfcState::rejected) && a == RfcAction::close);
  };
  int refused = 0;
  for (RfcState state : states) {
    Rfc rfc = f.in_state(state);
    REQUIRE(rfc.state == state);
    for (RfcAction action : actions) {
      if (legal(state, action)) continue;
      CAPTURE(rfc_state_name(state));
      CAPTURE(rfc_action_name(action));
      auto r = f.step(rfc.id, action, f.cm2);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Code::conflict);
      CHECK(r.status().reason() == "illegal-transition");
      CHECK(r.status().message().find(fmt::format("is {}", rfc_state_name(state))) !=
            std::string::npos);
      auto after = f.app->rfcs.get(rfc.id);
      REQUIRE(after.ok());
      CHECK(after->state == state);
      CHECK(after->events.size() == rfc.events.size());
      ++refused;
    }
  }
  CHECK(refused == 7 * 6 - 7);
  // Over HTTP: 409 problem with the stable type.
  auto r = f.call("POST", "/api/v1/rfcs/rfc-1/approve", "", f.cm2_token);
  CHECK(r.status == 409);
  CHECK(type_of(r) == "urn:tollgate:problem:illegal-transition");
}

TEST_CASE("rfc: the submitter can neither approve nor reject their own RFC") {
  Change f;
  Rfc rfc = f.create();
  REQUIRE(f.step(rfc.id, RfcAction::submit, f.cm1).ok());
  for (RfcAction action : {RfcAction::approve, RfcAction::reject}) {
    auto r = f.step(rfc.id, action, f.cm1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::forbidden);
    CHECK(r.status().reason() == "self-approval");
  }
  auto http =
      f.call("POST", "/api/v1/rfcs/" + rfc.id + "/approve", R"({"note":"mine"})", f.cm1_token);
  CHECK(http.status == 403);
  CHECK(type_of(http) == "urn:tollgate:problem:self-approval");
  auto unchanged = f.app->rfcs.get(rfc.id);
  REQUIRE(unchanged.ok());
  CHECK(unchanged->state == RfcState::submitted);
  CHECK(unchanged->events.size() == 2);
  CHECK_FALSE(unchanged->decided_by.has_value());
  // Another change manager may.
  auto approved = f.call("POST", "/api/v1/rfcs/" + rfc.id + "/approve", "", f.cm2_token);
  CHECK(approved.status == 200);
  CHECK(body_of(approved).at("state").as_string() == "approved");
  CHECK(body_of(approved).at("decided_by").as_string() == "cm2");
}

TEST_CASE("rfc: roles decide who may create and take each step") {
  Change f;
  const std::string tester = f.token_with(Role::tester, "tester");
  const std::string requester = f.token_with(Role::requester, "ria");
  auto at = [](const Rfc& rfc, const char* step) { return "/api/v1/rfcs/" + rfc.id + "/" + step; };
  // Creation: requester, cm_manager, change_manager, release_manager, admin; not a tester.
  CHECK(type_of(f.call("POST", "/api/v1/rfcs", kRfcBody, tester)) ==
        "urn:tollgate:problem:forbidden-role");
  CHECK(f.call("POST", "/api/v1/rfcs", kRfcBody, f.viewer_token).status == 403);
  CHECK(f.rfc_count() == 0);
  CHECK(f.call("POST", "/api/v1/rfcs", kRfcBody, requester).status == 201);

  Rfc rfc = f.in_state(RfcState::submitted);
  // Neither a release manager nor an admin decides: the ECCB's change managers do.
  for (const std::string& token : {f.rm_token, f.admin}) {
    for (const char* step : {"approve", "reject"}) {
      auto http = f.call("POST", at(rfc, step), "", token);
      CHECK(http.status == 403);
      CHECK(type_of(http) == "urn:tollgate:problem:forbidden-role");
    }
  }
  REQUIRE(f.call("POST", at(rfc, "approve"), "", f.cm2_token).status == 200);
  // A release manager may implement, not review or close.
  REQUIRE(f.call("POST", at(rfc, "implement"), "", f.rm_token).status == 200);
  CHECK(f.call("POST", at(rfc, "review"), "", f.rm_token).status == 403);
  REQUIRE(f.call("POST", at(rfc, "review"), "", f.cm1_token).status == 200);
  CHECK(f.call("POST", at(rfc, "close"), "", f.rm_token).status == 403);
  auto still = f.app->rfcs.get(rfc.id);
  REQUIRE(still.ok());
  CHECK(still->state == RfcState::reviewed);
  CHECK(f.call("POST", at(rfc, "close"), "", f.viewer_token).status == 403);
  CHECK(f.call("POST", at(rfc, "close"), "", tester).status == 403);
}

TEST_CASE("rfc: the person who raised an RFC never decides it, and the ECCB votes to a quorum") {
  Change f;
  const std::string cm3 = f.token_with(Role::change_manager, "cm3");
  // cm1 raises it, rm submits it: neither may decide.
  auto raised = raise(f.app->rfcs, kRfcBody, f.cm1);
  REQUIRE(raised.ok());
  REQUIRE(f.step(raised->id, RfcAction::submit, f.rm).ok());
  auto self = f.call("POST", "/api/v1/rfcs/" + raised->id + "/approve", "", f.cm1_token);
  CHECK(self.status == 403);
  CHECK(type_of(self) == "urn:tollgate:problem:self-approval");
  CHECK(f.step(raised->id, RfcAction::reject, f.cm1).status().reason() == "self-approval");

  // A quorum of two: the first vote leaves it submitted, the same voter again is refused,
  // a second person approves it.
  RfcService eccb(*f.audited, f.app->relationships, f.clock, 2);
  auto vote = [&](const Principal& who) {
    return take_step(eccb, raised->id, RfcAction::approve, R"({"note":"ok"})", who);
  };
  auto first = vote(f.cm2);
  REQUIRE(first.ok());
  CHECK(first->state == RfcState::submitted);
  CHECK(first->events.back().action == "approve");
  CHECK(first->events.back().actor == "cm2");
  CHECK(vote(f.cm2).status().reason() == "duplicate-vote");
  Principal cm3p{"cm3", {Role::change_manager}, {}};
  auto second = vote(cm3p);
  REQUIRE(second.ok());
  CHECK(second->state == RfcState::approved);
  CHECK(second->decided_by == "cm3");

  // One rejection rejects, whatever the votes before.
  auto other = raise(f.app->rfcs, kRfcBody, f.rm);
  REQUIRE(other.ok());
  REQUIRE(f.step(other->id, RfcAction::submit, f.rm).ok());
  REQUIRE(take_step(eccb, other->id, RfcAction::approve, "{}", f.cm2).ok());
  auto rejected = take_step(eccb, other->id, RfcAction::reject, "{}", cm3p);
  REQUIRE(rejected.ok());
  CHECK(rejected->state == RfcState::rejected);
  (void)cm3;
}

TEST_CASE("rfc: bodies are strict and CIs must exist; a refusal stores nothing") {
  Change f;
  auto unknown_field = f.call("POST", "/api/v1/rfcs",
                              R"({"title":"t","cis":["web"],"impact":{"risk":"low"},"x":1})");
  CHECK(unknown_field.status == 400);
  auto unknown_impact = f.call("POST", "/api/v1/rfcs",
                               R"({"title":"t","cis":["web"],"impact":{"risk":"low","cost":3}})");
  CHECK(unknown_impact.status == 400);
  auto bad_values =
      raise(f.app->rfcs, R"({"title":"","cis":[],"category":"urgent","impact":{"risk":"extreme"}})",
            f.rm);
  REQUIRE_FALSE(bad_values.ok());
  CHECK(bad_values.status().code() == Code::invalid);
  CHECK(bad_values.status().items().size() == 4);
  auto no_impact = raise(f.app->rfcs, R"({"title":"t","cis":["web"]})", f.rm);
  CHECK(no_impact.status().code() == Code::invalid);
  auto unknown_ci = f.call("POST", "/api/v1/rfcs",
                           R"({"title":"t","cis":["web","ghost"],"impact":{"risk":"low"}})");
  CHECK(unknown_ci.status == 400);
  CHECK(type_of(unknown_ci) == "urn:tollgate:problem:unknown-ci");
  CHECK(std::string(body_of(unknown_ci).at("detail").as_string()).find("ghost") !=
        std::string::npos);
  CHECK(f.rfc_count() == 0);
  // A step's body is optional but strict too.
  Rfc rfc = f.create();
  CHECK(f.call("POST", "/api/v1/rfcs/" + rfc.id + "/submit", R"({"comment":"x"})").status == 400);
  CHECK(f.app->rfcs.get(rfc.id)->state == RfcState::draft);
  CHECK(f.call("POST", "/api/v1/rfcs/rfc-404/submit", "").status == 404);
  // The counter was not advanced by the refusals: the first RFC stored is rfc-1.
  CHECK(rfc.id == "rfc-1");
  // Defaults and duplicates: category normal, CIs sorted and unique.
  Rfc plain = f.create(R"({"title":"t","cis":["web","pay-db","web"],"impact":{"risk":"low"}})");
  CHECK(plain.category == "normal");
  CHECK(plain.cis == std::vector<std::string>{"pay-db", "web"});
}

TEST_CASE("rfc: lists are paginated and filtered by state and CI") {
  Change f;
  for (int i = 0; i < 3; ++i) f.create();
  f.in_state(RfcState::submitted,
             R"({"title":"web","cis":["web"],"impact":{"risk":"high"},"category":"emergency"})");
  auto first = f.call("GET", "/api/v1/rfcs?limit=2");
  REQUIRE(first.status == 200);
  json::object page = body_of(first);
  CHECK(page.at("items").as_array().size() == 2);
  REQUIRE(page.at("next_cursor").is_string());
  auto second = f.call(
      "GET", "/api/v1/rfcs?limit=2&cursor=" + std::string(page.at("next_cursor").as_string()), "",
      f.viewer_token);
  REQUIRE(second.status == 200);
  json::object rest = body_of(second);
  CHECK(rest.at("items").as_array().size() == 2);
  CHECK(rest.at("next_cursor").is_null());
  std::set<std::string> seen;
  for (const auto* p : {&page, &rest})
    for (const auto& item : p->at("items").as_array())
      seen.insert(std::string(item.at("id").as_string()));
  CHECK(seen == std::set<std::string>{"rfc-1", "rfc-2", "rfc-3", "rfc-4"});

  auto submitted = body_of(f.call("GET", "/api/v1/rfcs?state=submitted"));
  REQUIRE(submitted.at("items").as_array().size() == 1);
  CHECK(submitted.at("items").as_array()[0].at("id").as_string() == "rfc-4");
  CHECK(body_of(f.call("GET", "/api/v1/rfcs?ci=pay-api")).at("items").as_array().size() == 3);
  CHECK(body_of(f.call("GET", "/api/v1/rfcs?ci=web&state=draft")).at("items").as_array().empty());
  CHECK(f.call("GET", "/api/v1/rfcs?state=pending").status == 400);
  CHECK(f.call("GET", "/api/v1/rfcs?limit=0").status == 400);
}

TEST_CASE("rfc: the rendering carries the impact analysis of the CIs it names") {
  Change f;
  // web depends on pay-api, which depends on pay-db.
  REQUIRE(f.call("POST", "/api/v1/relationships",
                 R"({"from":"web","type":"depends_on","to":"pay-api"})")
              .status == 201);
  REQUIRE(f.call("POST", "/api/v1/relationships",
                 R"({"from":"pay-api","type":"depends_on","to":"pay-db"})")
              .status == 201);
  auto created =
      f.call("POST", "/api/v1/rfcs",
             R"({"title":"db","cis":["pay-db","other"],"impact":{"risk":"high"}})", f.cm1_token);
  REQUIRE(created.status == 201);
  CHECK(std::find(created.headers.begin(), created.headers.end(),
                  std::pair<std::string, std::string>{"Location", "/api/v1/rfcs/rfc-1"}) !=
        created.headers.end());
  json::object rfc = body_of(created);
  CHECK(rfc.at("id").as_string() == "rfc-1");
  CHECK(rfc.at("state").as_string() == "draft");
  CHECK(rfc.at("created_by").as_string() == "cm1");
  const auto& analysis = rfc.at("impact_analysis").as_object();
  const auto& db = analysis.at("pay-db").as_array();
  REQUIRE(db.size() == 2);
  CHECK(db[0].at("id").as_string() == "pay-api");
  CHECK(db[0].at("distance").as_int64() == 1);
  CHECK(db[1].at("id").as_string() == "web");
  CHECK(db[1].at("distance").as_int64() == 2);
  CHECK(analysis.at("other").as_array().empty());
  auto got = f.call("GET", "/api/v1/rfcs/rfc-1", "", f.viewer_token);
  REQUIRE(got.status == 200);
  CHECK(body_of(got).at("impact_analysis") == rfc.at("impact_analysis"));
  CHECK(f.call("GET", "/api/v1/rfcs/rfc-2").status == 404);
}

TEST_CASE("configuration control: a controlled CI changes only with an approved RFC naming it") {
  Change f;
  REQUIRE(f.call("POST", "/api/v1/cis",
                 R"({"id":"core","type":"component","name":"Core","controlled":true})")
              .status == 201);
  Rfc draft = f.create(R"({"title":"core","cis":["core"],"impact":{"risk":"low"}})");
  Rfc elsewhere = f.in_state(RfcState::approved);  // names pay-api only
  Rfc rejected =
      f.in_state(RfcState::rejected, R"({"title":"core","cis":["core"],"impact":{"risk":"low"}})");
  Rfc approved =
      f.in_state(RfcState::approved, R"({"title":"core","cis":["core"],"impact":{"risk":"low"}})");

  auto expect_refused = [&](const std::string& body, const std::string& reason,
                            const std::string& in_detail) {
    CAPTURE(body);
    auto r = f.patch_ci("core", body, f.rm_token);
    CHECK(r.status == 409);
    CHECK(type_of(r) == "urn:tollgate:problem:" + reason);
    const std::string detail(body_of(r).at("detail").as_string());
    CHECK(detail.find(in_detail) != std::string::npos);
    CHECK(detail.find("core") != std::string::npos);
    auto ci = f.app->cis.get("core");
    REQUIRE(ci.ok());
    CHECK(ci->revision == 1);
    CHECK(ci->name == "Core");
    CHECK(ci->controlled);
  };
  expect_refused(R"({"name":"Core 2"})", "rfc-required", "none was given");
  expect_refused(R"({"name":"Core 2","rfc":"rfc-77"})", "rfc-unknown", "rfc-77");
  expect_refused(R"({"name":"Core 2","rfc":")" + draft.id + "\"}", "rfc-not-approved",
                 draft.id + "' is draft");
  expect_refused(R"({"name":"Core 2","rfc":")" + rejected.id + "\"}", "rfc-not-approved",
                 rejected.id + "' is rejected");
  expect_refused(R"({"name":"Core 2","rfc":")" + elsewhere.id + "\"}", "rfc-does-not-name-ci",
                 elsewhere.id);
  // Turning control off is itself a change of a controlled CI.
  expect_refused(R"({"controlled":false})", "rfc-required", "none was given");
  // A patch that changes nothing needs no RFC.
  CHECK(f.patch_ci("core", R"({"name":"Core"})", f.rm_token).status == 200);
  auto history = body_of(f.call("GET", "/api/v1/cis/core/history"));
  CHECK(history.at("items").as_array().size() == 1);

  auto ok = f.patch_ci("core", R"({"name":"Core 2","rfc":")" + approved.id + "\"}", f.rm_token);
  REQUIRE(ok.status == 200);
  CHECK(body_of(ok).at("revision").as_int64() == 2);
  history = body_of(f.call("GET", "/api/v1/cis/core/history"));
  const auto& entries = history.at("items").as_array();
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].at("rfc").as_string() == approved.id);
  CHECK(entries[1].at("actor").as_string() == "rm");

  // Later states of the RFC still count; with it, control can be turned off, after which the
  // CI changes freely.
  REQUIRE(f.step(approved.id, RfcAction::implement, f.rm).ok());
  auto off =
      f.patch_ci("core", R"({"controlled":false,"rfc":")" + approved.id + "\"}", f.cm1_token);
  REQUIRE(off.status == 200);
  CHECK_FALSE(body_of(off).at("controlled").as_bool());
  CHECK(f.patch_ci("core", R"({"name":"Core 3"})", f.rm_token).status == 200);
  // An uncontrolled CI needs no RFC; becoming controlled needs none either.
  CHECK(f.patch_ci("web", R"({"name":"Web","controlled":true})", f.rm_token).status == 200);
  CHECK(f.patch_ci("web", R"({"name":"Web 2"})", f.rm_token).status == 409);
}

TEST_CASE("configuration control covers a controlled CI's relationships at either end") {
  Change f;
  REQUIRE(f.call("POST", "/api/v1/cis",
                 R"({"id":"core","type":"component","name":"Core","controlled":true})")
              .status == 201);
  const char* core_rfc = R"({"title":"core","cis":["core"],"impact":{"risk":"low"}})";
  Rfc approved = f.in_state(RfcState::approved, core_rfc);
  Rfc reviewed = f.in_state(RfcState::reviewed, core_rfc);
  Rfc closed = f.in_state(RfcState::closed, core_rfc);
  Rfc elsewhere = f.in_state(RfcState::approved);  // names pay-api only

  auto relate = [&](const std::string& method, const std::string& from, const std::string& rfc) {
    const std::string extra = rfc.empty() ? "" : R"(,"rfc":")" + rfc + "\"";
    return f.call(method, "/api/v1/relationships",
                  fmt::format(R"({{"from":"{}","type":"depends_on","to":"{}"{}}})", from,
                              from == "core" ? "web" : "core", extra),
                  f.rm_token);
  };
  auto revision = [&](const std::string& id) {
    auto ci = f.app->cis.get(id);
    REQUIRE(ci.ok());
    return ci->revision;
  };
  // At the "to" end and at the "from" end alike; a refusal stores nothing.
  for (const std::string from : {"web", "core"}) {
    CAPTURE(from);
    auto none = relate("POST", from, "");
    CHECK(none.status == 409);
    CHECK(type_of(none) == "urn:tollgate:problem:rfc-required");
    CHECK(type_of(relate("POST", from, reviewed.id)) == "urn:tollgate:problem:rfc-not-approved");
    CHECK(type_of(relate("POST", from, closed.id)) == "urn:tollgate:problem:rfc-not-approved");
    CHECK(type_of(relate("POST", from, elsewhere.id)) ==
          "urn:tollgate:problem:rfc-does-not-name-ci");
    auto rels = f.app->relationships.of("core");
    REQUIRE(rels.ok());
    CHECK(rels->empty());
  }
  CHECK(revision("core") == 1);

  REQUIRE(relate("POST", "web", approved.id).status == 201);
  CHECK(revision("core") == 2);
  CHECK(revision("web") == 1);  // an uncontrolled end is left as it is
  auto history = body_of(f.call("GET", "/api/v1/cis/core/history"));
  const auto& entries = history.at("items").as_array();
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].at("action").as_string() == "relate");
  CHECK(entries[1].at("rfc").as_string() == approved.id);
  CHECK(entries[1].at("actor").as_string() == "rm");
  CHECK(entries[1].at("changes").at("relationships").at("new").as_string() == "web depends_on");

  // Removing it is a change too.
  auto kept = relate("DELETE", "web", "");
  CHECK(kept.status == 409);
  CHECK(type_of(kept) == "urn:tollgate:problem:rfc-required");
  CHECK(f.app->relationships.of("core")->size() == 1);
  CHECK(relate("DELETE", "web", approved.id).status == 204);
  CHECK(f.app->relationships.of("core")->empty());
  history = body_of(f.call("GET", "/api/v1/cis/core/history"));
  REQUIRE(history.at("items").as_array().size() == 3);
  CHECK(history.at("items").as_array()[2].at("action").as_string() == "unrelate");
  CHECK(f.call("POST", "/api/v1/relationships",
               R"({"from":"web","type":"depends_on","to":"core","rfc":"../x"})", f.rm_token)
            .status == 400);
}

TEST_CASE("configuration control covers a controlled CI's documents; the commit names the RFC") {
  Change f;
  REQUIRE(f.call("POST", "/api/v1/cis",
                 R"({"id":"core","type":"component","name":"Core","controlled":true})")
              .status == 201);
  const char* core_rfc = R"({"title":"core","cis":["core"],"impact":{"risk":"low"}})";
  Rfc approved = f.in_state(RfcState::approved, core_rfc);
  Rfc closed = f.in_state(RfcState::closed, core_rfc);
  auto put = [&](const std::string& query, const std::string& body = R"({"content":"v1\n"})") {
    return f.call("PUT", "/api/v1/cis/core/documents/design.txt" + query, body, f.rm_token);
  };
  auto none = put("");
  CHECK(none.status == 409);
  CHECK(type_of(none) == "urn:tollgate:problem:rfc-required");
  CHECK(type_of(put("?rfc=" + closed.id)) == "urn:tollgate:problem:rfc-not-approved");
  CHECK(put("?rfc=../../x").status == 400);
  CHECK(f.call("GET", "/api/v1/cis/core/documents/design.txt").status == 404);
  // An uncontrolled CI's documents need no RFC.
  CHECK(f.call("PUT", "/api/v1/cis/web/documents/notes.txt", R"({"content":"notes\n"})", f.rm_token)
            .status == 201);

  auto ok = put("?rfc=" + approved.id);
  REQUIRE(ok.status == 201);
  const std::string message(body_of(ok).at("message").as_string());
  CHECK_MESSAGE(message.find("under " + approved.id) != std::string::npos, message);
  // The JSON form may name it in the body instead.
  CHECK(put("", R"({"content":"v2\n","rfc":")" + approved.id + "\"}").status == 200);
  CHECK(put("", R"({"content":"v3\n"})").status == 409);
}

TEST_CASE("rfc: only a draft is edited, only by the person who raised it, and each edit is kept") {
  Change f;
  const std::string rfc_requester = f.token_with(Role::requester, "req");
  Rfc draft = f.create();  // raised by rm
  const std::string path = "/api/v1/rfcs/" + draft.id;

  auto other = f.call("PATCH", path, R"({"title":"Mine now"})", rfc_requester);
  CHECK(other.status == 403);
  CHECK(type_of(other) == "urn:tollgate:problem:not-rfc-author");
  CHECK(f.call("PATCH", path, R"({"cis":["nope"]})", f.rm_token).status == 400);
  CHECK(f.call("PATCH", path, R"({"colour":"red"})", f.rm_token).status == 400);
  CHECK(f.call("PATCH", path, R"({"cis":[]})", f.rm_token).status == 400);

  auto edited = f.call("PATCH", path,
                       R"({"title":"Upgrade payments and db","cis":["pay-api","pay-db"],)"
                       R"("note":"db too"})",
                       f.rm_token);
  REQUIRE(edited.status == 200);
  auto body = body_of(edited);
  CHECK(body.at("title").as_string() == "Upgrade payments and db");
  CHECK(body.at("cis").as_array().size() == 2);
  const auto& events = body.at("events").as_array();
  REQUIRE(events.size() == 2);
  CHECK(events[1].at("action").as_string() == "update");
  CHECK(events[1].at("actor").as_string() == "rm");
  CHECK(events[1].at("note").as_string() == "db too (title, cis)");

  // Submitted: the ECCB decides on what it saw.
  REQUIRE(f.step(draft.id, RfcAction::submit, f.rm).ok());
  auto late = f.call("PATCH", path, R"({"title":"Sneaky"})", f.rm_token);
  CHECK(late.status == 409);
  CHECK(type_of(late) == "urn:tollgate:problem:rfc-not-draft");
  CHECK(f.app->rfcs.get(draft.id)->title == "Upgrade payments and db");
}
