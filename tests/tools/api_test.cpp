#include "cli/api.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "cli/commands.hpp"

using namespace tollgate;
using namespace tollgate::cli;
using tollgate::client::HttpResponse;

namespace {

HttpResponse answer(unsigned status, std::string content_type, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"content-type", std::move(content_type)}};
  response.body = std::move(body);
  return response;
}

}  // namespace

TEST_CASE("coordinates are CI/VERSION/FILE") {
  auto coordinate = parse_coordinate("payments-api/1.2.0/app.tar.gz");
  REQUIRE(coordinate.ok());
  CHECK(coordinate->ci == "payments-api");
  CHECK(coordinate->version == "1.2.0");
  CHECK(coordinate->file == "app.tar.gz");
  CHECK(coordinate->to_string() == "payments-api/1.2.0/app.tar.gz");
  for (const char* bad : {"", "a", "a/b", "a/b/", "/b/c", "a//c", "a/b/c/d", "a/b/..", "a/./c"}) {
    CAPTURE(bad);
    auto parsed = parse_coordinate(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid);
  }
}

TEST_CASE("artifact paths percent-encode each part") {
  CHECK(percent_encode("A-z_0.9~") == "A-z_0.9~");
  CHECK(percent_encode("a b/c%d?") == "a%20b%2Fc%25d%3F");
  CHECK(percent_encode("\xc3\xa9") == "%C3%A9");
  CHECK(artifact_path({"ci", "1.0 rc", "app#1.tgz"}) ==
        "/api/v1/artifacts/ci/1.0%20rc/app%231.tgz");
}

TEST_CASE("problem+json answers become a Status of title and detail") {
  const auto conflict = problem_status(
      answer(409, "application/problem+json",
             R"({"type":"urn:tollgate:problem:conflict","title":"Conflict","status":409,)"
             R"("detail":"ci/1/app.tgz holds another digest","existing":"ab","declared":"cd"})"));
  CHECK(conflict.code() == Code::conflict);
  CHECK(conflict.message() == "Conflict: ci/1/app.tgz holds another digest");
  CHECK(conflict.reason() == "conflict");

  const auto corrupt = problem_status(
      answer(500, "application/problem+json",
             R"({"type":"urn:tollgate:problem:corrupt-blob","title":"Stored data is corrupt",)"
             R"("status":500,"detail":"blob ab quarantined"})"));
  CHECK(corrupt.code() == Code::corrupt);
  CHECK(exit_code(corrupt) == kExitVerification);

  const auto unknown = answer(404, "application/problem+json",
                              R"({"type":"urn:tollgate:problem:blob-unknown","title":"Not found",)"
                              R"("status":404,"detail":"no blob"})");
  CHECK(problem_slug(unknown) == "blob-unknown");
  CHECK(problem_status(unknown).code() == Code::not_found);
}

TEST_CASE("answers that are no problem still make a readable Status") {
  const auto html = problem_status(answer(502, "text/html", "<h1>Bad gateway</h1>\n"));
  CHECK(html.code() == Code::internal);
  CHECK(html.message() == "HTTP 502: <h1>Bad gateway</h1>");
  CHECK(problem_slug(answer(502, "text/html", "")).empty());
  CHECK(problem_status(answer(403, "", "")).message() == "HTTP 403");
  CHECK(problem_status(answer(403, "", "")).code() == Code::forbidden);
  const auto broken = problem_status(answer(400, "application/problem+json", "{not json"));
  CHECK(broken.code() == Code::invalid);
  CHECK(broken.message() == "HTTP 400: {not json");
}

TEST_CASE("exit codes") {
  CHECK(exit_code(Status()) == kExitOk);
  CHECK(exit_code(Status(Code::unavailable, "x")) == kExitFailure);
  CHECK(exit_code(Status(Code::corrupt, "x")) == kExitVerification);
}

TEST_CASE("json_object") {
  CHECK(json_object(answer(200, "application/json", R"({"a":1})")).ok());
  CHECK_FALSE(json_object(answer(200, "application/json", "[1]")).ok());
  CHECK_FALSE(json_object(answer(200, "application/json", "")).ok());
}

TEST_CASE("list_text joins an array field; query_string leaves out empty values") {
  const auto item = boost::json::parse(R"({"roles":["admin","viewer"],"n":[1,{"a":2}],"e":[]})");
  CHECK(list_text(item, "roles") == "admin,viewer");
  CHECK(list_text(item, "n") == R"(1,{"a":2})");
  CHECK(list_text(item, "e") == "-");
  CHECK(list_text(item, "missing", "all") == "all");
  CHECK(list_text(boost::json::value(3), "roles") == "-");
  CHECK(query_string({{"type", "service"}, {"status", ""}, {"q", "a b&c"}}) ==
        "type=service&q=a%20b%26c");
  CHECK(query_string({{"user", ""}}).empty());
}
