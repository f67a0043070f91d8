// Globs and regular expressions over paths, matched without backtracking: their syntax, the
// refusals, and patterns that make a backtracking matcher take exponential time.
#include "cli/path_pattern.hpp"

#include <doctest/doctest.h>

#include <string>

namespace tollgate::cli {
namespace {

bool glob(std::string_view pattern, std::string_view subject) {
  return PathPattern::glob(pattern).matches(subject);
}

PathPattern regex(std::string_view expression) {
  auto pattern = PathPattern::regex(expression);
  REQUIRE_MESSAGE(pattern.ok(), pattern.status().to_string());
  return std::move(pattern).value();
}

bool full(std::string_view expression, std::string_view subject) {
  return regex(expression).matches(subject);
}

bool prefix(std::string_view expression, std::string_view subject) {
  return regex(expression).matches_prefix(subject);
}

std::string refusal(std::string_view expression) {
  auto pattern = PathPattern::regex(expression);
  REQUIRE_FALSE(pattern.ok());
  CHECK(pattern.status().code() == Code::invalid);
  return pattern.status().message();
}

}  // namespace

TEST_CASE("path pattern: glob wildcards stay within a component unless doubled") {
  CHECK(glob("*.log", "app.log"));
  CHECK(glob("*.log", ".log"));
  CHECK_FALSE(glob("*.log", "var/app.log"));
  CHECK_FALSE(glob("*.log", "app.log.1"));
  CHECK(glob("app.?", "app.1"));
  CHECK_FALSE(glob("app.?", "app./"));
  CHECK_FALSE(glob("app.?", "app."));
  CHECK(glob("a/**", "a/b/c"));
  CHECK(glob("a/**", "a/"));
  CHECK(glob("a/**/z", "a/z"));
  CHECK(glob("a/**/z", "a/b/c/z"));
  CHECK_FALSE(glob("a/**/z", "a/bz"));  // "**/" is nothing or a run ending in '/'
  CHECK(glob("**/*.bak", "x.bak"));
  CHECK(glob("**/*.bak", "x/y/z.bak"));
  CHECK(glob("a**b", "a/x/b"));
  CHECK(glob("[x](y).+$^|\\", "[x](y).+$^|\\"));  // regex characters are literal
  CHECK_FALSE(glob("a.c", "abc"));
  CHECK(glob("", ""));
  CHECK_FALSE(glob("", "a"));
  CHECK_FALSE(PathPattern().matches(""));  // a default pattern matches nothing
}

TEST_CASE("path pattern: regular expressions — atoms, classes, escapes, anchors") {
  CHECK(full("/logs/.*", "/logs/app.log"));
  CHECK_FALSE(full("/logs/.*", "/log/app.log"));
  CHECK(full("a.c", "abc"));
  CHECK_FALSE(full("a.c", "a\nc"));  // '.' is not a line break
  CHECK(full("a\\.c", "a.c"));
  CHECK_FALSE(full("a\\.c", "abc"));
  CHECK(full("[a-c_]+", "ab_c"));
  CHECK_FALSE(full("[a-c_]+", "abd"));
  CHECK(full("[^/]+", "name"));
  CHECK_FALSE(full("[^/]+", "a/b"));
  CHECK_FALSE(full("[]a]", "]"));  // ECMAScript: [] is a class that matches nothing
  CHECK(full("[.-]x", "-x"));      // a '-' at either end of a class is literal
  CHECK(full("[\\d\\]]+", "1]2"));
  CHECK(full("\\d{3}-\\w+\\s\\S", "123-ab_9 x"));
  CHECK_FALSE(full("\\D", "5"));
  CHECK(full("\\W\\t\\/", "-\t/"));
  CHECK(full("^ab$", "ab"));
  CHECK_FALSE(full("a$b", "ab"));
  CHECK(prefix("^/tmp", "/tmpfile"));
  CHECK_FALSE(prefix("x^", "x"));  // '^' only at the start
}

TEST_CASE("path pattern: regular expressions — groups, alternation, quantifiers") {
  CHECK(full("(ab|cd)+", "abcdab"));
  CHECK_FALSE(full("(ab|cd)+", ""));
  CHECK(full("(?:x|y)*z?", "xyx"));
  CHECK(full("a|", ""));  // an empty alternative
  CHECK(full("colou?r", "color"));
  CHECK(full("a*?b+?c??", "aabb"));  // lazy quantifiers match the same strings
  CHECK(full("a{3}", "aaa"));
  CHECK_FALSE(full("a{3}", "aa"));
  CHECK_FALSE(full("a{3}", "aaaa"));
  CHECK(full("(ab){1,2}", "abab"));
  CHECK_FALSE(full("(ab){1,2}", "ababab"));
  CHECK(full("x{2,}", "xxxxx"));
  CHECK_FALSE(full("x{2,}", "x"));
  CHECK(full("x{0}y", "y"));
  CHECK(full("(a|b){0,2}", ""));
  CHECK(full("(a(b(c)?)?)*", "aababc"));
}

TEST_CASE("path pattern: regular expressions match a prefix or the whole subject") {
  const PathPattern bak = regex(".*\\.bak$");
  CHECK(bak.matches_prefix("a/b/c.bak"));
  CHECK_FALSE(bak.matches_prefix("a/b/c.bak.1"));
  const PathPattern tmp = regex("/tmp");
  CHECK(tmp.matches_prefix("/tmp"));
  CHECK(tmp.matches_prefix("/tmp/x"));
  CHECK_FALSE(tmp.matches("/tmp/x"));
  CHECK_FALSE(tmp.matches_prefix("/x/tmp"));
  CHECK(regex("").matches_prefix("anything"));
}

TEST_CASE("path pattern: malformed and unsupported expressions are refused, saying why") {
  CHECK(refusal("([unclosed").find("missing ']'") != std::string::npos);
  CHECK(refusal("(abc").find("missing ')'") != std::string::npos);
  CHECK(refusal("abc)").find("unmatched ')'") != std::string::npos);
  CHECK(refusal("*a").find("nothing to repeat") != std::string::npos);
  CHECK(refusal("a**").find("nothing to repeat") != std::string::npos);
  CHECK(refusal("a{2").find("'}' expected") != std::string::npos);
  CHECK(refusal("a{x}").find("a number expected") != std::string::npos);
  CHECK(refusal("a{3,2}").find("m below n") != std::string::npos);
  CHECK(refusal("a{1001}").find("above 1000") != std::string::npos);
  CHECK(refusal("[z-a]").find("out of order") != std::string::npos);
  CHECK(refusal("(a)\\1").find("\\1 is not supported") != std::string::npos);
  CHECK(refusal("\\bword").find("\\b is not supported") != std::string::npos);
  CHECK(refusal("(?=a)").find("lookaround") != std::string::npos);
  CHECK(refusal("a\\").find("trailing backslash") != std::string::npos);
  CHECK(refusal(std::string(100, '(') + std::string(100, ')')).find("nested too deeply") !=
        std::string::npos);
  CHECK(refusal("((a{1000}){1000}){1000}").find("too large") != std::string::npos);
  CHECK(PathPattern::regex("(((a)))").ok());  // nesting within the limit
}

TEST_CASE("path pattern: patterns that make backtracking exponential complete and answer") {
  const std::string as(20000, 'a');
  CHECK_FALSE(glob("a*a*a*a*a*a*a*a*b", as));
  CHECK(glob("a*a*a*a*a*a*a*a*b", as + "b"));
  CHECK_FALSE(glob("**a**a**a**a**a**a**b", as));
  CHECK_FALSE(glob("**/**/**/**/**/**/x", std::string(10000, '/')));
  CHECK_FALSE(full("(a*)*b", as));
  CHECK_FALSE(full("(a|aa)*c", as));
  CHECK_FALSE(full("(a|a)*b", as));
  CHECK(full("(a|a)*", as));
  CHECK_FALSE(prefix("(a+a+)+b", as));
  CHECK_FALSE(prefix("(.*a){20}b", as));
  CHECK(prefix("(.*a){20}", as));
}

}  // namespace tollgate::cli
