// Change control over real HTTPS against a real tollgated, with distinct role tokens: an RFC
// from creation to approval by another change manager, configuration control of a controlled
// CI, and the `tollgate rfc` round trip with --json.
#include <doctest/doctest.h>

#include <string>
#include <tuple>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::check_problem;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
namespace json = boost::json;

namespace {

struct Fixture {
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  std::string rm_token, cm1_token, cm2_token;

  Fixture() : server({"--config", TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"}) {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    REQUIRE(must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})"))
                .status == 201);
    REQUIRE(must(admin.request("POST", "/api/v1/cis",
                               R"({"id":"ledger","type":"service","name":"Ledger"})"))
                .status == 201);
    REQUIRE(
        must(admin.request("POST", "/api/v1/cis", R"({"id":"web","type":"service","name":"Web"})"))
            .status == 201);
    REQUIRE(must(admin.request("POST", "/api/v1/relationships",
                               R"({"from":"web","type":"depends_on","to":"ledger"})"))
                .status == 201);
    // Controlled from now on: its relationships too change only under an approved RFC.
    REQUIRE(must(admin.request("PATCH", "/api/v1/cis/ledger", R"({"controlled":true})",
                               {{"If-Match", "\"1\""}}))
                .status == 200);
    rm_token = mint_token(admin, "rm", "release_manager");
    cm1_token = mint_token(admin, "cm1", "change_manager");
    cm2_token = mint_token(admin, "cm2", "change_manager");
  }

  // `tollgate --json ARGS` as `token`; standard output then "\nexit=N".
  std::string cli(const std::string& args, const std::string& token) const {
    return run_command(fmt::format(
        "HOME={} {} --server https://127.0.0.1:{} --ca {} --token {} --json {} 2>/dev/null",
        server.temp_dir(), TOLLGATE_CLI_PATH, server.port(), server.ca_file(), token, args));
  }
};

// The JSON document a `--json` run printed (everything before "\nexit=").
json::object printed(const std::string& run) {
  const auto end = run.rfind("\nexit=");
  REQUIRE(end != std::string::npos);
  boost::system::error_code ec;
  json::value v = json::parse(run.substr(0, end), ec);
  REQUIRE_MESSAGE(!ec, run);
  REQUIRE(v.is_object());
  return v.as_object();
}

bool exited(const std::string& run, int code) {
  return run.ends_with(fmt::format("\nexit={}", code));
}

}  // namespace

TEST_CASE("rfc e2e: an approved RFC lets a controlled CI change, and only then") {
  Fixture f;
  HttpClient rm = f.server.client(f.rm_token);
  HttpClient cm1 = f.server.client(f.cm1_token);
  HttpClient cm2 = f.server.client(f.cm2_token);

  auto created = must(rm.request("POST", "/api/v1/rfcs",
                                 R"({"title":"Ledger 2.0","description":"new schema",
                                     "cis":["ledger"],"category":"normal",
                                     "impact":{"risk":"high","resources":"2 DBAs",
                                               "cycle_time":"1 day"}})"));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  auto rfc = body_of(created);
  const std::string id(rfc.at("id").as_string());
  CHECK(id == "rfc-1");
  CHECK(created.header("location") == "/api/v1/rfcs/rfc-1");
  CHECK(rfc.at("state").as_string() == "draft");
  const auto& dependents = rfc.at("impact_analysis").at("ledger").as_array();
  REQUIRE(dependents.size() == 1);
  CHECK(dependents[0].at("id").as_string() == "web");

  // Not approved yet: the controlled CI refuses the change.
  const std::string patch = R"({"name":"Ledger v2","rfc":"rfc-1"})";
  check_problem(must(rm.request("PATCH", "/api/v1/cis/ledger", patch, {{"If-Match", "\"2\""}})),
                409, "rfc-not-approved");

  auto submitted = must(cm1.request("POST", "/api/v1/rfcs/rfc-1/submit", R"({"note":"ready"})"));
  REQUIRE_MESSAGE(submitted.status == 200, submitted.body);
  // Neither its submitter nor its creator decides it, even as a change manager; admin does not
  // vote at all, nor does a release manager.
  check_problem(must(cm1.request("POST", "/api/v1/rfcs/rfc-1/approve")), 403, "self-approval");
  HttpClient creator = f.server.client(mint_token(f.admin, "rm", "change_manager"));
  check_problem(must(creator.request("POST", "/api/v1/rfcs/rfc-1/approve")), 403, "self-approval");
  check_problem(must(f.admin.request("POST", "/api/v1/rfcs/rfc-1/approve")), 403, "forbidden-role");
  check_problem(must(rm.request("POST", "/api/v1/rfcs/rfc-1/approve")), 403, "forbidden-role");
  auto approved = must(cm2.request("POST", "/api/v1/rfcs/rfc-1/approve", R"({"note":"go"})"));
  REQUIRE_MESSAGE(approved.status == 200, approved.body);
  auto decided = body_of(approved);
  CHECK(decided.at("state").as_string() == "approved");
  CHECK(decided.at("submitted_by").as_string() == "cm1");
  CHECK(decided.at("decided_by").as_string() == "cm2");
  const auto& events = decided.at("events").as_array();
  REQUIRE(events.size() == 3);
  CHECK(events[2].at("actor").as_string() == "cm2");
  CHECK(events[2].at("note").as_string() == "go");
  check_problem(must(cm2.request("POST", "/api/v1/rfcs/rfc-1/approve")), 409, "illegal-transition");

  // Without the RFC: refused; with it: the change and its history entry.
  check_problem(must(rm.request("PATCH", "/api/v1/cis/ledger", R"({"name":"Ledger v2"})",
                                {{"If-Match", "\"2\""}})),
                409, "rfc-required");
  auto changed = must(rm.request("PATCH", "/api/v1/cis/ledger", patch, {{"If-Match", "\"2\""}}));
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  CHECK(body_of(changed).at("name").as_string() == "Ledger v2");
  auto history = body_of(must(rm.request("GET", "/api/v1/cis/ledger/history")));
  const auto& entries = history.at("items").as_array();
  REQUIRE(entries.size() == 3);  // created, controlled, changed
  CHECK(entries[2].at("rfc").as_string() == "rfc-1");
  CHECK(entries[2].at("actor").as_string() == "rm");
  check_problem(must(rm.request("PATCH", "/api/v1/cis/ledger", R"({"name":"Ledger v3"})",
                                {{"If-Match", "\"3\""}})),
                409, "rfc-required");

  auto listed = body_of(must(rm.request("GET", "/api/v1/rfcs?state=approved&ci=ledger")));
  REQUIRE(listed.at("items").as_array().size() == 1);
  CHECK(listed.at("items").as_array()[0].at("id").as_string() == "rfc-1");
}

TEST_CASE("rfc e2e: tollgate rfc create, steps, show and ls with --json") {
  Fixture f;
  const std::string create = f.cli(
      "rfc create --title 'Web cache' --description 'add a cache' --ci web --ci ledger "
      "--category standard --risk low --resources '1 engineer' --cycle-time '2 hours'",
      f.rm_token);
  REQUIRE_MESSAGE(exited(create, 0), create);
  auto rfc = printed(create);
  const std::string id(rfc.at("id").as_string());
  CHECK(rfc.at("state").as_string() == "draft");
  CHECK(rfc.at("category").as_string() == "standard");
  CHECK(rfc.at("impact").at("cycle_time").as_string() == "2 hours");
  CHECK(rfc.at("cis").as_array().size() == 2);

  // A draft is corrected by the one who raised it; the edit is an event.
  CHECK(exited(f.cli("rfc edit " + id + " --title 'Not mine'", f.cm1_token), 1));
  CHECK(exited(f.cli("rfc edit " + id + " --resources '2 engineers'", f.rm_token), 1));
  const std::string edited =
      f.cli("rfc edit " + id + " --title 'Web cache v2' --risk medium --note 'bigger'", f.rm_token);
  REQUIRE_MESSAGE(exited(edited, 0), edited);
  CHECK(printed(edited).at("title").as_string() == "Web cache v2");
  CHECK(printed(edited).at("impact").at("risk").as_string() == "medium");
  CHECK(printed(edited).at("events").as_array().back().at("action").as_string() == "update");

  const std::string submitted = f.cli("rfc submit " + id + " --note 'please'", f.rm_token);
  REQUIRE_MESSAGE(exited(submitted, 0), submitted);
  CHECK(printed(submitted).at("state").as_string() == "submitted");

  // A refusal exits non-zero and prints nothing on standard output.
  const std::string self = f.cli("rfc approve " + id, f.rm_token);
  CHECK(exited(self, 1));
  CHECK(self.starts_with("\nexit="));

  for (const auto& [step, token, state] : {std::tuple{"approve", f.cm1_token, "approved"},
                                           std::tuple{"implement", f.rm_token, "implemented"},
                                           std::tuple{"review", f.cm2_token, "reviewed"},
                                           std::tuple{"close", f.cm1_token, "closed"}}) {
    const std::string run = f.cli(fmt::format("rfc {} {}", step, id), token);
    REQUIRE_MESSAGE(exited(run, 0), run);
    CHECK(printed(run).at("state").as_string() == state);
  }
  const std::string shown = f.cli("rfc show " + id, f.rm_token);
  REQUIRE_MESSAGE(exited(shown, 0), shown);
  auto final_rfc = printed(shown);
  CHECK(final_rfc.at("events").as_array().size() == 7);
  CHECK(exited(f.cli("rfc edit " + id + " --title 'Too late'", f.rm_token), 1));
  CHECK(final_rfc.at("impact_analysis").at("ledger").as_array().size() == 1);

  const std::string listed = f.cli("rfc ls --state closed", f.rm_token);
  REQUIRE_MESSAGE(exited(listed, 0), listed);
  auto items = printed(listed).at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(items[0].at("id").as_string() == id);
  const std::string none = f.cli("rfc ls --ci web --state draft", f.rm_token);
  CHECK(printed(none).at("items").as_array().empty());
  CHECK(exited(f.cli("rfc show rfc-99", f.rm_token), 1));
}
