#include "tollgate/status.hpp"

#include <doctest/doctest.h>

#include "tollgate/ids.hpp"

using namespace tollgate;

namespace {
Result<int> parse_positive(int v) {
  if (v <= 0) return invalid("not positive");
  return v;
}

Status chain(int v, int& out) {
  TG_ASSIGN_OR_RETURN(out, parse_positive(v));
  TG_RETURN_IF_ERROR(v > 100 ? conflict("too big") : Status());
  return {};
}
}  // namespace

TEST_CASE("an ok status carries nothing and copies cheaply") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.code() == Code::ok);
  CHECK(ok.message().empty());
  CHECK(ok.items().empty());
  Status copy = ok;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
  CHECK(copy.ok());
}

TEST_CASE("an error keeps code, message, reason and items through copies") {
  Status st = Status(Code::invalid, "bad").with_reason("validation").with_items({"a", "b"});
  Status copy = st;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
  CHECK_FALSE(copy.ok());
  CHECK(copy.code() == Code::invalid);
  CHECK(copy.message() == "bad");
  CHECK(copy.reason() == "validation");
  CHECK(copy.items().size() == 2);
  CHECK(copy.to_string() == "invalid: bad");
}

TEST_CASE("an error carries structured members, in order, through copies and moves") {
  Status st = conflict("2 requirement(s) unmet")
                  .with_reason("gates-unmet")
                  .with_members({{"unmet", boost::json::array{"trr", "uat"}}, {"offset", 7}});
  Status copy = st;
  REQUIRE(copy.members().size() == 2);
  CHECK(copy.members().begin()->key() == "unmet");
  CHECK(copy.members().at("unmet").as_array().size() == 2);
  CHECK(copy.members().at("offset").as_int64() == 7);
  CHECK(copy.items().empty());
  Status moved = std::move(copy);
  CHECK(moved.members().at("unmet").as_array().at(1).as_string() == "uat");
  CHECK(st.members().size() == 2);  // the copy was deep
}

TEST_CASE("an ok status has no members and ignores any given to it") {
  CHECK(Status().members().empty());
  Status ok = Status().with_members({{"offset", 1}});
  CHECK(ok.ok());
  CHECK(ok.members().empty());
}

TEST_CASE("Result holds a value or an error, and the macros propagate errors") {
  int out = 0;
  CHECK(chain(5, out).ok());
  CHECK(out == 5);
  CHECK(chain(-1, out).code() == Code::invalid);
  CHECK(chain(500, out).code() == Code::conflict);
  Result<int> r = Status();  // an ok status is not a value: it becomes an internal error
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == Code::internal);
}

TEST_CASE("slugs") {
  CHECK(is_slug("payments-api"));
  CHECK(is_slug("db01.prod"));
  CHECK(is_slug("a"));
  CHECK_FALSE(is_slug(""));
  CHECK_FALSE(is_slug("-lead"));
  CHECK_FALSE(is_slug(".hidden"));
  CHECK_FALSE(is_slug("Upper"));
  CHECK_FALSE(is_slug("a/b"));
  CHECK_FALSE(is_slug("a b"));
  CHECK_FALSE(is_slug(std::string(129, 'a')));
  CHECK(is_slug(std::string(128, 'a')));
}
