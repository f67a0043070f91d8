// problem(): the one rendering of a Status as problem+json, structured members included.
#include "server/http/problem.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

using namespace tollgate;
using namespace tollgate::server;
namespace json = boost::json;

TEST_CASE("a problem names its slug on the response and in its type") {
  Response r = problem(not_found("no CI 'x'"));
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/problem+json");
  CHECK(r.problem == "not-found");
  CHECK(r.body == R"({"type":"urn:tollgate:problem:not-found","title":"Not found","status":404,)"
                  R"("detail":"no CI 'x'"})");
  CHECK(problem(conflict("stale").with_reason("stale-revision")).problem == "stale-revision");
}

TEST_CASE("items become errors; members follow, in their order, as members of their own") {
  Response r =
      problem(conflict("rel-1 cannot enter UAT: 1 requirement(s) unmet")
                  .with_reason("gates-unmet")
                  .with_members(
                      {{"unmet", json::array{json::object{
                                     {"gate", "trr"}, {"reason", "missing"}, {"detail", "none"}}}},
                       {"note", "x"}}));
  CHECK(r.status == 409);
  CHECK(r.problem == "gates-unmet");
  CHECK(r.body == R"({"type":"urn:tollgate:problem:gates-unmet","title":"Conflict","status":409,)"
                  R"("detail":"rel-1 cannot enter UAT: 1 requirement(s) unmet",)"
                  R"("unmet":[{"gate":"trr","reason":"missing","detail":"none"}],"note":"x"})");

  Response invalid_body =
      problem(invalid("2 errors").with_reason("validation").with_items({"a: required", "b: bad"}));
  CHECK(invalid_body.body ==
        R"({"type":"urn:tollgate:problem:validation","title":"Invalid request","status":400,)"
        R"("detail":"2 errors","errors":["a: required","b: bad"]})");
}

TEST_CASE("a range no code names is a 416 problem with the status's members") {
  Response r = range_not_satisfiable(
      invalid("continue at 5").with_reason("upload-range-mismatch").with_members({{"offset", 5u}}));
  CHECK(r.status == 416);
  CHECK(r.problem == "upload-range-mismatch");
  CHECK(r.body ==
        R"({"type":"urn:tollgate:problem:upload-range-mismatch","title":"Range not satisfiable",)"
        R"("status":416,"detail":"continue at 5","offset":5})");
}
