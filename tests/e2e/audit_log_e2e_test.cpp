// The audit log against a real tollgated: entries for requests over HTTPS, the checkpoint a clean
// shutdown commits to the vault, and a log edited offline, directly in LMDB, named at the right
// entry by `tollgated check` and by GET /api/v1/audit-log/verify after a restart.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/schema_version.hpp"
#include "storage/lmdb_store.hpp"
#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

using namespace tollgate;  // NOLINT(google-build-using-namespace)
using tollgate::client::HttpClient;
using tollgate::e2e::body_of;
using tollgate::e2e::contains;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::run_command;
using tollgate::e2e::ServerProcess;
namespace json = boost::json;

namespace {

std::string tollgated(const ServerProcess& server, const std::string& args) {
  return run_command(
      fmt::format("{} {} --data-dir {} 2>&1", TOLLGATED_PATH, args, server.data_dir()));
}

// `tollgate ARGS` against `server` with `token`; stdout+stderr, then "exit=N".
std::string cli(const ServerProcess& server, const std::string& token, const std::string& args) {
  return run_command(fmt::format(
      "XDG_CONFIG_HOME={0}/config XDG_CACHE_HOME={0}/cache TOLLGATE_SERVER=https://127.0.0.1:{1} "
      "TOLLGATE_CA={2} TOLLGATE_TOKEN={3} {4} {5} 2>&1",
      server.temp_dir(), server.port(), server.ca_file(), token, TOLLGATE_CLI_PATH, args));
}

}  // namespace

TEST_CASE("audit log over HTTPS: entries, a vault checkpoint, and an offline edit detected") {
  ServerProcess server;
  REQUIRE(server.start().ok());
  HttpClient admin = server.admin_client();
  HttpClient auditor = server.client(mint_token(admin, "audrey", "auditor"));

  auto created =
      must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service","attributes":[]})",
                         {{"Content-Type", "application/json"}}));
  REQUIRE(created.status == 201);
  auto refused = must(admin.request("POST", "/api/v1/ci-types", R"({"name":"service"})",
                                    {{"Content-Type", "application/json"}}));
  REQUIRE(refused.status == 400);
  // A write without a valid token is refused and enters no entry, only a counter.
  HttpClient anonymous = server.client();
  REQUIRE(must(anonymous.request("POST", "/api/v1/ci-types", R"({"name":"x","attributes":[]})",
                                 {{"Content-Type", "application/json"}}))
              .status == 401);
  CHECK(contains(must(anonymous.request("GET", "/metrics")).body,
                 "\ntollgate_unauthenticated_writes_total 1\n"));

  auto listed = must(auditor.request("GET", "/api/v1/audit-log?action=ci-types"));
  REQUIRE_MESSAGE(listed.status == 200, listed.body);
  auto items = body_of(listed).at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("outcome").as_string() == "committed");
  CHECK(items[0].at("request_id").as_string() == created.header("x-request-id"));
  CHECK(items[1].at("outcome").as_string() == "refused");
  CHECK(items[1].at("status").as_int64() == 400);
  // Before these: the bootstrap admin (at the first start), the auditor's user and token.
  CHECK(items[0].at("sequence").as_int64() == 4);
  auto first = body_of(must(auditor.request("GET", "/api/v1/audit-log?limit=1")));
  CHECK(first.at("items").at(0).at("action").as_string() == "tollgated bootstrap");

  auto verified = must(auditor.request("GET", "/api/v1/audit-log/verify"));
  REQUIRE(verified.status == 200);
  CHECK(body_of(verified).at("valid").as_bool());

  // The same through the CLI, as the auditor.
  const std::string token = auditor.options().token;
  std::string out = cli(server, token, "audit-log --action ci-types");
  CHECK_MESSAGE(contains(out, "committed"), out);
  CHECK(contains(out, "refused 400 validation"));
  CHECK(contains(out, "POST /api/v1/ci-types"));
  CHECK(contains(out, "exit=0"));
  out = cli(server, token, "--json audit-log --limit 1");
  CHECK_MESSAGE(contains(out, R"("action":"tollgated bootstrap")"), out);
  CHECK_FALSE(contains(out, R"("sequence":2)"));
  out = cli(server, token, "audit-log verify");
  CHECK_MESSAGE(contains(out, "audit log intact: 5 entries"), out);
  CHECK(contains(out, "exit=0"));
  CHECK(contains(cli(server, server.bootstrap_token(), "audit-log --actor nobody"), "exit=0"));

  // A clean stop commits the chain head to the vault; check agrees with it.
  REQUIRE(server.stop() == 0);
  std::string report = tollgated(server, "check");
  CHECK_MESSAGE(contains(report, "audit log: 5 entries, chain intact, 1 vault checkpoints agree"),
                report);
  CHECK(contains(report, "exit=0"));

  // Behind the server's back: entry 4 now claims someone else created the type.
  {
    storage::LmdbOptions options;
    options.path = server.data_dir() + "/db";
    options.schema_version = server::kSchemaVersion;
    auto store = storage::LmdbStore::open(options);
    REQUIRE_MESSAGE(store.ok(), store.status().message());
    REQUIRE((*store)
                ->write([](storage::WriteTxn& txn) {
                  auto value = txn.get(storage::Table::audit_log, storage::be64(4));
                  REQUIRE(value);
                  auto entry = json::parse(*value).as_object();
                  entry["actor"] = "mallory";
                  txn.put(storage::Table::audit_log, storage::be64(4), json::serialize(entry));
                  return Status();
                })
                .ok());
  }
  report = tollgated(server, "check");
  CHECK_MESSAGE(contains(report, "audit log: broken at entry 4"), report);
  CHECK(contains(report, "exit=1"));

  REQUIRE(server.start().ok());
  HttpClient again = server.client(auditor.options().token);
  verified = must(again.request("GET", "/api/v1/audit-log/verify"));
  REQUIRE(verified.status == 200);
  auto body = body_of(verified);
  CHECK_FALSE(body.at("valid").as_bool());
  CHECK(body.at("first_broken").at("sequence").as_int64() == 4);
  out = cli(server, token, "audit-log verify");
  CHECK_MESSAGE(contains(out, "the audit log is broken at entry 4"), out);
  CHECK(contains(out, "exit=3"));
}
