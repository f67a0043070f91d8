// People and tokens: users, narrowing, expiry, revocation and disabling on the next request,
// last use, the bootstrap token, and the migration of schema-1 tokens into users.
#include "server/domain/identity/auth.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/schema_version.hpp"
#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

constexpr Micros kDay = 86'400'000'000;

json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }

std::string type_of(const Response& r) {
  return std::string(body_of(r).at("type").as_string().subview().substr(21));
}

}  // namespace

TEST_CASE("users are people with unique, unreserved ids, known roles and environments") {
  AppFixture f;
  auto created = f.call("POST", "/api/v1/users",
                        R"({"id":"alice","name":"Alice Doe","email":"alice@example.org",
                            "roles":["release_manager","requester"],"environments":["SIT"]})");
  REQUIRE(created.status == 201);
  CHECK(body_of(created).at("created_by").as_string() == "admin");
  auto again = f.call("POST", "/api/v1/users", R"({"id":"alice","name":"A","roles":["viewer"]})");
  CHECK(again.status == 409);
  CHECK(type_of(again) == "user-exists");
  for (const char* reserved : {"tollgated", "system"}) {
    auto r = f.call("POST", "/api/v1/users",
                    fmt::format(R"({{"id":"{}","name":"x","roles":["viewer"]}})", reserved));
    CHECK(r.status == 400);
    CHECK(type_of(r) == "reserved-user");
  }
  CHECK(f.call("POST", "/api/v1/users", R"({"id":"bob","name":"Bob","roles":["wizard"]})").status ==
        400);
  auto env = f.call("POST", "/api/v1/users",
                    R"({"id":"bob","name":"Bob","roles":["viewer"],"environments":["QA"]})");
  CHECK(env.status == 400);
  CHECK(type_of(env) == "unknown-environment");
  CHECK(f.call("POST", "/api/v1/users", R"({"id":"bob","name":"Bob","roles":["viewer"],"x":1})")
            .status == 400);
  CHECK(
      f.call("POST", "/api/v1/users", R"({"id":"Bob!","name":"Bob","roles":["viewer"]})").status ==
      400);
  // Refusals wrote nothing.
  CHECK(f.count(storage::Table::users) == 2);  // admin and alice
  auto listed = body_of(f.call("GET", "/api/v1/users"));
  CHECK(listed.at("items").as_array().size() == 2);
  auto patched = f.call("PATCH", "/api/v1/users/alice", R"({"roles":["tester"]})");
  REQUIRE(patched.status == 200);
  CHECK(body_of(patched).at("roles").as_array() == json::array{"tester"});
  CHECK(f.call("PATCH", "/api/v1/users/nobody", R"({"name":"x"})").status == 404);
  // Only admins manage users.
  const auto viewer = f.token_with(Role::viewer, "vic");
  CHECK(f.call("POST", "/api/v1/users", R"({"id":"eve","name":"Eve","roles":["admin"]})", viewer)
            .status == 403);
  CHECK(f.call("PATCH", "/api/v1/users/vic", R"({"roles":["admin"]})", viewer).status == 403);
}

TEST_CASE("a token narrows its user and never widens it") {
  AppFixture f;
  f.ensure_user("alice", {Role::release_manager, Role::tester});
  REQUIRE(f.call("PATCH", "/api/v1/users/alice", R"({"environments":["SIT","SAT"]})").status ==
          200);
  auto minted = f.call("POST", "/api/v1/tokens", R"({"user":"alice","roles":["tester"]})");
  REQUIRE(minted.status == 201);
  auto token = body_of(minted);
  CHECK(token.at("user").as_string() == "alice");
  CHECK(token.at("environments").as_array() == json::array{"SIT", "SAT"});
  auto me =
      body_of(f.call("GET", "/api/v1/whoami", "", std::string(token.at("token").as_string())));
  CHECK(me.at("user").as_string() == "alice");
  CHECK(me.at("roles").as_array() == json::array{"tester"});

  auto wider = f.call("POST", "/api/v1/tokens", R"({"user":"alice","roles":["admin"]})");
  CHECK(wider.status == 400);
  CHECK(type_of(wider) == "token-widens-user");
  auto other_env =
      f.call("POST", "/api/v1/tokens", R"({"user":"alice","environments":["production"]})");
  CHECK(other_env.status == 400);
  CHECK(type_of(other_env) == "token-widens-user");
  CHECK(f.call("POST", "/api/v1/tokens", R"({"user":"ghost"})").status == 400);
  auto too_long =
      f.call("POST", "/api/v1/tokens", R"({"user":"alice","expires_at":"2030-01-01T00:00:00Z"})");
  CHECK(too_long.status == 400);
  CHECK(type_of(too_long) == "token-expiry");

  // A non-admin mints only their own tokens, and no wider than the token they use.
  const std::string tester = std::string(token.at("token").as_string());
  auto for_other = f.call("POST", "/api/v1/tokens", R"({"user":"admin"})", tester);
  CHECK(for_other.status == 403);
  CHECK(type_of(for_other) == "token-other-user");
  auto own_wider =
      f.call("POST", "/api/v1/tokens", R"({"user":"alice","roles":["release_manager"]})", tester);
  CHECK(own_wider.status == 400);
  auto own = f.call("POST", "/api/v1/tokens", R"({"user":"alice","name":"laptop"})", tester);
  REQUIRE(own.status == 201);
  CHECK(body_of(own).at("roles").as_array() == json::array{"tester"});

  // Taking a role from the user takes it from every token at once.
  REQUIRE(f.call("PATCH", "/api/v1/users/alice", R"({"roles":["release_manager"]})").status == 200);
  auto outgrown = f.call("GET", "/api/v1/whoami", "", tester);
  CHECK(outgrown.status == 401);
  CHECK(type_of(outgrown) == "token-outgrown");
}

TEST_CASE("revoking, disabling and expiry take effect on the next request") {
  AppFixture f;
  auto token = f.mint("bob", {Role::viewer});
  CHECK(f.call("GET", "/api/v1/cis", "", token.token).status == 200);
  // Others cannot see or revoke bob's token; bob and admins can.
  const auto carol = f.token_with(Role::viewer, "carol");
  CHECK(f.call("DELETE", "/api/v1/tokens/" + token.record.id, "", carol).status == 404);
  auto mine = body_of(f.call("GET", "/api/v1/tokens", "", carol));
  CHECK(mine.at("items").as_array().size() == 1);
  CHECK(f.call("GET", "/api/v1/tokens?user=bob", "", carol).status == 403);
  CHECK(f.call("DELETE", "/api/v1/tokens/nothex", "").status == 400);
  auto revoked = f.call("DELETE", "/api/v1/tokens/" + token.record.id);
  REQUIRE(revoked.status == 200);
  CHECK(body_of(revoked).at("revoked_by").as_string() == "admin");
  auto refused = f.call("GET", "/api/v1/cis", "", token.token);
  CHECK(refused.status == 401);
  CHECK(type_of(refused) == "token-revoked");

  auto dave = f.mint("dave", {Role::viewer});
  REQUIRE(f.call("PATCH", "/api/v1/users/dave", R"({"disabled":true})").status == 200);
  auto disabled = f.call("GET", "/api/v1/cis", "", dave.token);
  CHECK(disabled.status == 401);
  CHECK(type_of(disabled) == "user-disabled");
  CHECK(f.call("POST", "/api/v1/tokens", R"({"user":"dave"})").status == 403);
  REQUIRE(f.call("PATCH", "/api/v1/users/dave", R"({"disabled":false})").status == 200);
  CHECK(f.call("GET", "/api/v1/cis", "", dave.token).status == 200);

  auto erin = f.mint("erin", {Role::viewer});
  CHECK(erin.record.expires_at == testing::kStart + 90 * kDay);
  f.clock.advance(90 * kDay);
  auto expired = f.call("GET", "/api/v1/cis", "", erin.token);
  CHECK(expired.status == 401);
  CHECK(type_of(expired) == "token-expired");
}

TEST_CASE("last use is recorded without a write per request") {
  AppFixture f;
  auto token = f.mint("bob", {Role::viewer});
  const auto writes = f.store->stats().commits;
  for (int i = 0; i < 5; ++i) CHECK(f.call("GET", "/api/v1/cis", "", token.token).status == 200);
  CHECK(f.store->stats().commits == writes);
  // Listed from memory before the flush, stored after it.
  auto listed = body_of(f.call("GET", "/api/v1/tokens?user=bob"));
  CHECK(listed.at("items").as_array()[0].at("last_used_at").as_string() ==
        format_rfc3339(testing::kStart));
  REQUIRE(f.app->tokens.flush_last_used().ok());
  std::optional<TokenRecord> stored;
  REQUIRE(f.store
              ->read([&](storage::ReadTxn& txn) {
                txn.scan(storage::Table::tokens, token.record.id, [&](auto, std::string_view v) {
                  stored = TokenRecord::from_record(v).value();
                  return false;
                });
                return Status();
              })
              .ok());
  REQUIRE(stored);
  CHECK(stored->last_used_at == testing::kStart);
}

TEST_CASE("the bootstrap token is minted once, for user admin, and delivered before it is kept") {
  AppFixture f;  // its fixture minted tokens already: bootstrap does nothing
  auto none = f.app->tokens.bootstrap([](const MintedToken&) { return Status(); });
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  testing::TempDir dir;
  storage::LmdbOptions options;
  options.path = dir.str() + "/db";
  auto store = storage::LmdbStore::open(options);
  REQUIRE(store.ok());
  ManualClock clock(testing::kStart);
  Config config;
  TokenService tokens(**store, config, clock);
  auto failed = tokens.bootstrap([](const MintedToken&) { return Status(Code::io, "disk full"); });
  CHECK_FALSE(failed.ok());
  std::string delivered;
  auto minted = tokens.bootstrap([&](const MintedToken& t) {
    delivered = t.token;
    return Status();
  });
  REQUIRE(minted.ok());
  REQUIRE(minted->has_value());
  CHECK((*minted)->token == delivered);
  auto principal = tokens.authenticate("Bearer " + delivered);
  REQUIRE(principal.ok());
  CHECK(principal->name == "admin");
  CHECK(principal->roles == std::vector<Role>{Role::admin});
}

TEST_CASE("schema 1 tokens become users of their names") {
  testing::TempDir dir;
  ManualClock clock(testing::kStart);
  Config config;
  // A schema-1 store: tokens with free-form names, no users.
  {
    storage::LmdbOptions options;
    options.path = dir.str() + "/db";
    options.schema_version = 1;
    auto store = storage::LmdbStore::open(options);
    REQUIRE(store.ok());
    REQUIRE((*store)
                ->write([](storage::WriteTxn& txn) {
                  auto put = [&](const std::string& hash, const std::string& name,
                                 const std::string& roles, const std::string& envs) {
                    txn.put(storage::Table::tokens, hash,
                            fmt::format(R"({{"id":"{}","name":"{}","roles":{},"environments":{},)"
                                        R"("created_at":"2026-11-01T00:00:00Z","created_by":"x"}})",
                                        hash.substr(0, 16), name, roles, envs));
                  };
                  put(std::string(64, 'a'), "jenkins", R"(["build_agent"])", R"(["SIT"])");
                  put(std::string(64, 'b'), "jenkins", R"(["viewer"])", R"(["SAT"])");
                  put(std::string(64, 'c'), "tollgated", R"(["admin"])", "[]");
                  return Status();
                })
                .ok());
  }
  storage::LmdbOptions options;
  options.path = dir.str() + "/db";
  options.schema_version = kSchemaVersion;
  options.migrate = [&](storage::WriteTxn& txn, std::uint32_t from) {
    REQUIRE(from == 1);
    return migrate_tokens_to_users(txn, config, clock.now());
  };
  auto store = storage::LmdbStore::open(options);
  REQUIRE(store.ok());
  UserService users(**store, config, clock);
  auto jenkins = users.get("jenkins");
  REQUIRE(jenkins.ok());
  CHECK(jenkins->roles == std::vector<Role>{Role::build_agent, Role::viewer});
  CHECK(jenkins->environments == std::vector<std::string>{"SAT", "SIT"});
  auto renamed = users.get("tollgated-user");
  REQUIRE(renamed.ok());
  CHECK(users.get("tollgated").status().code() == Code::not_found);
  std::vector<TokenRecord> records;
  REQUIRE((*store)
              ->read([&](storage::ReadTxn& txn) {
                txn.scan(storage::Table::tokens, "", [&](auto, std::string_view v) {
                  records.push_back(TokenRecord::from_record(v).value());
                  return true;
                });
                return Status();
              })
              .ok());
  REQUIRE(records.size() == 3);
  CHECK(records[0].user == "jenkins");
  CHECK(records[0].environments == std::vector<std::string>{"SIT"});
  CHECK(records[2].user == "tollgated-user");
  for (const auto& r : records) CHECK(r.expires_at == testing::kStart + 365 * kDay);
}
