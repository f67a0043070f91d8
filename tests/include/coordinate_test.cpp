#include "tollgate/coordinate.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::string_literals;
using namespace std::string_view_literals;

namespace tollgate {
namespace {

// The error message of an invalid file name, after checking code and reason.
std::string refusal(std::string_view name, ArtifactPart part = ArtifactPart::file) {
  CAPTURE(name);
  const Status st = validate_artifact_name(part, name);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::invalid);
  CHECK(st.reason() == kInvalidArtifactNameReason);
  return st.message();
}

bool accepted(std::string_view name) {
  return validate_artifact_name(ArtifactPart::file, name).ok();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("validate_artifact_name accepts ordinary names") {
  for (const char* name :
       {"payments-api", "1.4.2", "1.4.2-rc.1+build.7", "app.tar.gz", "a", "x86_64", ".hidden",
        "trailing.", "with space", "~tilde", "v1.0_final (2)", "ünïcødé-😀.bin", "日本語"}) {
    CHECK(accepted(name));
  }
}

TEST_CASE("validate_artifact_name: 1..255 bytes") {
  CHECK(contains(refusal(""), "is empty"));
  CHECK(accepted(std::string(255, 'a')));
  CHECK(contains(refusal(std::string(256, 'a')), "is 256 bytes long; at most 255"));
  // The limit counts bytes, not characters: 64 four-byte characters are 256 bytes.
  std::string emoji;
  for (int i = 0; i < 63; ++i) emoji += "😀";
  CHECK(accepted(emoji + "abc"));
  CHECK_FALSE(accepted(emoji + "😀"));
}

TEST_CASE("validate_artifact_name refuses path separators") {
  CHECK(contains(refusal("a/b"), "must not contain '/'"));
  CHECK(contains(refusal("/"), "'/'"));
  CHECK(contains(refusal("a\\b"), "must not contain '\\'"));
  CHECK(contains(refusal("C:\\x"), "'\\'"));
}

TEST_CASE("validate_artifact_name refuses dot names and any \"..\"") {
  CHECK(contains(refusal("."), "is not a name"));
  CHECK(contains(refusal(".."), "must not contain \"..\""));
  CHECK(contains(refusal("..."), "\"..\""));
  CHECK(contains(refusal("a..b"), "\"..\""));
  CHECK(contains(refusal("..hidden"), "\"..\""));
  CHECK(contains(refusal("trailing.."), "\"..\""));
  CHECK(accepted("a.b.c"));
}

TEST_CASE("validate_artifact_name refuses a leading '-'") {
  CHECK(contains(refusal("-rf"), "must not start with '-'"));
  CHECK(contains(refusal("--help"), "'-'"));
  CHECK(accepted("a-"));
  CHECK(accepted("a--b"));
}

TEST_CASE("validate_artifact_name refuses control characters") {
  CHECK(contains(refusal("a\0b"sv), "control character U+0000 at byte 1"));
  CHECK(contains(refusal("\x01"), "U+0001 at byte 0"));
  CHECK(contains(refusal("tab\there"), "U+0009"));
  CHECK(contains(refusal("line\n"), "U+000A"));
  CHECK(contains(refusal("cr\r"), "U+000D"));
  CHECK(contains(refusal("\x1f"), "U+001F"));
  CHECK(contains(refusal("del\x7f"), "U+007F"));
  CHECK(contains(refusal("c1\xc2\x80"), "U+0080 at byte 2"));
  CHECK(contains(refusal("c1\xc2\x9f"), "U+009F"));
  CHECK(accepted("nbsp\xc2\xa0"));  // U+00A0 is not a control character
}

TEST_CASE("validate_artifact_name refuses invalid UTF-8") {
  for (std::string_view name : {
           "\x80"sv,              // a continuation byte alone
           "a\xbf"sv,             // another
           "\xc3"sv,              // cut short
           "\xe2\x82"sv,          // cut short
           "\xf0\x9f\x98"sv,      // cut short
           "\xc0\xaf"sv,          // overlong '/'
           "\xc1\xbf"sv,          // overlong
           "\xe0\x80\xaf"sv,      // overlong '/'
           "\xf0\x80\x80\xaf"sv,  // overlong '/'
           "\xed\xa0\x80"sv,      // surrogate U+D800
           "\xed\xbf\xbf"sv,      // surrogate U+DFFF
           "\xf4\x90\x80\x80"sv,  // U+110000
           "\xf5\x80\x80\x80"sv,  // no such lead byte
           "\xff"sv, "\xfe"sv,    //
           "\xc3\x28"sv,          // a lead byte followed by ASCII
           "\xe2\x28\xa1"sv,      //
           "ok\xe2\x82\x28"sv,    // bad third byte
       }) {
    CHECK(contains(refusal(name), "is not valid UTF-8"));
  }
  CHECK(contains(refusal("abc\x80"), "at byte 3"));
  // The edges of the valid ranges.
  CHECK(accepted("\xc2\xa0"));
  CHECK(accepted("\xdf\xbf"));
  CHECK(accepted("\xe0\xa0\x80"));
  CHECK(accepted("\xed\x9f\xbf"));      // U+D7FF
  CHECK(accepted("\xee\x80\x80"));      // U+E000
  CHECK(accepted("\xef\xbf\xbd"));      // U+FFFD
  CHECK(accepted("\xf0\x90\x80\x80"));  // U+10000
  CHECK(accepted("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST_CASE("validate_artifact_name names the part and quotes the name safely") {
  CHECK(refusal("a/b", ArtifactPart::ci) == "artifact ci \"a/b\" must not contain '/'");
  CHECK(refusal("..", ArtifactPart::version) == "artifact version \"..\" must not contain \"..\"");
  CHECK(refusal("x\ny", ArtifactPart::file) ==
        "artifact file \"x\\x0ay\" has the control character U+000A at byte 1");
  CHECK(refusal("q\"\\", ArtifactPart::file) ==
        "artifact file \"q\\\"\\\\\" must not contain '\\'");
  // Valid UTF-8 is shown as it is; invalid bytes and C1 controls are escaped.
  CHECK(refusal("ü/x") == "artifact file \"ü/x\" must not contain '/'");
  CHECK(refusal("ü\xffx") == "artifact file \"ü\\xffx\" is not valid UTF-8 at byte 2");
  CHECK(refusal("a\xc2\x85") ==
        "artifact file \"a\\xc2\\x85\" has the control character U+0085 at byte 1");
  const std::string message = refusal(std::string(300, 'z'));
  CHECK(contains(message, "\"zzzz"));
  CHECK(contains(message, "\"..."));
  CHECK(message.size() < 150);
  std::string emoji;
  for (int i = 0; i < 100; ++i) emoji += "😀";
  CHECK(refusal(emoji).size() < 200);
}

TEST_CASE("validate_artifact_coordinate reports the first invalid part") {
  CHECK(validate_artifact_coordinate("payments-api", "1.0.0", "app.tar.gz").ok());
  const Status ci = validate_artifact_coordinate("", "..", "a/b");
  CHECK(contains(ci.message(), "artifact ci"));
  const Status version = validate_artifact_coordinate("ok", "..", "a/b");
  CHECK(contains(version.message(), "artifact version"));
  const Status file = validate_artifact_coordinate("ok", "1", "a/b");
  CHECK(contains(file.message(), "artifact file"));
  CHECK(file.reason() == kInvalidArtifactNameReason);
}

TEST_CASE("parse_coordinate splits CI/VERSION/FILE and checks every part") {
  auto at = parse_coordinate("payments-api/1.2.0/app.tar.gz");
  REQUIRE(at.ok());
  CHECK(*at == Coordinate{"payments-api", "1.2.0", "app.tar.gz"});
  CHECK(at->to_string() == "payments-api/1.2.0/app.tar.gz");
  CHECK(parse_coordinate("api/1.0 rc/app#1.tgz").ok());  // spaces and '#' are names' business

  for (const char* bad : {"", "a", "a/b", "a/b/", "/b/c", "a//c", "a/b/c/d", "a/b/..", "a/./c",
                          "api/../x", "-ci/1/f", "ci/1/-f", "ci/1/a..b", "ci/1/a\\b"}) {
    CAPTURE(bad);
    const auto parsed = parse_coordinate(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid);
    CHECK(parsed.status().reason() == kInvalidArtifactNameReason);
  }
  CHECK(contains(parse_coordinate("a/b/c/d").status().message(), "CI/VERSION/FILE"));
  CHECK(contains(parse_coordinate("ci/-v/f").status().message(), "artifact version"));
}

}  // namespace tollgate
