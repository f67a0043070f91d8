#include "server/http/request_target.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace tollgate::server {
namespace {

using Strings = std::vector<std::string>;
using Query = std::vector<std::pair<std::string, std::string>>;

Strings segments(std::string_view target) {
  auto parsed = parse_request_target(target);
  REQUIRE(parsed.ok());
  return parsed->segments;
}

Query query(std::string_view target) {
  auto parsed = parse_request_target(target);
  REQUIRE(parsed.ok());
  return parsed->query;
}

}  // namespace

TEST_CASE("parse_request_target: one decoded segment per '/'") {
  CHECK(segments("/") == Strings{""});
  CHECK(segments("/api/v1/cis") == Strings{"api", "v1", "cis"});
  CHECK(segments("/a/") == Strings{"a", ""});
  CHECK(segments("//") == Strings{"", ""});
  CHECK(segments("/a%2Fb/c%20d") == Strings{"a/b", "c d"});
  CHECK(segments("/%2e%2e/x") == Strings{"..", "x"});
  CHECK(segments("/a%00b") == Strings{std::string("a\0b", 3)});
  CHECK(segments("/.//a") == Strings{".", "", "a"});  // not hidden as URL parsers do
  CHECK(segments("/.///") == Strings{".", "", "", ""});
  CHECK(parse_request_target("/api/v1/cis/x")->path == "/api/v1/cis/x");
}

TEST_CASE("parse_request_target: the query's parameters, decoded, in order") {
  CHECK(query("/x").empty());
  CHECK(query("/x?limit=10&cursor=YWJj") == Query{{"limit", "10"}, {"cursor", "YWJj"}});
  CHECK(query("/x?a+b=c%20d&flag&=v") == Query{{"a b", "c d"}, {"flag", ""}, {"", "v"}});
  CHECK(query("/x?k=%2B%26%3D") == Query{{"k", "+&="}});
  CHECK(query("/x?") == Query{{"", ""}});
}

TEST_CASE("parse_request_target refuses what is not an origin-form target") {
  for (const char* target : {"", "*", "cis", "http://host/cis", "/a b", "/cis#top", "/%zz",
                             "/cis?limit=%", "/caf\xc3\xa9"}) {
    CAPTURE(target);
    auto parsed = parse_request_target(target);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid);
  }
}

}  // namespace tollgate::server
