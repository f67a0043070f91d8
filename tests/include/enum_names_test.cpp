// name_of and parse_name over an enum's table of names.
#include <doctest/doctest.h>

#include "tollgate/coordinate.hpp"
#include "tollgate/enum_names.hpp"

namespace sample {
enum class Colour { red, green, blue };
inline constexpr tollgate::EnumName<Colour> kColourNames[] = {{Colour::red, "red"},
                                                              {Colour::green, "light-green"}};
constexpr std::span<const tollgate::EnumName<Colour>> enum_names(Colour) { return kColourNames; }
}  // namespace sample

using sample::Colour;
using tollgate::name_of;
using tollgate::parse_name;

TEST_CASE("name_of and parse_name are each other's inverse over the table") {
  CHECK(std::string_view(name_of(Colour::red)) == "red");
  CHECK(std::string_view(name_of(Colour::green)) == "light-green");
  CHECK(parse_name<Colour>("red") == Colour::red);
  CHECK(parse_name<Colour>("light-green") == Colour::green);
}

TEST_CASE("a name not in the table parses to nothing; a value not in it is named ?") {
  CHECK_FALSE(parse_name<Colour>("green"));
  CHECK_FALSE(parse_name<Colour>("RED"));
  CHECK_FALSE(parse_name<Colour>(""));
  CHECK_FALSE(parse_name<Colour>("red "));
  CHECK(std::string_view(name_of(Colour::blue)) == "?");
}

TEST_CASE("the helper is usable at compile time") {
  static_assert(parse_name<Colour>("red") == Colour::red);
  static_assert(std::string_view(name_of(Colour::green)) == "light-green");
}

TEST_CASE("artifact parts are named through it") {
  CHECK(std::string_view(tollgate::artifact_part_name(tollgate::ArtifactPart::version)) ==
        "version");
  CHECK(parse_name<tollgate::ArtifactPart>("file") == tollgate::ArtifactPart::file);
}
