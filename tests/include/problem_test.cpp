// The wire form of problems, shared by the server and the CLI.
#include "tollgate/problem.hpp"

#include <doctest/doctest.h>

using namespace tollgate;

TEST_CASE("problem: every code survives the trip to an HTTP status and back") {
  for (Code code :
       {Code::invalid, Code::unauthorized, Code::forbidden, Code::not_found,
        Code::method_not_allowed, Code::not_acceptable, Code::conflict, Code::precondition_failed,
        Code::too_large, Code::unsupported_media, Code::precondition_required,
        Code::request_timeout, Code::too_many_requests, Code::storage_full, Code::unavailable})
    CHECK(code_for_http_status(http_status(code)) == code);
  for (Code code : {Code::corrupt, Code::io, Code::internal}) CHECK(http_status(code) == 500);
  CHECK(http_status(Code::ok) == 200);
  CHECK(code_for_http_status(410) == Code::not_found);
  CHECK(code_for_http_status(418) == Code::invalid);
  CHECK(code_for_http_status(502) == Code::internal);
}

TEST_CASE("problem: slugs from reasons or code names, and their type URIs") {
  CHECK(problem_slug(Status(Code::not_found, "x")) == "not-found");
  CHECK(problem_slug(Status(Code::precondition_required, "x")) == "precondition-required");
  CHECK(problem_slug(Status(Code::conflict, "x").with_reason("release-deployed")) ==
        "release-deployed");
  CHECK(problem_type_uri("unmet-gates") == "urn:tollgate:problem:unmet-gates");
  CHECK(slug_of_problem_type("urn:tollgate:problem:unmet-gates") == "unmet-gates");
  CHECK(slug_of_problem_type("about:blank") == "about:blank");
}
